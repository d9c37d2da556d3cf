"""Generated README blocks: sentences that quote results are computed, never typed.

``README.md`` holds blocks delimited by ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``.
:data:`BLOCKS` maps each NAME to ``"module:function"``, a function with no arguments that returns the
block's markdown, computed by the package from the committed extracts. ::

    python -m wigan_deal.readme           # rewrite every block in README.md and in DOC_FILES (docs/claims.md, ...)
    python -m wigan_deal.readme --check   # exit 1, naming the blocks, if any of them has drifted

``tests/test_readme.py`` runs the check for every block, so a README number cannot drift from the
result it quotes. This is the top layer: block functions live in their own domain modules and are
imported by name only when a block is rendered.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

from wigan_deal import config

README_FILE: Path = config.PROJECT_ROOT / "README.md"

#: block name -> "module:function" returning the block's markdown (no leading/trailing blank lines).
BLOCKS: dict[str, str] = {
    "version": "wigan_deal.readme:version_block",
    "its-primary": "wigan_deal.panel_coverage:readme_its_primary",
    "robustness": "wigan_deal.speccurve:readme_robustness",
    "claims": "wigan_deal.claims.proxy:claims_readme_block",
    "hle-noise": "wigan_deal.hle_noise:readme_block",
    "finance": "wigan_deal.claims:finance_readme_block",
    "citation": "wigan_deal.citation:readme_block",
    "premature_mortality": "wigan_deal.claims.proxy:premature_mortality_readme_block",
    "did_it_last": "wigan_deal.lasting:readme_block",
}

#: blocks in other documents (same markers), generated from the claims register where they quote it
DOC_BLOCKS: dict[str, str] = {
    "claims-verdicts": "wigan_deal.claims.docs:verdicts_block",
    "claims-written": "wigan_deal.claims.docs:written_block",
    "claims-amendments": "wigan_deal.claims.docs:amendments_block",
    "claims-rules": "wigan_deal.claims.docs:rules_block",
    "claims-results": "wigan_deal.claims.docs:results_block",
    "claims-data-needed": "wigan_deal.claims.docs:data_needed_block",
    "assumptions-register": "wigan_deal.claims.docs:assumptions_block",
}
#: documents other than README.md that hold generated blocks (rewritten and checked with it)
DOC_FILES: tuple[Path, ...] = (config.PROJECT_ROOT / "docs" / "claims.md",
                               config.PROJECT_ROOT / "docs" / "assumptions_and_caveats.md")

_BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)


class ReadmeError(ValueError):
    """A README block is missing, unknown or malformed."""


def version_block() -> str:
    """The package version, as the README states it."""
    import wigan_deal

    return f"**Version:** {wigan_deal.__version__}"


def block_function(name: str) -> Callable[[], str]:
    """The function that renders block ``name``."""
    spec = BLOCKS.get(name) or DOC_BLOCKS.get(name)
    if spec is None:
        raise ReadmeError(
            f"README block {name!r} has no generator: known blocks are {sorted(BLOCKS)}. "
            "Add it to wigan_deal.readme.BLOCKS or remove its markers from README.md."
        )
    module, _, func = spec.partition(":")
    return getattr(importlib.import_module(module), func)


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
