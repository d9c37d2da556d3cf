"""Sweeps: many reports (councils x break years x vintages x sexes), on this machine or a Dask cluster.

``wigan-deal sweep --areas all --break-years 2010,2011,2012 --vintages 2019-05,2026-05 --sexes Male,Female``
makes one task per combination. Each task is one report, read from the same command line as
``python -m wigan_deal.report ... --jobs 1`` (a list of arguments, never a shell), so a sweep's parallelism is
across reports.

- **Where:** by default a local pool of ``--jobs`` worker processes, each running its reports one after
  another in ONE reused kernel (reset between notebooks, as the atlas does), so only the first report of a
  worker pays for starting Python, a kernel and the data caches. With ``--scheduler tcp://HOST:8786`` (or
  ``DASK_SCHEDULER_ADDRESS``) every task goes to an existing ``dask.distributed`` cluster as a
  ``python -m wigan_deal.report`` process of its own; the workers need this project installed at the same
  path and ``--out`` on a file system they share.
- **Resumable:** each task's *inputs hash* (its parameters, the package version, the git commit, the
  sha256 of every data extract and of the notebooks) is recorded in ``<out>/sweep-ledger.json`` when
  its report is published. A task whose folder exists with the same inputs hash is skipped.
- **Progress:** a progress bar with time left on a terminal (tqdm), plain lines in logs and CI.
- **Safe to stop:** Ctrl-C or SIGTERM stops every running report (each cleans up its own workers and
  temporary folder); a report's subprocess also dies with the sweep (parent-death signal).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wigan_deal import config

LEDGER = "sweep-ledger.json"
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


@dataclass(frozen=True)
class SweepTask:
    """One report of a sweep. ``comparators`` and ``post_rule`` (empty: the report's defaults) let a caller add
    variants the command line's grid does not make (the tests render theirs as one sweep)."""

    area: str
    break_year: int
    vintage: str
    sex: str
    notebooks: tuple[str, ...] = ()
    #: "both" or "reader" (reader pages only, every figure drawn once: ``--pages reader``)
    pages: str = "both"
    comparators: tuple[str, ...] = ()
    post_rule: str = ""

    def argv(self, out: Path) -> list[str]:
        args = ["--area", self.area, "--break-year", str(self.break_year), "--vintage", self.vintage,
                "--sex", self.sex, "--jobs", "1", "--out", str(out), "--pages", self.pages]
        args += ["--comparators", ",".join(self.comparators)] if self.comparators else []
        args += ["--post-rule", self.post_rule] if self.post_rule else []
        return args + (["--notebooks", ",".join(self.notebooks)] if self.notebooks else [])

    def folder(self) -> str:
        """The report folder name the runner gives this variant."""
        from wigan_deal.parameters import validate
        from wigan_deal.report.runner import READER_PAGES_SUFFIX, report_folder_name

        extra = {"comparators": list(self.comparators)} if self.comparators else {}
        extra |= {"post_rule": self.post_rule} if self.post_rule else {}
        params = validate(area_code=self.area, break_year=self.break_year, vintage=self.vintage, sex=self.sex,
                          **extra)
        name = report_folder_name(params, list(self.notebooks) or None)
        return name + (READER_PAGES_SUFFIX if self.pages == "reader" else "")


@dataclass
class SweepOutcome:
    task: SweepTask
    status: str  # "written", "skipped" or "failed"
    seconds: float = 0.0
    error: str = ""


def make_tasks(areas: Sequence[str], break_years: Sequence[int], vintages: Sequence[str],
               sexes: Sequence[str], notebooks: Sequence[str] = (), pages: str = "both") -> list[SweepTask]:
    """Every combination, checked by the same validation as a single report (a bad value is an error)."""
    from wigan_deal.parameters import validate
    from wigan_deal.report.selection import parse_pages

    pages = parse_pages(pages)
    tasks = [SweepTask(a, int(b), v, s, tuple(notebooks), pages)
             for a, b, v, s in itertools.product(areas, break_years, vintages, sexes)]
    for a, b, v, s in {(t.area, t.break_year, t.vintage, t.sex) for t in tasks}:
        validate(area_code=a, break_year=b, vintage=v, sex=s)  # raises ParameterError: one paragraph
    return tasks


def _sha256_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def shared_inputs() -> dict[str, Any]:
    """What every task's report depends on besides its parameters."""
    import wigan_deal
    from wigan_deal.report.runner import code_version

    return {"package_version": wigan_deal.__version__, "code_version": code_version(),
            "extracts": _sha256_files(config.EXTRACTS_DIR.glob("*.csv")),
            "notebooks": _sha256_files(config.NOTEBOOKS_DIR.glob("*.ipynb"))}


def inputs_hash(task: SweepTask, shared: dict[str, Any]) -> str:
    # the variant fields added later count only when set, so ledgers written before them still match
    fields = {k: v for k, v in asdict(task).items() if v or k not in ("comparators", "post_rule")}
    payload = json.dumps({"task": fields, **shared}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _read_ledger(out: Path) -> dict[str, str]:
    try:
        return json.loads((out / LEDGER).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_ledger(out: Path, ledger: dict[str, str]) -> None:
    tmp = out / f".{LEDGER}.{os.getpid()}"
    tmp.write_text(json.dumps(ledger, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out / LEDGER)


def _die_with_parent() -> None:  # runs in the child between fork and exec
    from wigan_deal.report.kernels import set_parent_death_signal

    set_parent_death_signal(signal.SIGTERM)


_RUNNING: set[subprocess.Popen] = set()
_LOCK = threading.Lock()


def run_task_here(task: SweepTask, out: str) -> SweepOutcome:
    """Run one report in this process (a local sweep's pool worker) and its reused kernel: the same command line
    as :func:`run_task`'s, read by the report's own :func:`wigan_deal.report.__main__.plan`."""
    from wigan_deal.parameters import ParameterError
    from wigan_deal.report.__main__ import UsageError, build_parser, plan
    from wigan_deal.report.runner import OutputFolderError, ReportError, run_report

    start = time.perf_counter()
    try:
        chosen = plan(build_parser().parse_args(task.argv(Path(out))))
        run_report(chosen.params, chosen.notebooks, out_dir=chosen.out, jobs=0, log=lambda _m: None,
                   subset=chosen.subset, pages=chosen.pages)
    except (ParameterError, UsageError, OutputFolderError, ReportError, ValueError, OSError) as exc:
        tail = " ".join(str(exc).strip().splitlines()[-3:])[:500]
        return SweepOutcome(task, "failed", time.perf_counter() - start, tail or type(exc).__name__)
    return SweepOutcome(task, "written", time.perf_counter() - start)


def run_task(task: SweepTask, out: str, timeout: float = 3600.0) -> SweepOutcome:
    """Run one report in a subprocess of its own (on a Dask worker)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "wigan_deal.report", *task.argv(Path(out))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_die_with_parent, cwd=str(config.PROJECT_ROOT))
    with _LOCK:
        _RUNNING.add(proc)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        _, err = proc.communicate()
        err = f"timed out after {timeout:.0f} s\n{err}"
    finally:
        with _LOCK:
            _RUNNING.discard(proc)
    seconds = time.perf_counter() - start
    if proc.returncode == 0:
        return SweepOutcome(task, "written", seconds)
    tail = " ".join((err or "").strip().splitlines()[-3:])[:500]
    return SweepOutcome(task, "failed", seconds, tail or f"exit code {proc.returncode}")


def _stop_running() -> None:
    with _LOCK:
        procs = list(_RUNNING)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()  # the report runner stops its workers and removes its temporary folder
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.wait(timeout=30)


class Progress:
    """tqdm bar with time left on a terminal; plain lines otherwise (logs, CI)."""

    def __init__(self, total: int, log: Callable[[str], None], bar: bool | None = None):
        self.total, self.done, self.log = total, 0, log
        use_bar = sys.stderr.isatty() if bar is None else bar
        self.bar = None
        if use_bar and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", file=sys.stderr)

    def update(self, outcome: SweepOutcome) -> None:
        self.done += 1
        t = outcome.task
        text = (f"[{self.done}/{self.total}] {t.area} break {t.break_year} {t.vintage} {t.sex}: "
                f"{outcome.status} ({outcome.seconds:.1f} s)" + (f": {outcome.error}" if outcome.error else ""))
        if self.bar is not None:
            self.bar.update(1)
            if outcome.status == "failed":
                self.bar.write(text)
        else:
            self.log(text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _futures(todo: list[SweepTask], out: Path, scheduler: str | None, jobs: int, stack: contextlib.ExitStack):
    """(future, task) pairs and their completion order, on Dask or a local pool of reused kernels (both closed by
    ``stack``; the local pool's workers and kernels are killed if it is left by an exception)."""
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        client = stack.enter_context(contextlib.closing(Client(scheduler, timeout="30s")))
        futures = {client.submit(run_task, t, str(out), pure=False, key=f"report-{i}-{t.area}"): t
                   for i, t in enumerate(todo)}
        return futures, dask_completed(list(futures))
    from wigan_deal.report.kernels import EXECUTE_MODULE, worker_pool

    # the workers run run_task_here: this module, the report's command line and runner, the notebooks' execution
    preload = ("wigan_deal.report.sweep", "wigan_deal.report.__main__", "wigan_deal.report.runner", EXECUTE_MODULE)
    pool = stack.enter_context(worker_pool(max(1, min(jobs, len(todo))), preload=preload))
    futures = {pool.submit(run_task_here, t, str(out)): t for t in todo}
    return futures, as_completed(futures)


def run_sweep(tasks: Sequence[SweepTask], out: Path = config.REPORTS_DIR, *, scheduler: str | None = None,
              jobs: int = config.DEFAULT_JOBS, log: Callable[[str], None] = print,
              bar: bool | None = None) -> list[SweepOutcome]:
    """Run ``tasks`` (skipping those already done with the same inputs); return every outcome."""
    from wigan_deal.report.selection import check_output_folder

    out = check_output_folder(Path(out))
    shared = shared_inputs()
    ledger = _read_ledger(out)
    todo, outcomes = [], []
    for task in tasks:
        folder = task.folder()
        if ledger.get(folder) == inputs_hash(task, shared) and (out / folder / "index.html").exists():
            outcomes.append(SweepOutcome(task, "skipped"))
        else:
            todo.append(task)
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{jobs} local worker(s)"
    log(f"Sweep: {len(tasks)} report(s), {len(outcomes)} already up to date, {len(todo)} to run on {where}")
    progress = Progress(len(todo), log, bar)
    futures: dict = {}
    try:
        with contextlib.ExitStack() as stack:
            futures, completed = _futures(todo, out, scheduler, jobs, stack) if todo else ({}, [])
            for future in completed:
                outcome = future.result()
                outcomes.append(outcome)
                if outcome.status == "written":
                    ledger[outcome.task.folder()] = inputs_hash(outcome.task, shared)
                    _write_ledger(out, ledger)
                progress.update(outcome)
    except BaseException:
        for future in futures:
            with contextlib.suppress(Exception):
                future.cancel()
        _stop_running()
        if not scheduler:  # the local pool's workers are gone: remove the folders they were writing
            from wigan_deal.report.runner import _remove_stale_temporaries

            _remove_stale_temporaries(out)
        raise
    finally:
        progress.close()
    return outcomes


#: the committed result of ``benchmarks/bench_sweep.py --write`` (quoted by the README)
SCALING_FILE = config.PROJECT_ROOT / "benchmarks" / "results" / "sweep_scaling.json"


def readme_scaling() -> str:
    """README block: the sweep's measured scaling (1 vs 2 Dask workers) and memory per worker."""
    from wigan_deal import fmt

    m = json.loads(SCALING_FILE.read_text(encoding="utf-8"))
    one, two = m["seconds"]["1"], m["seconds"]["2"]
    return (f"Measured here ({m['cores']} cores, {m['date']}, `benchmarks/bench_sweep.py`): a sweep of "
            f"{m['reports']} reports (notebooks {m['notebooks']}) on a Dask `LocalCluster` took "
            f"{fmt.number(one, 0)} s with 1 worker and {fmt.number(two, 0)} s with 2 "
            f"(speed-up {fmt.number(one / two, 2)}x); one worker's process tree (worker, report runner, "
            f"notebook worker and kernel) peaked at {fmt.number(m['peak_mib'], 0)} MiB, so give each Dask "
            f"worker thread about {fmt.number(m['peak_mib'] / 1024 + 0.5, 1)} GiB.")


def _csv(text: str) -> list[str]:
    return [v.strip() for v in str(text).split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wigan-deal sweep", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Many reports: every combination of areas, break years, vintages and sexes, locally or on "
                    "a Dask cluster; reports already written with the same inputs are skipped.")
    p.add_argument("--areas", default=config.DEFAULT_AREA, metavar="CODES",
                   help="(comma list) council codes, or 'all' for every English upper-tier council")
    p.add_argument("--break-years", default=str(config.DEFAULT_BREAK_YEAR), metavar="YEARS",
                   help="(comma list of int) break years")
    p.add_argument("--vintages", default=config.DEFAULT_VINTAGE, metavar="VINTAGES",
                   help="(comma list) healthy life expectancy vintages")
    p.add_argument("--sexes", default=config.DEFAULT_SEX, metavar="SEXES", help="(comma list) Male, Female")
    p.add_argument("--notebooks", default="", metavar="PREFIXES",
                   help="(comma list) notebook prefixes to run, e.g. 02,05 (default: all)")
    p.add_argument("--pages", default="both", metavar="PAGES",
                   help="(text) both, or reader: reader pages only, every figure drawn once (quicker)")
    p.add_argument("--jobs", type=int, default=config.DEFAULT_JOBS, metavar="INT",
                   help="(int) reports at a time on this machine (ignored with --scheduler)")
    p.add_argument("--scheduler", default=os.environ.get(SCHEDULER_ENV) or None, metavar="ADDRESS",
                   help=f"(text) Dask scheduler, e.g. tcp://HOST:8786 (default: ${SCHEDULER_ENV}, else local)")
    p.add_argument("--out", type=Path, default=config.REPORTS_DIR, metavar="DIR", help="(path) reports folder")
    return p


def main(argv: Sequence[str] | None = None, *, exit_on_stop: bool = False) -> int:
    args = build_parser().parse_args(argv)
    from wigan_deal.parameters import ParameterError
    from wigan_deal.report.selection import OutputFolderError

    try:
        if args.jobs < 1:
            raise ValueError(f"--jobs must be a positive whole number, got {args.jobs}.")
        years = []
        for y in _csv(args.break_years):
            if not y.isdigit():
                raise ValueError(f"--break-years must be whole years separated by commas, got {y[:40]!r}.")
            years.append(int(y))
        if args.areas.strip().lower() == "all":
            from wigan_deal.report.atlas import councils

            areas = [code for code, _ in councils()]
        else:
            areas = _csv(args.areas)
        lists = {"--areas": areas, "--break-years": years, "--vintages": _csv(args.vintages),
                 "--sexes": _csv(args.sexes)}
        empty = [k for k, v in lists.items() if not v]
        if empty:
            raise ValueError(f"{', '.join(empty)} must name at least one value.")
        tasks = make_tasks(areas, years, lists["--vintages"], lists["--sexes"], _csv(args.notebooks),
                           args.pages)
    except (ParameterError, ValueError, OutputFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # the arguments were good: only now the kernels' machinery is imported
    from wigan_deal.report.kernels import Stopped, exit_after_stop, stop_on_signals

    try:
        with stop_on_signals():
            outcomes = run_sweep(tasks, args.out, scheduler=args.scheduler, jobs=args.jobs)
    except OutputFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot reach the Dask scheduler {args.scheduler!r} ({exc}). Start one with "
              "`dask scheduler` and workers with `dask worker ADDRESS`, or leave --scheduler out to run here.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        why = str(exc) if isinstance(exc, Stopped) else "interrupted (Ctrl-C)"
        print(f"Stopped: {why}; running reports were stopped; finished reports are kept and recorded, so "
              "running the same sweep again resumes it.", file=sys.stderr)
        if exit_on_stop:  # a process of its own: end it now, its pool killed (kernels.exit_after_stop)
            exit_after_stop(130)
        return 130
    failed = [o for o in outcomes if o.status == "failed"]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("written", "skipped", "failed")}
    print(f"Sweep finished: {counts['written']} written, {counts['skipped']} skipped (up to date), "
          f"{counts['failed']} failed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(exit_on_stop=True))
