"""Reviewable notebooks: every ``notebooks/NN_name.ipynb`` has a jupytext ``py:percent`` pair
``notebooks/py/NN_name.py`` (code and markdown only: no outputs, no notebook metadata, cell tags kept).

The ``.ipynb`` files are the source of truth (papermill runs them). ``python -m wigan_deal.report.pairs``
(``make sync-notebooks``) rewrites every pair from its notebook and deletes pairs whose notebook is gone;
``--check`` lists stale pairs and exits 1 (tests/test_notebook_pairs.py runs the same check). The
filters match ``[tool.jupytext]`` in pyproject.toml, so an editor with jupytext writes the same text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wigan_deal import config

#: Same as [tool.jupytext] in pyproject.toml.
JUPYTEXT_FILTERS = {"notebook_metadata_filter": "-all", "cell_metadata_filter": "tags,-all"}
PAIR_DIR = "py"


def pair_path(notebook: Path) -> Path:
    return notebook.parent / PAIR_DIR / f"{notebook.stem}.py"


def pair_text(notebook: Path) -> str:
    """The py:percent text of ``notebook``."""
    import jupytext

    nb = jupytext.read(notebook)
    nb.metadata.setdefault("jupytext", {}).update(JUPYTEXT_FILTERS)
    return jupytext.writes(nb, fmt="py:percent")


def stale_pairs(notebook_dir: Path | None = None) -> list[str]:
    """Pairs that are missing, out of date, or orphaned (relative paths)."""
    folder = Path(notebook_dir or config.NOTEBOOKS_DIR)
    notebooks = sorted(folder.glob("*.ipynb"))
    problems = []
    for nb in notebooks:
        pair = pair_path(nb)
        if not pair.exists():
            problems.append(f"{pair.relative_to(folder)}: missing")
        elif pair.read_text(encoding="utf-8") != pair_text(nb):
            problems.append(f"{pair.relative_to(folder)}: differs from {nb.name}")
    wanted = {pair_path(nb) for nb in notebooks}
    problems += [f"{p.relative_to(folder)}: no notebook {p.stem}.ipynb"
                 for p in sorted((folder / PAIR_DIR).glob("*.py")) if p not in wanted]
    return problems


def sync(notebook_dir: Path | None = None) -> list[Path]:
    """Rewrite every pair from its notebook; remove orphaned pairs. Returns the files changed."""
    folder = Path(notebook_dir or config.NOTEBOOKS_DIR)
    changed = []
    notebooks = sorted(folder.glob("*.ipynb"))
    for nb in notebooks:
        pair, text = pair_path(nb), pair_text(nb)
        if not pair.exists() or pair.read_text(encoding="utf-8") != text:
            pair.parent.mkdir(parents=True, exist_ok=True)
            pair.write_text(text, encoding="utf-8", newline="\n")
            changed.append(pair)
    wanted = {pair_path(nb) for nb in notebooks}
    for orphan in sorted((folder / PAIR_DIR).glob("*.py")):
        if orphan not in wanted:
            orphan.unlink()
            changed.append(orphan)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wigan_deal.report.pairs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale pairs (exit 1 if any)")
    parser.add_argument("--notebook-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.check:
        problems = stale_pairs(args.notebook_dir)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("run `make sync-notebooks` to regenerate the py:percent pairs", file=sys.stderr)
        return 1 if problems else 0
    changed = sync(args.notebook_dir)
    print(f"{len(changed)} notebook pair(s) updated" + (": " + ", ".join(p.name for p in changed) if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
