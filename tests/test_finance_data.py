"""Deflator, IoD2019 and (later) RA budget extracts: published values through the loaders, clear errors."""

from __future__ import annotations

import shutil

import pytest

from raw_parses import raw_parses, shares_parses  # noqa: F401 - raw_parses is the fixture shares_parses uses
from wigan_deal import config
from wigan_deal import data as wd
from wigan_deal.data import parsers_finance
from wigan_deal.data.errors import ChecksumError, RawDataError

needs_raw = pytest.mark.skipif(not config.RAW_DIR.is_dir(), reason="raw data folder not present")


@pytest.mark.parametrize(("year", "expected"), [("2010/11", 87.04), ("2017-18", 97.91), ("2018/19", 100.0)])
def test_deflator_published_values(year, expected):
    defl = wd.load_deflator(base="2018-19").set_index("financial_year")["gdp_deflator"]
    assert round(defl[parsers_finance.fy_label(year)], 2) == expected


def test_deflator_rebased_and_real_terms():
    defl = wd.load_deflator(base="2010/11").set_index("financial_year")["gdp_deflator"]
    assert defl["2010/11"] == pytest.approx(100.0)
    assert defl["2018/19"] == pytest.approx(100 / 0.87043975)
    # 1,000 cash in 2010/11 is 1,148.85 in 2018/19 prices
    assert wd.to_real_terms(1000, "2010-11") == pytest.approx(1000 / 0.87043975)
    assert list(wd.to_real_terms([979.08175, 1000], ["2017/18", "2018/19"])) == pytest.approx([1000, 1000])
    assert wd.real_terms_factor("2017/18", base="2017/18") == pytest.approx(1.0)


@pytest.mark.parametrize("year", ["2019/20", "2009-10", "2024/25"])
def test_deflator_outside_outturn_years_is_a_clear_error(year):
    with pytest.raises(wd.DeflatorYearError, match=r"outside the GDP deflator's outturn years 2010/11 to 2018/19.*no "
                       r"extrapolation") as info:
        wd.to_real_terms(100, year)
    assert parsers_finance.fy_label(year) in str(info.value)
    with pytest.raises(wd.DeflatorYearError, match="Deflator base year 2019/20"):
        wd.load_deflator(base="2019/20")
    with pytest.raises(wd.DeflatorYearError, match="not a financial year label"):
        wd.to_real_terms(100, "year 2")


def test_deprivation_published_values():
    iod = wd.load_deprivation()
    assert len(iod) == 151 and iod["area_code"].is_unique
    wigan = iod.set_index("area_code").loc["E08000010"]
    assert wigan["imd_average_score"] == pytest.approx(25.713)
    assert wigan["imd_rank_average_score"] == 58 and wigan["imd_rank_average_rank"] == 69
    assert wigan["imd_prop_most_deprived_10pct"] == pytest.approx(0.165)
    assert wigan["imd_rank_prop_most_deprived_10pct"] == 41
    by = iod.set_index("area_code")
    assert by.loc["E08000003", "imd_rank_average_score"] == 6  # Manchester
    assert by.loc["E06000039", "area_name"] == "Slough"  # printed 'E0600003' in the workbook, corrected
    # rank 1 = most deprived: the highest average score has rank 1
    assert iod.loc[iod["imd_average_score"].idxmax(), "imd_rank_average_score"] == 1


def test_deprivation_comparators():
    peers = wd.comparators("E08000010", "deprivation")
    assert len(peers) == len(wd.comparators("E08000010", "nearest"))
    assert "E08000010" not in peers and config.ENGLAND not in peers
    score = wd.load_deprivation().set_index("area_code")["imd_average_score"]
    gaps = [abs(score[c] - score["E08000010"]) for c in peers]
    assert gaps == sorted(gaps)
    outside = score.drop(["E08000010", *peers])
    assert (abs(outside - score["E08000010"]) >= max(gaps)).all()
    with pytest.raises(wd.DataError, match="E10000009 has no IoD2019 score"):
        wd.comparators("E10000009", "deprivation")  # Dorset county, abolished 2019


def test_edited_extract_is_a_checksum_error(tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(config.DATA_DIR / "extracts", data_dir / "extracts")
    shutil.copy(config.PROVENANCE_FILE, data_dir / "provenance.json")
    path = data_dir / "extracts" / "deflator.csv"
    path.write_text(path.read_text().replace("97.908175", "97.5"))
    with pytest.raises(ChecksumError, match="deflator.csv has been changed since it was built"):
        wd.load_deflator(extracts_dir=data_dir / "extracts")


def test_deflator_is_parsed_once_per_file_version_and_callers_get_copies(tmp_path):
    """The re-based deflator is cached (claims grading asks ~2000 times), but a caller's edit never reaches the
    next caller, and a rebuilt file (new content and checksum) is read afresh."""
    import hashlib
    import json

    first = wd.load_deflator()
    first.loc[:, "gdp_deflator"] = 0.0
    assert (wd.load_deflator()["gdp_deflator"] > 0).all()
    data_dir = tmp_path / "data"
    shutil.copytree(config.DATA_DIR / "extracts", data_dir / "extracts")
    path, prov = data_dir / "extracts" / "deflator.csv", data_dir / "provenance.json"
    shutil.copy(config.PROVENANCE_FILE, prov)
    factor = wd.real_terms_factor("2012/13", extracts_dir=data_dir / "extracts")
    assert factor == wd.real_terms_factor("2012/13")
    path.write_text(path.read_text().replace("2012/13,2012,2013,", "2012/13,2012,2013,1"))  # 90.19 -> 190.19
    meta = json.loads(config.PROVENANCE_FILE.read_text())
    meta["extracts"]["deflator.csv"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    prov.write_text(json.dumps(meta))
    edited = float(wd.load_deflator(extracts_dir=data_dir / "extracts").set_index("financial_year")
                   .loc["2012/13", "gdp_deflator_2018_19"])
    assert edited > 100 and wd.real_terms_factor("2012/13", extracts_dir=data_dir / "extracts") < factor


@needs_raw
def test_iod_parser_rejects_an_uncorrected_bad_code(tmp_path, monkeypatch):
    monkeypatch.setattr(parsers_finance, "IOD_CODE_CORRECTIONS", {})
    with pytest.raises(RawDataError, match=r"malformed area code\(s\) \['E0600003'\] for \['Slough'\]"):
        parsers_finance.parse_iod2019(config.RAW_DIR / "deprivation" /
                                      "File_11_-_IoD2019_Local_Authority_District_Summaries__upper-tier__.xlsx")


# --- RA budget -------------------------------------------------------------------------------------
RA_DIR = config.RAW_DIR / "asc_budget"


def _budget(area, year, service="adult_social_care") -> float:
    rows = wd.load_budget(area, [service], [year])
    assert len(rows) == 1
    return float(rows["value_gbp000"].iloc[0])


def test_ra_budget_published_values_through_the_loader():
    assert _budget("E08000010", "2011/12") == 76421  # summed adult lines (no ASC total line that year)
    assert _budget("Wigan", "2017-18") == 79795
    assert round(_budget("E92000001", "2017/18")) == 15623146  # ENGLAND row, 15,623,145.716 in the source
    assert _budget("E08000010", "2010/11") + _budget("E08000010", "2010/11", "children_social_care") == \
        _budget("E08000010", "2010/11", "total_social_care") == 127199
    flags = wd.load_budget("E08000010", "adult_social_care").set_index("financial_year")["flag"]
    assert "sum of the 7 adult social care lines" in flags["2011/12"] and flags.isna()["2012/13"]


def test_budget_covers_every_council_year_and_service():
    budget = wd.load_budget()
    asc = budget[budget["service"] == "adult_social_care"]
    per_year = asc.groupby("financial_year")["area_code"].nunique()
    assert list(per_year.index) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2010, 2020)]
    # 152 social-care councils + England; 2019/20: Bournemouth, Poole and Dorset county -> BCP and Dorset UA
    assert (per_year.drop("2019/20") == 153).all() and per_year["2019/20"] == 152
    assert set(budget["service"]) == set(parsers_finance.BUDGET_SERVICES)
    ph = budget[(budget["service"] == "public_health") & (budget["area_code"] == "E08000010")]
    assert ph["financial_year"].min() == "2013/14"  # transferred to councils in 2013
    with pytest.raises(wd.DataError, match="no financial year '2020/21'; its years are 2010/11 to 2019/20"):
        wd.load_budget(financial_years="2020/21")


def test_reorganised_councils_are_explicit():
    budget = wd.load_budget(services="adult_social_care")
    years = lambda code: sorted(budget.loc[budget["area_code"] == code, "financial_year"])  # noqa: E731
    assert years("E06000028")[-1] == "2018/19" and years("E10000009")[-1] == "2018/19"  # Bournemouth, Dorset cty
    assert years("E06000058") == ["2019/20"] and years("E06000059") == ["2019/20"]  # BCP, Dorset UA
    assert len(years("E10000021")) == 10  # Northamptonshire: whole window (split in 2021)
    import json

    noted = json.loads(config.PROVENANCE_FILE.read_text())["checks"]["ra_reorganised_councils"]
    assert set(noted) == set(parsers_finance.REORGANISED_COUNCILS)
    assert noted["E06000058"]["first_year"] == "2019/20"
    assert "E06000058" in (config.PROJECT_ROOT / "docs" / "data_log.md").read_text()


@pytest.mark.integration
@needs_raw
@shares_parses
def test_ra_parse_agrees_with_the_derived_extract_for_every_value():
    frames = [parsers_finance.parse_ra_workbook(p, p.name[3:10]) for p in sorted(RA_DIR.glob("RA_*"))]
    import pandas as pd

    wide = pd.concat(frames, ignore_index=True)
    derived = RA_DIR / "ra_budget_asc_net_current_expenditure_by_LA_2010-11_to_2019-20_extract.csv"
    assert parsers_finance.check_ra_against_derived(wide, derived) == 18645
    wide.loc[(wide["ecode"] == "E4210") & (wide["financial_year"] == "2017/18"), "adult_social_care"] += 1
    with pytest.raises(RawDataError, match="differs from .* in adult_social_care for 1 rows"):
        parsers_finance.check_ra_against_derived(wide, derived)


@needs_raw
def test_ra_layout_changes_are_clear_errors(monkeypatch):
    path = RA_DIR / "RA_2011-12_data_by_LA_revenue_account_budget.xls"
    monkeypatch.setattr(parsers_finance, "RA_N_ADULT_LINES", 8)
    with pytest.raises(RawDataError, match=r"no TOTAL ADULT SOCIAL CARE line.*7 adult lines.*expected 8"):
        parsers_finance.parse_ra_workbook(path, "2011-12")
    monkeypatch.setattr(parsers_finance, "RA_N_ADULT_LINES", 7)
    monkeypatch.setattr(parsers_finance, "RA_CHILD_LINES", __import__("re").compile(r"(?i)^social care strategy - children"))
    with pytest.raises(RawDataError, match=r"adult social care lines .* differ from TOTAL SOCIAL CARE"):
        parsers_finance.parse_ra_workbook(path, "2011-12")


@pytest.mark.integration
@needs_raw
@shares_parses
def test_council_missing_a_year_is_a_clear_error(monkeypatch):
    from wigan_deal.data import build as build_mod

    real = parsers_finance.parse_ra_workbook

    def drop_wigan(path, financial_year):
        frame = real(path, financial_year)
        return frame[~((frame["ecode"] == "E4210") & (frame["financial_year"] == "2014/15"))]

    monkeypatch.setattr(parsers_finance, "parse_ra_workbook", drop_wigan)
    with pytest.raises(RawDataError, match=r"council E08000010 \(Wigan\) has no adult social care budget for 2014/15\. "
                       r"Every social-care council .*REORGANISED_COUNCILS"):
        build_mod.build_budget(config.RAW_DIR, {})


@needs_raw
def test_edited_ra_workbook_is_named(tmp_path):
    import warnings

    from wigan_deal.data.build import _raw_record
    from wigan_deal.data.sources import SOURCES

    source = next(s for s in SOURCES if s.path.endswith("RA_2017-18_data_by_LA_revenue_account_budget.xlsx"))
    target = tmp_path / source.path
    target.parent.mkdir(parents=True)
    target.write_bytes((config.RAW_DIR / source.path).read_bytes() + b"edit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        record = _raw_record(source, tmp_path)
    assert record["sha256_matches"] is False
    assert any("RA_2017-18_data_by_LA_revenue_account_budget.xlsx: sha256" in str(w.message) and
               "differs from SOURCES.md" in str(w.message) for w in caught)


def test_rs_outturn_now_has_education_and_net_current_expenditure():
    fin = wd.load_finance("E08000010", ["education", "net_current_expenditure"])
    years = sorted(fin["financial_year"].unique())
    assert years == ["2010/11", "2011/12", "2012/13", "2013/14", "2014/15", "2017/18"]  # not in roall.csv
    value = fin.set_index(["financial_year", "service"])["value_gbp000"]
    assert value[("2010/11", "net_current_expenditure")] == 618636
    assert value[("2017/18", "education")] == 225907
