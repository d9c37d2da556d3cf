"""The pre-specified decision rules as pure functions: numbers in, verdict out.

Each function implements, word for word, the ``decision_rule`` text of the claims that use its
method in ``data/report_claims.yml``; they take plain numbers so the rules are unit-tested on
their own, independently of any data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from wigan_deal.claims.register import DIRECTIONS, VERDICTS

SUPPORTED, PARTLY, NOT_SUPPORTED, NOT_TESTABLE, NOT_APPLICABLE, TOO_FEW = VERDICTS
_RANK = {NOT_SUPPORTED: 0, PARTLY: 1, SUPPORTED: 2}


def sign(direction: str) -> int:
    """+1 if higher values are better, -1 if lower values are better."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not valid; use one of {', '.join(DIRECTIONS)}.")
    return 1 if direction == "higher_is_better" else -1


def _sig_good(s: int, lower, upper):
    """Is the CI entirely on the good side of zero? NaN bounds -> False."""
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    with np.errstate(invalid="ignore"):
        return (lower > 0) if s > 0 else (upper < 0)


def cap_verdict(verdict: str, cap: str | None) -> str:
    """Lower ``verdict`` to ``cap`` when the rule says a higher verdict is not attainable."""
    if cap is None or verdict not in _RANK or cap not in _RANK:
        return verdict
    return cap if _RANK[verdict] > _RANK[cap] else verdict


def grade_change(parts: pd.DataFrame, direction: str) -> str:
    """``change_vs_comparator`` rule over one row per sex.

    ``parts`` columns: area_change, area_change_lower, area_change_upper, diff, diff_lower, diff_upper.
    supported: for every row the area change AND the difference in change are on the good side with
    95% CIs excluding 0; partly supported: for at least one row both are on the good side (point
    estimates); not supported otherwise.
    """
    if parts.empty:
        raise ValueError("grade_change needs at least one row (one per sex).")
    s = sign(direction)
    good_change = s * parts["area_change"].to_numpy(float) > 0
    good_diff = s * parts["diff"].to_numpy(float) > 0
    sig_change = good_change & _sig_good(s, parts["area_change_lower"], parts["area_change_upper"])
    sig_diff = good_diff & _sig_good(s, parts["diff_lower"], parts["diff_upper"])
    if bool(np.all(sig_change & sig_diff)):
        return SUPPORTED
    if bool(np.any(good_change & good_diff)):
        return PARTLY
    return NOT_SUPPORTED


def grade_trend(
    area_slope: float, area_lower: float, area_upper: float, comparator_slope: float, direction: str
) -> str:
    """``trend_vs_comparator`` rule (lower_is_better shown; mirrored for higher_is_better).

    supported: area slope < 0 with 95% CI upper < 0 AND area slope <= comparator slope;
    partly supported: CI below 0 but shallower than the comparator, OR slope < 0 and <= the
    comparator's with a CI including 0; not supported otherwise.
    """
    s = sign(direction)
    good = s * area_slope > 0
    sig = good and bool(_sig_good(s, area_lower, area_upper))
    as_steep = s * area_slope >= s * comparator_slope
    if sig and as_steep:
        return SUPPORTED
    if sig or (good and as_steep):
        return PARTLY
    return NOT_SUPPORTED


def grade_level(
    area: float,
    lower: float,
    upper: float,
    comparator: float,
    direction: str,
    test: str,
    *,
    gap_narrowed: bool | None = None,
    fallback_threshold: float | None = None,
) -> str:
    """``level_vs_comparator`` rule.

    test 'better': supported if the area is better than the comparator with the comparator outside
    the area's 95% CI; partly if not worse by point estimate; not supported if worse.
    test 'in_line': supported if the comparator lies in the area's CI or the area is better (no CI:
    |difference| <= ``fallback_threshold`` or better); partly if significantly worse but the gap
    narrowed since baseline; not supported otherwise.
    """
    s = sign(direction)
    gap = s * (area - comparator)  # > 0: area better
    has_ci = math.isfinite(lower) and math.isfinite(upper)
    sig_better = has_ci and ((lower > comparator) if s > 0 else (upper < comparator))
    sig_worse = has_ci and ((upper < comparator) if s > 0 else (lower > comparator))
    if test == "better":
        if gap > 0 and sig_better:
            return SUPPORTED
        return PARTLY if gap >= 0 else NOT_SUPPORTED
    if test != "in_line":
        raise ValueError(f"test {test!r} is not valid; use 'better' or 'in_line'.")
    if has_ci:
        in_line = not sig_worse
    else:
        if fallback_threshold is None:
            raise ValueError("grade_level(test='in_line') without a CI needs fallback_threshold.")
        in_line = gap >= 0 or abs(area - comparator) <= fallback_threshold
    if in_line:
        return SUPPORTED
    if gap_narrowed:
        return PARTLY
    return NOT_SUPPORTED


def grade_equivalence(
    area: float,
    comparator: float,
    direction: str,
    margin: float,
    *,
    lower90: float = math.nan,
    upper90: float = math.nan,
    lower95: float = math.nan,
    upper95: float = math.nan,
    n: float = math.nan,
    minimum_n: float | None = None,
    gap_narrowed: bool | None = None,
) -> str:
    """``level_vs_comparator`` with ``test: in_line`` and an ``equivalence_margin_pp`` (school readiness).

    too few to grade: ``n`` below ``minimum_n``. supported: two one-sided tests at 5% each show the area
    within +/-``margin`` of the comparator (its 90% CI minus the comparator inside the margin), or the area is
    significantly better (its 95% CI wholly on the good side of the comparator); partly supported: not
    supported, but the point estimate is within the margin or better, or the gap narrowed since baseline;
    not supported otherwise. A missing interval can never give 'supported' (a wide one cannot either).
    """
    if minimum_n is not None and math.isfinite(n) and n < minimum_n:
        return TOO_FEW
    s = sign(direction)
    gap = s * (area - comparator)  # > 0: area better
    has90 = math.isfinite(lower90) and math.isfinite(upper90)
    has95 = math.isfinite(lower95) and math.isfinite(upper95)
    equivalent = has90 and (lower90 - comparator) > -margin and (upper90 - comparator) < margin
    sig_better = has95 and ((lower95 > comparator) if s > 0 else (upper95 < comparator))
    if equivalent or sig_better:
        return SUPPORTED
    if gap >= 0 or abs(area - comparator) <= margin or gap_narrowed:
        return PARTLY
    return NOT_SUPPORTED


def grade_finance(change: float) -> str:
    """``finance_change`` rule: partly supported if net expenditure fell in cash, else not supported.

    'supported' is not attainable: outturn cannot measure savings against a counterfactual budget.
    """
    if not math.isfinite(change):
        return NOT_TESTABLE
    return PARTLY if change < 0 else NOT_SUPPORTED


def wilson_interval(percent: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score 95% interval for a percentage from ``n`` trials, in percent."""
    if not (n and n > 0) or not math.isfinite(percent):
        return math.nan, math.nan
    p = percent / 100.0
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return 100 * (centre - half), 100 * (centre + half)


def breakeven_halfwidth(diff: float, comparator_halfwidth: float = 0.0) -> float:
    """LA 95% CI half-width below which a difference in change between two non-overlapping periods
    would be significant, when each LA estimate has that half-width and the comparator's is given."""
    val = diff**2 / 2 - comparator_halfwidth**2
    return math.sqrt(val) if val > 0 else 0.0


def grade_budget_balance(variance_start: float, percentile_start: float, variance_end: float,
                         percentile_end: float, median: float = 50.0) -> str:
    """``budget_vs_outturn`` rule (asc_balance): variance = outturn - budget (% of budget), percentile among
    all councils that year (0 = furthest under budget).

    supported: start year over budget (variance > 0) and above the all-council median (percentile > 50), AND
    end year at or below budget (variance <= 0) and at or below the median (percentile <= 50);
    partly supported: not supported, but the end year is at or below budget, OR its percentile is <= 50 and
    lower than the start year's; not supported otherwise.
    """
    values = (variance_start, percentile_start, variance_end, percentile_end)
    if not all(math.isfinite(v) for v in values):
        return NOT_TESTABLE
    if variance_start > 0 and percentile_start > median and variance_end <= 0 and percentile_end <= median:
        return SUPPORTED
    if variance_end <= 0 or (percentile_end <= median and percentile_end < percentile_start):
        return PARTLY
    return NOT_SUPPORTED


def grade_budget_balance_noise(variance_start: float, variance_end: float, band: float, swing: float) -> str:
    """``budget_vs_outturn`` rule of asc_balance as amended 2026-12-06 (noise-aware): variances are outturn minus
    start-of-year budget, % of budget; ``band`` (B) and ``swing`` (S) come from every council
    (:func:`wigan_deal.finance.balance_noise`).

    not applicable: the start year was not over budget (variance_start <= 0): no overspend to move from.
    supported: start over budget beyond the band (variance_start > B) AND end year not over budget beyond it
    (variance_end <= B) AND the variance fell by at least S (variance_start - variance_end >= S).
    not supported: end year over budget beyond the band AND the fall smaller than S.
    partly supported: otherwise (exactly one of 'end within the band' and 'fall of at least S', or both with a
    start-year overspend inside the band).
    """
    values = (variance_start, variance_end, band, swing)
    if not all(math.isfinite(v) for v in values):
        return NOT_TESTABLE
    if variance_start <= 0:
        return NOT_APPLICABLE
    balanced_end = variance_end <= band
    moved = variance_start - variance_end >= swing
    if variance_start > band and balanced_end and moved:
        return SUPPORTED
    if not balanced_end and not moved:
        return NOT_SUPPORTED
    return PARTLY


def grade_real_terms_savings(change_pct: float, percentile: float, exceptional: float = 25.0) -> str:
    """``real_terms_change`` rule (savings): supported if spending fell in real terms and the area's % change
    is at or below the ``exceptional`` percentile of all councils (0 = largest fall); partly supported if it
    fell but less exceptionally; not supported if it did not fall."""
    if not (math.isfinite(change_pct) and math.isfinite(percentile)):
        return NOT_TESTABLE
    if change_pct >= 0:
        return NOT_SUPPORTED
    return SUPPORTED if percentile <= exceptional else PARTLY


def grade_controlled_savings(change_pct: float, percentiles: list[float], exceptional: float = 25.0) -> str:
    """``real_terms_change`` rule of savings as amended 2026-12-06: ``change_pct`` is the real-terms % change in
    what the council controls, ``percentiles`` its percentile (0 = largest fall) in each reference group.

    supported: not attainable (the claimed amount is against a counterfactual budget outturn cannot show);
    partly supported: it fell AND every percentile <= ``exceptional`` (among the largest falls of councils like it);
    not supported: it did not fall, OR every percentile >= 100 - ``exceptional`` (among the smallest falls);
    not testable with these data: otherwise (inconclusive: neither unusually large nor unusually small).
    """
    values = [change_pct, *percentiles]
    if not percentiles or not all(math.isfinite(v) for v in values):
        return NOT_TESTABLE
    if change_pct >= 0 or all(p >= 100.0 - exceptional for p in percentiles):
        return NOT_SUPPORTED
    if all(p <= exceptional for p in percentiles):
        return PARTLY
    return NOT_TESTABLE
