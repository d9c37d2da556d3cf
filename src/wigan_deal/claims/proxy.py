"""README block for the premature-mortality claim (amended 2026-11-28: the test uses a proxy)."""

from __future__ import annotations

from wigan_deal import config


def premature_mortality_readme_block() -> str:
    """Markdown table row set for the amended claim, current and previous verdicts, from evaluate()."""
    from wigan_deal.claims import evaluate

    row = evaluate(config.WIGAN).set_index("claim_id").loc["premature_mortality"]
    evidence = str(row["evidence"]).replace("|", "/").replace("\n", " ")
    return (
        "| claim | verdict | previous rule's verdict (rule amended) | evidence |\n"
        "|---|---|---|---|\n"
        f"| Premature mortality fell faster than England (CVD and cancer) | {row['verdict']} | "
        f"{row['previous_verdict']} ({row['amended']}) | {evidence} |"
    )


#: README names of the claims whose rules were never amended, in the order the README lists them
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
    """README table of the claims whose rules are unchanged: verdict and the evaluator's own evidence
    text for Wigan (report-era data, vs England), so no number in it is typed by hand."""
    from wigan_deal.claims import evaluate

    table = evaluate(config.WIGAN).set_index("claim_id")
    lines = ["| claim | verdict | evidence (95% CI where one exists) |", "|---|---|---|"]
    for claim_id, name in UNAMENDED_README_ROWS:
        row = table.loc[claim_id]
        evidence = str(row["evidence"]).replace("|", "/").replace("\n", " ")
        lines.append(f"| {name} | {row['verdict']} | {evidence} |")
    return "\n".join(lines)
