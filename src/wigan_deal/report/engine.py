"""The papermill engine the runner uses: papermill's own nbclient engine, writing the output notebook once.

papermill rewrites the whole output notebook (JSON with every figure so far, base64) when each cell starts
and again when it completes, so a notebook of n cells is written about 2n times as it grows: about 3 CPU-s
of a worker's time per report, for partial notebooks nobody reads. The runner reads the output notebook
only after papermill returns or raises, and papermill's ``notebook_complete`` runs in a ``finally`` (after
an error, a timeout or a dead kernel too), so one write there keeps everything the runner needs: every
started cell's start time (which cell was running), its outputs, and the error. A worker killed mid-run
leaves only the report's temporary folder, which the runner removes.

Given ``run_folder`` (the report's temporary folder), the engine also removes the run's absolute paths from the
notebook (:func:`wigan_deal.report.records.strip_run_paths`) before it is written, so the runner uses the notebook
papermill returns instead of reading the written file back and writing it again (two JSON passes and two
validations of a notebook with every figure, per notebook).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from wigan_deal.report.records import strip_run_paths

#: the name ``pm.execute_notebook(engine_name=...)`` uses
ENGINE_NAME = "wigan-deal"


class FinalSaveManager(NotebookExecutionManager):
    """papermill's execution manager, saving the notebook only when it completes (or fails)."""

    final = False

    def save(self, **kwargs: Any) -> None:
        if self.final:
            super().save(**kwargs)

    def notebook_complete(self, **kwargs: Any) -> None:
        self.final = True
        super().notebook_complete(**kwargs)


class FinalSaveEngine(NBClientEngine):
    """nbclient execution as papermill's default engine; the manager writes the output once."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None, progress_bar: bool = True,
                         log_output: bool = False, autosave_cell_every: int = 30, run_folder: str | None = None,
                         **kwargs: Any) -> Any:
        nb_man = FinalSaveManager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                  autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            if run_folder is not None:
                strip_run_paths(nb_man.nb, Path(run_folder))
            nb_man.notebook_complete()
        return nb_man.nb


papermill_engines.register(ENGINE_NAME, FinalSaveEngine)
