"""Single-series segmented regression: ``value ~ time_c + post + time_since_break``.

``time_c`` is time (period midpoint, years) minus the time of the first post period ``t0``, so the
intercept is the pre-trend's value at ``t0``; ``post`` is 1 from the first post period (the *level
change* is the jump there, against the projected pre-trend); ``time_since_break = post * (time - t0)``
(its coefficient is the *slope change* per unit of time).

Two conventions are options (defaults first; both are printed by :meth:`ITSResult.summary`):

* ``hac_small_sample=True``: the Newey-West covariance is multiplied by ``n / (n - k)`` (Stata
  ``newey``, statsmodels ``use_correction=True``); ``False`` omits it (statsmodels' own default,
  R ``sandwich::NeweyWest(adjust=FALSE)``). With n = 15 and k = 4 the factor widens SEs by 17%.
* ``slope_start=0``: ``time_since_break`` is 0 at the first post point, so the level change is the
  jump at that point; ``slope_start=1`` makes it 1 there (Lopez Bernal et al.'s published R code,
  ``time - last_pre``), so the level term is the jump one time unit earlier
  (``level(1) = level(0) - slope_change``); the slope change itself is unchanged.

Methods: ``"ols"`` with Newey-West (HAC, Bartlett kernel) standard errors and Student-t intervals;
``"glsar"`` feasible GLS with AR(1) errors (statsmodels ``GLSAR.iterative_fit``: iterated
Cochrane-Orcutt, the first observation is dropped in the whitening); ``"arima"`` regression with
ARIMA(1,0,0) errors by exact maximum likelihood (normal-theory intervals).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# the models themselves, not statsmodels.api, which imports every model statsmodels has (about 0.5 CPU-s more in
# every kernel and command that fits an ITS; a test in tests/test_its_segmented.py reads the code for it)
from statsmodels.regression.linear_model import GLSAR, OLS
from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson

from wigan_deal import fmt
from wigan_deal.config import DEFAULT_BREAK_YEAR
from wigan_deal.its._series import TERMS, Series, check_hac_small_sample, prepare_series
from wigan_deal.its.result import (
    Estimate,
    critical_value,
    estimates_frame,
    linear_combination,
    linear_combinations,
    params_frame,
)
from wigan_deal.periods import DEFAULT_POST_RULE

METHODS: tuple[str, ...] = ("ols", "glsar", "arima")


@dataclass
class _Fit:
    beta: np.ndarray
    cov: np.ndarray
    df: float | None  # None: normal reference distribution
    error_var: float  # marginal variance of one observation's error (prediction intervals)
    resid: np.ndarray  # residuals the diagnostics are computed on
    model: Any
    extra: dict = field(default_factory=dict)
    plain_ols: bool = False  # ``model`` is OLS results of ``series.y`` on ``series.X`` (any covariance type)


def _fit_core(series: Series, method: str, hac_lags: int, small_sample: bool = True) -> _Fit:
    y, X = series.y, series.X
    if method == "ols":
        ols = OLS(y, X)
        if hac_lags > 0:
            res = ols.fit(
                cov_type="HAC",
                cov_kwds={"maxlags": hac_lags, "use_correction": bool(small_sample)},
                use_t=True,
            )
        else:
            res = ols.fit(use_t=True)
        return _Fit(res.params, res.cov_params(), res.df_resid, res.scale, res.resid, res, plain_ols=True)
    if method == "glsar":
        model = GLSAR(y, X, rho=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.iterative_fit(maxiter=100)
        rho = float(np.atleast_1d(model.rho)[0])
        marginal = res.scale / max(1 - rho**2, 1e-6)
        return _Fit(
            res.params, res.cov_params(), res.df_resid, marginal, res.wresid, res, {"rho": rho}
        )
    if method == "arima":
        from statsmodels.tsa.arima.model import ARIMA

        exog = pd.DataFrame(X[:, 1:], columns=list(TERMS[1:]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ARIMA(np.asarray(y), exog=exog, order=(1, 0, 0), trend="c").fit()
        names = list(res.model.param_names)
        idx = [names.index("const")] + [names.index(t) for t in TERMS[1:]]
        params = np.asarray(res.params)
        phi = float(params[names.index("ar.L1")])
        sigma2 = float(params[names.index("sigma2")])
        cov = np.asarray(res.cov_params())[np.ix_(idx, idx)]
        return _Fit(
            params[idx],
            cov,
            None,
            sigma2 / max(1 - phi**2, 1e-6),
            np.asarray(res.resid),
            res,
            {"ar1": phi, "sigma2": sigma2},
        )
    raise ValueError(
        f"Unknown method {method!r}: valid methods are 'ols' (Newey-West HAC), 'glsar' (AR(1) "
        "feasible GLS) and 'arima' (regression with ARIMA(1,0,0) errors)."
    )


def _diagnostics(series: Series, fit: _Fit) -> dict[str, Any]:
    n = series.n
    resid = np.asarray(fit.resid, dtype=float)
    lags = max(1, min(4, n // 2 - 1))
    out: dict[str, Any] = {"durbin_watson": float(durbin_watson(resid))}
    try:
        lb = acorr_ljungbox(resid, lags=[min(lags, resid.size - 2)], return_df=True)
        out["ljung_box"] = {
            "lags": int(lb.index[0]),
            "stat": float(lb["lb_stat"].iloc[0]),
            "p_value": float(lb["lb_pvalue"].iloc[0]),
        }
    except (ValueError, IndexError):
        out["ljung_box"] = None
    # the plain OLS fit of the Breusch-Godfrey test: an OLS fit's own results (the same coefficients and residuals;
    # the test reads no covariance) unless the method is another
    ols = fit.model if fit.plain_ols else OLS(series.y, series.X).fit()
    e = ols.resid
    out["ols_resid_acf1"] = float(np.corrcoef(e[:-1], e[1:])[0, 1]) if n > 3 else float("nan")
    if n - series.X.shape[1] - lags >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            bg = acorr_breusch_godfrey(ols, nlags=lags)
        out["breusch_godfrey"] = {"lags": lags, "stat": float(bg[0]), "p_value": float(bg[1])}
    else:
        out["breusch_godfrey"] = None
    return out


@dataclass
class ITSResult:
    """Result of :func:`fit_its` (see the module docstring for the model)."""

    method: str
    outcome: str
    break_year: float | None
    post_rule: str | None
    alpha: float
    hac_lags: int
    hac_lag_rule: str
    series: Series
    beta: np.ndarray
    cov: np.ndarray
    df_resid: float | None
    error_var: float
    params: pd.DataFrame
    level_change: Estimate
    slope_change: Estimate
    pre_slope: Estimate
    counterfactual: pd.DataFrame
    effects: pd.DataFrame
    cumulative_effect: Estimate
    diagnostics: dict[str, Any]
    model: Any = field(repr=False)
    notes: list[str] = field(default_factory=list)
    hac_small_sample: bool = True
    slope_start: float = 0.0

    @property
    def n(self) -> int:
        return self.series.n

    def conventions(self) -> str:
        """The two conventions this fit used, as one sentence (also printed by :meth:`summary`)."""
        if self.method == "ols" and self.hac_lags > 0:
            nw = ("Newey-West with the small-sample factor n/(n-k)" if self.hac_small_sample
                  else "Newey-West without the small-sample factor n/(n-k)")
        else:
            nw = "no Newey-West correction"
        origin = ("time_since_break = 0 at the first post point (level change = jump there)"
                  if self.slope_start == 0 else
                  "time_since_break = 1 at the first post point (Lopez Bernal et al.'s R "
                  "convention: level change = jump one time unit before it)")
        return f"{nw}; {origin}"

    def estimates(self) -> dict[str, Estimate]:
        out = {
            "level_change": self.level_change,
            "slope_change": self.slope_change,
            "pre_slope": self.pre_slope,
            "cumulative_effect": self.cumulative_effect,
        }
        for row in self.effects.itertuples():
            out[f"effect[{row.period}]"] = Estimate(
                row.effect, row.se, row.lower, row.upper, row.p_value, self.alpha
            )
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per quantity (level/slope change, pre-slope, cumulative and per-period effects)."""
        out = estimates_frame(self.estimates())
        out.insert(1, "method", self.method)
        return out

    def caveats(self) -> list[str]:
        lines = list(self.notes)
        if self.series.overlapping:
            lines.append(
                "overlapping 3-year periods: consecutive observations share 2 of 3 years, so they "
                "are not independent and the cumulative effect counts each year up to 3 times"
            )
        if self.series.n_pre < 8:
            lines.append(f"short pre-period ({self.series.n_pre} points): the pre-trend is fragile")
        if self.method == "ols" and self.hac_lags > 0 and self.n < 30:
            lines.append(
                f"HAC standard errors with n={self.n} are approximate: Newey-West is a "
                "large-sample method, and in the engine's Monte Carlo (n=40, AR(1) rho=0.4) its 95% "
                "intervals covered only about 80%; compare with method='glsar' and 'arima'"
            )
        lines.append(
            "a level/slope change is a departure from the projected pre-trend; it is not by itself "
            "evidence that the intervention caused it (co-interventions, regression to the mean)"
        )
        return lines

    def effect_summary(self, unit: str = "", higher_is_better: bool | None = None):
        """``(table, text)``: level and slope change in plain English (:mod:`its.summaries`)."""
        from wigan_deal.its.summaries import its_summary

        return its_summary(self, unit, higher_is_better)

    def summary(self) -> str:
        s = self.series
        level = round(100 * (1 - self.alpha))
        brk = f"{self.break_year:g}" if self.break_year is not None else "?"
        if self.method == "ols":
            ses = f"Newey-West HAC SEs ({self.hac_lags} lags)" if self.hac_lags else "classical SEs"
            method = f"OLS, {ses}, t({self.df_resid:g}) intervals"
        elif self.method == "glsar":
            rho = self.diagnostics.get("rho", float("nan"))
            method = f"GLSAR AR(1) (rho={fmt.number(rho, 3)}), t({self.df_resid:g}) intervals"
        else:
            phi = self.diagnostics.get("ar1", float("nan"))
            method = f"regression with ARIMA(1,0,0) errors (phi={fmt.number(phi, 3)}), normal intervals"
        d = self.diagnostics
        lines = [
            "Interrupted time series: segmented regression",
            f"  outcome: {self.outcome}   model: {self.outcome} ~ time_c + post + time_since_break",
            f"  method: {method}",
            f"  n = {s.n} ({s.n_pre} pre: {s.period[0]} .. {s.period[s.n_pre - 1]}; "
            f"{s.n_post} post: {s.period[s.n_pre]} .. {s.period[-1]})",
            f"  break: {brk}" + (f", post_rule={self.post_rule!r}" if self.post_rule else ""),
            f"  HAC lag rule: {self.hac_lag_rule}",
            f"  conventions: {self.conventions()}",
            f"  pre-trend slope:  {self.pre_slope.describe()} per unit time",
            f"  level change:     {self.level_change.describe()}",
            f"  slope change:     {self.slope_change.describe()} per unit time",
            f"  cumulative effect over {s.n_post} post periods: "
            f"{self.cumulative_effect.describe()}",
            f"  ({level}% intervals)",
            "Diagnostics:",
            f"  Durbin-Watson {fmt.number(d['durbin_watson'], 2)}; lag-1 autocorrelation of OLS residuals "
            f"{fmt.number(d['ols_resid_acf1'], 2)}",
        ]
        if d.get("ljung_box"):
            lb = d["ljung_box"]
            lines.append(
                f"  Ljung-Box ({lb['lags']} lags) {fmt.number(lb['stat'], 2)}, {fmt.p_text(lb['p_value'])}"
            )
        if d.get("breusch_godfrey"):
            bg = d["breusch_godfrey"]
            lines.append(
                f"  Breusch-Godfrey ({bg['lags']} lags, OLS residuals) {fmt.number(bg['stat'], 2)}, "
                f"{fmt.p_text(bg['p_value'])}"
            )
        lines.append("Caveats:")
        lines += [f"  - {c}" for c in self.caveats()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, title: str | None = None):
        """Observed points (with CI bars), fitted segments, counterfactual with PI, break line."""
        from wigan_deal.its._plotting import plot_its

        return plot_its(self, ax=ax, title=title)


def _counterfactual(series: Series, fit: _Fit, alpha: float) -> pd.DataFrame:
    X = series.X
    Xcf = X.copy()
    Xcf[:, 2:] = 0.0
    fitted = X @ fit.beta
    cf = Xcf @ fit.beta
    var_mean = np.einsum("ij,jk,ik->i", Xcf, fit.cov, Xcf)
    q = critical_value(alpha, fit.df)
    half = q * np.sqrt(var_mean + fit.error_var)
    return pd.DataFrame(
        {
            "period": series.period,
            "time": series.time,
            "post": series.post,
            "observed": series.y,
            "fitted": fitted,
            "counterfactual": cf,
            "cf_lower": cf - half,
            "cf_upper": cf + half,
            "effect": series.y - cf,
        }
    )


def _effects(series: Series, fit: _Fit, alpha: float) -> tuple[pd.DataFrame, Estimate]:
    rows = []
    tsb = series.time_since_break
    posts = np.flatnonzero(series.post)
    estimates = linear_combinations([[0, 0, 1, tsb[i]] for i in posts], fit.beta, fit.cov, alpha, fit.df)
    for i, e in zip(posts, estimates, strict=True):
        rows.append(
            {
                "period": series.period[i],
                "time": series.time[i],
                "time_since_break": tsb[i],
                "effect": e.estimate,
                "se": e.se,
                "lower": e.lower,
                "upper": e.upper,
                "p_value": e.p_value,
            }
        )
    L = [0, 0, float(series.post.sum()), float(tsb[series.post].sum())]
    cum = linear_combination(L, fit.beta, fit.cov, alpha, fit.df, "cumulative_effect")
    return pd.DataFrame(rows), cum


def fit_its(
    data: pd.DataFrame,
    break_year=DEFAULT_BREAK_YEAR,
    *,
    post_rule: str = DEFAULT_POST_RULE,
    method: str = "ols",
    hac_lags: int | None = None,
    alpha: float = 0.05,
    outcome: str = "value",
    time: str | None = None,
    intervention: str | None = None,
    hac_small_sample: bool = True,
    slope_start: int = 0,
) -> ITSResult:
    """Fit a segmented regression (level and slope change) to ONE series.

    ``data``: a tidy data-layer frame for one area/sex/indicator/vintage, or any frame with
    ``period_start``, ``period_end`` and ``outcome``; or (``time=``, ``intervention=``) a frame with
    an explicit time column and a 0/1 intervention column. ``break_year``: a year or a date.
    ``hac_lags``: Newey-West lags for ``method="ols"`` (None: the documented rule, see
    :func:`wigan_deal.its._series.hac_lag_rule`; 0: classical OLS standard errors).
    ``hac_small_sample`` (default True): multiply the Newey-West covariance by ``n/(n-k)``.
    ``slope_start`` (default 0): value of ``time_since_break`` at the first post point (0 or 1, see
    the module docstring: 1 reproduces Lopez Bernal et al.'s R code and moves the level term).

    Raises :class:`ShortPreperiodError` with fewer than 3 pre points and ``ValueError`` for fewer
    than 2 post points, missing values or mixed series; warns (:class:`ShortPreperiodWarning`)
    under 8 pre points.

    Counterfactual bands (``cf_lower``/``cf_upper``) are prediction intervals by the delta method on
    the full model: ``x V x' + sigma^2`` with ``x = (1, time_c, 0, 0)``, ``V`` the model's (HAC)
    covariance and ``sigma^2`` the error variance (the marginal AR(1) variance for glsar/arima).
    """
    series = prepare_series(
        data, break_year, post_rule=post_rule, outcome=outcome, time=time, intervention=intervention,
        slope_start=slope_start,
    )
    hac_small_sample = check_hac_small_sample(hac_small_sample)
    if method not in METHODS:
        raise ValueError(
            f"Unknown method {method!r}: valid methods are 'ols' (Newey-West HAC), 'glsar' (AR(1) "
            "feasible GLS) and 'arima' (regression with ARIMA(1,0,0) errors)."
        )
    if hac_lags is None:
        lags, rule = series.hac_lags()
    else:
        if int(hac_lags) != hac_lags or hac_lags < 0:
            raise ValueError(f"hac_lags={hac_lags!r} must be a non-negative integer or None.")
        lags = int(hac_lags)
        rule = f"{lags} (set by the caller)" + ("; classical OLS SEs" if lags == 0 else "")
    if method != "ols":
        rule = f"not used by method={method!r} (autocorrelation is modelled as AR(1))"
        lags = 0
    fit = _fit_core(series, method, lags, bool(hac_small_sample))
    params = params_frame(TERMS, fit.beta, fit.cov, alpha, fit.df)
    level, slope, pre = linear_combinations([[0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]], fit.beta, fit.cov, alpha,
                                            fit.df, ["level_change", "slope_change", "pre_slope"])
    effects, cumulative = _effects(series, fit, alpha)
    diagnostics = _diagnostics(series, fit)
    diagnostics.update(
        {"n_pre": series.n_pre, "n_post": series.n_post, "hac_lags": lags, "method": method}
    )
    diagnostics.update(fit.extra)
    return ITSResult(
        method=method,
        outcome=outcome,
        break_year=series.break_year,
        post_rule=series.post_rule,
        alpha=alpha,
        hac_lags=lags,
        hac_lag_rule=rule,
        series=series,
        beta=fit.beta,
        cov=fit.cov,
        df_resid=fit.df,
        error_var=fit.error_var,
        params=params,
        level_change=level,
        slope_change=slope,
        pre_slope=pre,
        counterfactual=_counterfactual(series, fit, alpha),
        effects=effects,
        cumulative_effect=cumulative,
        diagnostics=diagnostics,
        model=fit.model,
        hac_small_sample=bool(hac_small_sample),
        slope_start=series.slope_start,
    )
