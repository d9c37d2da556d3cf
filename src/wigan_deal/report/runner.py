"""Execute the notebooks with papermill in worker processes and publish a report folder atomically.

Layout of a finished report ``<out>/<area_code>/``: ``<name>.ipynb`` (executed), ``<name>.html``,
``<name>.reader.html`` (code hidden), ``<name>.json`` (recorded results, if any),
``report.json`` (parameters, timings) and ``index.html``.

Kernels (:mod:`wigan_deal.report.kernels`): each worker process starts ONE kernel and reuses it for the
notebooks it runs (start-up and imports are paid once per worker, not once per notebook). Before every notebook the kernel is
reset (:data:`RESET_CODE`): user namespace, figures, pandas options, warnings filters, working
directory and execution counter, so a notebook cannot see anything an earlier one defined.
``fresh_kernels=True`` (CLI ``--fresh-kernels``) gives every notebook a new kernel instead. A worker
talks to its kernel through ONE client (:class:`SharedKernelClient`), kept open across notebooks:
papermill would otherwise make, wait for and never close a new client per notebook.

Stopping: workers die with the runner (parent-death signal and a watch thread) and kill their kernel;
SIGTERM/SIGHUP in the runner (:func:`stop_on_signals`) and Ctrl-C stop the workers and remove the
temporary folder; the runner in turn stops when its parent (``make``) ends or is being stopped
(:func:`watch_parent`), so killing ``make`` in any way stops every worker. Kernel connection files
(they hold each kernel's key) live in a private folder each worker removes on its way out. A folder
left by a runner killed outright is swept by the next run. The folder name encodes every non-default
parameter (:func:`report_folder_name`); a file in its place is refused, never renamed away, and a full
disk is one message (:func:`disk_full_message`).

The notebooks are executed by :mod:`wigan_deal.report.execute` in the workers (whose forkserver has imported
papermill and nbconvert); this module, which plans, starts and watches them and publishes the folder, imports
neither, so the runner's own process does not pay for them.

Everything is written into ``<out>/.tmp-<area>-<pid>/`` first; only when every notebook ran
without error is the previous report replaced (old folder renamed to a backup, temporary folder
renamed into place, backup deleted). On failure the temporary folder is deleted and the previous
report is left untouched.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from wigan_deal import config
from wigan_deal.data import short_repr
from wigan_deal.report.dispatch import execute_one
from wigan_deal.report.kernels import LOG_FOLDER, pid_alive, worker_pool
from wigan_deal.report.kernels import Stopped as Stopped  # noqa: F401  (report.atlas imports it from here)
from wigan_deal.report.kernels import stop_on_signals as stop_on_signals  # noqa: F401  (likewise)
from wigan_deal.report.selection import PAGES, OutputFolderError, check_output_folder
from wigan_deal.report.selection import discover_notebooks as discover_notebooks  # noqa: F401  (report.__init__)
from wigan_deal.report.selection import parse_pages as parse_pages  # noqa: F401  (kept importable from here)
from wigan_deal.report.tasks import CELL_TIMEOUT, KERNEL_NAME, NotebookOutcome, NotebookTask

READER_PAGES_SUFFIX = "--reader-pages"


class ReportError(RuntimeError):
    """One or more notebooks failed; the message names each notebook and cell."""


class DiskFullError(ReportError):
    """The reports folder's disk ran out of space during the run (one message, not one per notebook)."""


#: Free space a report needs in its folder: a full report (executed notebooks with figures, full and
#: reader HTML) measured 16 MB for v0.2, and kernel logs and matplotlib caches come on top while it runs.
REPORT_SPACE_BYTES = 50 * 2**20


def _remove_stale_temporaries(out_dir: Path, area_code: str = "") -> None:
    """Delete ``.tmp-<folder>-<pid>`` / ``.old-<folder>-<pid>`` folders left by runs that died
    (every area's, unless ``area_code`` narrows it), e.g. a runner killed with SIGKILL."""
    for path in list(out_dir.glob(f".tmp-{area_code}*")) + list(out_dir.glob(f".old-{area_code}*")):
        suffix = path.name.rsplit("-", 1)[-1]
        if suffix.isdigit() and not pid_alive(int(suffix)):
            remove_path(path)


def remove_path(path: Path) -> None:
    """Delete a folder tree, a file or a symbolic link (never following the link)."""
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def publish(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames only; ``final`` is never left half-written."""
    backup = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.rename(final, backup)
    try:
        os.rename(tmp, final)
    except BaseException:
        if backup.exists() and not final.exists():
            os.rename(backup, final)
        raise
    remove_path(backup)


#: The scalar parameters a variant can change: (attribute, folder-name prefix, label in the index).
_SCALAR_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("break_year", "break", "break year"), ("vintage", "vintage", "HLE vintage"),
    ("sex", "sex", "sex"), ("post_rule", "post", "post rule"),
)


def _changed_scalars(params: Any) -> list[tuple[str, str, str, Any]]:
    """(attribute, folder prefix, label, value) of every scalar parameter that differs from its default."""
    defaults = config.DEFAULT_PARAMETERS
    return [(attr, prefix, label, getattr(params, attr)) for attr, prefix, label in _SCALAR_PARAMETERS
            if getattr(params, attr) != defaults[attr]]


def _comparators_changed(params: Any) -> list[str] | None:
    """The comparators, normalised, when they differ from the default list (else ``None``)."""
    comparators = [c.lower() if c.lower() in ("england", "gm", "nearest", "all") else c.upper()
                   for c in params.comparators]
    return None if comparators == list(config.DEFAULT_COMPARATORS) else comparators


#: Folder-name fragment of each non-default parameter (``reports/<area>--<fragment>--...``).
def variant_parts(params: Any, subset: Sequence[str] | None = None) -> list[str]:
    """Fragments naming every parameter that differs from :data:`config.DEFAULT_PARAMETERS`."""
    parts = [f"{prefix}-{str(value).lower()}" for _, prefix, _, value in _changed_scalars(params)]
    comparators = _comparators_changed(params)
    if comparators is not None:
        text = "+".join(re.sub(r"[^A-Za-z0-9]", "", c) for c in comparators)
        if len(text) > 60:
            import hashlib

            text = hashlib.sha1(text.encode()).hexdigest()[:10]
        parts.append(f"comparators-{text}")
    if subset:
        parts.append("notebooks-" + "+".join(subset))
    return parts


def report_folder_name(params: Any, subset: Sequence[str] | None = None) -> str:
    """``E08000010`` for the defaults; ``E08000010--break-2013--notebooks-02`` for a variant."""
    return "--".join([params.area_code, *variant_parts(params, subset)])


def notebook_parameters(params: Any, results_path: Path) -> dict[str, Any]:
    """The values injected into each notebook's ``parameters`` cell."""
    return {
        "area_code": params.area_code,
        "comparators": list(params.comparators),
        "break_year": params.break_year,
        "vintage": params.vintage,
        "sex": params.sex,
        "post_rule": params.post_rule,
        "results_path": str(results_path),
    }


def run_report(
    params: Any,
    notebooks: Sequence[Path],
    *,
    out_dir: Path = config.REPORTS_DIR,
    jobs: int = 2,
    cwd: Path | None = None,
    kernel_name: str = KERNEL_NAME,
    timeout: int | None = CELL_TIMEOUT,
    log: Callable[[str], None] = print,
    fresh_kernels: bool = False,
    subset: Sequence[str] | None = None,
    pages: str = "both",
) -> Path:
    """Execute ``notebooks`` for validated ``params``; publish ``<out_dir>/<area_code>/``.

    ``params`` is a :class:`wigan_deal.parameters.ReportParameters`; the folder is named by
    :func:`report_folder_name` (every non-default parameter, and ``subset``: the notebook prefixes
    when only some notebooks were asked for), so a variant never replaces another report. ``cwd`` (default: the
    notebooks' folder) is each kernel's working directory. ``fresh_kernels`` starts a new kernel
    for every notebook instead of resetting one per worker (slower, maximal isolation). Returns the report folder; raises
    :class:`ReportError` (after deleting the temporary folder) if any notebook fails. ``pages`` "reader" writes
    only the code-hidden pages, every figure drawn once (as the atlas does: about a third less work), into a
    folder of its own (``<name>--reader-pages``), so it never replaces a full report. ``jobs`` 0 runs the notebooks
    one after another in THIS process, in its reused kernel: for a caller that is itself a pool worker (a local
    sweep's), so the reports it runs one after another share one warm kernel.
    """
    if not notebooks:
        raise ValueError("run_report needs at least one notebook.")
    if pages not in PAGES:
        raise ValueError(f"pages must be one of {', '.join(PAGES)}, got {short_repr(pages)}.")
    if not isinstance(jobs, int) or jobs < 0:
        raise ValueError(f"jobs must be a positive number of worker processes (or 0: this process), got {jobs!r}.")
    out_dir = check_output_folder(out_dir)
    _remove_stale_temporaries(out_dir)
    name = report_folder_name(params, subset) + (READER_PAGES_SUFFIX if pages == "reader" else "")
    tmp = out_dir / f".tmp-{name}-{os.getpid()}"
    final = out_dir / name
    check_report_target(final)
    check_free_space(out_dir)
    tasks = [
        NotebookTask(
            name=nb.stem,
            source=str(Path(nb).resolve()),
            folder=str(tmp),
            parameters=notebook_parameters(params, tmp / f"{nb.stem}.json"),
            cwd=str(Path(cwd or Path(nb).parent).resolve()),
            kernel_name=kernel_name,
            timeout=timeout,
            fresh_kernel=fresh_kernels,
            area_name=params.area_name,
            **({"html": "reader", "figure_mode": "single"} if pages == "reader" else {}),
        )
        for nb in notebooks
    ]
    published = False
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        outcomes = _execute_all(tasks, jobs, log)
        failures = [o for o in outcomes if not o.ok]
        if failures:
            unchanged = f" and the previous report in {final} is unchanged" if final.exists() else ""
            if any(is_disk_full(o.error) for o in failures):
                raise DiskFullError(disk_full_message(out_dir, f"the report for {name} was not written{unchanged}"))
            lines = [f"  {o.name}: {o.error}" for o in failures]
            raise ReportError(
                f"{len(failures)} of {len(tasks)} notebook(s) failed; the report for {name} was not written"
                + unchanged + ":\n" + "\n".join(lines)
            )
        shutil.rmtree(tmp / LOG_FOLDER, ignore_errors=True)
        write_index(tmp, params, outcomes, subset=subset)
        publish(tmp, final)
        published = True
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        raise DiskFullError(disk_full_message(out_dir, f"the report for {name} was not written")) from None
    finally:
        if not published:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def check_report_target(final: Path) -> None:
    """``<out>/<name>`` must be a report folder or absent: a file there is the user's, never renamed away."""
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        raise OutputFolderError(
            f"{final} is a {'symbolic link' if final.is_symlink() else 'file'}, not a report folder, and the "
            f"report would be written in its place. Move or delete it (or give --out another folder) and run "
            "again; nothing was run and it was not changed."
        )


def is_disk_full(error: str | None) -> bool:
    """Does a failure's text say the disk is full (ENOSPC, raised in a worker or inside the kernel)?"""
    return bool(error) and ("No space left on device" in error or f"[Errno {errno.ENOSPC}]" in error)


def _megabytes(n: float) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 2**10:,.0f} KB"


def disk_full_message(out_dir: Path, outcome: str, state: str = "ran out of space (no space left on device)") -> str:
    """One paragraph: the disk holding ``out_dir`` is full, what a report needs, what is free."""
    try:
        free = f"{_megabytes(shutil.disk_usage(out_dir).free)} are free"
    except OSError:
        free = "the free space could not be read"
    return (
        f"The disk holding the reports folder {out_dir} {state}: a report needs "
        f"about {_megabytes(REPORT_SPACE_BYTES)} free there and {free}. Free some space, or give --out a "
        f"folder on another disk, and run again; {outcome}."
    )


def check_free_space(out_dir: Path, needed: int = REPORT_SPACE_BYTES) -> None:
    """Refuse to start when the reports folder's disk has less than ``needed`` bytes free."""
    try:
        free = shutil.disk_usage(out_dir).free
    except OSError:
        return
    if free < needed:
        raise OutputFolderError(disk_full_message(out_dir, "nothing was run and nothing in it was changed",
                                                  "has too little free space"))


def start_order(tasks: Sequence[NotebookTask]) -> list[NotebookTask]:
    """``tasks`` longest first (:data:`config.LONGEST_FIRST`), the rest after them in their own order."""
    rank = {name: i for i, name in enumerate(config.LONGEST_FIRST)}
    return sorted(tasks, key=lambda t: rank.get(t.name, len(rank)))


def _execute_all(tasks: list[NotebookTask], jobs: int, log: Callable[[str], None]) -> list[NotebookOutcome]:
    total = len(tasks)
    if jobs == 0:  # this process is the worker (run_report's docstring)
        log(f"Running {total} notebook(s) in this process...")
        outcomes = []
        for done, task in enumerate(tasks, start=1):
            outcomes.append(execute_one(task))
            log(f"[{done}/{total}] {task.name} " + ("done" if outcomes[-1].ok else "FAILED")
                + f" in {outcomes[-1].seconds:.1f} s")
        return outcomes
    workers = min(jobs, total)
    log(f"Running {total} notebook(s) with {workers} worker process(es)...")
    outcomes: dict[str, NotebookOutcome] = {}
    # forkserver: workers are forked from a clean server process (never from this possibly
    # multi-threaded one) that has already imported papermill/nbconvert (report.execute), so they start instantly.
    with worker_pool(workers) as pool:
        futures = {pool.submit(execute_one, task): task for task in start_order(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            task = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the worker process itself died
                outcome = NotebookOutcome(task.name, False, 0.0, f"worker process failed: {type(exc).__name__}: {exc}")
            outcomes[task.name] = outcome
            status = f"done in {outcome.seconds:.1f} s" if outcome.ok else f"FAILED after {outcome.seconds:.1f} s"
            log(f"[{done}/{total}] {task.name} {status}")
    return [outcomes[t.name] for t in tasks]


def write_index(folder: Path, params: Any, outcomes: Sequence[NotebookOutcome],
                subset: Sequence[str] | None = None) -> Path:
    """Write ``report.json`` and ``index.html`` for a folder of executed notebooks."""
    import wigan_deal
    from wigan_deal.report.answers import render_answers
    from wigan_deal.report.data_version import data_manifest, render_data_section
    from wigan_deal.report.index import NotebookEntry, render_index
    from wigan_deal.report.records import environment_versions
    from wigan_deal.results import load_results

    shown = display_parameters(params, subset)
    today = date.today()
    commit = code_version()
    manifest = {
        "parameters": shown,
        "generated": today.isoformat(),
        "code_version": commit,
        "notebooks": [asdict(o) for o in outcomes],
    }
    data_version = data_manifest(params.vintage)
    manifest["package_version"] = wigan_deal.__version__
    manifest["environment"] = environment_versions()
    manifest["data"] = data_version
    (folder / "report.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    results = load_results(folder)
    html = render_index(
        title=f"The Wigan Deal evidence base: {params.area_name} ({params.area_code})",
        parameters=shown,
        vintage=f"healthy life expectancy vintage {params.vintage}",
        notebooks=[NotebookEntry(o.name, o.seconds, full=(folder / f"{o.name}.html").exists()) for o in outcomes],
        results=results,
        answers=render_answers(results, params.area_code, params.area_name),
        generated=today,
        code_version=commit,
        package_version=wigan_deal.__version__,
        data_section=render_data_section(data_version),
        claims_note=None if params.area_code == config.WIGAN else (
            f"The claims are Wigan's. For {params.area_name} the same pre-specified rules are applied to "
            f"{params.area_name}'s data, as a comparison: a verdict here says whether the same statement "
            f"would hold for {params.area_name}."
        ),
    )
    path = folder / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def code_version() -> str | None:
    """Short git commit of the checkout (``+dirty`` if it has uncommitted changes), or ``None``."""
    try:
        def git(*args: str) -> str:
            return subprocess.run(
                ["git", *args], cwd=config.PROJECT_ROOT, capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()

        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def describe_variant(params: Any, subset: Sequence[str] | None = None) -> str:
    """Which parameters made this report: "default parameters" or the non-default ones."""
    defaults = config.DEFAULT_PARAMETERS
    changed = [f"{label} {value} (default {defaults[attr]})" for attr, _, label, value in _changed_scalars(params)]
    if _comparators_changed(params) is not None:
        changed.append(f"comparators {', '.join(params.comparators)} (default {', '.join(defaults['comparators'])})")
    if subset:
        changed.append(f"only notebooks {', '.join(subset)} (a partial report)")
    return "default parameters" if not changed else "; ".join(changed)


def display_parameters(params: Any, subset: Sequence[str] | None = None) -> dict[str, Any]:
    """Parameters as shown in the index and ``report.json``."""
    return {
        "variant": describe_variant(params, subset),
        "report folder": report_folder_name(params, subset),
        "area": f"{params.area_name} ({params.area_code})",
        "comparators (as given)": list(params.comparators),
        "comparator areas": len(params.comparator_codes),
        "break year": params.break_year,
        "HLE vintage": params.vintage,
        "sex": params.sex,
        "post rule": params.post_rule,
    }
