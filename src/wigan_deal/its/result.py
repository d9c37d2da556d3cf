"""Small result building blocks shared by the ITS models: :class:`Estimate` and inference helpers."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from wigan_deal import fmt


@dataclass(frozen=True)
class Estimate:
    """A point estimate with standard error, ``1 - alpha`` confidence interval and p-value."""

    estimate: float
    se: float
    lower: float
    upper: float
    p_value: float
    alpha: float = 0.05
    name: str = ""

    def describe(self) -> str:
        """``estimate (95% CI lower to upper; p=...)`` without the name."""
        level = round(100 * (1 - self.alpha))
        return (
            f"{fmt.significant(self.estimate, 4)} ({level}% CI {fmt.significant(self.lower, 4)} to "
            f"{fmt.significant(self.upper, 4)}; "
            f"{fmt.p_text(self.p_value)})"
        )

    def __str__(self) -> str:
        return f"{self.name}: {self.describe()}" if self.name else self.describe()

    def as_dict(self) -> dict[str, float]:
        return {
            "estimate": self.estimate,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "p_value": self.p_value,
        }

    @property
    def excludes_zero(self) -> bool:
        return bool(self.lower > 0 or self.upper < 0)



def critical_value(alpha: float, df: float | None) -> float:
    """Two-sided critical value: Student t with ``df`` degrees of freedom, normal if ``df`` is None."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha!r} must be between 0 and 1 (e.g. 0.05 for 95% intervals).")
    return _critical_value(float(alpha), None if df is None else float(df))


@functools.lru_cache(maxsize=512)
def _critical_value(alpha: float, df: float | None) -> float:
    """:func:`critical_value`, memoised: a council's report asks for the same few (alpha, df) ~500 times."""
    if df is None:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.t.ppf(1 - alpha / 2, df))


def two_sided_p(z, df: float | None):
    z = np.abs(np.asarray(z, dtype=float))
    if df is None:
        return 2 * stats.norm.sf(z)
    return 2 * stats.t.sf(z, df)


def linear_combination(
    L, beta: np.ndarray, cov: np.ndarray, alpha: float, df: float | None, name: str = ""
) -> Estimate:
    """``L @ beta`` with variance ``L V L'``, as an :class:`Estimate`."""
    return linear_combinations([L], beta, cov, alpha, df, [name])[0]


def linear_combinations(
    Ls, beta: np.ndarray, cov: np.ndarray, alpha: float, df: float | None, names=None
) -> list[Estimate]:
    """:func:`linear_combination` of each row of ``Ls`` (the same numbers, one p-value call for all)."""
    q = critical_value(alpha, df)
    parts = []
    for L in Ls:
        L = np.asarray(L, dtype=float)
        est = float(L @ beta)
        parts.append((est, float(np.sqrt(max(L @ cov @ L, 0.0)))))
    z = [est / se for est, se in parts if se > 0]
    ps = iter(two_sided_p(z, df).tolist() if z else [])
    names = names or [""] * len(parts)
    return [Estimate(est, se, est - q * se, est + q * se, next(ps) if se > 0 else float("nan"), alpha, name)
            for (est, se), name in zip(parts, names, strict=True)]


def params_frame(
    terms, beta: np.ndarray, cov: np.ndarray, alpha: float, df: float | None
) -> pd.DataFrame:
    """Tidy coefficient table: term, estimate, se, lower, upper, p_value."""
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    q = critical_value(alpha, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = two_sided_p(beta / se, df)
    return pd.DataFrame(
        {
            "term": list(terms),
            "estimate": beta,
            "se": se,
            "lower": beta - q * se,
            "upper": beta + q * se,
            "p_value": p,
        }
    )


def estimates_frame(estimates: dict[str, Estimate]) -> pd.DataFrame:
    """One row per quantity: quantity, estimate, se, lower, upper, p_value."""
    rows = [{"quantity": k, **v.as_dict()} for k, v in estimates.items()]
    return pd.DataFrame(rows, columns=["quantity", "estimate", "se", "lower", "upper", "p_value"])
