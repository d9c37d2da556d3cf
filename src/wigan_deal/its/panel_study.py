"""Injected-effect coverage study of the comparative estimators (:mod:`wigan_deal.its.panel`) on a
real (or simulated) panel: every unit in turn is the pseudo-treated one, a known effect is added
after the break, and each candidate's interval is checked against it.

Vectorised: for each candidate the statistics of every unit as treated (``est0``) and of every
other unit as its placebo (``plac0[c, j]``) are computed once without any effect. Weights are fitted
on the pre-period, so adding an effect path e(t) to the post-period of unit c moves c's statistic by
``g = response(e)`` and placebo j's by ``-a[c, j] g`` (``a`` = weight of c in j's comparison: 0 for
the pool mean without c and for England, the SC / SDID unit weight otherwise). For SDID the time
weights of the placebo fits are held at their no-effect values (they use the controls' post means,
which the injected unit moves by ~1/N): the only approximation, stated in the tables' notes.

The conformal candidate needs no simulation here: its p-value is at least 1/T, so with T periods
and 1/T > alpha its interval is the whole line for every unit (coverage 1, width infinite, power 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wigan_deal.its import panel as pn

#: (z_0.975 + z_0.80): an effect this many standard deviations of the comparative statistic
#: across units is the 80%-power minimal detectable effect of a normal two-sided 5% test
MDE_FACTOR = 1.959963984540054 + 0.8416212335729143


@dataclass
class Stats:
    """One candidate's no-effect statistics: est0 (targets x N), plac0 (targets x N x N, NaN diagonal),
    contamination a (N x N), optional se (targets x N) and placebo se (targets x N x N)."""

    targets: tuple[str, ...]
    est0: np.ndarray
    plac0: np.ndarray
    a: np.ndarray
    inversion: str  # raw | studentised | variance | conformal
    se: np.ndarray | None = None
    se_plac: np.ndarray | None = None


def _nan_diag(P: np.ndarray) -> np.ndarray:
    P = P.copy()
    idx = np.arange(P.shape[-1])
    P[..., idx, idx] = np.nan
    return P


def poolmean_stats(Y: np.ndarray, X: np.ndarray, studentised: bool, lags: int = 2) -> Stats:
    """Unit c minus the mean of the others; placebo j minus the mean of the units other than j, c."""
    n_t, N = Y.shape
    targets = tuple(pn.target_columns(X))
    S = Y.sum(1, keepdims=True)
    D = (N * Y - S) / (N - 1)
    est, se = pn.target_coefficients(X, D, lags if studentised else None)
    # placebo j when c is treated: Y_j - (S - Y_c - Y_j) / (N - 2), as an n x (N*N) block [c, j]
    E = (Y[:, None, :] - (S[:, :, None] - Y[:, :, None] - Y[:, None, :]) / (N - 2)).reshape(n_t, N * N)
    pl, se_pl = pn.target_coefficients(X, E, lags if studentised else None)
    pl = _nan_diag(pl.reshape(len(targets), N, N))
    se_pl = None if se_pl is None else se_pl.reshape(len(targets), N, N)
    return Stats(targets, est, pl, np.zeros((N, N)), "studentised" if studentised else "raw", se, se_pl)


def reference_stats(Y: np.ndarray, ref: np.ndarray, X: np.ndarray, studentised: bool,
                    lags: int = 2) -> Stats:
    """Unit minus the reference series; placebos the other units minus the reference."""
    N = Y.shape[1]
    targets = tuple(pn.target_columns(X))
    est, se = pn.target_coefficients(X, Y - ref[:, None], lags if studentised else None)
    pl = _nan_diag(np.broadcast_to(est[:, None, :], (len(targets), N, N)))
    se_pl = None if se is None else np.broadcast_to(se[:, None, :], (len(targets), N, N))
    return Stats(targets, est, pl, np.zeros((N, N)), "studentised" if studentised else "raw", se, se_pl)


def sc_stats(Y: np.ndarray, X: np.ndarray, post: np.ndarray, iters: int = 500) -> Stats:
    """Synthetic-control gaps of every unit from every other (one leave-one-out weight matrix)."""
    W = pn.leave_one_out_weights(Y[~post], iters=iters)
    est, _ = pn.target_coefficients(X, Y - Y @ W, None)
    N = Y.shape[1]
    pl = _nan_diag(np.broadcast_to(est[:, None, :], (est.shape[0], N, N)))
    return Stats(tuple(pn.target_columns(X)), est, pl, W, "raw")


def sdid_stats(Y: np.ndarray, post: np.ndarray, iters: int = 300) -> Stats:
    """SDID tau of every unit against every other (placebo variance inversion)."""
    omega, lam = pn.sdid_weights(Y, post, iters=iters)
    tau = pn.sdid_estimates(Y, post, omega, lam)[None]
    N = Y.shape[1]
    pl = _nan_diag(np.broadcast_to(tau[:, None, :], (1, N, N)))
    return Stats(("average",), tau, pl, omega, "variance")


def response(X: np.ndarray, post: np.ndarray, path: np.ndarray, targets: tuple[str, ...]) -> np.ndarray:
    """How each target statistic moves when ``path`` is added to the treated series."""
    if targets == ("average",):
        return np.array([path[post].mean()])
    est, _ = pn.target_coefficients(X, path[:, None], None)
    return est[:, 0]


def intervals(st: Stats, g: np.ndarray, alpha: float = 0.05):
    """(est, lower, upper) targets x N for every unit as treated, with the effect response ``g``."""
    est = st.est0 + g[:, None]
    plac = st.plac0 - st.a[None] * g[:, None, None]  # [t, c, j]
    if st.inversion == "raw":
        q = pn.order_quantile(np.abs(plac), alpha)
        return est, est - q, est + q
    if st.inversion == "studentised":
        q = pn.order_quantile(np.abs(plac / st.se_plac), alpha)
        return est, est - q * st.se, est + q * st.se
    if st.inversion == "variance":
        sd = np.sqrt(np.nanmean((plac - np.nanmean(plac, axis=2, keepdims=True)) ** 2, axis=2))
        z = pn._norm_ppf(1 - alpha / 2)
        return est, est - z * sd, est + z * sd
    raise ValueError(f"Unknown inversion {st.inversion!r}.")


@dataclass(frozen=True)
class Scenario:
    name: str
    shape: str  # zero | level | slope
    multiple: float


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("zero", "zero", 0.0),
    Scenario("level_1x", "level", 1.0), Scenario("level_2x", "level", 2.0),
    Scenario("slope_1x", "slope", 1.0), Scenario("slope_2x", "slope", 2.0),
)


def candidate_stats(Y: np.ndarray, X: np.ndarray, post: np.ndarray, ref: np.ndarray | None,
                    candidates: tuple[str, ...], iters_sc: int = 500, iters_sdid: int = 300
                    ) -> dict[str, Stats | None]:
    """No-effect statistics of every candidate (None for the conformal one: see module docstring)."""
    out: dict[str, Stats | None] = {}
    for c in candidates:
        if c in ("poolmean_raw", "poolmean_t"):
            out[c] = poolmean_stats(Y, X, c.endswith("_t"))
        elif c in ("england_raw", "england_t"):
            out[c] = reference_stats(Y, ref, X, c.endswith("_t"))
        elif c == "sc_raw":
            out[c] = sc_stats(Y, X, post, iters_sc)
        elif c == "sdid":
            out[c] = sdid_stats(Y, post, iters_sdid)
        elif c == "conformal_sc":
            out[c] = None
        elif c == "own_t":  # the v1 method: own break, studentised, against every other unit's own break
            out[c] = reference_stats(Y, np.zeros(Y.shape[0]), X, True)
        else:
            raise ValueError(f"Unknown candidate {c!r}: valid are {', '.join(pn.CANDIDATES)}.")
    return out


def mde(Y: np.ndarray, X: np.ndarray) -> dict[str, float]:
    """Minimal detectable effect per target: MDE_FACTOR x the SD across units of the unit-minus-
    pool-mean statistic (level and, for an ITS design, slope)."""
    st = poolmean_stats(Y, X, False)
    out = {t: float(MDE_FACTOR * np.std(st.est0[i], ddof=1)) for i, t in enumerate(st.targets)}
    out["average"] = out["level"]  # a level shift's average post-break effect is the shift
    return out


def paths(X: np.ndarray, post: np.ndarray, size: dict[str, float]) -> dict[str, np.ndarray]:
    """Unit effect paths: level shift and slope change (slope_start as in X), scaled to the MDE."""
    out = {"zero": np.zeros(post.size), "level": size["level"] * post.astype(float)}
    if "slope" in size:
        out["slope"] = size["slope"] * X[:, 3]
    return out


def run_panel_study(Y: np.ndarray, X: np.ndarray, post: np.ndarray, ref: np.ndarray | None,
                    candidates: tuple[str, ...], alpha: float = 0.05, low_noise: np.ndarray | None = None,
                    iters_sc: int = 500, iters_sdid: int = 300, stats: dict | None = None,
                    evaluate: np.ndarray | None = None, size: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per candidate x scenario x target: coverage, rejection rate, median width (+ MC SEs).

    ``low_noise`` (bool per unit) adds the coverage among those units (e.g. the quieter half);
    ``evaluate`` (bool per unit) restricts the summaries to those pseudo-treated units; ``size``
    overrides the MDEs (default: from ``Y``).
    """
    post = np.asarray(post, bool)
    stats = candidate_stats(Y, X, post, ref, candidates, iters_sc, iters_sdid) if stats is None else stats
    size = mde(Y, X) if size is None else size
    unit_paths = paths(X, post, size)
    N = Y.shape[1]
    ev = np.ones(N, bool) if evaluate is None else np.asarray(evaluate, bool)
    rows = []
    for scen in SCENARIOS:
        if scen.shape not in unit_paths:
            continue
        path = scen.multiple * unit_paths[scen.shape]
        for cand in candidates:
            st = stats[cand]
            targets = ("average",) if st is None else st.targets
            truth = response(X, post, path, targets)
            if st is None:  # conformal: p >= 1/T > alpha -> every interval is the whole line
                floor = 1.0 / post.size
                if floor <= alpha:
                    raise ValueError(f"T = {post.size}: the conformal candidate needs a simulation here.")
                cover = np.ones((1, N), bool)
                width = np.full((1, N), np.inf)
                reject = np.zeros((1, N), bool)
            else:
                _, lo, hi = intervals(st, truth, alpha)
                cover = (lo <= truth[:, None]) & (truth[:, None] <= hi)
                width = hi - lo
                reject = (lo > 0) | (hi < 0)
            cover, width, reject = cover[:, ev], width[:, ev], reject[:, ev]
            n_ev = int(ev.sum())
            for i, t in enumerate(targets):
                cov, rej = cover[i].mean(), reject[i].mean()
                rows.append({
                    "candidate": cand, "scenario": scen.name, "target": t,
                    "effect": float(truth[i]), "units": n_ev,
                    "coverage": float(cov), "coverage_mcse": float(np.sqrt(cov * (1 - cov) / n_ev)),
                    "reject": float(rej), "reject_mcse": float(np.sqrt(rej * (1 - rej) / n_ev)),
                    "median_width": float(np.median(width[i])),
                    "mde": size[t],
                    "coverage_low_noise": (float(cover[i][low_noise[ev]].mean())
                                           if low_noise is not None else np.nan),
                })
    return pd.DataFrame(rows)


@dataclass
class SimCalibration:
    """What the extended simulation takes from a real panel (:func:`calibrate`)."""

    X: np.ndarray
    post: np.ndarray
    coefs: np.ndarray  # 4 x M real unit-specific segmented coefficients (national break removed)
    national: np.ndarray  # 4: the common (mean) coefficients, the national break included
    factors: np.ndarray  # n x k factor paths (from the residuals)
    loadings: np.ndarray  # k x M real loadings
    sigma: np.ndarray  # M idiosyncratic residual SDs
    treated_sigma: float  # the area's own idiosyncratic SD
    size: dict[str, float]  # MDEs of the real panel


def calibrate(Y: np.ndarray, X: np.ndarray, post: np.ndarray, y_area: np.ndarray, k: int = 2) -> SimCalibration:
    """Segmented fit of every unit; the mean coefficients are the common national path, the rest
    unit-specific; the first ``k`` singular vectors of the residuals are the factor structure; the
    remaining residual SD is each unit's idiosyncratic noise (the area's from its own series)."""
    beta = np.linalg.lstsq(X, Y, rcond=None)[0]
    national = beta.mean(1)
    R = Y - X @ beta
    U, S, Vt = np.linalg.svd(R, full_matrices=False)
    factors = U[:, :k] * S[:k] / np.sqrt(Y.shape[1])
    loadings = Vt[:k] * np.sqrt(Y.shape[1])
    idio = R - factors @ loadings
    dof = X.shape[0] - X.shape[1] - k
    sigma = np.sqrt((idio**2).sum(0) / dof)
    b_area = np.linalg.lstsq(X, y_area, rcond=None)[0]
    r_area = y_area - X @ b_area
    r_area = r_area - factors @ np.linalg.lstsq(factors, r_area, rcond=None)[0]
    return SimCalibration(X, np.asarray(post, bool), beta - national[:, None], national, factors, loadings,
                          sigma, float(np.sqrt((r_area**2).sum() / dof)), mde(Y, X))


def simulate_panel(rng: np.random.Generator, cal: SimCalibration, n_units: int, n_quiet: int) -> np.ndarray:
    """A panel like the real one: common national path (with its 2011 break) + resampled unit trends
    + factor structure with resampled loadings + MA(2) noise with resampled (unequal) SDs; the first
    ``n_quiet`` units have the area's own noise SD."""
    from wigan_deal.its.coverage import simulate_errors

    n, M = cal.X.shape[0], cal.coefs.shape[1]
    pick = rng.integers(0, M, size=(3, n_units))
    sigma = cal.sigma[pick[2]].copy()
    sigma[:n_quiet] = cal.treated_sigma
    Y = cal.X @ (cal.national[:, None] + cal.coefs[:, pick[0]])
    Y += cal.factors @ cal.loadings[:, pick[1]]
    Y += simulate_errors(rng, n, n_units, "ma2") * sigma
    return Y


def run_simulation(cal: SimCalibration, candidates: tuple[str, ...], reps: int, seed: int,
                   n_units: int = 100, n_quiet: int = 10, ref: str = "mean", **kw) -> pd.DataFrame:
    """Extended simulation: ``reps`` simulated panels; the ``n_quiet`` units at the area's noise level
    are each pseudo-treated in turn (summaries over them); the reference series is the panel mean."""
    rng = np.random.default_rng(seed)
    frames = []
    quiet = np.zeros(n_units, bool)
    quiet[:n_quiet] = True
    for _ in range(reps):
        Y = simulate_panel(rng, cal, n_units, n_quiet)
        frames.append(run_panel_study(Y, cal.X, cal.post, Y.mean(1), candidates, evaluate=quiet,
                                      size=cal.size, **kw))
    t = pd.concat(frames)
    keys = ["candidate", "scenario", "target"]
    out = t.groupby(keys, sort=False).agg(effect=("effect", "first"), units=("units", "sum"),
                                          coverage=("coverage", "mean"), reject=("reject", "mean"),
                                          median_width=("median_width", "median"), mde=("mde", "first"))
    out = out.reset_index()
    out["coverage_mcse"] = np.sqrt(out.coverage * (1 - out.coverage) / out.units)
    out["reject_mcse"] = np.sqrt(out.reject * (1 - out.reject) / out.units)
    out["reps"] = reps
    return out


def residual_sd(Y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Each unit's own segmented-regression residual SD (NaN for a before/after design)."""
    if X.shape[0] <= X.shape[1]:
        return np.full(Y.shape[1], np.nan)
    beta = np.linalg.lstsq(X, Y, rcond=None)[0]
    r = Y - X @ beta
    return np.sqrt((r**2).sum(0) / (X.shape[0] - X.shape[1]))


__all__ = ["MDE_FACTOR", "SCENARIOS", "Scenario", "SimCalibration", "Stats", "calibrate",
           "candidate_stats", "intervals", "mde", "paths", "response", "residual_sd", "run_panel_study",
           "run_simulation", "simulate_panel"]
