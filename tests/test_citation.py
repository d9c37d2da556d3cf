"""Citable and versioned: CITATION.cff is valid CFF 1.2.0; one version everywhere; licence and changelog."""

import copy
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

import wigan_deal
from wigan_deal import config
from wigan_deal.citation import citation_text

ROOT = config.PROJECT_ROOT
SCHEMA = Path(__file__).parent / "schemas" / "citation-file-format-1.2.0.schema.json"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _cff() -> dict:
    # CFF dates must stay strings for the schema (YAML would make them datetime.date)
    return json.loads(json.dumps(yaml.safe_load((ROOT / "CITATION.cff").read_text()), default=str))


def _validator():
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_citation_cff_is_valid_against_the_cff_1_2_0_schema():
    errors = sorted(_validator().iter_errors(_cff()), key=str)
    assert errors == [], "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("breakage", ["no_authors", "bad_version_key", "bad_date"])
def test_the_schema_check_rejects_broken_citations(breakage):
    cff = copy.deepcopy(_cff())
    if breakage == "no_authors":
        del cff["authors"]
    elif breakage == "bad_version_key":
        cff["cff-version"] = "9.9"
    else:
        cff["date-released"] = "27 November 2026"
    assert list(_validator().iter_errors(cff)), breakage


def test_one_version_in_pyproject_package_citation_and_changelog():
    version = _pyproject()["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert wigan_deal.__version__ == version, "reinstall the package (make env) after changing the version"
    assert str(_cff()["version"]) == version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M), changelog[:300]
    assert _cff()["license"] == _pyproject()["license"] == "MIT"


def test_licence_file_covers_code_and_names_the_data_licence():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Open Government Licence v3.0" in text and config.LICENCE_URL in text


def test_readme_says_how_to_cite_with_version_licence_and_binder_badge():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## How to cite", 1)[1].split("\n## ", 1)[0]
    assert f"version {_pyproject()['version']}" in section
    assert "CITATION.cff" in section and "MIT" in section and "Open Government Licence v3.0" in section
    assert "<!-- generated:citation -->" in section  # rendered from CITATION.cff (tests/test_readme.py)
    assert citation_text() in section
    repo = _cff()["repository-code"].rstrip("/")
    owner_repo = repo.split("github.com/", 1)[1]
    assert f"https://mybinder.org/v2/gh/{owner_repo}/HEAD" in readme
    assert "https://mybinder.org/badge_logo.svg" in readme
