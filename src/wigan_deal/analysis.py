"""Shared computations behind the notebooks (tables the notebooks show and record).

Anything two notebooks need lives here, not in a notebook: comparator groups with data, group
means, change tables with approximate CIs, single series for the ITS engine, all-area panels for
placebo tests and synthetic control, ITS method-sensitivity tables, and finance tables in cash and
per head. Every function takes validated parameters or plain codes and returns a DataFrame/dict.

Layering: uses :mod:`wigan_deal.data`, :mod:`wigan_deal.its` and :mod:`wigan_deal.claims` (for the
documented CI assumptions of the claims register); never imported by them.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from wigan_deal import config, fmt, hle_ci
from wigan_deal import data as wd
from wigan_deal.periods import parse_period

Z95 = float(stats.norm.ppf(0.975))
ENGLAND_FINANCE_LABEL = wd.ENGLAND_FINANCE_NAME

# --- comparator groups --------------------------------------------------------------------------


def group_label(area_code: str, kind: str) -> str:
    """Readable name of a comparator kind for ``area_code`` ('gm' outside GM = regional peers)."""
    kind = kind.lower()
    if kind == "england":
        return "England"
    if kind == "gm":
        if area_code in config.GREATER_MANCHESTER:
            return "other GM boroughs (mean)"
        return "regional peers (mean; area is not in GM)"
    if kind == "region":
        return "regional peers (mean)"
    if kind == "nearest":
        return "ONS similar areas (mean)"
    if kind == "all":
        return "all other upper-tier LAs (mean)"
    return "chosen areas (mean)"


def comparative_fits(params: Any, indicator: str, sexes: Iterable[str], vintage: str | None = None
                     ) -> tuple[pd.DataFrame, dict[tuple[str, str], Any]]:
    """Comparative ITS (difference model) of the area against each comparator group of ``params``, for
    each sex in ``sexes``: a display table (sex, control, difference in level / slope, pre-slope difference,
    and the interval's status: Newey-West, not calibrated at n = 15) and the fitted results keyed
    ``(sex, group label)``. Empty groups are skipped."""
    from wigan_deal import its

    rows, fits = [], {}
    for s in sexes:
        own = series(indicator, params.area_code, s, vintage)
        for label, codes in comparator_groups(params, indicator, vintage).items():
            if not codes or own.empty:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = its.fit_comparative_its(own, wd.load_indicator(indicator, areas=codes, sex=s, vintage=vintage),
                                            params.break_year, post_rule=params.post_rule)
            fits[(s, label)] = c
            rows.append({"sex": s, "control": label, "difference in level": c.difference_in_level.describe(),
                         "difference in slope": c.difference_in_slope.describe(),
                         "pre-slope difference": c.pre_slope_difference.describe(),
                         "interval": f"Newey-West: not calibrated at n = {len(c.series)}"})
    return pd.DataFrame(rows, columns=["sex", "control", "difference in level", "difference in slope",
                                       "pre-slope difference", "interval"]), fits


def comparator_groups(params: Any, indicator: str | None = None, vintage: str | None = None) -> dict[str, list[str]]:
    """Comparator groups of validated ``params`` as ``{label: [codes]}``, in the order requested.

    Kinds map to :func:`wigan_deal.data.comparators`; explicit codes form one 'chosen areas' group.
    With ``indicator`` (and ``vintage``) each group keeps only areas with data; a group can be empty
    (the notebooks say so and skip it). England is always first.
    """
    groups: dict[str, list[str]] = {"England": [config.ENGLAND]}
    chosen: list[str] = []
    for item in params.comparators:
        key = item.lower()
        if key in wd.COMPARATOR_KINDS:
            if key == "england":
                continue
            groups[group_label(params.area_code, key)] = wd.comparators(params.area_code, key)
        else:
            chosen.append(wd.check_area(item))
    if chosen:
        groups[group_label(params.area_code, "chosen")] = chosen
    if indicator is not None:
        present = set(wd.load_indicator(indicator, vintage=vintage)["area_code"])
        groups = {k: [c for c in v if c in present] for k, v in groups.items()}
    return groups


def describe_groups(groups: dict[str, list[str]]) -> str:
    """'England (1 area); other GM boroughs (mean) (9 areas); ...' for markdown."""
    return "; ".join(f"{k} ({len(v)} area{'s' if len(v) != 1 else ''})" for k, v in groups.items())


# --- series and panels --------------------------------------------------------------------------


def series(indicator: str, area_code: str, sex: str, vintage: str | None = None) -> pd.DataFrame:
    """One area's series (one sex, one vintage), ready for :func:`wigan_deal.its.fit_its`."""
    return wd.load_indicator(indicator, areas=[area_code], sex=sex, vintage=vintage)


def has_data(indicator: str, area_code: str, sex: str | None = None, vintage: str | None = None) -> bool:
    return not wd.load_indicator(indicator, areas=[area_code], sex=sex, vintage=vintage).empty


def group_means(indicator: str, groups: dict[str, list[str]], sex: str | Sequence[str] | None = None,
                vintage: str | None = None) -> pd.DataFrame:
    """Unweighted mean per period of each non-empty group (single-area groups are that area).

    Tidy columns: area_code (= group label), area_name, sex, period, period_start, period_end,
    time, value, lower_ci, upper_ci (CIs kept only for single-area groups), n_areas.
    """
    frames = []
    for label, codes in groups.items():
        if not codes:
            continue
        f = wd.load_indicator(indicator, areas=codes, sex=sex, vintage=vintage)
        if f.empty:
            continue
        keys = ["sex", "period", "period_start", "period_end", "time"]
        g = f.groupby(keys, as_index=False).agg(value=("value", "mean"), n_areas=("value", "count"),
                                                 lower_ci=("lower_ci", "mean"), upper_ci=("upper_ci", "mean"))
        if len(codes) > 1:
            g[["lower_ci", "upper_ci"]] = np.nan
        g["area_code"] = label
        g["area_name"] = f["area_name"].iloc[0] if len(codes) == 1 else label
        frames.append(g)
    if not frames:
        return pd.DataFrame(columns=["area_code", "area_name", "sex", "period", "period_start", "period_end",
                                     "time", "value", "lower_ci", "upper_ci", "n_areas"])
    return pd.concat(frames, ignore_index=True)


def trend_frame(indicator: str, area_code: str, groups: dict[str, list[str]],
                sex: str | Sequence[str] | None = None, vintage: str | None = None) -> pd.DataFrame:
    """The area's own series plus :func:`group_means` of the comparator groups (one frame)."""
    own = wd.load_indicator(indicator, areas=[area_code], sex=sex, vintage=vintage).assign(n_areas=1)
    out = pd.concat([own, group_means(indicator, groups, sex, vintage)], ignore_index=True)
    return out[["area_code", "area_name", "sex", "period", "period_start", "period_end", "time",
                "value", "lower_ci", "upper_ci", "n_areas"]]


def panel(indicator: str, sex: str, vintage: str | None = None, *, exclude: Iterable[str] = (),
          keep: str | None = None) -> pd.DataFrame:
    """All upper-tier LAs (England and ``exclude`` removed; ``keep`` never removed) for one series."""
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    drop = set(exclude) | {config.ENGLAND}
    drop.discard(keep)
    return f[~f["area_code"].isin(drop)].reset_index(drop=True)


# --- change tables ------------------------------------------------------------------------------


def _value(frame: pd.DataFrame, code: str, sex: str, period: str) -> float:
    start, end, _ = parse_period(period)
    return _values(frame).get((code, sex, start, end), math.nan)


_VALUES: dict[int, tuple[pd.DataFrame, dict]] = {}


def _values(frame: pd.DataFrame) -> dict:
    """(area_code, sex, period_start, period_end) -> first value, built once per frame."""
    hit = _VALUES.get(id(frame))
    if hit is None or hit[0] is not frame:
        keys = zip(frame["area_code"], frame["sex"], frame["period_start"], frame["period_end"], strict=True)
        table: dict = {}
        for key, v in zip(keys, frame["value"], strict=True):
            table.setdefault(key, float(v))
        _VALUES.clear()
        hit = _VALUES[id(frame)] = (frame, table)
    return hit[1]


def hle_ci_assumption() -> tuple[float, float]:
    """(LA, England) assumed 95% CI half-widths for one HLE estimate (``config``; the claims register's
    original assumption, before its per-council amendment of 2026-12-06)."""
    return config.HLE_ASSUMED_CI_HALFWIDTH, config.HLE_ENGLAND_CI_HALFWIDTH


def change_table(indicator: str, area_code: str, comparator_codes: Sequence[str], start: str, end: str,
                 *, vintage: str | None = None, sexes: Sequence[str] | None = None,
                 halfwidth: float | None = None, england_halfwidth: float | None = None) -> pd.DataFrame:
    """Change ``start`` -> ``end`` for the area, England and each comparator, by sex.

    Columns: area_code, area_name, role ('area'/'England'/'comparator'), sex, start, end, value_start,
    value_end, change, change_lower, change_upper, diff_vs_england, diff_lower, diff_upper.
    CIs are approximate: each period estimate is given a 95% CI half-width (``halfwidth`` for LAs,
    ``england_halfwidth`` for England), non-overlapping periods are independent; without half-widths
    the CI columns are NaN. Areas lacking either period get NaN values. The CIs come from
    :func:`wigan_deal.hle_ci.change_with_ci`, the one function for such changes.
    """
    codes = list(dict.fromkeys([area_code, config.ENGLAND, *comparator_codes]))
    f = wd.load_indicator(indicator, areas=codes, sex=sexes, vintage=vintage)
    names = dict(zip(f["area_code"], f["area_name"], strict=False))
    se_la, se_eng = hle_ci.se_from_halfwidth(halfwidth), hle_ci.se_from_halfwidth(england_halfwidth)
    rows = []
    for sex in (sexes or sorted(f["sex"].unique())):
        e0, e1 = _value(f, config.ENGLAND, sex, start), _value(f, config.ENGLAND, sex, end)
        for code in codes:
            v0, v1 = _value(f, code, sex, start), _value(f, code, sex, end)
            se = se_eng if code == config.ENGLAND else se_la
            ch = hle_ci.change_with_ci(v0, v1, e0, e1, se_area=(se, se), se_comp=(se_eng, se_eng))
            role = "area" if code == area_code else "England" if code == config.ENGLAND else "comparator"
            rows.append({"area_code": code, "area_name": names.get(code, wd.area_name(code)), "role": role,
                         "sex": sex, "start": start, "end": end, "value_start": v0, "value_end": v1,
                         "change": ch["area_change"], "change_lower": ch["area_change_lower"],
                         "change_upper": ch["area_change_upper"], "diff_vs_england": ch["diff"],
                         "diff_lower": ch["diff_lower"], "diff_upper": ch["diff_upper"]})
    out = pd.DataFrame(rows)
    out.loc[out["role"] == "England", ["diff_vs_england", "diff_lower", "diff_upper"]] = np.nan
    return fmt.explain_missing(out, "a difference from England is not applicable to England itself; elsewhere a "
                                    "value is missing where the area has no value for a period in this vintage "
                                    "or no half-width was given (no interval)")


def hle_window(vintage: str, start: str = "2009-11", end: str = "2015-17") -> tuple[str | None, str, str]:
    """(start, end, note): the requested HLE window, moved inside the vintage's periods if needed.

    The two periods must not overlap (the change's CI treats them as independent). When the vintage holds
    no period that ends before ``end`` starts (vintage 2026-05 begins at 2015-17), ``start`` is ``None``:
    no change can be formed, and the note says so instead of offering a window from a period to itself.
    """
    f = wd.load_indicator("hle_birth", areas=[config.ENGLAND], vintage=vintage)
    labels = list(dict.fromkeys(f.sort_values("period_start")["period"]))
    wanted = f"{start} to {end}"
    notes = []
    if end not in labels:
        notes.append(f"{end} is not in vintage {vintage}; the last period {labels[-1]} is used instead")
        end = labels[-1]
    before = [p for p in labels if parse_period(p)[1] < parse_period(end)[0]]
    if start not in before:
        if not before:
            notes.append(f"vintage {vintage} starts at {labels[0]}, so it holds no period before {end} that does "
                         f"not overlap it: the {wanted} change cannot be formed in this vintage (it is measured "
                         f"in vintage {config.REPORT_VINTAGE}, the default)")
            return None, end, "; ".join(notes)
        notes.append(f"{start} is not in vintage {vintage}; the first period {before[0]} is used instead")
        start = before[0]
    return start, end, "; ".join(notes)


def change_rank_sentence(focus: pd.DataFrame, area_code: str, name: str, sex: str) -> str | None:
    """'<name>'s <sex> change ranks k of n areas shown (...)' from one sex of :func:`change_table`, or
    ``None`` when the area has no change or there is nothing to rank it against. Ties share the best rank."""
    ranked = focus.dropna(subset=["change"])
    own = ranked.loc[ranked["area_code"] == area_code, "change"]
    if own.empty or len(ranked) < 2 or (ranked["start"] == ranked["end"]).any():
        return None
    position = int((ranked["change"] > own.iloc[0]).sum()) + 1
    others = int((ranked["role"] == "comparator").sum())
    england = " England and" if (ranked["role"] == "England").any() else ""
    return (f"{name}'s {sex.lower()} change ranks **{position} of {len(ranked)}** areas shown ({name},{england} "
            f"{others} comparator area{'s' if others != 1 else ''}; 1 = largest rise).")


#: columns of :func:`change_table` (an empty table keeps them)
CHANGE_COLUMNS: tuple[str, ...] = (
    "area_code", "area_name", "role", "sex", "start", "end", "value_start", "value_end", "change", "change_lower",
    "change_upper", "diff_vs_england", "diff_lower", "diff_upper")


def hle_change_table(area_code: str, comparator_codes: Sequence[str], vintage: str, start: str | None = "2009-11",
                     end: str = "2015-17") -> pd.DataFrame:
    """:func:`change_table` for HLE with the claims register's assumed CI half-widths; an empty table when
    ``start`` is ``None`` (:func:`hle_window` found no window in the vintage)."""
    if start is None:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    hw, ehw = hle_ci_assumption()
    return change_table("hle_birth", area_code, comparator_codes, start, end, vintage=vintage,
                        sexes=list(config.SEXES), halfwidth=hw, england_halfwidth=ehw)


def vintage_table(indicator: str, area_codes: Sequence[str], sex: str, periods: Sequence[str] | None = None) -> pd.DataFrame:
    """Wide table: rows (area, period), one column per vintage (never spliced)."""
    f = wd.load_indicator(indicator, areas=list(area_codes), sex=sex, vintage="all")
    if periods is not None:
        f = f[f["period"].isin(periods)]
    return fmt.explain_missing(f.pivot_table(index=["area_name", "period"], columns="vintage", values="value")
                               .sort_index(), "the period is not in that vintage's release")


def gap_then_and_now(area_code: str, sex: str, vintage_then: str, period_then: str,
                     vintage_now: str | None = None) -> dict[str, Any]:
    """England-minus-area HLE gap in ``period_then`` (``vintage_then``) and the latest period of the
    latest vintage."""
    vintage_now = vintage_now or wd.vintages("hle_birth")[-1]
    then = wd.load_indicator("hle_birth", areas=[area_code, config.ENGLAND], sex=sex, vintage=vintage_then)
    now = wd.load_indicator("hle_birth", areas=[area_code, config.ENGLAND], sex=sex, vintage=vintage_now)
    last = now.sort_values("period_start")["period"].iloc[-1]
    return {
        "vintage_then": vintage_then, "period_then": period_then,
        "gap_then": _value(then, config.ENGLAND, sex, period_then) - _value(then, area_code, sex, period_then),
        "vintage_now": vintage_now, "period_now": last,
        "gap_now": _value(now, config.ENGLAND, sex, last) - _value(now, area_code, sex, last),
        "area_now": _value(now, area_code, sex, last), "england_now": _value(now, config.ENGLAND, sex, last),
    }


# --- ITS helpers --------------------------------------------------------------------------------


def its_method_table(frame: pd.DataFrame, break_year: int, post_rule: str) -> pd.DataFrame:
    """Level and slope change with 95% CIs under OLS+HAC, GLSAR AR(1) and ARIMA(1,0,0) errors."""
    from wigan_deal import its

    rows = []
    for method in ("ols", "glsar", "arima"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = its.fit_its(frame, break_year, post_rule=post_rule, method=method)
        for name, e in (("level change", r.level_change), ("slope change (per year)", r.slope_change)):
            rows.append({"method": method, "quantity": name, "estimate": e.estimate, "lower": e.lower,
                         "upper": e.upper, "p_value": e.p_value})
    return pd.DataFrame(rows)


def diagnostics_table(result: Any) -> pd.DataFrame:
    """Durbin-Watson, Ljung-Box and Breusch-Godfrey of an ITS result as a small table."""
    d = result.diagnostics
    rows = [{"test": "Durbin-Watson (2 = no lag-1 autocorrelation)", "statistic": d["durbin_watson"],
             "lags": np.nan, "p_value": np.nan}]
    for key, name in (("ljung_box", "Ljung-Box"), ("breusch_godfrey", "Breusch-Godfrey")):
        if d.get(key):
            rows.append({"test": name, "statistic": d[key]["stat"], "lags": d[key]["lags"],
                         "p_value": d[key]["p_value"]})
        else:
            rows.append({"test": name, "statistic": np.nan, "lags": np.nan, "p_value": np.nan})
    return fmt.explain_missing(pd.DataFrame(rows), "Durbin-Watson has no lag choice and no p-value (read it "
                               "against 2); a row of '–' is a test that was not computed for this fit")


def record_estimate(rec: Any, key: str, estimate: Any, *, label: str, unit: str, note: str | None = None) -> None:
    """Record an :class:`wigan_deal.its.Estimate` (value, lower, upper) under ``key``."""
    rec.record(key, estimate.estimate, label=label, unit=unit, lower=estimate.lower, upper=estimate.upper,
               note=note)


def higher_is_better(indicator: str) -> bool:
    """The indicator's direction from the data layer's catalogue."""
    cat = wd.indicators().set_index("indicator")
    return bool(cat.loc[indicator, "higher_is_better"])


def its_sentence(result: Any, what: str, unit: str, better_higher: bool) -> str:
    """One plain-language paragraph on an ITS level and slope change with their 95% CIs, labelled as
    what they are: the area's own break (national changes included), model intervals not calibrated
    at n = 15 (docs/inference.md)."""
    lc, sc = result.level_change, result.slope_change
    s = result.series

    def reading(e, noun: str) -> str:
        if not e.excludes_zero:
            return f"the 95% CI includes zero, so the data are consistent with no {noun}"
        good = (e.estimate > 0) == better_higher
        return f"the 95% CI excludes zero ({'an improvement' if good else 'a deterioration'} relative to the pre-trend)"

    return (
        f"*Own break, national changes included; description, not the primary analysis; interval not "
        f"calibrated at n = {s.n_pre + s.n_post}.* "
        f"Against the trend projected from {s.n_pre} pre-break periods, {what} was "
        f"{lc.estimate:+.2f} {unit} (95% CI {lc.lower:+.2f} to {lc.upper:+.2f}) different at the first post period "
        f"({s.period[s.n_pre]}): {reading(lc, 'level change')}. Its slope changed by {sc.estimate:+.3f} {unit} per year "
        f"(95% CI {sc.lower:+.3f} to {sc.upper:+.3f}): {reading(sc, 'slope change')}. "
        f"{'Higher' if better_higher else 'Lower'} values are better."
    )


def baseline_vs_change(space_table: pd.DataFrame, panel_frame: pd.DataFrame, break_year: int, post_rule: str,
                       statistic: str = "level_change") -> tuple[pd.DataFrame, float]:
    """Regression-to-the-mean check: each area's pre-break mean against its ITS ``statistic`` from a
    placebo-in-space table; returns (frame, Pearson correlation). A strong negative correlation for a
    'lower is better' outcome means high-baseline areas improved most, whatever they did."""
    from wigan_deal.periods import is_post

    pre = panel_frame[~is_post(panel_frame["period_start"], panel_frame["period_end"], break_year, post_rule)]
    base = pre.groupby("area_code")["value"].mean().rename("baseline_mean")
    out = space_table[["area_code", statistic, "is_treated"]].merge(base, left_on="area_code", right_index=True)
    return out, float(out["baseline_mean"].corr(out[statistic]))


# --- finance ------------------------------------------------------------------------------------


def _population_by_year() -> pd.DataFrame:
    return wd.load_population()[["area_code", "year", "population"]]


def england_finance(service: str, years: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`_england_finance` (cached: the same for every area)."""
    out, codes = _england_finance(service, None if years is None else tuple(years))
    return out.copy(), list(codes)


@functools.lru_cache(maxsize=32)
def _england_finance(service: str, years: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """England total of ``service``: sum over the upper-tier councils reporting it in EVERY one of
    ``years`` (default: every year the service exists), and their summed mid-year population.

    The RS extract has no England row (and no shire districts); councils with a missing year are left
    out of every year so the total is like-for-like. Returns (frame, codes used).
    """
    codes = wd.england_finance_councils(service, years)
    fin = wd.load_finance(areas=codes, services=[service]).dropna(subset=["value_gbp000"])
    if years is not None:
        fin = fin[fin["financial_year"].isin(years)]
    out = _sum_with_population(fin)
    out["area_code"], out["area_name"] = config.ENGLAND, f"{ENGLAND_FINANCE_LABEL}, n={len(codes)}"
    return out, codes


def _sum_with_population(fin: pd.DataFrame) -> pd.DataFrame:
    """Sum a finance frame per year; per head over the councils whose population is known (councils
    re-formed in 2019, e.g. Dorset, Poole, Bournemouth, Buckinghamshire, have no mid-year estimate
    under their old codes in the mid-2019 edition and are left out of the per-head figure only)."""
    pop = _population_by_year()
    fin = fin.merge(pop, left_on=["area_code", "period_start"], right_on=["area_code", "year"], how="left")
    fin["value_with_pop"] = fin["value_gbp000"].where(fin["population"].notna())
    out = fin.groupby(["financial_year", "period_start", "period_end"], as_index=False).agg(
        value_gbp000=("value_gbp000", "sum"), value_with_pop=("value_with_pop", "sum"),
        population=("population", "sum"), n_areas=("area_code", "nunique"),
        n_areas_per_head=("population", "count"))
    out["per_head_gbp"] = 1000 * out["value_with_pop"] / out["population"]
    return out.drop(columns="value_with_pop")


def finance_table(area_code: str, groups: dict[str, list[str]], service: str) -> pd.DataFrame:
    """Cash (GBP thousand) and per-head (GBP) net current expenditure on ``service`` by financial year
    for the area, England (:func:`england_finance`) and each comparator group (sum over the group's
    councils with a value in every year, per head of their summed population).

    Per head uses the ONS mid-year population of the year the financial year starts (mid-2011 for
    2011/12). Columns: area_code, area_name, role, financial_year, period_start, value_gbp000,
    population, per_head_gbp, index (first year = 100), n_areas, n_areas_per_head.
    """
    own = wd.load_finance(areas=[area_code], services=[service]).dropna(subset=["value_gbp000"])
    own = _sum_with_population(own).assign(area_code=area_code, area_name=wd.area_name(area_code), role="area")
    years = list(own["financial_year"])
    eng, _ = england_finance(service, years or None)
    frames = [own, eng.assign(role="England")]
    for label, codes in groups.items():
        codes = [c for c in codes if c != config.ENGLAND]
        if not codes:
            continue
        fin = wd.load_finance(areas=codes, services=[service]).dropna(subset=["value_gbp000"])
        fin = fin[fin["financial_year"].isin(years)]
        counts = fin.groupby("area_code")["financial_year"].nunique()
        keep = counts[counts == len(years)].index
        fin = fin[fin["area_code"].isin(keep)]
        if fin.empty:
            continue
        g = _sum_with_population(fin)
        g["area_code"] = g["area_name"] = label.replace("(mean", "(sum")
        frames.append(g.assign(role="comparator"))
    out = pd.concat(frames, ignore_index=True)
    order = out["role"].map({"area": 0, "England": 1, "comparator": 2})
    out = out.assign(_o=order).sort_values(["_o", "area_code", "period_start"], kind="stable")
    first = out.groupby("area_code")["value_gbp000"].transform("first")
    out["index"] = 100 * out["value_gbp000"] / first
    cols = ["area_code", "area_name", "role", "financial_year", "period_start", "value_gbp000", "population",
            "per_head_gbp", "index", "n_areas", "n_areas_per_head"]
    return out[cols].reset_index(drop=True)


def pct_change(table: pd.DataFrame, code: str, first: str, last: str, column: str = "value_gbp000") -> float:
    """Percentage change of ``column`` for ``code`` between two financial years (NaN if missing)."""
    sel = table[table["area_code"] == code].set_index("financial_year")[column]
    if first not in sel or last not in sel:
        return math.nan
    return float(100 * (sel[last] - sel[first]) / sel[first])


def asc_share(area_code: str) -> pd.DataFrame:
    """Adult social care as % of total service expenditure by year: the area, and England as the sum
    over the councils reporting both lines that year. Years without a total (2015/16, 2016/17 in our
    extract) are absent."""
    f = wd.load_finance(services=["adult_social_care", "total_service_expenditure"]).dropna(subset=["value_gbp000"])
    wide = f.pivot_table(index=["area_code", "financial_year"], columns="service", values="value_gbp000").dropna()
    wide = wide.reset_index()
    own = wide[wide["area_code"] == area_code].assign(area_name=wd.area_name(area_code), n_areas=1)
    eng = wide.groupby("financial_year", as_index=False).agg(
        adult_social_care=("adult_social_care", "sum"), total_service_expenditure=("total_service_expenditure", "sum"),
        n_areas=("area_code", "nunique"))
    eng = eng.assign(area_code=config.ENGLAND, area_name=ENGLAND_FINANCE_LABEL)
    out = pd.concat([own, eng], ignore_index=True)
    out["asc_share_pct"] = 100 * out["adult_social_care"] / out["total_service_expenditure"]
    return out[["area_code", "area_name", "financial_year", "adult_social_care", "total_service_expenditure",
                "asc_share_pct", "n_areas"]]


# --- coverage -----------------------------------------------------------------------------------


def coverage(area_code: str) -> pd.DataFrame:
    """Number of values per 'indicator (vintage)' row and period start year for one area (0 = none)."""
    rows = []
    for name in wd.indicators()["indicator"]:
        f = wd.load_indicator(name, areas=[area_code], vintage="all")
        for (vintage, start), g in f.groupby(["vintage", "period_start"]):
            rows.append({"series": f"{name} ({vintage})", "period_start": int(start), "n": int(g["value"].notna().sum())})
    fin = wd.load_finance(areas=[area_code]).dropna(subset=["value_gbp000"])
    for (service, start), g in fin.groupby(["service", "period_start"]):
        rows.append({"series": f"finance: {service}", "period_start": int(start), "n": len(g)})
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).pivot_table(index="series", columns="period_start", values="n", fill_value=0,
                                          aggfunc="sum")


# --- missing data -------------------------------------------------------------------------------

#: Every missing-data note starts with this (``wigan_deal.data.NO_DATA``).
NO_DATA = wd.NO_DATA


def no_data_note(indicator: str, area_code: str, sex: str | None = None, vintage: str | None = None) -> str | None:
    """``None`` if the area has values of ``indicator``; else ``'no data for this area: <why>'``."""
    reason = wd.no_data_reason(indicator, area_code, vintage=vintage, sex=sex)
    return None if reason is None else f"{NO_DATA}: {reason}"


def no_finance_note(area_code: str, service: str) -> str | None:
    """``None`` if the area has outturns for ``service``; else ``'no data for this area: <why>'``."""
    reason = wd.no_finance_reason(area_code, service)
    return None if reason is None else f"{NO_DATA}: {reason}"


def note_markdown(note: str, skipped: str = "this section is skipped") -> str:
    """A missing-data note as one bold markdown paragraph, saying what is skipped."""
    return f"**{note[0].upper()}{note[1:]}.** {skipped[0].upper()}{skipped[1:]}."



def complete_note(indicator: str, area_code: str, sex: str | None = None, vintage: str | None = None) -> str | None:
    """Like :func:`no_data_note`, but also a note when the area misses some of the periods every other
    council has (placebo-in-space and synthetic control need a complete series)."""
    note = no_data_note(indicator, area_code, sex, vintage)
    if note:
        return note
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    periods = f.loc[f["value"].notna(), "period"].unique()
    own = set(f.loc[(f["area_code"] == area_code) & f["value"].notna(), "period"])
    gaps = [p for p in periods if p not in own]
    if not gaps:
        return None
    return (f"{NO_DATA}: {wd.area_name(area_code)} has no value for {len(gaps)} of the {len(periods)} periods of "
            f"{indicator} ({', '.join(sorted(gaps)[:4])}{', ...' if len(gaps) > 4 else ''}: suppressed in the "
            "source), and these checks need a complete series")


def robustness_outcome(area_code: str, sex: str) -> dict[str, Any]:
    """The outcome notebook 05 tests: under-75 preventable cancer mortality if the area has a complete
    series, else life expectancy at birth (``sex``, vintage 2019-12), else none.

    Keys: indicator, sex, vintage, unit, text, note (markdown saying why the first choice was not used,
    or '' ), usable (False when no outcome has a complete series: every check is skipped).
    """
    cancer = "u75_prev_cancer_mortality"
    cancer_note = complete_note(cancer, area_code, "Persons")
    if not cancer_note:
        return {"indicator": cancer, "sex": "Persons", "vintage": None, "unit": "per 100,000",
                "text": "under-75 preventable cancer mortality", "note": "", "usable": True}
    le_note = complete_note("le_birth", area_code, sex, "2019-12")
    text = f"{sex.lower()} life expectancy at birth"
    out = {"indicator": "le_birth", "sex": sex, "vintage": "2019-12", "unit": "years", "text": text,
           "usable": not le_note}
    if le_note:
        out["note"] = (note_markdown(cancer_note, "under-75 preventable cancer mortality is not used") + " "
                       + note_markdown(le_note, "every check below is skipped"))
    else:
        out["note"] = note_markdown(cancer_note, f"the checks below use {text} instead")
    return out


__all__ = [
    "ENGLAND_FINANCE_LABEL", "NO_DATA", "complete_note", "no_data_note", "robustness_outcome", "no_finance_note", "note_markdown", "asc_share", "baseline_vs_change", "change_table", "coverage", "comparator_groups", "describe_groups",
    "diagnostics_table", "england_finance", "finance_table", "gap_then_and_now", "group_label", "group_means",
    "change_rank_sentence", "has_data", "higher_is_better", "hle_change_table", "its_sentence", "hle_ci_assumption", "hle_window", "its_method_table", "panel", "pct_change",
    "record_estimate", "series", "trend_frame", "vintage_table",
]
