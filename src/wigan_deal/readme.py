"""``python -m wigan_deal.readme [--check]``: rewrite (or check) the generated README and docs blocks.

The blocks and their functions are in :mod:`wigan_deal.report.readme` (report layer, ordinary imports).
"""

from wigan_deal.report.readme import (
    BLOCKS,
    DOC_BLOCKS,
    DOC_FILES,
    README_FILE,
    ReadmeError,
    blocks_in,
    drifted,
    main,
    render,
    render_block,
)

__all__ = ["BLOCKS", "DOC_BLOCKS", "DOC_FILES", "README_FILE", "ReadmeError", "blocks_in", "drifted", "main", "render",
           "render_block"]

if __name__ == "__main__":
    raise SystemExit(main())
