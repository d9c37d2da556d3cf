"""Shared notebook computations on the real extracts (values checked against the data layer)."""

import math

import pandas as pd
import pytest

from wigan_deal import analysis, data, parameters

WIGAN, LEEDS, ENG = "E08000010", "E08000035", "E92000001"


@pytest.fixture(scope="module")
def wigan():
    return parameters.validate(area_code=WIGAN)


def test_hle_change_table_report_window(wigan):
    t = analysis.hle_change_table(WIGAN, wigan.comparator_codes, "2019-05")
    row = t[(t.area_code == WIGAN) & (t.sex == "Male")].iloc[0]
    eng = t[(t.area_code == ENG) & (t.sex == "Male")].iloc[0]
    assert (row.value_start, row.value_end) == (58.9, 60.5)
    assert row.change == pytest.approx(1.6, abs=1e-9)
    assert eng.change == pytest.approx(0.4, abs=1e-9)
    assert row.diff_vs_england == pytest.approx(1.2, abs=1e-9)
    # approx CI from the register's assumption: +/-1.5 per LA estimate, +/-0.2 for England
    assert row.change_upper - row.change == pytest.approx(1.5 * math.sqrt(2), rel=1e-9)
    assert row.diff_upper - row.diff_vs_england == pytest.approx(math.sqrt(2 * 1.5**2 + 2 * 0.2**2), rel=1e-9)
    fem = t[(t.area_code == WIGAN) & (t.sex == "Female")].iloc[0]
    assert fem.change == pytest.approx(2.6, abs=1e-9)
    assert set(t.role) == {"area", "England", "comparator"}
    assert math.isnan(eng.diff_vs_england)


def test_hle_window_moves_inside_a_vintage_and_says_so():
    assert analysis.hle_window("2019-05") == ("2009-11", "2015-17", "")
    start, end, note = analysis.hle_window("2025-04")
    assert (start, end) == ("2011-13", "2015-17") and "2009-11 is not in vintage 2025-04" in note


def test_a_vintage_without_a_non_overlapping_start_has_no_window():
    """Issue 17: vintage 2026-05 starts at 2015-17, and the window collapsed to '2015-17 -> 2015-17'
    (change +0.0, 'Leeds's male change ranks 1 of 28 among itself')."""
    start, end, note = analysis.hle_window("2026-05")
    assert start is None and end == "2015-17"
    assert "cannot be formed" in note and "starts at 2015-17" in note
    table = analysis.hle_change_table(LEEDS, [], "2026-05", start, end)
    assert table.empty and list(table.columns) == list(analysis.CHANGE_COLUMNS)
    assert analysis.change_rank_sentence(table, LEEDS, "Leeds", "Male") is None
    for v in data.vintages("hle_birth"):  # every window that is formed has two non-overlapping periods
        s, e, _ = analysis.hle_window(v)
        assert s is None or s != e and int(s[-2:]) < int(e[:4]) % 100, (v, s, e)


def test_change_rank_sentence_names_what_is_ranked():
    leeds = parameters.validate(area_code=LEEDS)
    table = analysis.hle_change_table(LEEDS, leeds.comparator_codes, "2019-05")
    focus = table[table["sex"] == "Male"]
    text = analysis.change_rank_sentence(focus, LEEDS, "Leeds", "Male")
    n = int(focus["change"].notna().sum())
    own = float(focus.loc[focus["area_code"] == LEEDS, "change"].iloc[0])
    rank = int((focus["change"] > own).sum()) + 1
    assert f"ranks **{rank} of {n}** areas shown (Leeds, England and {n - 2} comparator areas" in text
    assert "among itself" not in text


def test_comparator_groups_label_gm_and_regional_peers(wigan):
    groups = analysis.comparator_groups(wigan, "hle_birth", "2019-05")
    assert groups["England"] == [ENG]
    assert len(groups["other GM boroughs (mean)"]) == 9
    leeds = analysis.comparator_groups(parameters.validate(area_code=LEEDS))
    assert "regional peers (mean; area is not in GM)" in leeds
    assert LEEDS not in sum(leeds.values(), [])


def test_group_means_are_unweighted_means(wigan):
    groups = {"other GM boroughs (mean)": analysis.comparator_groups(wigan)["other GM boroughs (mean)"]}
    g = analysis.group_means("hle_birth", groups, sex="Male", vintage="2019-05")
    raw = data.load_indicator("hle_birth", areas=groups["other GM boroughs (mean)"], sex="Male", vintage="2019-05")
    expected = raw[raw.period == "2009-11"]["value"].mean()
    assert g[g.period == "2009-11"]["value"].iloc[0] == pytest.approx(expected)
    assert g["n_areas"].max() == 9 and g["lower_ci"].isna().all()


def test_finance_table_wigan_asc_and_england_sum(wigan):
    groups = analysis.comparator_groups(wigan)
    groups.pop("England")
    t = analysis.finance_table(WIGAN, groups, "adult_social_care")
    own = t[t.role == "area"].set_index("financial_year")
    assert own.loc["2011/12", "value_gbp000"] == 79716
    assert own.loc["2017/18", "value_gbp000"] == 79329
    assert own.loc["2011/12", "per_head_gbp"] == pytest.approx(1000 * 79716 / 318122)
    eng = t[t.role == "England"].set_index("financial_year")
    fin = data.load_finance(services=["adult_social_care"]).dropna(subset=["value_gbp000"])
    years = fin.groupby("area_code").financial_year.nunique()
    complete = years[years == years.max()].index
    expected = fin[fin.area_code.isin(complete) & (fin.financial_year == "2017/18")].value_gbp000.sum()
    assert eng.loc["2017/18", "value_gbp000"] == pytest.approx(expected)
    assert eng["n_areas"].iloc[0] == len(complete)
    assert analysis.pct_change(t, WIGAN, "2011/12", "2017/18") == pytest.approx(100 * (79329 - 79716) / 79716)
    assert set(t.loc[t.role == "comparator", "area_code"]) == {"other GM boroughs (sum)", "ONS similar areas (sum)"}


def test_asc_share_skips_years_without_a_total():
    s = analysis.asc_share(WIGAN)
    own = s[s.area_code == WIGAN].set_index("financial_year")
    assert "2015/16" not in own.index
    assert own.loc["2011/12", "asc_share_pct"] == pytest.approx(100 * 79716 / 462662)


def test_its_method_table_and_sentence():
    series = analysis.series("u75_prev_cancer_mortality", WIGAN, "Persons")
    t = analysis.its_method_table(series, 2011, "start")
    assert list(t.method.unique()) == ["ols", "glsar", "arima"]
    assert (t.lower < t.estimate).all() and (t.estimate < t.upper).all()
    from wigan_deal import its

    text = analysis.its_sentence(its.fit_its(series, 2011), "the rate", "per 100,000", False)
    assert "10 pre-break periods" in text and "Lower values are better" in text


def test_gap_then_and_now_uses_separate_vintages():
    g = analysis.gap_then_and_now(WIGAN, "Male", "2019-05", "2015-17", "2026-05")
    assert g["gap_then"] == pytest.approx(63.4 - 60.5)
    assert g["period_now"] == "2022-24" and g["vintage_now"] == "2026-05"


def test_coverage_counts_values_per_series():
    cov = analysis.coverage(WIGAN)
    assert cov.loc["hle_birth (2019-05)", 2009] == 2
    assert cov.loc["u75_prev_cancer_mortality (2019-05)", 2001] == 1
    assert isinstance(cov, pd.DataFrame) and (cov.to_numpy() >= 0).all()
