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

from wigan_deal.report.runner import ReportError, discover_notebooks, run_report

__all__ = ["ReportError", "discover_notebooks", "run_report"]
