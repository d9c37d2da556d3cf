"""The test suite's tiers against their budgets: ``make test``, ``make test-fast`` (and ``make test-councils``).

Runs the same pytest commands as the Makefile's targets (the Makefile passes its worker and tier
settings, so there is one definition) and prints, per tier: tests passed/skipped/failed, wall time
against the budget (2 min for the whole suite, 30 s for the unit tier, on a quiet 2-core machine),
the CPU time of every process involved (pytest, its xdist workers, report workers, Jupyter kernels),
split by kind of process, and CPU time / cores, the wall time an idle machine could reach at best. The load average is printed
too: on shared cores wall time rises with other work, CPU time hardly does. Then the slowest tests.

    make bench-tests            # both tiers
    python benchmarks/bench_tests.py --xdist "-n auto --dist loadgroup" \\
        --fast-tier "not integration and not slow and not browser" \\
        --full-tier "not every_council and not variants" --breadth-tier "every_council or variants" \\
        [--only fast|full|councils] [--cold] [--check] [--log LOG]

The area-independent results kept on disk (``wigan_deal.result_cache``: the verdict shares, the atlas
distributions) make a run faster once computed for the code and data at hand. Each tier says which were there
before it ran (``kept: ...`` or ``none kept (computed in this run)``); ``--cold`` gives the run an empty cache folder of its
own (``WIGAN_DEAL_CACHE_DIR``), as a fresh clone, or the first run after an edit of the code they run, has.

``make test-councils`` (the breadth tier: the all-council run beyond make test's sample and the rendered variant
reports; CI runs it after make test) has no budget: it is timed only with ``--only councils``.

With ``--check`` the exit status is 1 when a tier fails or is over its budget.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

from proctree import Measured, run_measured

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {"full": 120.0, "fast": 30.0, "councils": float("inf")}  # s of wall time, quiet 2-core machine (issue 18)
LABELS = {"full": "make test", "fast": "make test-fast", "councils": "make test-councils"}
SUMMARY = re.compile(r"^=*\s*(?P<body>\d+ (passed|failed|errors?|skipped)\b.*?) in [\d.]+s", re.M)
DURATION = re.compile(r"^\s*\d+\.\d+s (call|setup|teardown)\s+tests/")


def _command(tier: str, xdist: str, markers: dict[str, str], durations: int) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *shlex.split(xdist),
           f"--durations={durations}"]
    return cmd + ["-m", markers[tier]]


def _summary(output: str) -> str:
    found = [m.group("body") for m in SUMMARY.finditer(output)]
    return found[-1] if found else "no pytest summary line (see the output above)"


#: the results kept on disk that the tiers' reports and tests read: (name, the module that computes it)
KEPT = (("verdict_shares", "wigan_deal.claims.shares"), ("atlas_distributions", "wigan_deal.report.atlas_panel"))


def cache_state(folder: Path | None = None) -> str:
    """Which of :data:`KEPT` the result cache holds for the code and data at hand (read in this process)."""
    from wigan_deal import result_cache

    kept = [name for name, module in KEPT if result_cache.path_for(name, folder, (module,)).exists()]
    return f"kept: {', '.join(kept)}" if kept else "none kept (computed in this run)"


def report(tier: str, measured: Measured, cores: int) -> bool:
    """Print one tier's timings; True when it passed within its budget."""
    budget = BUDGETS[tier]
    ok = measured.proc.returncode == 0
    within = measured.wall <= budget
    verdict = "no budget" if budget == float("inf") else f"{'within' if within else 'OVER'} the {budget:.0f} s budget"
    print(f"{LABELS[tier]:15s} {_summary(measured.proc.stdout)}")
    print(f"  wall time     {measured.wall:7.1f} s   {verdict}"
          f" (load average {measured.load_before:.1f} before, {measured.load_after:.1f} after, {cores} cores)")
    print(f"  CPU time      {measured.cpu:7.1f} s   / {cores} cores = {measured.cpu / cores:.1f} s: the best wall"
          " time on an idle machine")
    for kind, (cpu, count) in sorted(measured.by_kind.items(), key=lambda kv: -kv[1][0]):
        print(f"    {cpu:7.1f} s   {kind} ({count} process{'es' if count != 1 else ''})")
    if not ok:
        failed = [ln for ln in measured.proc.stdout.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
        print(f"  pytest exited {measured.proc.returncode}" + "".join(f"\n    {ln}" for ln in failed))
    return ok and within


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xdist", required=True, help="pytest-xdist options, as the Makefile's XDIST")
    parser.add_argument("--fast-tier", required=True, help="marker expression of the unit tier (FAST_TIER)")
    parser.add_argument("--full-tier", required=True, help="marker expression of make test (FULL_TIER)")
    parser.add_argument("--breadth-tier", required=True, help="marker expression of make test-councils (BREADTH_TIER)")
    parser.add_argument("--only", choices=sorted(BUDGETS), help="time one tier only")
    parser.add_argument("--durations", type=int, default=10, help="slowest tests to list (full tier)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a tier fails or is over budget")
    parser.add_argument("--cold", action="store_true",
                        help="an empty result cache for each tier (as a fresh clone has), not the project's")
    parser.add_argument("--log", type=Path, help="also write each tier's full pytest output to LOG.<tier>.txt")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    all_ok = True
    markers = {"fast": args.fast_tier, "full": args.full_tier, "councils": args.breadth_tier}
    for tier in ("fast", "full", "councils"):
        if (args.only and tier != args.only) or (not args.only and tier == "councils"):
            continue
        cmd = _command(tier, args.xdist, markers, args.durations if tier == "full" else 0)
        with tempfile.TemporaryDirectory(prefix="bench-tests-cache-") as empty:
            folder = Path(empty) if args.cold else None
            state = cache_state(folder)
            env = {**os.environ, "WIGAN_DEAL_CACHE_DIR": empty} if args.cold else None
            measured = run_measured(cmd, cwd=ROOT, env=env)
        print(f"{LABELS[tier]:15s} result cache before the run: {state}")
        if args.log:
            args.log.with_name(f"{args.log.name}.{tier}.txt").write_text(measured.proc.stdout + measured.proc.stderr)
        if measured.proc.returncode not in (0, 1):  # 1 = some test failed; anything else = no run
            print(measured.proc.stdout[-3000:], measured.proc.stderr[-3000:], sep="\n")
        all_ok &= report(tier, measured, cores)
        if tier == "full":
            slowest = [ln.strip() for ln in measured.proc.stdout.splitlines() if DURATION.match(ln)]
            if slowest:
                print("  slowest:")
                print("\n".join(f"    {ln}" for ln in slowest[: args.durations]))
    return 0 if all_ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
