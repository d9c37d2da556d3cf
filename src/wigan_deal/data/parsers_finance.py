"""Parsers for the finance-context sources: HM Treasury GDP deflator, IoD2019 upper-tier summaries
and the DCLG/MHCLG Revenue Account (RA) budget workbooks.

Each returns a tidy frame; the build (:mod:`wigan_deal.data.build`) writes it as an extract.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from .errors import RawDataError
from .geography import harmonise_codes

DEFLATOR_COLUMNS = ["financial_year", "period_start", "period_end", "gdp_deflator", "pct_change"]
DEPRIVATION_COLUMNS = [
    "area_code", "area_name", "imd_average_score", "imd_rank_average_score", "imd_average_rank",
    "imd_rank_average_rank", "imd_prop_most_deprived_10pct", "imd_rank_prop_most_deprived_10pct",
]
_FY = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")


def fy_label(value) -> str:
    """Normalise a financial year ('2018-19', '2018/19', '2018/2019') to '2018/19'; ValueError otherwise."""
    m = _FY.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a financial year such as '2018/19' or '2018-19'.")
    first, second = int(m.group(1)), int(m.group(2)[-2:])
    if (first + 1) % 100 != second:
        raise ValueError(f"{value!r} is not a financial year: the second year must follow the first.")
    return f"{first}/{second:02d}"


def _fy_start(label: str) -> int:
    return int(label[:4])


def parse_hmt_deflator(path: Path) -> pd.DataFrame:
    """HMT GDP deflator workbook -> financial years in ``config.DEFLATOR_YEARS`` (outturn, 2018-19 = 100)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [list(r) for r in book[book.sheetnames[0]].iter_rows(values_only=True)]
    finally:
        book.close()
    header = next((i for i, r in enumerate(rows) if any(str(c or "").strip() == "2018-19 = 100" for c in r)), None)
    if header is None:
        raise RawDataError(f"{path}: no header row with '2018-19 = 100' (the GDP deflator index column).")
    col = next(i for i, c in enumerate(rows[header]) if str(c or "").strip() == "2018-19 = 100")
    records = []
    for r in rows[header + 1:]:
        label = str(r[col - 1] or "").strip()
        if label.startswith("Sources"):
            break
        m = re.match(r"^(\d{4}-\d{2})$", label)  # forecast rows carry footnote marks, e.g. '2019-20 (1), (2)'
        if not m or not isinstance(r[col], (int, float)):
            continue
        records.append((fy_label(m.group(1)), float(r[col]), r[col + 1]))
    frame = pd.DataFrame(records, columns=["financial_year", "gdp_deflator", "pct_change"])
    first, last = (_fy_start(y) for y in config.DEFLATOR_YEARS)
    frame["period_start"] = frame["financial_year"].map(_fy_start)
    frame["period_end"] = frame["period_start"] + 1
    frame = frame[(frame["period_start"] >= first) & (frame["period_start"] <= last)].copy()
    if len(frame) != last - first + 1:
        raise RawDataError(f"{path}: expected outturn index values for {config.DEFLATOR_YEARS[0]}.."
                           f"{config.DEFLATOR_YEARS[1]}, found {list(frame['financial_year'])}.")
    frame["gdp_deflator"] = frame["gdp_deflator"].round(6)
    frame["pct_change"] = pd.to_numeric(frame["pct_change"], errors="coerce").round(6)
    return frame[DEFLATOR_COLUMNS].reset_index(drop=True)


#: Code printed in IoD2019 File 11 -> (area name it is printed against, correct GSS code).
#: The published 'IMD' sheet prints Slough as 'E0600003' (a digit dropped); Slough is E06000039.
IOD_CODE_CORRECTIONS: dict[str, tuple[str, str]] = {"E0600003": ("Slough", "E06000039")}

_IOD_HEADERS = {
    "area_code": r"^upper tier local authority district code",
    "area_name": r"^upper tier local authority district name",
    "imd_average_rank": r"^imd - average rank$",
    "imd_rank_average_rank": r"^imd - rank of average rank$",
    "imd_average_score": r"^imd - average score$",
    "imd_rank_average_score": r"^imd - rank of average score$",
    "imd_prop_most_deprived_10pct": r"^imd - proportion of lsoas in most deprived 10% nationally$",
    "imd_rank_prop_most_deprived_10pct": r"^imd - rank of proportion of lsoas in most deprived 10% nationally$",
}


def parse_iod2019(path: Path) -> pd.DataFrame:
    """IoD2019 File 11 (upper tier), sheet 'IMD' -> one row per area (rank 1 = most deprived)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if "IMD" not in book.sheetnames:
            raise RawDataError(f"{path}: no sheet 'IMD' (sheets: {book.sheetnames}).")
        rows = [list(r) for r in book["IMD"].iter_rows(values_only=True)]
    finally:
        book.close()
    header = [str(c or "").strip().lower() for c in rows[0]]
    cols = {}
    for key, pattern in _IOD_HEADERS.items():
        hits = [i for i, h in enumerate(header) if re.match(pattern, h)]
        if len(hits) != 1:
            raise RawDataError(f"{path}: sheet 'IMD' has no single column matching {pattern!r} (header {rows[0]}).")
        cols[key] = hits[0]
    frame = pd.DataFrame([{k: r[i] for k, i in cols.items()} for r in rows[1:] if r[cols["area_code"]]])
    frame["area_code"] = frame["area_code"].astype(str).str.strip()
    frame["area_name"] = frame["area_name"].astype(str).str.strip()
    for wrong, (name, right) in IOD_CODE_CORRECTIONS.items():
        hit = frame["area_code"] == wrong
        if hit.any() and not (frame.loc[hit, "area_name"] == name).all():
            raise RawDataError(f"{path}: code {wrong} is printed for {list(frame.loc[hit, 'area_name'])}, "
                               f"not {name}; the correction {wrong} -> {right} no longer applies.")
        frame.loc[hit, "area_code"] = right
    bad = frame[~frame["area_code"].str.match(r"^E\d{8}$")]
    if len(bad):
        raise RawDataError(f"{path}: malformed area code(s) {list(bad['area_code'])} for {list(bad['area_name'])}; "
                           "add a checked entry to IOD_CODE_CORRECTIONS.")
    frame["area_code"] = harmonise_codes(frame["area_code"])
    for key in DEPRIVATION_COLUMNS[2:]:
        frame[key] = pd.to_numeric(frame[key], errors="raise")
    for key in ("imd_rank_average_score", "imd_rank_average_rank", "imd_rank_prop_most_deprived_10pct"):
        frame[key] = frame[key].astype("Int64")
    if frame["area_code"].duplicated().any() or len(frame) < 150:
        raise RawDataError(f"{path}: expected ~151 distinct upper-tier areas, found {len(frame)}.")
    return frame[DEPRIVATION_COLUMNS].sort_values("area_code").reset_index(drop=True)


def as_float(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
