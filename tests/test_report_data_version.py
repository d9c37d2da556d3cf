"""Every report records the data it ran on: package version, extract sha256s, each indicator's vintage."""

import hashlib
import tomllib
from datetime import date

from wigan_deal import __version__, config
from wigan_deal.report.data_version import data_manifest, render_data_section
from wigan_deal.report.index import NotebookEntry, render_index


def _by_name(manifest):
    return {item["indicator"]: item for item in manifest["indicators"]}


def test_manifest_checksums_are_those_of_the_committed_extracts():
    manifest = data_manifest("2019-05")
    assert manifest["package_version"] == __version__
    files = sorted(p.name for p in config.EXTRACTS_DIR.glob("*.csv"))
    assert sorted(manifest["extracts"]) == files
    for name, item in manifest["extracts"].items():
        assert item["sha256"] == hashlib.sha256((config.EXTRACTS_DIR / name).read_bytes()).hexdigest(), name


def test_manifest_gives_each_indicator_the_vintage_its_headline_results_use():
    items = _by_name(data_manifest("2019-05"))
    hle = items["hle_birth"]
    assert hle["vintage"] == "2019-05"
    assert hle["other_vintages"] == ["2020-06", "2024-07", "2025-04", "2026-05"]
    assert [r["sha256"] for r in hle["raw"]] == ["20879a080addbb3d3d087b302f4075704a37d29beed1c700983e57ad86a9ffb7"]
    # LE has no 2019-05 vintage: the earliest (the ONS Dec-2019 workbook) is the one quoted
    assert items["le_birth"]["vintage"] == "2019-12"
    assert items["le_birth"]["raw"][0]["file"].endswith("leatbirthandatage65byukla201618.xlsx")
    assert items["u75_prev_cancer_mortality"]["vintage"] == "2019-05"
    later = _by_name(data_manifest("2025-04"))["hle_birth"]
    assert later["vintage"] == "2025-04" and "2019-05" in later["other_vintages"]
    assert later["raw"][0]["sha256"].startswith("84e78c6d381e")


def test_index_shows_version_vintages_and_checksums():
    manifest = data_manifest("2019-05")
    html = render_index(
        title="t", parameters={"area": "Wigan"}, vintage="HLE 2019-05", notebooks=[NotebookEntry("01_x", 1.0)],
        results={}, generated=date(2024, 1, 31), code_version="abc1234", package_version=__version__,
        data_section=render_data_section(manifest),
    )
    version = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"wigan_deal version {version}" in html.split("<footer")[1]
    assert "<td>hle_birth</td><td>Healthy life expectancy at birth</td><td>2019-05</td>" in html
    assert manifest["extracts"]["indicators.csv"]["sha256"] in html
    assert html.index('id="notebooks"') < html.index('id="data-version"')
