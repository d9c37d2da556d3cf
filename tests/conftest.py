"""Shared pytest set-up: headless matplotlib for every test; each report the tests read is rendered once.

Test tiers (markers, registered in pyproject.toml and enforced by ``--strict-markers``):

- unmarked: unit tests, in-process and quick (``make test-fast`` runs only these);
- ``integration``: real subprocesses, kernels, git clones, the raw data or every council;
- ``slow``: executes notebooks or the report pipeline (seconds to a minute each);
- ``browser``: needs headless Chromium;
- ``every_council`` and ``variants``: the breadth tier, which ``make test-councils`` runs (``.ci/run`` runs it after
  ``make test``): the all-council run beyond a pre-specified sample, and the readers of :func:`report_sweep` (the
  rendered reports of other councils and variant parameters), which the hook below marks ``variants``.

Sharing work: the reports below are session-scoped, so one ``pytest`` run renders each of them once,
however many tests read it. Under pytest-xdist (``make test`` runs ``-n auto --dist loadgroup``) a
session fixture would otherwise be rendered once per worker, so every test that uses one of these
fixtures is put in the ``xdist_group`` of its report (:data:`REPORT_GROUPS`) and all its readers run on the
worker that rendered it (see ``pytest_collection_modifyitems``). On two workers (``make test`` on a 2-core
machine), ``make test``'s three reports (the Wigan report, the fixture report, the atlas run) and every browser
test share one group, :data:`RENDERED`: one worker renders the three one after another, while the other runs the
rest of the suite, and launches one Chromium. With more workers each report keeps a group of its own, so that
they render at once.

One headless Chromium per test process (the session-scoped ``browser`` fixture), launched by the first browser
test and shared by ``test_browser.py`` and the atlas page's sort test: a launch with its Playwright driver costs
about 1.7 CPU-s, an idle browser nothing.
"""

from __future__ import annotations

import atexit
import gc
import io
import os
from contextlib import redirect_stdout
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# One BLAS thread per process, as the report's kernels get (config.BLAS_THREADS): the suite runs one worker per core,
# and OpenBLAS's own threads on small matrices only spin on a core another worker needs. Set before anything imports
# numpy (config does not); subprocesses and kernels the tests start inherit it.
from wigan_deal import config as _config  # noqa: E402

for _name, _value in _config.BLAS_THREADS.items():
    os.environ.setdefault(_name, _value)
# The report package skips jsonschema's 'iri' format checker, whose grammar takes 2-3 CPU-s to compile in every process
# that imports nbformat (wigan_deal/report/__init__.py): imported here, before any test module imports nbformat, so
# a run of one test file that does (pytest tests/test_report_runner.py) skips it as the whole suite does.
import wigan_deal.report  # noqa: E402, F401

# A test process's exit: the interpreter's last garbage collection walks every object the run made (0.7-1.1 s in an
# xdist worker, while the controller waits for its workers to exit). At atexit time pytest's own end-of-session
# collections, which report unraisable exceptions, have already run, so the objects still alive are frozen out of
# that last walk. atexit runs handlers last-registered first: this one, registered before any test module is
# imported, runs after theirs.
atexit.register(gc.freeze)

FIXTURE_NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"

# session fixtures that render a report; the readers of each share one xdist worker (REPORT_GROUPS)
SHARED_REPORTS = ("wigan_report", "report_sweep", "fixture_report", "atlas_run")
#: the shared report whose readers are the ``variants`` tier (make test-councils, not make test)
VARIANT_REPORTS = "report_sweep"
#: the xdist group of make test's three reports and of every test that drives the browser, on two workers or
#: fewer. On one worker the renders run one after another, not at once on both workers (four kernels and their
#: workers on two cores), and one Chromium serves every browser test: make test took 115-118 s in three runs,
#: against 123 and 125 s with a group per report (2026-12-07). With more workers (more cores), one group would
#: make the three renders, one after another, the run's longest chain, so each report keeps its own.
RENDERED = "rendered_reports"
#: the workers up to which :data:`RENDERED` holds the three reports
SHARED_GROUP_WORKERS = 2


def report_groups(workers: int) -> dict[str, str]:
    """The xdist group of each shared report's readers in a run with ``workers`` xdist workers (0: none)."""
    one = workers <= SHARED_GROUP_WORKERS
    return {name: RENDERED if one and name != VARIANT_REPORTS else name for name in SHARED_REPORTS}


#: the xdist group of each shared report's readers in this process's run (pytest-xdist tells each worker how many
#: there are: PYTEST_XDIST_WORKER_COUNT)
REPORT_GROUPS = report_groups(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")))

#: the councils of the one real atlas run the tests share: Wigan, three hard cases of issue 11 (City of London,
#: Isles of Scilly, North Northamptonshire: the hard-case render tests read their reports) and a region, which
#: must fail without stopping the run
ATLAS_CODES = ("E08000010", "E09000001", "E06000053", "E06000061", "E12000002")

# Worker processes (one Jupyter kernel each) for a report rendered inside the tests. The suite already runs
# across the cores (pytest-xdist), so a second kernel per report mostly adds a kernel start-up and its imports
# (about 3 CPU-s for the Wigan report: 26.0 and 23.8 against 22.7 and 20.4 CPU-s with one). The parallel paths keep
# two workers: the report runner's (the fixture report and the runner's and clean-stop tests, through the command
# line as `make report` runs it) and, on the real notebooks, the atlas run's and the stopped sweep's.
REPORT_JOBS = 1


#: Debian's Chromium, driven through Playwright's Python API (Playwright's own browser download is not needed)
CHROMIUM = Path(os.environ.get("WIGAN_DEAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def browser_required() -> bool:
    """Whether a missing browser (or axe-core) fails the browser tests instead of skipping them: ``CI=true`` or
    ``WIGAN_DEAL_REQUIRE_BROWSER=1`` (.ci/run installs Chromium)."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("WIGAN_DEAL_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, launched once per test process (so once per xdist worker) and closed at the end;
    each test opens its own pages. Skips when Chromium is absent, unless :func:`browser_required`."""
    if not CHROMIUM.exists():
        if browser_required():
            pytest.fail(
                f"Chromium not found at {CHROMIUM} but the browser check is required (CI=true or "
                "WIGAN_DEAL_REQUIRE_BROWSER=1): install it with `apt-get install -y chromium "
                "fonts-dejavu-core` (as .ci/run does)."
            )
        pytest.skip(f"headless Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def run_real_report(out, area: str, jobs: int = REPORT_JOBS):
    """Run the real notebooks through the report pipeline for ``area`` into ``out``."""
    from wigan_deal import config, parameters
    from wigan_deal.report import discover_notebooks, run_report

    params = parameters.validate(area_code=area)
    return run_report(params, discover_notebooks(config.NOTEBOOKS_DIR), out_dir=out, jobs=jobs,
                      log=lambda _m: None)


@pytest.fixture(scope="session")
def wigan_report(tmp_path_factory):
    """The full Wigan report with default parameters, rendered by one worker (:data:`REPORT_JOBS`; notebook,
    browser and backtest tests read it)."""
    from wigan_deal import config

    return run_real_report(tmp_path_factory.mktemp("report_wigan"), config.WIGAN)


def report_sweep_tasks() -> dict:
    """The reports rendered by :func:`report_sweep`, by name (``wigan_deal.report.sweep.SweepTask``)."""
    from wigan_deal import config
    from wigan_deal.report.sweep import SweepTask

    default = {"break_year": config.DEFAULT_BREAK_YEAR, "vintage": config.DEFAULT_VINTAGE, "sex": config.DEFAULT_SEX}
    later = {**default, "vintage": "2026-05", "pages": "reader"}
    return {
        # a council other than Wigan, in full (both kinds of page); the longest, so it starts first
        "leeds": SweepTask("E08000035", **default),
        # issue 17's cases: Leeds with vintage 2026-05 (window collapsed, GM wording), reader pages
        "leeds_2026": SweepTask("E08000035", **later),
        # the other variant kinds at once, outside GM: female, break 2013, mid rule, England + all + Wigan
        "variant_outside_gm": SweepTask("E06000052", 2013, config.DEFAULT_VINTAGE, "Female", pages="reader",
                                        comparators=("england", "all", config.WIGAN), post_rule="mid"),
        # a hard case of issue 11: Kent, a county, with the later vintage (which publishes no counties)
        "kent_2026": SweepTask("E10000016", **later),
        # the local side of the Dask sweep test (tests/test_sweep.py): Wigan's notebook 02, both sexes, reader
        # pages; rendered here, in the sweep's warm kernels, instead of by a second local sweep of its own
        **{f"wigan_02_{sex.lower()}": SweepTask(config.WIGAN, config.DEFAULT_BREAK_YEAR, config.DEFAULT_VINTAGE, sex,
                                                ("02",), "reader") for sex in config.SEXES},
    }


@pytest.fixture(scope="session")
def report_sweep(tmp_path_factory) -> dict:
    """The real notebooks' variant reports (:func:`report_sweep_tasks`) rendered as ONE local sweep with two
    workers, each running its reports in one reused kernel: ``{name: report folder}``."""
    from wigan_deal.report.sweep import run_sweep

    out = tmp_path_factory.mktemp("report_sweep")
    tasks = report_sweep_tasks()
    outcomes = run_sweep(list(tasks.values()), out, jobs=2, log=lambda _m: None, bar=False)
    failed = [f"{o.task.folder()}: {o.error}" for o in outcomes if o.status != "written"]
    assert not failed, "\n".join(failed)
    return {name: out / task.folder() for name, task in tasks.items()}


@pytest.fixture(scope="session")
def leeds_report(report_sweep):
    """The full Leeds report with default parameters (a council other than Wigan)."""
    return report_sweep["leeds"]


@pytest.fixture(scope="session")
def fixture_report(tmp_path_factory) -> dict:
    """One run of the fixture notebooks 01-03 through the CLI with two workers and a variant (break year
    2012, comparators england+gm): the runner's and the browser's tests read it.

    Returns ``rc``, ``out`` (the reports folder), ``folder`` (the variant's folder), ``name`` and ``stdout``.
    """
    from wigan_deal import config
    from wigan_deal.report.__main__ import main

    out = tmp_path_factory.mktemp("reports")
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(["--out", str(out), "--notebook-dir", str(FIXTURE_NOTEBOOKS), "--area", config.WIGAN,
                   "--notebooks", "01,02,03", "--jobs", "2", "--break-year", "2012",
                   "--comparators", "england,gm"])
    name = f"{config.WIGAN}--break-2012--comparators-england+gm--notebooks-01+02+03"  # a variant: its own folder
    return {"rc": rc, "out": out, "folder": out / name, "name": name, "stdout": buf.getvalue()}


@pytest.fixture(scope="session")
def atlas_run(tmp_path_factory) -> dict:
    """One atlas run of the real notebooks over :data:`ATLAS_CODES` with two workers (reused kernels, each
    notebook's headline figure once): the atlas tests and the hard-case render tests read it.

    Returns ``out`` (the reports folder), ``page`` (the atlas page), ``outcomes`` and the progress ``lines``."""
    from wigan_deal.report import atlas

    out = tmp_path_factory.mktemp("atlas")
    lines: list[str] = []
    page, outcomes = atlas.run_atlas(list(ATLAS_CODES), out_dir=out, jobs=2, log=lines.append)
    return {"out": out, "page": page, "outcomes": outcomes, "lines": lines}


def shared_report_group(item) -> str | None:
    """The xdist group of ``item``: the one it names, that of the shared report it reads (:data:`REPORT_GROUPS`),
    :data:`RENDERED` for a test that drives the browser when that group holds the reports, or None."""
    marks = [m.args[0] if m.args else m.kwargs.get("name") for m in item.iter_markers("xdist_group")]
    if marks:
        return str(marks[0])
    names = getattr(item, "fixturenames", ())
    shared = [name for name in SHARED_REPORTS if name in names]
    if shared:
        return REPORT_GROUPS[shared[0]]
    return RENDERED if "browser" in names and RENDERED in REPORT_GROUPS.values() else None


def _set_nodeid(item, nodeid: str) -> None:
    """Give ``item`` a new node id, on pytest before and after 9.2 (structured ids)."""
    if hasattr(item, "_id"):  # pytest >= 9.2
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(nodeid)
    else:
        item._nodeid = nodeid


def pytest_collection_finish(session):
    """Freeze what the imports and the collection made (modules, test items, data read at import): they live for
    the whole run, and every full garbage collection during it walked them again (make test: 7.1 -> 3.6 s of full
    collections over both workers). As the report kernels freeze their survivors before each notebook; objects the
    tests make are collected as before, and pytest's end-of-session collections still see their garbage."""
    gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Put every reader of a shared report in that report's ``xdist_group`` (unless it names one), and mark
    every reader of :data:`VARIANT_REPORTS` ``variants`` (before the marker expression deselects).

    pytest-xdist's ``--dist loadgroup`` sends the tests of one group to one worker by appending
    ``@<group>`` to their node ids in the workers; with pytest 9.2's structured node ids its rename no
    longer takes effect and the groups are silently ignored (pytest-xdist issue 1386, fix pending in
    pull request 1388). So after xdist's hook has run, any grouped id still without its suffix gets it
    here; with a fixed xdist this does nothing. tests/test_test_tiers.py checks the groups hold.
    """
    for item in items:
        group = shared_report_group(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
        if group == VARIANT_REPORTS and not item.get_closest_marker("variants"):
            item.add_marker(pytest.mark.variants)
    result = yield
    if os.environ.get("PYTEST_XDIST_WORKER") and getattr(config.option, "loadgroup", False):
        for item in items:
            group = shared_report_group(item)
            if group and not item.nodeid.endswith(f"@{group}"):
                _set_nodeid(item, f"{item.nodeid}@{group}")
    return result
