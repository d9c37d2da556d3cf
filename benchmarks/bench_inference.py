"""Time the coverage studies (single-series simulation, real-panel comparative study, extended simulation) and the spec curves.

Run: ``.venv/bin/python benchmarks/bench_inference.py``.
"""

from __future__ import annotations

import time

from wigan_deal import config, inference, panel_coverage, speccurve


def main() -> None:
    start = time.perf_counter()
    inference.residual_scale()
    calib = time.perf_counter() - start
    start = time.perf_counter()
    small = inference.build(reduced=True)
    reduced = time.perf_counter() - start
    start = time.perf_counter()
    full = inference.build()
    secs = time.perf_counter() - start
    cfg = inference.study_config()
    print(f"coverage study: calibration from the real panels {calib:.1f} s; reduced ({len(small)} rows) "
          f"{reduced:.1f} s; full ({len(full)} rows, {len(cfg.designs)} designs x "
          f"{len(cfg.errors)} error processes, {cfg.reps} reps, {cfg.perm_reps} permutation reps "
          f"x {cfg.n_controls} controls) {secs:.1f} s")
    start = time.perf_counter()
    panel = panel_coverage.build()
    secs = time.perf_counter() - start
    print(f"real-panel study of the comparative candidates: {len(panel)} rows "
          f"({panel.outcome.nunique()} outcomes, every non-GM council pseudo-treated) in {secs:.1f} s")
    start = time.perf_counter()
    sim = panel_coverage.build_simulation()
    secs = time.perf_counter() - start
    print(f"extended simulation (national break, factors, unequal noise): {len(sim)} rows in {secs:.1f} s")
    for indicator, sex, _label, _unit in inference.README_OUTCOMES:
        start = time.perf_counter()
        curve = speccurve.spec_curve(config.WIGAN, indicator, sex)
        secs = time.perf_counter() - start
        print(f"specification curve {indicator} ({sex}), Wigan: {curve.shares()['n']} specifications "
              f"per quantity in {secs:.2f} s")


if __name__ == "__main__":
    main()
