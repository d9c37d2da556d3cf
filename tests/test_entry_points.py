"""Every ``python -m wigan_deal.X`` entry point answers ``--help``, and bad input with one message and no
traceback (issue 17, item 2: ``python -m wigan_deal.claims --help`` printed one)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import NamedTuple

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


#: Libraries a command answers ``--help`` and an unknown option without (it parses its arguments before it imports
#: the work): each takes a few tenths of a CPU-second to import, in every process that does.
HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill", "nbconvert", "nbformat",
         "jupyter_client", "dask", "distributed")
#: The entry points that do so. The others are library modules with a maintenance command (hle_ci, inference,
#: panel_coverage, the README blocks' generators) or the data package, whose ``__init__`` exports the pandas-based
#: data layer.
LIGHT = ("wigan_deal.cli", "wigan_deal.claims", "wigan_deal.report", "wigan_deal.report.atlas", "wigan_deal.report.own_series",
         "wigan_deal.report.pairs", "wigan_deal.report.sweep")


class Answer(NamedTuple):
    """One run: the finished "process", its working folder, and the :data:`HEAVY` libraries imported by the end
    of it (in the batch's one process: only those of runs before it too, so :data:`LIGHT` runs go first)."""

    proc: subprocess.CompletedProcess
    folder: object
    heavy: list[str]


#: Runs ``python -m MODULE ARGS`` for many (module, args, folder) in ONE process (``runpy``, as ``-m`` does), each
#: with its own working folder, stdout and stderr: the same answers as one process each, without paying the
#: package's imports 40 times. A module that replaces its process (``make_args`` execs its target) runs alone.
_DRIVER = r"""
import contextlib, io, json, os, runpy, sys, traceback, warnings
warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")  # a module re-run as __main__
answers = []
runs, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for module, args, folder in runs:
    os.chdir(folder)
    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = [module, *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    answers.append([code, out.getvalue(), err.getvalue(), [m for m in heavy if m in sys.modules]])
sys.stdout.write("ANSWERS " + json.dumps(answers))
"""
IN_ITS_OWN_PROCESS = {"wigan_deal.make_args"}


def _run_many(runs: list[tuple[str, tuple[str, ...]]], folder) -> dict[tuple[str, tuple[str, ...]], Answer]:
    """``{(module, args): Answer}``, each run in a new folder under ``folder``, in the order given."""
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    answers, folders, batch = {}, {}, []
    for i, run in enumerate(runs):
        folders[run] = cwd = folder / f"run{i}"
        cwd.mkdir()
        if run[0] in IN_ITS_OWN_PROCESS:
            answers[run] = _run(run[0], *run[1], tmp_path=cwd)
        else:
            batch.append(run)
    proc = subprocess.run([sys.executable, "-c", _DRIVER,
                           json.dumps([[m, list(a), str(folders[(m, a)])] for m, a in batch]), json.dumps(HEAVY)],
                          capture_output=True, text=True, timeout=600, cwd=folder, env=env)
    assert proc.returncode == 0 and "ANSWERS " in proc.stdout, proc.stderr[-3000:]
    heavy = {}
    for run, (code, out, err, loaded) in zip(batch, json.loads(proc.stdout.rsplit("ANSWERS ", 1)[1]), strict=True):
        answers[run], heavy[run] = subprocess.CompletedProcess([run[0], *run[1]], code, out, err), loaded
    return {run: Answer(answers[run], folders[run], heavy.get(run, [])) for run in runs}


BAD_INPUT = [
    ("wigan_deal.claims", ("Atlantis",)),
    ("wigan_deal.claims", ("E08000010", "E12000002x")),
    ("wigan_deal.readme", ("--check", "--readme", "missing.md")),
    ("wigan_deal.data", ("origins", "--check", "--raw-dir", "missing")),
    ("wigan_deal.report", ("--area", "Atlantis")),
    ("wigan_deal.report", ("--area", "E08000999", "--out", "reports")),
    ("wigan_deal.report", ("--pages", "everything")),
    ("wigan_deal.report.atlas", ("--areas", "Atlantis")),
    ("wigan_deal.report.atlas", ("--highlight", "XYZ")),
]


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict:
    """Every entry point's answer to ``--help``, to an unknown option and to the bad inputs below (the
    :data:`LIGHT` entry points first, before any run has imported a heavy library)."""
    modules = sorted(entry_points(), key=lambda m: m not in LIGHT)
    runs = [(m, (flag,)) for m in modules for flag in ("--help", "--no-such-option")] + BAD_INPUT
    return _run_many(runs, tmp_path_factory.mktemp("entry_points"))


def test_the_entry_points_are_found():
    assert {"wigan_deal.claims", "wigan_deal.report", "wigan_deal.report.atlas", "wigan_deal.data",
            "wigan_deal.make_args", "wigan_deal.readme"} <= set(entry_points())


@pytest.mark.parametrize("module", entry_points())
def test_help_and_an_unknown_option_answer_without_a_traceback(answers, module):
    shown, folder, _ = answers[(module, ("--help",))]
    assert shown.returncode == 0, shown.stderr
    assert "usage" in shown.stdout.lower() and "Traceback" not in shown.stdout + shown.stderr
    bad, other, _ = answers[(module, ("--no-such-option",))]
    assert bad.returncode != 0 and "Traceback" not in bad.stdout + bad.stderr, bad.stderr
    assert list(folder.iterdir()) == [] and list(other.iterdir()) == []  # nothing written


@pytest.mark.parametrize("module", LIGHT)
def test_help_and_an_unknown_option_are_answered_before_the_heavy_libraries_are_imported(answers, module):
    assert answers[(LIGHT[0], ("--help",))].heavy == []  # the batch's first run: nothing heavy imported before it
    for flag in ("--help", "--no-such-option"):
        heavy = answers[(module, (flag,))].heavy
        assert heavy == [], f"python -m {module} {flag}: {heavy} imported (by it, or by the first LIGHT run that failed)"


def test_the_heavy_library_check_sees_an_import(answers):
    assert "wigan_deal.data" not in LIGHT  # its package exports the data layer, which imports pandas
    assert "pandas" in answers[("wigan_deal.data", ("--help",))].heavy


@pytest.mark.parametrize("run", BAD_INPUT, ids=[f"{m} {' '.join(a)}" for m, a in BAD_INPUT])
def test_bad_input_is_one_paragraph(answers, run):
    proc, folder, _ = answers[run]
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert any(value in proc.stderr for value in run[1] if not value.startswith("--")), "the value is named"
    assert "Traceback" not in proc.stderr
    assert list(folder.iterdir()) == []
