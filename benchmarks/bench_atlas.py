"""The all-council atlas: wall time, CPU time and output size per council.

Runs ``python -m wigan_deal.report.atlas`` on the first ``--councils`` councils (default 10; ``0`` =
all) into a temporary folder (``reports/`` is untouched) and prints, per council: wall time, CPU time
of every process involved (runner, forkserver, workers, kernels; sampled every 0.25 s) divided by
the cores used, output bytes, and the projection to every English upper-tier council. The machine's load average is printed too: on shared cores, wall time rises with other work
while CPU time per council does not.

A run pays a fixed start-up (each worker's kernel imports the libraries; the atlas page) that a run of every
council spreads over 161 councils and a run of 10 does not. So the atlas also runs once on one council per
worker: the difference between the two runs gives the CPU each further council costs (the per-council CPU
compared with issue 19's target) and, with the start-up, the projection to every council.

``--floor`` also runs the same councils' notebooks as plain Python, one after another in ONE process
(the figures an atlas page draws, no Jupyter), and prints that process's CPU per council after the first
(caches warm, as in an atlas worker): the one-process floor the atlas is measured against.

    python benchmarks/bench_atlas.py [--councils 10] [--jobs 2] [--keep DIR] [--floor]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from plain_driver import export_scripts, run_plain, warm_result_cache
from proctree import run_measured
from wigan_deal import config
from wigan_deal.report.atlas import councils

#: issue 19 item 1: the atlas's targets
TARGET_CPU_PER_COUNCIL = 5.0
TARGET_ALL_MINUTES = 7.0


def plain_floor(codes: list[str], folder: Path) -> list[float]:
    """CPU seconds of each council's notebooks run as plain Python in one process (in order), figures drawn
    once each (``benchmarks/plain_driver.py``)."""
    from wigan_deal.report.atlas import FIGURE_MODE
    from wigan_deal.report.runner import discover_notebooks

    notebooks = [nb for nb in discover_notebooks(config.NOTEBOOKS_DIR) if nb.stem in config.NOTEBOOKS]
    runs = []
    for code in codes:
        (folder / code).mkdir(parents=True, exist_ok=True)
        defaults = {**config.DEFAULT_PARAMETERS, "area_code": code}
        runs.append(export_scripts(notebooks, defaults, folder / code))
    try:
        return run_plain(runs, cwd=config.NOTEBOOKS_DIR, figure_mode=FIGURE_MODE)["cpu"]
    except RuntimeError as exc:
        print(exc)
        return []


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=config.DEFAULT_JOBS)
    parser.add_argument("--keep", type=Path, default=None, help="write the reports here and keep them")
    parser.add_argument("--floor", action="store_true", help="also time the notebooks as plain Python in one process")
    args = parser.parse_args(argv)
    every = councils()
    chosen = every if args.councils <= 0 else every[: args.councils]
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench-atlas-"))
    warm_result_cache()
    n = len(chosen)
    few = chosen[: max(1, min(args.jobs, n - 1))]  # one council per worker: start-up and one council each
    runs = []
    for codes, folder in ((few, Path(tempfile.mkdtemp(prefix="bench-atlas-few-"))), (chosen, out)):
        runs.append(run_measured(
            [sys.executable, "-m", "wigan_deal.report.atlas", "--out", str(folder), "--jobs", str(args.jobs),
             "--areas", ",".join(code for code, _ in codes)]))
        if runs[-1].proc.returncode != 0:
            print(runs[-1].proc.stdout, runs[-1].proc.stderr, sep="\n")
            return runs[-1].proc.returncode
        if folder != out:
            shutil.rmtree(folder, ignore_errors=True)
    measured = runs[-1]
    proc, wall, cpu = measured.proc, measured.wall, measured.cpu
    lines = proc.stdout.strip().splitlines()
    marginal = (cpu - runs[0].cpu) / (n - len(few)) if n > len(few) else cpu / n
    startup = max(runs[0].cpu - len(few) * marginal, 0.0)
    reports = out / "atlas-reports"  # wigan_deal.report.atlas.REPORTS_FOLDER
    ok = [code for code, _ in chosen if (reports / code / "index.html").exists()]
    sizes = [folder_bytes(reports / code) for code in ok]
    shared = folder_bytes(reports / "_assets") if (reports / "_assets").exists() else 0
    per_size = sum(sizes) / max(len(sizes), 1)
    print(f"bench_atlas: {n} councils ({len(ok)} written), {args.jobs} worker(s), load average before "
          f"{measured.load_before:.1f}, after {measured.load_after:.1f} on {os.cpu_count()} cores")
    print(f"  wall time       {wall:7.1f} s   = {wall / n:5.2f} s per council (incl. start-up and atlas page)")
    print(f"  CPU time        {cpu:7.1f} s   = {cpu / n:5.2f} CPU-s per council "
          f"= {cpu / n / args.jobs:5.2f} s per council on {args.jobs} idle cores")
    print(f"  output          {per_size / 1e6:7.2f} MB per council (+ {shared / 1e6:.2f} MB shared stylesheet); "
          f"projected {len(every)} councils: {(per_size * len(every) + shared) / 1e9:.2f} GB")
    print(f"  projected time  {len(every)} councils: {wall / n * len(every) / 60:.1f} min at this load")
    print(f"  start-up        {startup:7.1f} CPU-s once per run; each further council {marginal:5.2f} CPU-s "
          f"(runs of {len(few)} and {n} councils: {runs[0].cpu:.1f} and {cpu:.1f} CPU-s)")
    idle = (startup + marginal * len(every)) / args.jobs / 60  # CPU is what a shared machine does not inflate
    print(f"  targets (issue 19): per-council CPU {marginal:5.2f} CPU-s (target <= {TARGET_CPU_PER_COUNCIL:g}); "
          f"{len(every)} councils on {args.jobs} idle cores {idle:4.1f} min (target <= {TARGET_ALL_MINUTES:g} min "
          f"on 2)")
    print("  " + (lines[-1] if lines else ""))
    if args.floor:
        with tempfile.TemporaryDirectory(prefix="bench-atlas-floor-") as tmp:
            floor = plain_floor([code for code, _ in chosen], Path(tmp))
        if floor:
            steady = floor[1:] or floor
            print(f"  one-process floor (plain Python, an atlas page's figures drawn): first council {floor[0]:.1f} CPU-s, then "
                  f"{sum(steady) / len(steady):.2f} CPU-s per council (caches warm, as in an atlas worker)")
    if args.keep is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
