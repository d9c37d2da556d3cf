"""Every ``python -m wigan_deal.X`` entry point answers ``--help``, and bad input with one message and no
traceback (issue 17, item 2: ``python -m wigan_deal.claims --help`` printed one)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from wigan_deal import config

#: every test here starts a Python process (python -m wigan_deal.X)
pytestmark = pytest.mark.integration

PACKAGE = config.PROJECT_ROOT / "src" / "wigan_deal"


def entry_points() -> list[str]:
    """Modules runnable with ``python -m``: packages with ``__main__.py`` and modules with a main guard."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if path.name == "__main__.py":
            found.append(".".join(rel.parts[:-1]))
        elif re.search(r'^if __name__ == "__main__":', path.read_text(), re.M):
            found.append(".".join(rel.parts))
    return sorted(set(found))


def _run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=180,
                          cwd=tmp_path, env=env)


def test_the_entry_points_are_found():
    assert {"wigan_deal.claims", "wigan_deal.report", "wigan_deal.report.atlas", "wigan_deal.data",
            "wigan_deal.make_args", "wigan_deal.readme"} <= set(entry_points())


@pytest.mark.parametrize("module", entry_points())
def test_help_and_an_unknown_option_answer_without_a_traceback(tmp_path, module):
    shown = _run(module, "--help", tmp_path=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "usage" in shown.stdout.lower() and "Traceback" not in shown.stdout + shown.stderr
    bad = _run(module, "--no-such-option", tmp_path=tmp_path)
    assert bad.returncode != 0 and "Traceback" not in bad.stdout + bad.stderr, bad.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("args", [
    ["wigan_deal.claims", "Atlantis"],
    ["wigan_deal.claims", "E08000010", "E12000002x"],
    ["wigan_deal.readme", "--check", "--readme", "missing.md"],
    ["wigan_deal.data", "origins", "--check", "--raw-dir", "missing"],
    ["wigan_deal.report", "--area", "Atlantis"],
    ["wigan_deal.report.atlas", "--areas", "Atlantis"],
    ["wigan_deal.report.atlas", "--highlight", "XYZ"],
])
def test_bad_input_is_one_paragraph(tmp_path, args):
    proc = _run(*args, tmp_path=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
