"""Matplotlib figures for ITS results (imported lazily, so fitting never needs a display)."""

from __future__ import annotations

import numpy as np

OBSERVED = "#222222"
FITTED = "#1f77b4"
COUNTERFACTUAL = "#d62728"
CONTROL = "#7f7f7f"


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    return ax


def _break_line(ax, x, label="break"):
    if x is not None:
        ax.axvline(x, color="#555555", linestyle=":", linewidth=1.2, label=label)


def split_x(t, post):
    """x position of the pre/post split: halfway between the last pre and first post time."""
    t = np.asarray(t, dtype=float)
    return (t[~post].max() + t[post].min()) / 2


def split_label(result) -> str:
    s = result.series
    first = s.period[int(np.argmax(s.post))]
    rule = f", rule {result.post_rule!r}" if result.post_rule else ""
    brk = f"break {result.break_year:g}{rule}; " if result.break_year is not None else ""
    return f"{brk}first post period {first}"


def plot_its(result, ax=None, title=None):
    """Observed (with CI error bars), fitted segments, dashed counterfactual with PI, break line."""
    ax = _axes(ax)
    s = result.series
    cf = result.counterfactual
    t = cf["time"].to_numpy()
    if s.lower_ci is not None and s.upper_ci is not None and np.isfinite(s.lower_ci).all():
        yerr = np.vstack([s.y - s.lower_ci, s.upper_ci - s.y])
        yerr = np.where(np.isfinite(yerr), np.abs(yerr), 0.0)
        ax.errorbar(t, s.y, yerr=yerr, fmt="o", color=OBSERVED, ms=4, capsize=2, lw=0.8,
                    label="observed (95% CI)")
    else:
        ax.plot(t, s.y, "o", color=OBSERVED, ms=4, label="observed")
    pre, post = ~s.post, s.post
    ax.plot(t[pre], cf["fitted"][pre], color=FITTED, lw=2, label="fitted")
    ax.plot(t[post], cf["fitted"][post], color=FITTED, lw=2)
    ax.plot(t[post], cf["counterfactual"][post], color=COUNTERFACTUAL, ls="--", lw=1.5,
            label="counterfactual (pre-trend)")
    ax.fill_between(t[post], cf["cf_lower"][post], cf["cf_upper"][post], color=COUNTERFACTUAL,
                    alpha=0.15, lw=0, label=f"{round(100 * (1 - result.alpha))}% prediction interval")
    _break_line(ax, split_x(t, s.post), split_label(result))
    ax.set_xlabel("period midpoint (year)" if s.period_start is not None else "time")
    ax.set_ylabel(result.outcome)
    ax.set_title(title or f"Interrupted time series ({result.method})")
    ax.legend(fontsize=8, frameon=False)
    return ax
