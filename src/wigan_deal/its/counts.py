"""Count-data ITS: Poisson / quasi-Poisson GLM with a population offset and Fourier seasonality.

Model (Lopez Bernal, Cummins & Gasparrini, IJE 2017)::

    log E[count] = log(offset) + b0 + b1*intervention + b2*time [+ b3*intervention*(time - t0)]
                   [+ sum_k c_k sin(2 pi k s / P) + d_k cos(2 pi k s / P), k = 1..K]

``s`` is the position in the seasonal cycle: a column (``season=``) or, by default, derived from the
time index as ``(time - 1) % P + 1`` (month 1..12 for monthly data starting in January). For K <= 2
the terms equal R ``tsModel::harmonic(s, K, P)``; for K > 2 tsModel uses frequencies 1, 2, 4, ...
(powers of two) whereas this function uses 1, 2, 3, ... . By default (``slope_start=0``) the
slope-change term is zero at the first post point ``t0``; ``slope_start=1`` makes it one there, as
R's tutorial (``time - 36``, the last pre point), which shifts the level term by one slope unit.
Deriving ``s`` from the time index needs a time axis counting sub-periods of the cycle (1, 2, 3, ...,
e.g. months): a non-integer, non-unit-step or calendar-year axis without ``season=`` is an error.

``family="quasipoisson"`` keeps the Poisson estimates and multiplies the covariance by the Pearson
dispersion ``X2 / df_resid`` (statsmodels ``fit(scale="X2")``, as R's ``summary.glm``). Intervals
are Wald intervals with the normal quantile on the log scale, as R ``Epi::ci.exp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM

from wigan_deal import fmt
from wigan_deal.its._series import check_single_series
from wigan_deal.its.result import Estimate, params_frame

FAMILIES: tuple[str, ...] = ("poisson", "quasipoisson")


def fourier_terms(position, period: float, k: int) -> pd.DataFrame:
    """``sin1, cos1, ..., sinK, cosK`` of ``2*pi*j*position/period`` for j = 1..K."""
    if k < 1 or 2 * k > period:
        raise ValueError(
            f"fourier_k={k!r} must be between 1 and period/2 = {period / 2:g} (more pairs than "
            "that are not identifiable)."
        )
    x = np.asarray(position, dtype=float)
    cols = {}
    for j in range(1, k + 1):
        cols[f"sin{j}"] = np.sin(2 * np.pi * j * x / period)
        cols[f"cos{j}"] = np.cos(2 * np.pi * j * x / period)
    return pd.DataFrame(cols)


def _check_cycle_index(t: np.ndarray, time: str, period: float) -> None:
    """Refuse to derive the seasonal position from a time axis that is not a sub-period index."""
    steps = np.diff(t)
    problem = None
    if not np.allclose(t, np.round(t)):
        problem = "it has non-integer values (e.g. period midpoints in years)"
    elif steps.size and not np.allclose(steps, 1.0):
        problem = f"its steps are not 1 (found steps {sorted(set(np.round(steps, 6).tolist()))[:4]})"
    elif t.min() >= 1800:
        problem = f"its values ({t.min():g} .. {t.max():g}) look like calendar years"
    if problem:
        raise ValueError(
            f"fit_count_its: fourier_period={period:g} with no season column needs {time!r} to be a "
            f"sub-period index (1, 2, 3, ..., e.g. months from January), but {problem}. Give "
            "season='<column with the position in the cycle, 1..period>', or drop fourier_period "
            "for annual or multi-year data (they have no within-year seasonality to model)."
        )


@dataclass
class CountITSResult:
    """Result of :func:`fit_count_its`."""

    family: str
    alpha: float
    terms: list[str]
    params: pd.DataFrame
    rate_ratio: Estimate
    slope_ratio: Estimate | None
    dispersion: float
    fitted: pd.DataFrame
    n_pre: int
    n_post: int
    fourier: str | None
    count: str
    offset: str | None
    intervention: str
    model: Any = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        rows = [{"quantity": "rate_ratio", **self.rate_ratio.as_dict()}]
        if self.slope_ratio is not None:
            rows.append({"quantity": "slope_rate_ratio", **self.slope_ratio.as_dict()})
        rows.append(
            {"quantity": "dispersion", "estimate": self.dispersion, "se": np.nan,
             "lower": np.nan, "upper": np.nan, "p_value": np.nan}
        )
        return pd.DataFrame(rows)

    def effect_summary(self):
        """``(table, text)``: the rate ratios in plain English."""
        from wigan_deal.its.summaries import count_summary

        return count_summary(self)

    def summary(self) -> str:
        level = round(100 * (1 - self.alpha))
        rr = self.rate_ratio
        fam = "quasi-Poisson (Pearson dispersion)" if self.family == "quasipoisson" else "Poisson"
        offset = f" + offset(log({self.offset}))" if self.offset else ""
        lines = [
            f"Interrupted time series: {fam} GLM",
            f"  model: {self.count} ~ {' + '.join(self.terms[1:])}{offset}",
            f"  n = {self.n_pre + self.n_post} ({self.n_pre} pre, {self.n_post} post)"
            + (f"; seasonality: {self.fourier}" if self.fourier else ""),
            f"  rate ratio ({self.intervention}): {fmt.number(rr.estimate, 3)} "
            f"({level}% CI {fmt.number(rr.lower, 3)} to {fmt.number(rr.upper, 3)}; {fmt.p_text(rr.p_value)})",
        ]
        if self.slope_ratio is not None:
            sr = self.slope_ratio
            lines.append(
                f"  slope change (rate ratio per time unit): {fmt.number(sr.estimate, 4)} "
                f"({level}% CI {fmt.number(sr.lower, 4)} to {fmt.number(sr.upper, 4)}; {fmt.p_text(sr.p_value)})"
            )
        lines.append(f"  Pearson dispersion X2/df = {fmt.number(self.dispersion, 3)}"
                     + ("  (> 1: consider family='quasipoisson')"
                        if self.family == "poisson" and self.dispersion > 1.5 else ""))
        lines.append("  Wald intervals on the log scale with the normal quantile (as R Epi::ci.exp)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, title: str | None = None, per: float = 1e5):
        """Observed and fitted rates per ``per`` of the offset, with the no-intervention counterfactual."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        f = self.fitted
        scale = per / f["offset"] if self.offset else 1.0
        post = f["post"].to_numpy()
        ax.plot(f["time"], f["observed"] * scale, "o", color="#222222", ms=3.5, label="observed")
        ax.plot(f["time"], f["fitted"] * scale, color="#1f77b4", lw=1.8, label="fitted")
        ax.plot(f["time"][post], (f["counterfactual"] * scale)[post], color="#d62728", ls="--",
                lw=1.5, label="counterfactual (no intervention)")
        t = f["time"].to_numpy()
        ax.axvline((t[~post].max() + t[post].min()) / 2, color="#555555", ls=":", lw=1.2,
                   label="intervention")
        ax.set_xlabel("time")
        ax.set_ylabel(f"{self.count} per {per:g} {self.offset}" if self.offset else self.count)
        ax.set_title(title or f"Interrupted time series ({self.family})")
        ax.legend(fontsize=8, frameon=False)
        return ax


def fit_count_its(
    data: pd.DataFrame,
    count: str = "aces",
    offset: str | None = "stdpop",
    time: str = "time",
    intervention: str = "smokban",
    family: str = "poisson",
    fourier_period: float | None = None,
    fourier_k: int = 2,
    slope_change: bool = False,
    season: str | None = None,
    alpha: float = 0.05,
    slope_start: int = 0,
) -> CountITSResult:
    """Fit a Poisson or quasi-Poisson segmented regression to a count series (see module docstring).

    ``offset=None`` fits counts without an offset. ``fourier_period`` (e.g. 12 for monthly data) adds
    ``fourier_k`` sine/cosine pairs; ``season`` names a column with the position in the cycle.
    ``slope_start`` (0 default, or 1 as Lopez Bernal et al.'s R code): the slope term at ``t0``.
    """
    from wigan_deal.its._series import check_slope_start

    slope_start = check_slope_start(slope_start)
    if family not in FAMILIES:
        raise ValueError(
            f"Unknown family {family!r}: valid families are 'poisson' and 'quasipoisson' "
            "(Poisson with Pearson-estimated dispersion)."
        )
    check_single_series(data, "fit_count_its")
    needed = [c for c in (count, offset, time, intervention, season) if c]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ValueError(
            f"fit_count_its: column(s) {missing} not in the frame (columns: {list(data.columns)}). "
            "Name the count, offset, time and intervention columns with count=, offset=, time=, "
            "intervention= (offset=None for no offset)."
        )
    frame = data.sort_values(time, kind="stable").reset_index(drop=True)
    y = pd.to_numeric(frame[count], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(y).all() or (y < 0).any():
        raise ValueError(f"fit_count_its: {count!r} must be non-negative counts without gaps.")
    t = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    flag = pd.to_numeric(frame[intervention], errors="coerce").to_numpy()
    if not np.isin(flag, [0, 1]).all():
        raise ValueError(f"fit_count_its: intervention column {intervention!r} must be 0/1.")
    post = flag.astype(bool)
    if not post.any() or post.all() or not post[np.argmax(post):].all():
        raise ValueError(
            f"fit_count_its: {intervention!r} must be 0 ... 0 1 ... 1 in time order with both "
            f"pre and post points (found {int((~post).sum())} pre, {int(post.sum())} post)."
        )
    X = pd.DataFrame({"Intercept": 1.0, intervention: post.astype(float), time: t})
    t0 = float(t[np.argmax(post)])
    if slope_change:
        origin = t0 - slope_start
        X[f"{intervention}:({time}-{origin:g})"] = np.where(post, t - origin, 0.0)
    fourier_text = None
    if fourier_period is not None and not season:
        _check_cycle_index(t, time, fourier_period)
    if fourier_period is not None:
        position = frame[season].to_numpy(dtype=float) if season else (t - 1) % fourier_period + 1
        X = pd.concat([X, fourier_terms(position, fourier_period, fourier_k)], axis=1)
        fourier_text = f"{fourier_k} sin/cos pair(s), period {fourier_period:g}"
    if offset:
        off = pd.to_numeric(frame[offset], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(off).all() or (off <= 0).any():
            raise ValueError(f"fit_count_its: offset {offset!r} must be positive and complete.")
        log_off = np.log(off)
    else:
        off, log_off = np.ones_like(y), None
    glm = GLM(y, X, family=Poisson(), offset=log_off)
    res = glm.fit(scale="X2") if family == "quasipoisson" else glm.fit()
    dispersion = float(res.pearson_chi2 / res.df_resid)
    beta = np.asarray(res.params)
    cov = np.asarray(res.cov_params())
    terms = list(X.columns)
    params = params_frame(terms, beta, cov, alpha, None)
    params["rate_ratio"] = np.exp(params["estimate"])
    params["rr_lower"] = np.exp(params["lower"])
    params["rr_upper"] = np.exp(params["upper"])

    def ratio(i: int, name: str) -> Estimate:
        row = params.iloc[i]
        return Estimate(float(np.exp(row.estimate)), float(row.se), float(np.exp(row.lower)),
                        float(np.exp(row.upper)), float(row.p_value), alpha, name)

    rr = ratio(1, "rate_ratio")
    sr = ratio(3, "slope_rate_ratio") if slope_change else None
    Xcf = X.to_numpy(dtype=float).copy()
    Xcf[:, 1] = 0.0
    if slope_change:
        Xcf[:, 3] = 0.0
    eta_cf = Xcf @ beta + (log_off if log_off is not None else 0.0)
    fitted = pd.DataFrame(
        {
            "time": t,
            "post": post,
            "observed": y,
            "offset": off,
            "fitted": np.asarray(res.fittedvalues),
            "counterfactual": np.exp(eta_cf),
        }
    )
    return CountITSResult(
        family=family, alpha=alpha, terms=terms, params=params, rate_ratio=rr, slope_ratio=sr,
        dispersion=dispersion, fitted=fitted, n_pre=int((~post).sum()), n_post=int(post.sum()),
        fourier=fourier_text, count=count, offset=offset, intervention=intervention, model=res,
    )
