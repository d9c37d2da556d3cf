"""Report runner overhead: papermill + nbconvert in worker processes vs. the same code in one process.

Prints the wall time of ``python -m wigan_deal.report --area E08000010`` (written to a temporary
folder, so ``reports/`` is untouched), the wall time of the same notebooks' code executed one after
another in ONE plain Python process, figures drawn once (``benchmarks/plain_driver.py``), and their ratio. Works on whatever
``notebooks/NN_*.ipynb`` exist.

    python benchmarks/bench_report.py [--area E08000010] [--jobs 2] [--notebooks 02,05]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plain_driver import export_scripts, run_plain, warm_result_cache
from wigan_deal import config
from wigan_deal.report.runner import discover_notebooks

#: issue 19 item 1: a report with 2 workers at most this fraction of its notebooks run as plain Python
TARGET_RATIO = 0.7


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--area", default=config.DEFAULT_AREA)
    p.add_argument("--jobs", default="2")
    p.add_argument("--notebooks", default=None, help="subset, e.g. 02,05")
    p.add_argument("--notebook-dir", type=Path, default=config.NOTEBOOKS_DIR)
    args = p.parse_args(argv)
    selection = args.notebooks.split(",") if args.notebooks else None
    notebooks = discover_notebooks(args.notebook_dir, selection)
    if not notebooks:
        print(f"bench_report: no notebooks in {args.notebook_dir} yet; nothing to time.")
        return 0
    print(f"bench_report: {len(notebooks)} notebook(s): {', '.join(n.stem for n in notebooks)}")
    warm_result_cache()
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        tmp = Path(tmp)
        cmd = [sys.executable, "-m", "wigan_deal.report", "--area", args.area, "--jobs", args.jobs,
               "--out", str(tmp / "reports"), "--notebook-dir", str(args.notebook_dir)]
        if args.notebooks:
            cmd += ["--notebooks", args.notebooks]
        start = time.perf_counter()
        runner = subprocess.run(cmd, capture_output=True, text=True)
        runner_s = time.perf_counter() - start
        if runner.returncode != 0:
            print(runner.stdout + runner.stderr)
            print(f"bench_report: the report runner failed (exit {runner.returncode}); no timing.")
            return 1
        for line in runner.stdout.splitlines():
            if line.startswith("["):
                print(f"  runner   {line}")

        defaults = {"area_code": args.area, "comparators": ["england", "gm", "nearest"],
                    "break_year": config.DEFAULT_BREAK_YEAR, "vintage": config.REPORT_VINTAGE,
                    "sex": "Male", "post_rule": "start"}
        scripts = export_scripts(notebooks, defaults, tmp)
        start = time.perf_counter()
        try:
            plain = run_plain([scripts], cwd=args.notebook_dir)
        except RuntimeError as exc:
            print(exc)
            print("bench_report: the plain single-process run failed; no ratio.")
            return 1
        plain_s = time.perf_counter() - start
        for name, seconds in plain["wall"][0].items():
            print(f"  plain    {name}: {seconds:.1f} s")

    print(f"report runner (papermill, --jobs {args.jobs}, HTML, index): {runner_s:8.1f} s wall")
    print(f"same code in one plain Python process (sequential):        {plain_s:8.1f} s wall")
    print(f"ratio runner / plain:                                       {runner_s / plain_s:8.2f}"
          f"   (target <= {TARGET_RATIO:g} with 2 workers, issue 19)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
