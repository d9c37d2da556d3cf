"""Build the committed extracts and ``provenance.json`` from the raw official files.

Extracts written to ``data/extracts/`` (all UTF-8, ``\\n`` line endings, sorted rows, fixed column
order, floats with at most 6 decimals and no trailing zeros, empty cell = missing):

``indicators.csv``          every health/care indicator series, long and tidy (see ``INDICATOR_COLUMNS``)
``finance.csv``             RS net current expenditure (GBP thousand) by service, upper-tier LAs, 2010/11-2017/18
``population.csv``          ONS MYE5 totals mid-2001..mid-2019, England, regions and upper-tier LAs
``population_age_2019.csv`` ONS MYE2 mid-2019 broad ages by sex, same areas
``core_spending_power.csv`` (core) spending power, GBP million, with the 2016|2017 ``series`` break
``areas.csv``               England and every upper-tier LA code in the extracts, with type/region/GM/DfE/CASSR
``similar_areas.csv``       ONS explore-local-statistics global neighbours (as published + harmonised code)
``area_clusters.csv``       ONS explore-local-statistics cluster letters

Same inputs give the same bytes: nothing time-dependent is written.
"""

from __future__ import annotations

import functools
import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from . import parsers, parsers_finance, parsers_social_care, social_care
from .errors import RawDataError
from .geography import (
    CODE_CHANGES,
    ENGLAND,
    REGION_FALLBACK,
    REGIONS,
    area_type_of,
    harmonise_codes,
    is_upper_tier_or_england,
)
from .origins import load_registry
from .parsers_finance import FLAG_SUMMED_ASC, FLAG_SUMMED_CSC, REORGANISED_COUNCILS
from .schema import BUDGET_SERVICES, FINANCE_SERVICES, fy_label
from .sources import FINGERTIPS_API, INDICATOR_SPECS, SOURCES, RawSource

FINANCE_COLUMNS = ["area_code", "area_name", "la_class", "financial_year", "period_start", "period_end",
                   "service", "value_gbp000", "source", "flag"]
SOCIAL_CARE_CLASSES = ("L", "MD", "UA", "SC")
AREA_COLUMNS = ["area_code", "area_name", "area_type", "region_code", "region_name", "in_greater_manchester",
                "dfe_la_number", "cassr_code"]
#: E-code -> (ONS code printed in the RS file, correct code). RS 2017-18 and roall.csv 2015-16 print
#: E10000022 for North Yorkshire (E-code E2721); RS 2014-15, roall 2016-17 and every Fingertips/ONS
#: file have E10000023 (E10000022 is not an upper-tier code in any other source).
RS_ONS_CODE_CORRECTIONS: dict[str, tuple[str, str]] = {
    "E2721": ("E10000022", "E10000023"),
}
FLAG_2010 = ("RS 2010-11 reports a single combined social care line (adults + children); adult social care "
             "is not separately reported for 2010-11")
FLAG_COMBINED = "derived: adult_social_care + children_social_care"
FLAG_ROALL = "from roall.csv (BBC Shared Data Unit extract of the RS workbook), not the original workbook"
FLAG_PASS_THROUGH = {
    "housing_benefit": "sum of the 4 housing benefit lines (rent allowances, non-HRA and HRA rent rebates, subsidy "
                       "limitation transfers): mandatory payments on behalf of DWP, inside net current expenditure",
    "levies": "sum of the 4 levy lines (Integrated Transport Authority, Waste Disposal Authority, London Pensions Fund "
              "Authority, other levies): set by other bodies, inside net current expenditure",
}

EXTRACT_DESCRIPTIONS = {
    "indicators.csv": "Health and care indicator series, one row per indicator x vintage x area x sex x period.",
    "finance.csv": "Council net current expenditure (GBP thousand) by service, upper-tier LAs, RS 2010/11-2017/18.",
    "population.csv": "ONS mid-year population estimates (MYE5), all ages, mid-2001..mid-2019.",
    "population_age_2019.csv": "ONS mid-2019 population (MYE2) by sex and broad age group.",
    "core_spending_power.csv": "Spending power (GBP million); series break between 2015/16 and 2016/17 columns.",
    "areas.csv": "England and upper-tier LAs in the extracts: type, region, GM membership, DfE LA number, CASSR code.",
    "similar_areas.csv": "ONS similar-areas model: 20 ranked neighbours per UK LA (codes as published + harmonised).",
    "area_clusters.csv": "ONS explore-local-statistics cluster allocation (global/economic/demographic).",
    "social_care_outcomes.csv": "Adult social care outcomes by ASCOF measure code, council and year (ASCOF processed "
    "2018-19/2019-20 incl. England; Oflog 2015-16..2022-23, councils only); sources kept apart.",
    "deflator.csv": "HM Treasury GDP deflator at market prices (March 2020), financial years, 2018/19 = 100, outturn only.",
    "budget.csv": "Revenue Account (RA) BUDGET: budgeted net current expenditure (GBP thousand) by service line, "
                  "social-care councils and England, 2010/11-2019/20.",
    "deprivation.csv": "English indices of deprivation 2019, upper-tier summaries of the IMD (rank 1 = most deprived).",
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fmt_float(value: float) -> str:
    if value is None or pd.isna(value):
        return ""
    text = f"{round(float(value), 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV: floats via :func:`_fmt_float`, ints plain, '' for missing, '\\n' endings."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.map({True: "True", False: "False"})
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.map(_fmt_float)
        elif pd.api.types.is_integer_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else str(int(v)))
        else:
            out[col] = s.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


# --- pieces ------------------------------------------------------------------------------------------
#: check value recorded when a derived cross-check copy (no public origin) is not in the raw folder
SKIPPED = "skipped: {name} is derived here (no public origin) and is not in the raw folder"


def _optional(source: RawSource) -> bool:
    """Derived cross-check copies have no public origin: the build runs without them."""
    return source.role == "check"


def _raw_record(source: RawSource, raw_dir: Path) -> dict:
    path = raw_dir / source.path
    if not path.exists() and _optional(source):
        return {"path": source.path, "sha256": None, "size_bytes": None, "expected_sha256": source.sha256,
                "sha256_matches": None, "available": False}
    if not path.exists():
        raise RawDataError(
            f"Raw file {source.path} not found under {raw_dir}. Point --raw-dir (or WIGAN_DEAL_RAW_DIR) at the "
            "folder holding SOURCES.md and the raw files."
        )
    actual = sha256_of(path)
    if actual != source.sha256:
        warnings.warn(
            f"{source.path}: sha256 {actual} differs from SOURCES.md ({source.sha256}); building anyway and "
            "recording the mismatch in provenance.json.", stacklevel=2,
        )
    return {"path": source.path, "sha256": actual, "size_bytes": path.stat().st_size,
            "expected_sha256": source.sha256, "sha256_matches": actual == source.sha256, "available": True}


def _origin(record: dict | None) -> dict | None:
    """The raw file's origin as recorded in ``data/raw_sources.yml`` (or ``None`` if not recorded)."""
    if record is None:
        return None
    if record.get("url"):
        return {k: record[k] for k in ("repo", "commit", "path", "url")}
    return {"derived_from": record.get("derived_from"), "public_origin": None, "note": record.get("note")}


@functools.lru_cache(maxsize=2)
def _mye_cached(path: str, mtime_ns: int, size: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return parsers.parse_mye_workbook(Path(path))


def mye_tables(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(MYE5, MYE2) parsed from the original ONS workbook (parsed once per file version)."""
    path = raw_dir / _one("ukmidyearestimates").path
    stat = path.stat()
    mye5, mye2 = _mye_cached(str(path), stat.st_mtime_ns, stat.st_size)
    return mye5.copy(), mye2.copy()


def _find(role_parser: str) -> list[RawSource]:
    return [s for s in SOURCES if s.parser == role_parser]


def _one(path_part: str) -> RawSource:
    hits = [s for s in SOURCES if path_part in s.path]
    if len(hits) != 1:
        raise RawDataError(f"source registry: expected one file matching {path_part!r}, found {len(hits)}.")
    return hits[0]


def _reference_names(raw_dir: Path) -> pd.DataFrame:
    """ONS names (MYE5) of England + upper-tier LAs, used for DfE name matching and canonical names."""
    mye5, _ = mye_tables(raw_dir)
    ref = mye5.drop_duplicates("area_code")[["area_code", "area_name", "geography"]]
    ref = ref[is_upper_tier_or_england(ref["area_code"])].copy()
    ref.loc[ref["area_code"] == ENGLAND, "area_name"] = "England"
    return ref.reset_index(drop=True)


def report_era_names(raw_dir: Path) -> pd.DataFrame:
    """Upper-tier names of the report-era geography (Fingertips HLE 2019-05), for DfE name matching."""
    hle = pd.read_csv(raw_dir / _one("hle_birth_utla_2009-11_to_2015-17").path, dtype=str)
    return hle.drop_duplicates("area_code")[["area_code", "area_name"]]


def build_indicators(raw_dir: Path, reference: pd.DataFrame, checks: dict) -> tuple[pd.DataFrame, dict]:
    frames, rows_by_source = [], {}
    for source in SOURCES:
        if source.extract != "indicators.csv" or source.role != "parsed":
            continue
        path = raw_dir / source.path
        if source.parser == "parse_fingertips_csv":
            frame = parsers.parse_fingertips_csv(path, **source.kwargs)
        elif source.parser == "parse_ons_le_workbook":
            check = raw_dir / _one("le_birth_and_65_la_2001-03").path
            workbook = parsers.read_ons_le_workbook(path)  # read once: parse and cross-check
            checks["le_workbook_rows_equal_to_derived_csv"] = (
                parsers.check_le_against_derived(workbook, check) if check.exists() else SKIPPED.format(name=check.name)
            )
            frame = parsers.le_from_workbook(workbook, source.kwargs["vintage"])
        elif source.parser == "parse_dfe_gld":
            frame = parsers.parse_dfe_gld(path, source.kwargs["vintage"], report_era_names(raw_dir))
        else:  # pragma: no cover - registry error
            raise RawDataError(f"no indicator parser {source.parser!r} for {source.path}")
        rows_by_source[source.path] = len(frame)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    dup = out.duplicated(parsers.INDICATOR_KEY, keep=False)
    if dup.any():
        raise RawDataError(f"indicators: duplicated keys across sources:\n{out[dup].head()}")
    unknown = set(out["indicator"]) - set(INDICATOR_SPECS)
    if unknown:
        raise RawDataError(f"indicators without an IndicatorSpec: {sorted(unknown)}")
    return out, rows_by_source


def build_finance(raw_dir: Path, checks: dict) -> tuple[pd.DataFrame, dict]:
    wide, sources_by_year = [], {}
    for source in _find("parse_rs_workbook"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Print area cannot be set")
            frame = parsers.parse_rs_workbook(raw_dir / source.path, **source.kwargs)
        sources_by_year[source.kwargs["financial_year"]] = Path(source.path).name
        wide.append(frame)
    workbooks = pd.concat(wide, ignore_index=True)
    derived = raw_dir / _one("revenue_outturn_RS_net").path
    checks["rs_workbook_values_equal_to_derived_csv"] = (
        parsers.check_rs_against_derived(workbooks, derived) if derived.exists() else SKIPPED.format(name=derived.name)
    )
    roall_src = _one("roall.csv")
    roall = parsers.parse_roall(raw_dir / roall_src.path)
    for fy in roall["financial_year"].unique():
        sources_by_year[fy] = Path(roall_src.path).name
    wide_all = pd.concat([workbooks, roall], ignore_index=True)
    wide_all = wide_all[wide_all["la_class"].isin(SOCIAL_CARE_CLASSES)].copy()
    wide_all.loc[~wide_all["ons_code"].fillna("").str.match(r"^E\d{8}$"), "ons_code"] = None
    for ecode, (wrong, right) in RS_ONS_CODE_CORRECTIONS.items():
        hit = (wide_all["ecode"] == ecode) & (wide_all["ons_code"] == wrong)
        wide_all.loc[hit, "ons_code"] = right
        years = ", ".join(sorted(wide_all.loc[hit, "financial_year"]))
        checks[f"rs_ons_code_corrected_{ecode}"] = f"{wrong} -> {right} in {years}"
    # E-code -> ONS code from the years that carry both
    pairs = wide_all.dropna(subset=["ons_code"]).drop_duplicates(["ecode", "ons_code"])
    clash = pairs[pairs.duplicated("ecode", keep=False)]
    if len(clash):
        raise RawDataError(f"RS: E-codes mapped to more than one ONS code:\n{clash}")
    ecode_map = dict(zip(pairs["ecode"], pairs["ons_code"], strict=True))
    wide_all["ons_code"] = wide_all["ons_code"].fillna(wide_all["ecode"].map(ecode_map))
    unmapped = wide_all[wide_all["ons_code"].isna()]
    if len(unmapped):
        raise RawDataError(f"RS: social-care authorities without an ONS code:\n{unmapped[['financial_year', 'ecode', 'la_name']]}")
    wide_all["ons_code"] = harmonise_codes(wide_all["ons_code"])
    # combined social care for 2011-12 onwards, derived (never a split for 2010-11)
    later = wide_all["financial_year"] != "2010-11"
    wide_all.loc[later, "social_care_combined"] = (
        wide_all.loc[later, "adult_social_care"] + wide_all.loc[later, "children_social_care"]
    )
    long = wide_all.melt(id_vars=["financial_year", "ons_code", "la_name", "la_class"],
                         value_vars=FINANCE_SERVICES, var_name="service", value_name="value_gbp000")
    long = long[long["value_gbp000"].notna()].copy()
    long["source"] = long["financial_year"].map(sources_by_year)
    flags = []
    for fy, service in zip(long["financial_year"], long["service"], strict=True):
        parts = []
        if fy == "2010-11" and service == "social_care_combined":
            parts.append(FLAG_2010)
        elif service == "social_care_combined":
            parts.append(FLAG_COMBINED)
        if service in FLAG_PASS_THROUGH:
            parts.append(FLAG_PASS_THROUGH[service])
        if fy in ("2015-16", "2016-17"):
            parts.append(FLAG_ROALL)
        flags.append("; ".join(parts))
    long["flag"] = flags
    periods = long["financial_year"].str.replace("-", "/").map(parsers.parse_period)
    long["financial_year"] = [p[2] for p in periods]
    long["period_start"] = [p[0] for p in periods]
    long["period_end"] = [p[1] for p in periods]
    long = long.rename(columns={"ons_code": "area_code", "la_name": "area_name"})
    dup = long.duplicated(["area_code", "financial_year", "service"], keep=False)
    if dup.any():
        raise RawDataError(f"finance: duplicated area-year-service rows:\n{long[dup].head()}")
    rows = long.groupby("source").size().to_dict()
    return long[FINANCE_COLUMNS], rows


BUDGET_COLUMNS = ["area_code", "area_name", "la_class", "ecode", "financial_year", "period_start", "period_end",
                  "service", "value_gbp000", "source", "flag"]


def build_budget(raw_dir: Path, checks: dict) -> tuple[pd.DataFrame, dict]:
    """RA budget workbooks -> long extract (social-care councils + England), with reorganisations checked."""
    wide, source_of = [], {}
    for source in _find("parse_ra_workbook"):
        frame = parsers_finance.parse_ra_workbook(raw_dir / source.path, **source.kwargs)
        source_of[fy_label(source.kwargs["financial_year"])] = Path(source.path).name
        wide.append(frame)
    ra = pd.concat(wide, ignore_index=True)
    ra = ra[ra["la_class"].isin(SOCIAL_CARE_CLASSES) | (ra["ecode"] == "ENGLAND")].copy()
    ra.loc[~ra["ons_code"].fillna("").str.match(r"^E\d{8}$"), "ons_code"] = None
    for ecode, (wrong, right) in RS_ONS_CODE_CORRECTIONS.items():
        hit = (ra["ecode"] == ecode) & (ra["ons_code"] == wrong)
        if hit.any():
            ra.loc[hit, "ons_code"] = right
            checks[f"ra_ons_code_corrected_{ecode}"] = f"{wrong} -> {right} in {', '.join(sorted(ra.loc[hit, 'financial_year']))}"
    pairs = ra.dropna(subset=["ons_code"]).drop_duplicates(["ecode", "ons_code"])
    clash = pairs[pairs.duplicated("ecode", keep=False)]
    if len(clash):
        raise RawDataError(f"RA: E-codes printed with more than one ONS code:\n{clash[['financial_year', 'ecode', 'ons_code']]}")
    ecode_map = dict(zip(pairs["ecode"], pairs["ons_code"], strict=True))
    ra["ons_code"] = ra["ons_code"].fillna(ra["ecode"].map(ecode_map))
    ra.loc[ra["ecode"] == "ENGLAND", "ons_code"] = ENGLAND
    unmapped = ra[ra["ons_code"].isna()]
    if len(unmapped):
        raise RawDataError(f"RA: social-care councils without an ONS code (not in the 2017-18..2019-20 workbooks):\n"
                           f"{unmapped[['financial_year', 'ecode', 'la_name']]}")
    ra["ons_code"] = harmonise_codes(ra["ons_code"])
    # every council must have an ASC budget in every year of its existence; reorganisations are explicit
    years = sorted(ra["financial_year"].unique())
    for code, group in ra[ra["ons_code"] != ENGLAND].groupby("ons_code"):
        name = group["la_name"].iloc[0]
        first, last = (REORGANISED_COUNCILS[code][1:3] if code in REORGANISED_COUNCILS else (None, None))
        expected = [y for y in years if (first is None or y >= first) and (last is None or y <= last)]
        have = set(group.loc[group["adult_social_care"].notna(), "financial_year"])
        missing = [y for y in expected if y not in have]
        extra = sorted(set(group["financial_year"]) - set(expected))
        if missing or extra:
            raise RawDataError(
                f"RA budget: council {code} ({name}) "
                + (f"has no adult social care budget for {', '.join(missing)}" if missing else
                   f"appears in {', '.join(extra)}, outside its recorded lifetime")
                + ". Every social-care council must appear in every RA year of its existence; a council created, "
                "merged or abolished in the window must be listed in parsers_finance.REORGANISED_COUNCILS with its "
                f"first and last year (valid years here: {years[0]} to {years[-1]})."
            )
    checks["ra_reorganised_councils"] = {
        code: {"name": n, "first_year": f, "last_year": la, "what": w}
        for code, (n, f, la, w) in sorted(REORGANISED_COUNCILS.items())
    }
    long = ra.melt(id_vars=["financial_year", "ons_code", "ecode", "la_name", "la_class"], value_vars=BUDGET_SERVICES,
                   var_name="service", value_name="value_gbp000")
    long = long[long["value_gbp000"].notna()].copy()
    summed = long["financial_year"].isin(["2010/11", "2011/12"])
    long["flag"] = ""
    long.loc[summed & (long["service"] == "adult_social_care"), "flag"] = FLAG_SUMMED_ASC
    long.loc[summed & (long["service"] == "children_social_care"), "flag"] = FLAG_SUMMED_CSC
    long.loc[long["ecode"] == "ENGLAND", "ecode"] = None
    long["source"] = long["financial_year"].map(source_of)
    long["period_start"] = long["financial_year"].str[:4].astype(int)
    long["period_end"] = long["period_start"] + 1
    long = long.rename(columns={"ons_code": "area_code", "la_name": "area_name"})
    dup = long.duplicated(["area_code", "financial_year", "service"], keep=False)
    if dup.any():
        raise RawDataError(f"budget: duplicated area-year-service rows:\n{long[dup].head()}")
    rows = long.groupby("source").size().to_dict()
    return long[BUDGET_COLUMNS], rows


def build_areas(codes: set[str], reference: pd.DataFrame, fallback_names: dict[str, str], raw_dir: Path,
                dfe_numbers: pd.DataFrame) -> pd.DataFrame:
    ascfr = pd.read_csv(raw_dir / _one("ascfr_2016-17").path, usecols=["CASSR_CODE", "GEOGRAPHY_CODE", "REGION_GO_CODE"],
                        dtype=str).drop_duplicates()
    ascfr = ascfr[ascfr["GEOGRAPHY_CODE"].str[:3].isin(("E06", "E08", "E09", "E10"))]
    ascfr["GEOGRAPHY_CODE"] = harmonise_codes(ascfr["GEOGRAPHY_CODE"])
    region = dict(zip(ascfr["GEOGRAPHY_CODE"], ascfr["REGION_GO_CODE"], strict=False))
    cassr = dict(zip(ascfr["GEOGRAPHY_CODE"], ascfr["CASSR_CODE"].astype(float).astype(int), strict=False))
    names = dict(zip(reference["area_code"], reference["area_name"], strict=True))
    geography = dict(zip(reference["area_code"], reference["geography"], strict=True))
    dfe = dict(zip(dfe_numbers["area_code"], dfe_numbers["dfe_la_number"], strict=True))
    rows = []
    for code in sorted(codes):
        name = names.get(code) or fallback_names.get(code)
        kind = area_type_of(code)
        if geography.get(code) in ("Metropolitan District", "Unitary Authority", "County", "London Borough"):
            kind = geography[code]
        reg = None if code == ENGLAND else region.get(code) or REGION_FALLBACK.get(code)
        if code != ENGLAND and reg is None:
            raise RawDataError(f"areas: no region for {code} ({name}); add it to geography.REGION_FALLBACK.")
        rows.append({
            "area_code": code, "area_name": name, "area_type": kind,
            "region_code": reg, "region_name": REGIONS.get(reg) if reg else None,
            "in_greater_manchester": code in config.GREATER_MANCHESTER,
            "dfe_la_number": dfe.get(code), "cassr_code": cassr.get(code),
        })
    out = pd.DataFrame(rows, columns=AREA_COLUMNS)
    out["dfe_la_number"] = out["dfe_la_number"].astype("Int64")
    out["cassr_code"] = out["cassr_code"].astype("Int64")
    return out


# --- orchestration -----------------------------------------------------------------------------------
def build(raw_dir: Path | None = None, out_dir: Path | None = None, provenance_file: Path | None = None,
          log: Callable[[str], None] = print) -> dict:
    """Build every extract into ``out_dir`` and write ``provenance_file``; return the provenance dict."""
    raw_dir = Path(raw_dir or config.RAW_DIR)
    out_dir = Path(out_dir or config.EXTRACTS_DIR)
    provenance_file = Path(provenance_file or (out_dir.parent / "provenance.json" if out_dir != config.EXTRACTS_DIR
                                               else config.PROVENANCE_FILE))
    if not raw_dir.is_dir():
        raise RawDataError(
            f"Raw data folder {raw_dir} does not exist. The raw official files live in ../shared/data/raw beside "
            "the checkout; without it, run `make raw` to download them from their public origins, or pass "
            "--raw-dir or set WIGAN_DEAL_RAW_DIR."
        )
    raw = {s.path: _raw_record(s, raw_dir) for s in SOURCES}
    checks: dict = {}
    reference = _reference_names(raw_dir)
    log("indicators ...")
    indicators, ind_rows = build_indicators(raw_dir, reference, checks)
    log("finance ...")
    finance, fin_rows = build_finance(raw_dir, checks)
    log("social care outcomes ...")
    social, social_rows = [], {}
    for source in SOURCES:
        if source.extract == "social_care_outcomes.csv":
            frame = getattr(parsers_social_care, source.parser)(raw_dir / source.path)
            social_rows[source.path] = len(frame)
            social.append(frame)
    social = pd.concat(social, ignore_index=True)
    dup = social.duplicated(social_care.SOCIAL_CARE_KEY, keep=False)
    if dup.any():
        raise RawDataError(f"social care outcomes: duplicated keys:\n{social[dup].head()}")
    log("population, spending power, comparators ...")
    mye5, mye2 = mye_tables(raw_dir)
    for part, frame, key, parse in (("ons_mye5", mye5, ["area_code", "year"], parsers.parse_mye5),
                                    ("ons_mye2", mye2, ["area_code", "sex"], parsers.parse_mye2)):
        derived = raw_dir / _one(part).path
        checks[f"mye_workbook_rows_equal_to_derived_{part}_csv"] = (
            parsers.check_mye_against_derived(frame, parse(derived), key, derived.name) if derived.exists()
            else SKIPPED.format(name=derived.name)
        )
    keep = lambda f: f[is_upper_tier_or_england(f["area_code"]) | f["area_code"].isin(REGIONS)].copy()  # noqa: E731
    population, population_age = keep(mye5), keep(mye2)
    spending = parsers.parse_spending_power(raw_dir / _one("core_spending_power").path)
    spending = spending[is_upper_tier_or_england(spending["area_code"])].copy()
    neighbours = parsers.parse_neighbours(raw_dir / _one("global_neighbours").path)
    clusters = parsers.parse_clusters(raw_dir / _one("cluster_allocation").path)
    log("budget (RA) ...")
    budget, budget_rows = build_budget(raw_dir, checks)
    deflator = parsers_finance.parse_hmt_deflator(raw_dir / _one("HMT_GDP_Deflators").path)
    deprivation = parsers_finance.parse_iod2019(raw_dir / _one("IoD2019").path)
    for wrong, (name, right) in parsers_finance.IOD_CODE_CORRECTIONS.items():
        checks[f"iod2019_code_corrected_{wrong}"] = f"{wrong} ({name}) -> {right}"
    dfe_numbers = parsers.dfe_la_numbers(raw_dir / _one("dfe_eyfsp_gld").path, report_era_names(raw_dir))

    # areas: England + every upper-tier code in the extracts; canonical names (ONS MYE5, else latest source)
    codes = set(indicators["area_code"]) | set(finance["area_code"]) | set(spending["area_code"])
    codes |= set(population.loc[is_upper_tier_or_england(population["area_code"]), "area_code"])
    fallback = {}
    for frame in (finance, spending, indicators.sort_values("vintage")):
        fallback.update(dict(zip(frame["area_code"], frame["area_name"], strict=False)))
    areas = build_areas(codes, reference, fallback, raw_dir, dfe_numbers)
    name_of = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    for frame in (indicators, finance, spending):
        frame["area_name"] = frame["area_code"].map(name_of)
    budget["area_name"] = budget["area_code"].map(name_of).fillna(budget["area_name"])
    for frame in (population, population_age):
        frame["area_name"] = frame["area_code"].map(name_of).fillna(frame["area_code"].map(REGIONS))

    outputs = {
        "indicators.csv": indicators.sort_values(["indicator", "vintage", "area_code", "sex", "period_start",
                                                  "period_end"]),
        "finance.csv": finance.sort_values(["area_code", "period_start", "service"]),
        "population.csv": population.sort_values(["area_code", "year"])[
            ["area_code", "area_name", "geography", "year", "population"]],
        "population_age_2019.csv": population_age.sort_values(["area_code", "sex"])[
            ["area_code", "area_name", "geography", "year", "sex", "all_ages", "aged_0_17", "aged_18_plus",
             "aged_65_plus"]],
        "core_spending_power.csv": spending.sort_values(["area_code", "column_year"]),
        "areas.csv": areas,
        "similar_areas.csv": neighbours.sort_values(["area_code", "rank"])[
            ["area_code", "rank", "neighbour_code", "neighbour_code_harmonised"]],
        "area_clusters.csv": clusters.sort_values("area_code"),
        "social_care_outcomes.csv": social.sort_values(social_care.SOCIAL_CARE_KEY),
        "budget.csv": budget.sort_values(["area_code", "period_start", "service"]),
        "deflator.csv": deflator,
        "deprivation.csv": deprivation,
    }
    extracts = {}
    for name, frame in outputs.items():
        path = out_dir / name
        write_csv(frame.reset_index(drop=True), path)
        extracts[name] = {"file": name, "rows": len(frame), "columns": list(frame.columns),
                          "sha256": sha256_of(path), "description": EXTRACT_DESCRIPTIONS[name]}
        log(f"  {name}: {len(frame)} rows")

    contributed = {**ind_rows, **social_rows}
    for source in SOURCES:
        if source.parser == "parse_rs_workbook" or source.parser == "parse_roall":
            contributed[source.path] = fin_rows.get(Path(source.path).name, 0)
        if source.parser == "parse_ra_workbook":
            contributed[source.path] = budget_rows.get(Path(source.path).name, 0)
    registry = load_registry()
    datasets = []
    for source in SOURCES:
        spec = INDICATOR_SPECS.get(source.indicator) if source.indicator else None
        fid = source.fingertips_id if source.fingertips_id else None
        datasets.append({
            "dataset": source.path, "role": source.role, "extract": source.extract, "parser": source.parser,
            "publisher": source.publisher, "title": source.title, "table": source.table,
            "indicator": ("le_birth;le_65" if source.parser == "parse_ons_le_workbook" else source.indicator),
            "fingertips_id": fid, "url": source.url,
            "api_url": FINGERTIPS_API.format(id=fid, area_type=source.api_area_type) if fid else None,
            "licence": config.LICENCE, "licence_url": config.LICENCE_URL, "vintage": source.vintage,
            "notes": source.notes or (spec.notes if spec else ""),
            "raw": raw[source.path],
            "origin": _origin(registry.get(source.path)),
            "output_rows": contributed.get(source.path) if source.role == "parsed" else None,
        })
        if source.parser == "parse_ons_le_workbook":
            datasets[-1]["output_rows"] = int((indicators["vintage"] == "2019-12").sum())
        elif source.parser == "parse_mye_workbook":
            datasets[-1]["output_rows"] = extracts["population.csv"]["rows"] + extracts["population_age_2019.csv"]["rows"]
        elif source.role == "parsed" and source.extract not in ("indicators.csv", "finance.csv", "budget.csv",
                                                                "social_care_outcomes.csv"):
            datasets[-1]["output_rows"] = extracts[source.extract]["rows"]
    mismatched = [r["path"] for r in raw.values() if r["available"] and not r["sha256_matches"]]
    provenance = {
        "generated_by": "python -m wigan_deal.data build",
        "licence": config.LICENCE, "licence_url": config.LICENCE_URL,
        "raw_catalogue": "SOURCES.md in the raw data folder (../shared/data/raw)",
        "raw_origins": "data/raw_sources.yml: repository, commit, path and URL of each raw file (`make raw`)",
        "raw_derived_not_available": sorted(r["path"] for r in raw.values() if not r["available"]),
        "code_changes": CODE_CHANGES,
        "checks": checks,
        "raw_sha256_mismatches": mismatched,
        "not_used": {s.path: s.notes for s in SOURCES if s.role == "recorded"},
        "extracts": extracts,
        "datasets": datasets,
    }
    provenance_file.parent.mkdir(parents=True, exist_ok=True)
    with open(provenance_file, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(provenance, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    log(f"provenance -> {provenance_file}")
    return provenance
