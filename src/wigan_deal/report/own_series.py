"""``wigan-deal its PANEL.csv --treated AREA --break YEAR [--outcome COLUMN]``: your own series, one report.

The panel is validated first (:func:`wigan_deal.data.user_panel.read_user_panel`): any problem is printed
as one paragraph each and nothing runs (exit 2). Otherwise notebook ``08_your_own_series`` is executed
with papermill (parameters ``input_csv``, ``treated``, ``break_year``, ``outcome``) in a temporary
folder, exported to HTML (with code, and a reader version without), and only then moved into
``reports/own-series/<name>/`` (an earlier report of that name is replaced whole, never half-written).
Arguments reach Python as a list; nothing passes through a shell.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from wigan_deal import config

NOTEBOOK = "08_your_own_series"
FOLDER = "own-series"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wigan-deal its",
        description="Your own programme on your own series: the treated area's change at the break minus "
                    "the comparison areas' average change, with a placebo-in-space interval; writes an "
                    f"HTML report to reports/{FOLDER}/<name>/. The CSV is long: columns area, period "
                    "(whole years) and the outcome.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("panel", type=Path, metavar="PANEL.csv", help="(path) the panel CSV")
    p.add_argument("--treated", required=True, metavar="AREA",
                   help="(text) the treated area, as written in the area column")
    p.add_argument("--break", dest="break_year", required=True, type=int, metavar="YEAR",
                   help="(int) first period of the programme")
    p.add_argument("--outcome", default="value", metavar="COLUMN", help="(text) the outcome column")
    p.add_argument("--name", default=None, metavar="NAME",
                   help="(text) report folder name (default: the CSV's name and the treated area)")
    p.add_argument("--out", type=Path, default=config.REPORTS_DIR, metavar="DIR", help="(path) reports folder")
    return p


def folder_name(panel: Path, treated: str, name: str | None = None) -> str:
    """A safe folder name: letters, digits, dot, dash and underscore only."""
    raw = name if name else f"{panel.stem}--{treated}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.")[:80]
    return safe or "panel"


def run(panel: Path, treated: str, break_year: int, outcome: str, out_dir: Path,
        name: str | None = None, log=print) -> Path:
    """Validate, execute notebook 08, export, publish; return the report folder."""
    from wigan_deal.data.user_panel import read_user_panel

    read_user_panel(panel, treated, break_year, outcome)  # raises UserPanelError before anything runs
    import nbformat  # a panel that cannot be used is answered before papermill and nbconvert are imported
    import papermill as pm

    from wigan_deal.report.html import write_html_pair
    from wigan_deal.report.runner import publish

    final = Path(out_dir) / FOLDER / folder_name(panel, treated, name)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    try:
        executed = tmp / f"{NOTEBOOK}.ipynb"
        pm.execute_notebook(str(config.NOTEBOOKS_DIR / f"{NOTEBOOK}.ipynb"), str(executed),
                            parameters={"input_csv": str(Path(panel).resolve()), "treated": treated,
                                        "break_year": int(break_year), "outcome": outcome},
                            kernel_name="python3", progress_bar=False, cwd=str(config.NOTEBOOKS_DIR))
        nb = nbformat.read(executed, as_version=4)
        full, reader = write_html_pair(nb, tmp, NOTEBOOK)
        shutil.copyfile(reader, tmp / "index.html")
        publish(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"wrote {final / 'index.html'}")
    return final


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help ends here, before pandas is imported
    from wigan_deal.data.user_panel import UserPanelError

    try:
        run(args.panel, args.treated, args.break_year, args.outcome, args.out, args.name)
    except UserPanelError as exc:
        print(f"The panel {args.panel} cannot be used:\n", file=sys.stderr)
        print("\n\n".join(f"- {p}" for p in exc.problems), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped; no report was written.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
