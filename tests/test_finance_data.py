"""Deflator, IoD2019 and (later) RA budget extracts: published values through the loaders, clear errors."""

from __future__ import annotations

import shutil

import pytest

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


@needs_raw
def test_iod_parser_rejects_an_uncorrected_bad_code(tmp_path, monkeypatch):
    monkeypatch.setattr(parsers_finance, "IOD_CODE_CORRECTIONS", {})
    with pytest.raises(RawDataError, match=r"malformed area code\(s\) \['E0600003'\] for \['Slough'\]"):
        parsers_finance.parse_iod2019(config.RAW_DIR / "deprivation" /
                                      "File_11_-_IoD2019_Local_Authority_District_Summaries__upper-tier__.xlsx")
