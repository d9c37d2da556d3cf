"""Comparative (controlled) interrupted time series: a treated series against a control.

``control`` is one series or a frame of several control areas (``area_code``), averaged per period
without weights (each area counts once, whatever its population). Only periods present in both the
treated and control series are used.

* ``model="difference"``: :func:`~wigan_deal.its.segmented.fit_its` on ``treated - control`` per
  period. Its level/slope changes are the difference-in-level and difference-in-slope; its pre-trend
  slope is the pre-period difference in slopes (parallel-trends check).
* ``model="pooled"`` (Linden 2015, Stata ``itsa`` with a control group)::

      y ~ t + post + t_since + g + g:t + g:post + g:t_since

  fitted by OLS with Newey-West standard errors computed within each group and summed (panel HAC,
  Bartlett kernel, factor N/(N-K)), Student t with N - 8 df. ``g:post`` is the difference in level
  change, ``g:t_since`` the difference in slope change, ``g:t`` the pre-period slope difference.
  Point estimates equal the difference model's; only the standard errors differ.

Both conventions of :func:`~wigan_deal.its.segmented.fit_its` are options here too, with the same
defaults: ``hac_small_sample`` (the Newey-West covariance, or the panel HAC of the pooled model, is
multiplied by ``n / (n - k)``; False omits it) and ``slope_start`` (``time_since_break`` at the
first post point, 0 or 1: 1 moves the difference in level change by one difference in slope change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wigan_deal.config import DEFAULT_BREAK_YEAR
from wigan_deal.its._series import SERIES_KEYS, _one_string, check_single_series
from wigan_deal.its.result import (
    Estimate,
    critical_value,
    estimates_frame,
    linear_combination,
    params_frame,
)
from wigan_deal.its.segmented import ITSResult, fit_its
from wigan_deal.periods import DEFAULT_POST_RULE

MODELS: tuple[str, ...] = ("difference", "pooled")
POOLED_TERMS: tuple[str, ...] = (
    "Intercept", "time_c", "post", "time_since_break",
    "g", "g:time_c", "g:post", "g:time_since_break",
)


def average_controls(control: pd.DataFrame, outcome: str = "value") -> tuple[pd.DataFrame, list[str]]:
    """Unweighted mean of the control areas per period; notes on areas and balance."""
    keys = [k for k in SERIES_KEYS if k != "area_code"]
    check_single_series(control, "control", tuple(keys))
    notes = []
    areas = control["area_code"].nunique() if "area_code" in control.columns else 0
    if areas > 1:
        grouped = control.groupby(["period_start", "period_end"])[outcome]  # two reductions: 3x named agg's speed
        out = pd.DataFrame({"value": grouped.mean(), "n_areas": grouped.count()}).reset_index()
        notes.append(f"control = unweighted mean of {areas} areas per period")
        counts = out["n_areas"].to_numpy()
        if len(counts) and (counts != counts[0]).any():  # more than one count
            thin = out.loc[out.n_areas < areas, ["period_start", "n_areas"]]
            notes.append(
                "unbalanced control: fewer areas in periods starting "
                + ", ".join(f"{int(r.period_start)} ({int(r.n_areas)})" for r in thin.itertuples())
            )
        if outcome != "value":
            out = out.rename(columns={"value": outcome})
    else:
        out = control[["period_start", "period_end", outcome]].copy()
    for k in keys:
        if k in control.columns:
            out[k] = control[k].iloc[0]
    return out, notes


def _values(column: pd.Series) -> set:
    """``set(column.dropna())``, at once for a column of one string (a series' indicator or sex)."""
    return {column.iloc[0]} if _one_string(column) else set(column.dropna())


def _match(treated, control, outcome):
    both = _match_complete(treated, control, outcome)
    if both is not None:
        return both, []
    t = treated[["period_start", "period_end", outcome]].dropna()
    c = control[["period_start", "period_end", outcome]].dropna()
    both = t.merge(c, on=["period_start", "period_end"], suffixes=("_treated", "_control"))
    notes = []
    for name, frame in (("treated", t), ("control", c)):
        if len(frame) > len(both):
            extra = set(map(tuple, frame[["period_start", "period_end"]].to_numpy())) - set(
                map(tuple, both[["period_start", "period_end"]].to_numpy())
            )
            notes.append(f"{name} periods without a match dropped: {sorted(extra)}")
    return both.sort_values("period_start").reset_index(drop=True), notes


def period_rows(a: pd.DataFrame, b: pd.DataFrame, outcome: str = "value") -> tuple[np.ndarray, np.ndarray] | None:
    """Row positions of an inner merge of ``a`` and ``b`` on ``period_start`` and ``period_end``, in ``a``'s order,
    without the merge, when each period is one row on each side, no period is missing, the period columns have the
    same dtypes and both ``outcome`` columns are floats (``None`` otherwise: merge)."""
    keys = ["period_start", "period_end"]
    if any(a[k].dtype != b[k].dtype for k in keys) or any(f[outcome].dtype != np.float64 for f in (a, b)):
        return None
    sides = []
    for frame in (a, b):
        start, end = (np.asarray(frame[k], dtype=float) for k in keys)
        if np.isnan(start).any() or np.isnan(end).any():
            return None
        sides.append(list(zip(start.tolist(), end.tolist(), strict=True)))
    where = {key: i for i, key in enumerate(sides[1])}
    if len(where) < len(sides[1]) or len(set(sides[0])) < len(sides[0]):
        return None
    pairs = [(i, where[key]) for i, key in enumerate(sides[0]) if key in where]
    return np.array([i for i, _ in pairs], dtype=int), np.array([j for _, j in pairs], dtype=int)


def _match_complete(treated, control, outcome) -> pd.DataFrame | None:
    """:func:`_match`'s frame in the common case, without a merge: the same periods on both sides, one row each
    (:func:`period_rows`), no missing value and no two periods starting in the same year (``None`` otherwise:
    :func:`_match` merges)."""
    rows = period_rows(treated, control, outcome) if len(treated) == len(control) else None
    if rows is None or len(rows[0]) != len(treated):
        return None
    ty, cy = (np.asarray(f[outcome], dtype=float) for f in (treated, control))
    ts = np.asarray(treated["period_start"], dtype=float)
    if np.isnan(ty).any() or np.isnan(cy).any() or len(set(ts.tolist())) < len(ts):
        return None
    order = np.argsort(ts, kind="stable")  # period starts are unique: the order of sort_values("period_start")
    c_order = rows[1][order]  # every treated row is matched, in its own order (rows[0] is 0, 1, ...)
    return pd.DataFrame({"period_start": treated["period_start"].array.take(order),
                         "period_end": treated["period_end"].array.take(order),
                         f"{outcome}_treated": ty[order], f"{outcome}_control": cy[c_order]})


def _panel_hac(X, resid, groups, lags, small_sample: bool = True):
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    S = np.zeros((k, k))
    for g in np.unique(groups):
        Z = X[groups == g] * resid[groups == g, None]
        S += Z.T @ Z
        for lag in range(1, min(lags, len(Z) - 1) + 1):
            G = Z[lag:].T @ Z[:-lag]
            S += (1 - lag / (lags + 1)) * (G + G.T)
    return xtx_inv @ S @ xtx_inv * (n / (n - k) if small_sample else 1.0)


@dataclass
class ComparativeITSResult:
    """Result of :func:`fit_comparative_its`."""

    model: str
    alpha: float
    break_year: float | None
    post_rule: str | None
    hac_lags: int
    hac_lag_rule: str
    params: pd.DataFrame
    difference_in_level: Estimate
    difference_in_slope: Estimate
    pre_slope_difference: Estimate
    series: pd.DataFrame  # period, time, post, treated, control, counterfactual, cf_lower, cf_upper
    notes: list[str] = field(default_factory=list)
    difference_result: ITSResult | None = field(default=None, repr=False)
    fit: Any = field(default=None, repr=False)
    hac_small_sample: bool = True
    slope_start: float = 0.0

    def conventions(self) -> str:
        """The two conventions this fit used, as one sentence (also printed by :meth:`summary`)."""
        if self.hac_lags > 0:
            nw = ("Newey-West with the small-sample factor n/(n-k)" if self.hac_small_sample
                  else "Newey-West without the small-sample factor n/(n-k)")
        else:
            nw = "no Newey-West correction"
        origin = ("time_since_break = 0 at the first post point (difference in level change = jump "
                  "there)" if self.slope_start == 0 else
                  "time_since_break = 1 at the first post point (Lopez Bernal et al.'s R convention: "
                  "difference in level change = jump one time unit before it)")
        return f"{nw}; {origin}"

    def to_frame(self) -> pd.DataFrame:
        ests = {
            "difference_in_level": self.difference_in_level,
            "difference_in_slope": self.difference_in_slope,
            "pre_slope_difference": self.pre_slope_difference,
        }
        out = estimates_frame(ests)
        out.insert(1, "model", self.model)
        return out

    def effect_summary(self, unit: str = ""):
        """``(table, text)``: difference in level/slope change in plain English."""
        from wigan_deal.its.summaries import comparative_summary

        return comparative_summary(self, unit)

    def summary(self) -> str:
        s = self.series
        pre, post = s[~s.post], s[s.post]
        lines = [
            f"Comparative interrupted time series ({self.model} model)",
            f"  n = {len(s)} matched periods ({len(pre)} pre: {pre.period.iloc[0]} .. "
            f"{pre.period.iloc[-1]}; {len(post)} post: {post.period.iloc[0]} .. {post.period.iloc[-1]})",
            f"  break: {self.break_year:g}, post_rule={self.post_rule!r}",
            f"  HAC lag rule: {self.hac_lag_rule}",
            f"  conventions: {self.conventions()}",
            f"  difference in level change: {self.difference_in_level.describe()}",
            f"  difference in slope change: {self.difference_in_slope.describe()} per unit time",
            f"  pre-period slope difference (parallel trends check, want ~0): "
            f"{self.pre_slope_difference.describe()}",
        ]
        if self.pre_slope_difference.excludes_zero:
            lines.append("  WARNING: pre-period trends differ; the control may not be comparable")
        lines += ["Notes:"] + [f"  - {n}" for n in self.notes] if self.notes else []
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, title: str | None = None):
        """Treated and control series, treated counterfactual (dashed, shaded band), split line."""
        from wigan_deal.its._plotting import CONTROL, COUNTERFACTUAL, OBSERVED, _axes, split_x

        ax = _axes(ax)
        s = self.series
        t, post = s["time"].to_numpy(), s["post"].to_numpy()
        ax.plot(t, s["treated"], "o-", color=OBSERVED, ms=4, lw=1, label="treated")
        ax.plot(t, s["control"], "s-", color=CONTROL, ms=3.5, lw=1, label="control")
        ax.plot(t[post], s["counterfactual"][post], color=COUNTERFACTUAL, ls="--", lw=1.5,
                label="treated counterfactual")
        ax.fill_between(t[post], s["cf_lower"][post], s["cf_upper"][post], color=COUNTERFACTUAL,
                        alpha=0.15, lw=0)
        ax.axvline(split_x(t, post), color="#555555", ls=":", lw=1.2, label=f"break {self.break_year:g}")
        ax.set_xlabel("period midpoint (year)")
        ax.set_title(title or f"Comparative ITS ({self.model} model)")
        ax.legend(fontsize=8, frameon=False)
        return ax


def fit_comparative_its(
    treated: pd.DataFrame,
    control: pd.DataFrame,
    break_year=DEFAULT_BREAK_YEAR,
    *,
    model: str = "difference",
    post_rule: str = DEFAULT_POST_RULE,
    hac_lags: int | None = None,
    alpha: float = 0.05,
    outcome: str = "value",
    hac_small_sample: bool = True,
    slope_start: int = 0,
) -> ComparativeITSResult:
    """Comparative ITS of ``treated`` against ``control`` (see the module docstring).

    ``hac_small_sample`` and ``slope_start`` are the conventions of
    :func:`~wigan_deal.its.segmented.fit_its` (same defaults, same validation), applied to both models.
    """
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}: valid models are 'difference' and 'pooled'.")
    check_single_series(treated, "fit_comparative_its (treated)")
    for key in ("indicator", "sex"):
        if key in treated.columns and key in control.columns:
            tv, cv = _values(treated[key]), _values(control[key])
            if tv and cv and tv != cv:
                raise ValueError(
                    f"treated and control differ in {key}: {sorted(tv)} vs {sorted(cv)}; compare "
                    "like with like."
                )
    ctrl, notes = average_controls(control, outcome)
    both, match_notes = _match(treated, ctrl, outcome)
    notes += match_notes
    diff = pd.DataFrame({"period_start": both["period_start"], "period_end": both["period_end"],
                         "value": both[f"{outcome}_treated"] - both[f"{outcome}_control"]})
    dres = fit_its(diff, break_year, post_rule=post_rule, hac_lags=hac_lags, alpha=alpha,
                   hac_small_sample=hac_small_sample, slope_start=slope_start)
    conventions = {"hac_small_sample": dres.hac_small_sample, "slope_start": dres.slope_start}
    s = dres.series
    y_t = both[f"{outcome}_treated"].to_numpy(float)
    y_c = both[f"{outcome}_control"].to_numpy(float)
    frame = pd.DataFrame({"period": s.period, "time": s.time, "post": s.post,
                          "treated": y_t, "control": y_c})
    if model == "difference":
        cf = dres.counterfactual
        frame["counterfactual"] = y_c + cf["counterfactual"].to_numpy()
        frame["cf_lower"] = y_c + cf["cf_lower"].to_numpy()
        frame["cf_upper"] = y_c + cf["cf_upper"].to_numpy()
        return ComparativeITSResult(
            model=model, alpha=alpha, break_year=dres.break_year, post_rule=dres.post_rule,
            hac_lags=dres.hac_lags, hac_lag_rule=dres.hac_lag_rule, params=dres.params,
            difference_in_level=_rename(dres.level_change, "difference_in_level"),
            difference_in_slope=_rename(dres.slope_change, "difference_in_slope"),
            pre_slope_difference=_rename(dres.pre_slope, "pre_slope_difference"),
            series=frame, notes=notes + dres.notes, difference_result=dres, fit=dres.model,
            **conventions,
        )
    # pooled model: control rows (g=0) then treated rows (g=1), each in time order
    Xs = s.X
    X = np.vstack([np.hstack([Xs, 0 * Xs]), np.hstack([Xs, Xs])])
    y = np.concatenate([y_c, y_t])
    groups = np.repeat([0, 1], s.n)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n, k = X.shape
    lags = dres.hac_lags if hac_lags is None else int(hac_lags)
    rule = dres.hac_lag_rule + " (applied within each group)"
    if lags > 0:
        cov = _panel_hac(X, resid, groups, lags, dres.hac_small_sample)
    else:
        cov = (resid @ resid / (n - k)) * np.linalg.inv(X.T @ X)
    df = n - k
    params = params_frame(POOLED_TERMS, beta, cov, alpha, df)
    est = {name: linear_combination(np.eye(k)[POOLED_TERMS.index(term)], beta, cov, alpha, df, name)
           for name, term in (("difference_in_level", "g:post"),
                              ("difference_in_slope", "g:time_since_break"),
                              ("pre_slope_difference", "g:time_c"))}
    Xt = X[s.n:].copy()
    Xt[:, [6, 7]] = 0.0
    cf = Xt @ beta
    half = critical_value(alpha, df) * np.sqrt(np.einsum("ij,jk,ik->i", Xt, cov, Xt))
    frame["fitted_treated"] = X[s.n:] @ beta
    frame["counterfactual"], frame["cf_lower"], frame["cf_upper"] = cf, cf - half, cf + half
    notes.append("pooled model: counterfactual band is the confidence interval of the mean")
    return ComparativeITSResult(
        model=model, alpha=alpha, break_year=dres.break_year, post_rule=dres.post_rule,
        hac_lags=lags, hac_lag_rule=rule, params=params, series=frame, notes=notes,
        difference_result=dres, fit={"beta": beta, "cov": cov, "X": X, "y": y, "groups": groups},
        **est, **conventions,
    )


def _rename(e: Estimate, name: str) -> Estimate:
    return Estimate(e.estimate, e.se, e.lower, e.upper, e.p_value, e.alpha, name)


__all__ = ["ComparativeITSResult", "average_controls", "fit_comparative_its"]
