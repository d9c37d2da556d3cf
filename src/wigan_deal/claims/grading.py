"""An area's claims graded by the register's pre-specified rules: the claims table (:func:`evaluate`), the same rules
on later vintages (:func:`evaluate_later_vintages`), amendments, and each claim's series and figure.

Imported through :mod:`wigan_deal.claims` (``from wigan_deal.claims import evaluate``), like the rest of the package.
"""

from __future__ import annotations

import math

import pandas as pd

from wigan_deal import config, fmt
from wigan_deal import data as wd
from wigan_deal.claims.evaluators import ClaimResult, evaluate_spec, not_testable
from wigan_deal.claims.register import Claim, ClaimsRegisterError, get_claim, load_register

SUMMARY_COLUMNS = [
    "claim_id", "claim", "verdict", "estimate", "lower", "upper", "unit",
    "comparison", "rule", "evidence", "data_used", "notebook",
    "amended", "amendment_reason", "previous_verdict", "previous_estimate", "previous_rule",
]
#: Columns describing a claim's latest amendment (empty for claims never amended).
AMENDMENT_COLUMNS = SUMMARY_COLUMNS[-5:]
LATER_COLUMNS = [
    "claim_id", "check", "verdict", "estimate", "lower", "upper", "unit", "evidence", "data_used",
]


def _check_areas(area_code: str, comparator: str) -> None:
    """Raise the data layer's error for an unknown area code."""
    wd.check_area(area_code)
    wd.check_area(comparator)


def evaluate_claim(claim: Claim, area_code: str = config.DEFAULT_AREA, comparator: str = config.ENGLAND) -> ClaimResult:
    """Apply one claim's pre-specified rule to ``area_code`` (report-era data)."""
    if claim.method == "not_testable":
        return not_testable(claim, area_code, comparator)
    return evaluate_spec(claim, claim.spec(), area_code, comparator)


def _amendment_fields(claim: Claim, area_code: str, comparator: str) -> dict:
    """The latest amendment of ``claim`` and the verdict its PREVIOUS rule gives (re-run, never typed)."""
    if claim.amendment is None or claim.previous is None:
        return {"amended": None, "amendment_reason": None, "previous_verdict": None,
                "previous_estimate": math.nan, "previous_rule": None}
    old = evaluate_claim(claim.previous, area_code, comparator)
    note = " (written after the area's result under the old rule was known)" if claim.amendment.results_seen else ""
    return {"amended": claim.amendment.date, "amendment_reason": claim.amendment.reason + note,
            "previous_verdict": old.verdict, "previous_estimate": old.estimate,
            "previous_rule": claim.previous.rule_text()}


def _row(claim: Claim, result: ClaimResult, area_code: str = config.DEFAULT_AREA,
         comparator: str = config.ENGLAND) -> dict:
    return {
        "claim_id": claim.id,
        "claim": claim.wording,
        "verdict": result.verdict,
        "estimate": result.estimate,
        "lower": result.lower,
        "upper": result.upper,
        "unit": result.unit,
        "comparison": claim.comparison,
        "rule": claim.rule_text(),
        "evidence": result.evidence,
        "data_used": result.data_used,
        "notebook": claim.notebook,
        **_amendment_fields(claim, area_code, comparator),
    }


def evaluate(
    area_code: str = config.DEFAULT_AREA,
    *,
    register: list[Claim] | None = None,
    comparator: str = config.ENGLAND,
) -> pd.DataFrame:
    """One row per claim: verdict, estimate with 95% CI, evidence sentence and data used.

    For a claim whose rule was amended (``amendments`` in the register), ``amended`` is the date of the
    latest amendment, ``amendment_reason`` says why, and ``previous_verdict`` / ``previous_estimate`` /
    ``previous_rule`` come from re-running the rule as it was before; nothing is silently re-graded.

    Uses the report-era data (the primary ``data`` block of each claim). Unknown area codes raise
    the data layer's :class:`~wigan_deal.data.errors.UnknownAreaError`.
    """
    _check_areas(area_code, comparator)
    register = load_register() if register is None else register
    rows = [_row(claim, evaluate_claim(claim, area_code, comparator), area_code, comparator) for claim in register]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def previous_verdict_text(table: pd.DataFrame) -> pd.Series:
    """Per row of :func:`evaluate`: '' or "<previous verdict> (rule amended <date>)" for amended claims."""
    return pd.Series(
        [f"{v} (rule amended {d})" if isinstance(d, str) and d else "" for v, d in
         zip(table["previous_verdict"], table["amended"], strict=True)],
        index=table.index, dtype=object,
    )


def amendments_table(table: pd.DataFrame) -> pd.DataFrame:
    """The amended claims of an :func:`evaluate` table: date, reason, old rule and verdict beside the new."""
    amended = table[table["amended"].notna()]
    out = pd.DataFrame({
        "claim_id": amended["claim_id"], "amended": amended["amended"],
        "verdict (current rule)": amended["verdict"], "verdict (previous rule)": amended["previous_verdict"],
        "estimate (current)": amended["estimate"], "estimate (previous)": amended["previous_estimate"],
        "reason": amended["amendment_reason"], "previous rule": amended["previous_rule"],
    }).reset_index(drop=True)
    return fmt.explain_missing(out, "no estimate under that rule for this area (its verdict says why, e.g. not "
                                    "testable with these data)")


def evaluate_later_vintages(
    area_code: str = config.DEFAULT_AREA,
    *,
    register: list[Claim] | None = None,
    comparator: str = config.ENGLAND,
) -> pd.DataFrame:
    """The same rules on later vintages / supplementary series ('did it last', revision checks).

    One row per claim x check, labelled by the check; these are NOT the graded verdicts of
    :func:`evaluate` and are never spliced with the report-era series.
    """
    _check_areas(area_code, comparator)
    register = load_register() if register is None else register
    rows = []
    for claim in register:
        for spec in claim.check_specs():
            result = evaluate_spec(claim, spec, area_code, comparator)
            rows.append(
                {
                    "claim_id": claim.id,
                    "check": spec.label,
                    "verdict": result.verdict,
                    "estimate": result.estimate,
                    "lower": result.lower,
                    "upper": result.upper,
                    "unit": result.unit,
                    "evidence": result.evidence,
                    "data_used": result.data_used,
                }
            )
    return pd.DataFrame(rows, columns=LATER_COLUMNS)


def claim_details(
    claim_id: str,
    area_code: str = config.DEFAULT_AREA,
    *,
    comparator: str = config.ENGLAND,
    register: list[Claim] | None = None,
) -> pd.DataFrame:
    """The component numbers behind a claim's verdict (e.g. one row per sex), report-era data."""
    _check_areas(area_code, comparator)
    return evaluate_claim(get_claim(claim_id, register), area_code, comparator).components


def claim_series(
    claim_id: str,
    area_code: str = config.DEFAULT_AREA,
    *,
    comparator: str = config.ENGLAND,
    register: list[Claim] | None = None,
) -> pd.DataFrame:
    """The full report-era series behind a testable claim, for area and comparator, for plotting.

    Columns: area_code, area_name, role ('area'/'comparator'), sex, period, time, value, used
    (True for the periods the rule reads). Not-testable claims use their context data if any.
    """
    _check_areas(area_code, comparator)
    claim = get_claim(claim_id, register)
    spec = claim.spec() if claim.data is not None else claim.context_spec()
    if spec is None:
        raise ClaimsRegisterError(f"Claim {claim_id!r} is not testable and has no context data to plot.")
    block = claim.data if claim.data is not None else claim.context
    if block["loader"] == "load_budget":
        from wigan_deal import finance

        res = finance.budget_vs_outturn(area_code, years=(spec.periods[0], spec.periods[-1]))
        t = res.table
        frame = pd.concat([
            t.assign(sex=kind, value=t[f"{kind}_gbp000"], area_code=area_code, area_name=res.area_name)
            for kind in ("budget", "outturn")
        ], ignore_index=True)
        frame["period"] = frame["financial_year"]
        frame["period_start"] = frame["financial_year"].str[:4].astype(int)
        frame["period_end"] = frame["period_start"] + 1
    elif block["loader"] == "load_finance":
        fin = wd.load_finance(areas=[area_code, comparator], services=list(spec.indicators))
        frame = fin.rename(columns={"financial_year": "period", "value_gbp000": "value", "service": "sex"})
    else:
        frame = wd.load_indicator(spec.indicator, areas=[area_code, comparator], vintage=spec.vintage)
        frame = frame[frame["sex"].isin(spec.sexes)]
    frame = frame.assign(
        role=frame["area_code"].map({area_code: "area", comparator: "comparator"}),
        time=(frame["period_start"] + frame["period_end"] + 1) / 2,
    )
    from wigan_deal.periods import parse_period

    keys = {parse_period(p)[:2] for p in (*spec.periods, *([spec.baseline_period] if spec.baseline_period else []))}
    frame["used"] = [(s, e) in keys for s, e in zip(frame["period_start"], frame["period_end"], strict=True)]
    cols = ["area_code", "area_name", "role", "sex", "period", "time", "value", "used"]
    return frame[cols].sort_values(["role", "sex", "time"]).reset_index(drop=True)


def plot_claim(
    claim_id: str,
    area_code: str = config.DEFAULT_AREA,
    ax=None,
    *,
    comparator: str = config.ENGLAND,
    register: list[Claim] | None = None,
):
    """Small line chart of the series behind a claim, with the periods the rule reads marked; the title (claim id and
    wording) fitted to the panel's width at word boundaries, the year axis ticked at whole years. Raises
    :class:`LookupError` where neither the area nor the comparator has a value of the series (no empty panel)."""
    # imported only to draw: the register and its rules do not load seaborn
    import matplotlib.pyplot as plt

    from wigan_deal import plots

    series = claim_series(claim_id, area_code, comparator=comparator, register=register)
    claim = get_claim(claim_id, register)
    if series.empty:  # e.g. a council created after the claim's years, against a comparator without the series
        raise LookupError(f"no values of this claim's series for {wd.area_name(area_code)} or "
                          f"{wd.area_name(comparator)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for (role, sex, name), g in series.groupby(["role", "sex", "area_name"], sort=False):
        style = "-" if role == "area" else "--"
        ax.plot(g["time"], g["value"], style, marker="o", ms=3, label=f"{name} ({sex})")
        used = g[g["used"]]
        ax.plot(used["time"], used["value"], "o", ms=8, mfc="none", color="black")
    plots.fit_title(ax, f"{claim.id}: {claim.wording}", fontsize=9)
    ax.set_xlabel("year (period midpoint)")
    plots.whole_years(ax)
    ax.legend(fontsize=7)
    return ax
