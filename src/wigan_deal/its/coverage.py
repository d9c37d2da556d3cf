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
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from wigan_deal.its._series import check_slope_start
from wigan_deal.its.hac import fixed_b_critical_value, newey_west, newey_west_variances
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


def _is_ols_family(method: str) -> bool:
    return method == "ols" or method.startswith(("nw", "fixedb"))


def _ols_family(X: np.ndarray, Y: np.ndarray, methods: Sequence[str]) -> dict[str, tuple]:
    """``{method: (est, se, crit)}`` for OLS-family methods, all from one fit of ``Y`` on ``X``."""
    n, k = X.shape
    lags, crits, factors = {}, {}, {}
    for method in methods:
        if method == "ols":
            lags[method], crits[method], factors[method] = 0, stats.t.ppf(0.975, n - k), False
        elif method.startswith("nw"):
            lags[method] = int(method[2:].split("_")[0])
            crits[method], factors[method] = stats.t.ppf(0.975, n - k), not method.endswith("_nofactor")
        elif method.startswith("fixedb"):
            lag = max(1, int(round(float(method[6:]) * n)) - 1)
            lags[method], crits[method], factors[method] = lag, fixed_b_critical_value((lag + 1) / n), False
        else:
            raise ValueError(method)
    est, var = newey_west_variances(X, Y, TARGETS.values(), lags.values())
    out = {}
    for method, lag in lags.items():
        v = var[lag] * (n / (n - k)) if factors[method] and lag > 0 else var[lag]
        out[method] = (est, np.sqrt(np.clip(v, 0, None)), crits[method])
    return out


def _cholesky_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x`` with ``A x = b`` for every series at once: ``A`` k x k x m symmetric positive definite, ``b`` k x m.

    Cholesky with vector operations over the series (a batched LAPACK solve pays a call per k x k system)."""
    k = b.shape[0]
    L = [[None] * k for _ in range(k)]
    for j in range(k):
        L[j][j] = np.sqrt(A[j, j] - sum(L[j][p] ** 2 for p in range(j)))
        for i in range(j + 1, k):
            L[i][j] = (A[i, j] - sum(L[i][p] * L[j][p] for p in range(j))) / L[j][j]
    y: list = []
    for i in range(k):
        y.append((b[i] - sum(L[i][p] * y[p] for p in range(i))) / L[i][i])
    x: list = [None] * k
    for i in reversed(range(k)):
        x[i] = (y[i] - sum(L[p][i] * x[p] for p in range(i + 1, k))) / L[i][i]
    return np.stack(x)


def _allclose(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.allclose(a, b, rtol=1e-8, atol=1e-10)``: its formula directly for finite arrays (a third of its time;
    :func:`glsar` asks ~30 times per fit), numpy's own otherwise (infinities and NaN have their own rules)."""
    diff = np.abs(a - b)
    if np.isfinite(diff).all() and np.isfinite(b).all():
        return bool((diff <= 1e-10 + 1e-8 * np.abs(b)).all())
    return bool(np.allclose(a, b, rtol=1e-8, atol=1e-10))


def glsar(X: np.ndarray, Y: np.ndarray, maxiter: int = 50):
    """Vectorised ``GLSAR(y, X, rho=1).iterative_fit``: ``(beta k x m, cov m x k x k, rho m)``.

    The whitened normal equations ``Xw'Xw``, ``Xw'Yw`` (``Xw_t = x_t - rho x_{t-1}``) are quadratics in each
    series' ``rho`` whose coefficients are computed once."""
    n, k = X.shape
    beta = np.linalg.pinv(X) @ Y
    X1, X0, Y1, Y0 = X[1:], X[:-1], Y[1:], Y[:-1]
    xx = (X1.T @ X1, -(X1.T @ X0 + X0.T @ X1), X0.T @ X0)
    xy = (X1.T @ Y1, -(X0.T @ Y1 + X1.T @ Y0), X0.T @ Y0)

    def normal(rho):
        return sum(rho**p * xx[p][..., None] for p in range(3)), sum(rho**p * xy[p] for p in range(3))

    rho = np.zeros(Y.shape[1])
    for _ in range(maxiter):
        r = Y - X @ beta
        rc = r - r.mean(axis=0)
        # statsmodels yule_walker(method="adjusted"): r1 / r0 with denominators n-1 and n
        rho = (rc[1:] * rc[:-1]).sum(axis=0) / (n - 1) / ((rc**2).sum(axis=0) / n)
        new = _cholesky_solve(*normal(rho))
        done = _allclose(new, beta)
        beta = new
        if done:
            break
    r = Y - X @ beta
    resid = r[1:] - rho * r[:-1]
    s2 = (resid**2).sum(axis=0) / (n - 1 - k)
    return beta, s2[:, None, None] * np.linalg.inv(normal(rho)[0].transpose(2, 0, 1)), rho


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


def _gls_fit(L: np.ndarray, X: np.ndarray, Y: np.ndarray):
    """GLS of every column of ``Y`` with error correlation ``L L'``: ``(beta k x m, rss m, (Xw'Xw)^-1)``."""
    Xw = np.linalg.solve(L, X)
    Yw = np.linalg.solve(L, Y)
    xtx_inv = np.linalg.inv(Xw.T @ Xw)
    b = xtx_inv @ Xw.T @ Yw
    return b, ((Yw - Xw @ b) ** 2).sum(axis=0), xtx_inv


@lru_cache(maxsize=8)
def _grid_factors(kind: str, n: int):
    """``(grid indices kept, R, Cholesky factors, log det R)`` of the grid's error correlations at length ``n``
    (grid points whose matrix is not positive definite are left out); shared, read-only."""
    keep, Rs, chol, logdet = [], [], [], []
    for g, par in enumerate(error_grid(kind)):
        R = _ar1_acov(par[0], n) if kind == "ml_ar1" else _ma2_acov(par[0], par[1], n)
        try:
            L = np.linalg.cholesky(R)
        except np.linalg.LinAlgError:
            continue
        keep.append(g)
        Rs.append(R)
        chol.append(L)
        logdet.append(2 * np.log(np.diag(L)).sum())
    arrays = [np.array(a).reshape(len(keep), *np.shape(a)[1:]) for a in (Rs, chol, logdet)]
    for a in arrays:
        a.setflags(write=False)
    return tuple(keep), *arrays


def gls_profile(X: np.ndarray, Y: np.ndarray, kind: str, chunk: int = 64):
    """Exact Gaussian ML over the error-parameter grid: ``(beta, cov, best grid index)`` per series.

    The profile likelihood of every grid point for every series at once: the GLS residual sum of squares
    is ``z'(N'RN)^-1 z`` with ``N`` an orthonormal basis of the complement of ``X`` and ``z = N'y`` (the
    REML identity), one matrix product per chunk of grid points. The first best grid point wins (as a
    loop over the grid with ``>``); each series' beta and covariance are then fitted at its point."""
    n, k = X.shape
    m = Y.shape[1]
    keep, R, chol, logdet = _grid_factors(kind, n)
    beta = np.zeros((k, m))
    cov = np.zeros((m, k, k))
    where = np.zeros(m, dtype=int)
    if not keep:
        return beta, cov, where
    N = np.linalg.qr(X, mode="complete")[0][:, k:]
    z = N.T @ Y
    Kinv_half = np.linalg.inv(np.linalg.cholesky(N.T @ R @ N))  # rss = |Kinv_half z|^2
    ll = np.empty((len(keep), m))
    for lo in range(0, len(keep), chunk):
        w = Kinv_half[lo:lo + chunk] @ z  # one thin product per grid point (single-threaded BLAS)
        rss = (w**2).sum(axis=1)
        ll[lo:lo + chunk] = -0.5 * n * np.log(rss / n) - 0.5 * logdet[lo:lo + chunk, None]
    best = np.argmax(np.where(np.isnan(ll), -np.inf, ll), axis=0)
    for i in np.unique(best):
        cols = best == i
        b, rss, xtx_inv = _gls_fit(chol[i], X, Y[:, cols])
        beta[:, cols] = b
        cov[cols] = (rss / n)[:, None, None] * xtx_inv[None]
        where[cols] = keep[i]
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
    if _is_ols_family(method):
        return _ols_family(X, Y, [method])[method]
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
    factor = X.shape[0] / (X.shape[0] - X.shape[1])  # Newey-West's small-sample factor
    ests, ses, ctrl = [], [], []
    done = 0
    while done < reps:
        m = min(chunk, reps - done)
        Y = simulate_errors(rng, design.n, m * (n_controls + 1), error, rho, phi)
        est, var = newey_west_variances(X, Y, TARGETS.values(), [2])
        se = np.sqrt(np.clip(var[2] * factor, 0, None))
        est = est.reshape(2, m, n_controls + 1)
        se = se.reshape(2, m, n_controls + 1)
        ests.append(est[:, :, 0])
        ses.append(se[:, :, 0])
        ctrl.append(np.abs(est[:, :, 1:] / se[:, :, 1:]))
        done += m
    return np.concatenate(ests, 1), np.concatenate(ses, 1), np.concatenate(ctrl, 1)


def _first_true(pred, start: np.ndarray, size: int) -> np.ndarray:
    """Per draw, the first index ``j`` in ``0..size`` with ``pred(j)`` true (``size`` if none), for a ``pred``
    false then true along the index, searched from the guess ``start``; exact: each answer is checked."""
    def holds(j):
        return pred(np.minimum(j, size - 1)) | (j >= size)

    j = start.copy()
    for _ in range(3):  # the guess is at most an index or two off (rounding)
        j = np.where(holds(j), j, j + 1)
        j = np.where((j > 0) & holds(j - 1), j - 1, j)
    bad = ~holds(j) | ((j > 0) & holds(j - 1))
    if bad.any():  # not seen in practice: count along the whole index for those draws
        j[bad] = (~np.stack([pred(np.full(j.shape, i)) for i in range(size)], -1)).sum(-1)[bad]
    return j


def _power_curve(est, se, crit, deltas):
    """Share of draws whose interval excludes zero at each true effect in ``deltas``: ``2 x len(deltas)``.

    Exactly ``mean(|est + d| > crit * se)`` for each ``d``, counted without a draws x effects array:
    ``est + d`` rises with ``d`` (rounding included), so each draw's interval excludes zero for the effects
    above one index of the sorted effects (``est + d > bound``) and below another (``est + d < -bound``)."""
    deltas = np.asarray(deltas, dtype=float)
    order = np.argsort(deltas, kind="stable")
    grid = deltas[order]
    g, m = grid.size, est.shape[-1]
    bound = np.broadcast_to(np.asarray(crit * se, dtype=float), est.shape)
    if (bound < 0).any():
        raise ValueError("_power_curve: crit * se must be >= 0 (a critical value times a standard error).")
    above = _first_true(lambda j: est + grid[j] > bound, np.searchsorted(grid, bound - est, "right"), g)
    below = _first_true(lambda j: ~(est + grid[j] < -bound), np.searchsorted(grid, -bound - est, "left"), g)
    counts = np.empty((*est.shape[:-1], g), dtype=np.int64)
    for idx in np.ndindex(est.shape[:-1]):
        n_above = np.cumsum(np.bincount(above[idx], minlength=g + 1))[:g]
        n_below = m - np.cumsum(np.bincount(below[idx], minlength=g + 1))[:g]
        counts[idx] = n_above + n_below
    out = np.empty_like(counts, dtype=float)
    out[..., order] = counts / m
    return out


def _perm_thresholds(ctrl_abs_t, alpha=0.05):
    """Per draw, the control |t| a treated |t| must exceed for ``p <= alpha``, or ``None`` if no count can.

    ``p = (1 + #{controls >= t}) / (1 + C) <= alpha`` iff the count is at most ``kmax`` (the largest count with
    that p, same arithmetic), iff ``t`` exceeds the ``kmax + 1``-th largest control: the test without a count."""
    c = ctrl_abs_t.shape[-1]
    kmax = int(np.sum((1 + np.arange(c + 1)) / (1 + c) <= alpha)) - 1  # p rises with the count
    if kmax < 0:
        return None
    return np.partition(ctrl_abs_t, c - 1 - kmax, axis=-1)[..., c - 1 - kmax]


def _perm_curve(est, se, thresholds, deltas):
    """Share of draws whose permutation test rejects at each true effect in ``deltas``: ``2 x len(deltas)``."""
    if thresholds is None:
        return np.zeros((*est.shape[:-1], len(deltas)))
    t = np.abs((est[..., None] + np.asarray(deltas, dtype=float)) / se[..., None])
    return np.mean(~(thresholds[..., None] >= t), axis=-2)  # a NaN t rejects, as a zero count does


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
    effects = [cfg.power_effects[t] for t in TARGETS]
    deltas = np.concatenate([[0.0], effects, DELTA_GRID])  # zero (coverage), power effects, the grid
    for d_i, design in enumerate(cfg.designs):
        for e_i, error in enumerate(cfg.errors):
            seed = [cfg.seed, d_i, e_i]
            rng = np.random.default_rng(seed)
            Y = simulate_errors(rng, design.n, cfg.reps, error, cfg.rho, cfg.phi)
            ols = _ols_family(design.matrix(), Y, [m for m in cfg.methods if _is_ols_family(m)])
            for method in cfg.methods:
                if method == "permutation":
                    prng = np.random.default_rng(seed + [1])
                    est, se, ctrl = permutation_draws(design, prng, error, cfg.rho, cfg.perm_reps,
                                                      cfg.n_controls, phi=cfg.phi)
                    curves = _perm_curve(est, se, _perm_thresholds(ctrl), deltas)
                    halfwidth = np.quantile(ctrl, 0.95, axis=-1) * se
                    reps = cfg.perm_reps
                else:
                    Ym = Y[:, : cfg.ml_reps] if method in ML_METHODS else Y
                    est, se, crit = ols[method] if method in ols else apply_method(design, Ym, method)
                    crit = np.asarray(crit, dtype=float)
                    curves = _power_curve(est, se, crit, deltas)
                    halfwidth = crit * se
                    reps = Ym.shape[1]
                null, power, curve = curves[:, 0], curves[:, 1:1 + len(effects)], curves[:, 1 + len(effects):]
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
                        "power": float(power[t_i, t_i]),
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
