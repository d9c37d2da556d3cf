"""The test suite's own set-up: tiers by marker, shared reports rendered once, one definition of each tier.

``make test`` runs everything across the cores (pytest-xdist, ``--dist loadgroup``); ``make test-fast``
runs the unit tier (no ``integration``, ``slow`` or ``browser`` marker). ``make bench-tests`` times both.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest

from conftest import SHARED_REPORTS, shared_report_group
from wigan_deal import config

PYPROJECT = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
TIERS = ("integration", "slow", "browser")


def test_markers_are_registered_and_strict():
    registered = {line.split(":")[0] for line in PYPROJECT["markers"]}
    assert registered == set(TIERS)
    assert "--strict-markers" in PYPROJECT["addopts"].split()


def _make_dry_run(target: str) -> str:
    proc = subprocess.run(["make", "-n", target, "STAMP=", "PY=python"], cwd=config.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_targets_run_the_tiers_across_the_cores():
    full, fast = _make_dry_run("test"), _make_dry_run("test-fast")
    for line in (full, fast):
        assert "-m wigan_deal.make_args pytest -n auto --dist loadgroup TEST_WORKERS=-n" in line
    assert " -m \"" not in full  # everything
    tier = re.search(r'-m "([^"]+)"', fast)
    assert tier and tier.group(1) == " and ".join(f"not {t}" for t in TIERS)
    bench = _make_dry_run("bench-tests")
    assert f'--fast-tier="{tier.group(1)}"' in bench and '--xdist="-n auto --dist loadgroup"' in bench


def test_readers_of_a_rendered_report_are_marked_slow_and_grouped(request):
    """Every test that reads one of the shared reports is in the slow tier and in that report's group;
    under ``--dist loadgroup`` its node id carries the group, so one worker renders the report once."""
    readers = {name: [] for name in SHARED_REPORTS}
    for item in request.session.items:
        group = shared_report_group(item)
        used = [name for name in SHARED_REPORTS if name in getattr(item, "fixturenames", ())]
        if not used:
            continue
        assert item.get_closest_marker("slow"), f"{item.nodeid} renders a report but is not marked slow"
        assert group == used[0], item.nodeid
        readers[group].append(item.nodeid)
        if os.environ.get("PYTEST_XDIST_WORKER") and getattr(request.config.option, "loadgroup", False):
            assert item.nodeid.endswith(f"@{group}"), f"{item.nodeid}: xdist would not keep it with its report"
    options = request.config.option
    if len(request.session.items) > 500 and not (options.markexpr or options.keyword):  # the whole suite:
        assert all(readers.values()), {k: len(v) for k, v in readers.items()}  # every report is read
