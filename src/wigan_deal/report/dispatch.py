"""The function a report's pool sends its workers (:func:`execute_one`), in a module of its own that imports
nothing at import time: the runner's process sends it without importing papermill and nbconvert, and a worker
that receives it imports only :mod:`wigan_deal.report.execute` (which its forkserver has already), never the
runner, the data layer or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wigan_deal.report.tasks import NotebookOutcome, NotebookTask


def execute_one(task: NotebookTask) -> NotebookOutcome:
    """Execute one notebook here (a pool worker, or a process that runs its notebooks itself):
    :func:`wigan_deal.report.execute.execute_one`, imported on first use."""
    from wigan_deal.report.execute import execute_one as execute_here

    return execute_here(task)
