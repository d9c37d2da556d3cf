"""Specification curve: every reasonable ITS specification for one area and outcome, side by side.

Dimensions (:func:`specifications`):

* **comparator**: none (single series), England, ONS similar areas (``nearest``) and
  deprivation-matched councils (IoD2019, ``deprivation``), the last two with the other Greater
  Manchester boroughs included and excluded (comparative ITS, difference model);
* **error model / inference**: OLS classical SEs, Newey-West(2), GLSAR AR(1) (intervals not
  calibrated at n = 15: docs/inference.md), for the single series the permutation interval of the
  area's own break (national changes included), and the pre-specified primary: the area minus the
  non-GM council average with its placebo-in-space interval (:mod:`wigan_deal.panel_coverage`);
* **break year**: 2011, 2013, 2014 (``config.DEFAULT_BREAK_YEAR`` + ``ALTERNATIVE_BREAK_YEARS``);
* **post rule**: start, mid, end;
* plus every synthetic-control donor pool the caller passes (:func:`add_synth`), which have a
  placebo p-value but no interval.

A specification that cannot be fitted (too few pre/post points, no comparator data) is kept with a
``note``. The comparator set is pluggable (:data:`COMPARATORS`); a kind the data layer does not know
is skipped with a note, so the curve builds before a new comparator kind exists.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wigan_deal import config, fmt, inference, panel_coverage
from wigan_deal import data as wd
from wigan_deal.its import ShortPreperiodWarning

#: comparator label -> (data.comparators kind or None for special cases, exclude other GM boroughs)
COMPARATORS: dict[str, tuple[str | None, bool]] = {
    "none": (None, False),
    "england": ("england", False),
    "nearest (GM included)": ("nearest", False),
    "nearest (GM excluded)": ("nearest", True),
    "deprivation (GM included)": ("deprivation", False),
    "deprivation (GM excluded)": ("deprivation", True),
}
#: method label -> fit_its keyword arguments (None: the permutation interval)
METHODS: dict[str, dict | None] = {
    "OLS": {"method": "ols", "hac_lags": 0},
    "Newey-West(2)": {"method": "ols", "hac_lags": 2},
    "GLSAR AR(1)": {"method": "glsar"},
    "permutation": None,
}
#: the primary comparative specification's labels in the curve
PRIMARY_COMPARATOR = "non-GM council average (primary)"
PRIMARY_METHOD = "placebo-in-space, comparative"
#: whether each method's 95% intervals were shown to cover at these designs (docs/inference.md)
CALIBRATED: dict[str, str] = {
    "OLS": "no (interval not calibrated at n = 15)",
    "Newey-West(2)": "no (interval not calibrated at n = 15)",
    "GLSAR AR(1)": "no (interval not calibrated at n = 15)",
    "permutation": "for the own-break statistic only (national changes included)",
    PRIMARY_METHOD: "yes (real-panel coverage study)",
    "synthetic control": "no interval",
}
POST_RULES: tuple[str, ...] = ("start", "mid", "end")
COLUMNS = ["comparator", "method", "break_year", "post_rule", "quantity", "estimate", "lower",
           "upper", "p_value", "primary", "note"]


def break_years() -> tuple[int, ...]:
    return (config.DEFAULT_BREAK_YEAR, *config.ALTERNATIVE_BREAK_YEARS)


def _comparator_codes(area: str, label: str, indicator: str, vintage: str | None) -> list[str]:
    kind, no_gm = COMPARATORS[label]
    codes = wd.comparators(area, kind, indicator=indicator, vintage=vintage)
    if no_gm:
        codes = [c for c in codes if c not in config.GREATER_MANCHESTER]
    return codes


def _rows(comparator, method, brk, rule, level, slope, primary, note=""):
    out = []
    for q, e in (("level_change", level), ("slope_change", slope)):
        out.append({"comparator": comparator, "method": method, "break_year": brk, "post_rule": rule,
                    "quantity": q, "estimate": e.get("estimate", np.nan) if e else np.nan,
                    "lower": e.get("lower", np.nan) if e else np.nan,
                    "upper": e.get("upper", np.nan) if e else np.nan,
                    "p_value": e.get("p_value", np.nan) if e else np.nan,
                    "primary": primary, "note": note})
    return out


def _est(e) -> dict:
    return {"estimate": e.estimate, "lower": e.lower, "upper": e.upper, "p_value": e.p_value}


def specifications(area: str, indicator: str, sex: str, vintage: str | None = None,
                   comparators: dict | None = None) -> pd.DataFrame:
    """Every specification's level and slope change (long format, :data:`COLUMNS`).

    Series sharing the same periods are fitted together with the vectorised estimators of
    :mod:`wigan_deal.its.hac` / :mod:`wigan_deal.its.coverage` (equal to :func:`fit_its` with the
    same options; checked in the tests); the permutation rows come from
    :func:`wigan_deal.inference.primary_its`.
    """
    spec = inference.primary_spec(indicator)
    vintage = spec.get("vintage") if vintage is None else vintage
    comparators = COMPARATORS if comparators is None else comparators
    own = wd.load_indicator(indicator, areas=[area], sex=sex, vintage=vintage)
    series: dict[str, pd.DataFrame] = {}
    rows: list[dict] = []
    for label in comparators:
        if label == "none":
            series[label] = own[["period_start", "period_end", "value"]]
            continue
        try:
            codes = _comparator_codes(area, label, indicator, vintage)
            if not codes:
                raise ValueError(f"no {label} comparators with data")
        except (ValueError, KeyError) as exc:
            for brk in break_years():
                for rule in POST_RULES:
                    rows += _rows(label, "-", brk, rule, None, None, False,
                                  f"comparator unavailable: {str(exc).splitlines()[0][:120]}")
            continue
        control = wd.load_indicator(indicator, areas=codes, sex=sex, vintage=vintage)
        series[label] = _difference(own, control)
    stacked = _stack(series)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShortPreperiodWarning)
        for brk in break_years():
            for rule in POST_RULES:
                rows += _fit_all(stacked, brk, rule, spec)
                try:
                    r = inference.primary_its(area, indicator, sex, break_year=brk,
                                              post_rule=rule, vintage=vintage)
                    rows += _rows("none", "permutation", brk, rule, r.level, r.slope, False)
                except ValueError as exc:
                    rows += _rows("none", "permutation", brk, rule, None, None, False,
                                  str(exc).split(";")[0][:160])
    rows += _primary_rows(area, indicator, sex, vintage, spec)
    return pd.DataFrame(rows, columns=COLUMNS)


def _primary_rows(area: str, indicator: str, sex: str, vintage: str | None, spec: dict) -> list[dict]:
    """The pre-specified primary: area minus the non-GM council average (break 2011, rule start)."""
    key = panel_coverage.key_for(indicator, sex)
    if key is None or vintage != panel_coverage.plan()["pools"][key]["vintage"]:
        return []
    brk, rule = spec["break_year"], spec["post_rule"]
    try:
        r = panel_coverage.primary_comparative(area, key)
    except ValueError as exc:
        return _rows(PRIMARY_COMPARATOR, PRIMARY_METHOD, brk, rule, None, None, False,
                     str(exc).split(";")[0][:160])
    return _rows(PRIMARY_COMPARATOR, PRIMARY_METHOD, brk, rule, r.estimates["level"],
                 r.estimates.get("slope"), True)


def _stack(series: dict[str, pd.DataFrame]) -> list[tuple[list[str], pd.DataFrame, np.ndarray]]:
    """Series sharing the same periods, grouped: ``(labels, first frame, Y)`` with ``Y`` the values sorted
    by time, one column per label (as :func:`prepare_series` sorts). The same for every break and rule,
    so :func:`specifications` builds it once."""
    groups: dict[tuple, list[str]] = {}
    for label, frame in series.items():
        key = tuple(map(tuple, frame[["period_start", "period_end"]].to_numpy().tolist()))
        groups.setdefault(key, []).append(label)
    return [(labels, series[labels[0]], np.column_stack([
        series[label].assign(_t=(series[label].period_start + series[label].period_end + 1) / 2)
        .sort_values("_t")["value"].to_numpy(float) for label in labels])) for labels in groups.values()]


def _fit_all(stacked: list[tuple[list[str], pd.DataFrame, np.ndarray]], brk: int, rule: str,
             spec: dict) -> list[dict]:
    """OLS, Newey-West(2) and GLSAR for every series at one break/rule (vectorised per period set;
    ``stacked`` from :func:`_stack`)."""
    from scipy import stats

    from wigan_deal.its._series import prepare_series
    from wigan_deal.its.coverage import glsar
    from wigan_deal.its.hac import newey_west

    rows: list[dict] = []
    for labels, first, Y in stacked:
        try:
            s = prepare_series(first, brk, post_rule=rule, what="specification curve", warn_pre=None)
        except ValueError as exc:
            for label in labels:
                for method in METHODS:
                    if METHODS[method] is not None:
                        rows += _rows(label, method, brk, rule, None, None, False,
                                      str(exc).split(";")[0][:160])
            continue
        X = s.X
        n, k = X.shape
        fits = {
            "OLS": (*newey_west(X, Y, 0), n - k),
            "Newey-West(2)": (*newey_west(X, Y, 2, small_sample=True), n - k),
        }
        gb, gcov, _ = glsar(X, Y, maxiter=100)
        fits["GLSAR AR(1)"] = (gb, gcov, n - 1 - k)
        for method, (beta, cov, df) in fits.items():
            q = stats.t.ppf(0.975, df)
            est = np.asarray(beta[2:4, :], dtype=float)  # (level, slope) x labels
            se = np.sqrt(np.stack([cov[:, 2, 2], cov[:, 3, 3]]))
            p = 2 * stats.t.sf(np.abs(est / se), df)  # elementwise: the same numbers as one call each
            for j, label in enumerate(labels):
                ests = [{"estimate": float(est[i, j]), "lower": float(est[i, j] - q * se[i, j]),
                         "upper": float(est[i, j] + q * se[i, j]), "p_value": float(p[i, j])}
                        for i in (0, 1)]
                rows += _rows(label, method, brk, rule, ests[0], ests[1], False)
    return rows


def _difference(own: pd.DataFrame, control: pd.DataFrame) -> pd.DataFrame:
    from wigan_deal.its.comparative import average_controls, period_rows

    ctrl, _ = average_controls(control)
    rows = period_rows(own, ctrl)
    if rows is not None:  # the merge's rows without the merge
        own_rows, ctrl_rows = rows
        return pd.DataFrame({"period_start": own["period_start"].array.take(own_rows),
                             "period_end": own["period_end"].array.take(own_rows),
                             "value": own["value"].to_numpy(float)[own_rows] - ctrl["value"].to_numpy(float)[ctrl_rows]})
    both = own[["period_start", "period_end", "value"]].merge(
        ctrl[["period_start", "period_end", "value"]], on=["period_start", "period_end"])
    return pd.DataFrame({"period_start": both.period_start, "period_end": both.period_end,
                         "value": both.value_x - both.value_y})


def add_synth(curve: pd.DataFrame, synth_fits: dict) -> pd.DataFrame:
    """Append one row per synthetic-control donor pool: mean post gap, placebo p, no interval.

    ``synth_fits``: pool label -> (SynthResult, SynthPlaceboResult) as notebook 05 builds them.
    """
    rows = []
    for label, (fit, plac) in synth_fits.items():
        rows.append({"comparator": f"synthetic control: {label}", "method": "synthetic control",
                     "break_year": fit.break_year, "post_rule": fit.post_rule,
                     "quantity": "mean_post_gap", "estimate": fit.mean_post_gap, "lower": np.nan,
                     "upper": np.nan, "p_value": plac.p_value, "primary": False, "note": ""})
    return pd.concat([curve, pd.DataFrame(rows, columns=COLUMNS)], ignore_index=True)


@dataclass
class SpecCurve:
    """A specification curve for one area / outcome / sex."""

    area: str
    indicator: str
    sex: str
    higher_is_better: bool
    table: pd.DataFrame

    def fitted(self, quantity: str = "level_change") -> pd.DataFrame:
        t = self.table
        note = t["note"].to_numpy()  # plain arrays: the mask of quantity & no note & an interval, ~5x faster
        return t[(t["quantity"].to_numpy() == quantity) & (pd.isna(note) | (note == ""))
                 & ~pd.isna(t["lower"].to_numpy())]

    def shares(self, quantity: str = "level_change", method: str | None = None) -> dict[str, float]:
        """Share of fitted specifications (of one inference ``method``, or all) whose CI is wholly
        below / above zero (and n)."""
        return self._shares(self.fitted(quantity), quantity, method)

    def _shares(self, f: pd.DataFrame, quantity: str, method: str | None) -> dict[str, float]:
        """:meth:`shares` of the fitted specifications ``f`` (``fitted(quantity)``)."""
        if method is not None:
            f = f[f.method == method]
        n = len(f)
        below = float((f.upper < 0).mean()) if n else np.nan
        above = float((f.lower > 0).mean()) if n else np.nan
        better, worse = (above, below) if self.higher_is_better else (below, above)
        return {"n": n, "below": below, "above": above, "improvement": better, "worsening": worse,
                "n_failed": int((self.table.quantity == quantity).sum() - n) if method is None else 0}

    def shares_by_method(self, quantity: str = "level_change") -> pd.DataFrame:
        """One row per inference method: n, shares on the improvement / worsening side, and whether
        that method's intervals are calibrated at these designs."""
        fitted = self.fitted(quantity)
        methods = [m for m in dict.fromkeys(fitted.method)]
        rows = []
        for m in methods:
            s = self._shares(fitted, quantity, m)
            rows.append({"method": m, "n": s["n"], "improvement": s["improvement"],
                         "worsening": s["worsening"], "calibrated": CALIBRATED.get(m, "unknown")})
        return pd.DataFrame(rows)

    def primary(self, quantity: str = "level_change") -> pd.Series | None:
        p = self.table[(self.table.quantity == quantity) & self.table.primary]
        return p.iloc[0] if len(p) else None

    def effect_summary(self, unit: str = "", what: str | None = None) -> tuple[pd.DataFrame, str]:
        """(shares table, plain-English sentence) for level and slope changes."""
        what = what or self.indicator.replace("_", " ")
        rows, parts = [], []
        for q, noun in (("level_change", "level change"), ("slope_change", "slope change")):
            by = self.shares_by_method(q)
            rows.append(by.assign(quantity=q))
            parts.append(f"{noun}: " + ", ".join(
                f"{r.method} {fmt.percent(100 * r.improvement, 0)} / {fmt.percent(100 * r.worsening, 0)} of {r.n}" for r in by.itertuples()))
        pr = self.primary()
        lead = ""
        if pr is not None:
            verdict = "excludes" if (pr.lower > 0 or pr.upper < 0) else "includes"
            lead = (f"The pre-specified primary analysis, {wd.area_name(self.area)} minus the non-GM "
                    f"council average, gives a level change of {fmt.number(pr.estimate, 2, signed=True)}"
                    f"{' ' + unit if unit else ''} (placebo-in-space interval {fmt.number(pr.lower, 2, signed=True)} to "
                    f"{fmt.number(pr.upper, 2, signed=True)}; it {verdict} zero). ")
        text = (f"{what} ({self.sex}): {lead}Shares of specifications whose 95% interval is wholly on "
                "the improvement / worsening side, separately per inference method (OLS, Newey-West(2) "
                "and GLSAR intervals are not calibrated at n = 15; the permutation rows test the own "
                "break, national changes included): " + "; ".join(parts) + ".")
        return pd.concat(rows, ignore_index=True), text

    def plot(self, quantity: str = "level_change", ax=None, title: str | None = None):
        """Sorted estimates with 95% CIs (primary in red) above a panel marking each specification."""
        import matplotlib.pyplot as plt

        f = self.fitted(quantity).sort_values("estimate").reset_index(drop=True)
        if ax is None:
            fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True,
                                          gridspec_kw={"height_ratios": [2, 2.2]})
        else:
            ax2 = None
        x = np.arange(len(f))
        excl = (f.lower > 0) | (f.upper < 0)
        colour = np.where(f.primary, "#d62728", np.where(excl, "#1f77b4", "#9a9a9a"))
        ax.vlines(x, f.lower, f.upper, colors=colour, lw=0.8)
        ax.scatter(x, f.estimate, c=colour, s=8, zorder=3)
        ax.axhline(0, color="#333333", lw=0.8)
        ax.set_ylabel(quantity.replace("_", " "))
        ax.set_title(title or f"Specification curve: {self.indicator} ({self.sex}), {len(f)} "
                     "specifications (red: pre-specified primary; blue: CI excludes zero)")
        if ax2 is not None:
            dims = [("comparator", [*COMPARATORS, PRIMARY_COMPARATOR]),
                    ("method", [*METHODS, PRIMARY_METHOD]),
                    ("break_year", list(break_years())), ("post_rule", list(POST_RULES))]
            labels, y = [], 0
            for col, values in dims:
                for v in values:
                    hit = f[col] == v
                    ax2.scatter(x[hit], np.full(hit.sum(), y), s=4, color="#333333")
                    labels.append(f"{col.replace('_', ' ')}: {v}")
                    y += 1
            ax2.set_yticks(range(len(labels)))
            ax2.set_yticklabels(labels, fontsize=7)
            ax2.invert_yaxis()
            ax2.set_xlabel("specifications, sorted by estimate")
        return ax


def spec_curve(area: str, indicator: str, sex: str, vintage: str | None = None,
               comparators: dict | None = None) -> SpecCurve:
    """:class:`SpecCurve` for ``area`` (see the module docstring)."""
    hib = inference.higher_is_better(indicator)
    return SpecCurve(area, indicator, sex, hib,
                     specifications(area, indicator, sex, vintage, comparators))


__all__ = ["COMPARATORS", "METHODS", "SpecCurve", "add_synth", "spec_curve", "specifications"]


def readme_robustness() -> str:
    """README block: Wigan's specification-curve shares and the default synthetic control."""
    import warnings as _w


    lines = []
    for indicator, sex, label, _unit in inference.README_OUTCOMES:
        c = spec_curve(config.WIGAN, indicator, sex)
        lv, sl = c.shares_by_method("level_change"), c.shares_by_method("slope_change")
        per = "; ".join(
            f"{a.method} ({a.calibrated.split(' (')[0]}): {fmt.percent(100 * a.improvement, 0)} / "
            f"{fmt.percent(100 * a.worsening, 0)} of {a.n} level changes, {fmt.percent(100 * b.improvement, 0)} / "
            f"{fmt.percent(100 * b.worsening, 0)} of slope changes"
            for a, b in zip(lv.itertuples(), sl.itertuples(), strict=True))
        lines.append(f"- {label}: {per}.")
    from wigan_deal import synth_whole

    with _w.catch_warnings():
        _w.simplefilter("ignore")
        pools, _ = synth_whole.synth_pools(config.WIGAN, "u75_prev_cancer_mortality", "Persons", None,
                                           config.DEFAULT_BREAK_YEAR, config.DEFAULT_POST_RULE)
    pool_text = "; ".join(
        f"{r['donor pool']}: gap {fmt.number(r['mean post gap'], 2, signed=True)} ({fmt.p_text(r['placebo p'], 'placebo p')}"
        + (", over-fit warning: more donors than pre-periods and a near-exact pre-fit" if str(r["note"]).startswith("WARNING")
           else "") + ")"
        for _, r in pools.iterrows())
    gaps = pools["mean post gap"]
    direction = ("every pool puts Wigan worse than its synthetic control" if (gaps > 0).all() else
                 "every pool puts Wigan better than its synthetic control" if (gaps < 0).all() else
                 "the sign depends on the donor pool")
    return fmt.minus_signs(
        "Every other specification is shown beside the primary one (notebook 05, specification "
        "curve: comparator none / England / ONS similar areas / IoD2019 deprivation-matched, GM "
        "included or excluded x OLS / Newey-West(2) / GLSAR / permutation x break 2011, 2013, 2014 "
        "x post rule start, mid, end). Shares of specifications whose 95% interval lies wholly on the "
        "improvement / worsening side, **separately per inference method** (calibrated or not, "
        "docs/inference.md):\n\n" + "\n".join(lines) + "\n\n"
        "Synthetic control for cancer mortality, every donor pool (mean post-2011 gap, Wigan minus "
        f"synthetic, per 100,000; positive = worse): {pool_text}. So {direction}. "
        "None of these designs can attribute a change to the Deal: they ask whether Wigan's series "
        "departs from what comparators did, not why."
    )
