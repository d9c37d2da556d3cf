"""Reporting periods: parse labels, place them on a time axis, and decide pre/post a break.

Every period is stored as the *inclusive range of calendar years it touches*:

=====================  ==============  ============  ==========  ===========
label in the sources   example         period_start  period_end  midpoint
=====================  ==============  ============  ==========  ===========
3-year rolling         ``2009-11``     2009          2011        2010.5
calendar year          ``2011``        2011          2011        2011.5
financial / academic   ``2015/16``     2015          2016        2016.0
=====================  ==============  ============  ==========  ===========

The midpoint is ``(period_start + period_end + 1) / 2``: the centre of ``[start, end + 1)`` in
continuous years (for a financial year April-March the true centre is three months earlier; the
approximation is the same for every area, so comparisons are unaffected).

Whether a period counts as *after* an intervention that starts at the beginning of ``break_year``
is an explicit, documented rule (:data:`POST_RULES`), never an implicit one:

* ``"start"`` (default): post only if the whole period is after the break, ``period_start >= break_year``.
  With a 2011 break the 3-year period 2011-13 is the first post period; 2010-12 is pre.
* ``"mid"``: post if most of the period is after the break, ``midpoint > break_year``
  (2010-12 is post with a 2011 break).
* ``"end"``: post if any part of the period is after the break, ``period_end >= break_year``
  (2009-11 is post with a 2011 break).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

PostRule = Literal["start", "mid", "end"]
POST_RULES: tuple[str, ...] = ("start", "mid", "end")
DEFAULT_POST_RULE: PostRule = "start"

_THREE_YEAR = re.compile(r"^\s*(\d{4})\s*-\s*(\d{2}|\d{4})\s*$")
_SPLIT_YEAR = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*$")
_ONE_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def _full_year(first: int, second: str) -> int:
    if len(second) == 4:
        return int(second)
    century = first // 100 * 100
    year = century + int(second)
    return year if year >= first else year + 100


def parse_period(label: str | int) -> tuple[int, int, str]:
    """Parse a period label into ``(period_start, period_end, normalised_label)``.

    Accepts ``"2009-11"``, ``"2010 - 12"``, ``"2001-2003"``, ``"2015/16"``, ``"2011"`` and ints.
    Normalised labels are ``"2009-11"``, ``"2015/16"`` and ``"2011"``.

    >>> parse_period("2010 - 12")
    (2010, 2012, '2010-12')
    >>> parse_period("2015/16")
    (2015, 2016, '2015/16')
    """
    text = str(label)
    if m := _ONE_YEAR.match(text):
        year = int(m.group(1))
        return year, year, str(year)
    if m := _SPLIT_YEAR.match(text):
        start = int(m.group(1))
        end = _full_year(start, m.group(2))
        return start, end, f"{start}/{end % 100:02d}"
    if m := _THREE_YEAR.match(text):
        start = int(m.group(1))
        end = _full_year(start, m.group(2))
        return start, end, f"{start}-{end % 100:02d}"
    raise ValueError(
        f"Cannot parse period label {label!r}: expected a year ('2011'), a rolling period "
        "('2009-11', '2010 - 12', '2001-2003') or a financial/academic year ('2015/16')."
    )


def period_midpoint(period_start, period_end):
    """Centre of the period on a continuous year axis: ``(start + end + 1) / 2``."""
    return (np.asarray(period_start, dtype=float) + np.asarray(period_end, dtype=float) + 1.0) / 2.0


def check_post_rule(rule: str) -> PostRule:
    """Return ``rule`` if valid, else raise a clear ``ValueError``."""
    if rule not in POST_RULES:
        raise ValueError(
            f"Unknown post_rule {rule!r}: valid rules are 'start' (whole period after the break), "
            "'mid' (midpoint after the break) and 'end' (any part after the break)."
        )
    return rule  # type: ignore[return-value]


def is_post(period_start, period_end, break_year: float, rule: str = DEFAULT_POST_RULE) -> np.ndarray:
    """Boolean array: is each period after an intervention starting at the start of ``break_year``?"""
    rule = check_post_rule(rule)
    start = np.asarray(period_start, dtype=float)
    end = np.asarray(period_end, dtype=float)
    if rule == "start":
        return start >= break_year
    if rule == "mid":
        return period_midpoint(start, end) > break_year
    return end >= break_year


def add_time_columns(
    frame: pd.DataFrame, break_year: float, rule: str = DEFAULT_POST_RULE
) -> pd.DataFrame:
    """Copy of ``frame`` (with ``period_start``/``period_end``) plus ``time`` (midpoint) and ``post``."""
    out = frame.copy()
    out["time"] = period_midpoint(out["period_start"], out["period_end"])
    out["post"] = is_post(out["period_start"], out["period_end"], break_year, rule)
    return out
