"""``make bench-tests`` splits the suite's CPU by kind of process (benchmarks/proctree.py): the split must name each
process by its program, never by an argument such as a temporary folder under /tmp/pytest-of-..."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from proctree import kind_of, run_measured  # noqa: E402

PY = "/work/.venv/bin/python"


@pytest.mark.parametrize(("cmdline", "kind"), [
    ([PY, "-m", "ipykernel_launcher", "-f", "/tmp/kernel.json"], "Jupyter kernels"),
    ([PY, "-c", "from multiprocessing.forkserver import main; main(10, 11)"], "report, sweep and atlas workers"),
    ([PY, "-c", "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=18)", "--multiprocessing-fork"],
     "Dask workers"),
    (["/bin/sh", "/usr/bin/chromium", "--headless"], "Chromium and its driver"),
    (["/usr/lib/chromium/chromium", "--type=renderer"], "Chromium and its driver"),
    (["/x/playwright/driver/node", "/x/playwright/driver/package/cli.js", "run-driver"], "Chromium and its driver"),
    ([PY, "-m", "pytest", "-q"], "pytest and its xdist workers"),
    ([PY, "-u", "-c", "import sys;exec(eval(sys.stdin.readline()))"], "pytest and its xdist workers"),
    ([PY, "-m", "wigan_deal.cli", "its", "/tmp/pytest-of-root/pytest-1/test_its0/panel.csv"],
     "other Python (command-line runs)"),
    ([PY, "-m", "wigan_deal.report", "--out", "/tmp/pytest-of-root/test_a_sweep_on_a_dask_local0/dask"],
     "other Python (command-line runs)"),
    (["git", "clone", "/tmp/pytest-of-root/repo"], "other"),
    ([], "other"),
])
def test_a_process_is_named_by_its_program_not_its_arguments(cmdline, kind):
    assert kind_of(cmdline) == kind


@pytest.mark.integration  # two real processes
def test_the_split_adds_up_to_the_tree_s_cpu():
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}]); exec({spin!r})"
    measured = run_measured([sys.executable, "-c", child])
    assert measured.proc.returncode == 0
    cpu, count = measured.by_kind["other Python (command-line runs)"]
    # both processes, each 0.5 CPU-s; sampled every 0.25 s, so at most the last 0.25 s of each is missed
    assert count == 2 and cpu == pytest.approx(measured.cpu) and 0.5 <= cpu <= 1.1


@pytest.mark.integration  # a real process that execs
def test_a_process_is_named_by_the_program_it_runs_after_its_exec():
    """A process first seen before its exec shows its parent's command line (here a shell's): it is named by what it
    runs in the end, as a test process is when the sampler reads it between fork and exec on a busy machine."""
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    measured = run_measured(["/bin/sh", "-c", f'sleep 0.6; exec "{sys.executable}" -c "{spin}"'])
    assert measured.proc.returncode == 0, measured.proc.stderr
    # the shell, later Python, and its `sleep` (a program of its own, "other")
    assert measured.by_kind["other Python (command-line runs)"][1] == 1, measured.by_kind
    assert measured.by_kind.get("other", (0.0, 0))[1] <= 1, measured.by_kind


def test_bench_tests_says_whether_the_kept_results_were_there_and_cold_runs_get_an_empty_cache(tmp_path, monkeypatch):
    import subprocess

    import bench_tests
    from proctree import Measured
    from wigan_deal import result_cache

    assert bench_tests.cache_state(tmp_path) == "none kept (computed in this run)"
    result_cache.cached("verdict_shares", lambda: "table", folder=tmp_path, modules=("wigan_deal.claims.shares",))
    assert bench_tests.cache_state(tmp_path) == "kept: verdict_shares"
    seen = []

    def fake_run(cmd, cwd, env=None):
        seen.append(env)
        proc = subprocess.CompletedProcess(cmd, 0, "1 passed in 0.1s\n", "")
        return Measured(proc, wall=1.0, cpu=1.0, load_before=0.0, load_after=0.0)

    monkeypatch.setattr(bench_tests, "run_measured", fake_run)
    args = ["--xdist", "-n 2", "--fast-tier", "a", "--full-tier", "b", "--breadth-tier", "c", "--only", "fast"]
    assert bench_tests.main(args) == 0 and bench_tests.main([*args, "--cold"]) == 0
    assert seen[0] is None and "bench-tests-cache-" in seen[1]["WIGAN_DEAL_CACHE_DIR"]
