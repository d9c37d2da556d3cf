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
