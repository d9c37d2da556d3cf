"""Loaders: filtering, defaults, dtypes, comparators and every kind of bad input."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import wigan_deal.data as data
from wigan_deal import config
from wigan_deal.data import (
    ArgumentTypeError,
    ChecksumError,
    DataError,
    MissingDataError,
    UnknownAreaError,
    UnknownIndicatorError,
    UnknownVintageError,
)

WIGAN, ENGLAND = "E08000010", "E92000001"


@pytest.fixture
def data_copy(tmp_path):
    """A private copy of data/extracts + provenance.json the test may damage."""
    target = tmp_path / "data"
    shutil.copytree(config.EXTRACTS_DIR, target / "extracts")
    shutil.copy(config.PROVENANCE_FILE, target / "provenance.json")
    data.clear_cache()
    yield target / "extracts"
    data.clear_cache()


def test_load_indicator_default_vintage_and_dtypes():
    hle = data.load_indicator("hle_birth", areas=WIGAN, sex="Male")
    assert set(hle["vintage"]) == {config.REPORT_VINTAGE}
    assert list(hle.columns) == [*pd.read_csv(config.EXTRACTS_DIR / "indicators.csv", nrows=0).columns, "time"]
    assert list(hle["period"]) == ["2009-11", "2010-12", "2011-13", "2012-14", "2013-15", "2014-16", "2015-17"]
    assert hle["time"].tolist()[0] == 2010.5
    assert str(hle["period_start"].dtype) == "Int64" and hle["value"].dtype == "float64"
    assert hle["lower_ci"].isna().all()
    # the earliest vintage is the default where the report vintage is absent
    assert data.default_vintage("le_birth") == "2019-12"
    assert set(data.load_indicator("le_birth")["vintage"]) == {"2019-12"}


def test_load_indicator_vintages_all_and_specific():
    everything = data.load_indicator("hle_birth", areas="Wigan", sex="Male", vintage="all")
    assert data.vintages("hle_birth") == ["2019-05", "2020-06", "2024-07", "2025-04", "2026-05"]
    assert set(everything["vintage"]) == set(data.vintages("hle_birth"))
    per = everything[everything["period"] == "2011-13"].set_index("vintage")["value"]
    assert per["2019-05"] == 60.9 and per["2025-04"] == 60.1
    late = data.load_indicator("hle_birth", areas=[WIGAN, ENGLAND], vintage="2026-05")
    assert set(late["area_code"]) == {WIGAN, ENGLAND} and late["period"].min() == "2015-17"
    assert list(late["area_code"]) == sorted(late["area_code"])


def test_recoded_area_codes_are_accepted():
    assert data.check_area("E08000038") == "E08000016"  # Barnsley, new code -> extracts' code
    barnsley = data.load_indicator("hle_birth", areas="E08000038")
    assert len(barnsley) == 14 and set(barnsley["area_code"]) == {"E08000016"}


def test_indicators_table():
    table = data.indicators().set_index("indicator")
    assert table.loc["hle_birth", "fingertips_id"] == 90362
    assert table.loc["hle_birth", "default_vintage"] == "2019-05"
    assert table.loc["hle_birth", "first_period"] == "2009-11"
    assert table.loc["u75_preventable_mortality", "period_type"] == "calendar year"
    assert table.loc["school_readiness_gld", "period_type"] == "academic year"
    assert bool(table.loc["hle_birth", "higher_is_better"]) is True
    assert bool(table.loc["smoking_prevalence", "higher_is_better"]) is False
    assert table.loc["smoking_prevalence", "vintages"] == "2020-08;2026-04"


def test_areas_and_names():
    assert data.area_name(WIGAN) == "Wigan"
    assert data.check_area("wigan") == WIGAN and data.resolve_area("St Helens") == "E08000013"
    assert len(data.areas("gm")) == 10
    assert set(data.areas("Metropolitan District")["area_code"].str[:3]) == {"E08"}
    with pytest.raises(DataError, match="'parish'.*London Borough"):
        data.areas("parish")


def test_comparators():
    assert data.comparators(WIGAN, "england") == [ENGLAND]
    gm = data.comparators(WIGAN, "gm")
    assert len(gm) == 9 and WIGAN not in gm and "E08000001" in gm
    nearest = data.comparators(WIGAN, "nearest")
    for code in ("E08000018", "E06000004", "E08000036", "E08000013", "E08000017", "E06000006",
                 "E08000011", "E08000008", "E06000035", "E06000034", "E08000016"):
        assert code in nearest, code
    assert nearest[0] == "E08000018"  # Rotherham is rank 1
    assert not any(c.startswith(("E07", "S", "W", "N")) for c in nearest)
    region = data.comparators("Leeds", "gm")  # outside GM: the region's other upper-tier LAs
    assert "E08000036" in region and WIGAN not in region
    with_hle = data.comparators(WIGAN, "all", indicator="hle_birth")
    assert WIGAN not in with_hle and ENGLAND not in with_hle and len(with_hle) == 149
    with pytest.raises(DataError, match="'closest'.*nearest"):
        data.comparators(WIGAN, "closest")


def test_finance_population_spending_loaders():
    fin = data.load_finance(WIGAN, services="adult_social_care")
    assert fin["value_gbp000"].tolist()[0] == 79716 and len(fin) == 7  # 2011/12..2017/18
    pop = data.load_population([WIGAN, "E12000002"])
    assert pop.loc[(pop["area_code"] == WIGAN) & (pop["year"] == 2011), "population"].item() == 318122
    age = data.load_population_by_age(WIGAN, sex="Persons").iloc[0]
    assert (age["all_ages"], age["aged_18_plus"], age["aged_65_plus"]) == (328662, 259746, 62908)
    csp = data.load_spending_power(WIGAN).set_index("column_year")
    assert csp.loc[2016, "series"] == "revenue_spending_power" and csp.loc[2017, "series"] == "core_spending_power"
    assert csp.loc[2016, "value_gbp_million"] == 277.14 and csp.loc[2017, "value_gbp_million"] == 218.88
    sims = data.load_similar_areas()
    assert sims[sims["area_code"] == WIGAN]["rank"].tolist() == list(range(1, 21))
    prov = data.provenance()
    assert prov["dataset"].is_unique and prov["licence"].eq(config.LICENCE).all()
    with pytest.raises(DataError, match="'social_care'.*adult_social_care"):
        data.load_finance(WIGAN, services="social_care")


def test_unknown_area_names_closest_valid():
    with pytest.raises(UnknownAreaError) as info:
        data.load_indicator("hle_birth", areas="E08000100")
    msg = str(info.value)
    assert "'E08000100'" in msg and "E08000010 (Wigan)" in msg and "areas()" in msg
    with pytest.raises(UnknownAreaError, match=r"'Wigann'.*E08000010 \(Wigan\)"):
        data.check_area("Wigann")


def test_unknown_indicator_and_vintage():
    with pytest.raises(UnknownIndicatorError, match=r"'hle'.*hle_birth.*smoking_prevalence"):
        data.load_indicator("hle")
    with pytest.raises(UnknownVintageError, match=r"'2018-01'.*2019-05.*2026-05"):
        data.load_indicator("hle_birth", vintage="2018-01")
    with pytest.raises(DataError, match="'Persons'.*Female.*Male"):
        data.load_indicator("hle_birth", sex="Persons")


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: data.load_indicator(123), "123"),
        (lambda: data.check_area(10), "10"),
        (lambda: data.load_indicator("hle_birth", vintage=2019), "2019"),
        (lambda: data.load_indicator("hle_birth", areas=42), "42"),
    ],
)
def test_wrong_types_are_clear(call, needle):
    with pytest.raises(TypeError, match=needle) as info:
        call()
    assert isinstance(info.value, ArgumentTypeError) and isinstance(info.value, DataError)


def test_missing_extract_file(data_copy):
    (data_copy / "indicators.csv").unlink()
    with pytest.raises(MissingDataError, match=r"indicators.csv is missing.*make data.*wigan_deal.data build"):
        data.load_indicator("hle_birth", extracts_dir=data_copy)


def test_edited_extract_fails_checksum(data_copy):
    path = data_copy / "indicators.csv"
    text = path.read_text()
    assert ",58.9,," in text
    path.write_text(text.replace(",58.9,,", ",58.8,,", 1))
    with pytest.raises(ChecksumError) as info:
        data.load_indicator("hle_birth", extracts_dir=data_copy)
    msg = str(info.value)
    assert "indicators.csv" in msg and "make data" in msg
    assert data.read_provenance(data_copy)["extracts"]["indicators.csv"]["sha256"] in msg


def test_monkeypatched_config_is_honoured(data_copy, monkeypatch):
    monkeypatch.setattr(config, "EXTRACTS_DIR", data_copy)
    monkeypatch.setattr(config, "PROVENANCE_FILE", data_copy.parent / "provenance.json")
    assert data.area_name(WIGAN) == "Wigan"
    (data_copy / "areas.csv").unlink()
    with pytest.raises(MissingDataError, match="areas.csv"):
        data.areas()


def test_validation_rejects_duplicates_and_out_of_range(data_copy):
    import hashlib
    import json

    def rewrite(frame_text: str) -> None:
        (data_copy / "indicators.csv").write_text(frame_text)
        prov_path = data_copy.parent / "provenance.json"
        prov = json.loads(prov_path.read_text())
        prov["extracts"]["indicators.csv"]["sha256"] = hashlib.sha256(frame_text.encode()).hexdigest()
        prov_path.write_text(json.dumps(prov))
        data.clear_cache()

    lines = (data_copy / "indicators.csv").read_text().splitlines(keepends=True)
    rewrite("".join(lines + [lines[1]]))
    with pytest.raises(DataError, match="share a key"):
        data.load_indicator("hle_birth", extracts_dir=data_copy)
    hle_line = next(i for i, line in enumerate(lines) if line.startswith("hle_birth,"))
    bad = lines.copy()
    fields = bad[hle_line].split(",")
    fields[-3] = "130"  # 130 years of healthy life
    bad[hle_line] = ",".join(fields)
    rewrite("".join(bad))
    with pytest.raises(DataError, match="outside their unit's range"):
        data.load_indicator("hle_birth", extracts_dir=data_copy)


def test_england_finance_is_a_like_for_like_sum_of_upper_tier_councils():
    from wigan_deal import data as d

    ends = ["2011/12", "2017/18"]
    eng = d.england_finance(["adult_social_care"], ends).set_index("financial_year")
    codes = d.england_finance_councils("adult_social_care", ends)
    assert len(codes) == eng["n_areas"].iloc[0] == 152
    assert "E08000010" in codes and "E92000001" not in codes
    by_hand = d.load_finance(areas=codes, services="adult_social_care")
    by_hand = by_hand[by_hand["financial_year"].isin(ends)].groupby("financial_year")["value_gbp000"].sum()
    assert eng["value_gbp000"].to_dict() == pytest.approx(by_hand.to_dict())
    # England net ASC spend rose about 4% in cash while Wigan's was flat (79,716 -> 79,329)
    assert eng.loc["2017/18", "value_gbp000"] / eng.loc["2011/12", "value_gbp000"] - 1 == pytest.approx(0.0404, abs=5e-4)
    # over every year the service exists, councils missing any year drop out of every year
    assert len(d.england_finance_councils("adult_social_care")) == 151


def test_comparators_are_memoised_and_callers_get_their_own_list():
    """Issue 19 item 1: a report asks for the same comparator lists ~60 times; the memo returns a fresh
    list equal to the uncached one, and a cleared data cache recomputes."""
    from wigan_deal.data import peers as lookup

    for kind, indicator in (("nearest", None), ("gm", "hle_birth"), ("deprivation", None), ("all", "hle_birth")):
        first = data.comparators("E08000010", kind, indicator=indicator)
        assert first == lookup._comparators("E08000010", kind, indicator=indicator)
        first.append("X")
        assert data.comparators("E08000010", kind, indicator=indicator)[-1] != "X"
    data.clear_cache()
    assert data.comparators("E08000010", "nearest") == lookup._comparators("E08000010", "nearest")
    with pytest.raises(data.DataError):
        data.comparators("E08000010", "nope")


def test_the_codes_with_any_indicator_are_collected_once_per_extract(monkeypatch):
    """Issue 19: ``_comparators`` for "nearest" and "all" keeps councils with any data; the set of the codes in
    ``indicators.csv`` (~40,000 rows) was rebuilt at every call (``setdefault`` evaluates its default)."""
    from wigan_deal.data import peers

    sizes = []
    real = frozenset

    def counting(values=()):
        made = real(values)
        sizes.append(len(made))
        return made

    monkeypatch.setattr(peers, "frozenset", counting, raising=False)
    data.clear_cache()
    first = [peers._comparators(code, "nearest") for code in ("E08000010", "E06000011", "E06000012")]
    assert len(sizes) == 1 and sizes[0] > 100 and all(first)  # once, for three councils
    assert first[0] == data.comparators("E08000010", "nearest")
    data.clear_cache()  # a re-read extract is collected again
    assert peers._comparators("E08000010", "nearest") == first[0] and len(sizes) == 2


def test_load_indicator_selections_are_memoised_and_callers_cannot_change_them():
    """Issue 19 item 1: an atlas worker asks the same selections for every council; the second call reuses the
    first one's rows, and a caller editing its frame never reaches the next caller."""
    first = data.load_indicator("hle_birth", areas=[WIGAN, ENGLAND], sex="Male")
    expected = first.copy(deep=True)
    first.loc[0, "value"] = -1.0
    first["extra"] = 1
    again = data.load_indicator("hle_birth", areas=(ENGLAND, WIGAN), sex=["Male"])  # same rows, other order
    pd.testing.assert_frame_equal(again, expected)
    assert data.load_indicator("hle_birth", areas="Wigan", sex="Male").equals(expected[expected["area_code"] == WIGAN]
                                                                               .reset_index(drop=True))
    with pytest.raises(DataError, match="sex"):
        data.load_indicator("hle_birth", areas=WIGAN, sex="Other")


def test_load_indicator_memo_follows_the_extracts(data_copy):
    """A selection memoised from one copy of the extracts is not served for another."""
    here = data.load_indicator("hle_birth", areas=WIGAN, sex="Male")
    there = data.load_indicator("hle_birth", areas=WIGAN, sex="Male", extracts_dir=data_copy)
    pd.testing.assert_frame_equal(here, there)
    from wigan_deal.data import loaders

    key = ("hle_birth", config.REPORT_VINTAGE, WIGAN, "Male", str(data_copy))
    memo = loaders._SELECTIONS.sources(key)[0]
    csv = data_copy / "indicators.csv"
    csv.write_text(csv.read_text())  # new mtime: the extract is re-read (and its checksum checked again)
    data.load_indicator("hle_birth", areas=WIGAN, sex="Male", extracts_dir=data_copy)
    assert loaders._SELECTIONS.sources(key)[0] is not memo  # selected afresh from the re-read extract
