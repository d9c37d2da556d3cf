"""The worker side of a report run: execute one notebook in this worker's kernel with papermill, check its
outputs, write its HTML (:func:`execute_one`).

Imported where notebooks run: the pool's forkserver imports it once for all its workers
(:func:`wigan_deal.report.kernels.worker_pool`), and a process that runs its notebooks itself (``jobs=0``) on first
use. The runner's own process never does: a report's command line is answered, and its workers started and
watched, without papermill, nbconvert and nbformat (:mod:`wigan_deal.report.runner`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from papermill.exceptions import PapermillExecutionError

from wigan_deal.report import engine, kernels
from wigan_deal.report.html import (
    notebook_title,
    notebook_to_html,
    prepare_exporters,
    write_html_pair,
)
from wigan_deal.report.kernels import KERNEL_ARGUMENTS, LOG_FOLDER, warm_kernel
from wigan_deal.report.tasks import NotebookOutcome, NotebookTask

# Here, once per forkserver, and not in each worker it forks: the pages' exporters and compiled templates
# (html.prepare_exporters). A failure is left to the first real conversion, which reports it for its notebook.
with contextlib.suppress(Exception):
    prepare_exporters()


def error_outputs(nb: Any) -> list[str]:
    """Descriptions of error outputs and stderr tracebacks in an executed notebook."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(
                    f"cell {index} ({_first_line(cell.get('source', ''))}) has an error output: "
                    f"{out.get('ename')}: {out.get('evalue')}"
                )
            elif out.get("output_type") == "stream" and out.get("name") == "stderr" and "Traceback" in out.get("text", ""):
                problems.append(
                    f"cell {index} ({_first_line(cell.get('source', ''))}) printed a traceback to stderr"
                )
    return problems


def _last_started_cell(path: Path) -> str | None:
    """``"cell N (first line):"`` for the last cell papermill started in a partial output notebook."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return None
    started = [
        i for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")
    ]
    if not started:
        return None
    return f"cell {started[-1]} ({_first_line(nb.cells[started[-1]].source)}):"


def _first_line(source: str) -> str:
    lines = [line for line in str(source).splitlines() if line.strip()]
    text = lines[0].strip() if lines else "<empty>"
    return text if len(text) <= 100 else text[:97] + "..."


def execute_one(task: NotebookTask) -> NotebookOutcome:
    """Worker: execute one notebook with papermill, check it, write its HTML pair."""
    logging.getLogger("papermill").setLevel(logging.ERROR)
    log_path = Path(task.folder) / LOG_FOLDER / f"{task.name}.log"
    log_path.parent.mkdir(exist_ok=True)
    with _stderr_to(log_path):
        return _execute(task, log_path)


def _execute(task: NotebookTask, log_path: Path) -> NotebookOutcome:
    folder = Path(task.folder)
    output = folder / f"{task.name}.ipynb"
    start = time.perf_counter()
    try:
        # a fresh kernel is started and stopped by nbclient: with the arguments a reused kernel gets (no history
        # database), and stopped as one is, at once (with the history database off, a kernel asked to shut down
        # lingers until it is sent SIGTERM, 2.5 s later)
        engine_kwargs = ({"extra_arguments": list(KERNEL_ARGUMENTS), "shutdown_kernel": "immediate"}
                         if task.fresh_kernel else
                         {"km": warm_kernel(task.kernel_name, folder, task.cwd, task.figure_dpi, task.figure_mode)})
        nb = pm.execute_notebook(
            task.source,
            str(output),
            parameters=task.parameters,
            kernel_name=task.kernel_name,
            cwd=task.cwd,
            log_output=False,
            progress_bar=False,
            execution_timeout=task.timeout,
            request_save_on_cell_execute=task.save_each_cell,
            engine_name=engine.ENGINE_NAME,
            run_folder=str(folder),  # the engine strips the run's paths before papermill writes the notebook
            **engine_kwargs,
        )
    except PapermillExecutionError as exc:
        return NotebookOutcome(
            task.name, False, time.perf_counter() - start,
            f"cell {exc.cell_index} (In [{exc.exec_count}]: {_first_line(exc.source)}) raised "
            f"{exc.ename}: {exc.evalue}",
            {"cell_index": exc.cell_index, "ename": exc.ename, "evalue": exc.evalue,
             "source": _first_line(exc.source)},
        )
    except Exception as exc:  # kernel death, timeout, missing kernel, unreadable notebook...
        where = _last_started_cell(output)
        kernel_log = kernels.worker_kernel_log()
        tail = _tail(log_path if task.fresh_kernel or kernel_log is None else kernel_log)
        return NotebookOutcome(
            task.name, False, time.perf_counter() - start,
            (f"{where} " if where else "") + f"{type(exc).__name__}: {exc}"
            + (f"\n    kernel stderr (last lines):\n{tail}" if tail else ""),
        )
    problems = error_outputs(nb)
    if problems:
        return NotebookOutcome(task.name, False, time.perf_counter() - start, "; ".join(problems))
    try:
        if task.html == "reader":
            # atlas: reader page only, so no link to a "version with code" that is not written
            notebook_to_html(nb, folder / f"{task.name}.reader.html", reader=True,
                             title=notebook_title(nb, task.name, task.area_name), other=None,
                             assets=Path(task.assets) if task.assets else None)
        else:
            write_html_pair(nb, folder, task.name, task.area_name)
    except Exception as exc:
        return NotebookOutcome(
            task.name, False, time.perf_counter() - start, f"HTML conversion failed: {type(exc).__name__}: {exc}"
        )
    return NotebookOutcome(task.name, True, time.perf_counter() - start)


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send this process's stderr (inherited by the kernel it starts) to ``path``.

    Kernels print start-up warnings to stderr; they would interleave with the progress lines.
    The log's tail is shown when a kernel dies.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as fh:
        os.dup2(fh.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [ln for ln in text.splitlines() if ln.strip() and "without encryption" not in ln]
    return "\n".join("      " + ln for ln in kept[-lines:])
