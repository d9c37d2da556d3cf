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
    from wigan_deal.report import runner

    seen: dict = {}

    def fake_execute(*args, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(runner.pm, "execute_notebook", fake_execute)
    task = runner.NotebookTask(name="01_x", source=str(tmp_path / "01_x.ipynb"), folder=str(tmp_path),
                               parameters={}, cwd=str(tmp_path), fresh_kernel=True)
    outcome = runner.execute_one(task)
    assert not outcome.ok and "stop here" in outcome.error
    assert seen["engine_name"] == engine.ENGINE_NAME
    assert pm_engines.papermill_engines.get_engine(engine.ENGINE_NAME) is engine.FinalSaveEngine


def test_a_stop_never_waits_for_a_pool_shutdown_that_blocks():
    """CPython 3.11's ProcessPoolExecutor.shutdown can block once its workers were killed (gh-105829)."""
    import threading
    import time

    from wigan_deal.report import kernels

    class BlockingPool:
        _processes: dict = {}

        def shutdown(self, wait=True, cancel_futures=False):
            threading.Event().wait(60)

    start = time.monotonic()
    kernels.terminate_pool(BlockingPool())
    assert time.monotonic() - start < 5
