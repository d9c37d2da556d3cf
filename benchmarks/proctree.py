"""Run a command and measure it: wall time and the CPU time of its whole process tree.

CPU time is sampled (every 0.25 s) from the command and all its descendants (workers, forkserver,
Jupyter kernels), keeping each process's last reading (of its CPU time and of its command line), so a
process that lives less than one sample is missed: the figure is a lower bound. Unlike wall time it hardly changes with other work on shared
cores, so it is the number to compare between a busy and a quiet machine. It is also split by kind of
process (:func:`kind_of`), which says where a budget goes: kernels, test workers, report workers, browsers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass, field

import psutil


def kind_of(cmdline: list[str]) -> str:
    """The kind of process a command line (argv) belongs to, read from its program and first arguments only (a later
    argument, such as a temporary folder under /tmp/pytest-of-..., says nothing about the process)."""
    head, program = " ".join(cmdline[:4]), " ".join(cmdline[:2])
    if "ipykernel_launcher" in head:
        return "Jupyter kernels"
    if "multiprocessing.forkserver" in head:
        return "report, sweep and atlas workers"
    if "multiprocessing.spawn" in head:
        return "Dask workers"
    if any(word in program for word in ("chromium", "chrome", "headless_shell", "/proc/self/exe", "playwright")):
        return "Chromium and its driver"
    if cmdline[1:3] == ["-m", "pytest"] or "exec(eval(sys.stdin.readline()))" in head:
        return "pytest and its xdist workers"
    if "python" in program:
        return "other Python (command-line runs)"
    return "other"


@dataclass
class Measured:
    """What :func:`run_measured` saw: the finished process, its wall time and its tree's CPU time, in total and
    by kind of process (:func:`kind_of`: CPU seconds and number of processes)."""

    proc: subprocess.CompletedProcess
    wall: float
    cpu: float
    load_before: float
    load_after: float
    by_kind: dict[str, tuple[float, int]] = field(default_factory=dict)


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return [root]


def run_measured(cmd: list[str], **popen) -> Measured:
    """Run ``cmd`` to completion (stdout and stderr captured as text) and measure it."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    runner = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    cpu_seen: dict[int, float] = {}
    kinds: dict[int, str] = {}
    root = psutil.Process(runner.pid)
    while True:
        for proc in _tree(root):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                cpu_seen[proc.pid] = t.user + t.system
                # the latest command line: a process seen between its fork and its exec still shows its parent's
                # (a zombie's is empty)
                cmdline = proc.cmdline()
                if cmdline:
                    kinds[proc.pid] = kind_of(cmdline)
        try:  # a timed-out communicate() can be retried without losing output
            stdout, stderr = runner.communicate(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            continue
    wall = time.perf_counter() - start
    done = subprocess.CompletedProcess(runner.args, runner.returncode, stdout, stderr)
    by_kind: dict[str, tuple[float, int]] = {}
    for pid, cpu in cpu_seen.items():
        total, count = by_kind.get(kinds.get(pid, "other"), (0.0, 0))
        by_kind[kinds.get(pid, "other")] = (total + cpu, count + 1)
    return Measured(done, wall, sum(cpu_seen.values()), load_before, os.getloadavg()[0], by_kind)
