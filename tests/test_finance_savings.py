"""Savings measure of what the council controls (issue 16): real numbers from the committed extracts, which
reproduce the independent review's re-computation from the raw RS workbooks."""

from __future__ import annotations

import pytest

from wigan_deal import config, finance
from wigan_deal.claims import evaluate_claim, get_claim

WIGAN, LEEDS = config.WIGAN, "E08000035"


def test_wigan_falls_from_both_base_years_with_and_without_pass_throughs():
    t = finance.savings_overview(WIGAN).set_index(["from", "measure"])
    old = t.loc[("2010/11", "with housing benefit and levies")]
    assert old["real change £m"] == pytest.approx(-117.7, abs=0.05)   # the review: -117.7m, -28.6%, p2.6
    assert old["real change %"] == pytest.approx(-28.6, abs=0.05)
    assert old["percentile, all councils"] == pytest.approx(2.6, abs=0.05)
    new = t.loc[("2011/12", "without housing benefit and levies (what the council controls)")]
    assert new["real change £m"] == pytest.approx(-42.8, abs=0.05)     # the review: -42.8m, -18.0%
    assert new["real change %"] == pytest.approx(-18.0, abs=0.05)
    assert new["percentile, all councils"] == pytest.approx(15.9, abs=0.05)  # review: 15th
    assert new["percentile, own type"] == pytest.approx(22.9, abs=0.05)      # review: 23rd among MDs
    assert (new["own type"], new["n own type"], new["n"]) == ("metropolitan districts", 36, 152)
    # from 2010/11 without the pass-throughs, and from 2011/12 with them
    assert t.loc[("2010/11", "without housing benefit and levies (what the council controls)"),
                 "real change £m"] == pytest.approx(-94.6, abs=0.05)
    assert t.loc[("2011/12", "with housing benefit and levies"), "real change £m"] == pytest.approx(-74.7, abs=0.05)


def test_review_medians_are_other_councils_on_the_old_measure():
    """The review's MD median -17.2% and all-council -11.3% are medians of the OTHER councils for the measure
    with housing benefit and levies from 2010/11 (with Wigan: -17.4% and -11.5%)."""
    res = finance.real_terms_savings(WIGAN)
    ok = res.all_councils[res.all_councils["both"] & (res.all_councils["area_code"] != WIGAN)]
    assert ok["real_change_pct"].median() == pytest.approx(-11.25, abs=0.01)
    assert ok.loc[ok["la_class"] == "MD", "real_change_pct"].median() == pytest.approx(-17.23, abs=0.01)


def test_housing_benefit_share_of_wigan_measure():
    res = finance.real_terms_savings(WIGAN, years=("2011/12", "2017/18"))
    ctl = finance.real_terms_savings(WIGAN, years=("2011/12", "2017/18"), excluded=finance.CONTROLLED_EXCLUDED)
    # housing benefit 93.4m + GM transport levy 21.7m removed from the 2011/12 cash measure
    assert res.row["cash_start_gbp000"] - ctl.row["cash_start_gbp000"] == 93392 + 21724


def test_outlier_flag_on_wigan_2010_other_services():
    check = finance.baseline_line_check("2010/11")
    row = check[(check["area_code"] == WIGAN) & (check["line"] == "other_services")].iloc[0]
    assert (row["base_gbp000"], row["next_gbp000"], row["base_rank"]) == (53411, 20302, 1)
    assert row["outlier"] and row["in_measure"]
    assert "one-off" in row["explanation"]
    # next-largest council in that line: Norfolk GBP 22.0m, the median council 0
    other = check[check["line"] == "other_services"].sort_values("base_gbp000", ascending=False)
    assert other.iloc[1]["area_name"] == "Norfolk" and round(other.iloc[1]["base_gbp000"] / 1000, 1) == 22.0
    assert other["base_gbp000"].median() == 0
    # Wigan's only flagged line inside the measure
    assert check[(check["area_code"] == WIGAN) & check["outlier"] & check["in_measure"]]["line"].tolist() == \
        ["other_services"]


def test_spending_power_neighbours():
    res = finance.real_terms_savings(WIGAN, years=("2011/12", "2017/18"), excluded=finance.CONTROLLED_EXCLUDED)
    near = res.spending_power_neighbours()
    assert len(near) == finance.CSP_NEIGHBOURS and WIGAN not in set(near["area_code"])
    assert res.percentile_among_neighbours() == pytest.approx(16.7, abs=0.1)


def test_savings_verdicts_amended():
    claim = get_claim("savings")
    wigan = evaluate_claim(claim, WIGAN)
    assert wigan.verdict == "partly supported"        # p23 among MDs, p17 among spending-power neighbours
    assert wigan.estimate == pytest.approx(-18.0, abs=0.05)
    assert "counterfactual budget" in wigan.evidence and "other services" in wigan.evidence
    assert evaluate_claim(claim.previous, WIGAN).verdict == "supported"   # the 2026-11-28 rule, re-run
    assert evaluate_claim(claim, LEEDS).verdict == "not testable with these data"  # p54 among MDs: inconclusive


def test_bad_exclusion_is_one_clear_error():
    with pytest.raises(ValueError, match="Cannot exclude"):
        finance.real_terms_savings(WIGAN, excluded=("education", "police"))


def _councils_with_both(res: finance.SavingsResult) -> list[str]:
    return list(res.all_councils.loc[res.all_councils["both"], "area_code"])


def test_shared_all_council_summaries_are_those_of_each_result_s_own_table():
    """England, the distribution and the type medians are computed once per measure and shared by every council's
    result: they equal what the result's own table gives, for each measure the claims use."""
    for years, excluded in ((config.SAVINGS_YEARS, finance.SAVINGS_EXCLUDED),
                            (("2011/12", "2017/18"), finance.CONTROLLED_EXCLUDED)):
        shared = finance.real_terms_savings(WIGAN, years=years, excluded=excluded)
        own = finance.SavingsReference.of(shared.all_councils)
        assert finance.real_terms_savings(LEEDS, years=years, excluded=excluded).reference is shared.reference  # once
        assert shared.england.equals(own.england) and shared.distribution().equals(own.distribution)
        ok = shared.all_councils[shared.all_councils["both"]]
        assert own.england["n_councils"] == own.distribution["n_councils"] == len(ok) == len(own.both)
        assert own.england["real_start_gbp000"] == ok["real_start_gbp000"].sum()
        assert own.distribution["median"] == ok["real_change_pct"].median()
        for cls in ("MD", "UA", "SC", "L"):
            assert own.class_medians[cls] == ok.loc[ok["la_class"] == cls, "real_change_pct"].median()
        for code in (WIGAN, LEEDS, "E10000002"):
            res = finance.real_terms_savings(code, years=years, excluded=excluded)
            alone = finance.SavingsResult(res.area_code, res.area_name, res.row, res.all_councils, res.years, res.base,
                                          excluded=res.excluded)
            assert res.effect_summary() == alone.effect_summary()
            assert res.summary_table().equals(alone.summary_table())


def test_every_council_s_spending_power_neighbours_are_the_nearest_others():
    """For every council with the measure: its neighbours are the k other councils (with the measure and a
    spending-power change) nearest in that change, nearest first, and its percentile is among them."""
    sp = finance.spending_power_change()
    base = finance.real_terms_savings(WIGAN, years=("2011/12", "2017/18"), excluded=finance.CONTROLLED_EXCLUDED)
    for code in _councils_with_both(base):
        if code not in sp.index:
            continue
        res = finance.real_terms_savings(code, years=("2011/12", "2017/18"), excluded=finance.CONTROLLED_EXCLUDED)
        ok = res.all_councils[res.all_councils["both"] & (res.all_councils["area_code"] != code)]
        others = sp.reindex(ok["area_code"]).dropna()
        expected = (others - sp[code]).abs().sort_values(kind="stable").index[:finance.CSP_NEIGHBOURS]
        near = res.spending_power_neighbours()
        assert list(near["area_code"]) == list(expected), code
        values = ok.set_index("area_code").loc[expected, "real_change_pct"]
        x = res.row["real_change_pct"]
        assert res.percentile_among_neighbours() == 100 * ((values < x).sum() + 0.5 * (values == x).sum()) / len(values)


def test_every_council_s_baseline_check_names_its_own_flagged_lines():
    check = finance.baseline_line_check("2010/11")
    flagged = check[check["outlier"] & check["in_measure"]]
    assert flagged["area_code"].nunique() > 1  # more than Wigan, so the per-council split is exercised
    for code in check["area_code"].unique():
        text = finance.baseline_check_text(code)
        mine = list(flagged.loc[flagged["area_code"] == code, "explanation"])
        if mine:
            assert text.endswith("outliers: " + "; ".join(mine) + "."), code
        else:
            assert text.endswith("controllable measure is an outlier."), code
