"""The runner's papermill engine writes the output notebook once, at the end (also after a failure)."""

from __future__ import annotations

import nbformat
import papermill.engines as pm_engines
import pytest

from wigan_deal.report import engine


def _notebook(cells: int):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"x = {i}") for i in range(cells)]
    for cell in nb.cells:
        cell.metadata["papermill"] = {}
    nb.metadata["papermill"] = {}
    return nb


@pytest.fixture
def writes(monkeypatch):
    written: list[str] = []
    monkeypatch.setattr(pm_engines, "write_ipynb", lambda nb, path: written.append(path))
    return written


def _run_cells(manager_class, cells: int = 3):
    man = manager_class(_notebook(cells), output_path="out.ipynb", progress_bar=False)
    man.notebook_start()
    for i, cell in enumerate(man.nb.cells):
        man.cell_start(cell, i)
        man.cell_complete(cell, i)
    return man


def test_papermills_manager_writes_at_every_cell_start_and_end(writes):
    _run_cells(pm_engines.NotebookExecutionManager).notebook_complete()
    assert len(writes) == 8  # what the engine below avoids: 2 per cell + start + end


def test_the_engine_writes_once_when_the_notebook_completes(writes):
    man = _run_cells(engine.FinalSaveManager)
    assert writes == []
    man.notebook_complete()
    assert writes == ["out.ipynb"]
    assert all(c.metadata.papermill.get("start_time") for c in man.nb.cells)  # which cell ran is kept


def test_a_failure_still_writes_the_started_cells(writes, monkeypatch):
    def dies(nb_man, kernel_name, **kwargs):
        nb_man.cell_start(nb_man.nb.cells[0], 0)
        raise RuntimeError("Kernel died")

    monkeypatch.setattr(engine.FinalSaveEngine, "execute_managed_notebook", classmethod(
        lambda cls, nb_man, kernel_name, **kw: dies(nb_man, kernel_name)))
    nb = _notebook(2)
    with pytest.raises(RuntimeError, match="Kernel died"):
        engine.FinalSaveEngine.execute_notebook(nb, "python3", output_path="out.ipynb", progress_bar=False)
    assert writes == ["out.ipynb"]
    assert nb.cells[0].metadata.papermill.get("start_time") and not nb.cells[1].metadata.papermill.get("start_time")


def test_the_runner_executes_notebooks_with_the_engine(tmp_path, monkeypatch):
    from wigan_deal.report import execute, runner

    seen: dict = {}

    def fake_execute(*args, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(execute.pm, "execute_notebook", fake_execute)
    task = runner.NotebookTask(name="01_x", source=str(tmp_path / "01_x.ipynb"), folder=str(tmp_path),
                               parameters={}, cwd=str(tmp_path), fresh_kernel=True)
    outcome = runner.execute_one(task)
    assert not outcome.ok and "stop here" in outcome.error
    assert seen["engine_name"] == engine.ENGINE_NAME
    assert pm_engines.papermill_engines.get_engine(engine.ENGINE_NAME) is engine.FinalSaveEngine
    # nbclient starts a fresh kernel with a reused one's arguments and stops it at once, as a reused one is stopped:
    # asked to shut down, a kernel without its history database lingers until SIGTERM, 2.5 s later
    from wigan_deal.report.kernels import KERNEL_ARGUMENTS

    assert seen["extra_arguments"] == KERNEL_ARGUMENTS and seen["shutdown_kernel"] == "immediate"


def test_a_stop_never_waits_for_a_pool_shutdown_that_blocks(monkeypatch):
    """CPython 3.11's ProcessPoolExecutor.shutdown can block once its workers were killed (gh-105829)."""
    import threading
    import time

    from wigan_deal.report import kernels

    monkeypatch.setattr(kernels, "POOL_SHUTDOWN_WAIT", 0.2)  # the wait it gives shutdown (2 s), shortened

    class BlockingPool:
        _processes: dict = {}

        def shutdown(self, wait=True, cancel_futures=False):
            threading.Event().wait(60)

    start = time.monotonic()
    kernels.terminate_pool(BlockingPool())
    assert time.monotonic() - start < 2


def test_the_engine_strips_the_runs_paths_before_the_notebook_is_written(monkeypatch, tmp_path):
    """Issue 19: the runner no longer reads the written notebook back to strip the run's absolute paths and write
    it again; the engine strips them first, so papermill's one write and the notebook it returns have none."""
    seen: list[tuple[str, str, str]] = []
    monkeypatch.setattr(pm_engines, "write_ipynb", lambda nb, path: seen.append(
        (path, nb.cells[0].source, nb.metadata.papermill["output_path"])))
    monkeypatch.setattr(engine.FinalSaveEngine, "execute_managed_notebook",
                        classmethod(lambda cls, nb_man, kernel_name, **kw: None))
    folder = tmp_path / ".tmp-E08000010-123"
    nb = _notebook(2)
    nb.cells[0].metadata["tags"] = ["injected-parameters"]
    nb.cells[0].source = f'area_code = "E08000010"\nresults_path = "{folder}/01_x.json"\n'
    nb.metadata.papermill.update(output_path=f"{folder}/01_x.ipynb", parameters={"results_path": f"{folder}/01_x.json"})
    out = engine.FinalSaveEngine.execute_notebook(nb, "python3", output_path="o.ipynb", progress_bar=False,
                                                  run_folder=str(folder))
    assert seen == [("o.ipynb", 'area_code = "E08000010"\nresults_path = "01_x.json"\n', "01_x.ipynb")]
    assert out.metadata.papermill.parameters == {"results_path": "01_x.json"} and str(tmp_path) not in str(out)
    untouched = engine.FinalSaveEngine.execute_notebook(_notebook(1), "python3", progress_bar=False)
    assert untouched.cells[0].source == "x = 0"  # without a run folder nothing is rewritten
