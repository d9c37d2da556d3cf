"""Adult social care outcomes: values pinned through the loaders, codes harmonised across wording, flags."""

import pandas as pd
import pytest

from wigan_deal import config, data
from wigan_deal.data import parsers_social_care, social_care
from wigan_deal.data.errors import DataError, RawDataError

WIGAN, ENGLAND = config.WIGAN, config.ENGLAND


def _value(measure, area, year, source, breakdown="Total"):
    d = data.load_social_care(measure, areas=[area], sources=source, breakdown=breakdown)
    hit = d[d["financial_year"] == year]
    assert len(hit) == 1, hit
    return float(hit["value"].iloc[0])


@pytest.mark.parametrize("measure, area, year, source, expected", [
    ("2A(2)", WIGAN, "2018/19", "ascof_processed", 378.4),
    ("2A(2)", ENGLAND, "2018/19", "ascof_processed", 577.6),
    ("2A(2)", WIGAN, "2018/19", "lginform_gm", 378.4),
    ("2A(2)", WIGAN, "2014/15", "lginform_gm", 792.6),
    ("2A(2)", WIGAN, "2019/20", "ascof_processed", 685.1),
    ("2A(2)", ENGLAND, "2019/20", "ascof_processed", 584.0),
    ("2B(1)", WIGAN, "2010/11", "lginform_gm", 81.1),
    ("2B(1)", WIGAN, "2017/18", "lginform_gm", 90.8),
    ("2B(1)", WIGAN, "2018/19", "ascof_processed", 88.4),
    ("2B(1)", ENGLAND, "2019/20", "ascof_processed", 82.0),
    ("1A", WIGAN, "2018/19", "ascof_processed", 18.9),
    ("3A", ENGLAND, "2018/19", "ascof_processed", 64.3),
    ("2C(1)", ENGLAND, "2018/19", "ascof_processed", 10.3),
    ("2C(2)", WIGAN, "2018/19", "ascof_processed", 1.9),
    ("1J", WIGAN, "2016/17", "oflog", 0.416),
    ("1J", WIGAN, "2022/23", "oflog", 0.409),
    ("1J", ENGLAND, "2019/20", "ascof_processed", 0.401),
    ("2D", WIGAN, "2015/16", "oflog", 85.2),
])
def test_published_values_through_the_loader(measure, area, year, source, expected):
    assert _value(measure, area, year, source) == pytest.approx(expected, abs=1e-9)


def test_wording_change_is_harmonised_by_code_not_string():
    d = data.load_social_care("2B(1)", areas=[WIGAN], sources="ascof_processed")
    # 2018-19 and 2019-20 describe 2B(1) differently; both map to the same code
    assert list(d["financial_year"]) == ["2018/19", "2019/20"]
    assert list(d["value"]) == [88.4, 91.5]


def test_users_and_carers_split_in_2019_20():
    users = _value("1C(2A)", ENGLAND, "2019/20", "ascof_processed")
    carers = _value("1C(2B)", ENGLAND, "2019/20", "ascof_processed")
    assert (users, carers) == (27.9, 77.1)
    assert abs(users - _value("1C(2A)", ENGLAND, "2018/19", "ascof_processed")) < 1


def test_derived_65_plus_values_are_flagged():
    d = data.load_social_care("2B(1)", areas=[WIGAN], sources="ascof_processed", breakdown="65+")
    row = d[d["financial_year"] == "2018/19"].iloc[0]
    assert row["value"] == 88.37 and bool(row["derived"]) and "derived" in row["flag"]
    published = data.load_social_care("2A(2)", sources="ascof_processed")
    assert not published["derived"].any()


def test_oflog_has_no_england_rows_and_sources_are_kept_apart():
    oflog = data.load_social_care(sources="oflog")
    assert ENGLAND not in set(oflog["area_code"])
    assert "1A" not in set(oflog["measure_code"]) and "1J" in set(oflog["measure_code"])
    both = data.load_social_care("1J", areas=[WIGAN])
    assert set(both["source"]) == {"oflog", "ascof_processed"}
    assert not both.duplicated(["source", "financial_year"]).any()


def test_2a_series_never_crosses_the_2014_15_definition_change():
    d = data.load_social_care(["2A(1)", "2A(2)"])
    assert d["period_start"].min() >= 2014


def test_unknown_measure_source_breakdown_are_clear_errors():
    with pytest.raises(DataError, match="valid codes"):
        data.load_social_care("2A(3)")
    with pytest.raises(DataError, match="valid sources"):
        data.load_social_care(sources="nhs")
    with pytest.raises(DataError, match="breakdown"):
        data.load_social_care(breakdown="over 65")


def test_unmapped_description_stops_the_build(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"Geographical Description": ["Wigan"], "Geographical Level": ["Council"], "ONS Code": [WIGAN],
                  "Measure Group Description": ["A brand new measure"], "Disaggregation Level": ["Total"],
                  "Measure Value": [1.0], "Year": [2019]}).to_csv(path, index=False)
    with pytest.raises(RawDataError, match="A brand new measure"):
        parsers_social_care.parse_ascof_processed(path)


def test_out_of_range_value_is_rejected():
    frame = pd.DataFrame({"source": ["oflog"], "measure_code": ["1J"], "value": [4.2]})
    with pytest.raises(DataError, match="outside"):
        social_care.validate(frame, "x.csv")


def test_social_care_rows_are_built_once_and_never_modified_by_callers():
    """Issue 19 item 1: the extract plus the GM series is built once per version of the extracts (a report
    asked ~50 times); every call returns its own frame, and the shared rows never gain the added columns."""

    everything = data.load_social_care(breakdown=None)
    from wigan_deal.data import social_care_loaders

    base = social_care_loaders._all_rows(None)
    assert social_care_loaders._all_rows(None) is base and "title" not in base.columns
    assert len(everything) == len(base) and "title" in everything.columns
    wigan = data.load_social_care("2A(2)", areas="E08000010")
    assert set(wigan["source"]) >= {"lginform_gm"} and (wigan["area_code"] == "E08000010").all()
    pd.testing.assert_frame_equal(wigan, data.load_social_care("2A(2)", areas="E08000010"))


def test_repeated_selections_are_memoised_and_callers_cannot_change_them():
    """Issue 19 item 1: an atlas worker asks the same selections for every council: the second call reuses the
    first one's rows; a caller editing its frame (in place or by adding a column) never reaches the next caller."""
    first = data.load_social_care(["2A(2)", "2B(1)"], areas=["E08000010", "E08000001"])
    expected = first.copy(deep=True)
    first.loc[0, "value"] = -1.0
    first["extra"] = 1
    again = data.load_social_care(("2B(1)", "2A(2)"), areas={"E08000001", "E08000010"})  # same rows, other order
    assert again is not first
    pd.testing.assert_frame_equal(again, expected)
    with pytest.raises(DataError, match="Unknown social care measure 'nope'"):
        data.load_social_care(["nope"])
