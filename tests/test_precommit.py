"""The pre-commit hooks run offline from the project's own environment and leave a clean clone unchanged."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wigan_deal import config

CONFIG = config.PROJECT_ROOT / ".pre-commit-config.yaml"


def test_every_hook_is_local():
    repos = yaml.safe_load(CONFIG.read_text())["repos"]
    assert [r["repo"] for r in repos] == ["local"]
    ids = {h["id"] for h in repos[0]["hooks"]}
    assert {"nbstripout", "ruff-check", "check-added-large-files", "notebook-pairs"} <= ids
    strip = next(h for h in repos[0]["hooks"] if h["id"] == "nbstripout")
    assert "--keep-id" in strip["entry"]  # nbstripout must not rewrite the committed cell ids


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None or not (config.PROJECT_ROOT / ".git").exists(),
                    reason="needs a git checkout")
def test_pre_commit_run_all_files_passes_on_a_clean_clone_and_changes_nothing(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(config.PROJECT_ROOT), str(clone)], check=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(clone / "src"),
           # no network: any hook that tried to fetch from a forge would fail here
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    run = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=clone, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True)
    assert status.stdout == "", status.stdout
