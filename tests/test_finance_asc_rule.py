"""The noise-aware asc_balance rule (amended 2026-12-06) on plain numbers, and the swing table it reads."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wigan_deal import finance
from wigan_deal.claims import rules

B, S = 5.0, 4.0


@pytest.mark.parametrize(
    ("start", "end", "verdict"),
    [
        (-0.1, -3.0, "not applicable"),      # under budget at the start: no overspend to move from
        (0.0, 9.0, "not applicable"),        # exactly on budget is not over budget
        (9.0, 0.0, "supported"),             # beyond the band, back inside it, fell by 9 >= S
        (9.0, 5.0, "supported"),             # the band edge counts as balanced; fell by exactly S
        (9.0, 6.0, "not supported"),         # still beyond the band and fell by only 3 < S
        (6.0, 9.0, "not supported"),         # worse: same standard for unfavourable moves
        (5.5, 3.0, "partly supported"),      # back inside the band but fell by only 2.5 < S
        (20.0, 10.0, "partly supported"),    # fell by 10 >= S but still over budget beyond the band
        (4.0, -1.0, "partly supported"),     # fell by 5 >= S into balance, but the start was inside the band
        (2.0, 1.0, "partly supported"),      # inside the band throughout, no real move
    ],
)
def test_noise_rule_grid(start, end, verdict):
    assert rules.grade_budget_balance_noise(start, end, B, S) == verdict


def test_noise_rule_missing_numbers_are_not_testable():
    assert rules.grade_budget_balance_noise(math.nan, 1.0, B, S) == "not testable with these data"
    assert rules.grade_budget_balance_noise(1.0, 1.0, math.nan, S) == "not testable with these data"


def test_swings_need_consecutive_years_with_both_returns():
    table = pd.DataFrame({
        "area_code": ["A"] * 4 + ["B"] * 2,
        "area_name": ["a"] * 4 + ["b"] * 2,
        "financial_year": ["2011/12", "2012/13", "2013/14", "2015/16", "2011/12", "2012/13"],
        "variance_pct": [1.0, 4.0, -2.0, 7.0, 3.0, 3.5],
        "both": [True, True, True, True, True, False],
    })
    sw = finance.year_to_year_swings(table)
    # A: 2012/13 (+3), 2013/14 (-6); 2015/16 follows a gap year, B's 2012/13 lacks a return
    assert sw["financial_year"].tolist() == ["2012/13", "2013/14"]
    assert sw["swing_pp"].tolist() == [3.0, -6.0]


# --- real data (committed extracts), computed after the rule was committed ---------------------------------
def test_band_and_swing_from_every_council():
    noise = finance.balance_noise()
    assert noise.band_pp == pytest.approx(4.8, abs=0.05)
    assert noise.swing_pp == pytest.approx(4.6, abs=0.05)
    assert (noise.n_council_years, noise.n_swings) == (1063, 910)
    # the review's cross-council SD in the two graded years
    assert noise.sd_by_year["2011/12"] == pytest.approx(8.42, abs=0.01)
    assert noise.sd_by_year["2017/18"] == pytest.approx(8.76, abs=0.01)


def test_wigan_and_leeds_under_the_noise_rule():
    from wigan_deal.claims import evaluate_claim, get_claim

    claim = get_claim("asc_balance")
    wigan = evaluate_claim(claim, "E08000010")
    # +4.3% in 2011/12 is inside the band (B 4.8), -0.6% in 2017/18 too; the 4.9-point fall exceeds S (4.6)
    assert wigan.verdict == "partly supported"
    assert wigan.estimate == pytest.approx(-0.58, abs=0.01)
    assert "+4.3% (within the balanced band)" in wigan.evidence and "Better Care Fund" in wigan.evidence
    leeds = evaluate_claim(claim, "E08000035")  # under budget in 2011/12 (-1.4%): nothing to move from
    assert leeds.verdict == "not applicable"
    assert evaluate_claim(claim.previous, "E08000035").verdict == "partly supported"  # the old rule, re-run


@pytest.mark.parametrize(
    ("change", "pcts", "verdict"),
    [
        (-10.0, [20.0, 25.0], "partly supported"),               # largest-falls quarter of both groups
        (-10.0, [20.0, 26.0], "not testable with these data"),   # one group only: inconclusive
        (-10.0, [75.0, 90.0], "not supported"),                  # smallest-falls quarter of both (mirror of 25)
        (-10.0, [74.0, 90.0], "not testable with these data"),
        (0.0, [1.0, 1.0], "not supported"),                      # no real-terms fall at all
        (-10.0, [math.nan, 5.0], "not testable with these data"),
    ],
)
def test_controlled_savings_rule_grid(change, pcts, verdict):
    assert rules.grade_controlled_savings(change, pcts, 25.0) == verdict


def test_controlled_savings_rule_never_supports():
    assert all(rules.grade_controlled_savings(c, [p, p]) != "supported" for c in (-50.0, -1.0) for p in (0.0, 10.0))
