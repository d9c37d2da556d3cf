"""environment.yml (conda users) and pyproject.toml (pip users) must list the same packages."""

import re
import tomllib

import yaml

from wigan_deal import config


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\s\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_packages() -> set[str]:
    meta = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + list(meta["optional-dependencies"]["dev"])
    return {_name(r) for r in reqs}


def _environment_packages() -> tuple[set[str], list[str]]:
    env = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    names: set[str] = set()
    pip_lines: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines.extend(dep.get("pip", []))
            names.update(_name(p) for p in dep.get("pip", []) if not p.startswith("-"))
        else:
            names.add(_name(dep))
    return names - {"python", "pip"}, pip_lines


def test_environment_yml_and_pyproject_list_the_same_packages():
    conda, _ = _environment_packages()
    pip = _pyproject_packages()
    assert conda - pip == set(), f"only in environment.yml: {sorted(conda - pip)}"
    assert pip - conda == set(), f"only in pyproject.toml: {sorted(pip - conda)}"


def test_environment_yml_pins_python_311_and_installs_the_package():
    env = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    _, pip_lines = _environment_packages()
    assert "-e ." in pip_lines


def test_design_card_packages_are_all_declared():
    pip = _pyproject_packages()
    for pkg in ["jupyterlab", "pandas", "seaborn", "statsmodels", "papermill", "nbconvert", "scipy", "pytest"]:
        assert pkg in pip
