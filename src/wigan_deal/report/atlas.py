"""The all-council atlas: ``python -m wigan_deal.report.atlas`` (``make atlas``).

Renders the default report of every English upper-tier council into ``<out>/atlas-reports/<code>/``
(reader pages only: their own folder, so a full report in ``<out>/<code>/`` is never replaced) and writes
``<out>/atlas/index.html``: one sortable table (plain JavaScript, works offline) of every council's
headline results read from its recorded JSON, each row linking to the council's report, and the
distributions as figures with the chosen area highlighted. A failing council never stops the run: it
is listed with its reason, and the run exits 1. The page is never replaced by a worse one: a run that
would drop councils the existing page lists keeps it (see :func:`check_not_worse`). Progress lines give
councils done, time per council and time left.

Speed (see ``make bench``): one pool of worker processes, each keeping ONE kernel for all the councils
it runs (imports and data caches are paid once per worker, not per council or notebook; the kernel is
reset between notebooks and its clients are closed, see :mod:`wigan_deal.report.runner`); and only the
code-hidden reader page is written per notebook (no full HTML: the executed ``.ipynb`` keeps the code); and
only each notebook's headline figure is drawn (:data:`FIGURE_MODE`; ``--all-figures`` draws every figure), once,
at 72 dpi (:data:`FIGURE_DPI`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from wigan_deal import config

# pandas (through fmt), matplotlib, the runner and the kernels' machinery are imported by the functions that use
# them: `python -m wigan_deal.report.atlas --help` and a bad argument are answered without them

ATLAS_FOLDER = "atlas"
#: The councils' reader-only reports (``<out>/atlas-reports/<code>/``), apart from full reports.
REPORTS_FOLDER = "atlas-reports"
#: Shared stylesheet of the councils' reader pages (one copy instead of ~260 KB in every page).
ASSETS_FOLDER = "_assets"
#: Figure resolution of the atlas's council reports (a single report uses matplotlib's 100 dpi):
#: about half the pixels, so half the PNG bytes stored in each .ipynb and reader page.
FIGURE_DPI = 72
#: Figure rendering of the atlas's council reports: only each notebook's headline figure (the figure of its
#: primary estimate; every other figure is a one-line note naming the command that draws it), drawn ONCE, a wide
#: one only as its phone (one-column) variant, shown on desktops and phones alike
#: (:data:`wigan_deal.plots.FIGURE_MODES`). Figures were about half of an atlas page's CPU (issue 19).
FIGURE_MODE = "headline"
#: ``--all-figures``: every figure, each drawn once.
ALL_FIGURES_MODE = "single"

#: Atlas columns: (key, header, notebook, recorded value key, unit). ``{sex}`` columns exist per sex.
COLUMNS: tuple[tuple[str, str, str, str, str], ...] = (
    ("hle_change_male", "HLE change, male (years)", "02_healthy_life_expectancy", "hle_change_male", "years"),
    ("hle_diff_male", "HLE change minus England's, male", "02_healthy_life_expectancy", "hle_change_diff_male", "years"),
    ("hle_diff_female", "HLE change minus England's, female", "02_healthy_life_expectancy", "hle_change_diff_female", "years"),
    ("its_cancer_level", "ITS level change, u75 preventable cancer mortality", "03_mortality_and_life_expectancy_its",
     "its_cancer_level_change", "per 100,000"),
    ("its_cancer_slope", "ITS slope change, u75 preventable cancer mortality", "03_mortality_and_life_expectancy_its",
     "its_cancer_slope_change", "per 100,000 per year"),
    ("its_le_level_male", "ITS level change, male life expectancy", "03_mortality_and_life_expectancy_its",
     "its_le_level_change_male", "years"),
    ("placebo_p", "Placebo-in-space p, cancer level change", "05_robustness", "placebo_space_p_two_sided", "p"),
    ("asc_change_pct", "Adult social care spend change 2011/12-2017/18 (%)", "04_adult_social_care_finance",
     "asc_change_pct", "%"),
    ("asc_per_head", "Adult social care per head 2017/18 (GBP)", "04_adult_social_care_finance",
     "asc_per_head_2017_18", "GBP"),
    ("tse_change_pct", "Total service spend change 2010/11-2017/18 (%)", "04_adult_social_care_finance",
     "tse_change_pct", "%"),
    ("asc_variance_last", "Adult social care outturn minus budget, 2017/18 (% of budget)",
     "04_adult_social_care_finance", "asc_variance_pct_last", "%"),
    ("n_supported", "Claims supported", "06_report_claims", "n_supported", "claims"),
    ("n_partly", "Claims partly supported", "06_report_claims", "n_partly_supported", "claims"),
    ("n_not_supported", "Claims not supported", "06_report_claims", "n_not_supported", "claims"),
)
#: Distributions drawn as figures (column key, axis label).
FIGURES: tuple[tuple[str, str], ...] = (
    ("hle_diff_male", "male HLE change minus England's (years)"),
    ("hle_rtm_residual", "male HLE change adjusted for regression to the mean (years)"),
    ("its_cancer_level", "ITS level change, u75 preventable cancer mortality (per 100,000)"),
    ("asc_change_pct", "adult social care spend change 2011/12-2017/18 (%)"),
)


@dataclass(frozen=True)
class CouncilTask:
    """One council's default report, run inside one worker (picklable)."""

    area_code: str
    notebooks: tuple[str, ...]
    out_dir: str
    runner_pid: int
    timeout: int | None = None
    figure_mode: str = FIGURE_MODE


@dataclass
class CouncilOutcome:
    area_code: str
    area_name: str
    ok: bool
    seconds: float
    reason: str | None = None
    notebook_seconds: dict[str, float] = field(default_factory=dict)


def councils() -> list[tuple[str, str]]:
    """``(code, name)`` of every English upper-tier council in the extracts."""
    from wigan_deal import data

    table = data.areas("upper_tier").sort_values("area_code")
    return list(zip(table["area_code"], table["area_name"], strict=True))


def reports_dir(out: Path) -> Path:
    """Where the atlas writes its councils' reader-only reports."""
    return Path(out) / REPORTS_FOLDER


def council_href(code: str) -> str:
    """Link from the atlas page to a council's atlas report."""
    return f"../{REPORTS_FOLDER}/{code}/index.html"


class AtlasKept(RuntimeError):
    """The new atlas page would list fewer councils than the existing one, which was kept."""

    outcomes: Sequence[CouncilOutcome] = ()


# --- worker side ------------------------------------------------------------------------------------
def run_council(task: CouncilTask) -> CouncilOutcome:
    """Worker: validate, execute every notebook in this worker's kernel, publish ``<out>/<code>/``."""
    from wigan_deal.parameters import ParameterError, validate
    from wigan_deal.report import runner

    start = time.perf_counter()
    try:
        params = validate(area_code=task.area_code)
    except (ParameterError, ValueError) as exc:
        return CouncilOutcome(task.area_code, task.area_code, False, time.perf_counter() - start,
                              f"invalid parameters: {exc}")
    out = Path(task.out_dir)
    name = runner.report_folder_name(params)
    tmp = out / f".tmp-{name}-{task.runner_pid}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    outcomes = []
    published = False
    try:
        for source in task.notebooks:
            stem = Path(source).stem
            nb_task = runner.NotebookTask(
                name=stem, source=source, folder=str(tmp),
                parameters=runner.notebook_parameters(params, tmp / f"{stem}.json"),
                cwd=str(Path(source).parent), timeout=task.timeout or runner.CELL_TIMEOUT, html="reader",
                figure_dpi=FIGURE_DPI, figure_mode=task.figure_mode, save_each_cell=False, assets=str(out / ASSETS_FOLDER),
                area_name=params.area_name,
            )
            outcome = runner.execute_one(nb_task)
            outcomes.append(outcome)
            if not outcome.ok:
                first = (outcome.error or "failed").splitlines()[0]
                return CouncilOutcome(params.area_code, params.area_name, False, time.perf_counter() - start,
                                      f"{stem}: {first}", {o.name: round(o.seconds, 2) for o in outcomes})
        shutil.rmtree(tmp / runner.LOG_FOLDER, ignore_errors=True)
        runner.write_index(tmp, params, outcomes)
        runner.publish(tmp, out / name)
        published = True
    finally:
        if not published:
            shutil.rmtree(tmp, ignore_errors=True)
    return CouncilOutcome(params.area_code, params.area_name, True, time.perf_counter() - start, None,
                          {o.name: round(o.seconds, 2) for o in outcomes})


# --- runner side ------------------------------------------------------------------------------------
def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def run_atlas(
    codes: Sequence[str] | None = None,
    *,
    out_dir: Path = config.REPORTS_DIR,
    jobs: int = config.DEFAULT_JOBS,
    notebooks: Sequence[Path] | None = None,
    highlight: str = config.DEFAULT_AREA,
    all_figures: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[Path, list[CouncilOutcome]]:
    """Render every council in ``codes`` (default: all) and the atlas page; return its path and outcomes.
    Council pages draw each notebook's headline figure only, or every figure with ``all_figures``."""
    from wigan_deal.report import runner, selection
    from wigan_deal.report.kernels import EXECUTE_MODULE

    out = selection.check_output_folder(out_dir)
    runner._remove_stale_temporaries(out)
    reports = selection.check_output_folder(reports_dir(out))
    runner._remove_stale_temporaries(reports)
    if notebooks is None:
        notebooks = selection.discover_notebooks(config.NOTEBOOKS_DIR)
    names = dict(councils())
    codes = list(dict.fromkeys(codes)) if codes else list(names)
    sources = tuple(str(Path(nb).resolve()) for nb in notebooks)
    mode = ALL_FIGURES_MODE if all_figures else FIGURE_MODE
    tasks = [CouncilTask(code, sources, str(reports), os.getpid(), figure_mode=mode) for code in codes]
    total = len(tasks)
    workers = max(1, min(jobs, total))
    log(f"Atlas: {total} council(s), {len(sources)} notebook(s) each, {workers} worker process(es)...")
    start = time.perf_counter()
    outcomes: dict[str, CouncilOutcome] = {}
    # the councils' workers run run_council: this module, the runner and the notebooks' execution
    with runner.worker_pool(workers, preload=("wigan_deal.report.atlas", "wigan_deal.report.runner", EXECUTE_MODULE)) as pool:
        futures = {pool.submit(run_council, task): task for task in tasks}
        for done, future in enumerate(as_completed(futures), start=1):
            task = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the worker process itself died
                outcome = CouncilOutcome(task.area_code, names.get(task.area_code, task.area_code), False, 0.0,
                                         f"worker process failed: {type(exc).__name__}: {exc}")
            outcomes[task.area_code] = outcome
            elapsed = time.perf_counter() - start
            per = elapsed / done
            status = f"done in {outcome.seconds:.1f} s" if outcome.ok else f"FAILED ({outcome.reason})"
            log(f"[{done}/{total}] {outcome.area_code} {outcome.area_name}: {status} | "
                f"{per:.1f} s per council | ~{format_duration(per * (total - done))} left")
    ordered = [outcomes[t.area_code] for t in tasks]
    elapsed = time.perf_counter() - start
    try:
        page = write_atlas(out, ordered, highlight=highlight, elapsed=elapsed, jobs=workers)
    except AtlasKept as exc:
        exc.outcomes = ordered
        raise
    failed = [o for o in ordered if not o.ok]
    log(f"Atlas written to {page}: {total - len(failed)} of {total} councils in {format_duration(elapsed)} "
        f"({elapsed / max(total, 1):.2f} s per council)" + (f"; {len(failed)} failed (listed on the page)" if failed else ""))
    return page, ordered


# --- the atlas page ---------------------------------------------------------------------------------
def collect_rows(out: Path, outcomes: Sequence[CouncilOutcome]) -> list[dict[str, Any]]:
    """One row per successful council: its headline values read from the report's recorded JSON."""
    from wigan_deal.report.atlas_views import add_primary
    from wigan_deal.results import load_results

    rows = []
    for o in outcomes:
        if not o.ok:
            continue
        results = load_results(reports_dir(out) / o.area_code)
        row: dict[str, Any] = {"area_code": o.area_code, "area_name": o.area_name, "seconds": round(o.seconds, 2)}
        why: dict[str, str] = {}
        for key, _header, notebook, value_key, _unit in COLUMNS:
            item = results.get(notebook, {}).get("values", {}).get(value_key)
            row[key] = item.get("value") if item else None
            if row[key] is None:
                why[key] = (f"{notebook} recorded no value: {item['note']}" if item and item.get("note")
                            else NO_RECORD.format(notebook=notebook))
        for key, _header, words in VERDICT_COLUMNS:
            row[key] = claim_verdict(results, words)
            if row[key] is None:
                why[key] = NO_VERDICT
        add_primary(row, results)
        if row["primary"] is None:
            why.update(dict.fromkeys(("primary", "primary_lower", "primary_upper"), NO_PRIMARY))
        row["missing_reasons"] = why
        rows.append(row)
    _add_rtm_adjusted_rank(rows)
    return rows


#: why an atlas cell shows '–' (each reason is listed under the table, numbered, and cited in the cell)
NO_RECORD = ("{notebook} recorded no value for this council: it has no data for this measure in the report's "
             "vintage (a county, a reorganised or a very small council); the council's report names the reason")
NO_VERDICT = "notebook 06 graded no such claim for this council (the claims table has no row for it)"
NO_PRIMARY = ("no primary comparative estimate with a 95% interval was recorded: the council has no complete "
              "series for the primary outcome")
NO_HLE_RTM = ("no male HLE for this council in the report vintage: no regression-to-the-mean adjustment or rank "
              "(counties, very small or new councils)")


#: verdict columns: (key, header, words that identify the claim in the claims table)
VERDICT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("verdict_hle", "Verdict: healthy life expectancy increased", "healthy life expectancy has increased"),
    ("verdict_asc", "Verdict: adult social care overspend to balanced budget", "adult social care"),
)


def claim_verdict(results: dict[str, Any], words: str) -> str | None:
    """The verdict of the first claim whose text contains ``words`` (case-insensitive), or ``None``."""
    table = results.get("06_report_claims", {}).get("tables", {}).get("claims")
    if not table or "verdict" not in table["columns"] or "claim" not in table["columns"]:
        return None
    cols = table["columns"]
    for row in table["rows"]:
        if words.lower() in str(row[cols.index("claim")]).lower():
            return str(row[cols.index("verdict")])
    return None


def _add_rtm_adjusted_rank(rows: list[dict[str, Any]]) -> None:
    """Regression to the mean: councils starting low tend to rise. Each council's male HLE change adjusted
    for its starting HLE and its rank (1 = largest rise beyond what its start predicts), from
    :func:`wigan_deal.hle_noise.rtm_adjusted`: always fitted and ranked on the FULL panel (every council with
    HLE in the report vintage), never on the councils of this run, so a subset atlas shows the same numbers."""
    from wigan_deal import hle_noise

    for r in rows:
        r["hle_rtm_residual"] = r["hle_rtm_rank"] = r["hle_rtm_councils"] = None
        try:
            fit = hle_noise.rtm_adjusted(r["area_code"]).set_index("sex").loc["Male"]
        except KeyError:  # no HLE for this council in the report vintage (counties, very small or new councils)
            r.setdefault("missing_reasons", {}).update(dict.fromkeys(("hle_rtm_residual", "hle_rtm_rank"), NO_HLE_RTM))
            continue
        r["hle_rtm_residual"] = float(fit["adjusted change"])
        r["hle_rtm_rank"] = int(fit["rank adjusted"])
        r["hle_rtm_councils"] = int(fit["councils"])


def draw_figures(folder: Path, rows: Sequence[dict[str, Any]], highlight: str,
                 panel: Mapping[str, Mapping[str, float]] | None = None) -> list[tuple[str, str, str]]:
    """Histograms of each distribution with ``highlight`` marked; ``(file, alt text, caption)``.

    The values are the full panel's (``panel``, default :func:`wigan_deal.report.atlas_panel.distributions`:
    every English upper-tier council with a value), never only the councils of this run."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from wigan_deal import fmt

    if panel is None:
        from wigan_deal.report.atlas_panel import distributions

        panel = distributions()
    name = next((r["area_name"] for r in rows if r["area_code"] == highlight), highlight)
    made = []
    for key, label in FIGURES:
        by_code = {c: float(v) for c, v in panel.get(key, {}).items() if _finite_number(v)}
        values = list(by_code.values())
        if len(values) < 2:
            continue
        mine = by_code.get(highlight)
        fig, ax = plt.subplots(figsize=(5.2, 3.0), dpi=80)
        ax.hist(values, bins=min(30, max(5, len(values) // 4)), color="#9bb0c8", edgecolor="white")
        ax.set_xlabel(label, fontsize=9)
        ax.set_ylabel("councils", fontsize=9)
        if mine is not None:
            ax.axvline(mine, color="#c0392b", linewidth=2, label=f"{name}: {fmt.number(mine, 2)}")
            ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
        file = f"{key}.png"
        fig.savefig(folder / file)
        plt.close(fig)
        where = (f"; {name} ({highlight}) is marked at {fmt.number(mine, 2)}" if mine is not None
                 else f"; {name} has no value")
        made.append((file, f"Histogram of {label} across {len(values)} councils{where}.",
                     f"{label[0].upper()}{label[1:]}, {len(values)} councils (every English upper-tier council "
                     f"with a value, whichever councils this atlas run rendered)"))
    return made


def _finite_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


#: decimals shown per unit of a column (one format per column, so a column reads consistently)
UNIT_DIGITS: dict[str, int] = {"years": 1, "per 100,000": 1, "per 100,000 per year": 2, "%": 1, "GBP": 0}
#: columns that need more decimals than their unit's default (life expectancy level changes are small)
KEY_DIGITS: dict[str, int] = {"its_le_level_male": 2, "hle_rtm_residual": 2, "seconds": 1}


def column_digits(key: str) -> int | None:
    """Decimals of a column (one format per column, so it reads consistently); ``None``: a p-value."""
    unit = next((u for k, _, _, _, u in COLUMNS if k == key), "")
    return None if unit == "p" else KEY_DIGITS.get(key, UNIT_DIGITS.get(unit, 1))


def cell_text(value: Any, key: str = "") -> str:
    """A table cell's text, by :mod:`wigan_deal.fmt` with the column's decimals (missing: '–')."""
    from wigan_deal import fmt

    digits = column_digits(key)
    return fmt.p_value(value) if digits is None else fmt.number(value, digits)


def table_columns() -> list[tuple[str, str]]:
    """``(key, header)`` of the atlas table (the page, the CSV and the XLSX), council name first."""
    columns = [("area_name", "Council"), ("area_code", "Code")]
    columns += [(key, header) for key, header, *_ in COLUMNS[:3]]
    columns += [("hle_rtm_rank", "Rank of male HLE change adjusted for regression to the mean (1 = best; fitted "
                                  "and ranked on every council with HLE, not only those shown)")]
    columns += [(key, header) for key, header, *_ in COLUMNS[3:]]
    columns += [("primary", "Primary estimate"), ("primary_lower", "Primary estimate, 95% CI lower"),
                ("primary_upper", "Primary estimate, 95% CI upper")]
    columns += [(key, header) for key, header, _ in VERDICT_COLUMNS] + [("seconds", "Run time (s)")]
    return columns


#: the reason of a missing cell that ``collect_rows`` did not explain (rows made elsewhere, e.g. in tests)
UNEXPLAINED = "no value in this council's recorded results"


def render_atlas(rows: Sequence[dict[str, Any]], failures: Sequence[CouncilOutcome], figures: Sequence[tuple[str, str, str]],
                 *, highlight: str, elapsed: float, jobs: int, generated: date | None = None,
                 downloads: Sequence[str] = (), unmapped: Sequence[str] | None = None) -> str:
    """The atlas page (template ``atlas.html.j2``): the table, the reasons of its '–' cells, figures, failures."""
    from wigan_deal import fmt
    from wigan_deal.report.templates import render

    total = len(rows) + len(failures)
    columns = table_columns()
    reasons: dict[str, int] = {}  # reason -> its number in the legend under the table
    table = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            text = cell_text(value, key)
            why = None
            if text == fmt.MISSING:
                reason = row.get("missing_reasons", {}).get(key) or UNEXPLAINED
                why = reasons.setdefault(reason, len(reasons) + 1)
            cells.append({"text": text, "why": why,
                          "sort": "" if value is None or (isinstance(value, float) and not math.isfinite(value)) else str(value),
                          "numeric": isinstance(value, (int, float)) and not isinstance(value, bool),
                          "href": council_href(row["area_code"]) if key == "area_name" else None})
        table.append({"highlight": row["area_code"] == highlight, "cells": cells})
    return render("atlas.html.j2", total=total, generated=(generated or date.today()).isoformat(),
                  break_year=config.DEFAULT_BREAK_YEAR, vintage=config.DEFAULT_VINTAGE, written=len(rows),
                  failures=failures, duration=format_duration(elapsed), jobs=jobs,
                  per_council=elapsed / max(total, 1), highlight=highlight, downloads=downloads,
                  headers=[header for _, header in columns], rows=table, reasons=list(reasons),
                  figures=figures, unmapped=unmapped)


def atlas_record(highlight: str, codes: Sequence[str]) -> dict[str, Any]:
    """How the atlas was made: package version, parameters (every council's defaults, the councils run, the
    highlighted one), data checksums, Python and library versions."""
    import wigan_deal
    from wigan_deal.report.data_version import data_manifest
    from wigan_deal.report.records import environment_versions

    return {"package_version": wigan_deal.__version__,
            "parameters": {**{k: v for k, v in config.DEFAULT_PARAMETERS.items()
                              if k not in ("area_code", "results_path")},
                           "councils": list(codes), "highlight": highlight},
            "data": data_manifest(config.DEFAULT_VINTAGE), "environment": environment_versions()}


def write_atlas(out: Path, outcomes: Sequence[CouncilOutcome], *, highlight: str = config.DEFAULT_AREA,
                elapsed: float = 0.0, jobs: int = 1) -> Path:
    """Write ``<out>/atlas/`` (index.html, atlas.json, figures) atomically; return the page's path.

    Raises :class:`AtlasKept` (writing nothing) when the page would list fewer councils than the existing one.
    """
    from wigan_deal.report.atlas_views import funnel_plot, hex_map, write_downloads
    from wigan_deal.report.runner import publish

    rows = collect_rows(out, outcomes)
    failures = [o for o in outcomes if not o.ok]
    check_not_worse(out / ATLAS_FOLDER, rows)
    tmp = out / f".tmp-{ATLAS_FOLDER}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        figures = draw_figures(tmp, rows, highlight)
        funnel = funnel_plot(tmp, rows, highlight)
        hexes = hex_map(tmp, rows, highlight)
        figures = ([funnel] if funnel else []) + ([hexes[0]] if hexes else []) + figures
        downloads = write_downloads(tmp, rows, table_columns())
        (tmp / "atlas.json").write_text(json.dumps(
            {"generated": date.today().isoformat(), **atlas_record(highlight, [o.area_code for o in outcomes]),
             "elapsed_seconds": round(elapsed, 1),
             "jobs": jobs, "rows": rows, "failures": [asdict(o) for o in failures]}, indent=1, default=str),
            encoding="utf-8")
        (tmp / "index.html").write_text(
            render_atlas(rows, failures, figures, highlight=highlight, elapsed=elapsed, jobs=jobs, downloads=downloads,
                         unmapped=hexes[1] if hexes else None), encoding="utf-8")
        publish(tmp, out / ATLAS_FOLDER)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out / ATLAS_FOLDER / "index.html"


def check_not_worse(folder: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Raise :class:`AtlasKept` if the atlas page in ``folder`` lists a council ``rows`` lack (a run where
    councils failed, or a subset run, must not replace a fuller page)."""
    try:
        old = json.loads((folder / "atlas.json").read_text(encoding="utf-8"))
        listed = {str(r["area_code"]) for r in old["rows"]}
    except (OSError, ValueError, KeyError, TypeError):
        return  # no page, or one that cannot be read: nothing better to keep
    missing = sorted(listed - {str(r["area_code"]) for r in rows})
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise AtlasKept(
            f"The atlas page in {folder} was kept: it lists {len(listed)} councils, and this run's page would "
            f"list {len(rows)}, without {shown}. Run the atlas for those councils too (they may have failed: "
            "see above), or give --out another folder for a partial atlas."
        )


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str] | None]:
    """Parse and validate the command line; ``(args, council codes or None for every council)``.

    Raises ``UsageError`` (one paragraph) for a blank value, an unknown council or a ``--highlight``
    outside the councils run.
    """
    from wigan_deal.report.__main__ import UsageError, reject_blank

    parser = argparse.ArgumentParser(prog="python -m wigan_deal.report.atlas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", help="comma list of council codes or names (default: every English upper-tier council)")
    parser.add_argument("--jobs", type=int, default=config.DEFAULT_JOBS, help="worker processes")
    parser.add_argument("--out", default=str(config.REPORTS_DIR), help="reports folder (default reports/)")
    parser.add_argument("--highlight", default=None,
                        help=f"council highlighted in the figures and table (default {config.DEFAULT_AREA}, Wigan)")
    parser.add_argument("--all-figures", action="store_true",
                        help="draw every figure on the council pages (default: each notebook's headline figure only)")
    args = parser.parse_args(argv)
    reject_blank(args)
    if args.jobs < 1:
        raise UsageError(f"--jobs must be a positive whole number of worker processes, got {args.jobs}.")
    args.out = Path(args.out)
    codes = None
    if args.areas is not None:
        items = [c.strip() for c in args.areas.split(",") if c.strip()]
        if not items:
            raise UsageError(f"--areas {args.areas!r} names no council: give a comma list of council codes, "
                             "or leave --areas out for every council.")
        codes = list(dict.fromkeys(_council("--areas", c) for c in items))
    if args.highlight is not None:
        args.highlight = _council("--highlight", args.highlight)
        if codes is not None and args.highlight not in codes:
            raise UsageError(f"--highlight {args.highlight} is not among the councils run (--areas "
                             f"{','.join(codes)}): highlight one of them, or add it to --areas.")
    args.highlight = args.highlight or config.DEFAULT_AREA
    return args, codes


def _council(option: str, value: str) -> str:
    """The code of the council ``value`` names; ``UsageError`` with the validator's paragraph if none."""
    from wigan_deal.parameters import ParameterError, validate
    from wigan_deal.report.__main__ import UsageError

    try:
        return validate(area_code=value).area_code
    except ParameterError as exc:
        raise UsageError(f"{option}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Exit codes: 0 every council written and the page published; 1 a council failed or the existing page
    was kept; 2 bad arguments or reports folder (nothing run); 130/143 stopped."""
    from wigan_deal.report.__main__ import UsageError

    try:
        args, codes = parse_args(argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # the arguments were good: only now the runner and the kernels' machinery are imported
    from wigan_deal.report.runner import OutputFolderError, Stopped, stop_on_signals

    try:
        with stop_on_signals():
            _page, outcomes = run_atlas(codes, out_dir=args.out, jobs=args.jobs, highlight=args.highlight,
                                        all_figures=args.all_figures)
    except OutputFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AtlasKept as exc:
        _report_failures(exc.outcomes, args.out)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        why = str(exc) if isinstance(exc, Stopped) else "interrupted (Ctrl-C)"
        print(f"Stopped: {why}; workers and kernels were stopped; finished council reports are kept, "
              "no atlas page was written.", file=sys.stderr)
        return 130 if not isinstance(exc, Stopped) else 143
    return 1 if _report_failures(outcomes, args.out) else 0


def _report_failures(outcomes: Sequence[CouncilOutcome], out: Path) -> int:
    """Print one paragraph naming the councils that failed (the first five reasons), or the one disk-full
    message if the disk filled up; return how many failed."""
    from wigan_deal.report.runner import disk_full_message, is_disk_full

    failed = [o for o in outcomes if not o.ok]
    if any(is_disk_full(o.reason) for o in failed):
        print(f"error: {disk_full_message(reports_dir(out), f'{len(failed)} of {len(outcomes)} council reports were not written')}",
              file=sys.stderr)
    elif failed:
        print(f"error: {len(failed)} of {len(outcomes)} council(s) failed: "
              + "; ".join(f"{o.area_code}: {o.reason}" for o in failed[:5]) + ("; ..." if len(failed) > 5 else ""),
              file=sys.stderr)
    return len(failed)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
