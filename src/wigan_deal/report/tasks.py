"""What a report's worker is given, one notebook at a time (:class:`NotebookTask`), and what it returns
(:class:`NotebookOutcome`): plain, picklable data, shared by the runner's process, which never imports papermill
or nbconvert (:mod:`wigan_deal.report.runner`), and the workers that execute (:mod:`wigan_deal.report.execute`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KERNEL_NAME = "python3"
#: Seconds any one cell may run before the notebook is failed.
CELL_TIMEOUT = 1800


@dataclass(frozen=True)
class NotebookTask:
    """Everything a worker process needs to execute one notebook (picklable)."""

    name: str
    source: str
    folder: str
    parameters: dict[str, Any]
    cwd: str
    kernel_name: str = KERNEL_NAME
    timeout: int | None = CELL_TIMEOUT
    fresh_kernel: bool = False
    #: "both" (full and reader HTML) or "reader" (the atlas: code-hidden page only).
    html: str = "both"
    #: Figure resolution (matplotlib ``figure.dpi``); ``None`` keeps matplotlib's default (100).
    figure_dpi: int | None = None
    #: Figure rendering (:data:`wigan_deal.plots.FIGURE_MODES`); ``None`` keeps the report's two renders of wide
    #: figures, "single" (the atlas) renders every figure once.
    figure_mode: str | None = None
    #: Folder for a shared notebook stylesheet (the atlas); ``None`` inlines it in every page.
    assets: str | None = None
    #: Save the output notebook after every cell (papermill's default; shows where a dead kernel
    #: stopped). The atlas saves once at the end.
    save_each_cell: bool = True
    #: The area's name, for the pages' titles (the runner has it); ``None``: looked up from the notebook's
    #: ``area_code`` parameter, which imports the data layer (and pandas) into the worker.
    area_name: str | None = None


@dataclass
class NotebookOutcome:
    name: str
    ok: bool
    seconds: float
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

