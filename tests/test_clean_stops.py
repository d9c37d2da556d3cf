"""Clean stops (issue 11, item 5), with real subprocesses.

A runner stopped by Ctrl-C (SIGINT to its process group), SIGTERM (what CI cancellation sends) or
SIGKILL leaves no worker or kernel process behind; the temporary folder is removed at once, or (after
SIGKILL, when nothing can run) swept by the next run. Also: reusing a kernel across notebooks does
not leak ZeroMQ sockets/file descriptors or memory (papermill never closes the client it makes).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


#: what a sleeping notebook writes in its working folder (the notebooks' folder) when its sleeping cell starts
STARTED = ".started"


def _sleeping_notebooks(folder: Path, n: int = 2) -> Path:
    folder.mkdir()
    for i in range(1, n + 1):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("area_code = None\nresults_path = None", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell(f"import time\nopen('0{i}{STARTED}', 'w').close()\ntime.sleep(120)")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"0{i}_sleep.ipynb")
    return folder


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _connection_files(folder: Path) -> list[Path]:
    """Kernel connection files (they hold the kernel's key) anywhere under ``folder``."""
    return [p for p in folder.rglob("*") if p.is_file() and b'"signature_scheme"' in p.read_bytes()]


def _interruptible() -> None:
    """In the child before exec: SIGINT and SIGHUP back to their default action (a terminal's foreground job;
    under ``nohup make test`` every process inherits SIGHUP ignored, and the SIGHUP test waited 30 s and failed)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


_SHORT_FOLDERS: list[Path] = []


def _short_tmp() -> Path:
    """A new folder with a short path under /tmp (a Unix socket path may not exceed 107 bytes; pytest-xdist's
    tmp_path can be longer), removed after the test (:func:`_remove_short_folders`)."""
    folder = Path(tempfile.mkdtemp(prefix="wd-", dir="/tmp"))
    _SHORT_FOLDERS.append(folder)
    return folder


@pytest.fixture(autouse=True)
def _remove_short_folders():
    yield
    while _SHORT_FOLDERS:
        shutil.rmtree(_SHORT_FOLDERS.pop(), ignore_errors=True)


def _start_runner(tmp_path: Path, via_make: bool = False) -> tuple[subprocess.Popen, Path, list[int]]:
    nbs = _sleeping_notebooks(tmp_path / "nbs")
    out = tmp_path / "reports"
    # where kernel connection files would be left; a short path: the forkserver's socket lives there too
    short = _short_tmp()
    (tmp_path / "tmp").symlink_to(short)
    env = {**os.environ, "TMPDIR": str(short)}
    args = ["--notebook-dir", str(nbs), "--out", str(out), "--jobs", "2"]
    if via_make:
        from wigan_deal import config

        env.update({"CONDA_DEFAULT_ENV": "wigan-deal", "REPORT_ARGS": " ".join(args),
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
        env.pop("MAKEFLAGS", None)
        cmd = ["make", "--no-print-directory", "-f", str(config.PROJECT_ROOT / "Makefile"), "report"]
    else:
        cmd = [sys.executable, "-m", "wigan_deal.report", *args]
    # as a terminal starts a foreground job: Ctrl-C not ignored. A run started in the background by a non-interactive
    # shell (`make test &`, some CI runners) inherits SIGINT ignored, and so would every process it starts; a process
    # started with SIGINT ignored rightly stays deaf to it, which is not what these tests are about.
    runner = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True, env=env, cwd=tmp_path, preexec_fn=_interruptible)
    proc = psutil.Process(runner.pid)
    _wait_for_kernels(runner, out, folders=1)
    _wait_for_files(runner, [nbs / f"0{i}{STARTED}" for i in (1, 2)])  # both kernels are in their sleeping cell
    family = [p.pid for p in proc.children(recursive=True)]
    assert len(family) >= 5  # forkserver, two workers, two kernels
    return runner, out, family


def _cmdline(proc: psutil.Process) -> str:
    """``proc``'s command line, or "" for a process that has just exited (gone, or a zombie its parent has not yet
    reaped: a short-lived child of make or of the runner, seen while the kernels start)."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _wait_for_kernels(started: subprocess.Popen, out: Path, folders: int, seconds: float = 90) -> None:
    """Wait until ``started`` has two kernels among its descendants and ``folders`` temporary report folders in
    ``out``; kill it and fail the test if that takes more than ``seconds``."""
    proc = psutil.Process(started.pid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kernels = [p for p in proc.children(recursive=True) if "ipykernel" in _cmdline(p)]
        if len(kernels) == 2 and len(list(out.glob(".tmp-*"))) >= folders:
            return
        time.sleep(0.05)  # psutil walks the process tree each time
    started.kill()
    pytest.fail(f"kernels did not start: {started.communicate()}")


def _wait_for_files(started: subprocess.Popen, files: list[Path], seconds: float = 90) -> None:
    """Wait until every one of ``files`` exists; kill ``started`` and fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(f.exists() for f in files):
            return
        time.sleep(0.02)
    started.kill()
    pytest.fail(f"the notebooks did not reach their sleeping cell: {started.communicate()}")


def _wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _alive(pids)


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_interrupted_runner_leaves_no_process_and_no_temporary_folder(tmp_path, how):
    runner, out, family = _start_runner(tmp_path)
    try:
        if how == "SIGINT":
            os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            os.kill(runner.pid, signal.SIGTERM)  # what CI cancellation does
        _, err = runner.communicate(timeout=30)
        assert runner.returncode in (130, 143), err
        assert "no report was written" in err and "Traceback" not in err
        assert _wait_gone(family) == []
        assert list(out.iterdir()) == []
        assert _connection_files(tmp_path / "tmp") == []
    finally:
        for pid in _alive(family):
            os.kill(pid, signal.SIGKILL)


def test_killed_runner_takes_workers_and_kernels_along_and_next_run_sweeps_its_folder(tmp_path):
    runner, out, family = _start_runner(tmp_path)
    try:
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait(timeout=10)
        assert _wait_gone(family) == []
        assert _connection_files(tmp_path / "tmp") == []  # the workers removed their kernels' files
        stale = list(out.glob(".tmp-*"))
        assert len(stale) == 1  # nothing could remove it...
        from wigan_deal import parameters
        from wigan_deal.report import run_report

        quick = tmp_path / "quick"
        quick.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, quick / "01_quick.ipynb")
        run_report(parameters.validate(area_code="E08000035"), [quick / "01_quick.ipynb"], out_dir=out, jobs=1,
                   log=lambda _m: None)
        assert sorted(p.name for p in out.iterdir()) == ["E08000035"]  # ...until the next run swept it
    finally:
        for pid in _alive(family):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_stopped_local_sweep_leaves_no_process_no_temporary_folder_and_resumes(tmp_path, how):
    """Ctrl-C (SIGINT to the group) or SIGTERM to ``wigan-deal sweep`` while its pool's reused kernels run real
    notebooks: the workers and kernels go, the reports being written are removed, nothing is recorded, and the
    message says it resumes."""
    out = tmp_path / "reports"
    short = _short_tmp()  # the forkserver's socket path must stay short
    cmd = [sys.executable, "-m", "wigan_deal.report.sweep", "--areas", "E08000010,E08000001", "--notebooks", "05",
           "--pages", "reader", "--jobs", "2", "--out", str(out)]
    sweep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env={**os.environ, "TMPDIR": str(short)}, preexec_fn=_interruptible)
    proc = psutil.Process(sweep.pid)
    family: list[int] = []
    try:
        _wait_for_kernels(sweep, out, folders=2)
        family = [p.pid for p in proc.children(recursive=True)]
        if how == "SIGINT":
            os.killpg(sweep.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            os.kill(sweep.pid, signal.SIGTERM)
        _, err = sweep.communicate(timeout=30)
        assert sweep.returncode == 130, err
        assert "Stopped" in err and "resumes" in err and "Traceback" not in err, err
        assert _wait_gone(family) == []
        assert sorted(p.name for p in out.iterdir()) == []  # no report, no temporary folder, no ledger entry
        assert _connection_files(short) == []
    finally:
        for pid in _alive(family):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(shutil.which("make") is None or not sys.platform.startswith("linux"), reason="needs make on Linux")
@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL", "SIGHUP"])
def test_stopping_make_by_its_pid_stops_the_runner_workers_and_kernels(tmp_path, how):
    """``kill -INT <make's pid>``: make waits for its child (it expects the terminal to have signalled the
    whole group); ``kill -KILL``: the runner is orphaned. Either way nothing may run on or publish."""
    make, out, family = _start_runner(tmp_path, via_make=True)
    try:
        os.kill(make.pid, getattr(signal, how))
        make.communicate(timeout=30)
        assert _wait_gone(family) == [], [psutil.Process(p).cmdline() for p in _alive(family)]
        assert [p.name for p in out.iterdir() if not p.name.startswith(".tmp-")] == []  # nothing published
        if how != "SIGKILL":
            assert list(out.iterdir()) == []
        assert _connection_files(tmp_path / "tmp") == []
    finally:
        for pid in _alive(family):
            os.kill(pid, signal.SIGKILL)


def test_reused_kernel_does_not_leak_sockets_or_memory(tmp_path):
    """Many notebooks through one worker's reused kernel: open file descriptors stay flat."""
    from wigan_deal.report import kernels, runner

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("results_path = None", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()\n" + "print('x' * 100000)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "01_small.ipynb"
    nbformat.write(nb, source)
    me = psutil.Process()

    def run(i: int) -> None:
        folder = tmp_path / f"out{i}"
        folder.mkdir()
        task = runner.NotebookTask(name="01_small", source=str(source), folder=str(folder),
                                   parameters={"results_path": None}, cwd=str(tmp_path))
        outcome = runner.execute_one(task)
        assert outcome.ok, outcome.error

    try:
        for i in range(3):  # warm up: kernel started, imports and caches settled
            run(i)
        fds, rss = me.num_fds(), me.memory_info().rss
        for i in range(3, 13):
            run(i)
        assert me.num_fds() - fds <= 2, "file descriptors (ZeroMQ sockets) leak per notebook"
        assert me.memory_info().rss - rss < 40e6
    finally:
        kernels._shutdown_worker_kernel()



#: a report worker whose stop (SIGTERM) comes just after its kernel's process has started, before the kernel
#: manager has recorded it: the worker's stop must still kill that kernel and leave no connection file
_STOP_DURING_LAUNCH = """
import os, signal, sys
from pathlib import Path
from jupyter_client.provisioning import local_provisioner
from wigan_deal.report import kernels

folder = Path(sys.argv[1])
kernels.worker_init(os.getpid(), str(folder / (kernels.KERNEL_FILES_PREFIX + "test")))
launch = local_provisioner.launch_kernel

def launch_then_stop(cmd, **kwargs):
    process = launch(cmd, **kwargs)
    print(process.pid, flush=True)
    os.kill(os.getpid(), signal.SIGTERM)
    return process

local_provisioner.launch_kernel = launch_then_stop
kernels.warm_kernel("python3", folder, str(folder))
print("the worker ran on", flush=True)
"""


def test_a_worker_stopped_while_its_kernel_starts_kills_it_and_leaves_no_connection_file(tmp_path):
    """The stop's SIGTERM arrives between the kernel process's start and the kernel manager's record of it.
    The worker used to find no kernel to kill and end. The kernel ran on as an orphan, wrote its connection file
    again (ipykernel re-creates a missing one), and left it when its parent poller ended it with ``os._exit``."""
    worker = subprocess.run([sys.executable, "-c", _STOP_DURING_LAUNCH, str(tmp_path)], capture_output=True,
                            text=True, timeout=60)
    assert worker.returncode == 128 + signal.SIGTERM, worker.stderr
    kernel = int(worker.stdout.split()[0])
    assert "ran on" not in worker.stdout
    assert _wait_gone([kernel], seconds=0.5) == []  # killed with the worker, not ended later by its parent poller
    assert _connection_files(tmp_path) == []  # the kernel is gone: nothing can write one any more


#: a report worker that gets a second SIGTERM while it handles the first (the runner's and the forkserver's death
#: signal can both come): it must still end at once
_SECOND_SIGNAL_DURING_EXIT = """
import os, signal, time
from wigan_deal.report import kernels

kernels.worker_init(os.getpid())
kill = kernels._kill_worker_kernel
sent = []

def kill_after_a_second_signal():
    if not sent:
        sent.append(True)
        os.kill(os.getpid(), signal.SIGTERM)
    kill()

kernels._kill_worker_kernel = kill_after_a_second_signal
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(30)
"""


def test_a_worker_that_gets_a_second_stop_signal_while_it_stops_still_ends_at_once():
    """The second signal runs the handler again inside the first. A handler that waited for a lock the first one
    held waited for itself, and the runner killed the worker only after its 5 s grace."""
    start = time.monotonic()
    worker = subprocess.run([sys.executable, "-c", _SECOND_SIGNAL_DURING_EXIT], capture_output=True, text=True,
                            timeout=20)
    assert worker.returncode == 128 + signal.SIGTERM, worker.stderr
    assert time.monotonic() - start < 10  # the worker's start-up and exit: seconds, not the 30 s sleep
