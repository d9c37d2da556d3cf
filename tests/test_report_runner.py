"""The report runner (python -m wigan_deal.report) on tiny fixture notebooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from wigan_deal import config
from wigan_deal.report.__main__ import build_parser, main, merged_settings
from wigan_deal.report.execute import error_outputs
from wigan_deal.report.runner import _remove_stale_temporaries, discover_notebooks, publish
from wigan_deal.results import load_results

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
AREA = config.WIGAN


def run_cli(*args: str, out: Path, notebook_dir: Path = FIXTURES) -> int:
    return main(["--out", str(out), "--notebook-dir", str(notebook_dir), *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def report(fixture_report):
    """One real run: fixture notebooks 01-03 with two worker processes (rendered once per session)."""
    return fixture_report


# --- discovery and checks (fast) ------------------------------------------------------------------
def test_discover_notebooks_orders_and_selects(tmp_path):
    for name in ["02_b.ipynb", "01_a.ipynb", "10_c.ipynb", "scratch.ipynb", "1_x.ipynb", "03_d.txt"]:
        (tmp_path / name).write_text("{}")
    assert [p.name for p in discover_notebooks(tmp_path)] == ["01_a.ipynb", "02_b.ipynb", "10_c.ipynb"]
    assert [p.stem for p in discover_notebooks(tmp_path, ["10", "01_a"])] == ["01_a", "10_c"]
    with pytest.raises(ValueError, match=r"Unknown notebook selection '07'.*available: 01_a, 02_b, 10_c"):
        discover_notebooks(tmp_path, ["07"])
    assert discover_notebooks(tmp_path / "missing") == []


def test_error_outputs_flags_errors_and_stderr_tracebacks_only():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("import warnings")
    ok.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: harmless\n")]
    err = nbformat.v4.new_code_cell("1/0")
    err.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]
    tb = nbformat.v4.new_code_cell("\nlog_it()")
    tb.outputs = [nbformat.v4.new_output("stream", name="stderr", text="Traceback (most recent call last):\n")]
    nb.cells = [ok, err, tb]
    problems = error_outputs(nb)
    assert problems == [
        "cell 1 (1/0) has an error output: ZeroDivisionError: division by zero",
        "cell 2 (log_it()) printed a traceback to stderr",
    ]
    nb.cells = [ok]
    assert error_outputs(nb) == []


def test_publish_replaces_folder_and_removes_backup(tmp_path):
    final = tmp_path / AREA
    final.mkdir()
    (final / "old.txt").write_text("old")
    tmp = tmp_path / f".tmp-{AREA}-1"
    tmp.mkdir()
    (tmp / "new.txt").write_text("new")
    publish(tmp, final)
    assert sorted(p.name for p in tmp_path.iterdir()) == [AREA]
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    # first report: nothing to back up
    other = tmp_path / ".tmp-E08000035-2"
    other.mkdir()
    publish(other, tmp_path / "E08000035")
    assert (tmp_path / "E08000035").is_dir() and not other.exists()


def test_stale_temporaries_of_dead_runs_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".tmp-{AREA}-{dead_pid}"
    live = tmp_path / f".tmp-{AREA}-{os.getpid()}"
    other_area = tmp_path / f".tmp-E08000035-{dead_pid}"
    for p in (stale, live, other_area):
        p.mkdir()
    _remove_stale_temporaries(tmp_path, AREA)
    assert not stale.exists() and live.exists() and other_area.exists()


# --- configuration and CLI coercion (fast) -----------------------------------------------------------
def test_cli_flags_override_config_and_strings_are_coerced(tmp_path):
    cfg = tmp_path / "c.yml"
    cfg.write_text("break_year: 2013\nsex: Female\njobs: 3\nnotebooks: ['02']\n")
    args = build_parser().parse_args(["--config", str(cfg), "--comparators", "england, E08000001", "--sex", "Male"])
    s = merged_settings(args)
    assert s["break_year"] == 2013 and s["sex"] == "Male" and s["jobs"] == 3
    assert s["comparators"] == ["england", "E08000001"] and s["notebooks"] == ["02"]
    s = merged_settings(build_parser().parse_args(["--config", str(cfg), "--break-year", "2011", "--notebooks", "all"]))
    assert s["break_year"] == 2011 and s["notebooks"] is None
    # a malformed year is NOT coerced: validate() must reject it with its own message
    assert merged_settings(build_parser().parse_args(["--break-year", "2011x"]))["break_year"] == "2011x"


@pytest.mark.parametrize(
    ("args", "config_text", "message"),
    [
        (["--area", "E08000999"], None, "E08000999"),
        (["--area", config.ENGLAND], None, "England"),
        (["--break-year", "2011x"], None, "'2011x'"),
        (["--break-year", "2030"], None, "break_year 2030 is outside the data"),
        (["--sex", "male"], None, "'male'"),
        (["--post-rule", "middle"], None, "'middle'"),
        (["--vintage", "1999-01"], None, "'1999-01'"),
        (["--comparators", "england,neighbours"], None, "'neighbours'"),
        (["--jobs", "0"], None, "--jobs must be a positive"),
        (["--notebooks", "99"], None, "Unknown notebook selection '99'"),
        ([], "colour: blue\n", "Unknown setting(s) 'colour'"),
        ([], "break_year: [\n", "not valid YAML"),
    ],
)
def test_bad_parameters_exit_2_and_create_nothing(tmp_path, capsys, args, config_text, message):
    out = tmp_path / "reports"
    extra = []
    previous = args == ["--area", "E08000999"]  # also check an existing report is left as it was
    if previous:
        (out / AREA).mkdir(parents=True)
        (out / AREA / "index.html").write_text("previous report")
    if config_text is not None:
        cfg = tmp_path / "bad.yml"
        cfg.write_text(config_text)
        extra = ["--config", str(cfg)]
    assert run_cli(*args, *extra, out=out) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    if previous:
        assert snapshot(out) == {f"{AREA}/index.html": b"previous report"}
    else:
        assert not out.exists()


def test_missing_explicit_config_is_an_error(tmp_path, capsys):
    assert run_cli("--config", str(tmp_path / "nope.yml"), out=tmp_path / "r") == 2
    assert "nope.yml does not exist" in capsys.readouterr().err


def test_no_notebooks_yet_exits_0_with_message_and_writes_nothing(tmp_path, capsys):
    empty = tmp_path / "notebooks"
    empty.mkdir()
    assert run_cli(out=tmp_path / "reports", notebook_dir=empty) == 0
    assert "No notebooks yet" in capsys.readouterr().out
    assert not (tmp_path / "reports").exists()


# --- real runs (slow: each starts Jupyter kernels) ---------------------------------------------------
@pytest.mark.slow
def test_success_publishes_complete_report(report):
    assert report["rc"] == 0
    folder = report["folder"]
    names = sorted(p.name for p in report["out"].iterdir())
    assert names == [report["name"]]  # no temporary or backup folders left
    expected = {"index.html", "report.json"}
    for nb in ("01_values", "02_claims", "03_figure"):
        expected |= {f"{nb}.ipynb", f"{nb}.html", f"{nb}.reader.html"}
    expected |= {"01_values.json", "02_claims.json"}  # 03 records nothing
    assert {p.name for p in folder.iterdir()} == expected
    progress = re.findall(r"^\[(\d)/3\] (\S+) done in \d+\.\d s$", report["stdout"], flags=re.M)
    assert sorted(n for _, n in progress) == ["01_values", "02_claims", "03_figure"]
    assert [i for i, _ in progress] == ["1", "2", "3"]


@pytest.mark.slow
def test_parameters_reach_notebooks_and_results_are_recorded(report):
    results = load_results(report["folder"])
    values = results["01_values"]["values"]
    assert values["break_year"]["value"] == 2012
    assert values["area"]["value"] == AREA
    assert values["comparators"]["value"] == "england,gm"
    assert values["gap"] == {"value": -1.234, "label": "HLE gap change", "unit": "years",
                             "lower": -2.5, "upper": 0.25, "note": "fixture"}
    executed = nbformat.read(report["folder"] / "01_values.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "break_year = 2012" in injected[0].source
    manifest = json.loads((report["folder"] / "report.json").read_text())
    assert manifest["parameters"]["break year"] == 2012
    assert manifest["parameters"]["variant"] == (
        "break year 2012 (default 2011); comparators england, gm (default england, gm, nearest); "
        "only notebooks 01, 02, 03 (a partial report)")
    assert re.fullmatch(r"[0-9a-f]{7,}(\+dirty)?", manifest["code_version"])
    assert [n["name"] for n in manifest["notebooks"]] == ["01_values", "02_claims", "03_figure"]


@pytest.mark.slow
def test_notebooks_run_in_parallel_worker_processes(report):
    results = load_results(report["folder"])
    a, b = results["01_values"]["values"], results["02_claims"]["values"]
    assert a["worker_pid"]["value"] != b["worker_pid"]["value"]
    assert a["worker_pid"]["value"] != os.getpid()
    # two workers at once: each one's kernel (started with its first task) was up before the other's notebook ended.
    # Not the notebooks' own intervals: on a busy machine one kernel can take over a second longer to start than the
    # other, longer than a notebook's 1 s sleep (a CI run saw 02 start 1.1 s after 01 ended, both dispatched at once).
    for x, y in ((a, b), (b, a)):
        assert x["t_kernel_start"]["value"] < x["t_start"]["value"] < x["t_end"]["value"]
        assert x["t_kernel_start"]["value"] < y["t_end"]["value"]


@pytest.mark.slow
def test_index_has_verdicts_first_then_results_and_links(report):
    html = (report["folder"] / "index.html").read_text()
    order = [html.index(f'id="{s}"') for s in ("answers", "verdicts", "estimates", "parameters", "description",
                                                 "notebooks")]
    assert order == sorted(order)
    assert "C1 healthy life expectancy rose" in html
    assert '<td class="verdict v-not-supported" data-label="verdict">not supported</td>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Break year &lt;b&gt;used&lt;/b&gt;" in html
    assert '<td data-label="95% CI">-2.50 to 0.25</td>' in html
    assert "Wigan" in html and "healthy life expectancy vintage 2019-05" in html
    for nb in ("01_values", "02_claims", "03_figure"):
        for suffix in (".reader.html", ".html", ".ipynb"):
            assert f'href="{nb}{suffix}"' in html
    assert "<script" not in html and "http" not in html


@pytest.mark.slow
def test_notebook_html_is_self_contained_with_figure_and_reader_hides_code(report):
    full = (report["folder"] / "03_figure.html").read_text()
    reader = (report["folder"] / "03_figure.reader.html").read_text()
    for page in (full, reader):
        assert re.search(r'<img[^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', page)
        assert "<script src" not in page and 'href="http' not in page and "cdnjs" not in page
    assert ">axvline<" in full and "axvline" not in reader
    prompt = re.compile(r">(In|Out)(\s|&nbsp;)\[\d+\]:<")  # the space as a character or an entity
    assert prompt.search(full) and not prompt.search(reader)


@pytest.mark.slow
def test_failing_cell_exits_1_names_notebook_and_cell_and_keeps_previous_report(report, tmp_path, capsys):
    out = tmp_path / "reports"
    shutil.copytree(report["folder"], out / f"{AREA}--notebooks-01+04")  # the folder this run would replace
    before = snapshot(out)
    rc = run_cli("--area", AREA, "--notebooks", "01,04", out=out)
    assert rc == 1
    err = capsys.readouterr().err
    assert "1 of 2 notebook(s) failed" in err
    assert "04_fails: cell 5 (In [5]: raise ValueError(f'deliberate failure for {area_code}')) raised " \
           "ValueError: deliberate failure for E08000010" in err
    assert "previous report" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == [f"{AREA}--notebooks-01+04"]


@pytest.mark.slow
def test_stderr_traceback_counts_as_failure(tmp_path, capsys):
    out = tmp_path / "reports"
    assert run_cli("--notebooks", "05", out=out) == 1
    err = capsys.readouterr().err
    assert "05_stderr_traceback: cell 3 (import traceback) printed a traceback to stderr" in err
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_dead_kernel_is_reported_with_the_cell_it_was_running(tmp_path, capsys):
    out = tmp_path / "reports"
    assert run_cli("--notebooks", "01,06", out=out) == 1
    err = capsys.readouterr().err
    assert "06_kernel_dies: cell 3 (import os): DeadKernelError: Kernel died" in err
    assert "01_values" not in err  # the other notebook succeeded
    assert list(out.iterdir()) == []


# --- kernel reuse: one kernel per worker, reset between notebooks ---------------------------------

_SETS_STATE = """\
import os, sys, warnings, weakref
import matplotlib.pyplot as plt
from wigan_deal.results import recorder
rec = recorder(results_path, "01_sets_state")
rec.record("kernel_pid", os.getpid())
leak = 42
warnings.simplefilter("error")  # would turn the next notebook's warning into an exception
plt.figure()
os.chdir("/")
class Cycle: pass
garbage = Cycle(); garbage.me = garbage  # only a full collection frees it
sys._wigan_garbage = weakref.ref(garbage)"""

_CHECKS_STATE = """\
import gc, os, sys, warnings
import matplotlib.pyplot as plt
from wigan_deal.results import recorder
rec = recorder(results_path, "02_checks_state")
rec.record("kernel_pid", os.getpid())
rec.record("leak_visible", "leak" in globals())
rec.record("open_figures", len(plt.get_fignums()))
rec.record("cwd", os.getcwd())
rec.record("garbage_left", getattr(sys, "_wigan_garbage", lambda: None)() is not None)
rec.record("frozen_objects", gc.get_freeze_count())
rec.record("history_database", get_ipython().history_manager.enabled)
warnings.warn("harmless")  # raises if the 'error' filter leaked"""


def _state_notebooks(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for name, code in (("01_sets_state", _SETS_STATE), ("02_checks_state", _CHECKS_STATE)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(code)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
        paths.append(folder / f"{name}.ipynb")
    return paths


@pytest.mark.integration
@pytest.mark.parametrize("fresh", [False, True])
def test_notebooks_sharing_a_worker_kernel_cannot_see_each_other(tmp_path, fresh):
    from wigan_deal import parameters
    from wigan_deal.report import run_report

    nbs = _state_notebooks(tmp_path / "nbs")
    params = parameters.validate(area_code=AREA)
    folder = run_report(params, nbs, out_dir=tmp_path / "out", jobs=1, log=lambda _m: None, fresh_kernels=fresh)
    first = json.loads((folder / "01_sets_state.json").read_text())["values"]
    second = json.loads((folder / "02_checks_state.json").read_text())["values"]
    same_kernel = first["kernel_pid"]["value"] == second["kernel_pid"]["value"]
    assert same_kernel is (not fresh)  # reused by default, new with fresh_kernels
    assert second["leak_visible"]["value"] is False
    assert second["open_figures"]["value"] == 0
    assert second["cwd"]["value"] == str((tmp_path / "nbs").resolve())
    # a reused kernel collects the last notebook's garbage, then freezes what is still alive (gc.freeze), so
    # the next notebook's collections skip the warm kernel's modules and caches
    assert second["garbage_left"]["value"] is False
    assert (second["frozen_objects"]["value"] > 10_000) is (not fresh)
    # a fresh kernel gets a reused one's arguments: no IPython history database for concurrent kernels to share
    assert second["history_database"]["value"] is False
    executed = nbformat.read(folder / "02_checks_state.ipynb", as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == [1, 2]  # injected parameters, then the cell: the counter restarts per notebook
    printed = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])]
    assert not [t for t in printed if "ERROR" in t], printed  # e.g. IPython history clashes


@pytest.mark.slow
def test_report_records_versions_and_its_notebooks_hold_no_run_paths(report):
    """Issue 17, item 6: report.json names the Python and key library versions; the executed notebooks
    (and their pages) no longer hold the run's temporary folder or the checkout's absolute path."""
    import platform

    manifest = json.loads((report["folder"] / "report.json").read_text())
    assert manifest["environment"]["python"] == platform.python_version()
    assert manifest["environment"]["libraries"]["papermill"]
    for path in sorted(report["folder"].glob("*.ipynb")) + sorted(report["folder"].glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert ".tmp-" not in text and str(report["out"]) not in text, path.name
        assert str(config.PROJECT_ROOT) not in text, path.name
    nb = json.loads((report["folder"] / "01_values.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"]["results_path"] == "01_values.json"


def test_workers_start_the_longest_notebooks_first_and_pages_keep_their_order():
    from wigan_deal import config
    from wigan_deal.report.runner import NotebookTask, start_order

    tasks = [NotebookTask(name=n, source="", folder="", parameters={}, cwd="") for n in (*config.NOTEBOOKS, "99_extra")]
    names = [t.name for t in start_order(tasks)]
    assert names[:2] == ["05_robustness", "03_mortality_and_life_expectancy_its"] and names[-1] == "99_extra"
    assert sorted(config.LONGEST_FIRST) == sorted(config.NOTEBOOKS)  # every report notebook has its place
    assert [t.name for t in tasks][:7] == list(config.NOTEBOOKS)  # the caller's list is not reordered


def test_pages_other_than_both_or_reader_are_refused_before_anything_runs(tmp_path):
    from wigan_deal import config, parameters
    from wigan_deal.report.runner import run_report

    with pytest.raises(ValueError, match="pages must be one of both, reader, got 'all'"):
        run_report(parameters.validate(area_code=config.WIGAN), [tmp_path / "01_x.ipynb"], out_dir=tmp_path,
                   pages="all")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration
def test_a_kernel_that_dies_on_a_port_taken_meanwhile_is_started_again(tmp_path, monkeypatch):
    """jupyter_client picks free ports before the kernel binds them, so kernels started at once can be given the
    same one: the kernel dies before it replies ("Address already in use", seen in a CI run). The worker then
    starts another, with new ports."""
    import os
    import socket

    from wigan_deal.report import kernels

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    made = []

    class FirstOnATakenPort(kernels.SharedClientKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if not made:  # the port, kept (not replaced by jupyter_client's per-process port cache)
                self.cache_ports, self.shell_port = False, taken.getsockname()[1]
            made.append(self)

    monkeypatch.setattr(kernels, "SharedClientKernelManager", FirstOnATakenPort)
    try:
        km = kernels.warm_kernel("python3", tmp_path, str(tmp_path))
        assert len(made) == 2 and km is made[1]
        log = (tmp_path / kernels.LOG_FOLDER / f"kernel-{os.getpid()}.log").read_text(encoding="utf-8")
        assert "Address already in use" in log
    finally:
        kernels._shutdown_worker_kernel()
        taken.close()


#: A report run in a process of its own (a process starts its forkserver once, with the first pool's preload, and
#: keeps it: in a test worker an earlier atlas run's forkserver would be reused), reporting what its worker imported.
_WORKER_IMPORTS = """
import json, pickle, sys
from wigan_deal.report import kernels, runner
task = pickle.loads(bytes.fromhex(sys.argv[1]))
probe = "sorted(m for m in __import__('sys').modules if m in %r)" % (sys.argv[2].split(","),)
with kernels.worker_pool(1) as pool:  # eval: a builtin, so sending it imports nothing in the worker
    before = pool.submit(eval, probe).result()
    outcome = pool.submit(runner.execute_one, task).result()
    after = pool.submit(eval, probe).result()
print(json.dumps({"before": before, "after": after, "ok": outcome.ok, "error": outcome.error}))
"""


@pytest.mark.integration
def test_a_report_s_workers_execute_and_write_pages_without_the_runner_the_data_layer_or_pandas(tmp_path):
    """A plain report's pool preloads only :mod:`wigan_deal.report.execute` (papermill, nbconvert); the function it
    sends lives in the light :mod:`wigan_deal.report.dispatch`, and the pages' titles take the area's name from the
    task: a worker that has executed a notebook and written its pages has never imported the runner, the data
    layer or pandas (each report's workers used to: about 0.3 CPU-s each, and 0.4 in their forkserver)."""
    import pickle

    from wigan_deal.report import runner

    assert b"wigan_deal.report.dispatch" in pickle.dumps(runner.execute_one)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · A title"),
                                         nbformat.v4.new_code_cell("area_code = None", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("print(area_code)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "01_t.ipynb")
    task = runner.NotebookTask(name="01_t", source=str(tmp_path / "01_t.ipynb"), folder=str(tmp_path),
                               parameters={"area_code": config.WIGAN}, cwd=str(tmp_path), area_name="Wigan")
    watched = "pandas,wigan_deal.data,wigan_deal.report.runner,wigan_deal.report.execute"
    done = subprocess.run([sys.executable, "-c", _WORKER_IMPORTS, pickle.dumps(task).hex(), watched],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["ok"], seen["error"]
    assert "<title>Wigan – 01 · A title</title>" in (tmp_path / "01_t.reader.html").read_text(encoding="utf-8")
    assert seen["before"] == seen["after"] == ["wigan_deal.report.execute"]
