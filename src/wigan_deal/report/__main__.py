"""Command line: ``python -m wigan_deal.report [--area CODE] [--break-year YEAR] ...``.

Defaults come from ``report_config.yml`` (``--config``), command-line flags override them.
Exit codes: 0 report written (or no notebooks exist yet), 1 a notebook failed or the disk filled up
(previous report untouched), 2 invalid parameters, configuration or reports folder, including an option
given an empty value (nothing run, nothing written), 130/143 stopped (Ctrl-C / SIGTERM, SIGHUP or the
parent ``make`` stopping).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from wigan_deal import config

CONFIG_KEYS = ("area", "comparators", "break_year", "vintage", "sex", "post_rule", "jobs", "notebooks")
#: Defaults come from wigan_deal.config (the one source); report_config.yml may override them.
BUILTIN_DEFAULTS: dict[str, Any] = {
    "area": config.DEFAULT_AREA,
    "comparators": list(config.DEFAULT_COMPARATORS),
    "break_year": config.DEFAULT_BREAK_YEAR,
    "vintage": config.DEFAULT_VINTAGE,
    "sex": config.DEFAULT_SEX,
    "post_rule": config.DEFAULT_POST_RULE,
    "jobs": config.DEFAULT_JOBS,
    "notebooks": "all",
}


class UsageError(ValueError):
    """Bad configuration file or command-line value (exit code 2)."""


def short_repr(value: Any) -> str:
    """A value as echoed in a message, long input shortened (imported late: ``--help`` stays quick)."""
    from wigan_deal.data import short_repr as shorten

    return shorten(value)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m wigan_deal.report",
        description="Execute the analysis notebooks for one area and write reports/<area>/index.html.",
    )
    p.add_argument("--area", help="ONS code or name of an English upper-tier local authority")
    p.add_argument("--break-year", help=f"intervention start year (default {config.DEFAULT_BREAK_YEAR})")
    p.add_argument("--vintage", help="healthy life expectancy vintage, e.g. 2019-05")
    p.add_argument("--sex", help="Male or Female")
    p.add_argument("--post-rule", help="start | mid | end (see wigan_deal.periods)")
    p.add_argument("--comparators", help="comma list of kinds (england,gm,nearest,all) and/or area codes")
    p.add_argument("--notebooks", help="subset to run: comma list of prefixes, e.g. 02,05")
    p.add_argument("--jobs", help=f"worker processes (default {config.DEFAULT_JOBS})")
    p.add_argument("--pages", help="both (default: a reader page and a page with code per notebook) or reader "
                                   "(reader pages only, every figure drawn once: quicker; its own folder)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="a new kernel for every notebook (default: one kernel per worker, reset between notebooks)")
    p.add_argument("--out", default=str(config.REPORTS_DIR), help="reports folder (default reports/)")
    p.add_argument("--config", default=None, help="YAML defaults (default report_config.yml)")
    p.add_argument("--notebook-dir", default=str(config.NOTEBOOKS_DIR), help=argparse.SUPPRESS)
    return p


def reject_blank(args: argparse.Namespace) -> None:
    """An option given an empty or all-space value is an error: ``--area ''`` (``make report AREA='  '``)
    must never mean Wigan, ``--notebooks ''`` every notebook, nor ``--out ''`` the current folder."""
    for key, value in vars(args).items():
        if isinstance(value, str) and not value.strip():
            flag = "--" + key.replace("_", "-")
            raise UsageError(
                f"{flag} was given {'an empty value' if not value else 'only spaces'}: give it a value (see "
                f"--help), or leave {flag} out to use the default; nothing was run."
            )


def load_config(path: Path | None) -> dict[str, Any]:
    """Built-in defaults overlaid with the YAML file (the default file may be absent)."""
    explicit = path is not None
    path = Path(path) if explicit else config.REPORT_CONFIG_FILE
    settings = dict(BUILTIN_DEFAULTS)
    if not path.exists():
        if explicit:
            raise UsageError(f"Configuration file {path} does not exist.")
        return settings
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"Configuration file {path} is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"Configuration file {path} must be a mapping of settings, got {type(loaded).__name__}.")
    unknown = sorted(set(loaded) - set(CONFIG_KEYS))
    if unknown:
        raise UsageError(
            f"Unknown setting(s) {', '.join(map(repr, unknown))} in {path}; valid settings are "
            f"{', '.join(CONFIG_KEYS)}."
        )
    settings.update(loaded)
    return settings


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value]
    return value  # let validate() reject it with a clear message


def _coerce_year(value: Any) -> Any:
    """CLI/YAML strings such as "2011" become ints; anything else goes to validate() unchanged."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        return int(value)
    return value


def _coerce_jobs(value: Any) -> int:
    try:
        jobs = int(str(value))
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise UsageError(f"--jobs must be a positive whole number of worker processes, got {short_repr(value)}.")
    return jobs


def merged_settings(args: argparse.Namespace) -> dict[str, Any]:
    settings = load_config(args.config)
    for key in ("area", "break_year", "vintage", "sex", "post_rule", "comparators", "notebooks", "jobs"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    settings["comparators"] = _split(settings["comparators"])
    settings["break_year"] = _coerce_year(settings["break_year"])
    settings["jobs"] = _coerce_jobs(settings["jobs"])
    nbs = settings["notebooks"]
    settings["notebooks"] = None if nbs in (None, "all", ["all"]) else _split(nbs)
    if settings["notebooks"] == []:
        raise UsageError(
            f"The notebook selection {short_repr(nbs)} names no notebook: give two-digit prefixes such as '02,05', "
            "or 'all' (the default) for every notebook; nothing was run."
        )
    return settings


@dataclass(frozen=True)
class Plan:
    """What one report run will do, read from its command line (and the configuration file)."""

    params: Any
    notebooks: list[Path]
    subset: list[str] | None
    pages: str
    jobs: int
    out: Path
    fresh_kernels: bool


def plan(args: argparse.Namespace) -> Plan:
    """The report ``args`` ask for, validated; raises ParameterError, UsageError, OutputFolderError or ValueError
    (one paragraph each). Shared by :func:`main` and a local sweep's workers, so both read a command line alike."""
    reject_blank(args)  # the checks come before the imports they do not need: a bad value is answered at once
    settings = merged_settings(args)
    from wigan_deal.parameters import validate

    params = validate(
        area_code=settings["area"],
        comparators=settings["comparators"],
        break_year=settings["break_year"],
        vintage=settings["vintage"],
        sex=settings["sex"],
        post_rule=settings["post_rule"],
    )
    from wigan_deal.report.selection import check_output_folder, discover_notebooks, parse_pages

    pages = parse_pages(args.pages)
    out, notebook_dir = Path(args.out), Path(args.notebook_dir)
    notebooks = discover_notebooks(notebook_dir, settings["notebooks"])
    if notebooks:
        check_output_folder(out)
    subset = [nb.stem.split("_", 1)[0] for nb in notebooks] if settings["notebooks"] else None
    if subset and notebooks == discover_notebooks(notebook_dir):
        subset = None  # every notebook was named: the full report
    return Plan(params, notebooks, subset, pages, settings["jobs"], out, bool(args.fresh_kernels))


def main(argv: Sequence[str] | None = None, *, exit_on_stop: bool = False) -> int:
    args = build_parser().parse_args(argv)
    try:
        chosen = plan(args)
    except ValueError as exc:  # ParameterError, UsageError, OutputFolderError: one paragraph each
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not chosen.notebooks:
        print(f"No notebooks yet: {args.notebook_dir} has no NN_*.ipynb files, so there is nothing to run "
              "and no report was written.")
        return 0
    # the arguments were good: only now the runner and the kernels' machinery are imported (papermill and nbconvert
    # only in the workers, report.execute)
    from wigan_deal.report.kernels import Stopped, exit_after_stop, stop_on_signals
    from wigan_deal.report.runner import OutputFolderError, ReportError, run_report

    params = chosen.params
    print(f"Report for {params.area_name} ({params.area_code}), break year {params.break_year}, "
          f"vintage {params.vintage}, sex {params.sex}, post rule {params.post_rule}")
    start = time.perf_counter()
    try:
        with stop_on_signals():
            folder = run_report(params, chosen.notebooks, out_dir=chosen.out, jobs=chosen.jobs,
                                fresh_kernels=chosen.fresh_kernels, subset=chosen.subset, pages=chosen.pages)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OutputFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        why = str(exc) if isinstance(exc, Stopped) else "interrupted (Ctrl-C)"
        print(f"Stopped: {why}; workers and kernels were stopped and no report was written "
              "(an existing report is unchanged).", file=sys.stderr)
        code = 130 if not isinstance(exc, Stopped) else 143
        if exit_on_stop:  # a process of its own: end it now (kernels.exit_after_stop)
            exit_after_stop(code)
        return code
    print(f"Report written to {folder / 'index.html'} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(exit_on_stop=True))
