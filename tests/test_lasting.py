"""'Did it last': every end point's change is pinned; trend, method-change flag, devolution windows."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from wigan_deal import config, lasting  # noqa: E402

WIGAN = config.WIGAN


@pytest.fixture(scope="module")
def ends():
    return lasting.end_points(WIGAN)


# vintage 2026-05, from 2015-17: (end, Wigan change minus England change), both sexes
LATEST = {
    "Male": [("2016-18", -0.3), ("2017-19", -0.1), ("2018-20", -1.0), ("2019-21", 0.6), ("2020-22", 0.5),
             ("2021-23", -1.0), ("2022-24", -3.7)],
    "Female": [("2016-18", -0.3), ("2017-19", -0.1), ("2018-20", -1.5), ("2019-21", 0.0), ("2020-22", 0.3),
               ("2021-23", -0.9), ("2022-24", -3.7)],
}


@pytest.mark.parametrize("sex", ["Male", "Female"])
def test_every_end_point_change_latest_vintage(ends, sex):
    g = ends[(ends["vintage"] == "2026-05") & (ends["sex"] == sex)]
    got = [(e, round(d, 1)) for e, d in zip(g["end"], g["difference"], strict=True)]
    assert got == [(e, pytest.approx(d, abs=1e-9)) for e, d in LATEST[sex]]


def test_end_points_in_each_later_vintage(ends):
    assert sorted(ends["vintage"].unique()) == ["2020-06", "2024-07", "2025-04", "2026-05"]
    male = ends[ends["sex"] == "Male"].set_index(["vintage", "end"])
    assert male.loc[("2020-06", "2016-18"), "difference"] == pytest.approx(0.6, abs=1e-9)
    assert male.loc[("2024-07", "2018-20"), "difference"] == pytest.approx(-1.0, abs=1e-9)
    assert male.loc[("2025-04", "2021-23"), "difference"] == pytest.approx(-0.9, abs=1e-9)
    # the last rolling step carries most of the 2022-24 difference
    assert male.loc[("2026-05", "2022-24"), "last_step"] == pytest.approx(-2.7, abs=1e-9)
    assert ends.loc[ends["vintage"] >= "2025-04", "method_changed"].all()
    assert not ends.loc[ends["vintage"] < "2025-04", "method_changed"].any()


def test_fitted_trend_is_smaller_than_the_end_point():
    t = lasting.trend_table(WIGAN).set_index(["vintage", "sex"])
    assert t.loc[("2026-05", "Male"), "endpoint_change"] == pytest.approx(-3.7, abs=1e-9)
    assert t.loc[("2026-05", "Male"), "trend_change"] == pytest.approx(-2.167, abs=1e-3)
    assert t.loc[("2026-05", "Male"), "n_periods"] == 8


def test_text_and_readme_block_come_from_the_numbers(ends):
    block = lasting.readme_block()
    assert "2022-24 −3.7" in block and "2019-21 +0.6" in block
    assert "sign depends on the end point" in block and "revised ONS HLE method" in block


def test_area_missing_from_later_vintages_gets_a_note():
    kent = "E10000016"
    assert "2026-05" in lasting.missing_vintages(kent)
    text = lasting.lasting_text(kent, lasting.end_points(kent), lasting.trend_table(kent))
    assert "have no values for Kent" in text


@pytest.mark.parametrize("period, pre", [("2013-15", True), ("2014-16", False), ("2015/16", True),
                                         ("2016/17", False), ("2015", True), ("2016", False)])
def test_pre_devolution_rule(period, pre):
    assert lasting.pre_devolution(period) is pre


def test_devolution_windows_hle_wigan():
    d = lasting.devolution_windows("hle_birth", WIGAN, "2009-11", sex="Male", vintage="2019-05").set_index("window")
    assert d.loc["full", "end"] == "2015-17" and d.loc["pre-devolution", "end"] == "2013-15"
    assert d.loc["full", "diff_vs_england"] == pytest.approx(1.2, abs=1e-9)
    assert d.loc["pre-devolution", "diff_vs_england"] == pytest.approx(-0.1, abs=1e-9)
    assert d.loc["full", "n_gm"] == 9


def test_short_later_series_gives_no_trend_but_a_figure_and_text():
    kent = "E10000016"  # only the 2020-06 vintage has Kent after 2015-17: one end point, no trend
    ends, trends = lasting.end_points(kent), lasting.trend_table(kent)
    assert len(ends) == 2 and trends.empty and list(trends.columns) == lasting.TREND_COLUMNS
    axes = lasting.end_point_figure(ends, trends, "Kent")
    assert len(axes) == 2
    assert "2016-18" in lasting.lasting_text(kent, ends, trends)


def test_devolution_window_for_an_area_without_the_series_is_a_note():
    d = lasting.devolution_windows("ascof_2b1_home_91days", "E09000007", "2010/11")
    assert d.empty
    assert "no window can be formed for Camden" in lasting.devolution_text(d, "E09000007", "2B(1)")


def test_devolution_windows_for_an_area_without_the_series_keep_their_columns():
    """Isles of Scilly has no HLE rows: the table is empty but filterable, and the text says why."""
    dev = lasting.devolution_windows("hle_birth", "E06000053", "2009-11", sex="Male", vintage="2019-05")
    assert dev.empty and "sex" in dev.columns and "window" in dev.columns
    assert "no window can be formed" in lasting.devolution_text(dev[dev["sex"] == "Male"], "E06000053", "HLE")


def test_did_it_last_is_graded_on_non_overlapping_end_points_with_the_same_noise(ends):
    """Never one end point alone: the mean of 2019-21 and 2022-24 minus 2015-17 (male +0.6 and -3.7 -> -1.55),
    per-council noise; the 2020-22 survey disruption and the method change are stated."""
    male = lasting.lasting_change(WIGAN, "Male", "2026-05")
    assert male["ends"] == ["2019-21", "2022-24"] and male["difference"] == pytest.approx(-1.55, abs=1e-9)
    assert (male["lower"], male["upper"]) == pytest.approx((-3.41, 0.31), abs=0.01)  # includes zero
    fem = lasting.lasting_change(WIGAN, "Female", "2026-05")
    assert fem["difference"] == pytest.approx(-1.85, abs=1e-9) and fem["lower"] < 0 < fem["upper"]
    latest = ends[ends["vintage"] == "2026-05"].set_index(["sex", "end"])
    assert latest.loc[("Male", "2018-20"), "survey_disrupted"] and not latest.loc[("Male", "2017-19"), "survey_disrupted"]
    assert latest["lower"].loc[("Male", "2016-18")] != latest["lower"].loc[("Male", "2016-18")]  # overlaps: no CI
    block = lasting.readme_block()
    assert "never one end point alone" in block and "telephone interviews" in block and "revised ONS HLE method" in block
    assert "Male −1.5 years vs England (95% CI −3.4 to +0.3" in block


def test_claims_did_it_last_check_matches_lasting():
    from wigan_deal.claims import evaluate_later_vintages

    later = evaluate_later_vintages(WIGAN)
    row = later[later["check"].str.startswith("did it last - latest vintage (2026-05)")
                & (later["claim_id"] == "hle_increase")].iloc[0]
    assert row["verdict"] == "not supported"
    assert row["estimate"] == pytest.approx((-1.55 - 1.85) / 2, abs=1e-9)
    assert "2019-21 and 2022-24" in row["evidence"] and "telephone interviews" in row["evidence"]
