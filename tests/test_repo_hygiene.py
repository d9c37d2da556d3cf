"""What pre-commit refuses, CI refuses too: large files and raw data (limits from .pre-commit-config.yaml)."""

import re
import subprocess
import tomllib

import pytest
import yaml

from wigan_deal import config

ROOT = config.PROJECT_ROOT


def _hooks() -> dict[str, list[dict]]:
    conf = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks: dict[str, list[dict]] = {}
    for repo in conf["repos"]:
        for hook in repo["hooks"]:
            hooks.setdefault(hook["id"], []).append({**hook, "rev": repo.get("rev")})
    return hooks


def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [p for p in out.decode().split("\0") if p]


def _limits() -> list[tuple[re.Pattern | None, re.Pattern | None, int]]:
    limits = []
    sizing = [h for hs in _hooks().values() for h in hs if h["entry"].startswith("check-added-large-files")]
    for hook in sizing:  # local hooks: the limit is in the entry (`check-added-large-files --maxkb=N ...`)
        kb = int(next(a for a in hook["entry"].split() if a.startswith("--maxkb=")).split("=")[1])
        files = re.compile(hook["files"]) if "files" in hook else None
        exclude = re.compile(hook["exclude"]) if "exclude" in hook else None
        limits.append((files, exclude, kb))
    return limits


def test_pre_commit_strips_outputs_runs_ruff_and_refuses_large_and_raw_files():
    hooks = _hooks()
    assert {"nbstripout", "ruff-check", "check-added-large-files", "forbid-raw-data", "notebook-pairs"} <= set(hooks)
    # every hook runs from the project's environment: ruff is the version pyproject.toml installs
    assert hooks["ruff-check"][0]["entry"].startswith("python -m ruff check")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert any(d.startswith("ruff>=") for d in deps)
    assert sorted(kb for *_, kb in _limits()) == [1000, 4096]


def test_no_tracked_file_exceeds_the_pre_commit_size_limits():
    too_big = []
    for rel in _tracked():
        path = ROOT / rel
        if not path.is_file():
            continue
        for files, exclude, kb in _limits():
            applies = (files is None or files.search(rel)) and not (exclude and exclude.search(rel))
            if applies and path.stat().st_size > kb * 1024:
                too_big.append(f"{rel} ({path.stat().st_size // 1024} kB > {kb} kB)")
    assert too_big == []


def test_no_raw_data_is_tracked():
    pattern = re.compile(_hooks()["forbid-raw-data"][0]["files"])
    assert [p for p in _tracked() if pattern.search(p)] == []
    assert pattern.search("data/raw/official/population/x.xls") and pattern.search("notes/book.xlsx")
