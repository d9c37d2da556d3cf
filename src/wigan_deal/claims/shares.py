"""Do the rules discriminate? The share of councils that get each verdict, for every rule.

A rule that gives the same verdict to nearly every council cannot tell Wigan apart from anyone. For each claim
:func:`verdict_shares` applies the current rule (and, for an amended claim, the rule before its latest
amendment) to every upper-tier council and reports the % of councils per verdict beside the rule.
"""

from __future__ import annotations

import pandas as pd

from wigan_deal import config, fmt, result_cache
from wigan_deal import data as wd
from wigan_deal.claims.evaluators import evaluate_spec, not_testable
from wigan_deal.claims.register import VERDICTS, Claim, load_register

#: a rule is flagged when one verdict covers at least this share of councils (%)
NON_DISCRIMINATING_PCT = 90.0
SHARE_COLUMNS = ["claim_id", "rule", "councils", *VERDICTS, "most common", "discriminates"]


def _verdict(claim: Claim, area: str) -> str:
    if claim.method == "not_testable":
        return not_testable(claim, area, config.ENGLAND).verdict
    return evaluate_spec(claim, claim.spec(), area, config.ENGLAND).verdict


def council_verdicts(register: list[Claim] | None = None, areas: list[str] | None = None, *,
                     previous: bool = True) -> pd.DataFrame:
    """Long table: claim_id, rule ('current' / 'before <date>'), area_code, verdict, for every council."""
    register = load_register() if register is None else register
    areas = list(wd.areas("upper_tier")["area_code"]) if areas is None else list(areas)
    rows = []
    for claim in register:
        rules = [("current", claim)]
        if previous and claim.previous is not None:
            rules.append((f"before {claim.amended}", claim.previous))
        for label, rule in rules:
            rows.extend({"claim_id": claim.id, "rule": label, "area_code": a, "verdict": _verdict(rule, a)}
                        for a in areas)
    return pd.DataFrame(rows, columns=["claim_id", "rule", "area_code", "verdict"])


def verdict_shares(register: list[Claim] | None = None, areas: list[str] | None = None, *,
                   previous: bool = True, verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per rule: councils graded, % of councils per verdict, the most common verdict and whether the
    rule discriminates (no verdict covers :data:`NON_DISCRIMINATING_PCT` % or more of councils).

    ``verdicts``: a :func:`council_verdicts` table to summarise instead of re-evaluating."""
    long = council_verdicts(register, areas, previous=previous) if verdicts is None else verdicts
    rows = []
    for (cid, rule), g in long.groupby(["claim_id", "rule"], sort=False):
        pct = g["verdict"].value_counts(normalize=True).mul(100)
        top = pct.idxmax()
        rows.append({"claim_id": cid, "rule": rule, "councils": len(g),
                     **{v: float(pct.get(v, 0.0)) for v in VERDICTS},
                     "most common": f"{top} ({fmt.percent(pct.max(), 0)})",
                     "discriminates": bool(pct.max() < NON_DISCRIMINATING_PCT)})
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def all_council_shares() -> pd.DataFrame:
    """:func:`verdict_shares` over every upper-tier council with the committed register. The table does not
    depend on the chosen area (about 6 CPU-s), so it is computed once per machine for given code and data and
    kept on disk (:mod:`wigan_deal.result_cache`), keyed by the code this module runs (not the pages or notebooks)."""
    return result_cache.cached("verdict_shares", verdict_shares, modules=(__name__,)).copy()


def shares_display(table: pd.DataFrame, area_verdicts: pd.Series | None = None) -> pd.DataFrame:
    """Reader table: per rule, '% of councils' per verdict as whole numbers (blank for 0), and optionally the
    chosen area's verdict under the current rule (``area_verdicts``: claim_id -> verdict)."""
    out = table[["claim_id", "rule", "councils"]].copy()
    if area_verdicts is not None:
        out["this area"] = [area_verdicts.get(c, "") if r == "current" else ""
                            for c, r in zip(table["claim_id"], table["rule"], strict=True)]
    for v in VERDICTS:
        out[f"% {v}"] = [f"{fmt.number(x, 0)}" if x > 0 else "" for x in table[v]]
    out["discriminates"] = ["yes" if d else "no: one verdict for nearly every council" for d in table["discriminates"]]
    return out
