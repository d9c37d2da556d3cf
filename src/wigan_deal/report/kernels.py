"""Worker processes and their kernels: one reused kernel per worker, reset before every notebook, that dies
with the runner; and the runner's own stopping on signals or when its parent (``make``) goes.

Used by :mod:`wigan_deal.report.runner` (see its docstring for the whole story) and by the atlas and sweep
runners, which stop the same way.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import MutableMapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

#: Folder (inside the report's temporary folder) for the notebooks' and kernels' logs.
LOG_FOLDER = ".logs"


#: Run in a reused kernel before each notebook: restore warnings filters (snapshot taken before the
#: first notebook), close figures, restore matplotlib rcParams and pandas options, change to the
#: notebook's folder, restore the report figure mode (:func:`wigan_deal.figure_modes.set_figure_mode`), clear the
#: user namespace and start a new history session (which restarts the execution counter), collect the cleared
#: namespace's garbage (IPython's reset collects BEFORE it clears the namespace), then move every object still
#: alive (modules, data and result caches) to the garbage collector's permanent generation (``gc.freeze``): the
#: next reset's collections, and every automatic one while the next notebook runs, then walk only what that
#: notebook allocated, not the ~250,000 objects of a warm kernel (about 1 CPU-s per council of an atlas worker).
#: Kernels run with IPython's history database switched off (:data:`KERNEL_ARGUMENTS`): concurrent kernels would
#: otherwise contend for one SQLite file.
RESET_CODE = """\
get_ipython()._wigan_deal_filters = getattr(get_ipython(), "_wigan_deal_filters", None) or list(__import__("warnings").filters)
__import__("warnings").filters[:] = get_ipython()._wigan_deal_filters
getattr(__import__("warnings"), "_filters_mutated", lambda: None)()
with __import__("warnings").catch_warnings():
    __import__("warnings").simplefilter("ignore")
    if "matplotlib.pyplot" in __import__("sys").modules:
        __import__("sys").modules["matplotlib.pyplot"].close("all")
        __import__("matplotlib").rcdefaults()
    if "pandas" in __import__("sys").modules:
        __import__("sys").modules["pandas"].reset_option("all")
    if "wigan_deal.figure_modes" in __import__("sys").modules:
        __import__("sys").modules["wigan_deal.figure_modes"].set_figure_mode("both")
__import__("os").chdir({cwd!r})
get_ipython().reset(new_session=True)
__import__("gc").collect()
__import__("gc").freeze()
"""

KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]

_worker_kernel: Any = None  # this worker process's reusable KernelManager
_worker_kernel_log: Path | None = None
_worker_clients: list[Any] = []  # kernel clients made for the reused kernel (closed after each notebook)


def _close_worker_clients() -> None:
    """Close the client(s) of the reused kernel (when the kernel is shut down)."""
    while _worker_clients:
        kc = _worker_clients.pop()
        with contextlib.suppress(Exception):
            kc.close() if hasattr(kc, "close") else kc.stop_channels()


def _kernel_pid() -> int | None:
    km = _worker_kernel
    if km is None:
        return None
    process = getattr(getattr(km, "provisioner", None), "process", None)
    return getattr(process, "pid", None)


def _kill_worker_kernel() -> None:
    """Kill this worker's kernel at once (its own session/process group); used on the way out."""
    pid = _kernel_pid()
    if pid:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


#: True while this worker launches its kernel (:func:`_start_worker_kernel`), a stop's SIGTERM is then held back
_launching = False
#: held by the main thread while it launches the kernel; the runner watch waits for it before it ends the worker
_launch_lock = threading.Lock()
#: the signal of a stop that came during a launch, acted on when the launch is done
_exit_requested: list[int] = []


def _worker_exit(signum: int = signal.SIGTERM, _frame: Any = None) -> None:
    """Kill this worker's kernel, remove its connection files and end the worker at once.

    A stop that comes while the kernel is being launched waits for the launch to finish: between the kernel
    process's start and the moment its process id is recorded, the worker cannot kill it, and a kernel left behind
    would write its connection file again (ipykernel re-creates a removed one) and leave it when its parent poller
    ends it with ``os._exit``. The signal handler (main thread) defers to the launch; the runner watch (another
    thread) waits for it. The handler takes no lock: a second signal (the runner's SIGTERM and the forkserver's
    death signal can both come) runs it again inside the first, which would wait for itself."""
    if threading.current_thread() is not threading.main_thread():
        with _launch_lock:
            _exit_now(signum)
    if _launching:
        _exit_requested.append(signum)
        return
    _exit_now(signum)


def _exit_now(signum: int) -> None:
    _kill_worker_kernel()
    _remove_kernel_files()
    os._exit(128 + signum)


#: Prefix of the runner's private folder (in the system temporary folder) for kernel connection files.
KERNEL_FILES_PREFIX = "wigan-deal-kernels-"


def _use_private_kernel_folder(folder: str) -> None:
    """Kernel connection files (they hold each kernel's key) go to ``<folder>/<worker pid>/`` (mode 700),
    which this worker removes when it exits in any way: a killed kernel never leaves one in /tmp."""
    own = Path(folder) / str(os.getpid())
    own.mkdir(mode=0o700, parents=True, exist_ok=True)
    tempfile.tempdir = str(own)  # jupyter_client writes connection files with tempfile.mkstemp


def _remove_kernel_files() -> None:
    own = tempfile.tempdir
    if own and Path(own).name == str(os.getpid()) and Path(own).parent.name.startswith(KERNEL_FILES_PREFIX):
        shutil.rmtree(own, ignore_errors=True)


def _watch_runner(runner_pid: int, interval: float = 0.25) -> None:
    while True:
        time.sleep(interval)
        if not pid_alive(runner_pid) or os.getppid() == 1:
            _worker_exit(signal.SIGTERM)


def worker_init(runner_pid: int, kernel_files: str | None = None) -> None:
    """Worker process set-up: die with the runner, and take the kernel along; kernels get one BLAS thread
    (:data:`wigan_deal.config.BLAS_THREADS`, unless set already).

    Workers are children of the forkserver, not of the runner: on Linux ``PR_SET_PDEATHSIG``
    delivers SIGTERM when the forkserver goes; a watch thread covers a runner killed with SIGKILL
    (and other systems). SIGTERM kills the kernel and exits; SIGINT (Ctrl-C reaches the whole
    process group) is left to the runner, which stops the workers itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_exit)
    set_parent_death_signal(signal.SIGTERM)
    one_blas_thread(os.environ)  # the kernels this worker starts inherit it
    if kernel_files:
        from multiprocessing.util import Finalize

        _use_private_kernel_folder(kernel_files)
        Finalize(None, _remove_kernel_files, exitpriority=0)  # after the kernel's shutdown (priority 10)
    threading.Thread(target=_watch_runner, args=(runner_pid,), daemon=True, name="watch-runner").start()


def one_blas_thread(environ: MutableMapping[str, str]) -> None:
    """Set :data:`wigan_deal.config.BLAS_THREADS` in ``environ`` where the user has not set them."""
    from wigan_deal import config

    for name, value in config.BLAS_THREADS.items():
        environ.setdefault(name, value)


def set_parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(signum), 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def worker_kernel_log() -> Path | None:
    """This worker's kernel log (its stderr), once a kernel has been started."""
    return _worker_kernel_log


def _shutdown_worker_kernel() -> None:
    global _worker_kernel
    _close_worker_clients()
    if _worker_kernel is not None:
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            run_sync(_worker_kernel.shutdown_kernel)(now=True)
        _worker_kernel = None


async def _reset_kernel(km: Any, cwd: str, extra: str = "") -> None:
    kc = km.client()  # the worker's shared client (SharedKernelClient): ready-checked once, kept open
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    reply = await kc.execute_interactive(RESET_CODE.format(cwd=cwd) + extra, store_history=False, timeout=60,
                                         output_hook=lambda _msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not reset the kernel: {reply['content'].get('evalue')}")


class SharedKernelClient(AsyncKernelClient):
    """The worker's ONE client of its reused kernel: started and checked once, then kept open.

    papermill/nbclient ask the kernel manager for a new client for every notebook, wait for it to be
    ready (at least 0.2 s of IOPub flushing each time) and, when the manager is not theirs, never close
    it: ZeroMQ sockets and buffered messages leaked per notebook. Handing them this client instead
    costs nothing per notebook and leaks nothing; it is closed with the kernel.
    """

    _ready = False

    def start_channels(self, *args: Any, **kwargs: Any) -> None:
        if not self.channels_running:
            super().start_channels(*args, **kwargs)

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        """Ready once the kernel has answered ``kernel_info`` on the shell channel and said ``idle`` for that
        request on IOPub (so IOPub is connected and that request's messages are all in).

        jupyter_client's own check then waits until IOPub has been quiet for 0.2 s, a fixed wait on every kernel
        start; nothing of the request can come after its ``idle`` (the kernel sends it last), and stray messages
        of earlier requests are skipped by every reader here, which match replies and outputs to their request.
        As there: a request whose IOPub messages do not come within 0.2 s (IOPub not connected yet) is sent
        again, a kernel that dies or does not answer within ``timeout`` s is a RuntimeError."""
        if self._ready:
            return
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            if await self._answered(msg_id):
                self._ready = True
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _answered(self, msg_id: str) -> bool:
        """True once request ``msg_id``'s reply (within :data:`REPLY_WAIT` s) and its ``idle`` status (IOPub quiet no
        longer than 0.2 s between messages) have come; False to look whether the kernel is alive and send the request
        again."""
        from queue import Empty

        try:
            while True:
                reply = await self.shell_channel.get_msg(timeout=REPLY_WAIT)
                if reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "kernel_info_reply":
                    break
            while True:
                msg = await self.iopub_channel.get_msg(timeout=0.2)
                if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                        and msg["content"].get("execution_state") == "idle"):
                    self._handle_kernel_info_reply(reply)
                    return True
        except Empty:
            return False

    wait_for_ready = _async_wait_for_ready

    def stop_channels(self) -> None:
        """Kept open for the next notebook (see :meth:`close`)."""

    def close(self) -> None:
        """Stop the channels at once: a message not yet sent (to a kernel that has died, say) is dropped. Each
        socket lingers 1 s over unsent messages otherwise, which held every close after a kernel died for 1 s."""
        import zmq

        for name in ("_shell_channel", "_iopub_channel", "_stdin_channel", "_hb_channel", "_control_channel"):
            socket = getattr(getattr(self, name, None), "socket", None)
            if socket is not None and not socket.closed:
                socket.setsockopt(zmq.LINGER, 0)
        super().stop_channels()


#: Seconds between looks at a stopped kernel's process until it has exited (a killed kernel takes a few ms).
EXIT_POLL = 0.005
#: Seconds a starting kernel's ``kernel_info`` reply is waited for before the kernel is looked at (dead: an error)
#: and asked again (jupyter_client waits 1 s, so a kernel dead at start-up was found 1 s late).
REPLY_WAIT = 0.2


class SharedClientKernelManager(AsyncKernelManager):
    """A kernel manager whose :meth:`client` always returns the same :class:`SharedKernelClient`."""

    _shared_client: Any = None

    def client(self, **kwargs: Any) -> Any:
        if self._shared_client is None:
            settings = {**self.get_connection_info(session=True),
                        "connection_file": self.connection_file, "parent": self, **kwargs}
            self._shared_client = SharedKernelClient(**settings)
            _worker_clients.append(self._shared_client)
        return self._shared_client

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """Wait for the stopped kernel process to exit, looking every :data:`EXIT_POLL` s (jupyter_client looks
        every 0.1 s, so each stop took 0.1 s however fast the kernel went)."""
        await super()._async_wait(pollinterval=min(pollinterval, EXIT_POLL))


#: Starts a worker makes of its kernel when the kernel dies at start-up because a port it was given is taken:
#: jupyter_client picks free ports before the kernel binds them, so kernels started at the same moment (a test run's
#: renders, an atlas's workers) can be handed the same one ("Address already in use", the kernel dies before it
#: replies). A new start gets new ports.
KERNEL_START_ATTEMPTS = 3


def warm_kernel(kernel_name: str, folder: Path, cwd: str, figure_dpi: int | None = None,
                figure_mode: str | None = None) -> Any:
    """This worker's kernel ``kernel_name``, started on first use (restarted if it died, and again, up to
    :data:`KERNEL_START_ATTEMPTS` times, if it died at start-up on a port taken meanwhile; its stderr goes to
    ``<folder>/.logs/kernel-<pid>.log``), reset for the next notebook: working directory ``cwd``, figure dpi,
    figure mode (:data:`wigan_deal.plots.FIGURE_MODES`; ``None`` keeps the report's default).

    An *async* kernel manager, as nbclient's own: with a blocking one nbclient cannot notice a
    dead kernel while it waits for output. Coroutines run on nbclient's loop via ``run_sync``.
    """
    from jupyter_core.utils import run_sync

    extra = f'__import__("matplotlib").rcParams["figure.dpi"] = {int(figure_dpi)}\n' if figure_dpi else ""
    if figure_mode:
        extra += f'__import__("wigan_deal.figure_modes").figure_modes.set_figure_mode({str(figure_mode)!r})\n'
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        km, started_at = _worker_kernel, None
        if km is None or km.kernel_name != kernel_name or not run_sync(km.is_alive)():
            km, started_at = _start_worker_kernel(kernel_name, folder, cwd)
        try:
            run_sync(_reset_kernel)(km, cwd, extra)
            return km
        except RuntimeError:
            if started_at is None or attempt == KERNEL_START_ATTEMPTS or not _lost_a_port(started_at):
                raise
            _shutdown_worker_kernel()
    raise AssertionError("unreachable")  # pragma: no cover


def _start_worker_kernel(kernel_name: str, folder: Path, cwd: str) -> tuple[Any, int]:
    """Start this worker's kernel; return it and where its start-up begins in the kernel log."""
    global _worker_kernel, _worker_kernel_log
    from multiprocessing.util import Finalize

    from jupyter_core.utils import run_sync

    _shutdown_worker_kernel()
    _worker_kernel_log = Path(folder) / LOG_FOLDER / f"kernel-{os.getpid()}.log"
    _worker_kernel_log.parent.mkdir(exist_ok=True)
    started_at = _worker_kernel_log.stat().st_size if _worker_kernel_log.exists() else 0
    km = SharedClientKernelManager(kernel_name=kernel_name)
    # Known before the kernel is launched: a SIGTERM that arrives while the kernel starts still finds its
    # process (km.provisioner.process) and kills it. The kernel's stdout goes to the log too, never to the
    # runner's stdout: a kernel left running would otherwise hold the pipe of whoever reads the runner
    # (make, tee, CI) open until it ends.
    _worker_kernel = km
    Finalize(km, _shutdown_worker_kernel, exitpriority=10)
    with open(_worker_kernel_log, "ab") as err, _launch_window():
        run_sync(km.start_kernel)(cwd=cwd, stdout=err, stderr=err, extra_arguments=KERNEL_ARGUMENTS)
    return km, started_at


@contextlib.contextmanager
def _launch_window():
    """The kernel launch, during which a stop waits (see :func:`_worker_exit`); a stop that came meanwhile is
    acted on as the launch ends, the kernel's process id known."""
    global _launching
    _launching = True
    try:
        with _launch_lock:
            yield
    finally:
        _launching = False
        if _exit_requested:
            _worker_exit(_exit_requested[0])


def _lost_a_port(started_at: int) -> bool:
    """Whether this worker's kernel, started at ``started_at`` in its log, died because a port was taken."""
    log = _worker_kernel_log
    if log is None or not log.exists():
        return False
    with open(log, "rb") as fh:
        fh.seek(started_at)
        return b"Address already in use" in fh.read()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: The workers' side of a report: papermill, nbconvert and this module, without the runner, the data layer or pandas.
EXECUTE_MODULE = "wigan_deal.report.execute"


@contextlib.contextmanager
def worker_pool(workers: int, preload: Sequence[str] = (EXECUTE_MODULE,)):
    """A process pool whose workers (and their kernels) die with this process.

    forkserver: workers are forked from a clean server process (never from this possibly
    multi-threaded one) that has already imported the modules ``preload`` (default: papermill and nbconvert through
    :mod:`wigan_deal.report.execute`, all a report's workers run; the runner's own process never imports them), so
    they start instantly. A pool whose workers run more (the atlas's councils, the sweep's reports) preloads the
    module of the function it sends them. A process starts its forkserver once, with the first pool's ``preload``,
    and later pools fork from it (a longer-lived process, such as a test worker or a notebook session, may run an
    atlas after a report): their workers import what is missing on first use.
    If the block is left by an exception (Ctrl-C, SIGTERM via :func:`stop_on_signals`, an error),
    the workers are terminated (each kills its kernel) instead of being waited for.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    _remove_stale_kernel_folders()
    kernel_files = tempfile.mkdtemp(prefix=f"{KERNEL_FILES_PREFIX}{os.getpid()}-")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=worker_init,
                               initargs=(os.getpid(), kernel_files))
    try:
        yield pool
    except BaseException:
        terminate_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        shutil.rmtree(kernel_files, ignore_errors=True)


def _remove_stale_kernel_folders() -> None:
    """Remove kernel-file folders of runners that died (their process id is in the name)."""
    for path in Path(tempfile.gettempdir()).glob(f"{KERNEL_FILES_PREFIX}*"):
        pid = path.name.removeprefix(KERNEL_FILES_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


#: Seconds a stop gives ``ProcessPoolExecutor.shutdown`` before it goes on without it (see :func:`terminate_pool`).
POOL_SHUTDOWN_WAIT = 2.0


def terminate_pool(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
    # With its workers killed, ProcessPoolExecutor.shutdown can block on its manager thread (the wake-up pipe
    # written under the shutdown lock: CPython gh-105829, fixed after 3.11.7); a stop never waits for it.
    closer = threading.Thread(target=_shutdown_quietly, args=(pool,), daemon=True, name="pool-shutdown")
    closer.start()
    closer.join(POOL_SHUTDOWN_WAIT)


def _shutdown_quietly(pool: ProcessPoolExecutor) -> None:
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


def exit_after_stop(code: int) -> None:
    """End a stopped runner at once with ``code``, its clean-up done and its message written: the interpreter's
    exit would join the process pool's manager thread, which can hang once the workers were killed."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


class Stopped(KeyboardInterrupt):
    """The runner received SIGTERM/SIGHUP (e.g. CI cancelled the job) or its parent stopped."""


#: Why the parent watch stopped this runner (read by the SIGTERM handler).
_stop_reason: list[str] = []
_FATAL_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals():
    """Turn SIGTERM and SIGHUP into :class:`Stopped` in the main thread, so that clean-up runs
    (workers and kernels stopped, temporary folder removed) exactly as for Ctrl-C; and stop the same
    way when the parent process (``make``) goes or is being stopped (:func:`watch_parent`).

    Under ``nohup`` (SIGHUP ignored when the runner starts) hang-ups stay ignored and the runner
    outlives the shell that started it, as ``nohup`` asks.
    """
    def handler(signum: int, _frame: Any) -> None:
        why = _stop_reason[-1] if _stop_reason else f"stopped by signal {signal.Signals(signum).name}"
        raise Stopped(why)

    nohup = signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    catch = (signal.SIGTERM,) if nohup else (signal.SIGTERM, signal.SIGHUP)
    saved = {sig: signal.signal(sig, handler) for sig in catch}
    done = threading.Event()
    _stop_reason.clear()
    watch_parent(done, on_exit=not nohup or "MAKELEVEL" in os.environ)
    try:
        yield
    finally:
        done.set()
        for sig, old in saved.items():
            signal.signal(sig, old)


def watch_parent(done: threading.Event, *, on_exit: bool = True, interval: float = 0.2) -> threading.Thread:
    """A thread that sends this process SIGTERM when its parent ends (``on_exit``; e.g. ``make`` killed
    with SIGKILL: the runner is re-parented) or is being stopped (:func:`parent_is_stopping`), until
    ``done`` is set. Polling, not ``PR_SET_PDEATHSIG``: that signal fires when the parent *thread* that
    started us ends, which a multi-threaded parent does while still alive."""
    parent = os.getppid()

    def watch() -> None:
        while not done.wait(interval):
            if on_exit and os.getppid() != parent:
                reason = f"its parent process (pid {parent}) ended"
            elif parent_is_stopping(parent):
                reason = f"its parent make process (pid {parent}) was stopped"
            else:
                continue
            _stop_reason.append(reason)
            os.kill(os.getpid(), signal.SIGTERM)
            return

    thread = threading.Thread(target=watch, daemon=True, name="watch-parent")
    thread.start()
    return thread


def parent_is_stopping(pid: int) -> bool:
    """True when ``pid`` is ``make`` handling SIGINT, SIGHUP, SIGQUIT or SIGTERM (Linux ``/proc``).

    make forwards only SIGTERM to its children; for the others (e.g. ``kill -INT <make's pid>``) it
    assumes the terminal sent them to the whole process group and waits for its children inside its
    signal handler, with the signal blocked. Seeing that, the runner stops instead of running on.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if fields.get("Name", "").strip() not in ("make", "gmake"):
        return False
    try:
        blocked = int(fields.get("SigBlk", "0").strip(), 16)
    except ValueError:
        return False
    return any(blocked >> (int(sig) - 1) & 1 for sig in _FATAL_SIGNALS)
