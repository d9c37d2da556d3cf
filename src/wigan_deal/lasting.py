"""'Did it last?' without a cherry-picked end point, and the GM devolution windows.

:func:`end_points` measures the area's change relative to England from a fixed start (by default the
report's last period, 2015-17) to EVERY later period of every later vintage, and :func:`trend_table`
fits a straight line to the area-minus-England gap over the same window (the fitted change does not
hinge on one rolling step). :func:`lasting_change` is the graded quantity of the claims rule: the mean of the
non-overlapping end points minus the start, under the same per-council noise (:mod:`wigan_deal.hle_ci`) as
the report-era verdict. Periods containing 2020-2022 (survey disruption) are flagged. :func:`lasting_text` and
:func:`readme_block` write the sentences from these numbers; nothing is typed by hand.

ONS changed the healthy life expectancy method in its 2024/25 releases: the back-series in vintages
from :data:`HLE_METHOD_CHANGE_VINTAGE` differ from earlier vintages for the same periods (Wigan male
2011-13: 60.9 -> 60.1). Figures mark the change and vintages are never spliced.

Greater Manchester devolution (health and social care, April 2016, ``config.GM_DEVOLUTION_YEAR``) is a
co-intervention: :func:`devolution_windows` repeats a post-2011 comparison with the window ending at
the last period wholly before devolution, against England and against the other nine GM boroughs.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wigan_deal import config, fmt, hle_ci
from wigan_deal import data as wd
from wigan_deal.periods import parse_period

#: First HLE vintage on the revised ONS method (2024/25 releases).
HLE_METHOD_CHANGE_VINTAGE = "2025-04"
END_POINT_COLUMNS = ["indicator", "vintage", "sex", "start", "end", "end_time", "area_change", "england_change",
                     "difference", "lower", "upper", "last_step", "method_changed", "survey_disrupted"]
#: Years when the Annual Population Survey (the 'good health' prevalence in HLE) moved to telephone
#: interviews and its achieved sample fell (COVID-19); periods containing any of them are flagged.
SURVEY_DISRUPTION = (2020, 2022)
SURVEY_NOTE = ("Every end point from 2018-20 on contains some of 2020-2022, when the Annual Population Survey (the "
               "source of the self-reported 'good health' in HLE) moved from face-to-face to telephone interviews "
               "and its achieved sample fell; ONS advised caution comparing these estimates with earlier ones.")
TREND_COLUMNS = ["indicator", "vintage", "sex", "start", "end", "n_periods", "slope_per_year", "trend_change",
                 "endpoint_change"]
#: The report's last HLE period: "did it last" is measured from here.
LASTING_START = "2015-17"


def _gap_series(indicator: str, area_code: str, sex: str, vintage: str,
                comparators: Sequence[str] = (config.ENGLAND,)) -> pd.DataFrame:
    """Per period: the area's value, the comparator mean and the gap (area - comparator)."""
    return _shared_gap_series(indicator, area_code, sex, vintage, tuple(comparators)).copy(deep=False)


@wd.data_cache(maxsize=64)
def _shared_gap_series(indicator: str, area_code: str, sex: str, vintage: str,
                       comparators: tuple[str, ...]) -> pd.DataFrame:
    """:func:`_gap_series`, memoised on the data version: end points, trends and the claims' lasting change ask
    for the same series (shared: callers get a copy-on-write copy)."""
    codes = [area_code, *comparators]
    f = wd.load_indicator(indicator, areas=codes, sex=sex, vintage=vintage)
    if f.empty:
        return pd.DataFrame(columns=["period", "period_start", "period_end", "time", "area", "comparator", "gap"])
    keys = ["period", "period_start", "period_end", "time"]
    own = f[f["area_code"] == area_code].set_index(keys)["value"]
    comp = f[f["area_code"].isin([c for c in comparators if c != area_code])].groupby(keys)["value"].mean()
    out = pd.DataFrame({"area": own, "comparator": comp}).dropna().reset_index().sort_values("period_start")
    out["gap"] = out["area"] - out["comparator"]
    return out.reset_index(drop=True)


def later_vintages(indicator: str = "hle_birth", start: str = LASTING_START) -> list[str]:
    """Vintages that contain ``start`` and at least one later period."""
    s0 = parse_period(start)[0]
    out = []
    for v in wd.vintages(indicator):
        f = wd.load_indicator(indicator, areas=[config.ENGLAND], vintage=v)
        if start in set(f["period"]) and (f["period_start"] > s0).any():
            out.append(v)
    return out


def _interval(area_code: str, sex: str, vintage: str, base: pd.Series, r: pd.Series) -> tuple[float, float]:
    """95% CI of one end point's difference vs England under the claims rule's per-council noise
    (:func:`wigan_deal.hle_ci.halfwidth`); NaN when the end point overlaps the start (errors not independent)
    or the indicator is not HLE."""
    if r["period_start"] <= base["period_end"]:
        return np.nan, np.nan
    h, _ = hle_ci.halfwidth(area_code, sex, vintage)
    se, se_e = hle_ci.se_from_halfwidth(h), hle_ci.se_from_halfwidth(config.HLE_ENGLAND_CI_HALFWIDTH)
    ch = hle_ci.change_with_ci(base["area"], r["area"], base["comparator"], r["comparator"],
                               se_area=(se, se), se_comp=(se_e, se_e))
    return ch["diff_lower"], ch["diff_upper"]


def end_points(area_code: str, indicator: str = "hle_birth", start: str = LASTING_START,
               vintages: Sequence[str] | None = None, sexes: Sequence[str] = config.SEXES) -> pd.DataFrame:
    """Change from ``start`` to every later period, per vintage and sex: area, England, difference (with a 95%
    CI under the per-council HLE noise where the end point does not overlap the start), the single rolling
    step into that end point (how much of the difference one step carries), and whether the end point
    contains the 2020-2022 survey disruption."""
    rows = []
    for vintage in (vintages or later_vintages(indicator, start)):
        for sex in sexes:
            g = _gap_series(indicator, area_code, sex, vintage)
            if start not in set(g["period"]):
                continue
            base = g[g["period"] == start].iloc[0]
            after = g[g["period_start"] > base["period_start"]]
            prev_gap = base["gap"]
            for _, r in after.iterrows():
                lo, hi = _interval(area_code, sex, vintage, base, r) if indicator == "hle_birth" else (np.nan, np.nan)
                rows.append({
                    "indicator": indicator, "vintage": vintage, "sex": sex, "start": start, "end": r["period"],
                    "end_time": r["time"], "area_change": r["area"] - base["area"],
                    "england_change": r["comparator"] - base["comparator"],
                    "difference": r["gap"] - base["gap"], "lower": lo, "upper": hi,
                    "last_step": r["gap"] - prev_gap,
                    "method_changed": vintage >= HLE_METHOD_CHANGE_VINTAGE and indicator == "hle_birth",
                    "survey_disrupted": bool(r["period_start"] <= SURVEY_DISRUPTION[1]
                                             and r["period_end"] >= SURVEY_DISRUPTION[0]),
                })
                prev_gap = r["gap"]
    return fmt.explain_missing(pd.DataFrame(rows, columns=END_POINT_COLUMNS),
                               "no interval where the end period overlaps the start (they share survey years, so "
                               "their errors are not independent) or the indicator is not HLE")


def lasting_change(area_code: str, sex: str, vintage: str, start: str = LASTING_START) -> dict | None:
    """The graded 'did it last' quantity (claims register, hle_increase): the area-minus-England gap averaged
    over the non-overlapping end points counted back from the vintage's last period, minus the gap at
    ``start``, with a 95% CI under the per-council noise; never one end point alone. None if not computable."""
    g = _gap_series("hle_birth", area_code, sex, vintage)
    if start not in set(g["period"]) or len(g) < 2:
        return None
    base = g[g["period"] == start].iloc[0]
    last = g.iloc[-1]
    ends = hle_ci.non_overlapping_ends(list(zip(g["period_start"], g["period_end"], g["period"], strict=True)),
                                       (base["period_start"], base["period_end"]),
                                       (last["period_start"], last["period_end"]))
    if not ends:
        return None
    sel = g[g["period"].isin(ends)]
    k = len(sel)
    h, src = hle_ci.halfwidth(area_code, sex, vintage)
    se, se_e = hle_ci.se_from_halfwidth(h), hle_ci.se_from_halfwidth(config.HLE_ENGLAND_CI_HALFWIDTH)
    ch = hle_ci.change_with_ci(base["area"], float(sel["area"].mean()), base["comparator"],
                               float(sel["comparator"].mean()), se_area=(se, se / np.sqrt(k)),
                               se_comp=(se_e, se_e / np.sqrt(k)))
    return {"sex": sex, "vintage": vintage, "ends": ends, "difference": ch["diff"], "lower": ch["diff_lower"],
            "upper": ch["diff_upper"], "halfwidth": h, "source": src}


def trend_table(area_code: str, indicator: str = "hle_birth", start: str = LASTING_START,
                vintages: Sequence[str] | None = None, sexes: Sequence[str] = config.SEXES) -> pd.DataFrame:
    """OLS line through the area-minus-England gap from ``start`` to the vintage's last period:
    slope (years per year) and the change it implies over the window, beside the end-point change.
    Rolling 3-year periods overlap, so the slope's precision is not reported (points are not independent)."""
    rows = []
    for vintage in (vintages or later_vintages(indicator, start)):
        for sex in sexes:
            g = _gap_series(indicator, area_code, sex, vintage)
            if start not in set(g["period"]):
                continue
            w = g[g["period_start"] >= parse_period(start)[0]]
            if len(w) < 3:
                continue
            slope, _ = np.polyfit(w["time"], w["gap"], 1)
            span = float(w["time"].iloc[-1] - w["time"].iloc[0])
            rows.append({"indicator": indicator, "vintage": vintage, "sex": sex, "start": start,
                         "end": w["period"].iloc[-1], "n_periods": len(w), "slope_per_year": float(slope),
                         "trend_change": float(slope * span),
                         "endpoint_change": float(w["gap"].iloc[-1] - w["gap"].iloc[0])})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def end_point_figure(table: pd.DataFrame, trends: pd.DataFrame, area_name: str, axes=None):
    """Difference vs England from ``start`` to each end point, one line per vintage, one panel per sex;
    fitted-trend changes as open markers at the last period; vintages on the revised ONS method dashed."""
    sexes = list(dict.fromkeys(table["sex"]))
    if axes is None:
        _, axes = plt.subplots(1, len(sexes), figsize=(6.2 * len(sexes), 3.8), sharey=True, squeeze=False)
        axes = axes[0]
    for ax, sex in zip(axes, sexes, strict=False):
        part = table[table["sex"] == sex]
        for vintage, g in part.groupby("vintage"):
            changed = bool(g["method_changed"].iloc[0])
            line, = ax.plot(g["end_time"], g["difference"], marker="o", ls="--" if changed else "-",
                            label=f"vintage {vintage}" + (" (revised ONS method)" if changed else ""))
            t = trends[(trends["sex"] == sex) & (trends["vintage"] == vintage)]
            if len(t):
                ax.scatter([g["end_time"].iloc[-1] + 0.15], [t["trend_change"].iloc[0]], facecolors="none",
                           edgecolors=line.get_color(), s=60, zorder=4)
        ax.axhline(0, color="grey", lw=0.8)
        hit = part[part["survey_disrupted"].astype(bool)] if "survey_disrupted" in part else part.iloc[0:0]
        if len(hit):
            ax.axvspan(hit["end_time"].min() - 0.5, hit["end_time"].max() + 0.5, color="#eeeeee", zorder=0,
                       label="end point contains 2020-2022 (survey disruption)")
        ax.set_title(f"{area_name}, {sex}: change vs England since {part['start'].iloc[0]}", fontsize=10)
        ax.set_xlabel("end point (period midpoint)\ndashed = revised ONS HLE method (2024/25 releases); "
                      "o = fitted-trend change", fontsize=8)
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)
    axes[0].set_ylabel("area change minus England change (years)")
    return axes


def missing_vintages(area_code: str, indicator: str = "hle_birth", start: str = LASTING_START) -> list[str]:
    """Later vintages that have no data for the area (e.g. counties in the district-level 2024+ pulls)."""
    return [v for v in later_vintages(indicator, start)
            if wd.load_indicator(indicator, areas=[area_code], vintage=v).empty]


def lasting_text(area_code: str, table: pd.DataFrame, trends: pd.DataFrame) -> str:
    """Markdown, every number from ``table``/``trends``: per sex in the latest vintage, the difference at
    each end point, the last step's share, and the fitted-trend change."""
    name = wd.area_name(area_code)
    if table.empty:
        return f"No later vintage has {LASTING_START} and a later period for {name}."
    vintage = max(table["vintage"])
    parts = []
    for sex in dict.fromkeys(table["sex"]):
        g = table[(table["vintage"] == vintage) & (table["sex"] == sex)]
        if g.empty:
            continue
        ends = "; ".join(f"{r.end} {fmt.number(r.difference, signed=True, minus='−')}" for r in g.itertuples())
        last = g.iloc[-1]
        signs = {np.sign(round(x, 1)) for x in g["difference"]}
        t = trends[(trends["vintage"] == vintage) & (trends["sex"] == sex)]
        trend = (f"; a straight line through the gap gives {fmt.number(t['trend_change'].iloc[0], signed=True, minus='−')} years over the window "
                 f"({fmt.number(t['slope_per_year'].iloc[0], signed=True, minus='−')} a year)" if len(t) else "")
        parts.append(
            f"**{sex}**: {ends} years relative to England. The last rolling step alone "
            f"({g.iloc[-2]['end'] if len(g) > 1 else LASTING_START} → {last['end']}) contributes "
            f"{fmt.number(last['last_step'], signed=True, minus='−')} of the {fmt.number(last['difference'], signed=True, minus='−')}"
            + (", and the sign depends on the end point chosen" if len(signs - {0.0}) > 1 else "")
            + trend + ".")
    graded = [c for c in (lasting_change(area_code, sex, vintage) for sex in dict.fromkeys(table["sex"])) if c]
    grade = ""
    if graded:
        grade = (" **Graded as the claims rule does** (mean of the end points that do not overlap "
                 f"{LASTING_START} or each other, {' and '.join(graded[0]['ends'])}, minus {LASTING_START}; the same "
                 "per-council noise as the report-era verdict; never one end point alone): " + "; ".join(
                     f"{c['sex']} {fmt.number(c['difference'], signed=True, minus='−')} years vs England (95% CI {fmt.number(c['lower'], signed=True, minus='−')} to "
                     f"{fmt.number(c['upper'], signed=True, minus='−')}, half-width {fmt.number(c['halfwidth'], 2)} per estimate)" for c in graded) + ".")
        if any("contradict" in c["source"] for c in graded):
            grade += (" In this vintage the publisher's significance flags contradict one width for every period "
                      "(an end point is 'similar' to England further from it than another is 'worse'): the "
                      "later periods are noisier, so these intervals, on the population-scaled width, are if "
                      "anything too narrow.")
    survey = (" " + SURVEY_NOTE) if table.loc[table["vintage"] == vintage, "survey_disrupted"].any() else ""
    method = (" This vintage uses the revised ONS HLE method (2024/25 releases); its back-series differ from "
              "the report-era vintage, so changes are compared within one vintage, never across."
              if vintage >= HLE_METHOD_CHANGE_VINTAGE else "")
    gaps = missing_vintages(area_code)
    gap_note = (f" Vintage(s) {', '.join(gaps)} have no values for {name} (they were pulled for districts and "
                "unitary authorities only), so the latest vintage with data is used." if gaps else "")
    return (f"Healthy life expectancy, {name} vs England, from {LASTING_START} to every later period "
            f"(vintage {vintage}): " + " ".join(parts) + grade + survey + method + gap_note)


def readme_block() -> str:
    """README 'did it last' block for Wigan (default parameters), from the recorded end points."""
    area = config.WIGAN
    table, trends = end_points(area), trend_table(area)
    return lasting_text(area, table, trends)


# --- Greater Manchester devolution ------------------------------------------------------------------


def pre_devolution(period: str) -> bool:
    """True if the whole period lies before devolution (April of ``config.GM_DEVOLUTION_YEAR``):
    a calendar/rolling period must end by December of the year before; a financial year by March."""
    start, end, label = parse_period(period)
    if "/" in label:
        return end <= config.GM_DEVOLUTION_YEAR
    return end < config.GM_DEVOLUTION_YEAR


#: columns of :func:`devolution_windows` (kept when no window can be formed, so callers can filter)
DEVOLUTION_COLUMNS: tuple[str, ...] = ("indicator", "sex", "window", "start", "end", "area_change", "england_change",
                                       "gm_change", "n_gm", "diff_vs_england", "diff_vs_gm")


def devolution_windows(indicator: str, area_code: str, start: str, *, sex: str | None = None,
                       vintage: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The area's change from ``start`` to ``end`` (default: the vintage's last period) and to the last
    period before GM devolution, against England and the other nine GM boroughs (mean of those with data).

    Columns: window ('full' / 'pre-devolution'), start, end, area_change, england_change,
    gm_change, diff_vs_england, diff_vs_gm. A window that cannot be formed is left out."""
    gm = [c for c in config.GREATER_MANCHESTER if c != area_code]
    f = wd.load_indicator(indicator, areas=[area_code, config.ENGLAND, *gm], sex=sex, vintage=vintage)
    labels = list(dict.fromkeys(f.sort_values("period_start")["period"]))
    if start not in labels:
        return pd.DataFrame(columns=list(DEVOLUTION_COLUMNS))
    s0 = parse_period(start)[0]
    after = [p for p in labels if parse_period(p)[0] > s0]
    pre = [p for p in after if pre_devolution(p)]
    ends = {"full": end or (after[-1] if after else None), "pre-devolution": pre[-1] if pre else None}
    rows = []
    means = f.dropna(subset=["value"]).groupby(["area_code", "period"])["value"].mean().to_dict()

    def change(code: str, end_period: str) -> float:  # NaN when either value is missing
        return float(means.get((code, end_period), np.nan)) - float(means.get((code, start), np.nan))

    for window, e in ends.items():
        if e is None or e not in labels:
            continue
        a = change(area_code, e)
        if np.isnan(a):  # the area lacks the start or end value (outside the series, suppressed, reorganised)
            continue
        eng = change(config.ENGLAND, e)
        both = [c for c in gm if not np.isnan(change(c, e))]
        gmc = float(np.mean([change(c, e) for c in both])) if both else np.nan
        rows.append({"indicator": indicator, "sex": sex or "", "window": window, "start": start, "end": e,
                     "area_change": a, "england_change": eng, "gm_change": gmc, "n_gm": len(both),
                     "diff_vs_england": a - eng, "diff_vs_gm": a - gmc})
    return fmt.explain_missing(pd.DataFrame(rows, columns=list(DEVOLUTION_COLUMNS)), {
        "england_change": "the source publishes no England value for this series (or for the start or end year)",
        "diff_vs_england": "no England value (see england change)",
        "gm_change": "no other GM borough has both the start and the end value",
        "diff_vs_gm": "no GM change (see gm change)"})


def devolution_text(table: pd.DataFrame, area_code: str, what: str) -> str:
    """One generated sentence per window."""
    if table.empty:
        return f"*{what}: no window can be formed for {wd.area_name(area_code)}.*"
    parts = []
    boroughs = "the other GM boroughs" if area_code in config.GREATER_MANCHESTER else "the GM boroughs"
    for r in table.itertuples():
        gm = (f", {fmt.number(r.diff_vs_gm, signed=True, minus='−')} vs {boroughs} (n={r.n_gm})" if not np.isnan(r.diff_vs_gm)
              else ", no GM comparison")
        eng = (f"{fmt.number(r.diff_vs_england, signed=True, minus='−')} vs England" if not np.isnan(r.diff_vs_england)
               else "no England value")
        parts.append(f"{r.window} window {r.start} → {r.end}: {fmt.number(r.area_change, signed=True, minus='−')} for the area, {eng}{gm}")
    return f"{what}" + (f" ({table['sex'].iloc[0]})" if table["sex"].iloc[0] else "") + ": " + "; ".join(parts) + "."
