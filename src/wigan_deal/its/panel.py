"""Comparative estimators on a wide panel (periods x units) that know nothing of councils.

Every estimator compares one treated unit with a comparison built from a *universe* of other units
and takes its interval from the same comparative statistic computed for every universe unit in turn
as a placebo (placebo-in-space), so the interval answers "did the treated unit change more than its
comparison did?" - national changes cancel. Candidates (names used in the coverage tables):

* ``poolmean_raw`` / ``poolmean_t`` - segmented OLS (level and slope change, ``slope_start`` 0) of
  (treated - mean of the pool); placebo j: (j - mean of the pool without j); interval by inverting
  the raw statistic (``estimate +/- q``, q the ``ceil((1-alpha)(C+1))``-th smallest placebo |stat|)
  or the studentised one (Newey-West(2) t, ``estimate +/- q_t se``).
* ``england_raw`` / ``england_t`` - the same on (treated - a reference series, e.g. England).
* ``sc_raw`` - synthetic control (outcome-path weights on the simplex, fitted on the pre-period);
  the segmented level/slope change of the gap; placebo j uses every other universe unit (the
  treated one included) as donors; raw inversion.
* ``sdid`` - synthetic difference-in-differences (Arkhangelsky et al. 2021): unit weights with
  intercept and ridge ``zeta^2 = sqrt(T_post) sigma^2`` (sigma = SD of first differences of the
  controls' pre-period outcomes), time weights with intercept (ridge ``1e-6 sigma``); estimand the
  average post-period difference; interval ``tau +/- z sqrt(V)`` with V the placebo variance of
  Algorithm 4 for one treated unit (every control in turn as placebo-treated).
* ``conformal_sc`` - Chernozhukov, Wuthrich & Zhu (2021): under H0 (a constant post-period effect
  theta) the synthetic control is refitted on all periods, residuals are permuted by moving blocks
  (the T cyclic shifts) and S = sum |post residuals| / sqrt(T_post); p(theta) has a floor of 1/T,
  so for T <= 1/alpha no 1 - alpha interval is bounded (reported as such, never hidden).

One weight matrix (every universe unit against every other) serves every placebo and every injected
effect in the coverage study (:mod:`wigan_deal.its.panel_study`): weights are fitted on the
pre-period only, so an effect injected after the break into unit c moves its own statistic by the
effect and every other placebo's by ``-w_jc x effect``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wigan_deal import fmt
from wigan_deal.its.hac import newey_west

TARGETS: tuple[str, ...] = ("level", "slope")
#: candidate -> (family, estimand phrase, inversion) ; family decides the comparison
CANDIDATES: dict[str, tuple[str, str, str]] = {
    "poolmean_raw": ("poolmean", "segmented", "raw"),
    "poolmean_t": ("poolmean", "segmented", "studentised"),
    "england_raw": ("reference", "segmented", "raw"),
    "england_t": ("reference", "segmented", "studentised"),
    "sc_raw": ("sc", "segmented", "raw"),
    "sdid": ("sdid", "average", "placebo variance"),
    "conformal_sc": ("conformal", "average", "moving-block conformal"),
}
DESCRIPTIONS: dict[str, str] = {
    "poolmean_raw": "difference from the pool mean, segmented OLS, placebo-in-space inversion of the raw change",
    "poolmean_t": "difference from the pool mean, segmented OLS, placebo-in-space inversion of the Newey-West(2) t",
    "england_raw": "difference from England, segmented OLS, placebo-in-space inversion of the raw change",
    "england_t": "difference from England, segmented OLS, placebo-in-space inversion of the Newey-West(2) t",
    "sc_raw": "synthetic control gap (outcome-path weights), segmented OLS, placebo inversion of the raw change",
    "sdid": "synthetic difference-in-differences, average post-period effect, placebo variance (Algorithm 4)",
    "conformal_sc": "synthetic control, moving-block conformal inference (CWZ 2021), constant post effect",
}
#: one-sided normal quantile for 95% two-sided intervals
Z975 = 1.959963984540054


# --- designs ---------------------------------------------------------------------------------------


def segmented_matrix(t: np.ndarray, post: np.ndarray, slope_start: int = 0) -> np.ndarray:
    """Columns Intercept, time_c, post (level change), time_since_break (slope change; 0 + slope_start
    at the first post period). With two periods only (before/after) the design is Intercept, post."""
    t = np.asarray(t, float)
    post = np.asarray(post, bool)
    if post.all() or not post.any():
        raise ValueError(f"post={post.tolist()}: the design needs at least one pre and one post period.")
    t0 = t[np.argmax(post)]
    if t.size == 2:
        return np.column_stack([np.ones(2), post.astype(float)])
    return np.column_stack([np.ones(t.size), t - t0, post.astype(float),
                            np.where(post, t - t0 + slope_start, 0.0)])


def target_columns(X: np.ndarray) -> dict[str, int]:
    """Which design columns hold the targets (level, slope; level only for a before/after design)."""
    return {"level": 1} if X.shape[1] == 2 else {"level": 2, "slope": 3}


def target_coefficients(X: np.ndarray, Y: np.ndarray, lags: int | None):
    """(estimates targets x m, se targets x m or None) of the target columns for every column of Y
    (Newey-West with ``lags`` and the n/(n-k) factor; ``lags=None``: no standard errors)."""
    cols = list(target_columns(X).values())
    if lags is None or X.shape[0] <= X.shape[1]:
        beta = np.linalg.pinv(X) @ Y
        return beta[cols], None
    beta, cov = newey_west(X, Y, lags)
    se = np.sqrt(np.stack([cov[:, i, i] for i in cols]))
    return beta[cols], se


def order_quantile(abs_stats: np.ndarray, alpha: float, axis: int = -1) -> np.ndarray:
    """The ``ceil((1 - alpha)(C + 1))``-th smallest of C placebo |statistics| (the largest if that
    rank exceeds C), along ``axis``; NaNs (the unit itself) are ignored."""
    s = np.sort(abs_stats, axis=axis)  # NaN sort last
    c = np.sum(~np.isnan(abs_stats), axis=axis, keepdims=True)
    k = np.minimum(np.ceil((1 - alpha) * (c + 1)).astype(int), c) - 1
    return np.take_along_axis(s, k, axis=axis).squeeze(axis)


# --- simplex-constrained least squares for many targets at once ----------------------------------


def _project_simplex(V: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Euclidean projection of every column of V onto the simplex of its allowed entries."""
    big = np.where(allowed, V, -1e30)
    U = -np.sort(-big, axis=0)
    css = np.cumsum(np.where(U > -1e29, U, 0.0), axis=0) - 1.0
    k = np.arange(1, V.shape[0] + 1)[:, None]
    cond = (U - css / k > 0) & (U > -1e29)
    rho = V.shape[0] - 1 - np.argmax(cond[::-1], axis=0)
    theta = css[rho, np.arange(V.shape[1])] / (rho + 1)
    return np.where(allowed, np.maximum(V - theta, 0.0), 0.0)


def simplex_weights(A: np.ndarray, B: np.ndarray, allowed: np.ndarray, ridge: float | np.ndarray = 0.0,
                    intercept: bool = False, iters: int = 3000, tol: float = 1e-10) -> np.ndarray:
    """Weights W (J x m): column f minimises ``||c + A w - b_f||^2 + ridge ||w||^2`` over the simplex
    of the entries ``allowed[:, f]`` (``c`` a free intercept if ``intercept``, else 0).

    Accelerated projected gradient (FISTA), all targets at once; ``A`` is rows x J, ``B`` rows x m.
    """
    A = np.asarray(A, float)
    B = np.asarray(B, float)
    # weights sum to one, so a constant per row may be removed from A and B alike (conditioning)
    shift = A.mean(1, keepdims=True)
    A, B = A - shift, B - shift
    if intercept:
        A = A - A.mean(0)
        B = B - B.mean(0)
    ridge = np.broadcast_to(np.asarray(ridge, float), (B.shape[1],))
    L = 2 * (np.linalg.norm(A, 2) ** 2 + ridge.max()) + 1e-12
    W = _project_simplex(np.ones((A.shape[1], B.shape[1])), allowed)
    Z, t_k = W.copy(), 1.0
    AtA, AtB = A.T @ A, A.T @ B
    for _ in range(iters):
        grad = 2 * (AtA @ Z - AtB + ridge * Z)
        W_new = _project_simplex(Z - grad / L, allowed)
        t_new = (1 + np.sqrt(1 + 4 * t_k**2)) / 2
        Z = W_new + ((t_k - 1) / t_new) * (W_new - W)
        done = np.max(np.abs(W_new - W)) < tol
        W, t_k = W_new, t_new
        if done:
            break
    return W


def leave_one_out_weights(Y_pre: np.ndarray, iters: int = 3000) -> np.ndarray:
    """Synthetic-control weights (N x N, zero diagonal): column j reproduces unit j's pre-period
    path from every other unit."""
    n = Y_pre.shape[1]
    return simplex_weights(Y_pre, Y_pre, ~np.eye(n, dtype=bool), iters=iters)


def sdid_noise(Y_pre: np.ndarray) -> float:
    """sigma of Arkhangelsky et al.: SD of the first differences of the pre-period outcomes."""
    return float(np.std(np.diff(Y_pre, axis=0), ddof=1))


def sdid_noise_without_each(Y_pre: np.ndarray) -> np.ndarray:
    """sigma for every unit j as the treated one: :func:`sdid_noise` of the other units (its controls)."""
    D = np.diff(np.asarray(Y_pre, float), axis=0)
    D = D - D.mean()  # conditioning only: a variance ignores a common shift
    n = D.shape[0] * (D.shape[1] - 1)
    s = D.sum() - D.sum(0)
    q = (D**2).sum() - (D**2).sum(0)
    return np.sqrt((q - s**2 / n) / (n - 1))


def sdid_weights(Y: np.ndarray, post: np.ndarray, iters: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """SDID unit weights Omega (N x N, column j: controls = every other unit) and time weights
    Lambda (T0 x N) for every unit of the panel ``Y`` (periods x units) as the treated one."""
    post = np.asarray(post, bool)
    pre_Y, post_mean = Y[~post], Y[post].mean(0)
    n = Y.shape[1]
    allowed = ~np.eye(n, dtype=bool)
    sigma = sdid_noise_without_each(pre_Y)  # per treated unit: from its controls only
    zeta2 = np.sqrt(post.sum()) * sigma**2
    omega = simplex_weights(pre_Y, pre_Y, allowed, ridge=pre_Y.shape[0] * zeta2, intercept=True,
                            iters=iters)
    # time weights: regress the controls' post mean on their pre periods, controls = every unit but j
    lam = _time_weights(pre_Y.T, post_mean, allowed, ridge=(n - 1) * (1e-6 * sigma) ** 2, iters=iters)
    return omega, lam


def _time_weights(A: np.ndarray, b: np.ndarray, rows: np.ndarray, ridge: float | np.ndarray,
                  iters: int) -> np.ndarray:
    """Time weights (T0 x m) with intercept, fit f using the units ``rows[:, f]`` (FISTA); ``ridge``
    a scalar or one per fit."""
    m = rows.shape[1]
    ridge = np.broadcast_to(np.asarray(ridge, float), (m,))
    shift = A.mean(1, keepdims=True)  # weights sum to one: a constant per unit may be removed
    A, b = A - shift, b - shift[:, 0]
    A, b = A - A.mean(0), b - b.mean()  # the intercept: masked centring below, global here
    R = rows.astype(float)
    cnt = R.sum(0)
    L = 2 * (np.linalg.norm(A, 2) ** 2 + ridge.max()) + 1e-12
    allowed = np.ones((A.shape[1], m), bool)
    Lam = np.full((A.shape[1], m), 1.0 / A.shape[1])
    Z, t_k = Lam.copy(), 1.0
    for _ in range(iters):
        r = A @ Z - b[:, None]
        r = R * (r - (R * r).sum(0) / cnt)
        grad = 2 * (A.T @ r + ridge * Z)
        new = _project_simplex(Z - grad / L, allowed)
        t_new = (1 + np.sqrt(1 + 4 * t_k**2)) / 2
        Z = new + ((t_k - 1) / t_new) * (new - Lam)
        done = np.max(np.abs(new - Lam)) < 1e-10
        Lam, t_k = new, t_new
        if done:
            break
    return Lam


def sdid_estimates(Y: np.ndarray, post: np.ndarray, omega: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """tau_j for every unit j as the treated one (its own weights column)."""
    post = np.asarray(post, bool)
    delta = Y[post].mean(0)
    P = Y[~post].T @ lam  # P[i, j] = lambda_j . Y_i,pre
    own = delta - np.diag(P)
    return own - ((delta[:, None] - P) * omega).sum(0)


# --- the result object ------------------------------------------------------------------------------


@dataclass
class ComparativeResult:
    """One candidate's comparative estimate for one treated unit, with its placebo distribution."""

    method: str
    treated: str
    comparison: str
    estimates: dict[str, dict[str, float]]  # target -> estimate, lower, upper, p_value, n_placebos
    placebos: pd.DataFrame = field(repr=False)  # unit x target statistics
    alpha: float = 0.05
    note: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # target -> phrase overriding the default

    def estimand(self, target: str) -> str:
        what = self.labels.get(target) or {"level": "level change", "slope": "slope change",
                                           "average": "average post-break difference"}[target]
        return f"{self.treated} minus {self.comparison}: {what}"

    def to_frame(self) -> pd.DataFrame:
        rows = [{"estimand": self.estimand(t), "target": t, **d} for t, d in self.estimates.items()]
        return pd.DataFrame(rows)

    def effect_summary(self, unit: str = "") -> tuple[pd.DataFrame, str]:
        """(table, text); the text names the estimand and the inference."""
        u = f" {unit}" if unit else ""
        parts = []
        for t, d in self.estimates.items():
            per = " per year" if t == "slope" else ""
            if np.isfinite(d["lower"]) and np.isfinite(d["upper"]):
                ci = f"{fmt.number(d['lower'], 2, signed=True)} to {fmt.number(d['upper'], 2, signed=True)}"
                verdict = "excludes zero" if d["lower"] > 0 or d["upper"] < 0 else "includes zero"
            else:
                ci, verdict = "unbounded", "is not bounded"
            parts.append(f"{self.estimand(t)} {fmt.number(d['estimate'], 2, signed=True)}{u}{per} ({fmt.percent(100 * (1 - self.alpha), 0)} "
                         f"interval {ci}, {fmt.p_text(d['p_value'])}; the interval {verdict})")
        method = DESCRIPTIONS[self.method]
        if "before/after" in "".join(self.labels.values()):
            method = method.replace("segmented OLS", "before/after change")
        text = "; ".join(parts) + f". Method: {method}"
        n = next(iter(self.estimates.values()))["n_placebos"]
        text += f", {n} placebo units." + (f" {self.note}" if self.note else "")
        return self.to_frame(), text


# --- estimators -------------------------------------------------------------------------------------


def _invert(est: np.ndarray, plac: np.ndarray, alpha: float, se=None, se_plac=None):
    """Interval and two-sided p from placebo statistics (targets x C); studentised if se given."""
    if se is None:
        stat, ctrl, scale = est, plac, 1.0
    else:
        stat, ctrl, scale = est / se, plac / se_plac, se
    q = order_quantile(np.abs(ctrl), alpha)
    p = (1 + np.sum(np.abs(ctrl) >= np.abs(stat)[:, None], axis=1)) / (1 + ctrl.shape[1])
    return est - q * scale, est + q * scale, p


def _pack(targets, est, lo, hi, p, n) -> dict[str, dict[str, float]]:
    return {t: {"estimate": float(est[i]), "lower": float(lo[i]), "upper": float(hi[i]),
                "p_value": float(p[i]), "n_placebos": int(n)} for i, t in enumerate(targets)}


def poolmean(y: np.ndarray, pool: np.ndarray, X: np.ndarray, studentised: bool = False,
             alpha: float = 0.05, names=None, treated: str = "treated",
             comparison: str = "the pool average", lags: int = 2) -> ComparativeResult:
    """Treated minus the pool mean; placebo j = pool unit j minus the mean of the other pool units."""
    n = pool.shape[1]
    d = y - pool.mean(1)
    D = (n * pool - pool.sum(1, keepdims=True)) / (n - 1)
    est, se = target_coefficients(X, d[:, None], lags if studentised else None)
    pl, se_pl = target_coefficients(X, D, lags if studentised else None)
    lo, hi, p = _invert(est[:, 0], pl, alpha, None if se is None else se[:, 0], se_pl)
    targets = list(target_columns(X))
    names = list(range(n)) if names is None else list(names)
    frame = pd.DataFrame(pl.T, index=names, columns=targets)
    return ComparativeResult("poolmean_t" if studentised else "poolmean_raw", treated, comparison,
                             _pack(targets, est[:, 0], lo, hi, p, n), frame, alpha)


def versus_reference(y: np.ndarray, ref: np.ndarray, pool: np.ndarray, X: np.ndarray,
                     studentised: bool = False, alpha: float = 0.05, names=None,
                     treated: str = "treated", comparison: str = "England",
                     lags: int = 2) -> ComparativeResult:
    """Treated minus a reference series (England); placebo j = pool unit j minus the reference."""
    est, se = target_coefficients(X, (y - ref)[:, None], lags if studentised else None)
    pl, se_pl = target_coefficients(X, pool - ref[:, None], lags if studentised else None)
    lo, hi, p = _invert(est[:, 0], pl, alpha, None if se is None else se[:, 0], se_pl)
    targets = list(target_columns(X))
    names = list(range(pool.shape[1])) if names is None else list(names)
    return ComparativeResult("england_t" if studentised else "england_raw", treated, comparison,
                             _pack(targets, est[:, 0], lo, hi, p, pool.shape[1]),
                             pd.DataFrame(pl.T, index=names, columns=targets), alpha)


def synthetic_control(y: np.ndarray, pool: np.ndarray, X: np.ndarray, post: np.ndarray,
                      alpha: float = 0.05, names=None, treated: str = "treated",
                      comparison: str = "its synthetic control", weights: np.ndarray | None = None
                      ) -> ComparativeResult:
    """Segmented level/slope change of the synthetic-control gap, placebo (raw) inversion.

    The universe is ``[y, pool]``; ``weights`` (optional) is its leave-one-out weight matrix.
    """
    U = np.column_stack([y, pool])
    W = leave_one_out_weights(U[~np.asarray(post, bool)]) if weights is None else weights
    gaps = U - U @ W
    est, _ = target_coefficients(X, gaps, None)
    lo, hi, p = _invert(est[:, 0], est[:, 1:], alpha)
    targets = list(target_columns(X))
    names = list(range(pool.shape[1])) if names is None else list(names)
    return ComparativeResult("sc_raw", treated, comparison, _pack(targets, est[:, 0], lo, hi, p,
                                                                    pool.shape[1]),
                             pd.DataFrame(est[:, 1:].T, index=names, columns=targets), alpha,
                             note="Placebo units use every other unit (the treated one included) as donors.")


def sdid(y: np.ndarray, pool: np.ndarray, post: np.ndarray, alpha: float = 0.05, names=None,
         treated: str = "treated", comparison: str = "its synthetic DiD comparison",
         weights: tuple[np.ndarray, np.ndarray] | None = None) -> ComparativeResult:
    """Synthetic difference-in-differences, interval ``tau +/- z sqrt(V_placebo)``."""
    U = np.column_stack([y, pool])
    omega, lam = sdid_weights(U, post) if weights is None else weights
    tau = sdid_estimates(U, post, omega, lam)
    plac = tau[1:]
    se = float(np.sqrt(np.mean((plac - plac.mean()) ** 2)))
    z = float(np.abs(_norm_ppf(1 - alpha / 2)))
    p = float(2 * (1 - _norm_cdf(abs(tau[0]) / se)))
    names = list(range(pool.shape[1])) if names is None else list(names)
    return ComparativeResult("sdid", treated, comparison,
                             {"average": {"estimate": float(tau[0]), "lower": tau[0] - z * se,
                                          "upper": tau[0] + z * se, "p_value": p,
                                          "n_placebos": pool.shape[1]}},
                             pd.DataFrame({"average": plac}, index=names), alpha,
                             note="Placebo fits use every other unit (the treated one included) as controls.")


def _norm_cdf(x: float) -> float:
    from math import erf, sqrt

    return 0.5 * (1 + erf(x / sqrt(2)))


def _norm_ppf(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def conformal_pvalues(y: np.ndarray, pool: np.ndarray, post: np.ndarray, thetas: np.ndarray,
                      iters: int = 3000) -> np.ndarray:
    """CWZ (2021) moving-block p-values of H0: constant post-period effect theta, for each theta.

    Under H0 the synthetic control is refitted on all periods with the treated post values minus
    theta; S(u) = sum of |post residuals| / sqrt(T_post); p = share of the T cyclic shifts of the
    residuals whose S is at least the observed one (so p >= 1/T).
    """
    post = np.asarray(post, bool)
    thetas = np.atleast_1d(np.asarray(thetas, float))
    B = y[:, None] - np.outer(post, thetas)
    W = simplex_weights(pool, B, np.ones((pool.shape[1], thetas.size), bool), iters=iters)
    U = B - pool @ W  # T x m residuals
    T, tp = post.size, post.sum()
    stats = np.stack([np.abs(np.roll(U, -s, axis=0)[post]).sum(0) / np.sqrt(tp) for s in range(T)])
    return (stats >= stats[0] - 1e-12).mean(0)


def conformal_sc(y: np.ndarray, pool: np.ndarray, post: np.ndarray, alpha: float = 0.05,
                 thetas: np.ndarray | None = None, treated: str = "treated",
                 comparison: str = "its synthetic control") -> ComparativeResult:
    """Conformal interval (test inversion over ``thetas``) for a constant post-period effect; the point
    estimate is the grid value with the largest p-value (a Hodges-Lehmann-type estimate)."""
    post = np.asarray(post, bool)
    if thetas is None:
        spread = float(np.std(y - pool.mean(1))) * 6 + 1e-9
        thetas = np.linspace(-spread, spread, 121)
    p = conformal_pvalues(y, pool, post, thetas)
    kept = thetas[p > alpha]
    p0 = float(conformal_pvalues(y, pool, post, np.array([0.0]))[0])
    best = float(thetas[np.argmax(p)])
    floor = 1.0 / post.size
    if floor > alpha:
        lo, hi = -np.inf, np.inf
        note = (f"With T = {post.size} periods the smallest attainable p-value is 1/T = {fmt.number(floor, 3)} > "
                f"alpha = {alpha}: no {fmt.percent(100 * (1 - alpha), 0)} interval is bounded.")
    elif kept.size == 0:
        lo = hi = np.nan
        note = "Every theta on the grid is rejected."
    else:
        lo, hi = float(kept.min()), float(kept.max())
        note = ("The interval hits the grid edge." if lo == thetas.min() or hi == thetas.max() else "")
    return ComparativeResult("conformal_sc", treated, comparison,
                             {"average": {"estimate": best, "lower": lo, "upper": hi, "p_value": p0,
                                          "n_placebos": post.size}},
                             pd.DataFrame({"theta": thetas, "p_value": p}), alpha, note=note)


__all__ = [
    "CANDIDATES",
    "DESCRIPTIONS",
    "TARGETS",
    "ComparativeResult",
    "conformal_pvalues",
    "conformal_sc",
    "leave_one_out_weights",
    "order_quantile",
    "poolmean",
    "sdid",
    "sdid_estimates",
    "sdid_weights",
    "segmented_matrix",
    "simplex_weights",
    "synthetic_control",
    "target_coefficients",
    "target_columns",
    "versus_reference",
]
