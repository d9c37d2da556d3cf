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
from .schema import BUDGET_SERVICES, fy_label

DEFLATOR_COLUMNS = ["financial_year", "period_start", "period_end", "gdp_deflator", "pct_change"]
DEPRIVATION_COLUMNS = [
    "area_code", "area_name", "imd_average_score", "imd_rank_average_score", "imd_average_rank",
    "imd_rank_average_rank", "imd_prop_most_deprived_10pct", "imd_rank_prop_most_deprived_10pct",
]
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


# --- Revenue Account (RA) budget workbooks ---------------------------------------------------------
RA_WIDE = ["financial_year", "ecode", "ons_code", "la_name", "la_class", *BUDGET_SERVICES]
_RA_HEADERS: dict[str, re.Pattern[str]] = {
    "ecode": re.compile(r"^e-code$", re.I),
    "ons_code": re.compile(r"^ons code$", re.I),
    "la_name": re.compile(r"^local authority$", re.I),
    "la_class": re.compile(r"^class$", re.I),
    "adult_social_care": re.compile(r"^total adult social care", re.I),
    "children_social_care": re.compile(r"^total children'?s social care", re.I),
    "total_social_care": re.compile(r"^total social care$", re.I),
    "education": re.compile(r"^total education services", re.I),
    "public_health": re.compile(r"^total public health", re.I),
    "total_service_expenditure": re.compile(r"^total service expenditure", re.I),
    "net_current_expenditure": re.compile(r"^net current expenditure", re.I),
}
#: 2010-11 and 2011-12 have no adult / children total line: these are the lines that are summed.
RA_ADULT_LINES = re.compile(
    r"^(social care strategy - adults|older people \(aged 65 or over\)|adults aged under 65|other adult social care)",
    re.I)
RA_CHILD_LINES = re.compile(
    r"^(social care strategy - children|children and young peoples safety|children'?s? and families'? ?services)",
    re.I)
RA_N_ADULT_LINES = 7
FLAG_SUMMED_ASC = ("sum of the 7 adult social care lines (no adult social care total line in this year); "
                   "adults + children checked equal to TOTAL SOCIAL CARE")
FLAG_SUMMED_CSC = ("sum of the children's social care lines (no children's total line in this year); "
                   "adults + children checked equal to TOTAL SOCIAL CARE")

#: Social-care councils created, merged or abolished around the RA/RS window, handled explicitly.
#: code -> (name, first financial year with its own returns, last financial year, what happened)
REORGANISED_COUNCILS: dict[str, tuple[str, str | None, str | None, str]] = {
    "E06000028": ("Bournemouth", None, "2018/19", "merged with Poole and Christchurch (a district) into "
                  "Bournemouth, Christchurch and Poole UA on 1 April 2019"),
    "E06000029": ("Poole", None, "2018/19", "merged into Bournemouth, Christchurch and Poole UA on 1 April 2019"),
    "E10000009": ("Dorset (county)", None, "2018/19", "county and its districts (except Christchurch) replaced by "
                  "Dorset UA on 1 April 2019"),
    "E06000058": ("Bournemouth, Christchurch and Poole", "2019/20", None, "created 1 April 2019"),
    "E06000059": ("Dorset (UA)", "2019/20", None, "created 1 April 2019"),
    "E10000021": ("Northamptonshire", None, None, "present throughout 2010/11-2019/20; replaced by North and West "
                  "Northamptonshire UAs (E06000061/E06000062) on 1 April 2021, after this window"),
    "E10000002": ("Buckinghamshire (county)", None, None, "present throughout 2010/11-2019/20; replaced by "
                  "Buckinghamshire UA (E06000060) on 1 April 2020, after this window"),
}


def _read_sheets(path: Path, want) -> list[tuple[str, list[list]]]:
    sheets: list[tuple[str, list[list]]] = []
    if path.suffix == ".xls":
        import xlrd

        book = xlrd.open_workbook(path, on_demand=True)
        for name in book.sheet_names():
            if want(name):
                sh = book.sheet_by_name(name)
                sheets.append((name, [sh.row_values(i) for i in range(sh.nrows)]))
        book.release_resources()
    else:
        import warnings

        import openpyxl

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Print area cannot be set")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for name in book.sheetnames:
            if want(name):
                sheets.append((name, [list(r) for r in book[name].iter_rows(values_only=True)]))
        book.close()
    return sheets


def parse_ra_workbook(path: Path, financial_year: str) -> pd.DataFrame:
    """One RA budget workbook -> wide frame (:data:`RA_WIDE`): every E-code row plus the ENGLAND row
    (``ecode`` 'ENGLAND'), budgeted net current expenditure in GBP thousand.

    The net-current-expenditure sheet is 'RA LA Data <year> (1)' (2010-11..2015-16; sheets (2)/(3) are capital
    charges and net total cost) or the single 'RA LA Data <year>' sheet (2016-17 on). Where no adult / children
    total line exists (2010-11, 2011-12) the lines are summed and adults + children must equal TOTAL SOCIAL CARE.
    """
    label = fy_label(financial_year)
    sheets = _read_sheets(path, lambda n: n.startswith("RA LA Data") and ("(1)" in n or "(" not in n))
    if len(sheets) != 1:
        raise RawDataError(f"{path}: expected one net-current-expenditure sheet 'RA LA Data ... (1)' or 'RA LA Data "
                           f"...', found {[n for n, _ in sheets]}.")
    name, rows = sheets[0]
    title = " ".join(str(c) for r in rows[:4] for c in r if c not in (None, ""))
    if "net current expenditure" not in title.lower():
        raise RawDataError(f"{path}: sheet {name!r} is not titled 'Net current expenditure' (title: {title[:120]!r}).")
    header_row = next((i for i, r in enumerate(rows[:20]) if "E-code" in [str(c).strip() for c in r]), None)
    if header_row is None:
        raise RawDataError(f"{path}: sheet {name!r} has no 'E-code' header row in its first 20 rows.")
    header = [str(c).strip() if c is not None else "" for c in rows[header_row]]
    cols: dict[str, int] = {}
    for key, pattern in _RA_HEADERS.items():
        hits = [i for i, h in enumerate(header) if pattern.match(h)]
        if hits:
            cols[key] = hits[0]
    for needed in ("ecode", "la_name", "la_class", "education", "total_service_expenditure", "net_current_expenditure"):
        if needed not in cols:
            raise RawDataError(f"{path}: header row lacks {needed!r} ({_RA_HEADERS[needed].pattern}).")
    summed = "adult_social_care" not in cols
    adult_cols = [i for i, h in enumerate(header) if RA_ADULT_LINES.match(h)] if summed else []
    child_cols = [i for i, h in enumerate(header) if RA_CHILD_LINES.match(h)] if summed else []
    if summed and (len(adult_cols) != RA_N_ADULT_LINES or not child_cols or "total_social_care" not in cols):
        raise RawDataError(
            f"{path}: no TOTAL ADULT SOCIAL CARE line, and the adult lines to sum were not found as expected "
            f"({len(adult_cols)} adult lines, {len(child_cols)} children's lines, TOTAL SOCIAL CARE "
            f"{'present' if 'total_social_care' in cols else 'absent'}; expected {RA_N_ADULT_LINES} adult lines)."
        )
    records = []
    for row in rows[header_row + 1:]:
        ecode = str(row[cols["ecode"]] or "").strip()
        la_name = str(row[cols["la_name"]] or "").strip()
        if not re.match(r"^E\d{4}$", ecode):
            if la_name.upper() != "ENGLAND":
                continue
            ecode = "ENGLAND"
        rec: dict = {"financial_year": label, "ecode": ecode, "la_name": la_name,
                     "la_class": str(row[cols["la_class"]] or "").strip() or None,
                     "ons_code": str(row[cols["ons_code"]] or "").strip() or None if "ons_code" in cols else None}
        for key in BUDGET_SERVICES:
            rec[key] = as_float(row[cols[key]]) if key in cols else np.nan
        if summed:
            adults = [as_float(row[i]) for i in adult_cols]
            children = [as_float(row[i]) for i in child_cols]
            rec["adult_social_care"] = float(np.nansum(adults)) if not all(np.isnan(adults)) else np.nan
            rec["children_social_care"] = float(np.nansum(children)) if not all(np.isnan(children)) else np.nan
            total = rec["total_social_care"]
            both = rec["adult_social_care"] + rec["children_social_care"]
            if not (np.isnan(total) and np.isnan(both)) and not abs(both - total) <= max(1.0, 1e-6 * abs(total)):
                raise RawDataError(
                    f"{path}: {la_name} ({ecode}) adult social care lines ({rec['adult_social_care']:,.0f}) + children's "
                    f"lines ({rec['children_social_care']:,.0f}) = {both:,.0f} differ from TOTAL SOCIAL CARE "
                    f"({total:,.0f}); the line layout of this year has changed."
                )
        records.append(rec)
    out = pd.DataFrame.from_records(records).reindex(columns=RA_WIDE)
    if "ENGLAND" not in set(out["ecode"]):
        raise RawDataError(f"{path}: no ENGLAND total row in sheet {name!r}.")
    return out


def check_ra_against_derived(parsed: pd.DataFrame, derived_csv: Path) -> int:
    """Every value of the derived RA extract (LA and ENGLAND rows) must equal the workbook parse.

    Used only as a cross-check of :func:`parse_ra_workbook`; returns the number of values compared.
    """
    derived = pd.read_csv(derived_csv, dtype={"mhclg_ecode": str, "financial_year": str})
    derived = derived[derived["mhclg_ecode"].notna() | (derived["la_name"] == "ENGLAND")].copy()
    derived["ecode"] = derived["mhclg_ecode"].fillna("ENGLAND")
    derived["financial_year"] = derived["financial_year"].map(fy_label)
    mapping = {
        "asc_budget_net_current_gbp000": "adult_social_care",
        "childrens_sc_budget_gbp000": "children_social_care",
        "total_social_care_2010_12_only_gbp000": "total_social_care",
        "total_service_expenditure_budget_gbp000": "total_service_expenditure",
        "net_current_expenditure_budget_gbp000": "net_current_expenditure",
    }
    merged = derived.merge(parsed, on=["financial_year", "ecode"], how="outer", suffixes=("_d", ""), indicator="_m")
    if (merged["_m"] != "both").any():
        bad = merged.loc[merged["_m"] != "both", ["financial_year", "ecode", "la_name", "_m"]]
        raise RawDataError(f"RA: rows differ between {derived_csv.name} and the workbook parse:\n{bad.head(10)}")
    compared = 0
    for src, dst in mapping.items():
        d = pd.to_numeric(merged[src], errors="coerce")
        p = merged[dst]
        bad = merged[(d.isna() != p.isna()) | ((d - p).abs() > 1e-6)]
        if len(bad):
            raise RawDataError(
                f"RA workbook parse differs from {derived_csv.name} in {dst} for {len(bad)} rows, e.g.\n"
                f"{bad[['financial_year', 'ecode', 'la_name', src, dst]].head()}"
            )
        compared += int(d.notna().sum())
    return compared
