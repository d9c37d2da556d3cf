"""Newey-West (Bartlett) HAC covariances for many series at once, and fixed-b critical values.

* :func:`newey_west` - OLS coefficients and Bartlett-kernel HAC covariances for every column of
  ``Y`` on one design ``X`` (``lags`` L: weights ``1 - j/(L+1)``), with or without the small-sample
  factor ``n/(n-k)`` (same numbers as statsmodels ``cov_type="HAC"`` with ``use_correction``).
* :func:`newey_west_variances` - the same variances for chosen coefficients only, at several lag choices from
  one fit (the coverage study's millions of series: no ``k x k`` meat per series).
* :func:`fixed_b_critical_value` - Kiefer & Vogelsang (2005) fixed-b critical values for the
  Bartlett kernel, ``cv(b) = c0 + c1 b + c2 b^2 + c3 b^3`` with ``b = M/n`` and bandwidth
  ``M = L + 1``. The coefficients are Kiefer and Vogelsang's cubic fits to simulated quantiles of
  the fixed-b limit (Econometric Theory 21, 2005, Table 1; reproduced in Vogelsang's fixed-b
  papers). They are exact in the limit for a regression on a constant (or stationary regressors);
  with trend and break regressors the limit differs (Bunzel & Vogelsang 2005), so at the project's
  designs they are an approximation whose coverage is checked by simulation
  (:mod:`wigan_deal.its.coverage`). ``tests/test_its_hac.py`` re-simulates the location-model
  quantiles and checks the formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: Bartlett-kernel fixed-b polynomial coefficients (c0, c1, c2, c3) by quantile of t.
KV2005_BARTLETT: dict[float, tuple[float, float, float, float]] = {
    0.90: (1.2816, 1.3040, 0.5135, -0.3386),
    0.95: (1.6449, 2.1859, 0.3142, -0.3427),
    0.975: (1.9600, 2.9694, 0.4160, -0.5324),
    0.99: (2.3263, 4.1618, 0.5368, -0.9944),
}


def fixed_b_critical_value(b: float, alpha: float = 0.05) -> float:
    """Two-sided fixed-b critical value of the Bartlett-kernel HAC t statistic (Kiefer-Vogelsang).

    ``b`` is the bandwidth as a share of the sample, ``(L + 1) / n``, in (0, 1]; ``alpha`` is the
    two-sided level (0.02, 0.05, 0.10 or 0.20 are tabulated).
    """
    q = round(1 - alpha / 2, 4)
    if q not in KV2005_BARTLETT:
        raise ValueError(
            f"alpha={alpha!r}: fixed-b critical values are tabulated for two-sided levels "
            f"{sorted(round(2 * (1 - k), 3) for k in KV2005_BARTLETT)}."
        )
    if not 0 < b <= 1:
        raise ValueError(f"b={b!r} must be in (0, 1]: b = (lags + 1) / n.")
    c0, c1, c2, c3 = KV2005_BARTLETT[q]
    return float(c0 + c1 * b + c2 * b**2 + c3 * b**3)


def newey_west(X: np.ndarray, Y: np.ndarray, lags: int, small_sample: bool = True):
    """``(beta k x m, cov m x k x k)`` of OLS on every column of ``Y``; ``lags=0``: White-free classical.

    ``lags=0`` gives the classical covariance ``s^2 (X'X)^-1`` (with ``s^2 = RSS/(n-k)``).
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ Y
    resid = Y - X @ beta
    if lags <= 0:
        s2 = (resid**2).sum(axis=0) / (n - k)
        return beta, s2[:, None, None] * xtx_inv[None]
    Z = X[:, :, None] * resid[:, None, :]  # n x k x m
    S = np.einsum("tim,tjm->mij", Z, Z)
    for j in range(1, min(lags, n - 1) + 1):
        G = np.einsum("tim,tjm->mij", Z[j:], Z[:-j])
        S += (1.0 - j / (lags + 1.0)) * (G + G.transpose(0, 2, 1))
    cov = xtx_inv[None] @ S @ xtx_inv[None]
    if small_sample:
        cov *= n / (n - k)
    return beta, cov


#: columns per block in :func:`newey_west_variances`: thin products this size stay on one BLAS thread (threads on
#: them cost more CPU than they save: 4 x 15 x 24600 took 35 times the single-thread CPU on a busy 2-core machine)
NW_BLOCK = 4096


def newey_west_variances(X: np.ndarray, Y: np.ndarray, coefs: Sequence[int], lags: Iterable[int]):
    """``(est p x m, {L: var p x m})``: OLS estimates of coefficients ``coefs`` (p of them) for every column
    of ``Y`` and, for each ``L`` in ``lags``, their variances as the diagonal of :func:`newey_west`
    ``(X, Y, L, small_sample=False)`` (multiply by ``n/(n-k)`` for the factor).

    ``L = 0`` is the classical ``s^2 (X'X)^-1``, the same arithmetic as :func:`newey_west`. For ``L > 0``, with
    ``a`` the coefficient's column of ``(X'X)^-1`` and ``h_t = (x_t'a) e_t``, ``a'Sa = g_0 + 2 sum_j w_j g_j`` with
    ``g_j = sum_t h_t h_{t+j}``: equal to :func:`newey_west` up to rounding, without its ``k x k`` meat per series.
    Columns are taken :data:`NW_BLOCK` at a time.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, k = X.shape
    coefs = list(coefs)
    lags = sorted(set(lags))
    xtx_inv = np.linalg.inv(X.T @ X)
    proj = xtx_inv @ X.T
    c = X @ xtx_inv[:, coefs]  # n x p: x_t'a
    est = np.empty((len(coefs), Y.shape[1]))
    out = {L: np.empty_like(est) for L in lags}
    for lo in range(0, Y.shape[1], NW_BLOCK):
        cols = slice(lo, lo + NW_BLOCK)
        beta = proj @ Y[:, cols]
        resid = Y[:, cols] - X @ beta
        est[:, cols] = beta[coefs]
        if lags[0] <= 0:
            s2 = (resid**2).sum(axis=0) / (n - k)
            for L in (L for L in lags if L <= 0):
                out[L][:, cols] = s2[None, :] * np.diag(xtx_inv)[coefs][:, None]
        if lags[-1] > 0:
            H = c.T[:, :, None] * resid[None]  # p x n x m
            g = [(H * H).sum(axis=1)] + [(H[:, j:] * H[:, :-j]).sum(axis=1)
                                         for j in range(1, min(lags[-1], n - 1) + 1)]
            for L in (L for L in lags if L > 0):
                var = g[0].copy()
                for j in range(1, min(L, n - 1) + 1):
                    var += 2.0 * (1.0 - j / (L + 1.0)) * g[j]
                out[L][:, cols] = var
    return est, out


__all__ = ["KV2005_BARTLETT", "fixed_b_critical_value", "newey_west", "newey_west_variances"]
