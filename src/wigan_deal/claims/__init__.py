"""The report's claims register: load ``data/report_claims.yml`` and apply its pre-specified rules.

>>> from wigan_deal.claims import evaluate, evaluate_later_vintages
>>> table = evaluate("E08000010")              # one row per claim, graded on report-era data
>>> later = evaluate_later_vintages("E08000010")  # same rules on later vintages, never spliced

See ``docs/claims.md`` for the rules and their rationale.
"""

from __future__ import annotations

__all__ = [
    "AMENDMENT_COLUMNS",
    "amendments_table",
    "all_council_shares",
    "council_verdicts",
    "shares_display",
    "verdict_shares",
    "previous_verdict_text",
    "EVALUATORS",
    "METHODS",
    "Amendment",
    "NOT_TESTABLE",
    "NoDataError",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "ClaimsRegisterError",
    "Spec",
    "claim_details",
    "claim_series",
    "evaluate",
    "evaluate_claim",
    "evaluate_later_vintages",
    "get_claim",
    "load_register",
    "parse_register",
    "plot_claim",
]

#: Where each exported name lives. The package imports none of them until one is asked for (PEP 562): the register
#: (``get_claim``, ``load_register``) is light, the rules' evaluators import statsmodels and scipy, so a process
#: that only reads the register (a report's index, ``python -m wigan_deal.claims --help``) never pays for those.
_REGISTER = ("METHODS", "NOT_TESTABLE", "VERDICTS", "Amendment", "Claim", "ClaimsRegisterError", "Spec", "get_claim",
             "load_register", "parse_register")
_EVALUATORS = ("EVALUATORS", "ClaimResult", "NoDataError", "evaluate_spec", "not_testable")
_SHARES = ("all_council_shares", "council_verdicts", "shares_display", "verdict_shares")
_GRADING = ("AMENDMENT_COLUMNS", "LATER_COLUMNS", "SUMMARY_COLUMNS", "amendments_table", "claim_details", "claim_series",
            "evaluate", "evaluate_claim", "evaluate_later_vintages", "plot_claim", "previous_verdict_text")


def __getattr__(name: str):
    """An exported name, from its module (imported on first use, then kept here)."""
    if name in _REGISTER:
        from wigan_deal.claims import register as module
    elif name in _EVALUATORS:
        from wigan_deal.claims import evaluators as module
    elif name in _SHARES:
        from wigan_deal.claims import shares as module
    elif name in _GRADING:
        from wigan_deal.claims import grading as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_REGISTER, *_EVALUATORS, *_SHARES, *_GRADING})
