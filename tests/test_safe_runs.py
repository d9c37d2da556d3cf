"""Safe runs (issue 17, item 2): Makefile variables reach Python as data, blank values are errors, a
file where a report goes is never renamed away, a full disk is one message. Fast except the make runs,
which stop right after validating their arguments."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wigan_deal import config, make_args
from wigan_deal.report import execute, runner
from wigan_deal.report.__main__ import main

ROOT = config.PROJECT_ROOT
MAKEFILE = ROOT / "Makefile"
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def _make(tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``make -f <repo>/Makefile ARGS`` run in ``tmp_path`` (where injected shell code would write),
    with the active environment's Python."""
    env = {**os.environ, "CONDA_DEFAULT_ENV": "wigan-deal",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT / "src"), **(env_extra or {})}
    env.pop("MAKEFLAGS", None)
    return subprocess.run(["make", "--no-print-directory", "-f", str(MAKEFILE), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.integration  # runs make, which starts Python
@needs_make
@pytest.mark.parametrize("area", [
    'Wigan" ; echo injected > f1 ; "',
    "`echo injected > f2`",
    "$(echo injected > f3)",
    "Wigan'; touch f4; '",
    "$(shell touch f5)",
])
def test_hostile_area_is_data_not_shell_code(tmp_path, area):
    proc = _make(tmp_path, "report", f"AREA={area}", "REPORT_ARGS=--notebooks 99")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no file written by injected code
    assert proc.returncode != 0
    assert "Invalid area_code" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.integration  # runs make, which starts Python
@needs_make
def test_hostile_report_args_are_split_like_words_never_run(tmp_path):
    proc = _make(tmp_path, "report", "REPORT_ARGS=--notebooks 99 `touch f1` ; touch f2")
    assert list(tmp_path.iterdir()) == []
    assert proc.returncode == 2 and "unrecognized arguments: `touch f1` ; touch f2" in proc.stderr


@needs_make
@pytest.mark.integration
@pytest.mark.parametrize("value", ["   ", ""])
def test_blank_area_given_to_make_is_an_error_not_wigan(tmp_path, value):
    proc = _make(tmp_path, "report", f"AREA={value}", f"REPORT_ARGS=--out {tmp_path / 'out'}")
    assert proc.returncode == 2, proc.stderr
    assert "--area was given an empty value" in proc.stderr and "nothing was run" in proc.stderr
    assert not (tmp_path / "out").exists()
    # the same through the environment
    proc = _make(tmp_path, "report", env_extra={"AREA": value, "REPORT_ARGS": f"--out {tmp_path / 'out'}"})
    assert proc.returncode == 2 and "--area was given" in proc.stderr, proc.stderr


def test_make_args_turns_given_variables_into_arguments():
    env = {"WIGAN_DEAL_MAKE_AREA": 'Wigan" ; rm -rf x ; "', "WIGAN_DEAL_MAKE_REPORT_ARGS": "--out 'my reports' --jobs 1"}
    assert make_args.arguments(["AREA=--area", "BREAK_YEAR=--break-year", "REPORT_ARGS"], env) == [
        "--area", 'Wigan" ; rm -rf x ; "', "--out", "my reports", "--jobs", "1"]
    assert make_args.arguments(["AREA=--area", "REPORT_ARGS"], {}) == []  # not given: the module's defaults
    assert make_args.arguments(["AREA=--area"], {"WIGAN_DEAL_MAKE_AREA": ""}) == ["--area", ""]
    with pytest.raises(make_args.MakeArgsError, match="REPORT_ARGS could not be split"):
        make_args.arguments(["REPORT_ARGS"], {"WIGAN_DEAL_MAKE_REPORT_ARGS": "--out 'unclosed"})


@needs_make
def test_every_make_target_passes_variables_as_data():
    text = MAKEFILE.read_text()
    for name in ("AREA", "BREAK_YEAR", "REPORT_ARGS", "ATLAS_ARGS", "PYTEST_ARGS"):
        recipes = [ln for ln in text.splitlines() if ln.startswith("\t") and f"$({name})" in ln]
        assert recipes == [], f"{name} is pasted into shell text: {recipes}"


@pytest.mark.parametrize(("option", "value", "fragment"), [
    ("--area", "   ", "--area was given only spaces"),
    ("--notebooks", "", "--notebooks was given an empty value"),
    ("--notebooks", ",", "names no notebook"),
    ("--out", "", "--out was given an empty value"),
    ("--break-year", " ", "--break-year was given only spaces"),
    ("--config", "", "--config was given an empty value"),
])
def test_blank_options_are_errors(tmp_path, capsys, monkeypatch, option, value, fragment):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "_execute_all", lambda *a, **k: pytest.fail("a blank option must not run anything"))
    assert main([option, value] + ([] if option == "--out" else ["--out", str(tmp_path / "r")])) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_file_where_the_report_goes_is_an_error_and_is_kept(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "_execute_all", lambda *a, **k: pytest.fail("must not run"))
    (tmp_path / "reports").mkdir()
    mine = tmp_path / "reports" / f"{config.WIGAN}--notebooks-02"
    mine.write_text("my notes")
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    (notebooks / "02_x.ipynb").write_text("{}")
    (notebooks / "03_y.ipynb").write_text("{}")
    assert main(["--out", str(tmp_path / "reports"), "--notebook-dir", str(notebooks), "--notebooks", "02"]) == 2
    err = capsys.readouterr().err
    assert f"{mine} is a file, not a report folder" in err and err.count("\n") == 1
    assert mine.read_text() == "my notes"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [mine.name]  # no hidden .old-...


def test_publish_over_a_file_leaves_no_hidden_backup(tmp_path):
    new = tmp_path / ".tmp-x-1"
    new.mkdir()
    (new / "index.html").write_text("new")
    (tmp_path / "x").write_text("old file")
    runner.publish(new, tmp_path / "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]
    assert (tmp_path / "x" / "index.html").read_text() == "new"


# --- a full disk -------------------------------------------------------------------------------
def _ok(name: str) -> runner.NotebookOutcome:
    return runner.NotebookOutcome(name, True, 1.0)


def test_a_full_disk_during_the_run_is_one_message_naming_the_folder_and_the_space(tmp_path, capsys, monkeypatch):
    """ENOSPC as the workers report it (papermill saving the notebook, the kernel writing results)."""
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    for i in range(1, 8):
        (notebooks / f"0{i}_n.ipynb").write_text("{}")

    def full_disk(tasks, jobs, log):
        return [_ok(tasks[0].name)] + [runner.NotebookOutcome(
            t.name, False, 0.5, f"OSError: [Errno 28] No space left on device: '{t.folder}/{t.name}.ipynb'")
            for t in tasks[1:6]] + [runner.NotebookOutcome(
                tasks[6].name, False, 0.5, "cell 3 (In [3]: rec.save()) raised OSError: [Errno 28] No space left on device")]

    monkeypatch.setattr(runner, "_execute_all", full_disk)
    out = tmp_path / "reports"
    assert main(["--out", str(out), "--notebook-dir", str(notebooks)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notebook(s) failed" not in err
    assert f"The disk holding the reports folder {out.resolve()} ran out of space" in err
    assert f"a report needs about {runner.REPORT_SPACE_BYTES // 2**20} MB free there" in err and "are free" in err
    assert list(out.iterdir()) == []


def test_too_little_free_space_is_refused_before_running(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "_execute_all", lambda *a, **k: pytest.fail("must not run"))
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(runner.shutil, "disk_usage", lambda _p: usage._replace(free=3 * 2**20))
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    (notebooks / "01_n.ipynb").write_text("{}")
    assert main(["--out", str(tmp_path / "reports"), "--notebook-dir", str(notebooks)]) == 2
    err = capsys.readouterr().err
    assert "has too little free space: a report needs about 50 MB free there and 3 MB are free" in err
    assert err.count("\n") == 1


def test_enospc_raised_in_the_worker_is_recognised(tmp_path, monkeypatch):
    """The worker's own writes (papermill saving the output notebook) failing with ENOSPC."""
    def no_space(*_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "01_n.ipynb"))

    monkeypatch.setattr(execute.pm, "execute_notebook", no_space)
    task = runner.NotebookTask(name="01_n", source=str(tmp_path / "01_n.ipynb"), folder=str(tmp_path),
                               parameters={}, cwd=str(tmp_path), fresh_kernel=True)
    outcome = runner.execute_one(task)
    assert not outcome.ok and runner.is_disk_full(outcome.error)
    assert not runner.is_disk_full("cell 2 raised ValueError: no series")


# --- messages (issue 17, "Misleading messages") ------------------------------------------------------
def _one_paragraph_with(err: str, present: list[str], absent: list[str]) -> None:
    """One line, no traceback, every ``present`` text and no ``absent`` one."""
    assert err.count("\n") == 1 and "Traceback" not in err
    for text in present:
        assert text in err, err
    for text in absent:
        assert text not in err, err


@pytest.mark.parametrize(("area", "present", "absent"), [
    ("Buckinghamshire", ["is ambiguous", "E06000060 (Buckinghamshire, unitary authority)",
                         "E10000002 (Buckinghamshire, county)"], ["Did you mean"]),
    ("Hull", ["Did you mean E06000010 (Kingston upon Hull, City of)?"], ["Solihull", "Hounslow"]),
    ("Wigan,Bolton", ["lists 2 areas; give one area at a time", "--comparators"], ["Did you mean", "Halton"]),
    ("Wigan; Bolton; Bury", ["lists 3 areas; give one area at a time"], ["Did you mean"]),
    ("../../etc", ["No area's code or name is close to it"], ["Did you mean", "Hartlepool"]),
    ("\U0001F600", ["No area's code or name is close to it"], ["Did you mean", "Hartlepool"]),
    ("Wigna", ["Did you mean E08000010 (Wigan)?"], ["Wokingham", "Wirral"]),
    ("E07000117", ["shire districts", "county (E10)"], ["Did you mean", "Rutland"]),
])
def test_area_messages_suggest_only_what_is_close(tmp_path, capsys, area, present, absent):
    assert main(["--area", area, "--out", str(tmp_path / "r")]) == 2
    _one_paragraph_with(capsys.readouterr().err, present, absent)


@pytest.mark.parametrize(("comparator", "present", "absent"), [
    ("gmm", ["did you mean the comparator kind 'gm'?"], ["Hartlepool"]),
    ("nearst", ["did you mean the comparator kind 'nearest'?"], ["Somerset"]),
    ("W06000015", ["a Welsh area", "only English upper-tier councils are covered"], ["Derby", "Did you mean"]),
    ("E12000002", ["an English region"], ["Buckinghamshire", "Did you mean"]),
    ("E07000117", ["shire districts", "county (E10)"], ["Rutland", "Did you mean"]),
    ("E08000999", ["neither a comparator kind", "Did you mean E08000009 (Trafford)"], []),
])
def test_comparator_typos_get_the_hints_area_gets(tmp_path, capsys, comparator, present, absent):
    assert main(["--comparators", f"england,{comparator}", "--out", str(tmp_path / "r")]) == 2
    _one_paragraph_with(capsys.readouterr().err, present, absent)


@pytest.mark.parametrize("option", ["--area", "--comparators", "--vintage", "--sex", "--post-rule", "--break-year",
                                    "--notebooks", "--jobs"])
def test_a_long_input_is_shortened_in_the_message(tmp_path, capsys, option):
    value = "Z" * 20_000
    assert main([option, value, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert len(err) < 1500 and "Z" * 200 not in err, err[:300]


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            f"mount -t tmpfs -o size=1m tmpfs '{tmp_path}'"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.slow
def test_a_disk_that_fills_up_during_a_real_run_is_one_message(tmp_path):
    """A real full disk: the reports folder on a 64 MB tmpfs (in a private mount namespace) that is filled
    while both notebooks run (each waits for the disk to be full); the workers' writes fail with ENOSPC."""
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("cannot mount a tmpfs in a user namespace here")
    import nbformat

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    filled = tmp_path / "filled"  # written (outside the tmpfs) once the disk is full
    # each notebook says it is running (a file in its working folder, the notebooks' folder), then waits until
    # the disk is full, then prints: its output can no longer be written
    wait = (f"import os, time\nopen('started-{{}}', 'w').close()\ndeadline = time.monotonic() + 120\n"
            f"while not os.path.exists({str(filled)!r}) and time.monotonic() < deadline:\n    time.sleep(0.02)")
    for i in (1, 2):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("area_code = None\nresults_path = None", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell(wait.format(i)), nbformat.v4.new_code_cell("print('x' * 1000)")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, nbs / f"0{i}_n.ipynb")
    mnt = tmp_path / "mnt"
    script = f"""
mkdir -p '{mnt}' && mount -t tmpfs -o size=64m tmpfs '{mnt}' || exit 97
'{sys.executable}' -m wigan_deal.report --notebook-dir '{nbs}' --out '{mnt}/reports' --jobs 2 &
R=$!
for i in $(seq 1 2400); do [ -e '{nbs}/started-1' ] && [ -e '{nbs}/started-2' ] && ls -d '{mnt}'/reports/.tmp-* >/dev/null 2>&1 && break; sleep 0.05; done
head -c 100000000 /dev/zero > '{mnt}/filler' 2>/dev/null
touch '{filled}'
wait $R; echo "rc=$?"; ls -A '{mnt}/reports'
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          capture_output=True, text=True, timeout=180, env=env)
    assert "rc=1" in proc.stdout, (proc.stdout, proc.stderr)
    assert proc.stdout.rstrip().endswith("rc=1")  # nothing left in the reports folder
    assert proc.stderr.count("\n") == 1 and "notebook(s) failed" not in proc.stderr, proc.stderr
    assert f"The disk holding the reports folder {mnt}/reports ran out of space" in proc.stderr
    assert "a report needs about 50 MB free there" in proc.stderr


def test_the_runners_own_enospc_is_the_same_message(tmp_path, capsys, monkeypatch):
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    (notebooks / "01_n.ipynb").write_text("{}")
    monkeypatch.setattr(runner, "_execute_all", lambda tasks, jobs, log: [_ok(t.name) for t in tasks])

    def no_space(*_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(runner, "write_index", no_space)
    assert main(["--out", str(tmp_path / "reports"), "--notebook-dir", str(notebooks)]) == 1
    err = capsys.readouterr().err
    assert "ran out of space" in err and err.count("\n") == 1 and "Traceback" not in err
    assert list((tmp_path / "reports").iterdir()) == []


def test_stale_backup_files_of_dead_runs_are_swept(tmp_path):
    """v0.2 renamed a file at reports/<name> to a hidden .old-<name>-<pid> and never removed it."""
    (tmp_path / ".old-E08000010-999999999").write_text("left by a v0.2 run")
    (tmp_path / f".old-E08000010-{os.getpid()}").write_text("a live run's backup")
    runner._remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".old-E08000010-{os.getpid()}"]
