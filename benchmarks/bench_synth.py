"""Time one synthetic-control fit (~150 donors x 15 periods) and the full in-space placebo.

Run: ``.venv/bin/python benchmarks/bench_synth.py [--real]``. Synthetic data by default; with
``--real`` the ``u75_prev_cancer_mortality`` panel from :mod:`wigan_deal.data` is timed as well
(if the data layer imports and the extract exists).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from wigan_deal.config import DEFAULT_BREAK_YEAR, WIGAN
from wigan_deal.synth import SynthWarning, fit_synth


def synthetic_panel(n_units: int = 151, years: range = range(2001, 2016), seed: int = 0):
    """Tidy panel: three common random-walk factors, unit loadings and noise."""
    rng = np.random.default_rng(seed)
    factors = np.cumsum(rng.normal(0, 1, (len(years), 3)), axis=0)
    values = (
        150
        + rng.normal(0, 20, n_units)
        + factors @ rng.uniform(0.5, 1.5, (3, n_units))
        + rng.normal(0, 2, (len(years), n_units))
    )
    codes = [WIGAN] + [f"E06{i:06d}" for i in range(1, n_units)]
    wide = pd.DataFrame(values, index=list(years), columns=codes)
    long = wide.rename_axis(index="year", columns="area_code").stack().rename("value").reset_index()
    long["period_start"] = long["period_end"] = long["year"]
    return long.drop(columns="year")


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench(panel: pd.DataFrame, label: str, treated: str = WIGAN, break_year: int = DEFAULT_BREAK_YEAR):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SynthWarning)
        res = fit_synth(panel, treated, break_year)
        t_fit = best_of(lambda: fit_synth(panel, treated, break_year), 20)
        t_placebo = best_of(res.placebo, 3)
        pl = res.placebo()
    print(f"[{label}] {len(res.donors)} donors, {res.n_pre} pre + {res.n_post} post periods")
    print(f"  one fit (incl. input handling): {t_fit * 1e3:8.2f} ms")
    print(f"  full placebo ({pl.n_units - 1} refits): {t_placebo:8.3f} s "
          f"({t_placebo / (pl.n_units - 1) * 1e3:.2f} ms per refit)")
    print(f"  pre-RMSPE {res.pre_rmspe:.3g}, mean post gap {res.mean_post_gap:+.3g}, "
          f"placebo p = {pl.rank}/{pl.n_units} = {pl.p_value:.3f} "
          f"({pl.n_exact_fit} exact pre-period fits)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--real", action="store_true", help="also time the real cancer panel")
    parser.add_argument("--sex", default="Persons", help="sex of the real panel (default Persons)")
    args = parser.parse_args()
    bench(synthetic_panel(), "synthetic 151 areas x 15 years")
    if args.real:
        try:
            from wigan_deal.data import load_indicator

            panel = load_indicator("u75_prev_cancer_mortality", sex=args.sex)
        except Exception as exc:  # data layer absent or extract missing: report, do not fail
            print(f"[real] skipped: {type(exc).__name__}: {exc}")
            return
        bench(panel, "u75_prev_cancer_mortality")


if __name__ == "__main__":
    main()
