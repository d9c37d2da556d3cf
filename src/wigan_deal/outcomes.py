"""Outcomes on the Deal's own pathway: adult social care measures against peer groups (notebook 07).

Every measure is DESCRIPTIVE: almost none has a pre-2011 baseline (only the Greater Manchester series of
ASCOF 2B(1) starts in 2010-11, and it has no England row), so nothing here attributes a difference to the
Deal. For each measure code, source and financial year the area is set against England, its ONS similar
areas, its deprivation-matched peers (comparator kind ``"deprivation"`` when the data layer offers it),
the other Greater Manchester boroughs (or regional peers outside GM) and the distribution over all
councils (percentile, direction-adjusted so that 100 = best). A measure the area lacks (suppressed,
reorganised council) gets a note, never an error or an empty figure.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wigan_deal import config, fmt, plots
from wigan_deal import data as wd

#: Measures of the pathway figure, in reading order (reablement -> care homes -> hospital -> experience).
PATHWAY: tuple[str, ...] = ("2B(1)", "2D", "2A(2)", "2C(1)", "2C(2)", "1C(1A)", "1A", "1J", "3A")
GROUP_ORDER = ("England", "ONS similar areas", "deprivation-matched peers", "other GM boroughs",
               "regional peers")
DEPRIVATION_KIND = "deprivation"


def peer_groups(area_code: str) -> tuple[dict[str, list[str]], list[str]]:
    """``({label: codes}, notes)``: England, ONS similar areas, deprivation-matched peers (when the data
    layer provides comparator kind 'deprivation'), other GM boroughs (regional peers outside GM)."""
    code = wd.check_area(area_code)
    notes: list[str] = []
    groups: dict[str, list[str]] = {"England": [config.ENGLAND]}
    if code == config.ENGLAND:
        return groups, notes
    groups["ONS similar areas"] = wd.comparators(code, "nearest")
    if DEPRIVATION_KIND in wd.COMPARATOR_KINDS:
        try:
            groups["deprivation-matched peers"] = wd.comparators(code, DEPRIVATION_KIND)
        except wd.DataError as exc:  # e.g. a council created after the IoD2019 geography
            notes.append(f"No deprivation-matched peers: {exc}")
    else:
        notes.append("Deprivation-matched peers (IoD2019) are not available in this data build; the group is "
                     "left out rather than approximated.")
    label = "other GM boroughs" if code in config.GREATER_MANCHESTER else "regional peers"
    groups[label] = wd.comparators(code, "gm")
    return groups, notes


def gm_group(area_code: str) -> dict[str, list[str]]:
    """The other nine GM boroughs (for any area: the GM devolution comparator)."""
    return {"GM boroughs (excl. area)": [c for c in config.GREATER_MANCHESTER if c != area_code]}


def _percentile(values: pd.Series, value: float, higher_is_better: bool | None) -> float:
    """Share of councils the area does at least as well as (0-100, 100 = best); NaN without direction."""
    if higher_is_better is None or pd.isna(value) or values.empty:
        return float("nan")
    arr = np.asarray(values, dtype=float)  # the share as Series.mean of the mask gives it: count / n, no Series
    better_or_equal = (arr <= value) if higher_is_better else (arr >= value)
    return float(100.0 * (np.count_nonzero(better_or_equal) / np.float64(arr.size)))


def _stamp(name: str) -> tuple[str, int, int]:
    st = (Path(config.EXTRACTS_DIR) / name).stat()
    return name, st.st_mtime_ns, st.st_size


@lru_cache(maxsize=8)
def _cells(measures: tuple[str, ...] | None, _extracts: str, _stamps: tuple) -> tuple[tuple, ...]:
    """Per measure x source x financial year, the part of the table that is the same for every council:
    ``(code, source, fy, period_start, values by council, all-council values, council median, flags by
    council)``; once per measure list and version of the extracts (the atlas asks once per council).
    Shared, never modified (callers reindex into new objects)."""
    frame = wd.load_social_care(None if measures is None else list(measures))
    out = []
    for (code, source, fy), part in frame.groupby(["measure_code", "source", "financial_year"], sort=True):
        all_c = part.loc[part["area_code"] != config.ENGLAND, "value"]  # every council of this measure and year
        flags: dict[str, set[str]] = {}
        for a, f in zip(part["area_code"], part["flag"], strict=True):
            if isinstance(f, str) and f:
                flags.setdefault(a, set()).add(f)
        out.append((code, source, fy, int(part["period_start"].iloc[0]), part.set_index("area_code")["value"],
                    all_c, float(all_c.median()) if all_c.size else np.nan,
                    {a: "; ".join(sorted(v)) for a, v in flags.items()}))
    return tuple(out)


#: pandas computes a float mean as numpy's sum / count unless bottleneck is installed and enabled
_NUMPY_MEAN = importlib.util.find_spec("bottleneck") is None or not pd.get_option("compute.use_bottleneck")


def _mean(values: list[float]) -> float:
    """``pd.Series(values, dtype=float).mean()`` (the same arithmetic, without building a Series when pandas' own
    is numpy's: a council's table takes ~1000 of these)."""
    if _NUMPY_MEAN:
        return float(np.asarray(values, dtype=float).sum() / np.float64(len(values)))
    return float(pd.Series(values, dtype=float).mean())


def comparison_table(area_code: str, measures: Sequence[str] | None = None,
                     groups: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per measure x source x financial year that ANY council has: the area's value (NaN when
    missing), England, each group's mean over its councils with data (and how many), the all-council
    median and the area's direction-adjusted percentile among councils."""
    groups = groups if groups is not None else peer_groups(area_code)[0]
    key = None if measures is None else ((measures,) if isinstance(measures, str) else tuple(measures))
    cells = _cells(key, str(config.EXTRACTS_DIR), (_stamp("social_care_outcomes.csv"), _stamp("indicators.csv")))
    rows = []
    for code, source, fy, start, vals, all_c, median, flags in cells:
        spec = wd.SOCIAL_CARE_MEASURES[code]
        own = float(vals.get(area_code, np.nan))
        row = {"measure_code": code, "title": spec.title, "unit": spec.unit, "source": source,
               "financial_year": fy, "period_start": start,
               "higher_is_better": spec.higher_is_better, "area": own,
               "n_councils": int(all_c.size), "council_median": median,
               # the GM-only LG Inform series has no all-council distribution: no percentile
               "percentile": (np.nan if source == "lginform_gm" else _percentile(all_c, own, spec.higher_is_better)),
               "flag": flags.get(area_code, "")}
        by_code = dict(zip(vals.index.tolist(), vals.tolist(), strict=True))  # a dict lookup per code: ~10x reindex
        for label, codes in groups.items():
            have = [v for v in (by_code.get(c, np.nan) for c in codes if c != area_code) if not math.isnan(v)]
            row[label] = _mean(have) if have else np.nan
            row[f"n {label}"] = len(have)
        rows.append(row)
    reasons = {"area": "the council has no value for this measure and year (see the notes at the end)",
               "England": "the source publishes no England value for this measure and year",
               "council_median": "no council has a value for this measure and year",
               "percentile": "the council has no value, or the series is GM-only (no all-council distribution)"}
    for label in groups:
        reasons.setdefault(label, "no council of this group has a value for this measure and year")
    return fmt.explain_missing(pd.DataFrame(rows), reasons)


def missing_notes(area_code: str, table: pd.DataFrame) -> list[str]:
    """A sentence per measure/source the area lacks in years other councils have (suppressed values,
    reorganised councils, or a source that covers only some councils)."""
    name = wd.area_name(area_code) if area_code != config.ENGLAND else "England"
    notes = []
    gaps = table[table["area"].isna()]
    for (code, source), part in gaps.groupby(["measure_code", "source"], sort=True):
        years = ", ".join(part["financial_year"])
        why = {"lginform_gm": "this series covers the ten Greater Manchester boroughs only",
               "oflog": "Oflog publishes councils only (no England row) and omits suppressed or reorganised "
                        "councils"}.get(source, "the value is missing or suppressed for this council")
        notes.append(f"{name} has no {code} ({wd.SOCIAL_CARE_MEASURES[code].title}) from {source} for {years}: "
                     f"{why}.")
    return notes


def baseline_note(area_code: str) -> str:
    """Which measures have any value before the Deal (financial year starting before the break)?"""
    frame = wd.load_social_care(areas=[area_code])
    pre = frame[frame["period_start"] < config.DEFAULT_BREAK_YEAR]
    if pre.empty:
        return ("No social care outcome measure in these data has a value for this area before "
                f"{config.DEFAULT_BREAK_YEAR}: every comparison here is description, not attribution.")
    codes = ", ".join(sorted(set(pre["measure_code"])))
    return (f"Only {codes} has a value before {config.DEFAULT_BREAK_YEAR} for this area (one year, no England "
            "row); every other measure starts in 2014-15 or later. These comparisons describe where the area "
            "stands, they cannot attribute a difference to the Deal.")


def latest(table: pd.DataFrame, measures: Sequence[str] = PATHWAY) -> pd.DataFrame:
    """Latest financial year per pathway measure with a value for the area, preferring sources with an
    England row (ASCOF) and then the longest series; one row per measure, in :data:`PATHWAY` order."""
    rank = {"ascof_processed": 0, "lginform_gm": 1, "oflog": 2}
    have = table[table["measure_code"].isin(measures) & table["area"].notna()].copy()
    have["src_rank"] = have["source"].map(rank)
    have = have.sort_values(["measure_code", "period_start", "src_rank"], ascending=[True, False, True])
    out = have.drop_duplicates("measure_code")
    order = {m: i for i, m in enumerate(measures)}
    return out.sort_values("measure_code", key=lambda s: s.map(order)).reset_index(drop=True)


#: The pathway figure's width (inches): a phone figure's (:data:`wigan_deal.plots.PHONE_INCHES`), so that its text
#: stays legible in a 390 px column; its measure labels take up to two lines of PATHWAY_LABEL_INCHES each.
PATHWAY_INCHES = plots.PHONE_INCHES
PATHWAY_LABEL_INCHES = 2.5


def pathway_figure(area_code: str, table: pd.DataFrame, measures: Sequence[str] = PATHWAY, ax=None):
    """One row per pathway measure: the area's percentile among councils (100 = best) in each year and
    source, England's percentile as a black bar; measures the area lacks say so on their row. Labels and titles
    break at word boundaries to fit (:func:`wigan_deal.plots.fit_text`); the alt text keeps them whole."""
    name = wd.area_name(area_code) if area_code != config.ENGLAND else "England"
    if ax is None:
        height = 0.45 * len(measures) + 1.6
        fig, ax = plt.subplots(figsize=(PATHWAY_INCHES, height))
        # margins in inches, not measured by a layout: the labels' column and the tick pads on the left, two lines of
        # tick and axis labels below, up to three title lines above (a displayed figure is cropped to what is drawn)
        fig.subplots_adjust(left=(PATHWAY_LABEL_INCHES + 0.2) / PATHWAY_INCHES, right=1 - 0.1 / PATHWAY_INCHES,
                            bottom=0.8 / height, top=1 - 0.65 / height)
    width = plots.panel_width_inches(ax)
    colours = {"ascof_processed": "#d62728", "lginform_gm": "#ff7f0e", "oflog": "#9467bd"}
    for i, code in enumerate(measures):
        part = table[table["measure_code"] == code]
        own = part[part["area"].notna() & part["percentile"].notna()]
        if own.empty:
            ax.text(50, i, "no value for this area", ha="center", va="center", fontsize=8, color="grey")
        for source, g in own.groupby("source"):
            yrs = g["period_start"].astype(float)
            alpha = 0.35 + 0.65 * (yrs - 2010) / 13
            ax.scatter(g["percentile"], [i] * len(g), c=colours.get(source, "k"), alpha=alpha.clip(0.3, 1),
                       s=28, label=source)
        if config.ENGLAND in wd.load_social_care(code, areas=[config.ENGLAND])["area_code"].values:
            eng = wd.load_social_care(code, areas=[config.ENGLAND])
            allc = wd.load_social_care(code, sources="ascof_processed")
            allc = allc[allc["area_code"] != config.ENGLAND]
            last = eng.sort_values("period_start").iloc[-1]
            ref = allc[allc["financial_year"] == last["financial_year"]]["value"]
            p = _percentile(ref, float(last["value"]), wd.SOCIAL_CARE_MEASURES[code].higher_is_better)
            ax.plot([p, p], [i - 0.3, i + 0.3], color="black", lw=1.5)
    ax.set_yticks(range(len(measures)))
    plots.fit_tick_labels(ax, [f"{m} {wd.SOCIAL_CARE_MEASURES[m].title}" for m in measures], PATHWAY_LABEL_INCHES,
                          fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(-2, 102)
    ax.axvline(50, color="grey", lw=0.6, ls=":")
    plots.fit_xlabel(ax, "percentile among English councils (100 = best; darker = later year; | = England)",
                     width_inches=width)
    handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=False))
    ax.legend(uniq.values(), uniq.keys(), fontsize=7, frameon=False, loc="best")
    plots.fit_title(ax, f"{name}: adult social care pathway at a glance (description, not attribution)", fontsize=10,
                    width_inches=width, lines=3)  # a long name keeps the caveat
    return ax


def measure_figure(area_code: str, code: str, groups: dict[str, list[str]], ax=None):
    """Every council's value by year (grey), the area, England and group means; a note when empty."""
    name = wd.area_name(area_code) if area_code != config.ENGLAND else "England"
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    frame = wd.load_social_care(code)
    if frame.empty:
        ax.text(0.5, 0.5, f"no data for {code}", ha="center", transform=ax.transAxes)
        return ax
    for source, g in frame.groupby("source"):
        councils = g[g["area_code"] != config.ENGLAND]
        ax.scatter(councils["period_start"] + (0.1 if source == "oflog" else 0), councils["value"], s=4,
                   color="lightgrey", zorder=1)
        ls = "-" if source != "oflog" else "--"
        own = g[g["area_code"] == area_code]
        if not own.empty:
            ax.plot(own["period_start"], own["value"], marker="o", color="#d62728", ls=ls, zorder=3,
                    label=f"{name} ({source})")
        for label, codes in groups.items():
            m = g[g["area_code"].isin([c for c in codes if c != area_code])].groupby("period_start")["value"].mean()
            if len(m):
                ax.plot(m.index, m.values, marker=".", ls=ls, lw=1, zorder=2, label=f"{label} ({source})")
    plots.fit_title(ax, f"{code}: {wd.SOCIAL_CARE_MEASURES[code].title}", fontsize=9)  # never into a neighbour's
    ax.set_xlabel("financial year (start)")
    plots.whole_years(ax)  # years, never "2018.4" on a two-year measure
    ax.set_ylabel(wd.SOCIAL_CARE_MEASURES[code].unit, fontsize=8)
    ax.legend(fontsize=6, frameon=False)
    return ax


def index_rows(table: pd.DataFrame, groups: dict[str, list[str]]) -> list[dict]:
    """Records for the report index: latest value per pathway measure with the comparison groups."""
    rows = []
    for _, r in latest(table).iterrows():
        rows.append({
            "measure": r["measure_code"], "title": r["title"], "year": r["financial_year"], "source": r["source"],
            "unit": r["unit"], "area": r["area"],
            "comparisons": {g: (None if pd.isna(r.get(g)) else round(float(r[g]), 3)) for g in groups},
            "percentile": None if pd.isna(r["percentile"]) else round(float(r["percentile"]), 1),
            "n_councils": int(r["n_councils"]),
        })
    return rows
