"""The notebooks' computation per council, one process, and a byte-for-byte check of what they record.

Runs the report notebooks as plain Python (:func:`plain_driver.export_scripts`, papermill's parameters injected)
for several councils and variants one after another in ONE process, as an atlas worker's reused kernel does:
module-level caches survive between councils, the namespace does not, and before every notebook the garbage
collector's survivors are frozen (``gc.freeze``, as the kernels' reset does). Figures are built but never drawn
(``plt.show`` closes them), so the CPU seconds are the computation plus figure construction, not rendering.
Each notebook writes its results JSON into ``OUT/<run>/``.

    python benchmarks/bench_compute.py OUT                  # per-council CPU seconds (the first council is warm-up)
    python benchmarks/bench_compute.py OUT --compare REF    # ... and check every results JSON equals REF's, byte for byte

Run it once on the old code (``git worktree`` or ``git archive``) into REF and once on the new into OUT: a change
that must not move a number passes ``--compare``.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import gc
import json
import os
import sys
import time
from pathlib import Path

#: (run name, parameters over ``config.DEFAULT_PARAMETERS``): Wigan first (warm-up), four councils of different
#: kinds (GM metropolitan, unitary, county), and a variant of two of them (sex, break year, vintage)
RUNS: tuple[tuple[str, dict], ...] = (
    ("E08000010", {"area_code": "E08000010"}),
    ("E08000001", {"area_code": "E08000001"}),
    ("E08000002", {"area_code": "E08000002"}),
    ("E06000001", {"area_code": "E06000001"}),
    ("E10000016", {"area_code": "E10000016"}),
    ("E08000010-female-2013-2026-05", {"area_code": "E08000010", "sex": "Female", "break_year": 2013,
                                       "vintage": "2026-05"}),
    ("E08000001-female-2013-2026-05", {"area_code": "E08000001", "sex": "Female", "break_year": 2013,
                                       "vintage": "2026-05"}),
)


def run(out: Path) -> dict[str, float]:
    """CPU seconds of each run (all notebooks), results JSON written into ``out/<run>/``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sys.path.insert(0, str(Path(__file__).parent))
    from plain_driver import _NoIPython, export_scripts
    from wigan_deal import config, results

    plt.show = lambda *_a, **_k: plt.close("all")
    notebooks = [config.NOTEBOOKS_DIR / f"{name}.ipynb" for name in config.NOTEBOOKS]
    groups = []
    for name, overrides in RUNS:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        groups.append((name, export_scripts(notebooks, {**config.DEFAULT_PARAMETERS, **overrides}, folder)))
    os.chdir(config.NOTEBOOKS_DIR)
    deferred = getattr(results, "deferred", contextlib.nullcontext)  # older code writes on every record
    cpu = {}
    quiet = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the notebooks' printed output
    for name, scripts in groups:
        start = time.process_time()
        for _stem, path in scripts:
            gc.collect()
            gc.freeze()
            namespace = {"__name__": "__main__", "get_ipython": _NoIPython, "display": lambda *_a, **_k: None}
            code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
            with contextlib.redirect_stdout(quiet), deferred():
                exec(code, namespace)  # noqa: S102 - the project's own exported notebooks
            plt.close("all")
        cpu[name] = time.process_time() - start
        print(f"{name:32s} {cpu[name]:6.2f} CPU-s", file=sys.stderr)
    quiet.close()
    return cpu


def compare(out: Path, reference: Path) -> list[str]:
    """Results JSON files of ``out`` that differ from (or are missing in) ``reference``."""
    bad = []
    for name, _ in RUNS:
        files = sorted((out / name).glob("*.json"))
        if not files:
            bad.append(f"{name}: no results written")
        for path in files:
            ref = reference / name / path.name
            if not ref.exists() or not filecmp.cmp(path, ref, shallow=False):
                bad.append(f"{name}/{path.name}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the exported scripts and results JSON")
    parser.add_argument("--compare", type=Path, help="a reference OUT folder: every results JSON must be equal")
    args = parser.parse_args(argv)
    cpu = run(args.out.resolve())
    warm = list(cpu.values())[1:]
    summary = {"cpu": cpu, "mean_warm_cpu": sum(warm) / len(warm)}
    if args.compare:
        summary["differ"] = compare(args.out.resolve(), args.compare.resolve())
    print(json.dumps(summary, indent=1))
    return 1 if summary.get("differ") else 0


if __name__ == "__main__":
    sys.exit(main())
