"""Report pipeline: execute the notebooks with papermill and publish HTML + index.

``python -m wigan_deal.report --area E08000010`` (what ``make report`` runs); see
:mod:`wigan_deal.report.runner` for the layout and :mod:`wigan_deal.report.__main__` for the CLI.
"""

import sys

# nbformat imports jsonschema, whose optional 'iri' format checker imports rfc3987_syntax; that
# module compiles a grammar at import time (2-3 s in every process: the CLI and each worker).
# Notebook schemas never use the 'iri' format, so the report processes skip it (jsonschema
# treats the missing module as an ImportError). No effect if jsonschema is already imported.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

__all__ = ["ReportError", "discover_notebooks", "run_report"]


def __getattr__(name: str):
    """``ReportError``, ``discover_notebooks`` and ``run_report`` from :mod:`wigan_deal.report.runner`, imported on
    first use: a process that only needs a light submodule (``python -m wigan_deal.report.pairs``, any command's
    ``--help``) does not pay for papermill, nbconvert and pandas."""
    if name in __all__:
        from wigan_deal.report import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
