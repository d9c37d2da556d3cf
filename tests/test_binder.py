"""Binder / repo2docker configuration (binder/) agrees with pyproject.toml and installs without `-e`."""

import re
import tomllib

from packaging.requirements import Requirement

from wigan_deal import config

BINDER = config.PROJECT_ROOT / "binder"


def _pyproject() -> dict:
    return tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def test_binder_requirements_pin_exact_versions_of_the_package_dependencies():
    # binder/requirements.txt is the runtime lock (`make lock`; tests/test_lock.py checks the specifiers)
    ours = {Requirement(r).name.lower().replace("_", "-") for r in _requirements()}
    theirs = {Requirement(r).name.lower() for r in _pyproject()["dependencies"]}
    assert theirs <= ours
    assert all("==" in r for r in _requirements())


def test_binder_has_no_editable_install_and_installs_the_package_in_post_build():
    assert not any(r.startswith(("-e", "--editable")) or r in (".", "./") for r in _requirements())
    post = (BINDER / "postBuild").read_text()
    assert post.startswith("#!/bin/bash") and (BINDER / "postBuild").stat().st_mode & 0o111
    commands = [ln for ln in post.splitlines() if ln.strip() and not ln.startswith("#")]
    assert "python -m pip install --no-deps ." in commands
    assert not any(" -e " in c or "--editable" in c for c in commands)
    assert not (BINDER / "environment.yml").exists(), "repo2docker would use environment.yml over requirements.txt"


def test_binder_python_matches_requires_python_and_environment_yml():
    version = re.fullmatch(r"python-(\d+\.\d+)\n?", (BINDER / "runtime.txt").read_text()).group(1)
    assert _pyproject()["requires-python"] == f">={version}"
    assert f"python={version}" in (config.PROJECT_ROOT / "environment.yml").read_text()
