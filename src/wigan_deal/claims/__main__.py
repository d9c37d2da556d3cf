"""``python -m wigan_deal.claims [AREA] [COMPARATOR]``: print the claims tables as Markdown."""

from __future__ import annotations

import argparse
import sys

from wigan_deal import config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wigan_deal.claims",
        description="Evaluate the report's claims register for one area and print the tables as Markdown.")
    parser.add_argument("area", nargs="?", default=config.DEFAULT_AREA,
                        help=f"ONS code or name of an English upper-tier council (default {config.DEFAULT_AREA}, Wigan)")
    parser.add_argument("comparator", nargs="?", default=config.ENGLAND,
                        help=f"area code the claims compare against (default {config.ENGLAND}, England)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help and bad options are answered before the rules are imported
    from wigan_deal import fmt
    from wigan_deal.claims import evaluate, evaluate_later_vintages
    from wigan_deal.data.errors import DataError

    area, comparator = args.area, args.comparator
    try:
        table = evaluate(area, comparator=comparator)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"## Claims register: {area} vs {comparator} (report-era data)\n")
    print("| claim | verdict | estimate | 95% CI | unit |\n|---|---|---|---|---|")
    for r in table.itertuples():
        ci = f"{fmt.number(r.lower, 2, missing='')} to {fmt.number(r.upper, 2, missing='')}" if r.lower == r.lower else ""
        print(f"| {r.claim_id} | {r.verdict} | {fmt.number(r.estimate, 2, missing='')} | {ci} | {r.unit} |")
    print("\n### Evidence\n")
    for r in table.itertuples():
        print(f"* **{r.claim_id}** ({r.data_used or 'no data'}): {r.evidence}")
    later = evaluate_later_vintages(area, comparator=comparator)
    print("\n## Later vintages and supplements (same rules; not the graded verdicts)\n")
    print("| claim | check | verdict | estimate | 95% CI |\n|---|---|---|---|---|")
    for r in later.itertuples():
        ci = f"{fmt.number(r.lower, 2, missing='')} to {fmt.number(r.upper, 2, missing='')}" if r.lower == r.lower else ""
        print(f"| {r.claim_id} | {r.check} | {r.verdict} | {fmt.number(r.estimate, 2, missing='')} | {ci} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
