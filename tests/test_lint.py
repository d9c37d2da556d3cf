"""The code base and the notebooks stay ruff-clean (rules in pyproject.toml), so style drift shows up in `make test`."""

import subprocess
import sys

from wigan_deal import config


def test_ruff_finds_nothing():
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "benchmarks", "notebooks"],
        cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
