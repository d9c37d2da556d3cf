"""Report runner overhead: papermill + nbconvert in worker processes vs. the same code in one process.

Prints the wall time of ``python -m wigan_deal.report --area E08000010`` (written to a temporary
folder, so ``reports/`` is untouched), the wall time of the same notebooks' code (default
parameters injected, exported with nbconvert's PythonExporter) executed one after another in ONE
plain Python process with ``MPLBACKEND=Agg``, and their ratio. Works on whatever
``notebooks/NN_*.ipynb`` exist.

    python benchmarks/bench_report.py [--area E08000010] [--jobs 2] [--notebooks 02,05]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbconvert import PythonExporter
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from wigan_deal import config
from wigan_deal.report.runner import discover_notebooks

# Runs the exported scripts sequentially in one interpreter; IPython magics become no-ops.
_DRIVER = r"""
import json, os, sys, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import display

class _NoIPython:
    def run_line_magic(self, *a, **k): return None
    def run_cell_magic(self, *a, **k): return None
    def system(self, *a, **k): return None

scripts = json.loads(sys.argv[1])
times = {}
for name, path in scripts:
    namespace = {"__name__": "__main__", "get_ipython": lambda: _NoIPython(), "display": display}
    code = compile(open(path, encoding="utf-8").read(), path, "exec")
    start = time.perf_counter()
    exec(code, namespace)
    plt.close("all")
    times[name] = time.perf_counter() - start
print("TIMES " + json.dumps(times))
"""


#: issue 19 item 1: a report with 2 workers at most this fraction of its notebooks run as plain Python
TARGET_RATIO = 0.7


def export_scripts(notebooks: list[Path], parameters: dict, folder: Path) -> list[tuple[str, str]]:
    exporter = PythonExporter()
    scripts = []
    for path in notebooks:
        nb = load_notebook_node(str(path))  # papermill's reader: adds the tags it expects
        nb = parameterize_notebook(nb, {**parameters, "results_path": str(folder / f"{path.stem}.json")})
        code, _ = exporter.from_notebook_node(nb)
        script = folder / f"{path.stem}.py"
        script.write_text(code, encoding="utf-8")
        scripts.append((path.stem, str(script)))
    return scripts


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
    env = {**os.environ, "MPLBACKEND": "Agg"}
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
        plain = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(scripts)],
                               capture_output=True, text=True, cwd=args.notebook_dir, env=env)
        plain_s = time.perf_counter() - start
        if plain.returncode != 0:
            print(plain.stdout[-3000:] + plain.stderr[-3000:])
            print("bench_report: the plain single-process run failed; no ratio.")
            return 1
        times = json.loads(next(ln for ln in plain.stdout.splitlines() if ln.startswith("TIMES "))[6:])
        for name, seconds in times.items():
            print(f"  plain    {name}: {seconds:.1f} s")

    print(f"report runner (papermill, --jobs {args.jobs}, HTML, index): {runner_s:8.1f} s wall")
    print(f"same code in one plain Python process (sequential):        {plain_s:8.1f} s wall")
    print(f"ratio runner / plain:                                       {runner_s / plain_s:8.2f}"
          f"   (target <= {TARGET_RATIO:g} with 2 workers, issue 19)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
