"""The test suite's own set-up: tiers by marker, shared reports rendered once, one definition of each tier.

``make test`` runs everything but the breadth tier across the cores (pytest-xdist, ``--dist loadgroup``);
``make test-councils`` runs that tier (``every_council``: the all-council run beyond a pre-specified sample;
``variants``: the readers of the rendered reports of other councils and variant parameters; ``.ci/run`` runs both);
``make test-fast`` runs the unit tier (no ``integration``, ``slow`` or ``browser`` marker). ``make bench-tests``
times make test and make test-fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from conftest import (
    RENDERED,
    REPORT_GROUPS,
    SHARED_REPORTS,
    VARIANT_REPORTS,
    report_groups,
    shared_report_group,
)
from wigan_deal import config

PYPROJECT = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
TIERS = ("integration", "slow", "browser")
BREADTH = ("every_council", "variants")
FULL_TIER = " and ".join(f"not {t}" for t in BREADTH)
BREADTH_TIER = " or ".join(BREADTH)


def test_markers_are_registered_and_strict():
    registered = {line.split(":")[0] for line in PYPROJECT["markers"]}
    assert registered == {*TIERS, *BREADTH}
    assert "--strict-markers" in PYPROJECT["addopts"].split()


def _make_dry_run(target: str) -> str:
    proc = subprocess.run(["make", "-n", target, "STAMP=", "PY=python"], cwd=config.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_targets_run_the_tiers_across_the_cores():
    full, fast, councils = _make_dry_run("test"), _make_dry_run("test-fast"), _make_dry_run("test-councils")
    for line in (full, fast, councils):
        assert "-m wigan_deal.make_args pytest -n auto --dist loadgroup TEST_WORKERS=-n" in line
    assert f' -m "{FULL_TIER}" ' in full and f' -m "{BREADTH_TIER}" ' in councils  # together: everything
    tier = re.search(r'-m "([^"]+)"', fast)
    assert tier and tier.group(1) == " and ".join(f"not {t}" for t in TIERS)
    bench = _make_dry_run("bench-tests")
    assert f'--fast-tier="{tier.group(1)}"' in bench and '--xdist="-n auto --dist loadgroup"' in bench
    assert f'--full-tier="{FULL_TIER}"' in bench and f'--breadth-tier="{BREADTH_TIER}"' in bench


def test_ci_runs_make_test_and_the_council_tier():
    steps = [ln.strip() for ln in (config.PROJECT_ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip().startswith("make ")]
    assert steps == ["make test", "make test-councils"]


def test_the_council_sample_is_the_rule_and_the_tiers_cover_every_council():
    from test_every_council import COUNCIL_PARAMS, COUNCILS, HARD_CASES, SAMPLE
    from wigan_deal import data

    areas = data.areas("upper_tier").set_index("area_code")
    assert set(HARD_CASES) | {config.WIGAN, "E08000035"} <= SAMPLE
    assert set(areas.loc[sorted(SAMPLE), "area_type"]) == set(areas["area_type"])  # every type
    in_sample = [p for p in COUNCIL_PARAMS if isinstance(p, str)]
    tiered = [p.values[0] for p in COUNCIL_PARAMS if not isinstance(p, str)]
    assert all(m.name == "every_council" for p in COUNCIL_PARAMS if not isinstance(p, str) for m in p.marks)
    assert sorted(in_sample + tiered) == sorted(COUNCILS) and set(in_sample) == SAMPLE
    assert len(COUNCILS) == 161 and len(SAMPLE) == 10  # City of London and Bolton are also first of their type


def test_readers_of_a_rendered_report_are_marked_slow_and_grouped(request):
    """Every test that reads one of the shared reports is in the slow tier and in that report's group
    (``REPORT_GROUPS``: on two workers make test's three reports share one, with every browser test); under
    ``--dist loadgroup`` its node id carries the group, so one worker renders each report once (and, on two workers,
    launches the one browser). The readers of the variant sweep are marked ``variants`` (the breadth tier): make
    test reads every other shared report and renders no variant sweep."""
    readers = {name: [] for name in SHARED_REPORTS}
    grouped = os.environ.get("PYTEST_XDIST_WORKER") and getattr(request.config.option, "loadgroup", False)
    for item in request.session.items:
        group = shared_report_group(item)
        assert bool(item.get_closest_marker("variants")) == (group == VARIANT_REPORTS), item.nodeid
        names = getattr(item, "fixturenames", ())
        if "browser" in names and RENDERED in REPORT_GROUPS.values():
            assert group == RENDERED, item.nodeid
            assert not grouped or item.nodeid.endswith(f"@{RENDERED}"), f"{item.nodeid}: a second browser"
        used = [name for name in SHARED_REPORTS if name in names]
        for name in used:
            readers[name].append(item.nodeid)
        if not used:
            continue
        assert item.get_closest_marker("slow"), f"{item.nodeid} renders a report but is not marked slow"
        assert group == REPORT_GROUPS[used[0]] and {REPORT_GROUPS[name] for name in used} == {group}, item.nodeid
        if grouped:
            assert item.nodeid.endswith(f"@{group}"), f"{item.nodeid}: xdist would not keep it with its report"
    options = request.config.option
    if len(request.session.items) > 500 and not options.keyword and options.markexpr in ("", FULL_TIER):
        # the whole suite: every report is read; make test (FULL_TIER) reads each one but the variant sweep
        expected = {name: options.markexpr == "" or name != VARIANT_REPORTS for name in SHARED_REPORTS}
        assert {k: bool(v) for k, v in readers.items()} == expected, {k: len(v) for k, v in readers.items()}


def test_two_workers_render_make_tests_reports_on_one_and_more_workers_at_once():
    """Up to two workers, one group holds make test's three reports (rendered one after another on one worker,
    with one browser); with more, each report has its own group, so they render at once on separate workers. The
    variant sweep (the breadth tier) always has its own."""
    one = {"wigan_report": RENDERED, "fixture_report": RENDERED, "atlas_run": RENDERED, VARIANT_REPORTS: VARIANT_REPORTS}
    assert report_groups(2) == report_groups(0) == one
    assert report_groups(4) == {name: name for name in SHARED_REPORTS}
    assert REPORT_GROUPS == report_groups(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")))


@pytest.mark.integration
def test_a_run_of_one_test_file_skips_the_iri_grammar_as_the_whole_suite_does(tmp_path):
    """conftest imports the report package (and its guard) before any test module imports nbformat: without it,
    ``pytest tests/test_report_runner.py`` compiled jsonschema's 'iri' grammar (rfc3987_syntax) in each process,
    about 6 of its 8 CPU-seconds of collection."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "pytest", "--collect-only", "-q", "-s", "-p",
                           "no:cacheprovider", "tests/test_report_runner.py"], capture_output=True, text=True,
                          cwd=config.PROJECT_ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    imported = set(re.findall(r"^import time:.*\|\s+([\w.]+)$", done.stderr, re.M))
    assert "nbformat" in imported  # the module imports it (else this test checks nothing)
    assert "lark" not in imported  # the parser rfc3987_syntax compiles its grammar with


EARLY_PLUGIN = '''
import atexit, gc, os


def _record():  # registered before conftest's handler, so it runs after it
    with open(os.environ["EXIT_RECORD"], "w") as f:
        f.write(str(gc.get_freeze_count()))


atexit.register(_record)
'''

LATE_GARBAGE = '''
import gc

import pytest


class Cycle:
    def __init__(self):
        self.me = self

    def __del__(self):
        raise RuntimeError("a cycle made garbage by a session fixture's teardown")


@pytest.fixture(scope="session")
def late_garbage():
    gc.disable()  # only an explicit collection finds the cycle
    kept = [Cycle()]
    yield
    kept.clear()


def test_uses_it(late_garbage):
    pass


def test_what_the_collection_made_is_frozen():
    assert gc.get_freeze_count() > 0
'''


@pytest.mark.integration
def test_a_test_process_freezes_after_collection_and_at_exit_after_pytests_own_last_collections(tmp_path):
    """conftest freezes what the collection made (``gc.freeze``: later full collections skip it) and, at exit,
    every object left, sparing the interpreter's last collection over all of them; that freeze comes after pytest's
    end-of-session collections, which still report an unraisable exception from garbage made as late as a session
    fixture's teardown."""
    (tmp_path / "early_exit_plugin.py").write_text(EARLY_PLUGIN)
    (tmp_path / "test_late_garbage.py").write_text(LATE_GARBAGE)
    record = tmp_path / "frozen_at_exit"
    env = {**os.environ, "EXIT_RECORD": str(record),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(config.PROJECT_ROOT / "tests")])}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "early_exit_plugin",
                           "-p", "conftest", "--rootdir", str(tmp_path), str(tmp_path / "test_late_garbage.py")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert "2 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    assert "a cycle made garbage by a session fixture's teardown" in done.stdout + done.stderr
    assert int(record.read_text()) > 0  # frozen when the earliest-registered exit handler ran
