"""The notebooks as plain Python in ONE process: the baseline both report benchmarks compare against.

:func:`export_scripts` writes each notebook's code (its parameters injected by papermill's own functions,
exported with nbconvert's PythonExporter) as a script; :func:`run_plain` executes groups of scripts one after
another in one fresh interpreter (``python plain_driver.py RUNS_JSON``, ``MPLBACKEND=Agg``) and returns, per
group, its CPU seconds and each script's wall seconds. IPython magics are no-ops and ``display`` shows nothing;
every figure is drawn once to PNG as the report's kernels draw it (``wigan_deal.plots._save_png``, the tight crop
from one draw; at ``plt.show()`` and at the end of each script), so the baseline pays for its figures too, and by
the same method: the runner's overhead is then the Jupyter plumbing, not a different way of drawing.

    runs = [export_scripts(notebooks, parameters, folder)]   # one group per council
    result = run_plain(runs, cwd=config.NOTEBOOKS_DIR)        # {"cpu": [...], "wall": [{name: s}, ...]}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: The line of the driver's output that carries its measurements.
RESULT_PREFIX = "PLAIN "


def warm_result_cache() -> None:
    """Compute the results kept in ``.cache/results/`` (:mod:`wigan_deal.result_cache`) before anything is timed,
    so the runs compared find the same cache: after a code change it is cold, and whichever run came first would
    pay the ~20 CPU-s of verdict shares alone. Prints how long it took (nothing when it was warm)."""
    import time

    from wigan_deal.claims import all_council_shares

    start = time.process_time()
    all_council_shares()
    spent = time.process_time() - start
    if spent > 1:
        print(f"  result cache warmed first ({spent:.1f} CPU-s: the verdict shares), so no timed run pays for it")


def export_scripts(notebooks: list[Path], parameters: dict, folder: Path) -> list[tuple[str, str]]:
    """``(name, script path)`` of each notebook's code with ``parameters`` injected (and its own
    ``results_path`` in ``folder``), written into ``folder``."""
    from nbconvert import PythonExporter
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    exporter = PythonExporter()
    scripts = []
    for path in notebooks:
        nb = load_notebook_node(str(path))  # papermill's reader: adds the tags it expects
        nb = parameterize_notebook(nb, {**parameters, "results_path": str(Path(folder) / f"{path.stem}.json")})
        code, _ = exporter.from_notebook_node(nb)
        script = Path(folder) / f"{path.stem}.py"
        script.write_text(code, encoding="utf-8")
        scripts.append((path.stem, str(script)))
    return scripts


def run_plain(runs: list[list[tuple[str, str]]], cwd: Path, figure_mode: str = "both") -> dict:
    """Execute every group of scripts in ``runs``, in order, in ONE new process (working directory ``cwd``).
    ``figure_mode`` "headline" (the atlas's, :data:`wigan_deal.plots.FIGURE_MODES`) draws only the figures an
    atlas page draws (the others are not built by the studies, or not drawn); any other mode draws every figure.

    Returns ``{"cpu": [CPU seconds of each group], "wall": [{script name: wall seconds} of each group]}``;
    raises ``RuntimeError`` with the output's tail if the process fails."""
    proc = subprocess.run([sys.executable, __file__, json.dumps(runs), figure_mode], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "MPLBACKEND": "Agg"})
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"the plain single-process run failed (exit {proc.returncode}):\n"
                           + proc.stdout[-2000:] + proc.stderr[-2000:])
    return json.loads(line[len(RESULT_PREFIX):])


class _NoIPython:
    """``get_ipython()`` of the scripts: magics and shell commands do nothing."""

    def run_line_magic(self, *_a, **_k):
        return None

    def run_cell_magic(self, *_a, **_k):
        return None

    def system(self, *_a, **_k):
        return None


def _main(runs: list[list[tuple[str, str]]], figure_mode: str = "both") -> dict:
    import time

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wigan_deal import plots, results

    plots.set_figure_mode(figure_mode)

    def draw_open_figures(*_a, **_k) -> None:
        for number in plt.get_fignums():
            fig = plt.figure(number)
            if fig.axes and not plots.left_out(fig):  # as the kernels draw them: one draw, cropped as savefig(bbox_inches="tight") would
                plots._save_png(fig, None)  # noqa: SLF001
        plt.close("all")

    plt.show = draw_open_figures
    cpu, wall = [], []
    for scripts in runs:
        start_cpu, times = time.process_time(), {}
        for name, path in scripts:
            plots.set_figure_mode(figure_mode)  # as the runner sets it before each notebook
            namespace = {"__name__": "__main__", "get_ipython": _NoIPython, "display": lambda *_a, **_k: None}
            code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
            start = time.perf_counter()
            with results.deferred():  # as in a kernel, where records are written once per cell
                exec(code, namespace)  # noqa: S102 - the project's own exported notebooks
            draw_open_figures()
            times[name] = time.perf_counter() - start
        cpu.append(time.process_time() - start_cpu)
        wall.append(times)
    return {"cpu": cpu, "wall": wall}


if __name__ == "__main__":
    print(RESULT_PREFIX + json.dumps(_main(json.loads(sys.argv[1]), *sys.argv[2:3])))
