"""wigan_deal.finance: budget vs outturn and real-terms savings for every council (real extracts)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wigan_deal import config, finance
from wigan_deal import data as wd
from wigan_deal.claims import rules

KENT, CAMDEN = "E10000016", "E09000007"


@pytest.fixture(scope="module")
def wigan() -> finance.BudgetOutturnResult:
    return finance.budget_vs_outturn(config.WIGAN)


def test_percentile_among_others():
    s = pd.Series({"a": 1.0, "b": 2.0, "c": 2.0, "d": 3.0, "e": np.nan})
    assert finance.percentile_among_others(s, "a") == 0.0
    assert finance.percentile_among_others(s, "b") == pytest.approx(100 * (1 + 0.5) / 3)
    assert finance.percentile_among_others(s, "d") == 100.0
    vec = finance.percentiles_among_others(s.to_numpy())
    assert vec[:4] == pytest.approx([finance.percentile_among_others(s, c) for c in "abcd"]) and np.isnan(vec[4])


def test_wigan_budget_vs_outturn_values(wigan):
    t = wigan.table.set_index("financial_year")
    assert list(t.index) == [f"{y}/{(y + 1) % 100:02d}" for y in range(2011, 2018)]
    assert (t.loc["2011/12", "budget_gbp000"], t.loc["2011/12", "outturn_gbp000"]) == (76421, 79716)
    assert t.loc["2017/18", "variance_gbp000"] == 79329 - 79795
    assert t.loc["2017/18", "variance_pct"] == pytest.approx(100 * -466 / 79795)
    assert t.loc["2011/12", "variance_real_gbp000"] == pytest.approx(3295 * 100 / 88.372425)
    adults = wd.load_population_by_age(config.WIGAN, sex="Persons")["aged_18_plus"].iloc[0]
    assert t.loc["2017/18", "outturn_real_per_adult_gbp"] == pytest.approx(1000 * 79329 * 100 / 97.908175 / adults)
    # percentile by hand: among the other councils with both returns that year
    year = wigan.all_councils[(wigan.all_councils["financial_year"] == "2017/18") & wigan.all_councils["both"]]
    others = year.loc[year["area_code"] != config.WIGAN, "variance_pct"]
    mine = t.loc["2017/18", "variance_pct"]
    assert t.loc["2017/18", "variance_percentile"] == pytest.approx(100 * (others < mine).sum() / len(others))
    d = wigan.distribution.set_index("financial_year").loc["2017/18"]
    assert d["median"] == pytest.approx(year["variance_pct"].median()) and d["n_councils"] == len(year) == 152
    assert t.loc["2017/18", "variance_rank"] == 1 + (others > mine).sum()


def test_effect_summary_and_table_say_what_ra_can_show(wigan):
    text = wigan.effect_summary()
    assert "GBP 0.5m (-0.6%) below the start-of-year budget of GBP 79.8m" in text
    assert "not the in-year projection" in text and "Better Care Fund" in text
    table = wigan.summary_table()
    assert len(table) == 7 and table["rank (1 = most over)"].str.endswith("of 152").sum() == 6


@pytest.mark.parametrize("area", [KENT, CAMDEN])
def test_county_and_london_borough_have_every_year(area):
    res = finance.budget_vs_outturn(area)
    assert len(res.table) == 7 and res.table["variance_percentile"].notna().all()
    assert res.area_name in res.effect_summary()
    assert finance.real_terms_savings(area).row["both"]


def test_bad_inputs_are_clear_errors():
    with pytest.raises(wd.DeflatorYearError, match="2019/20 is outside the GDP deflator's outturn years"):
        finance.budget_vs_outturn(config.WIGAN, years=("2011/12", "2019/20"))
    with pytest.raises(finance.FinanceDataError, match=r"E06000058\) did not exist in 2011/12, .*2017/18 \(created in "
                       r"2019\).*under Bournemouth \(E06000028\), Poole \(E06000029\) and Dorset"):
        finance.budget_vs_outturn("E06000058")  # Bournemouth, Christchurch and Poole (created 2019)
    with pytest.raises(wd.UnknownAreaError):
        finance.budget_vs_outturn("E08999999")
    with pytest.raises(finance.FinanceDataError, match="England.*no row|cannot be computed"):
        finance.real_terms_savings(config.ENGLAND)


def test_missing_finance_notes_say_what_is_actually_missing():
    """Issue 17: the Isles of Scilly's note blamed reorganisation ('councils created in 2019 or later') when
    its 2016/17 outturn (RS) is what is missing; a council created later names the predecessor holding the data."""
    with pytest.raises(finance.FinanceDataError) as scilly:
        finance.budget_vs_outturn("E06000053")
    text = str(scilly.value)
    assert "has no adult social care outturn (RS) for 2016/17, though its budget (RA) is held" in text
    assert "created" not in text and "reorganis" not in text
    with pytest.raises(finance.FinanceDataError, match=r"created in 2021.*Northamptonshire \(E10000021\)"):
        finance.budget_vs_outturn("E06000061")
    with pytest.raises(finance.FinanceDataError, match=r"Northamptonshire \(E10000021\)"):
        finance.real_terms_savings("E06000062")


def test_real_terms_savings_wigan():
    res = finance.real_terms_savings(config.WIGAN)
    r = res.row
    assert r["cash_start_gbp000"] == 618636 - 260466
    assert r["cash_end_gbp000"] == 539799 - 225907 - 26287
    assert r["real_start_gbp000"] == pytest.approx((618636 - 260466) / 0.87043975)
    assert r["real_per_head_end_gbp"] == pytest.approx(
        1000 * r["real_end_gbp000"] / wd.load_population(config.WIGAN).set_index("year").loc[2017, "population"])
    ok = res.all_councils[res.all_councils["both"]]
    assert len(ok) == 152 and r["percentile"] == pytest.approx(
        100 * (ok.loc[ok["area_code"] != config.WIGAN, "real_change_pct"] < r["real_change_pct"]).sum() / 151)
    assert res.england["real_change_pct"] == pytest.approx(
        100 * (ok["real_end_gbp000"].sum() / ok["real_start_gbp000"].sum() - 1))
    assert "percentile" in res.effect_summary() and "GBP 140.0m" in res.effect_summary()


def test_grade_budget_balance_and_savings_rules():
    g = rules.grade_budget_balance
    assert g(4.0, 80, -1.0, 40) == "supported"
    assert g(4.0, 80, -1.0, 60) == "partly supported"  # balanced, but no better than the median council
    assert g(4.0, 80, 2.0, 45) == "partly supported"   # over budget, but moved below the median
    assert g(4.0, 40, 2.0, 45) == "not supported"      # over budget and no lower in the distribution
    assert g(4.0, 80, 2.0, 70) == "not supported"
    assert g(math.nan, 80, 2.0, 70) == "not testable with these data"
    s = rules.grade_real_terms_savings
    assert s(-28.0, 3) == "supported" and s(-10.0, 50) == "partly supported" and s(1.0, 99) == "not supported"
    assert s(-10.0, 25.0) == "supported" and s(-10.0, 25.1) == "partly supported"


def test_cash_change_is_the_named_years_less_the_subtracted_lines():
    """The one cash change (claims register's cash rule and notebook 04): Wigan's RS total service expenditure
    2010/11 511,389 -> 2017/18 445,046; public health (26,287 in 2017/18) has no 2010/11 line, which counts as 0."""
    whole = finance.cash_change(config.WIGAN, "total_service_expenditure", ("2010/11", "2017/18"))
    excl = finance.cash_change(config.WIGAN, "total_service_expenditure", ("2010/11", "2017/18"), ["public_health"])
    assert (whole.start_gbp000, whole.end_gbp000, whole.change_gbp000) == (511389, 445046, 445046 - 511389)
    assert whole.change_pct == pytest.approx(100 * (445046 - 511389) / 511389)
    assert (excl.start_gbp000, excl.change_gbp000) == (511389, 445046 - 26287 - 511389)
    assert excl.measure == "total service expenditure excluding public health" and excl.area_name == "Wigan"
    # another window is another number: 2011/12 (462,662) -> 2014/15 (454,003)
    assert finance.cash_change(config.WIGAN, "total_service_expenditure", ("2011/12", "2014/15"),
                               ["public_health"]).change_gbp000 == 454003 - 23417 - 462662
    eng = finance.cash_change(config.ENGLAND, "total_service_expenditure", ("2010/11", "2017/18"), ["public_health"])
    assert eng.area_name.endswith("n=152") and eng.change_pct == pytest.approx(-17.2153, abs=1e-4)
    assert list(excl.frame()["value_gbp000"]) == [511389, 445046 - 26287]
    with pytest.raises(finance.FinanceDataError, match="no total_service_expenditure outturn for E06000058 in 2010/11"):
        finance.cash_change("E06000058", "total_service_expenditure", ("2010/11", "2017/18"))
