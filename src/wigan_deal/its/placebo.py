"""Falsification in time: placebo breaks inside the pre-period, and break-year sensitivity."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from wigan_deal.config import DEFAULT_BREAK_YEAR
from wigan_deal.its._series import (
    MIN_PRE_POINTS,
    ShortPreperiodError,
    ShortPreperiodWarning,
    break_to_year,
    check_hac_small_sample,
    check_slope_start,
)
from wigan_deal.its.segmented import fit_its
from wigan_deal.periods import DEFAULT_POST_RULE, is_post

COLUMNS = [
    "n_pre", "n_post",
    "level_change", "level_lower", "level_upper", "level_p",
    "slope_change", "slope_lower", "slope_upper", "slope_p",
]


def _row(result) -> dict:
    lc, sc = result.level_change, result.slope_change
    return {
        "n_pre": result.series.n_pre, "n_post": result.series.n_post,
        "level_change": lc.estimate, "level_lower": lc.lower, "level_upper": lc.upper,
        "level_p": lc.p_value,
        "slope_change": sc.estimate, "slope_lower": sc.lower, "slope_upper": sc.upper,
        "slope_p": sc.p_value,
    }


def _periods(data: pd.DataFrame) -> pd.DataFrame:
    for col in ("period_start", "period_end"):
        if col not in data.columns:
            raise ValueError(f"placebo analyses need period_start and period_end; {col!r} is missing.")
    return data


def placebo_in_time(data: pd.DataFrame, fake_breaks=None, *, hac_small_sample: bool = True,
                    slope_start: int = 0, **fit_kwargs) -> pd.DataFrame:
    """Fit the segmented model on the PRE-period only, with fake breaks inside it.

    ``hac_small_sample``, ``slope_start`` and every other keyword go to
    :func:`~wigan_deal.its.segmented.fit_its` (same conventions and defaults).

    The real break is ``fit_kwargs["break_year"]`` (default 2011) with ``post_rule``; only its pre
    periods are kept. ``fake_breaks`` defaults to every whole year that leaves at least 3 points on
    either side. A credible effect at the real break should not be matched by similar "effects" at
    fake breaks. Returns one row per fake break (``fake_break``, ``n_pre``, ``n_post``,
    ``level_change``, ``level_lower``, ``level_upper``, ``level_p``, ``slope_*``, ``note``);
    :class:`ShortPreperiodWarning` is silenced here (short placebo segments are expected).
    """
    data = _periods(data)
    kwargs = dict(fit_kwargs, hac_small_sample=check_hac_small_sample(hac_small_sample),
                  slope_start=int(check_slope_start(slope_start)))
    real = break_to_year(kwargs.pop("break_year", DEFAULT_BREAK_YEAR))
    rule = kwargs.get("post_rule", DEFAULT_POST_RULE)
    pre = data.loc[~is_post(data["period_start"], data["period_end"], real, rule)]
    if len(pre) < 2 * MIN_PRE_POINTS:
        raise ShortPreperiodError(
            f"placebo_in_time: the pre-period before {real:g} has {len(pre)} points; placebo "
            f"breaks need at least {2 * MIN_PRE_POINTS} (3 either side). Use a longer series."
        )
    if fake_breaks is None:
        lo, hi = int(pre["period_start"].min()) + 1, int(pre["period_end"].max())
        fake_breaks = []
        for year in range(lo, hi + 1):
            post = is_post(pre["period_start"], pre["period_end"], year, rule)
            if (~post).sum() >= MIN_PRE_POINTS and post.sum() >= MIN_PRE_POINTS:
                fake_breaks.append(year)
    rows = []
    for fake in fake_breaks:
        row: dict = {"fake_break": fake}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ShortPreperiodWarning)
                row.update(_row(fit_its(pre, fake, **kwargs)))
            row["note"] = ""
        except ValueError as exc:  # includes ShortPreperiodError
            row["note"] = str(exc).split(";")[0]
        rows.append(row)
    return pd.DataFrame(rows, columns=["fake_break", *COLUMNS, "note"])


def break_year_sensitivity(
    data: pd.DataFrame, years=range(2009, 2015), *, hac_small_sample: bool = True,
    slope_start: int = 0, **fit_kwargs
) -> pd.DataFrame:
    """Refit with each candidate break year; years that cannot be fitted get a ``note`` instead.

    ``hac_small_sample``, ``slope_start`` and every other keyword go to
    :func:`~wigan_deal.its.segmented.fit_its` (same conventions and defaults).

    Columns: ``break_year``, ``n_pre``, ``n_post``, ``level_*``, ``slope_*``, ``note``.
    """
    data = _periods(data)
    fit_kwargs = dict(fit_kwargs, hac_small_sample=check_hac_small_sample(hac_small_sample),
                      slope_start=int(check_slope_start(slope_start)))
    rows = []
    for year in years:
        row: dict = {"break_year": year}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ShortPreperiodWarning)
                row.update(_row(fit_its(data, year, **fit_kwargs)))
            row["note"] = ""
        except ValueError as exc:
            row["note"] = f"skipped: {str(exc).split(';')[0]}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["break_year", *COLUMNS, "note"])


def plot_break_year_sensitivity(table: pd.DataFrame, axes=None, title: str | None = None,
                                main_break: float | None = DEFAULT_BREAK_YEAR):
    """Level and slope change (with CIs) against the candidate break year; returns the two Axes.

    ``main_break`` (default the Deal's start, 2011) is marked as the main analysis; ``None`` marks none.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4))
    ok = table[table["note"].fillna("") == ""]
    key = "break_year" if "break_year" in table.columns else "fake_break"
    for ax, what, label in ((axes[0], "level", "level change"), (axes[1], "slope", "slope change")):
        est = ok[f"{what}_change"].to_numpy(float)
        err = np.vstack([est - ok[f"{what}_lower"], ok[f"{what}_upper"] - est])
        ax.errorbar(ok[key], est, yerr=err, fmt="o", color="#1f77b4", capsize=3)
        ax.axhline(0, color="#555555", lw=0.8)
        if key == "break_year" and main_break is not None and main_break in set(ok[key]):
            ax.axvline(main_break, color="#d62728", ls=":", lw=1, label="main analysis")
            ax.legend(fontsize=8, frameon=False)
        ax.set_xlabel(key.replace("_", " "))
        ax.set_ylabel(label)
        ax.set_xticks(list(table[key]))
    axes[0].figure.suptitle(title or "Sensitivity to the break year")
    return axes


__all__ = ["break_year_sensitivity", "placebo_in_time", "plot_break_year_sensitivity"]
