"""Vectorised least squares for many series sharing one design matrix.

``Y`` is ``n x m`` (n periods, m series): one ``lstsq`` gives all coefficients, and the classical or
Newey-West (Bartlett kernel, small-sample factor ``n / (n - k)``) covariances are computed for all
series at once with ``einsum``. The results equal statsmodels ``OLS(y, X).fit()`` and
``fit(cov_type="HAC", cov_kwds={"maxlags": L, "use_correction": True})`` series by series (checked in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatchOLS:
    beta: np.ndarray  # k x m
    se: np.ndarray  # k x m
    cov: np.ndarray  # m x k x k
    resid: np.ndarray  # n x m
    df_resid: int
    hac_lags: int


def batch_ols(X: np.ndarray, Y: np.ndarray, hac_lags: int = 0, small_sample: bool = True) -> BatchOLS:
    """OLS of every column of ``Y`` on ``X`` with classical (``hac_lags=0``) or HAC covariances.

    ``small_sample`` multiplies the HAC covariance by ``n / (n - k)`` (default, as :func:`fit_its`).
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, k = X.shape
    if Y.shape[0] != n:
        raise ValueError(f"Y has {Y.shape[0]} rows but X has {n}; they must share the periods.")
    if n <= k:
        raise ValueError(f"{n} observations cannot identify {k} coefficients.")
    beta, *_ = np.linalg.lstsq(X, Y, rcond=None)
    resid = Y - X @ beta
    xtx_inv = np.linalg.inv(X.T @ X)
    df = n - k
    if hac_lags <= 0:
        sigma2 = (resid**2).sum(axis=0) / df
        cov = sigma2[:, None, None] * xtx_inv[None, :, :]
    else:
        Z = X[:, :, None] * resid[:, None, :]  # n x k x m scores
        S = np.einsum("tim,tjm->mij", Z, Z)
        for lag in range(1, min(hac_lags, n - 1) + 1):
            w = 1.0 - lag / (hac_lags + 1.0)
            G = np.einsum("tim,tjm->mij", Z[lag:], Z[:-lag])
            S += w * (G + G.transpose(0, 2, 1))
        cov = xtx_inv[None] @ S @ xtx_inv[None] * (n / df if small_sample else 1.0)
    se = np.sqrt(np.clip(np.einsum("mii->im", cov), 0, None))
    return BatchOLS(beta, se, cov, resid, df, max(int(hac_lags), 0))
