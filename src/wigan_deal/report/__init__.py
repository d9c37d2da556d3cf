"""Report pipeline: execute the notebooks with papermill and publish HTML + index.

``python -m wigan_deal.report --area E08000010`` (what ``make report`` runs); see
:mod:`wigan_deal.report.runner` for the layout and :mod:`wigan_deal.report.__main__` for the CLI.
"""

from wigan_deal.report.runner import ReportError, discover_notebooks, run_report

__all__ = ["ReportError", "discover_notebooks", "run_report"]
