"""Wall times of the ITS engine (median of a few repeats, time.perf_counter).

    python benchmarks/bench_engine.py

1. one fit_its (OLS + Newey-West) on 15 three-year periods;
2. the all-LA placebo in space: 150 areas x 2 sexes x 3 indicators = 900 series, synthetic panel
   (and the real u75_prev_cancer_mortality / hle_birth / le_birth extracts if wigan_deal.data loads);
3. one synthetic control with ~150 donors, if wigan_deal.synth provides fit_synth.
Target: the 900-series placebo well under 2 seconds.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import pandas as pd

from wigan_deal.its import fit_its, placebo_in_space

TREATED = "E08000010"


def timeit(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def synthetic_panel(n_areas: int = 150, seed: int = 0) -> pd.DataFrame:
    """150 areas x 15 overlapping 3-year periods (2001-03 .. 2015-17), Wigan among them."""
    rng = np.random.default_rng(seed)
    start = np.arange(2001, 2016)
    t = start + 1.5
    codes = [TREATED] + [f"E0{6 + i % 4}{500 + i:06d}" for i in range(1, n_areas)]
    level = rng.normal(120, 20, n_areas)
    slope = rng.normal(-1.5, 0.5, n_areas)
    values = level[None, :] + slope[None, :] * (t[:, None] - 2012.5) + rng.normal(0, 3, (15, n_areas))
    return pd.DataFrame({
        "area_code": np.repeat(codes, 15),
        "period_start": np.tile(start, n_areas),
        "period_end": np.tile(start + 2, n_areas),
        "value": values.T.ravel(),
    })


def main() -> None:
    rows = []
    one = synthetic_panel(1)
    rows.append(("fit_its ols/HAC, 15 points", 1, timeit(lambda: fit_its(one, 2011))))
    rows.append(("fit_its glsar, 15 points", 1, timeit(lambda: fit_its(one, 2011, method="glsar"))))
    rows.append(("fit_its arima, 15 points", 1, timeit(lambda: fit_its(one, 2011, method="arima"), 3)))

    panels = [synthetic_panel(150, seed) for seed in range(6)]  # 3 indicators x 2 sexes

    def placebo_all(panels=panels):
        for p in panels:
            placebo_in_space(p, TREATED, 2011, higher_is_better=False)

    rows.append(("placebo_in_space, synthetic 6 x 150", 900, timeit(placebo_all)))

    try:
        from wigan_deal.data import load_indicator
        from wigan_deal.its import ShortPreperiodError

        real = []
        for name, better in (("u75_prev_cancer_mortality", False), ("hle_birth", True),
                             ("le_birth", True)):
            frame = load_indicator(name)
            for sex, sub in frame.groupby("sex"):
                try:
                    placebo_in_space(sub, TREATED, 2011, higher_is_better=better)
                except ShortPreperiodError as exc:
                    print(f"skipped {name} {sex}: {str(exc).split(';')[0]}")
                    continue
                real.append((sub, better))
        n_real = sum(sub.area_code.nunique() for sub, _ in real)

        def placebo_real(real=real):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for sub, better in real:
                    placebo_in_space(sub, TREATED, 2011, higher_is_better=better)

        rows.append((f"placebo_in_space, real ({len(real)} indicator-sex panels)", n_real,
                     timeit(placebo_real)))
    except Exception as exc:  # data layer absent or extracts not built
        print(f"real-data placebo not run: {type(exc).__name__}: {exc}")

    try:
        from wigan_deal.synth import fit_synth
    except ImportError:
        print("synth not available")
    else:
        p = panels[0]
        def synth_once(p=p):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # donor pool > pre-periods warning
                fit_synth(p, TREATED, 2011)

        rows.append(("fit_synth, 149 donors", 1, timeit(synth_once, 3)))

    print(f"{'benchmark':<52}{'series':>8}{'median s':>12}")
    for name, n, secs in rows:
        print(f"{name:<52}{n:>8}{secs:>12.4f}")
    placebo = next(s for name, _, s in rows if name.startswith("placebo_in_space, synthetic"))
    print(f"900-series placebo: {placebo:.3f} s (target < 2 s: {'met' if placebo < 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
