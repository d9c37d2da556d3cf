"""The lock files pin every declared dependency at a version its specifier allows (`make lock` makes them)."""

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from wigan_deal import config

ROOT = config.PROJECT_ROOT


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return ([Requirement(r) for r in meta["dependencies"]],
            [Requirement(r) for r in meta["optional-dependencies"]["dev"]])


def _pins(name: str) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert "==" in line and not line.startswith("-"), f"{name}: not an exact pin: {line!r}"
        req = Requirement(line)
        pins[req.name.lower().replace("_", "-")] = Version(next(iter(req.specifier)).version)
    return pins


def _key(req: Requirement) -> str:
    return req.name.lower().replace("_", "-")


@pytest.mark.parametrize("lock, extras", [("requirements.lock", True), ("binder/requirements.txt", False)])
def test_lock_pins_every_declared_dependency_within_its_specifier(lock, extras):
    runtime, dev = _declared()
    pins = _pins(lock)
    for req in runtime + (dev if extras else []):
        assert _key(req) in pins, f"{lock} lacks {req.name}: run `make lock`"
        assert pins[_key(req)] in req.specifier, f"{lock}: {req.name}=={pins[_key(req)]} outside {req.specifier}"


def test_binder_and_ci_locks_agree_on_every_shared_package():
    full, binder = _pins("requirements.lock"), _pins("binder/requirements.txt")
    assert set(binder) <= set(full)
    assert {k: v for k, v in full.items() if k in binder} == binder


def test_makefile_installs_from_the_lock():
    make = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in make
    assert "$(VENV)/.installed: pyproject.toml requirements.lock" in make
