"""Adult social care outcome measures (ASCOF and Oflog), harmonised by measure CODE.

Three raw files feed ``social_care_outcomes.csv``:

* NHS Digital ASCOF 2018-19 and 2019-20, all councils + England, as processed by a third party
  (social_care_datahub). The files carry measure-group DESCRIPTIONS only and the wording changed
  between the two years, so each description is mapped to its ASCOF code here
  (:data:`ASCOF_DESCRIPTION_CODES`); an unmapped description stops the build. Where NHS Digital gave
  no outcome for a '65 and over' breakdown the processor derived one (values with 2 decimals): those
  rows carry ``derived=True``.
* Office for Local Government (Oflog) ASC measures 2015-16..2022-23: councils only (no England row);
  its 'ASC Quality of Life' is ASCOF 1J (adjusted), not 1A. Oflog codes map to ASCOF codes through
  :data:`OFLOG_CODES`.

Each row keeps its ``source``: a measure published by both (1J, 2D) is never merged across sources.
The two Greater Manchester LG Inform series (2A(2) 2014-15..2018-19, 2B(1) 2010-11..2017-18) stay in
``indicators.csv``; :func:`load_social_care` returns them beside the rows of this extract.
ASCOF 2A changed definition in 2014-15 (SALT replaced ASC-CAR): no series here crosses that break.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError, RawDataError
from .geography import harmonise_codes, is_upper_tier_or_england

SOCIAL_CARE_COLUMNS = ["source", "measure_code", "financial_year", "period_start", "period_end", "area_code",
                       "area_name", "breakdown", "value", "derived", "flag"]
SOCIAL_CARE_KEY = ["source", "measure_code", "financial_year", "area_code", "breakdown"]


@dataclass(frozen=True)
class Measure:
    code: str
    title: str
    unit: str
    #: value-range family: 'percent', 'rate', 'score' (0-24 SCRQoL, 0-12 carer QoL) or 'index' (0-1)
    unit_kind: str
    higher_is_better: bool | None
    #: True for the measures on the Deal's own pathway (reablement, care homes, hospital discharge,
    #: quality of life, satisfaction, self-directed support) used in notebook 07's pathway figure.
    pathway: bool = False


MEASURES: dict[str, Measure] = {m.code: m for m in (
    Measure("1A", "Social care-related quality of life (users)", "score (0-24)", "score", True, True),
    Measure("1B", "Users who have control over their daily life", "percent", "percent", True),
    Measure("1C(1A)", "Users receiving self-directed support", "percent", "percent", True, True),
    Measure("1C(1B)", "Carers receiving self-directed support", "percent", "percent", True),
    Measure("1C(2A)", "Users receiving direct payments", "percent", "percent", True),
    Measure("1C(2B)", "Carers receiving direct payments", "percent", "percent", True),
    Measure("1D", "Carer-reported quality of life", "score (0-12)", "score", True),
    Measure("1E", "Adults with a learning disability in paid employment", "percent", "percent", True),
    Measure("1F", "Adults in contact with secondary mental health services in paid employment", "percent",
            "percent", True),
    Measure("1G", "Adults with a learning disability living in their own home or with family", "percent",
            "percent", True),
    Measure("1H", "Adults in contact with secondary mental health services living independently", "percent",
            "percent", True),
    Measure("1I(1)", "Users with as much social contact as they would like", "percent", "percent", True),
    Measure("1I(2)", "Carers with as much social contact as they would like", "percent", "percent", True),
    Measure("1J", "Adjusted social care-related quality of life (impact of services)", "index (0-1)", "index",
            True, True),
    Measure("2A(1)", "Permanent admissions to care homes, aged 18-64", "per 100,000 population aged 18-64", "rate",
            False),
    Measure("2A(2)", "Permanent admissions to care homes, aged 65+", "per 100,000 population aged 65+", "rate",
            False, True),
    Measure("2B(1)", "Older people (65+) still at home 91 days after discharge into reablement", "percent",
            "percent", True, True),
    Measure("2B(2)", "Older people (65+) offered reablement after discharge from hospital", "percent", "percent",
            True),
    Measure("2C(1)", "Delayed transfers of care from hospital", "per 100,000 population aged 18+", "rate", False,
            True),
    Measure("2C(2)", "Delayed transfers of care attributable to adult social care", "per 100,000 population aged 18+",
            "rate", False, True),
    Measure("2C(3)", "Delayed transfers of care jointly attributable to NHS and social care",
            "per 100,000 population aged 18+", "rate", False),
    Measure("2D", "Short-term services: no ongoing or lower-level support afterwards (sequel)", "percent", "percent",
            True, True),
    Measure("3A", "Users' overall satisfaction with care and support", "percent", "percent", True, True),
    Measure("3B", "Carers' overall satisfaction with social services", "percent", "percent", True),
    Measure("3C", "Carers included or consulted in discussions about the person cared for", "percent", "percent",
            True),
    Measure("3D(1)", "Users who find it easy to find information about services", "percent", "percent", True),
    Measure("3D(2)", "Carers who find it easy to find information about support", "percent", "percent", True),
    Measure("4A", "Users who feel safe", "percent", "percent", True),
    Measure("4B", "Users who say services made them feel safe and secure", "percent", "percent", True),
    Measure("SALT-REQ", "Requests for support resulting in a service (SALT)", "per 100,000 population aged 18+",
            "rate", None),
    Measure("SFC-TURNOVER", "Adult social care workforce turnover (Skills for Care)", "percent", "percent", False),
)}

#: Wording of each ASCOF measure group in the processed 2018-19 and 2019-20 files -> ASCOF code.
ASCOF_DESCRIPTION_CODES: dict[str, str] = {
    # 2018-19 wording
    "Adjusted Social care-related quality of life – impact of Adult Social Care services": "1J",
    "Carer-reported quality of life score": "1D",
    "Delayed transfers of care from hospital that are attributable to adult social care, per 100,000 population": "2C(2)",
    "Delayed transfers of care from hospital that are jointly attributable to NHS and adult social care, per 100,000 "
    "population": "2C(3)",
    "Delayed transfers of care from hospital, per 100,000 population": "2C(1)",
    "Long-term support needs of older adults aged 65 and over met by admission to residential and nursing care homes, "
    "per 100,000 population": "2A(2)",
    "Long-term support needs of younger adults aged 18-64 met by admission to residential and nursing care homes, "
    "per 100,000 population": "2A(1)",
    "Overall satisfaction of carers with social services": "3B",
    "Overall satisfaction of people who use services with their care and support": "3A",
    "Social care-related quality of life score": "1A",
    "The outcome of short-term services: sequel to service": "2D",
    "The proportion of adults in contact with secondary mental health services in paid employment": "1F",
    "The proportion of adults in contact with secondary mental health services living independently, with or without "
    "support": "1H",
    "The proportion of adults with a learning disability in paid employment": "1E",
    "The proportion of adults with a learning disability who live in their own home or with their family": "1G",
    "The proportion of carers who find it easy to find information about support": "3D(2)",
    "The proportion of carers who receive direct payments": "1C(2B)",
    "The proportion of carers who receive self-directed support": "1C(1B)",
    "The proportion of carers who report that they have been included or consulted in discussion about the person "
    "they care for": "3C",
    "The proportion of carers who reported that they had as much social contact as they would like": "1I(2)",
    "The proportion of older people (aged 65 and over) who received reablement/rehabilitation services after "
    "discharge from hospital": "2B(2)",
    "The proportion of older people (aged 65 and over) who were still at home 91 days after discharge from hospital "
    "into reablement/rehabilitation services": "2B(1)",
    "The proportion of people who use services who feel safe": "4A",
    "The proportion of people who use services who find it easy to find information about support": "3D(1)",
    "The proportion of people who use services who have control over their daily life": "1B",
    "The proportion of people who use services who receive direct payments": "1C(2A)",
    "The proportion of people who use services who receive self-directed support": "1C(1A)",
    "The proportion of people who use services who reported that they had as much social contact as they would "
    "like": "1I(1)",
    "The proportion of people who use services who say that those services have made them feel safe and secure": "4B",
    # 2019-20 wording
    "Delayed transfers of care from hospital per 100,000 population": "2C(1)",
    "Delayed transfers of care from hospital which are attributable to adult social care per 100,000 population":
        "2C(2)",
    "Delayed transfers of care from hospital which are jointly attributable to the NHS and adult social care per "
    "100,000 population": "2C(3)",
    "Proportion of adults in contact with secondary mental health services in paid employment": "1F",
    "Proportion of adults in contact with secondary mental health services who live independently, with or without "
    "support": "1H",
    "Proportion of adults with learning disabilities in paid employment": "1E",
    "Proportion of adults with learning disabilities who live in their own home or with their family": "1G",
    "Proportion of older people 65 and over who were still at home 91 days after discharge from hospital into "
    "reablement/rehabilitation services effectiveness of the service": "2B(1)",
    "Proportion of older people 65 and over who were still at home 91 days after discharge from hospital into "
    "reablement/rehabilitation services offered the service": "2B(2)",
    "Proportion of people using social care who receive direct payments": "1C(2A)",
    "Proportion of people using social care who receive self-directed support": "1C(1A)",
    "Proportion of people who use services and carers who find it easy to find information about services": "3D(1)",
    "Proportion of people who use services who feel safe": "4A",
    "Proportion of people who use services who have control over their daily life": "1B",
    "Proportion of people who use services who reported that they had as much social contact as they would like":
        "1I(1)",
    "Proportion of people who use services who say that those services have made them feel safe and secure": "4B",
    "Proportion of those that received a short term service during the year where the sequel to service was either "
    "no ongoing support or support of a lower level": "2D",
    "Social care-related quality of life": "1A",
}
#: Flags attached to a (year, code) of the processed ASCOF files.
ASCOF_FLAGS: dict[tuple[str, str], str] = {
    ("2019/20", "3D(1)"): ("2019-20 measure group worded 'people who use services and carers'; the carers' survey "
                           "was not run in 2019-20, so these are service users"),
}
#: The 2019-20 file puts users AND carers under one description for self-directed support and direct
#: payments: two blocks per council and breakdown, users first (their levels match 2018-19 1C(1A)/1C(2A):
#: England 27.9% direct payments vs 28.3% in 2018-19; carers' 77.1% vs 73.4%). Split by order of appearance.
ASCOF_SPLIT_BY_ORDER: dict[str, tuple[str, str]] = {"1C(1A)": ("1C(1A)", "1C(1B)"), "1C(2A)": ("1C(2A)", "1C(2B)")}
FLAG_SPLIT = ("users and carers share one description in the processed 2019-20 file; split by order of "
              "appearance (first block = users)")
#: Oflog code -> ASCOF (or other) measure code.
OFLOG_CODES: dict[str, str] = {
    "ASC1": "1D", "ASC2": "1J", "ASC3": "3D(1)", "ASC4": "3D(2)", "ASC5": "2D", "ASC6": "SALT-REQ",
    "ASC7": "SFC-TURNOVER",
}
BREAKDOWNS = {"Total": "Total", "18-64": "18-64", "65 and over": "65+", "Male": "Male", "Female": "Female"}
#: Sources, in display order (the GM LG Inform series come from indicators.csv).
SOURCE_LABELS = {
    "ascof_processed": "NHS Digital ASCOF (processed open data, all councils + England)",
    "oflog": "Oflog adult social care measures (councils only, no England row)",
    "lginform_gm": "NHS Digital ASCOF via LG Inform (Greater Manchester only, no England row)",
}
GM_INDICATORS = {"ascof_2a2_res_admissions_65": "2A(2)", "ascof_2b1_home_91days": "2B(1)"}
VALUE_RANGES = {"percent": (0.0, 100.0), "rate": (0.0, 1e6), "score": (0.0, 24.0), "index": (0.0, 1.0)}


def _fy(start: int) -> tuple[str, int, int]:
    return f"{start}/{str(start + 1)[-2:]}", start, start + 1


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def parse_ascof_processed(path: Path) -> pd.DataFrame:
    """Processed ASCOF open data (one financial year): England + council rows, coded measures."""
    raw = pd.read_csv(path, dtype={"ONS Code": str})
    years = raw["Year"].unique()
    if len(years) != 1:
        raise RawDataError(f"{path.name}: expected one Year, found {sorted(years)}.")
    label, start, end = _fy(int(years[0]) - 1)  # Year 2019 = FY 2018-19
    raw = raw[raw["Geographical Level"].isin(["Council", "England"])].copy()
    unknown = sorted(set(raw["Measure Group Description"]) - set(ASCOF_DESCRIPTION_CODES))
    if unknown:
        raise RawDataError(f"{path.name}: measure group(s) with no ASCOF code in ASCOF_DESCRIPTION_CODES: {unknown}")
    bad = sorted(set(raw["Disaggregation Level"]) - set(BREAKDOWNS))
    if bad:
        raise RawDataError(f"{path.name}: unknown disaggregation level(s) {bad}; valid: {sorted(BREAKDOWNS)}.")
    out = pd.DataFrame({
        "source": "ascof_processed",
        "measure_code": raw["Measure Group Description"].map(ASCOF_DESCRIPTION_CODES),
        "financial_year": label, "period_start": start, "period_end": end,
        "area_code": harmonise_codes(raw["ONS Code"]),
        "area_name": raw["Geographical Description"],
        "breakdown": raw["Disaggregation Level"].map(BREAKDOWNS),
        "value": raw["Measure Value"].astype(float),
    })
    order = out.groupby(["measure_code", "area_code", "breakdown"]).cumcount()
    split = out["measure_code"].isin(ASCOF_SPLIT_BY_ORDER) & (
        out.groupby(["measure_code", "area_code", "breakdown"])["value"].transform("size") == 2)
    out.loc[split, "measure_code"] = [ASCOF_SPLIT_BY_ORDER[c][i] for c, i in
                                      zip(out.loc[split, "measure_code"], order[split], strict=True)]
    # The processor derived 65+ outcomes where NHS Digital gave none: such values carry 2 decimals
    # (published outcomes have at most 1, or 3 on the 0-1 scale of 1J).
    kinds = out["measure_code"].map(lambda c: MEASURES[c].unit_kind)
    out["derived"] = (out["breakdown"] == "65+") & (out["value"].map(_decimals) == 2) & (kinds != "index")
    flags = []
    for code, derived in zip(out["measure_code"], out["derived"], strict=True):
        parts = ["derived by the processor from summed numerators/denominators (not published by NHS Digital)"
                 ] if derived else []
        if (label, code) in ASCOF_FLAGS:
            parts.append(ASCOF_FLAGS[(label, code)])
        flags.append("; ".join(parts))
    out["flag"] = flags
    out.loc[split, "flag"] = [f"{f}; {FLAG_SPLIT}" if f else FLAG_SPLIT for f in out.loc[split, "flag"]]
    out = out[is_upper_tier_or_england(out["area_code"])]
    return out[SOCIAL_CARE_COLUMNS].reset_index(drop=True)


def parse_oflog_asc(path: Path) -> pd.DataFrame:
    """Oflog ASC measures 2015-16..2022-23 (councils only)."""
    raw = pd.read_csv(path, dtype={"Local authority code": str, "Financial year": str})
    unknown = sorted(set(raw["Code"]) - set(OFLOG_CODES))
    if unknown:
        raise RawDataError(f"{path.name}: Oflog code(s) {unknown} not in OFLOG_CODES {sorted(OFLOG_CODES)}.")
    starts = raw["Financial year"].str[:4].astype(int)
    out = pd.DataFrame({
        "source": "oflog", "measure_code": raw["Code"].map(OFLOG_CODES),
        "financial_year": [_fy(s)[0] for s in starts], "period_start": starts, "period_end": starts + 1,
        "area_code": harmonise_codes(raw["Local authority code"]), "area_name": raw["Local authority name"],
        "breakdown": "Total", "value": raw["Value"].astype(float), "derived": False, "flag": "",
    })
    out.loc[out["measure_code"] == "1J", "flag"] = "Oflog 'ASC Quality of Life' = ASCOF 1J (adjusted), not 1A"
    out = out[is_upper_tier_or_england(out["area_code"]) & out["value"].notna()]
    return out[SOCIAL_CARE_COLUMNS].reset_index(drop=True)


def validate(frame: pd.DataFrame, path: Path | str) -> None:
    """Range check per measure unit; called by the extract loader."""
    unknown = sorted(set(frame["measure_code"]) - set(MEASURES))
    if unknown:
        raise DataError(f"{path}: unknown measure code(s) {unknown}; valid codes: {sorted(MEASURES)}.")
    kinds = frame["measure_code"].map(lambda c: MEASURES[c].unit_kind)
    lo = kinds.map(lambda k: VALUE_RANGES[k][0])
    hi = kinds.map(lambda k: VALUE_RANGES[k][1])
    out = frame["value"].isna() | (frame["value"] < lo) | (frame["value"] > hi)
    if out.any():
        raise DataError(f"{path}: {int(out.sum())} social care values missing or outside their unit's range, "
                        f"e.g.\n{frame[out].head(4)}")
    bad = sorted(set(frame["source"]) - set(SOURCE_LABELS))
    if bad:
        raise DataError(f"{path}: unknown source(s) {bad}; valid: {sorted(SOURCE_LABELS)}.")


#: the last :func:`_all_rows` result and the very extracts it came from (reused only while they are cached)
_ALL_ROWS: dict[str | None, tuple[tuple[pd.DataFrame, pd.DataFrame], pd.DataFrame]] = {}


def _all_rows(extracts_dir: str | Path | None) -> pd.DataFrame:
    """Every social care row (the extract plus the GM LG Inform series), built once per version of the
    extracts: a report asks ~50 times, an atlas worker's kernel keeps it across councils. Callers filter
    it into new frames (never modify it in place)."""
    from .store import shared_extract  # local: store imports this module for validation

    sources = (shared_extract("social_care_outcomes.csv", extracts_dir), shared_extract("indicators.csv", extracts_dir))
    key = None if extracts_dir is None else str(extracts_dir)
    hit = _ALL_ROWS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], sources, strict=True)):
        return hit[1]
    frame = pd.concat([sources[0], _gm_rows(lambda: sources[1])], ignore_index=True)
    frame["derived"] = frame["derived"].astype(bool)
    _ALL_ROWS.clear()
    _ALL_ROWS[key] = (sources, frame)
    return frame


def _gm_rows(read_indicators) -> pd.DataFrame:
    ind = read_indicators()
    ind = ind[ind["indicator"].isin(GM_INDICATORS)]
    out = pd.DataFrame({
        "source": "lginform_gm", "measure_code": ind["indicator"].map(GM_INDICATORS),
        "financial_year": [_fy(int(s))[0] for s in ind["period_start"]],
        "period_start": ind["period_start"], "period_end": ind["period_end"],
        "area_code": ind["area_code"], "area_name": ind["area_name"], "breakdown": "Total",
        "value": ind["value"], "derived": False, "flag": "",
    })
    return out


def _keep(frame: pd.DataFrame, column: str, wanted: str | Iterable[str] | None, valid: Iterable[str],
          what: str, plural: str) -> pd.DataFrame:
    """Rows whose ``column`` is in ``wanted`` (all rows for ``None``); an unknown value is a clear error."""
    if wanted is None:
        return frame
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    bad = [m for m in items if m not in valid]
    if bad:
        raise DataError(f"Unknown {what} {bad[0]!r}: valid {plural} are {sorted(valid)}.")
    return frame[frame[column].isin(items)]


def load_social_care(measures: str | Iterable[str] | None = None, areas: str | Iterable[str] | None = None,
                     sources: str | Iterable[str] | None = None, breakdown: str | None = "Total",
                     extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """Adult social care outcomes by measure code (e.g. ``"2A(2)"``), council and financial year.

    Rows from ``social_care_outcomes.csv`` (ASCOF processed 2018-19/2019-20, Oflog 2015-16..2022-23) plus
    the Greater Manchester LG Inform series of 2A(2) and 2B(1) (source ``lginform_gm``). Sources are never
    merged: a measure present in two sources appears twice, told apart by ``source``. ``areas`` filters
    by code WITHOUT checking them against ``areas.csv`` (reorganised councils have rows here only);
    ``breakdown`` ``None`` returns every breakdown. Adds ``title``, ``unit`` and ``higher_is_better``.
    """
    base = frame = _all_rows(extracts_dir)
    frame = _keep(frame, "measure_code", measures, MEASURES, "social care measure", "codes")
    frame = _keep(frame, "source", sources, SOURCE_LABELS, "social care source", "sources")
    if areas is not None:
        codes = [areas] if isinstance(areas, str) else list(areas)
        frame = frame[frame["area_code"].isin(harmonise_codes(pd.Series(codes, dtype=object)))]
    if breakdown is not None:
        if breakdown not in BREAKDOWNS.values():
            raise DataError(f"Unknown breakdown {breakdown!r}: valid are {sorted(BREAKDOWNS.values())} or None.")
        frame = frame[frame["breakdown"] == breakdown]
    if frame is base:  # no filter: never add columns to the shared rows
        frame = frame.copy()
    frame["title"] = frame["measure_code"].map(lambda c: MEASURES[c].title)
    frame["unit"] = frame["measure_code"].map(lambda c: MEASURES[c].unit)
    frame["higher_is_better"] = frame["measure_code"].map(lambda c: MEASURES[c].higher_is_better)
    return frame.sort_values(["measure_code", "source", "area_code", "breakdown", "period_start"]).reset_index(drop=True)


def measures_table() -> pd.DataFrame:
    """Every measure code with title, unit and direction."""
    return pd.DataFrame([{"measure_code": m.code, "title": m.title, "unit": m.unit,
                          "higher_is_better": m.higher_is_better, "pathway": m.pathway} for m in MEASURES.values()])


PATHWAY_MEASURES: tuple[str, ...] = tuple(m.code for m in MEASURES.values() if m.pathway)
