"""Which figures a page draws: the figure mode of this process (a report: wide figures twice, desktop and phone;
reader pages: every figure once; the atlas: each notebook's headline figure once, the others a note).

A report's kernel sets it before any notebook runs (:func:`wigan_deal.report.kernels.warm_kernel`), and
:mod:`wigan_deal.plots` reads it when a figure is displayed. It lives apart from :mod:`wigan_deal.plots` so that
setting it imports nothing: a kernel whose notebooks draw no figure never imports the plotting stack (matplotlib,
pandas, seaborn and, through seaborn, scipy.stats: about 1.7 CPU-s).
"""

from __future__ import annotations

FIGURE_MODES: tuple[str, ...] = ("both", "single", "headline")

_mode = "both"


def set_figure_mode(mode: str) -> None:
    """Choose how displayed figures are rendered (one of :data:`FIGURE_MODES`)."""
    global _mode
    if mode not in FIGURE_MODES:
        raise ValueError(f"Unknown figure mode {mode!r}: use one of {', '.join(FIGURE_MODES)}.")
    _mode = mode


def figure_mode() -> str:
    """The current figure mode (see :data:`FIGURE_MODES`)."""
    return _mode
