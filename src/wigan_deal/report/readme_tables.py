"""README tables of the claims, computed from the register and the evaluators: the non-finance claims, the
premature-mortality claim (a proxy, graded by one standard both ways since its amendment of 2026-12-06) and the
two finance claims, each with the previous rule's verdict where the rule was amended."""

from __future__ import annotations

from wigan_deal import config, finance, fmt
from wigan_deal.claims import evaluate, get_claim, load_register


def premature_mortality_readme_block() -> str:
    """The amendment history of the premature-mortality rule (from the register) and its current and previous
    verdicts for Wigan (from evaluate())."""
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


#: README names of the non-finance claims other than premature mortality, in the order the README lists them;
#: a claim of the register not named here is listed after them under its wording (a new claim needs no edit here)
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


#: claims with README blocks of their own (premature_mortality, finance)
OWN_README_BLOCKS: tuple[str, ...] = ("premature_mortality", "savings", "asc_balance")


def claims_readme_block() -> str:
    """README table of the non-finance claims: verdict, the previous rule's verdict where the rule was amended,
    and the evaluator's own evidence text for Wigan (report-era data, vs England): no number typed by hand."""
    table = evaluate(config.WIGAN).set_index("claim_id")
    lines = ["| claim | verdict | previous rule's verdict (rule amended) | evidence (95% CI where one exists) |",
             "|---|---|---|---|"]
    named = dict(UNAMENDED_README_ROWS)
    others = [(c, str(table.loc[c, "claim"])) for c in table.index
              if c not in named and c not in OWN_README_BLOCKS]
    for claim_id, name in [*UNAMENDED_README_ROWS, *others]:
        row = table.loc[claim_id]
        evidence = str(row["evidence"]).replace("|", "/").replace("\n", " ")
        previous = f"{row['previous_verdict']} ({row['amended']})" if isinstance(row["amended"], str) else ""
        lines.append(f"| {name} | {row['verdict']} | {previous} | {evidence} |")
    return "\n".join(lines)


def finance_readme_block() -> str:
    """README block: the two finance claims for Wigan, current verdict beside the previous rule's, then the fall in
    spending from both base years, with and without housing benefit and levies, with the percentile among all
    councils and in Wigan's own type (:func:`wigan_deal.finance.savings_overview`); computed from the extracts."""
    register = [c for c in load_register() if c.id in ("savings", "asc_balance")]
    table = evaluate(config.WIGAN, register=register).set_index("claim_id")
    bo = finance.budget_vs_outturn(config.WIGAN)
    noise = finance.balance_noise()
    first, last = bo.table.iloc[0], bo.table.iloc[-1]
    d_last = bo.distribution.set_index("financial_year").loc[last["financial_year"]]
    ov = finance.savings_overview(config.WIGAN)
    graded = ov[(ov["from"] == finance.SAVINGS_BASE_YEARS[1]) & ov["measure"].str.startswith("without")].iloc[0]
    sv = finance.controlled_savings(config.WIGAN)
    over = int((bo.table["variance_gbp000"] > 0).sum())

    def where(v: float) -> str:
        return "inside the band" if abs(v) <= noise.band_pp else ("above it" if v > 0 else "below it")

    rows = [
        ("£140m saved", table.loc["savings"],
         f"What the council controls (net current expenditure excluding education, public health, housing benefit "
         f"and levies), {graded['from']} → {graded['to']}: {fmt.money_m(graded['real change £m'] * 1000, signed=True, style='£')} "
         f"({fmt.percent(graded['real change %'], signed=True)}) in {sv.base} prices; percentile {fmt.number(graded['percentile, own type'], 0)} "
         f"among {graded['n own type']} {graded['own type']} (their median {fmt.percent(graded['own-type median %'], signed=True)}), "
         f"{fmt.number(sv.percentile_among_neighbours(), 0)} among the {finance.CSP_NEIGHBOURS} councils with the most similar "
         f"spending-power change, {fmt.number(graded['percentile, all councils'], 0)} among all {graded['n']} (0 = largest "
         "fall). The £140m is against a counterfactual budget, which outturn returns cannot test."),
        ("ASC: £6.9m projected overspend → balanced budget", table.loc["asc_balance"],
         f"Outturn against the start-of-year (RA) budget: {first['financial_year']} {fmt.money_m(first['variance_gbp000'], signed=True, style='£')} "
         f"({fmt.percent(first['variance_pct'], signed=True)}, percentile {fmt.number(first['variance_percentile'], 0)} of all councils); "
         f"{last['financial_year']} {fmt.money_m(last['variance_gbp000'], signed=True, style='£')} ({fmt.percent(last['variance_pct'], signed=True)}, percentile "
         f"{fmt.number(last['variance_percentile'], 0)}; median council {fmt.percent(d_last['median'], signed=True)}); over budget in {over} of "
         f"{len(bo.table)} years. 'Balanced' band ±{fmt.percent(noise.band_pp)} and 'from overspend' swing "
         f"{fmt.number(noise.swing_pp, 1)} points, both from every council: {first['financial_year']} "
         f"{where(first['variance_pct'])}, {last['financial_year']} {where(last['variance_pct'])}; the variance "
         f"changed by {fmt.number(last['variance_pct'] - first['variance_pct'], 1, signed=True)} points. RA is the "
         "start-of-year budget, not the in-year projection the report quotes; the Better Care Fund (2015/16) and "
         "improved BCF (2017/18) may explain apparent balance."),
    ]
    lines = ["| claim | verdict | previous rule's verdict (rule amended) | evidence |", "|---|---|---|---|"]
    for name, row, text in rows:
        lines.append(f"| {name} | {row['verdict']} | {row['previous_verdict']} ({row['amended']}) | {text} |")
    lines += ["", f"Real-terms fall in Wigan's spending to {graded['to']} ({sv.base} prices), from both base years, "
              "with and without housing benefit and levies (0 = largest fall):", "",
              "| from | measure | real change | percentile, all councils | percentile, own type | own-type median |",
              "|---|---|---|---|---|---|"]
    for r in ov.itertuples(index=False):
        lines.append(f"| {r[0]} | {r[2]} | {fmt.money_m(r[3] * 1000, signed=True, style='£')} ({fmt.percent(r[4], signed=True)}) | {fmt.number(r[5], 0)} of {r[6]} | "
                     f"{fmt.number(r[7], 0)} of {r[9]} {r[8]} | {fmt.percent(r[10], signed=True)} |")
    return "\n".join(lines)
