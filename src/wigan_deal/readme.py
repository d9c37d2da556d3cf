"""Generated README blocks: sentences that quote results are computed, never typed.

``README.md`` holds blocks delimited by ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``.
:data:`BLOCKS` maps each NAME to ``"module:function"``, a function with no arguments that returns the
block's markdown, computed by the package from the committed extracts. ::

    python -m wigan_deal.readme           # rewrite every block in README.md
    python -m wigan_deal.readme --check   # exit 1, naming the blocks, if README.md has drifted

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

_BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)


class ReadmeError(ValueError):
    """A README block is missing, unknown or malformed."""


def version_block() -> str:
    """The package version, as the README states it."""
    import wigan_deal

    return f"**Version:** {wigan_deal.__version__}"


def block_function(name: str) -> Callable[[], str]:
    """The function that renders block ``name``."""
    if name not in BLOCKS:
        raise ReadmeError(
            f"README block {name!r} has no generator: known blocks are {sorted(BLOCKS)}. "
            "Add it to wigan_deal.readme.BLOCKS or remove its markers from README.md."
        )
    module, _, func = BLOCKS[name].partition(":")
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
    if args.check:
        bad = drifted(args.readme)
        if bad:
            print(f"README blocks out of date: {', '.join(bad)}. Run: python -m wigan_deal.readme", file=sys.stderr)
            return 1
        print("README blocks are up to date.")
        return 0
    text = args.readme.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
        print(f"Rewrote generated blocks in {args.readme}.")
    else:
        print("README blocks are up to date.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
