"""Shared seaborn/matplotlib figures with one colour scheme.

The focus area is always :data:`AREA_COLOUR`, England always :data:`ENGLAND_COLOUR` (near-black),
comparator groups take the next colours of :data:`GROUP_COLOURS` in order. Every function takes
``ax=None`` (creates a figure) and returns the Axes (or array of Axes).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from wigan_deal import config

AREA_COLOUR = "#c0392b"
ENGLAND_COLOUR = "#222222"
GROUP_COLOURS = ("#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#7f8c8d")
BACKGROUND_COLOUR = "#c8c8c8"
VINTAGE_PALETTE = "viridis"


def _axes(ax, figsize=(7, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def colour_map(area_code: str, others: Sequence[str]) -> dict[str, str]:
    """Colour of every series key: area, England, then comparator groups in order."""
    out = {area_code: AREA_COLOUR, config.ENGLAND: ENGLAND_COLOUR, "England": ENGLAND_COLOUR}
    i = 0
    for key in others:
        if key in out:
            continue
        out[key] = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        i += 1
    return out


def _label(g: pd.DataFrame) -> str:
    name = str(g["area_name"].iloc[0]) if "area_name" in g.columns else str(g["area_code"].iloc[0])
    if "n_areas" in g.columns and pd.notna(g["n_areas"].max()) and g["n_areas"].max() > 1:
        name = f"{name}, n={int(g['n_areas'].max())}"
    return name


def trend_plot(frame: pd.DataFrame, area_code: str, ax=None, *, value: str = "value", title: str | None = None,
               ylabel: str | None = None, break_year: float | None = None) -> plt.Axes:
    """Lines over time (period midpoint), one per ``area_code`` in ``frame``; the focus area in
    :data:`AREA_COLOUR`, England black, others in group colours. Error bars where ``lower_ci`` /
    ``upper_ci`` exist. ``break_year`` draws a dotted vertical line."""
    ax = _axes(ax)
    keys = list(dict.fromkeys(frame["area_code"]))
    colours = colour_map(area_code, keys)
    order = [area_code] + [k for k in keys if k != area_code]
    for key in order:
        g = frame[frame["area_code"] == key].sort_values("time")
        if g.empty:
            continue
        focus = key == area_code
        kw = dict(color=colours[key], lw=2.4 if focus else 1.4, marker="o", ms=4 if focus else 3,
                  label=_label(g), zorder=3 if focus else 2)
        if {"lower_ci", "upper_ci"} <= set(g.columns) and g["lower_ci"].notna().any():
            err = np.vstack([g[value] - g["lower_ci"], g["upper_ci"] - g[value]])
            ax.errorbar(g["time"], g[value], yerr=err, capsize=2, **kw)
        else:
            ax.plot(g["time"], g[value], **kw)
    if break_year is not None:
        ax.axvline(break_year, color="#555555", ls=":", lw=1.2, label=f"break {break_year:g}")
    ax.set_xlabel("period midpoint (year)")
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return ax


def change_plot(table: pd.DataFrame, area_code: str, ax=None, *, sex: str | None = None,
                value: str = "change", title: str | None = None, xlabel: str = "change") -> plt.Axes:
    """Horizontal dot plot of one change per area (sorted), with CI whiskers where ``<value>_lower``
    / ``<value>_upper`` exist; the focus area and England coloured, others grey."""
    ax = _axes(ax, figsize=(6, max(3, 0.22 * len(table) + 1)))
    t = table if sex is None else table[table["sex"] == sex]
    t = t.dropna(subset=[value]).sort_values(value).reset_index(drop=True)
    colours = [AREA_COLOUR if c == area_code else ENGLAND_COLOUR if c == config.ENGLAND else BACKGROUND_COLOUR
               for c in t["area_code"]]
    y = np.arange(len(t))
    lo, hi = f"{value}_lower", f"{value}_upper"
    if lo in t.columns and hi in t.columns:
        focus = t["area_code"].isin([area_code, config.ENGLAND]).to_numpy()
        err = np.vstack([t[value] - t[lo], t[hi] - t[value]])
        ax.errorbar(t[value][focus], y[focus], xerr=err[:, focus], fmt="none", ecolor="#777777", capsize=2)
    ax.scatter(t[value], y, c=colours, s=[60 if c in (area_code, config.ENGLAND) else 25 for c in t["area_code"]],
               zorder=3)
    ax.set_yticks(y)
    ax.set_yticklabels(t["area_name"], fontsize=7)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax


def vintage_plot(frame: pd.DataFrame, area_code: str, ax=None, *, title: str | None = None) -> plt.Axes:
    """The same indicator in every vintage: one line per (area, vintage), never joined across
    vintages. The focus area solid, England dashed; vintages coloured from :data:`VINTAGE_PALETTE`."""
    ax = _axes(ax, figsize=(8, 4.5))
    vintages = sorted(frame["vintage"].unique())
    palette = dict(zip(vintages, sns.color_palette(VINTAGE_PALETTE, len(vintages)), strict=True))
    for (code, vintage), g in frame.groupby(["area_code", "vintage"]):
        g = g.sort_values("time")
        focus = code == area_code
        ax.plot(g["time"], g["value"], ls="-" if focus else "--", marker="o" if focus else None, ms=3,
                color=palette[vintage], lw=1.8 if focus else 1.0,
                label=f"{g['area_name'].iloc[0]} ({vintage})")
    ax.set_xlabel("period midpoint (year)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, frameon=False, ncol=2)
    return ax


def finance_plot(table: pd.DataFrame, area_code: str, ax=None, *, value: str = "index",
                 title: str | None = None, ylabel: str | None = None) -> plt.Axes:
    """Finance lines by financial year from :func:`wigan_deal.analysis.finance_table` (``value``:
    'index', 'per_head_gbp' or 'value_gbp000'); area, England and comparator groups."""
    ax = _axes(ax)
    keys = list(dict.fromkeys(table["area_code"]))
    colours = colour_map(area_code, keys)
    years = list(dict.fromkeys(table.sort_values("period_start")["financial_year"]))
    pos = {y: i for i, y in enumerate(years)}
    for key in keys:
        g = table[table["area_code"] == key].sort_values("period_start")
        focus = key == area_code
        ax.plot(g["financial_year"].map(pos), g[value], marker="o", ms=4 if focus else 3, lw=2.4 if focus else 1.4,
                color=colours[key], label=str(g["area_name"].iloc[0]), zorder=3 if focus else 2)
    ax.set_xticks(range(len(years)))
    ax.set_xticklabels(years, rotation=45, ha="right", fontsize=8)
    if value == "index":
        ax.axhline(100, color="#555555", lw=0.8)
    ax.set_ylabel(ylabel or value)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return ax


def coverage_heatmap(table: pd.DataFrame, ax=None, *, title: str | None = None) -> plt.Axes:
    """Heatmap of a (row x period) coverage table of counts (0 = no data)."""
    ax = _axes(ax, figsize=(max(6, 0.45 * table.shape[1] + 3), max(2.5, 0.4 * table.shape[0] + 1)))
    sns.heatmap(table, ax=ax, cmap="Blues", cbar=False, linewidths=0.5, linecolor="white",
                annot=table.shape[1] <= 30, fmt="g", annot_kws={"fontsize": 7})
    ax.set_xlabel("period start year")
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    return ax


def rank_plot(values: pd.Series, treated_value: float, ax=None, *, label: str = "area",
              xlabel: str = "estimate", title: str | None = None) -> plt.Axes:
    """Histogram of a placebo distribution with the focus area's value marked in its colour."""
    ax = _axes(ax)
    ax.hist(np.asarray(values, dtype=float), bins=30, color=BACKGROUND_COLOUR, edgecolor="white", label="all areas")
    ax.axvline(treated_value, color=AREA_COLOUR, lw=2.2, label=label)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("areas")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return ax


__all__ = [
    "AREA_COLOUR", "BACKGROUND_COLOUR", "ENGLAND_COLOUR", "GROUP_COLOURS", "change_plot", "colour_map",
    "coverage_heatmap", "finance_plot", "rank_plot", "trend_plot", "vintage_plot",
]
