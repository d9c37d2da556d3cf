"""Build side: parse the ASCOF (processed) and Oflog adult social care files into ``social_care_outcomes.csv`` rows.

Measure definitions live in :mod:`.social_care`; see its docstring for the sources.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .geography import harmonise_codes, is_upper_tier_or_england
from .social_care import BREAKDOWNS, MEASURES, SOCIAL_CARE_COLUMNS, fy_of

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
def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def parse_ascof_processed(path: Path) -> pd.DataFrame:
    """Processed ASCOF open data (one financial year): England + council rows, coded measures."""
    raw = pd.read_csv(path, dtype={"ONS Code": str})
    years = raw["Year"].unique()
    if len(years) != 1:
        raise RawDataError(f"{path.name}: expected one Year, found {sorted(years)}.")
    label, start, end = fy_of(int(years[0]) - 1)  # Year 2019 = FY 2018-19
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
        "financial_year": [fy_of(s)[0] for s in starts], "period_start": starts, "period_end": starts + 1,
        "area_code": harmonise_codes(raw["Local authority code"]), "area_name": raw["Local authority name"],
        "breakdown": "Total", "value": raw["Value"].astype(float), "derived": False, "flag": "",
    })
    out.loc[out["measure_code"] == "1J", "flag"] = "Oflog 'ASC Quality of Life' = ASCOF 1J (adjusted), not 1A"
    out = out[is_upper_tier_or_england(out["area_code"]) & out["value"].notna()]
    return out[SOCIAL_CARE_COLUMNS].reset_index(drop=True)
