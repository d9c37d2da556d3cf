"""Run a command and measure it: wall time and the CPU time of its whole process tree.

CPU time is sampled (every 0.25 s) from the command and all its descendants (workers, forkserver,
Jupyter kernels), keeping each process's last reading, so a process that lives less than one sample
is missed: the figure is a lower bound. Unlike wall time it hardly changes with other work on shared
cores, so it is the number to compare between a busy and a quiet machine.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass

import psutil


@dataclass
class Measured:
    """What :func:`run_measured` saw: the finished process, its wall time and its tree's CPU time."""

    proc: subprocess.CompletedProcess
    wall: float
    cpu: float
    load_before: float
    load_after: float


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
    root = psutil.Process(runner.pid)
    while True:
        for proc in _tree(root):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                cpu_seen[proc.pid] = t.user + t.system
        try:  # a timed-out communicate() can be retried without losing output
            stdout, stderr = runner.communicate(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            continue
    wall = time.perf_counter() - start
    done = subprocess.CompletedProcess(runner.args, runner.returncode, stdout, stderr)
    return Measured(done, wall, sum(cpu_seen.values()), load_before, os.getloadavg()[0])
