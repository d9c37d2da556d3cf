"""Coverage study: how often do the 95% intervals of each ITS inference method cover the truth?

A seeded, vectorised Monte Carlo at the project's real designs (15-16 three-year periods, a break in
2011 and a post rule). For each *design* and *error process* it draws ``reps`` null series (no
effect; unit error variance: every method here is scale-invariant, so the real variance only
matters when power is converted to real units by :mod:`wigan_deal.inference`) and applies every
method to all of them at once.

Error processes (``ERRORS``)

* ``"ma2"`` - three-year averages of independent annual errors: MA(2) with autocorrelations 2/3 and
  1/3, the structure overlapping 3-year periods have by construction;
* ``"ar1"`` - AR(1) on the period scale with coefficient ``rho`` (what GLSAR and ARIMA(1,0,0) assume);
* ``"ma2_ar1"`` - three-year averages of annual AR(1) errors with coefficient ``phi`` (ARMA(1,2):
  overlap plus persistent local deviations; ``phi = 0`` is ``"ma2"``).

Methods (``METHODS``; each gives an estimate, a standard error and a critical value per series)

* ``ols`` - classical OLS standard errors, t(n - k);
* ``nw{L}`` / ``nw{L}_nofactor`` - Newey-West with L lags, with / without ``n/(n-k)``, t(n - k);
* ``fixedb{b}`` - Bartlett HAC without the factor, bandwidth ``b = (L+1)/n``, Kiefer-Vogelsang
  fixed-b critical values (:func:`wigan_deal.its.hac.fixed_b_critical_value`);
* ``glsar`` - iterated Cochrane-Orcutt AR(1) feasible GLS as statsmodels ``GLSAR.iterative_fit``
  (Yule-Walker rho, first observation dropped), t(n - 1 - k);
* ``ml_ar1`` / ``ml_ma2`` - regression with AR(1) / MA(2) errors by exact Gaussian maximum
  likelihood, the error parameters profiled over a grid (step 0.05 / 0.1), normal intervals as
  statsmodels ``ARIMA``;
* ``gls_overlap`` - GLS with the known overlapping-average correlation (1, 2/3, 1/3), t(n - k);
* ``nonoverlap`` - OLS on the non-overlapping subsample (every third period), t(n_sub - k);
* ``permutation`` - placebo-in-space: the Newey-West(L = 2) t statistic of the treated series
  against those of ``n_controls`` control series under the null; the interval is
  ``estimate +/- q * se`` with q the 95th percentile of the controls' |t| (covers iff p > 0.05).

Power comes from the same null draws: every method is regression-equivariant (adding ``d * x`` to
the series shifts the estimate by ``d`` and leaves residuals, SEs and critical values unchanged), so
the probability that the interval excludes zero at effect ``d`` is ``mean(|est + d| > crit * se)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from wigan_deal.its._series import check_slope_start
from wigan_deal.its.hac import fixed_b_critical_value, newey_west
from wigan_deal.periods import check_post_rule, is_post, period_midpoint

ERRORS: tuple[str, ...] = ("ma2", "ar1", "ma2_ar1")
#: coefficient index in the design (Intercept, time_c, post, time_since_break)
TARGETS: dict[str, int] = {"level": 2, "slope": 3}
NW_LAGS: tuple[int, ...] = (1, 2, 3, 4)
FIXED_B: tuple[float, ...] = (0.2, 0.5, 1.0)
ML_METHODS: tuple[str, ...] = ("ml_ar1", "ml_ma2")


def method_names() -> list[str]:
    """Every method, in table order."""
    out = ["ols"]
    for lag in NW_LAGS:
        out += [f"nw{lag}", f"nw{lag}_nofactor"]
    out += [f"fixedb{b:g}" for b in FIXED_B]
    out += ["glsar", "ml_ar1", "ml_ma2", "gls_overlap", "nonoverlap", "permutation"]
    return out


METHODS: tuple[str, ...] = tuple(method_names())

#: One line per method for tables and docs.
DESCRIPTIONS: dict[str, str] = {
    "ols": "OLS, classical SEs, t(n-k)",
    **{f"nw{lag}": f"OLS, Newey-West {lag} lag(s) with n/(n-k), t(n-k)" for lag in NW_LAGS},
    **{f"nw{lag}_nofactor": f"OLS, Newey-West {lag} lag(s) without n/(n-k), t(n-k)" for lag in NW_LAGS},
    **{f"fixedb{b:g}": f"OLS, Bartlett HAC b={b:g}, Kiefer-Vogelsang fixed-b critical value"
       for b in FIXED_B},
    "glsar": "GLSAR AR(1) (iterated Cochrane-Orcutt), t(n-1-k)",
    "ml_ar1": "regression with AR(1) errors, exact ML, normal intervals",
    "ml_ma2": "regression with MA(2) errors, exact ML, normal intervals",
    "gls_overlap": "GLS with the known overlapping-average MA(2) correlation, t(n-k)",
    "nonoverlap": "OLS on non-overlapping periods only (every third), t(n_sub-k)",
    "permutation": "placebo-in-space permutation of the Newey-West(2) t statistic across councils",
}


@dataclass(frozen=True)
class Design:
    """One real design: consecutive 3-year periods starting ``first``..``last``, a break and a rule."""

    name: str
    first: int
    last: int
    break_year: int = 2011
    post_rule: str = "start"
    slope_start: int = 0

    @property
    def starts(self) -> np.ndarray:
        return np.arange(self.first, self.last + 1)

    @property
    def post(self) -> np.ndarray:
        check_post_rule(self.post_rule)
        return np.asarray(is_post(self.starts, self.starts + 2, self.break_year, self.post_rule))

    @property
    def n(self) -> int:
        return int(self.starts.size)

    def matrix(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Segmented-regression design (Intercept, time_c, post, time_since_break) on ``rows``."""
        rows = np.arange(self.n) if rows is None else rows
        t = period_midpoint(self.starts, self.starts + 2)[rows]
        post = self.post[rows]
        t0 = t[np.argmax(post)]
        s = check_slope_start(self.slope_start)
        return np.column_stack([np.ones(t.size), t - t0, post.astype(float),
                                np.where(post, t - t0 + s, 0.0)])

    def nonoverlap_rows(self) -> np.ndarray:
        """Every third period, the offset giving the most points with >= 3 pre and >= 2 post."""
        best = None
        for off in range(3):
            rows = np.arange(off, self.n, 3)
            post = self.post[rows]
            if (~post).sum() >= 3 and post.sum() >= 2 and (best is None or rows.size > best.size):
                best = rows
        if best is None:
            raise ValueError(f"design {self.name}: no non-overlapping subsample has 3 pre and 2 post points")
        return best


def simulate_errors(rng: np.random.Generator, n: int, m: int, error: str, rho: float = 0.5,
                    phi: float = 0.5) -> np.ndarray:
    """``n x m`` errors with unit marginal variance (see the module docstring)."""
    if error == "ma2_ar1":
        u = simulate_errors(rng, n + 2, m, "ar1", phi)
        return (u[:-2] + u[1:-1] + u[2:]) / np.sqrt(3 + 4 * phi + 2 * phi**2)
    if error == "ma2":
        u = rng.standard_normal((n + 2, m)) * np.sqrt(3.0)
        return (u[:-2] + u[1:-1] + u[2:]) / 3.0
    if error == "ar1":
        if not -1 < rho < 1:
            raise ValueError(f"rho={rho!r} must be in (-1, 1) for a stationary AR(1).")
        e = np.empty((n, m))
        e[0] = rng.standard_normal(m)
        innov = rng.standard_normal((n - 1, m)) * np.sqrt(1 - rho**2)
        for i in range(1, n):
            e[i] = rho * e[i - 1] + innov[i - 1]
        return e
    raise ValueError(f"Unknown error process {error!r}: valid are {', '.join(ERRORS)}.")


# --- estimators, each returning (est 2 x m, se 2 x m, crit scalar or 2 x m) -----------------------


def _pick(beta: np.ndarray, cov: np.ndarray):
    idx = list(TARGETS.values())
    est = beta[idx]
    se = np.sqrt(np.clip(np.stack([cov[:, i, i] for i in idx]), 0, None))
    return est, se


def _ols_family(X: np.ndarray, Y: np.ndarray, method: str):
    n, k = X.shape
    if method == "ols":
        beta, cov = newey_west(X, Y, 0)
        return (*_pick(beta, cov), stats.t.ppf(0.975, n - k))
    if method.startswith("nw"):
        lag = int(method[2:].split("_")[0])
        beta, cov = newey_west(X, Y, lag, small_sample=not method.endswith("_nofactor"))
        return (*_pick(beta, cov), stats.t.ppf(0.975, n - k))
    if method.startswith("fixedb"):
        b = float(method[6:])
        lag = max(1, int(round(b * n)) - 1)
        beta, cov = newey_west(X, Y, lag, small_sample=False)
        return (*_pick(beta, cov), fixed_b_critical_value((lag + 1) / n))
    raise ValueError(method)


def _allclose(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.allclose(a, b, rtol=1e-8, atol=1e-10)``: its formula directly for finite arrays (a third of its time;
    :func:`glsar` asks ~30 times per fit), numpy's own otherwise (infinities and NaN have their own rules)."""
    diff = np.abs(a - b)
    if np.isfinite(diff).all() and np.isfinite(b).all():
        return bool((diff <= 1e-10 + 1e-8 * np.abs(b)).all())
    return bool(np.allclose(a, b, rtol=1e-8, atol=1e-10))


def glsar(X: np.ndarray, Y: np.ndarray, maxiter: int = 50):
    """Vectorised ``GLSAR(y, X, rho=1).iterative_fit``: ``(beta k x m, cov m x k x k, rho m)``."""
    n, k = X.shape
    beta = np.linalg.lstsq(X, Y, rcond=None)[0]
    rho = np.zeros(Y.shape[1])
    for _ in range(maxiter):
        r = Y - X @ beta
        rc = r - r.mean(axis=0)
        # statsmodels yule_walker(method="adjusted"): r1 / r0 with denominators n-1 and n
        rho = (rc[1:] * rc[:-1]).sum(axis=0) / (n - 1) / ((rc**2).sum(axis=0) / n)
        Xw = X[1:, :, None] - rho[None, None, :] * X[:-1, :, None]
        Yw = Y[1:] - rho * Y[:-1]
        xtx = np.einsum("tim,tjm->mij", Xw, Xw)
        xty = np.einsum("tim,tm->mi", Xw, Yw)
        new = np.linalg.solve(xtx, xty[..., None])[..., 0].T
        done = _allclose(new, beta)
        beta = new
        if done:
            break
    Xw = X[1:, :, None] - rho[None, None, :] * X[:-1, :, None]
    Yw = Y[1:] - rho * Y[:-1]
    xtx = np.einsum("tim,tjm->mij", Xw, Xw)
    resid = Yw - np.einsum("tim,im->tm", Xw, beta)
    s2 = (resid**2).sum(axis=0) / (n - 1 - k)
    return beta, s2[:, None, None] * np.linalg.inv(xtx), rho


def _ma2_acov(t1: float, t2: float, n: int) -> np.ndarray:
    g = np.zeros(n)
    g[0] = 1 + t1**2 + t2**2
    if n > 1:
        g[1] = t1 + t1 * t2
    if n > 2:
        g[2] = t2
    idx = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return g[idx]


def _ar1_acov(rho: float, n: int) -> np.ndarray:
    idx = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return rho**idx / (1 - rho**2)


def error_grid(kind: str) -> list[tuple[float, ...]]:
    """Parameter grid of the profile likelihood: AR(1) rho, or MA(2) (theta1, theta2) (invertible)."""
    if kind == "ml_ar1":
        return [(r,) for r in np.round(np.arange(-0.95, 0.951, 0.05), 4)]
    if kind == "ml_ma2":
        vals = np.round(np.arange(-1.0, 1.001, 0.1), 4)
        return [(a, b) for a in vals for b in vals if b + a >= -1 and b - a >= -1 and abs(b) <= 1]
    raise ValueError(kind)


def gls_profile(X: np.ndarray, Y: np.ndarray, kind: str):
    """Exact Gaussian ML over the error-parameter grid: ``(beta, cov, best grid index)`` per series."""
    n, k = X.shape
    m = Y.shape[1]
    best_ll = np.full(m, -np.inf)
    beta = np.zeros((k, m))
    cov = np.zeros((m, k, k))
    where = np.zeros(m, dtype=int)
    for g, par in enumerate(error_grid(kind)):
        R = _ar1_acov(par[0], n) if kind == "ml_ar1" else _ma2_acov(par[0], par[1], n)
        try:
            L = np.linalg.cholesky(R)
        except np.linalg.LinAlgError:
            continue
        logdet = 2 * np.log(np.diag(L)).sum()
        Xw = np.linalg.solve(L, X)
        Yw = np.linalg.solve(L, Y)
        xtx_inv = np.linalg.inv(Xw.T @ Xw)
        b = xtx_inv @ Xw.T @ Yw
        rss = ((Yw - Xw @ b) ** 2).sum(axis=0)
        ll = -0.5 * n * np.log(rss / n) - 0.5 * logdet
        better = ll > best_ll
        if better.any():
            best_ll[better] = ll[better]
            beta[:, better] = b[:, better]
            cov[better] = (rss[better] / n)[:, None, None] * xtx_inv[None]
            where[better] = g
    return beta, cov, where


def gls_known(X: np.ndarray, Y: np.ndarray, R: np.ndarray):
    """GLS with a known correlation matrix ``R`` (scale estimated): ``(beta, cov m x k x k)``."""
    n, k = X.shape
    L = np.linalg.cholesky(R)
    Xw, Yw = np.linalg.solve(L, X), np.linalg.solve(L, Y)
    beta, cov = newey_west(Xw, Yw, 0)
    return beta, cov


def overlap_correlation(n: int) -> np.ndarray:
    """Correlation of n consecutive 3-year averages of independent annual values (1, 2/3, 1/3)."""
    return _ma2_acov(1.0, 1.0, n) / 3.0


def apply_method(design: Design, Y: np.ndarray, method: str):
    """``(est 2 x m, se 2 x m, crit)`` of ``method`` for the null series ``Y`` (n x m)."""
    X = design.matrix()
    n, k = X.shape
    if method in ("ols",) or method.startswith(("nw", "fixedb")):
        return _ols_family(X, Y, method)
    if method == "glsar":
        beta, cov, _ = glsar(X, Y)
        return (*_pick(beta, cov), stats.t.ppf(0.975, n - 1 - k))
    if method in ML_METHODS:
        beta, cov, _ = gls_profile(X, Y, method)
        return (*_pick(beta, cov), stats.norm.ppf(0.975))
    if method == "gls_overlap":
        beta, cov = gls_known(X, Y, overlap_correlation(n))
        return (*_pick(beta, cov), stats.t.ppf(0.975, n - k))
    if method == "nonoverlap":
        rows = design.nonoverlap_rows()
        Xs = design.matrix(rows)
        beta, cov = newey_west(Xs, Y[rows], 0)
        return (*_pick(beta, cov), stats.t.ppf(0.975, rows.size - k))
    raise ValueError(f"Unknown method {method!r}: valid are {', '.join(METHODS)}.")


def permutation_draws(design: Design, rng, error: str, rho: float, reps: int, n_controls: int,
                      chunk: int = 200, phi: float = 0.5):
    """Null draws for the permutation method: ``(est 2 x reps, se 2 x reps, control |t| 2 x reps x C)``."""
    X = design.matrix()
    ests, ses, ctrl = [], [], []
    done = 0
    while done < reps:
        m = min(chunk, reps - done)
        Y = simulate_errors(rng, design.n, m * (n_controls + 1), error, rho, phi)
        beta, cov = newey_west(X, Y, 2)
        est, se = _pick(beta, cov)
        est = est.reshape(2, m, n_controls + 1)
        se = se.reshape(2, m, n_controls + 1)
        ests.append(est[:, :, 0])
        ses.append(se[:, :, 0])
        ctrl.append(np.abs(est[:, :, 1:] / se[:, :, 1:]))
        done += m
    return np.concatenate(ests, 1), np.concatenate(ses, 1), np.concatenate(ctrl, 1)


def _power_excludes(est, se, crit, delta):
    """Share of draws whose interval excludes zero when the true effect is ``delta``."""
    return np.mean(np.abs(est + delta) > crit * se, axis=-1)


def _perm_excludes(est, se, ctrl_abs_t, delta, alpha=0.05):
    t = np.abs((est + delta) / se)
    p = (1 + (ctrl_abs_t >= t[..., None]).sum(axis=-1)) / (1 + ctrl_abs_t.shape[-1])
    return np.mean(p <= alpha, axis=-1)


#: effect grid (in error-SD units) on which power curves and minimal detectable effects are computed
DELTA_GRID: np.ndarray = np.round(np.arange(0.0, 12.0001, 0.05), 4)


@dataclass
class CoverageConfig:
    """Everything that determines the study (with the seed, the table is deterministic)."""

    designs: Sequence[Design]
    rho: float = 0.5
    phi: float = 0.5
    reps: int = 4000
    ml_reps: int = 2000
    perm_reps: int = 2000
    n_controls: int = 120
    seed: int = 20260528
    methods: Sequence[str] = field(default_factory=lambda: list(METHODS))
    errors: Sequence[str] = ERRORS
    power_effects: dict = field(default_factory=lambda: {"level": 2.0, "slope": 0.5})


def run_coverage(cfg: CoverageConfig) -> pd.DataFrame:
    """The coverage table: one row per design x error x method x target (see the module docstring).

    Columns: design, n, n_pre, n_post, break_year, post_rule, error, rho, method, target, reps,
    coverage, mc_se, mean_halfwidth (error-SD units), power (at ``power_effects``), mde80 (smallest
    effect on :data:`DELTA_GRID` with power >= 0.8, error-SD units; NaN if none).
    """
    rows = []
    for d_i, design in enumerate(cfg.designs):
        for e_i, error in enumerate(cfg.errors):
            seed = [cfg.seed, d_i, e_i]
            rng = np.random.default_rng(seed)
            Y = simulate_errors(rng, design.n, cfg.reps, error, cfg.rho, cfg.phi)
            for method in cfg.methods:
                if method == "permutation":
                    prng = np.random.default_rng(seed + [1])
                    est, se, ctrl = permutation_draws(design, prng, error, cfg.rho, cfg.perm_reps,
                                                      cfg.n_controls, phi=cfg.phi)
                    def excl(delta, est=est, se=se, ctrl=ctrl):
                        return _perm_excludes(est, se, ctrl, delta)
                    halfwidth = np.quantile(ctrl, 0.95, axis=-1) * se
                    reps = cfg.perm_reps
                else:
                    Ym = Y[:, : cfg.ml_reps] if method in ML_METHODS else Y
                    est, se, crit = apply_method(design, Ym, method)
                    crit = np.asarray(crit, dtype=float)
                    def excl(delta, est=est, se=se, crit=crit):
                        return _power_excludes(est, se, crit, delta)
                    halfwidth = crit * se
                    reps = Ym.shape[1]
                null = excl(0.0)
                curve = np.stack([excl(dl) for dl in DELTA_GRID], axis=-1)  # 2 x grid
                for t_i, target in enumerate(TARGETS):
                    cov_ = 1 - float(null[t_i])
                    ok = np.flatnonzero(curve[t_i] >= 0.8)
                    rows.append({
                        "design": design.name, "n": design.n, "n_pre": int((~design.post).sum()),
                        "n_post": int(design.post.sum()), "break_year": design.break_year,
                        "post_rule": design.post_rule, "error": error,
                        "rho": cfg.rho if error == "ar1" else np.nan,
                        "phi": cfg.phi if error == "ma2_ar1" else np.nan, "method": method,
                        "target": target, "reps": reps, "coverage": cov_,
                        "mc_se": float(np.sqrt(cov_ * (1 - cov_) / reps)),
                        "mean_halfwidth": float(np.mean(halfwidth[t_i])),
                        "power": float(excl(cfg.power_effects[target])[t_i]),
                        "mde80": float(DELTA_GRID[ok[0]]) if ok.size else np.nan,
                    })
    return pd.DataFrame(rows)


def choose_primary(table: pd.DataFrame, design: str, floor: float = 0.93, target: float = 0.95,
                   candidates: Sequence[str] | None = None) -> tuple[str, pd.DataFrame]:
    """The documented rule: worst-case coverage (level and slope, every error process) at least
    ``floor``; among those, the smallest worst-case distance from ``target``; ties go to the smaller
    mean ``mde80``. Returns the method and the ranking table."""
    sub = table[table["design"] == design]
    if candidates is not None:
        sub = sub[sub["method"].isin(candidates)]
    g = sub.groupby("method")
    rank = pd.DataFrame({
        "worst_coverage": g["coverage"].min(),
        "max_distance": g["coverage"].apply(lambda c: float(np.max(np.abs(c - target)))),
        "mean_mde80": g["mde80"].mean(),
    })
    rank["eligible"] = rank["worst_coverage"] >= floor
    rank = rank.sort_values(["eligible", "max_distance", "mean_mde80"], ascending=[False, True, True])
    if not rank["eligible"].any():
        raise ValueError(f"no method reaches {floor:.0%} coverage in every cell of design {design!r}")
    return str(rank.index[0]), rank


__all__ = [
    "DESCRIPTIONS", "ERRORS", "METHODS", "CoverageConfig", "Design", "apply_method", "choose_primary",
    "error_grid", "gls_known", "gls_profile", "glsar", "overlap_correlation", "run_coverage",
    "simulate_errors",
]
