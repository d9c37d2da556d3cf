"""One kernel name everywhere: notebooks declare `python3`, and Jupyter started from the project's environment
(make lab, the report's papermill runs, Binder, an editor pointed at .venv) runs it with that environment's Python."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

# coroutines run as the runner runs them (a test worker may already have a running event loop)
from jupyter_core.utils import run_sync

from wigan_deal import config
from wigan_deal.report import runner


def test_notebooks_and_runner_use_the_python3_kernel():
    names = {nbformat.read(p, as_version=4).metadata["kernelspec"]["name"] for p in config.NOTEBOOKS_DIR.glob("*.ipynb")}
    assert names == {"python3"} and runner.KERNEL_NAME == "python3"


def test_python3_kernel_runs_the_interpreter_jupyter_was_started_with(tmp_path, monkeypatch):
    # as `make lab` does: the environment's python is called by path, the environment is NOT activated, another
    # `python` comes first on PATH and no user kernels exist
    from jupyter_client.manager import KernelManager

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python").symlink_to("/bin/false")
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(cmd[0]) == Path(sys.executable) and cmd[1:3] == ["-m", "ipykernel_launcher"]
    import wigan_deal  # that interpreter is the one with the package

    assert Path(wigan_deal.__file__).is_relative_to(config.PROJECT_ROOT)


def test_make_lab_uses_the_environment_jupyter_and_installs_no_other_kernel_name():
    makefile = (config.PROJECT_ROOT / "Makefile").read_text()
    assert "$(PY) -m jupyter lab" in makefile
    assert "ipykernel install" not in makefile
    assert "ipykernel install" not in (config.PROJECT_ROOT / "binder" / "postBuild").read_text()


def test_kernels_get_one_blas_thread_unless_the_user_chose():
    from wigan_deal.config import BLAS_THREADS
    from wigan_deal.report.kernels import one_blas_thread

    env = {"OPENBLAS_NUM_THREADS": "4", "PATH": "/bin"}
    one_blas_thread(env)
    assert env == {**{name: "1" for name in BLAS_THREADS}, "OPENBLAS_NUM_THREADS": "4", "PATH": "/bin"}
    assert set(BLAS_THREADS) >= {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}



@pytest.mark.integration  # a report run in a new process (its own forkserver, workers and kernel)
def test_a_report_kernel_runs_with_one_blas_thread_when_the_user_set_none(tmp_path):
    """The worker sets the BLAS variables before it starts its kernel. A new process without them (the suite's own
    processes have them, and a forkserver keeps the environment it started with)."""
    import subprocess

    from wigan_deal.config import BLAS_THREADS

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, os\n"
        f"json.dump({{n: os.environ.get(n) for n in {sorted(BLAS_THREADS)!r}}}, open('blas.json', 'w'))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder = tmp_path / "nbs"
    folder.mkdir()
    nbformat.write(nb, folder / "01_blas.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    proc = subprocess.run([sys.executable, "-m", "wigan_deal.report", "--notebook-dir", str(folder), "--out",
                           str(tmp_path / "out"), "--jobs", "1"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((folder / "blas.json").read_text()) == BLAS_THREADS



class _Channel:
    """A fake ZeroMQ channel: each ``get_msg`` returns the next queued message, or raises Empty for a queued None
    (nothing within the timeout) and once the queue is used up; counts its calls."""

    def __init__(self, messages):
        self.messages, self.calls, self.timeouts = list(messages), 0, []

    async def get_msg(self, timeout=None):
        from queue import Empty

        self.calls += 1
        self.timeouts.append(timeout)
        message = self.messages.pop(0) if self.messages else None
        if message is None:
            raise Empty
        return message


def _msg(parent: str, msg_type: str, **content) -> dict:
    return {"parent_header": {"msg_id": parent}, "msg_type": msg_type, "content": content}


def _reply(parent: str) -> dict:
    return _msg(parent, "kernel_info_reply", protocol_version="5.3")


def _idle(parent: str) -> dict:
    return _msg(parent, "status", execution_state="idle")


@pytest.fixture
def fake_client(monkeypatch):
    """Makes a SharedKernelClient whose kernel_info requests get the ids r1, r2, ... and whose channels are fakes."""
    from wigan_deal.report.kernels import SharedKernelClient

    monkeypatch.setattr(SharedKernelClient, "shell_channel", property(lambda self: self.fake_shell), raising=False)
    monkeypatch.setattr(SharedKernelClient, "iopub_channel", property(lambda self: self.fake_iopub), raising=False)

    def make(shell: list, iopub: list, alive: bool = True):
        client = SharedKernelClient()
        client.sent, client.fake_shell, client.fake_iopub = [], _Channel(shell), _Channel(iopub)

        def kernel_info():
            client.sent.append(f"r{len(client.sent) + 1}")
            return client.sent[-1]

        async def is_alive():
            return alive

        client.kernel_info, client._async_is_alive = kernel_info, is_alive
        return client

    return make


def test_a_kernel_is_ready_at_the_idle_of_its_kernel_info_request_without_a_quiet_period(fake_client):
    later = _msg("r1", "stream", text="later")
    client = fake_client([_reply("r0"), _reply("r1")],  # a stray reply of another request is skipped
                         [_idle("r0"), _msg("r1", "status", execution_state="busy"), _idle("r1"), later])
    run_sync(client.wait_for_ready)(timeout=5)
    assert client.sent == ["r1"] and client._ready
    # it stopped at r1's idle: the next message was not waited for (jupyter_client waits for 0.2 s of quiet)
    assert client.fake_iopub.calls == 3 and client.fake_iopub.messages == [later]
    run_sync(client.wait_for_ready)(timeout=5)  # ready once: nothing is sent again
    assert client.sent == ["r1"]


def test_a_kernel_whose_iopub_is_silent_is_asked_again_and_a_dead_one_is_an_error(fake_client):
    client = fake_client([_reply("r1"), _reply("r2")], [None, _idle("r2")])  # IOPub connected after the first ask
    run_sync(client.wait_for_ready)(timeout=5)
    assert client.sent == ["r1", "r2"] and client._ready
    dead = fake_client([], [], alive=False)
    with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
        run_sync(dead.wait_for_ready)(timeout=5)
    # found after one short wait for the reply (jupyter_client waits 1 s before it looks at the kernel)
    from wigan_deal.report.kernels import REPLY_WAIT

    assert dead.fake_shell.timeouts == [REPLY_WAIT] and REPLY_WAIT <= 0.25


def test_a_closed_client_drops_what_it_has_not_sent(monkeypatch):
    """Closing the reused kernel's client sets every socket's linger to 0 first: a request queued for a kernel
    that has died would otherwise hold the close for the sockets' 1 s linger."""
    import zmq
    from jupyter_client.asynchronous.client import AsyncKernelClient

    from wigan_deal.report.kernels import SharedKernelClient

    class Socket:
        closed, linger = False, 1000

        def setsockopt(self, option, value):
            assert option == zmq.LINGER
            self.linger = value

    client = SharedKernelClient()
    sockets = {name: Socket() for name in ("_shell_channel", "_iopub_channel", "_stdin_channel", "_hb_channel",
                                           "_control_channel")}
    for name, socket in sockets.items():
        setattr(client, name, type("Channel", (), {"socket": socket})())
    seen = []
    monkeypatch.setattr(AsyncKernelClient, "stop_channels", lambda self: seen.append(
        {name: socket.linger for name, socket in sockets.items()}))
    client.close()
    assert seen == [dict.fromkeys(sockets, 0)]


def test_a_stopped_kernel_is_looked_at_every_few_ms_until_it_has_exited(monkeypatch):
    import asyncio

    from wigan_deal.report import kernels

    km = kernels.SharedClientKernelManager(kernel_name="python3")
    looks, slept = iter([True, True, False]), []

    async def is_alive():
        return next(looks)

    async def sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(km, "_async_is_alive", is_alive)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    run_sync(km._async_wait)()  # jupyter_client's own default is 0.1 s between looks
    assert slept == [kernels.EXIT_POLL, kernels.EXIT_POLL] and kernels.EXIT_POLL <= 0.01
