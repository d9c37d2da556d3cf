"""``python -m wigan_deal.claims [AREA_CODE] [COMPARATOR]``: print the claims tables as Markdown."""

from __future__ import annotations

import sys

from wigan_deal import config
from wigan_deal.claims import evaluate, evaluate_later_vintages


def _fmt(x: float) -> str:
    return "" if x != x else f"{x:.2f}"  # NaN -> blank


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    area = args[0] if args else config.DEFAULT_AREA
    comparator = args[1] if len(args) > 1 else config.ENGLAND
    table = evaluate(area, comparator=comparator)
    print(f"## Claims register: {area} vs {comparator} (report-era data)\n")
    print("| claim | verdict | estimate | 95% CI | unit |\n|---|---|---|---|---|")
    for r in table.itertuples():
        ci = f"{_fmt(r.lower)} to {_fmt(r.upper)}" if r.lower == r.lower else ""
        print(f"| {r.claim_id} | {r.verdict} | {_fmt(r.estimate)} | {ci} | {r.unit} |")
    print("\n### Evidence\n")
    for r in table.itertuples():
        print(f"* **{r.claim_id}** ({r.data_used or 'no data'}): {r.evidence}")
    later = evaluate_later_vintages(area, comparator=comparator)
    print("\n## Later vintages and supplements (same rules; not the graded verdicts)\n")
    print("| claim | check | verdict | estimate | 95% CI |\n|---|---|---|---|---|")
    for r in later.itertuples():
        ci = f"{_fmt(r.lower)} to {_fmt(r.upper)}" if r.lower == r.lower else ""
        print(f"| {r.claim_id} | {r.check} | {r.verdict} | {_fmt(r.estimate)} | {ci} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
