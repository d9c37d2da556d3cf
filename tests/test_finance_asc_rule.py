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
