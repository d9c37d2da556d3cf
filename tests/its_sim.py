"""Simulated series for the ITS engine tests (seeded, no data layer needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ar1(rng: np.random.Generator, n: int, rho: float, sd: float = 1.0, size: int | None = None):
    """Stationary AR(1) errors, shape (n,) or (n, size)."""
    shape = (n,) if size is None else (n, size)
    e = np.empty(shape)
    e[0] = rng.normal(0, sd / np.sqrt(1 - rho**2), shape[1:])
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal(0, sd, shape[1:])
    return e


def single_year_series(
    seed: int = 0, n: int = 40, n_pre: int = 20, level: float = -3.0, slope: float = -0.5,
    pre_slope: float = 0.5, rho: float = 0.4, sd: float = 1.0, first_year: int = 1980,
) -> tuple[pd.DataFrame, int]:
    """Calendar-year series with known level and slope change; returns (frame, break year)."""
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, first_year + n)
    brk = int(years[n_pre])
    t = years + 0.5
    t0 = brk + 0.5
    post = years >= brk
    mu = 50 + pre_slope * (t - t0) + np.where(post, level + slope * (t - t0), 0.0)
    frame = pd.DataFrame({"period_start": years, "period_end": years,
                          "value": mu + ar1(rng, n, rho, sd)})
    return frame, brk


def rolling_series(seed: int = 0, level: float = -4.0, slope: float = -0.6, sd: float = 1.0,
                   area_code: str = "E08000010", sex: str = "Male") -> pd.DataFrame:
    """15 overlapping 3-year periods 2001-03 .. 2015-17 in the data layer's tidy shape."""
    rng = np.random.default_rng(seed)
    start = np.arange(2001, 2016)
    end = start + 2
    t = (start + end + 1) / 2
    post = start >= 2011
    annual = rng.normal(0, sd * np.sqrt(3), start.size + 2)
    noise = np.convolve(annual, np.ones(3) / 3, mode="valid")  # overlapping-period MA(2)
    value = 150 - 2.0 * (t - 2012.5) + np.where(post, level + slope * (t - 2012.5), 0) + noise
    return pd.DataFrame({
        "area_code": area_code, "area_name": "Wigan", "indicator": "u75_prev_cancer_mortality",
        "sex": sex, "period": [f"{s}-{e % 100:02d}" for s, e in zip(start, end, strict=True)],
        "period_start": start, "period_end": end, "value": value,
        "lower_ci": value - 8, "upper_ci": value + 8, "vintage": "2019-05", "time": t,
    })
