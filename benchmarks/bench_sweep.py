"""A sweep on a Dask LocalCluster with 1 and then 2 workers: wall time, speed-up, memory per worker; then
the same sweep on the default local pool (2 workers, each running its reports in one reused kernel).

Runs the same small sweep (``--areas``, both sexes, two HLE vintages; notebooks ``--notebooks``) into two
temporary folders and prints the wall time of each, the speed-up, and the peak resident memory of one
worker's whole process tree (worker, report runner, its forkserver worker and kernel), sampled every
0.25 s: that is the memory a Dask worker needs per report it runs at once.

    python benchmarks/bench_sweep.py [--areas E08000010,E09000007] [--notebooks 02,03] [--write]

``--write`` stores the result in ``benchmarks/results/sweep_scaling.json``, which the README quotes.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psutil

from wigan_deal import config
from wigan_deal.report.sweep import SCALING_FILE, make_tasks, run_sweep


def _tree_rss(pid: int) -> int:
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed_sweep(tasks, workers: int, out: Path) -> tuple[float, int]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        pids = [w.process.pid for w in cluster.workers.values()]
        peak, stop = [0], threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], *(_tree_rss(pid) for pid in pids))
                time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        outcomes = run_sweep(tasks, out, scheduler=cluster.scheduler_address, log=lambda _: None, bar=False)
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
    failed = [o for o in outcomes if o.status != "written"]
    if failed:
        raise SystemExit(f"{len(failed)} report(s) failed: {failed[0].error}")
    return seconds, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", default=f"{config.WIGAN},E09000007")
    parser.add_argument("--notebooks", default="02,03")
    parser.add_argument("--write", action="store_true", help=f"store the result in {SCALING_FILE.name}")
    args = parser.parse_args()
    tasks = make_tasks(args.areas.split(","), [config.DEFAULT_BREAK_YEAR], ["2019-05", "2020-06"],
                       ["Male", "Female"], args.notebooks.split(","))
    load = os.getloadavg()[0]
    print(f"sweep bench: {len(tasks)} reports (notebooks {args.notebooks}); load average "
          f"{load:.1f} on {os.cpu_count()} cores")
    times, peaks = {}, []
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, peak = timed_sweep(tasks, workers, Path(tmp))
        times[workers] = seconds
        peaks.append(peak)
        print(f"  {workers} worker(s): {seconds:6.1f} s ({seconds / len(tasks):.1f} s per report); peak memory "
              f"of one worker's process tree {peak / 2**20:,.0f} MiB")
    print(f"  speed-up 1 -> 2 workers: {times[1] / times[2]:.2f}x")
    with tempfile.TemporaryDirectory() as tmp:  # the default: a local pool, each worker one reused kernel
        start = time.perf_counter()
        outcomes = run_sweep(tasks, Path(tmp), jobs=2, log=lambda _: None, bar=False)
        local = time.perf_counter() - start
    failed = [o for o in outcomes if o.status != "written"]
    if failed:
        raise SystemExit(f"{len(failed)} local report(s) failed: {failed[0].error}")
    print(f"  local pool, 2 workers with reused kernels (no --scheduler): {local:6.1f} s "
          f"({local / len(tasks):.1f} s per report; {times[2] / local:.2f}x the 2-worker Dask cluster's speed, whose "
          "tasks are a process each)")
    if args.write:
        SCALING_FILE.parent.mkdir(parents=True, exist_ok=True)
        SCALING_FILE.write_text(json.dumps({
            "date": date.today().isoformat(), "cores": os.cpu_count(), "reports": len(tasks),
            "notebooks": args.notebooks, "seconds": {str(k): round(v, 1) for k, v in times.items()},
            "peak_mib": round(max(peaks) / 2**20), "load_average_before": round(load, 1),
        }, indent=1) + "\n", encoding="utf-8")
        print(f"  wrote {SCALING_FILE}")


if __name__ == "__main__":
    main()
