"""Parsers: one function per raw layout, each returning a tidy ``DataFrame``.

Indicator parsers return the :data:`INDICATOR_COLUMNS` layout (area names as published; the build
replaces them with the canonical name from ``areas.csv``). All parsers keep England and upper-tier
LAs only (where the extract is indicator data), drop rows without a value and harmonise recoded
area codes (:data:`wigan_deal.data.geography.CODE_CHANGES`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..periods import parse_period
from .errors import RawDataError
from .geography import ENGLAND, harmonise_codes, is_upper_tier_or_england, map_names_to_codes
from .schema import RS_OTHER_SERVICE_LINES, RS_PASS_THROUGH_LINES

INDICATOR_COLUMNS: list[str] = [
    "indicator", "vintage", "area_code", "area_name", "sex", "period",
    "period_start", "period_end", "value", "lower_ci", "upper_ci",
]
INDICATOR_KEY: list[str] = ["indicator", "vintage", "area_code", "sex", "period"]
SEX_VALUES = {"Male", "Female", "Persons"}


def _require(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RawDataError(f"{path}: expected column(s) {missing}, found {list(frame.columns)}.")


def _add_periods(frame: pd.DataFrame, label_column: str = "period") -> pd.DataFrame:
    parsed = frame[label_column].map(parse_period)
    frame = frame.copy()
    frame["period_start"] = [p[0] for p in parsed]
    frame["period_end"] = [p[1] for p in parsed]
    frame["period"] = [p[2] for p in parsed]
    return frame


def finish_indicator(frame: pd.DataFrame, indicator: str, vintage: str) -> pd.DataFrame:
    """Filter to England + upper tier, drop missing values, harmonise codes, order columns."""
    frame = frame.copy()
    frame["indicator"] = indicator
    frame["vintage"] = vintage
    frame["area_code"] = harmonise_codes(frame["area_code"].astype("str").str.strip())
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    for col in ("lower_ci", "upper_ci"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce") if col in frame else np.nan
    frame = frame[is_upper_tier_or_england(frame["area_code"]) & frame["value"].notna()]
    frame = _add_periods(frame)
    out = frame[INDICATOR_COLUMNS].reset_index(drop=True)
    dup = out.duplicated(INDICATOR_KEY, keep=False)
    if dup.any():
        raise RawDataError(
            f"{indicator} ({vintage}): {int(dup.sum())} duplicated rows on {INDICATOR_KEY}, e.g.\n"
            f"{out[dup].head(4).to_string()}"
        )
    return out


def _sex_column(frame: pd.DataFrame) -> pd.Series:
    """Sex is in 'group' (fingertipsR), 'inequality' (API-based repos) or 'unit' (93721); else Persons."""
    for col in ("sex", "group", "inequality", "unit"):
        if col in frame and frame[col].notna().all() and frame[col].isin(SEX_VALUES).all():
            return frame[col]
    return pd.Series("Persons", index=frame.index)


def parse_fingertips_csv(path: Path, indicator: str, vintage: str) -> pd.DataFrame:
    """Fingertips-derived CSVs (fingertipsR or API layouts): area_code, area_name, period, value, ..."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    _require(frame, ["area_code", "area_name", "period", "value"], path)
    frame["sex"] = _sex_column(frame)
    return finish_indicator(frame, indicator, vintage)


LE_SHEETS: dict[str, tuple[str, str]] = {
    "LE at birth - Males": ("le_birth", "Male"),
    "LE at birth - Females": ("le_birth", "Female"),
    "LE at age 65 - Males": ("le_65", "Male"),
    "LE at age 65 - Females": ("le_65", "Female"),
}


def read_ons_le_workbook(path: Path) -> pd.DataFrame:
    """All areas of the ONS LE workbook: area_code, area_name, indicator, sex, period, value (full precision)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = []
    try:
        for sheet, (indicator, sex) in LE_SHEETS.items():
            if sheet not in wb.sheetnames:
                raise RawDataError(f"{path}: sheet {sheet!r} not found (sheets: {wb.sheetnames}).")
            header: dict[int, str] | None = None
            for row in wb[sheet].iter_rows(values_only=True):
                if header is None:
                    if row and row[0] == "Area Codes":
                        header = {i: str(v) for i, v in enumerate(row) if v and re.match(r"^\d{4}-\d{4}$", str(v))}
                    continue
                code = row[0]
                if not code or not re.match(r"^[A-Z]\d{8}$", str(code).strip()):
                    continue
                name = next((str(v).strip() for v in row[1:4] if v and str(v).strip()), "")
                for i, label in header.items():
                    value = row[i] if i < len(row) else None
                    rows.append((str(code).strip(), name, indicator, sex, label,
                                 float(value) if isinstance(value, (int, float)) else np.nan))
            if header is None:
                raise RawDataError(f"{path}: no 'Area Codes' header row in sheet {sheet!r}.")
    finally:
        wb.close()
    out = pd.DataFrame(rows, columns=["area_code", "area_name", "indicator", "sex", "period", "value"])
    return _add_periods(out)


def check_le_against_derived(workbook: pd.DataFrame, derived_csv: Path) -> int:
    """Assert the workbook parse equals the derived tidy CSV (to its 4 dp); return rows compared."""
    derived = pd.read_csv(derived_csv, dtype={"area_code": str, "period": str})
    derived["indicator"] = np.where(derived["age"].astype(str) == "birth", "le_birth", "le_65")
    merged = workbook.merge(
        derived, on=["area_code", "indicator", "sex", "period"], how="outer", indicator="_m"
    )
    # rows without a value in the workbook (e.g. Isles of Scilly, suppressed) may be absent from the copy
    merged = merged[~((merged["_m"] == "left_only") & merged["value"].isna())]
    if (merged["_m"] != "both").any():
        raise RawDataError(
            f"ONS LE workbook and {derived_csv.name} cover different rows: "
            f"{merged.loc[merged['_m'] != 'both', ['area_code', 'indicator', 'sex', 'period', '_m']].head().to_string()}"
        )
    # the copy is rounded to 4 dp (ties may round either way, e.g. NI values published to 5 dp)
    diff = (merged["value"] - merged["life_expectancy_years"]).abs()
    bad = merged[(diff > 0.00005 + 1e-9) | (merged["value"].isna() != merged["life_expectancy_years"].isna())]
    if len(bad):
        raise RawDataError(f"ONS LE workbook differs from {derived_csv.name} in {len(bad)} rows:\n{bad.head()}")
    return len(merged)


def parse_ons_le_workbook(path: Path, vintage: str, check_csv: Path | None = None) -> pd.DataFrame:
    """le_birth and le_65 from the original ONS workbook (values rounded to 4 dp)."""
    workbook = read_ons_le_workbook(path)
    if check_csv is not None and check_csv.exists():
        check_le_against_derived(workbook, check_csv)
    return le_from_workbook(workbook, vintage)


def le_from_workbook(workbook: pd.DataFrame, vintage: str) -> pd.DataFrame:
    """le_birth and le_65 rows from :func:`read_ons_le_workbook` output (values rounded to 4 dp)."""
    workbook = workbook.copy()
    workbook["value"] = workbook["value"].round(4)
    frames = [finish_indicator(g, ind, vintage) for ind, g in workbook.groupby("indicator", sort=True)]
    return pd.concat(frames, ignore_index=True)


def parse_dfe_gld(path: Path, vintage: str, area_names: pd.DataFrame) -> pd.DataFrame:
    """DfE EYFSP % GLD (all children): LA_Code/LA_Name + All_Percent_GLD_<year>_LA / _National."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    years = sorted(int(m.group(1)) for c in frame.columns if (m := re.match(r"^All_Percent_GLD_(\d{4})_LA$", c)))
    _require(frame, ["LA_Code", "LA_Name"] + [f"All_Percent_GLD_{y}_National" for y in years], path)
    if not years:
        raise RawDataError(f"{path}: no All_Percent_GLD_<year>_LA columns.")
    frame["area_code"] = map_names_to_codes(frame["LA_Name"], area_names)
    rows = []
    for year in years:
        label = f"{year - 1}/{year % 100:02d}"
        la = frame[["area_code", "LA_Name", f"All_Percent_GLD_{year}_LA"]]
        la.columns = ["area_code", "area_name", "value"]
        rows.append(la.assign(period=label))
        national = pd.to_numeric(frame[f"All_Percent_GLD_{year}_National"], errors="coerce").dropna().unique()
        if len(national) != 1:
            raise RawDataError(f"{path}: All_Percent_GLD_{year}_National is not a single value: {national}.")
        rows.append(pd.DataFrame({"area_code": [ENGLAND], "area_name": ["England"], "value": [national[0]],
                                  "period": [label]}))
    out = pd.concat(rows, ignore_index=True).assign(sex="Persons")
    return finish_indicator(out, "school_readiness_gld", vintage)


def dfe_la_numbers(path: Path, area_names: pd.DataFrame) -> pd.DataFrame:
    """area_code -> DfE 3-digit LA number, from the same name mapping."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    codes = map_names_to_codes(frame["LA_Name"], area_names)
    return pd.DataFrame({"area_code": codes, "dfe_la_number": frame["LA_Code"].astype(int)})


# --- finance ---------------------------------------------------------------------------------------
#: RS service lines besides education, social care and public health (``schema.RS_OTHER_SERVICE_LINES``, kept for the
#: baseline check) are read by name. Lines between TOTAL SERVICE EXPENDITURE and NET CURRENT EXPENDITURE that the council does not control, each
#: the SUM of the workbook columns matching the pattern (within that block only): housing benefit paid on behalf
#: of DWP (mandatory rent allowances and rebates, subsidy limitation transfers) and levies set by other bodies.
RS_PASS_THROUGH: dict[str, re.Pattern[str]] = {
    "housing_benefit": re.compile(r"^housing benefits:", re.I),
    "levies": re.compile(r"^(integrated transport authority levy|waste disposal authority levy|"
                         r"london pensions fund authority levy|other levies)$", re.I),
}
assert tuple(RS_PASS_THROUGH) == RS_PASS_THROUGH_LINES, "schema.RS_PASS_THROUGH_LINES must name these patterns"
FINANCE_WIDE = [
    "financial_year", "ecode", "ons_code", "la_name", "la_class", "adult_social_care",
    "children_social_care", "social_care_combined", "public_health", "total_service_expenditure",
    "education", "net_current_expenditure", *RS_OTHER_SERVICE_LINES, *RS_PASS_THROUGH,
]
_RS_HEADERS: dict[str, re.Pattern[str]] = {
    "ecode": re.compile(r"^e-code$", re.I),
    "ons_code": re.compile(r"^ons code$", re.I),
    "la_name": re.compile(r"^local authority$", re.I),
    "la_class": re.compile(r"^class$", re.I),
    "adult_social_care": re.compile(r"^(\d+: )?adult social care", re.I),
    "children_social_care": re.compile(r"^(\d+: )?children social care", re.I),
    "social_care_combined": re.compile(r"^social care$", re.I),
    "public_health": re.compile(r"^(\d+: )?public health$", re.I),
    "total_service_expenditure": re.compile(r"^total service expenditure", re.I),
    "education": re.compile(r"^education services$", re.I),
    "net_current_expenditure": re.compile(r"^net current expenditure", re.I),
    "highways_transport": re.compile(r"^highways and transport services$", re.I),
    "housing_gfra": re.compile(r"^housing services \(gfra only\)$", re.I),
    "cultural": re.compile(r"^cultural and related services$", re.I),
    "environmental": re.compile(r"^environmental and regulatory services$", re.I),
    "planning": re.compile(r"^planning and development services$", re.I),
    "police": re.compile(r"^police services$", re.I),
    "fire": re.compile(r"^fire and rescue services$", re.I),
    "central_services": re.compile(r"^central services$", re.I),
    "other_services": re.compile(r"^other services$", re.I),
}


def _pass_through_columns(header: list[str], cols: dict[str, int], path: Path) -> dict[str, list[int]]:
    """Columns of each :data:`RS_PASS_THROUGH` line between TOTAL SERVICE EXPENDITURE and NET CURRENT EXPENDITURE."""
    if "net_current_expenditure" not in cols:
        return {}
    lo, hi = cols["total_service_expenditure"], cols["net_current_expenditure"]
    found = {key: [i for i in range(lo + 1, hi) if pattern.match(str(header[i]).strip())]
             for key, pattern in RS_PASS_THROUGH.items()}
    expected = {"housing_benefit": 4, "levies": 4}
    wrong = {k: len(v) for k, v in found.items() if len(v) != expected[k]}
    if wrong:
        raise RawDataError(f"{path}: expected 4 housing benefit lines and 4 levy lines between TOTAL SERVICE "
                           f"EXPENDITURE and NET CURRENT EXPENDITURE, found {wrong}; the line layout has changed.")
    return found


def _match_columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, pattern in _RS_HEADERS.items():
        hits = [i for i, h in enumerate(header) if pattern.match(str(h).strip())]
        if hits:
            found[key] = hits[0]
    return found


def _rs_rows(sheets: list[tuple[str, list[list]]], path: Path) -> tuple[str, list[list], dict[str, int], int]:
    """Pick the sheet: name containing '(1)', else the first whose header has 'E-code' and a total line."""
    candidates = []
    for name, rows in sheets:
        for r, row in enumerate(rows[:20]):
            header = [str(c).strip() if c is not None else "" for c in row]
            if "E-code" in header:
                cols = _match_columns(header)
                if "total_service_expenditure" in cols:
                    candidates.append(((0 if "(1)" in name else 1), name, rows, cols, r))
                break
    if not candidates:
        raise RawDataError(f"{path}: no sheet with an 'E-code' header row and a TOTAL SERVICE EXPENDITURE column.")
    _, name, rows, cols, r = min(candidates, key=lambda c: c[0])
    return name, rows, cols, r


def parse_rs_workbook(path: Path, financial_year: str) -> pd.DataFrame:
    """One RS workbook -> wide frame (:data:`FINANCE_WIDE`), all LA rows, GBP thousand."""
    sheets: list[tuple[str, list[list]]] = []
    if path.suffix == ".xls":
        import xlrd

        book = xlrd.open_workbook(path, on_demand=True)
        for name in book.sheet_names():
            sh = book.sheet_by_name(name)
            sheets.append((name, [sh.row_values(i) for i in range(sh.nrows)]))
        book.release_resources()
    else:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for name in book.sheetnames:
            if name.startswith("RS LA Data") or "(1)" in name:
                sheets.append((name, [list(r) for r in book[name].iter_rows(values_only=True)]))
        book.close()
    _, rows, cols, header_row = _rs_rows(sheets, path)
    for needed in ("ecode", "la_name", "la_class"):
        if needed not in cols:
            raise RawDataError(f"{path}: header row lacks {needed!r} ({_RS_HEADERS[needed].pattern}).")
    sums = _pass_through_columns([str(c).strip() if c is not None else "" for c in rows[header_row]], cols, path)
    records = []
    for row in rows[header_row + 1:]:
        ecode = str(row[cols["ecode"]]).strip() if row[cols["ecode"]] is not None else ""
        if not re.match(r"^E\d{4}$", ecode):
            continue
        rec = {"financial_year": financial_year, "ecode": ecode}
        for key, i in cols.items():
            if key == "ecode":
                continue
            value = row[i]
            if key in ("ons_code", "la_name", "la_class"):
                rec[key] = str(value).strip() if value not in (None, "") else None
            else:
                rec[key] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
        for key, idx in sums.items():
            values = [row[i] for i in idx]
            nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            rec[key] = float(sum(nums)) if nums else np.nan
        records.append(rec)
    return pd.DataFrame.from_records(records).reindex(columns=FINANCE_WIDE)


def parse_roall(path: Path) -> pd.DataFrame:
    """BBC SDU extract of RS 2015-16 (year 2016) and 2016-17 (year 2017) -> wide finance frame."""
    frame = pd.read_csv(path, dtype=str)
    _require(frame, ["E-code", "ONS Code", "Local authority", "Class", "year"], path)
    cols = _match_columns(list(frame.columns))
    year_map = {"2016": "2015-16", "2017": "2016-17"}
    bad = sorted(set(frame["year"]) - set(year_map))
    if bad:
        raise RawDataError(f"{path}: unexpected 'year' values {bad}; expected 2016 (=2015-16) or 2017 (=2016-17).")
    out = pd.DataFrame({
        "financial_year": frame["year"].map(year_map),
        "ecode": frame["E-code"], "ons_code": frame["ONS Code"],
        "la_name": frame["Local authority"], "la_class": frame["Class"],
    })
    for key in ("adult_social_care", "children_social_care", "public_health"):
        out[key] = pd.to_numeric(frame.iloc[:, cols[key]], errors="coerce")
    return out.reindex(columns=FINANCE_WIDE)


def check_rs_against_derived(parsed: pd.DataFrame, derived_csv: Path) -> int:
    """Every value in the derived RS extract must equal the workbook parse; return values compared."""
    derived = pd.read_csv(derived_csv, dtype={"mhclg_ecode": str})
    mapping = {
        "adult_social_care_gbp000": "adult_social_care",
        "children_social_care_gbp000": "children_social_care",
        "social_care_combined_2010_11_only_gbp000": "social_care_combined",
        "public_health_gbp000": "public_health",
        "total_service_expenditure_gbp000": "total_service_expenditure",
    }
    derived = derived.rename(columns={"mhclg_ecode": "ecode", **mapping})
    for col in mapping.values():  # '…' (not available) in the copy is NaN in the parse
        derived[col] = pd.to_numeric(derived[col], errors="coerce")
    merged = derived.merge(parsed, on=["financial_year", "ecode"], how="left", suffixes=("_d", ""), indicator="_m")
    if (merged["_m"] != "both").any():
        raise RawDataError(f"RS rows in {derived_csv.name} missing from the workbook parse:\n"
                           f"{merged.loc[merged['_m'] != 'both', ['financial_year', 'ecode']].head()}")
    compared = 0
    for col in mapping.values():
        d, p = merged[f"{col}_d"], merged[col]
        has = d.notna()
        bad = has & ((p - d).abs() > 1e-6) | has & p.isna()
        if bad.any():
            raise RawDataError(f"RS workbook parse differs from {derived_csv.name} for {col}:\n"
                               f"{merged.loc[bad, ['financial_year', 'ecode', col + '_d', col]].head()}")
        compared += int(has.sum())
    return compared


# --- population, spending power, comparators -------------------------------------------------------
def parse_mye5(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"area_code": str, "area_name": str, "geography": str})
    _require(frame, ["area_code", "area_name", "geography", "year", "population_all_ages"], path)
    return frame.rename(columns={"population_all_ages": "population"})


def parse_mye2(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"area_code": str, "area_name": str, "geography": str, "sex": str})
    _require(frame, ["area_code", "area_name", "geography", "year", "sex", "all_ages", "aged_0_17",
                     "aged_18_plus", "aged_65_plus"], path)
    return frame


MYE_SEX_SHEETS = {"Persons": "MYE2 - Persons", "Male": "MYE2 - Males", "Female": "MYE2 - Females"}


def _mye_sheet(book: pd.ExcelFile, sheet: str, path: Path) -> pd.DataFrame:
    """Rows of one MYE sheet under its 'Code | Name | Geography1 | ...' header (area rows only)."""
    raw = book.parse(sheet, header=None, dtype=object)
    header_row = next((i for i in range(min(20, len(raw))) if str(raw.iat[i, 0]).strip() == "Code"), None)
    if header_row is None:
        raise RawDataError(f"{path.name}, sheet {sheet!r}: no header row starting with 'Code'.")
    body = raw.iloc[header_row + 1:].copy()
    body.columns = [str(c).strip() if pd.notna(c) else "" for c in raw.iloc[header_row]]
    _require(body, ["Code", "Name", "Geography1"], path)
    return body[body["Code"].astype(str).str.match(r"^[A-Z]\d{8}$")]


def parse_mye_workbook(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ONS mid-2019 MYE workbook -> (MYE5 totals mid-2001..mid-2019, MYE2 mid-2019 broad ages by sex).

    Same columns as :func:`parse_mye5` / :func:`parse_mye2` of the derived CSVs (which are optional
    cross-checks: they were made from this workbook and have no public origin). Broad ages are sums of
    single years of age (90+ counts as 90).
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xlrd deprecation notices
        book = pd.ExcelFile(path, engine="xlrd")
        body = _mye_sheet(book, "MYE 5", path)
        years = {c: int(c[-4:]) for c in body.columns if re.fullmatch(r"Estimated Population mid-\d{4}", c)}
        if len(years) < 2:
            raise RawDataError(f"{path.name}, sheet 'MYE 5': no 'Estimated Population mid-YYYY' columns.")
        long = body.melt(id_vars=["Code", "Name", "Geography1"], value_vars=list(years), var_name="column",
                         value_name="population")
        mye5 = pd.DataFrame({
            "area_code": long["Code"].astype(str), "area_name": long["Name"].astype(str).str.strip(),
            "geography": long["Geography1"].astype(str).str.strip(), "year": long["column"].map(years),
            "population": long["population"].astype("int64"),
        })
        frames = []
        for sex, sheet in MYE_SEX_SHEETS.items():
            body = _mye_sheet(book, sheet, path)
            ages = pd.Series({c: int(float(c.rstrip("+"))) for c in body.columns
                              if re.fullmatch(r"\d+(\.0)?\+?", c)})
            if sorted(ages) != list(range(91)):
                raise RawDataError(f"{path.name}, sheet {sheet!r}: single years of age 0..90 expected.")
            values = body[list(ages.index)].astype("int64")
            frames.append(pd.DataFrame({
                "area_code": body["Code"].astype(str), "area_name": body["Name"].astype(str).str.strip(),
                "geography": body["Geography1"].astype(str).str.strip(), "year": 2019, "sex": sex,
                "all_ages": body["All ages"].astype("int64"),
                "aged_0_17": values[ages[ages <= 17].index].sum(axis=1),
                "aged_18_plus": values[ages[ages >= 18].index].sum(axis=1),
                "aged_65_plus": values[ages[ages >= 65].index].sum(axis=1),
            }))
    mye2 = pd.concat(frames, ignore_index=True)
    if (mye2["aged_0_17"] + mye2["aged_18_plus"] != mye2["all_ages"]).any():
        raise RawDataError(f"{path.name}: single years of age do not add up to 'All ages'.")
    return mye5.reset_index(drop=True), mye2


def check_mye_against_derived(parsed: pd.DataFrame, derived: pd.DataFrame, key: list[str], name: str) -> int:
    """The workbook parse must equal the derived CSV row for row; return rows compared."""
    cols = list(derived.columns)
    a = parsed[cols].sort_values(key).reset_index(drop=True).astype(str)
    b = derived.sort_values(key).reset_index(drop=True).astype(str)
    if a.shape != b.shape or not a.equals(b):
        raise RawDataError(f"ONS MYE workbook parse differs from the derived copy {name} "
                           f"({len(a)} vs {len(b)} rows).")
    return len(a)


def parse_spending_power(path: Path) -> pd.DataFrame:
    """Wide 2012..2021 columns -> long, with the 2016|2017 definitional break as ``series``."""
    frame = pd.read_csv(path, dtype=str)
    _require(frame, ["ons_code", "ons_name", "class", "region"], path)
    year_cols = [c for c in frame.columns if re.match(r"^\d{4}$", c)]
    long = frame.melt(id_vars=["ons_code", "ons_name", "class", "region"], value_vars=year_cols,
                      var_name="column_year", value_name="value_gbp_million")
    long["column_year"] = long["column_year"].astype(int)
    long["value_gbp_million"] = pd.to_numeric(long["value_gbp_million"], errors="coerce")
    long = long[long["value_gbp_million"].notna()]
    long["period_start"] = long["column_year"] - 1
    long["period_end"] = long["column_year"]
    long["financial_year"] = [f"{y - 1}/{y % 100:02d}" for y in long["column_year"]]
    long["series"] = np.where(long["column_year"] <= 2016, "revenue_spending_power", "core_spending_power")
    long = long.rename(columns={"ons_code": "area_code", "ons_name": "area_name", "class": "la_class"})
    long["area_code"] = harmonise_codes(long["area_code"])
    return long[["area_code", "area_name", "la_class", "region", "column_year", "financial_year",
                 "period_start", "period_end", "series", "value_gbp_million"]]


def parse_neighbours(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    _require(frame, ["AREACD"], path)
    long = frame.melt(id_vars="AREACD", var_name="rank", value_name="neighbour_code").dropna()
    long = long.rename(columns={"AREACD": "area_code"})
    long["rank"] = long["rank"].astype(int)
    long["neighbour_code_harmonised"] = harmonise_codes(long["neighbour_code"])
    return long


def parse_clusters(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    _require(frame, ["AREACD", "AREANM", "Global", "Economic", "Demographic"], path)
    return frame.rename(columns={
        "AREACD": "area_code", "AREANM": "area_name", "Global": "global_cluster",
        "Economic": "economic_cluster", "Demographic": "demographic_cluster",
    })[["area_code", "area_name", "global_cluster", "economic_cluster", "demographic_cluster"]]
