"""Build: published values come out exactly, parses agree with derived copies, rebuild is byte-identical."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from raw_parses import raw_parses, shares_parses  # noqa: F401 - raw_parses is the fixture shares_parses uses
from wigan_deal import config
from wigan_deal.data import parsers
from wigan_deal.data.build import _raw_record, build, build_finance
from wigan_deal.data.errors import RawDataError
from wigan_deal.data.geography import map_names_to_codes
from wigan_deal.data.sources import SOURCES

needs_raw = pytest.mark.skipif(
    not config.RAW_DIR.is_dir(),
    reason=f"raw data folder {config.RAW_DIR} not present (fresh clone without ../shared)",
)
needs_derived = pytest.mark.skipif(
    not all((config.RAW_DIR / s.path).exists() for s in SOURCES if s.role == "check"),
    reason="derived cross-check copies (no public origin) are only in ../shared/data/raw",
)
EXTRACTS = config.EXTRACTS_DIR


def _ind() -> pd.DataFrame:
    return pd.read_csv(EXTRACTS / "indicators.csv", dtype={"period": str, "vintage": str})


def _value(frame, **where) -> float:
    mask = pd.Series(True, index=frame.index)
    for col, val in where.items():
        mask &= frame[col] == val
    hits = frame.loc[mask]
    assert len(hits) == 1, f"{where}: {len(hits)} rows"
    return float(hits.iloc[0]["value"] if "value" in hits else hits.iloc[0]["value_gbp000"])


@pytest.mark.parametrize(
    ("area", "period", "sex", "expected"),
    [
        ("E08000010", "2009-11", "Male", 58.9),
        ("E08000010", "2009-11", "Female", 60.0),
        ("E08000010", "2015-17", "Male", 60.5),
        ("E08000010", "2015-17", "Female", 62.6),
        ("E92000001", "2015-17", "Male", 63.4),
        ("E92000001", "2015-17", "Female", 63.8),
    ],
)
def test_hle_2019_vintage_published_values(area, period, sex, expected):
    ind = _ind()
    got = _value(ind, indicator="hle_birth", vintage="2019-05", area_code=area, period=period, sex=sex)
    assert got == expected


def test_hle_vintages_kept_apart():
    ind = _ind()
    wigan = dict(indicator="hle_birth", area_code="E08000010", period="2011-13", sex="Male")
    assert _value(ind, vintage="2019-05", **wigan) == 60.9
    assert _value(ind, vintage="2025-04", **wigan) == 60.1


def test_indicator_scope_and_keys():
    ind = _ind()
    assert list(ind.columns) == parsers.INDICATOR_COLUMNS
    assert not ind.duplicated(parsers.INDICATOR_KEY).any()
    prefixes = set(ind["area_code"].str[:3])
    assert prefixes <= {"E92", "E06", "E08", "E09", "E10"}, prefixes  # no districts, regions, GM CA
    assert ind["value"].notna().all()
    assert set(ind.loc[ind["indicator"] == "hle_birth", "vintage"]) == {
        "2019-05", "2020-06", "2024-07", "2025-04", "2026-05"}
    # old/new codes harmonised: Barnsley appears once, under the report-era code
    assert "E08000038" not in set(ind["area_code"]) and "E08000016" in set(ind["area_code"])


@pytest.mark.parametrize(
    ("indicator", "area", "period", "sex", "expected"),
    [
        ("le_birth", "E08000010", "2015-17", "Male", 77.76),
        ("le_birth", "E08000010", "2001-03", "Male", 74.38),
        ("le_birth", "E08000010", "2016-18", "Female", 81.20),
        ("le_birth", "E92000001", "2015-17", "Male", 79.55),
        ("le_birth", "E92000001", "2001-03", "Female", 80.70),
    ],
)
def test_ons_le_published_values(indicator, area, period, sex, expected):
    got = _value(_ind(), indicator=indicator, vintage="2019-12", area_code=area, period=period, sex=sex)
    assert round(got, 2) == expected


def test_school_readiness_wigan_vs_england_2018():
    ind = _ind()
    gld = ind[ind["indicator"] == "school_readiness_gld"]
    assert _value(gld, area_code="E08000010", period="2017/18") == 68.6
    assert _value(gld, area_code="E92000001", period="2017/18") == 71.5
    row = gld[(gld["area_code"] == "E08000010") & (gld["period"] == "2017/18")].iloc[0]
    assert (row["period_start"], row["period_end"]) == (2017, 2018)
    assert sorted(gld["period"].unique()) == ["2015/16", "2016/17", "2017/18"]


def test_finance_published_values_and_2010_flag():
    fin = pd.read_csv(EXTRACTS / "finance.csv")
    wigan = fin[fin["area_code"] == "E08000010"]
    assert _value(wigan, financial_year="2011/12", service="adult_social_care") == 79716
    assert _value(wigan, financial_year="2017/18", service="adult_social_care") == 79329
    y2010 = fin[fin["financial_year"] == "2010/11"]
    assert set(y2010["service"]) == {"social_care_combined", "total_service_expenditure", "education",
                                     "net_current_expenditure", "highways_transport", "housing_gfra", "cultural",
                                     "environmental", "planning", "police", "fire", "central_services",
                                     "other_services", "housing_benefit", "levies"}
    # housing benefit = the 4 mandatory-payment lines, levies = the 4 levy lines (RS 2010-11 workbook, Wigan)
    assert _value(wigan, financial_year="2010/11", service="housing_benefit") == 40240 + 447 + 44339 + 0
    assert _value(wigan, financial_year="2011/12", service="levies") == 21724
    assert _value(wigan, financial_year="2017/18", service="housing_benefit") == 39698 + 722 + 43703
    assert _value(wigan, financial_year="2010/11", service="other_services") == 53411
    combined = y2010[y2010["service"] == "social_care_combined"]
    assert combined["flag"].str.contains("not separately reported").all()
    assert _value(wigan, financial_year="2010/11", service="social_care_combined") == 117704
    # later years: combined = adult + children, flagged as derived
    later = wigan[wigan["financial_year"] == "2011/12"].set_index("service")["value_gbp000"]
    assert later["social_care_combined"] == later["adult_social_care"] + later["children_social_care"]
    assert sorted(fin["financial_year"].unique()) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2010, 2018)]


def test_population_and_areas_checks():
    pop = pd.read_csv(EXTRACTS / "population.csv")
    assert pop.loc[(pop["area_code"] == "E08000010") & (pop["year"] == 2011), "population"].item() == 318122
    assert pop.loc[(pop["area_code"] == "E92000001") & (pop["year"] == 2018), "population"].item() == 55977178
    areas = pd.read_csv(EXTRACTS / "areas.csv")
    wigan = areas.set_index("area_code").loc["E08000010"]
    assert wigan["area_type"] == "Metropolitan District"
    assert (wigan["region_code"], wigan["region_name"]) == ("E12000002", "North West")
    assert bool(wigan["in_greater_manchester"]) and int(wigan["dfe_la_number"]) == 359
    assert areas["area_code"].is_unique
    assert areas.loc[areas["area_code"] != "E92000001", "region_code"].notna().all()


def test_dfe_name_mapping_fails_loudly_on_unknown_names():
    reference = pd.DataFrame({"area_code": ["E08000010", "E06000023"], "area_name": ["Wigan", "Bristol"]})
    codes = map_names_to_codes(pd.Series(["Wigan", "Bristol, City of"]), reference)
    assert list(codes) == ["E08000010", "E06000023"]
    with pytest.raises(RawDataError, match=r"Atlantis.*DFE_NAME_ALIASES"):
        map_names_to_codes(pd.Series(["Wigan", "Atlantis"]), reference)


@pytest.mark.integration
@needs_raw
@needs_derived
@shares_parses
def test_rs_workbook_parse_agrees_with_derived_extract():
    checks: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finance, _ = build_finance(config.RAW_DIR, checks)
    # every LA-year-service value of the derived CSV was compared (6 years x 444 LAs x 2-4 lines)
    assert checks["rs_workbook_values_equal_to_derived_csv"] > 8000
    derived = pd.read_csv(
        config.RAW_DIR / "asc_spending"
        / "revenue_outturn_RS_net_current_expenditure_by_service_LA_2010-11_to_2014-15_and_2017-18_extract.csv"
    )
    wigan = derived[derived["ons_code"] == "E08000010"].set_index("financial_year")
    ours = finance[(finance["area_code"] == "E08000010") & (finance["service"] == "adult_social_care")]
    ours = ours.set_index("financial_year")["value_gbp000"]
    for fy in ("2011-12", "2012-13", "2013-14", "2014-15", "2017-18"):
        assert ours[fy.replace("-", "/")] == float(wigan.loc[fy, "adult_social_care_gbp000"])


@needs_raw
@needs_derived
def test_rs_check_detects_a_disagreement(tmp_path):
    derived = config.RAW_DIR / "asc_spending" / (
        "revenue_outturn_RS_net_current_expenditure_by_service_LA_2010-11_to_2014-15_and_2017-18_extract.csv")
    frame = pd.read_csv(derived, dtype=str)
    wide = frame.rename(columns={"mhclg_ecode": "ecode"})[["financial_year", "ecode"]].copy()
    for col in ("adult_social_care", "children_social_care", "social_care_combined", "public_health",
                "total_service_expenditure"):
        wide[col] = pd.to_numeric(frame[[c for c in frame.columns if c.startswith(col)][0]], errors="coerce")
    assert parsers.check_rs_against_derived(wide, derived) > 8000
    wide.loc[wide.index[5], "total_service_expenditure"] += 1
    with pytest.raises(RawDataError, match="total_service_expenditure"):
        parsers.check_rs_against_derived(wide, derived)


@pytest.mark.integration
@needs_raw
@shares_parses
def test_rebuild_is_byte_identical(tmp_path):
    out = tmp_path / "data" / "extracts"
    build(raw_dir=config.RAW_DIR, out_dir=out, log=lambda _: None)
    committed = sorted(p.name for p in EXTRACTS.glob("*.csv"))
    assert sorted(p.name for p in out.glob("*.csv")) == committed
    for name in committed:
        assert (out / name).read_bytes() == (EXTRACTS / name).read_bytes(), f"{name} differs from the committed copy"
    rebuilt = tmp_path / "data" / "provenance.json"
    if all((config.RAW_DIR / s.path).exists() for s in SOURCES):
        assert rebuilt.read_bytes() == config.PROVENANCE_FILE.read_bytes()
    else:  # a `make raw` folder lacks the derived cross-check copies: only their checks differ
        assert _without_derived_checks(json.loads(rebuilt.read_text())) == _without_derived_checks(
            json.loads(config.PROVENANCE_FILE.read_text()))


def _without_derived_checks(prov: dict) -> dict:
    derived = {s.path for s in SOURCES if s.role == "check"}
    prov = {k: v for k, v in prov.items() if k not in ("checks", "raw_derived_not_available")}
    prov["datasets"] = [d for d in prov["datasets"] if d["dataset"] not in derived]
    return prov


def test_provenance_records_every_raw_file_and_extract_hash():
    prov = json.loads(config.PROVENANCE_FILE.read_text())
    assert {d["dataset"] for d in prov["datasets"]} == {s.path for s in SOURCES}
    for d in prov["datasets"]:
        assert len(d["raw"]["sha256"]) == 64 and d["raw"]["size_bytes"] > 0
        origin = d["origin"]  # every raw file says where it came from
        if d["role"] == "check":
            assert origin["public_origin"] is None and origin["derived_from"], d["dataset"]
        else:
            assert origin["url"] == (f"https://raw.githubusercontent.com/{origin['repo']}/{origin['commit']}/"
                                     + origin["path"].replace(" ", "%20")), d["dataset"]
        assert d["licence"] == config.LICENCE and d["url"].startswith("https://")
    import hashlib

    for name, meta in prov["extracts"].items():
        assert hashlib.sha256((EXTRACTS / name).read_bytes()).hexdigest() == meta["sha256"]
    assert prov["checks"]["le_workbook_rows_equal_to_derived_csv"] == 27264
    assert prov["checks"]["mye_workbook_rows_equal_to_derived_ons_mye5_csv"] == 8094
    assert prov["checks"]["mye_workbook_rows_equal_to_derived_ons_mye2_csv"] == 1278
    assert prov["raw_derived_not_available"] == []
    assert "pss-exp" in " ".join(prov["not_used"])


@needs_raw
def test_raw_checksum_mismatch_warns_and_is_recorded(tmp_path):
    source = next(s for s in SOURCES if "ascof2b1" in s.path)
    target = tmp_path / source.path
    target.parent.mkdir(parents=True)
    target.write_bytes((config.RAW_DIR / source.path).read_bytes() + b"\n")
    with pytest.warns(UserWarning, match="ascof2b1.*differs from SOURCES.md"):
        record = _raw_record(source, tmp_path)
    assert record["sha256_matches"] is False and record["expected_sha256"] == source.sha256
    assert record["size_bytes"] == (config.RAW_DIR / source.path).stat().st_size + 1


def test_missing_raw_dir_is_a_clear_error(tmp_path):
    with pytest.raises(RawDataError, match="does not exist.*--raw-dir"):
        build(raw_dir=tmp_path / "nope", out_dir=tmp_path / "out", log=lambda _: None)
