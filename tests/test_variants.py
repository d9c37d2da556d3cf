"""Variants have their own folders (issue 11, item 4): the folder name encodes every non-default
parameter, a notebook subset never replaces a full report, and each index says what made it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from wigan_deal import config, parameters
from wigan_deal.report.__main__ import main
from wigan_deal.report.runner import describe_variant, report_folder_name

AREA = config.WIGAN


@pytest.mark.parametrize(
    ("kwargs", "subset", "name"),
    [
        ({}, None, AREA),
        ({"break_year": 2013}, None, f"{AREA}--break-2013"),
        ({"vintage": "2026-05"}, None, f"{AREA}--vintage-2026-05"),
        ({"sex": "Female", "post_rule": "mid"}, None, f"{AREA}--sex-female--post-mid"),
        ({"comparators": ["england", "E08000001"]}, None, f"{AREA}--comparators-england+E08000001"),
        ({"comparators": ["England", "GM", "nearest"]}, None, AREA),  # same as the default
        ({}, ["02", "05"], f"{AREA}--notebooks-02+05"),
        ({"break_year": 2014}, ["06"], f"{AREA}--break-2014--notebooks-06"),
    ],
)
def test_folder_name_encodes_every_non_default_parameter(kwargs, subset, name):
    params = parameters.validate(area_code=AREA, **kwargs)
    assert report_folder_name(params, subset) == name


def test_long_comparator_lists_give_a_short_stable_name():
    params = parameters.validate(area_code=AREA, comparators=["all"] + [f"E0800000{i}" for i in range(1, 10)])
    name = report_folder_name(params)
    assert len(name) < 60 and name.startswith(f"{AREA}--comparators-")
    assert name == report_folder_name(params)


def test_variant_description():
    assert describe_variant(parameters.validate(area_code=AREA)) == "default parameters"
    assert describe_variant(parameters.validate(area_code=AREA, break_year=2013), ["02"]) == (
        "break year 2013 (default 2011); only notebooks 02 (a partial report)")


def _notebooks(folder: Path) -> Path:
    folder.mkdir()
    for name in ("01_one", "02_two"):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("break_year = 0\nresults_path = None", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell("print(break_year)")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


@pytest.mark.slow
def test_variants_and_subsets_never_replace_the_default_report(tmp_path, capsys):
    nbs, out = _notebooks(tmp_path / "nbs"), tmp_path / "reports"
    cli = ["--notebook-dir", str(nbs), "--out", str(out), "--jobs", "1"]
    assert main(cli) == 0
    full = {p.name: p.read_bytes() for p in (out / AREA).iterdir()}
    assert {"01_one.html", "02_two.html", "index.html"} <= set(full)
    assert main([*cli, "--notebooks", "02"]) == 0
    assert main([*cli, "--break-year", "2013"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [AREA, f"{AREA}--break-2013", f"{AREA}--notebooks-02"]
    assert {p.name: p.read_bytes() for p in (out / AREA).iterdir()} == full
    subset = (out / f"{AREA}--notebooks-02" / "index.html").read_text()
    assert "only notebooks 02 (a partial report)" in subset and "01_one" not in subset
    assert "break year 2013 (default 2011)" in (out / f"{AREA}--break-2013" / "index.html").read_text()
    assert "default parameters" in (out / AREA / "index.html").read_text()
    capsys.readouterr()
