"""Shared pytest set-up: headless matplotlib for every test; one real Wigan report per session."""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def run_real_report(out, area: str):
    """Run the real notebooks through the report pipeline for ``area`` into ``out``."""
    from wigan_deal import config, parameters
    from wigan_deal.report import discover_notebooks, run_report

    params = parameters.validate(area_code=area)
    return run_report(params, discover_notebooks(config.NOTEBOOKS_DIR), out_dir=out, jobs=2, log=lambda _m: None)


@pytest.fixture(scope="session")
def wigan_report(tmp_path_factory):
    """The full Wigan report with default parameters (shared by the notebook and browser tests)."""
    return run_real_report(tmp_path_factory.mktemp("report_wigan"), "E08000010")
