"""Generated text of ``docs/claims.md`` and the assumptions log where they quote the claims register.

Each function returns one markdown block for :mod:`wigan_deal.readme` (``python -m wigan_deal.readme`` rewrites
README.md, docs/claims.md and docs/assumptions_and_caveats.md; ``--check`` and the tests fail when any drifted),
so a rule, an amendment or a verdict quoted in the docs cannot go stale.
"""

from __future__ import annotations

import math

import yaml

from wigan_deal import config, fmt
from wigan_deal.claims.register import FINANCE_METHODS, VERDICTS, Claim, load_register

#: what each verdict means (docs/claims.md)
VERDICT_MEANINGS: dict[str, str] = {
    "supported": "the data show what the claim says, to the standard its wording implies",
    "partly supported": "the data point the claim's way but fall short of its wording (not significant, only one "
                        "half testable, in line by point estimate only, ...)",
    "not supported": "the data contradict the claim or show nothing the claim's way",
    "not testable with these data": "the official data we hold cannot test it; `reason` and `data_needed` say why "
                                    "and what would",
    "not applicable": "the claim's premise is absent for this area (e.g. a balanced-budget claim for a council "
                      "that was not over budget at the start): there is nothing to grade",
    "too few to grade": "the rule states a minimum n (children, respondents, events) and the area's survey or "
                        "count is below it: the interval is too wide for any verdict",
}


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "/")


def verdicts_block() -> str:
    """The verdicts and what they mean."""
    missing = [v for v in VERDICTS if v not in VERDICT_MEANINGS]
    if missing:
        raise ValueError(f"VERDICT_MEANINGS lacks {missing}; say what each verdict means.")
    return "\n".join(["| verdict | meaning |", "|---|---|",
                      *(f"| `{v}` | {VERDICT_MEANINGS[v]} |" for v in VERDICTS)])


def _data_text(claim: Claim) -> str:
    block = claim.data or claim.context
    if not block:
        return "-"
    periods = " -> ".join(str(p) for p in block["periods"])
    sexes = "/".join(block.get("sexes", ["Persons"]))
    return f"{'+'.join(block['indicators'])}@{block['vintage']} [{sexes}; {periods}]"


def rules_block(register: list[Claim] | None = None) -> str:
    """Every claim's current rule, word for word from the register, with its amendment history."""
    register = load_register() if register is None else register
    lines = ["| id | method | data (primary) | operational meaning | decision rule | amended |", "|---|---|---|---|---|---|"]
    for c in register:
        amended = "; ".join(f"{a.date} ({'after' if a.results_seen else 'before'} results were seen)"
                            for a in c.amendments) or "never"
        lines.append(f"| {c.id} | `{c.method}` | {_cell(_data_text(c))} | {_cell(c.operational_meaning)} | "
                     f"{_cell(c.rule_text())} | {amended} |")
    return "\n".join(lines)


def amendments_block(register: list[Claim] | None = None) -> str:
    """Every amendment: date, reason, whether results were seen, what was seen, the rule before it."""
    register = load_register() if register is None else register
    parts = []
    for c in register:
        older = c
        history = []
        while older.amendments:  # newest first: each amendment's 'previous' is the claim one step back
            a = older.amendments[-1]
            history.append((a, older.previous))
            older = older.previous
        for a, before in history:
            parts.append(
                f"**{c.id}, amended {a.date}** (results seen: {'yes' if a.results_seen else 'no'}). {_cell(a.reason)}\n\n"
                f"*Written after seeing:* {_cell(a.written_after_seeing) or '**not recorded**'}\n\n"
                f"*Rule before this amendment:* {_cell(before.rule_text())}\n")
    return "\n".join(parts).rstrip("\n")


def written_block(register: list[Claim] | None = None) -> str:
    """When the rules were written and what had been seen, per claim (original rule)."""
    register = load_register() if register is None else register
    doc = yaml.safe_load(config.CLAIMS_FILE.read_text(encoding="utf-8"))
    lines = [f"Rules written: {_cell(doc['rules_written'])}.", "",
             "| claim | original rule written after seeing |", "|---|---|"]
    lines += [f"| {c.id} | {_cell(c.written_after_seeing) or '**not recorded**'} |" for c in register]
    return "\n".join(lines)


def data_needed_block(register: list[Claim] | None = None) -> str:
    """What data would test the claims (or the parts of them) these data cannot test."""
    register = load_register() if register is None else register
    lines = ["| claim | data needed |", "|---|---|"]
    lines += [f"| {c.id} | {_cell(c.data_needed)} |" for c in register if c.data_needed]
    return "\n".join(lines)


def results_block() -> str:
    """Wigan's verdicts (current rule beside the previous one) and the later-vintage checks, from evaluate()."""
    from wigan_deal.claims import evaluate, evaluate_later_vintages

    t = evaluate(config.WIGAN)
    lines = [f"Wigan ({config.WIGAN}) vs England, report-era data; pinned by `tests/expected/claims_wigan.csv`.", "",
             "| claim | verdict | previous rule's verdict | estimate (95% CI) | unit | evidence |",
             "|---|---|---|---|---|---|"]
    for r in t.itertuples():
        ci = f" ({fmt.number(r.lower, 2, signed=True, missing='')} to {fmt.number(r.upper, 2, signed=True, missing='')})" if not math.isnan(r.lower) else ""
        prev = f"{r.previous_verdict} (before {r.amended})" if isinstance(r.amended, str) else ""
        lines.append(f"| {r.claim_id} | {r.verdict} | {prev} | {fmt.number(r.estimate, 2, signed=True, missing='')}{ci} | {_cell(r.unit)} | "
                     f"{_cell(r.evidence)} |")
    later = evaluate_later_vintages(config.WIGAN)
    lines += ["", "Later vintages and supplements (same rules; not the graded verdicts):", "",
              "| claim | check | verdict | estimate (95% CI) |", "|---|---|---|---|"]
    for r in later.itertuples():
        ci = f" ({fmt.number(r.lower, 2, signed=True, missing='')} to {fmt.number(r.upper, 2, signed=True, missing='')})" if not math.isnan(r.lower) else ""
        lines.append(f"| {r.claim_id} | {_cell(r.check)} | {r.verdict} | {fmt.number(r.estimate, 2, signed=True, missing='')}{ci} |")
    return "\n".join(lines)


def assumptions_block(register: list[Claim] | None = None) -> str:
    """The assumptions log's entries that quote the register (A9 finance, A11 rules, A16 HLE noise)."""
    register = load_register() if register is None else register
    by_id = {c.id: c for c in register}
    finance = [c for c in register if c.method in FINANCE_METHODS]
    doc = yaml.safe_load(config.CLAIMS_FILE.read_text(encoding="utf-8"))
    amended = sorted({a.date for c in register for a in c.amendments})
    rows = ["| # | assumption / choice (quoted from `data/report_claims.yml`) | where |", "|---|---|---|"]
    rows.append("| A9 | Finance claims are graded on: " + "; ".join(
        f"**{c.id}**: {_cell(c.comparison)}" for c in finance) + " | `wigan_deal.finance`, notebook 04 |")
    rows.append(f"| A11 | Claims verdicts follow rules written before results were computed ({_cell(doc['rules_written'])}); "
                f"a rule changed later is an amendment ({', '.join(amended) or 'none yet'}) with the previous rule "
                "re-run beside it and `written_after_seeing` recording what was visible | `data/report_claims.yml` |")
    hle = by_id.get("hle_increase")
    if hle is not None:
        rows.append(f"| A16 | HLE noise: {_cell(hle.operational_meaning)} | `wigan_deal.hle_ci`, `wigan_deal.hle_noise`, "
                    "notebook 02 |")
    school = by_id.get("school_readiness")
    if school is not None:
        rows.append(f"| A17 | Minimum sizes and 'in line' claims: {_cell(school.operational_meaning)} | "
                    "`wigan_deal.claims.rules.grade_equivalence` |")
    return "\n".join(rows)
