"""Adult social care outcome measures (ASCOF and Oflog), harmonised by measure CODE: what the extract holds.

The measure definitions, breakdowns, sources and value ranges, shared by the build
(:mod:`.parsers_social_care` parses the raw files) and the read side (:mod:`.social_care_loaders`,
:mod:`.store` validates the extract with :func:`validate`).

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

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError

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
BREAKDOWNS = {"Total": "Total", "18-64": "18-64", "65 and over": "65+", "Male": "Male", "Female": "Female"}
#: Sources, in display order (the GM LG Inform series come from indicators.csv).
SOURCE_LABELS = {
    "ascof_processed": "NHS Digital ASCOF (processed open data, all councils + England)",
    "oflog": "Oflog adult social care measures (councils only, no England row)",
    "lginform_gm": "NHS Digital ASCOF via LG Inform (Greater Manchester only, no England row)",
}
GM_INDICATORS = {"ascof_2a2_res_admissions_65": "2A(2)", "ascof_2b1_home_91days": "2B(1)"}
VALUE_RANGES = {"percent": (0.0, 100.0), "rate": (0.0, 1e6), "score": (0.0, 24.0), "index": (0.0, 1.0)}


def fy_of(start: int) -> tuple[str, int, int]:
    """The financial year starting in ``start``: (label '2018/19', start, end)."""
    return f"{start}/{str(start + 1)[-2:]}", start, start + 1


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


def measures_table() -> pd.DataFrame:
    """Every measure code with title, unit and direction."""
    return pd.DataFrame([{"measure_code": m.code, "title": m.title, "unit": m.unit,
                          "higher_is_better": m.higher_is_better, "pathway": m.pathway} for m in MEASURES.values()])


PATHWAY_MEASURES: tuple[str, ...] = tuple(m.code for m in MEASURES.values() if m.pathway)
