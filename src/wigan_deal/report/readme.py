"""Generated README blocks: sentences that quote results are computed, never typed.

``README.md`` holds blocks delimited by ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``.
:data:`BLOCKS` maps each NAME to a function with no arguments that returns the block's markdown, computed by
the package from the committed extracts. ::

    python -m wigan_deal.readme           # rewrite every block in README.md and in DOC_FILES (docs/claims.md, ...)
    python -m wigan_deal.readme --check   # exit 1, naming the blocks, if any of them has drifted

``tests/test_readme.py`` runs the check for every block, so a README number cannot drift from the
result it quotes. This module is in the report layer and imports each block's function the ordinary way
(its domain module, or :mod:`wigan_deal.report.readme_tables` for the claims' tables), so the architecture
test sees every arrow; ``python -m wigan_deal.readme`` runs :func:`main`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

import wigan_deal
from wigan_deal import citation, config, hle_noise, inference, lasting, panel_coverage, speccurve
from wigan_deal.claims import docs as claim_docs
from wigan_deal.report import readme_tables, sweep

README_FILE: Path = config.PROJECT_ROOT / "README.md"



def version_block() -> str:
    """The package version, as the README states it."""
    return f"**Version:** {wigan_deal.__version__}"


#: block name -> function returning the block's markdown (no leading/trailing blank lines).
BLOCKS: dict[str, Callable[[], str]] = {
    "version": version_block,
    "its-primary": panel_coverage.readme_its_primary,
    "robustness": speccurve.readme_robustness,
    "claims": readme_tables.claims_readme_block,
    "hle-noise": hle_noise.readme_block,
    "finance": readme_tables.finance_readme_block,
    "citation": citation.readme_block,
    "premature_mortality": readme_tables.premature_mortality_readme_block,
    "did_it_last": lasting.readme_block,
    "sweep-scaling": sweep.readme_scaling,
}

#: blocks in other documents (same markers), generated from the claims register where they quote it
DOC_BLOCKS: dict[str, Callable[[], str]] = {
    "claims-verdicts": claim_docs.verdicts_block,
    "claims-written": claim_docs.written_block,
    "claims-amendments": claim_docs.amendments_block,
    "claims-rules": claim_docs.rules_block,
    "claims-results": claim_docs.results_block,
    "claims-data-needed": claim_docs.data_needed_block,
    "assumptions-register": claim_docs.assumptions_block,
    # docs/inference.md: the coverage studies' tables, from the committed results
    "panel-coverage": panel_coverage.markdown_panel,
    "panel-verdicts": panel_coverage.markdown_verdicts,
    "panel-simulation": panel_coverage.markdown_simulation,
    "coverage-table": inference.markdown_table,
}
#: documents other than README.md that hold generated blocks (rewritten and checked with it)
DOC_FILES: tuple[Path, ...] = (config.PROJECT_ROOT / "docs" / "claims.md",
                               config.PROJECT_ROOT / "docs" / "assumptions_and_caveats.md",
                               config.PROJECT_ROOT / "docs" / "inference.md")

_BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)


class ReadmeError(ValueError):
    """A README block is missing, unknown or malformed."""


def block_function(name: str) -> Callable[[], str]:
    """The function that renders block ``name``."""
    function = BLOCKS.get(name) or DOC_BLOCKS.get(name)
    if function is None:
        raise ReadmeError(
            f"README block {name!r} has no generator: known blocks are {sorted(BLOCKS)}. "
            "Add it to wigan_deal.report.readme.BLOCKS or remove its markers from README.md."
        )
    return function


def render_block(name: str) -> str:
    """The markdown of block ``name``, ending with one newline."""
    return block_function(name)().strip("\n") + "\n"


def blocks_in(text: str) -> dict[str, str]:
    """Block name -> current body, for every generated block in ``text``."""
    found: dict[str, str] = {}
    for m in _BLOCK.finditer(text):
        if m["name"] in found:
            raise ReadmeError(f"README block {m['name']!r} appears twice; each block must be unique.")
        found[m["name"]] = m["body"]
    return found


def render(text: str, names: list[str] | None = None) -> str:
    """``text`` with the bodies of the named (default: all) generated blocks recomputed."""
    present = blocks_in(text)
    wanted = list(present) if names is None else names
    missing = [n for n in wanted if n not in present]
    if missing:
        raise ReadmeError(
            f"README.md has no markers for block(s) {missing}: add '<!-- generated:NAME -->' and "
            "'<!-- /generated:NAME -->' lines where the block belongs."
        )
    bodies = {n: render_block(n) for n in wanted}

    def _sub(m: re.Match) -> str:
        name = m["name"]
        return m.group(1) + bodies.get(name, m["body"]) + m.group(4)

    return _BLOCK.sub(_sub, text)


def drifted(path: Path = README_FILE) -> list[str]:
    """Names of blocks whose text in ``path`` differs from a fresh render."""
    text = path.read_text(encoding="utf-8")
    present = blocks_in(text)
    return [n for n in present if present[n] != render_block(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wigan_deal.readme", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report drift instead of rewriting")
    parser.add_argument("--readme", type=Path, default=README_FILE)
    args = parser.parse_args(argv)
    if not args.readme.is_file():
        print(f"error: {args.readme} is not a file: give --readme the README.md to render or check.", file=sys.stderr)
        return 2
    files = [args.readme] if args.readme != README_FILE else [README_FILE, *DOC_FILES]
    if args.check:
        bad = [f"{path.name}: {name}" for path in files for name in drifted(path)]
        if bad:
            print(f"Generated blocks out of date: {', '.join(bad)}. Run: python -m wigan_deal.readme", file=sys.stderr)
            return 1
        print("Generated blocks are up to date.")
        return 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"Rewrote generated blocks in {path}.")
        else:
            print(f"Generated blocks in {path} are up to date.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
