"""README blocks of the claims table: the premature-mortality claim (a proxy, graded by one standard both
ways since its amendment of 2026-12-06) and the other non-finance claims, each with the previous rule's verdict
where the rule was amended."""

from __future__ import annotations

from wigan_deal import config


def premature_mortality_readme_block() -> str:
    """The amendment history of the premature-mortality rule (from the register) and its current and previous
    verdicts for Wigan (from evaluate())."""
    from wigan_deal.claims import evaluate, get_claim

    claim = get_claim("premature_mortality")
    a = claim.amendment
    earlier = ", ".join(x.date for x in claim.amendments[:-1])
    history = (f"Rule amended {a.date} ({'after' if a.results_seen else 'before'} its result was known"
               + (f"; earlier amendment(s) {earlier}" if earlier else "") + f"): {a.reason}")
    row = evaluate(config.WIGAN).set_index("claim_id").loc["premature_mortality"]
    evidence = str(row["evidence"]).replace("|", "/").replace("\n", " ")
    return (
        f"{history} The previous rule's verdict is re-computed and kept:\n\n"
        "| claim | verdict | previous rule's verdict (rule amended) | evidence |\n"
        "|---|---|---|---|\n"
        f"| Premature mortality fell faster than England (CVD and cancer) | {row['verdict']} | "
        f"{row['previous_verdict']} ({row['amended']}) | {evidence} |"
    )


#: README names of the non-finance claims other than premature mortality, in the order the README lists them
UNAMENDED_README_ROWS: tuple[tuple[str, str], ...] = (
    ("hle_increase", 'HLE "increased significantly, bucking the national trend"'),
    ("smoking", "Significant reduction in smoking"),
    ("physical_activity", "High rates of physical activity"),
    ("school_readiness", "School readiness in line with the national average"),
    ("hle_gap_widening_before", "HLE gap was widening a decade ago"),
    ("care_homes", "Care homes rated good or outstanding"),
    ("staff_engagement", "Staff engagement"),
    ("workforce", "Workforce"),
)


def claims_readme_block() -> str:
    """README table of the non-finance claims: verdict, the previous rule's verdict where the rule was amended,
    and the evaluator's own evidence text for Wigan (report-era data, vs England): no number typed by hand."""
    from wigan_deal.claims import evaluate

    table = evaluate(config.WIGAN).set_index("claim_id")
    lines = ["| claim | verdict | previous rule's verdict (rule amended) | evidence (95% CI where one exists) |",
             "|---|---|---|---|"]
    for claim_id, name in UNAMENDED_README_ROWS:
        row = table.loc[claim_id]
        evidence = str(row["evidence"]).replace("|", "/").replace("\n", " ")
        previous = f"{row['previous_verdict']} ({row['amended']})" if isinstance(row["amended"], str) else ""
        lines.append(f"| {name} | {row['verdict']} | {previous} | {evidence} |")
    return "\n".join(lines)
