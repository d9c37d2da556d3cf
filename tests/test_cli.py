"""The `wigan-deal` command: every subcommand answers --help, bad input gets one paragraph, no traceback."""

import subprocess
import sys
import tomllib

import pytest

from wigan_deal import config
from wigan_deal.cli import COMMANDS, main

EXAMPLE = config.DATA_DIR / "examples" / "own_series_example.csv"


def _run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "wigan_deal.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=config.PROJECT_ROOT)


def test_the_console_script_is_declared():
    scripts = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"wigan-deal": "wigan_deal.cli:main"}
    assert set(COMMANDS) == {"report", "atlas", "sweep", "data", "raw", "lab", "its"}


def test_top_level_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


@pytest.mark.integration  # starts a Python process (python -m wigan_deal.cli)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_answers_help_without_a_traceback(command):
    run = _run(command, "--help")
    assert run.returncode == 0, run.stderr
    assert "usage:" in run.stdout and "Traceback" not in run.stderr


@pytest.mark.integration  # starts a Python process (python -m wigan_deal.cli)
def test_its_help_shows_types_and_defaults():
    out = _run("its", "--help").stdout
    assert "(int) first period of the programme" in out and "(default: value)" in out


def test_unknown_command_is_one_line_and_exit_2(capsys):
    assert main(["reprot"]) == 2
    err = capsys.readouterr().err
    assert "'reprot' is not a command" in err and "report" in err and err.count("\n") == 1


@pytest.mark.integration  # starts a Python process (python -m wigan_deal.cli)
def test_its_with_a_bad_panel_prints_each_problem_and_writes_nothing(tmp_path):
    bad = tmp_path / "panel.csv"
    bad.write_text("area,period,rate\nA,2001,1\nA,2001,2\nB,x,3\n")
    run = _run("its", str(bad), "--treated", "Nowhere", "--break", "2011", "--outcome", "rate",
               "--out", str(tmp_path / "reports"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "more than once" in run.stderr and "'Nowhere' is not in the panel" in run.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.html"))


@pytest.mark.slow
def test_its_on_the_example_panel_writes_a_report_with_the_comparative_estimate(tmp_path):
    from wigan_deal.data.user_panel import read_user_panel
    from wigan_deal.user_series import analyse

    run = _run("its", str(EXAMPLE), "--treated", "Wigan", "--break", "2011", "--outcome", "rate",
               "--out", str(tmp_path), timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    folder = tmp_path / "own-series" / "own_series_example--Wigan"
    page = (folder / "index.html").read_text()
    level = analyse(read_user_panel(EXAMPLE, "Wigan", 2011, "rate")).result.estimates["level"]
    assert "Wigan minus the average of its 26 comparison areas: level change" in page
    assert f"{level['estimate']:+.2f}" in page
    assert not list(tmp_path.rglob(".tmp-*"))
