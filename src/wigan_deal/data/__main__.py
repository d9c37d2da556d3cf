"""Command line: ``python -m wigan_deal.data build|refresh``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wigan_deal.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild data/extracts and data/provenance.json from the raw files")
    b.add_argument("--raw-dir", type=Path, default=None, help="raw files (default: config.RAW_DIR)")
    b.add_argument("--out-dir", type=Path, default=None,
                   help="extracts folder (default: config.EXTRACTS_DIR); provenance.json goes beside it")
    r = sub.add_parser("refresh", help="download current Fingertips data into a separate extract")
    r.add_argument("--out-dir", type=Path, default=None, help="default: config.DOWNLOAD_DIR (git-ignored)")
    r.add_argument("--dry-run", action="store_true", help="print the URLs, download nothing")
    r.add_argument("--area-type", type=int, default=None, help="Fingertips area type id (default 502)")
    r.add_argument("--indicators", nargs="*", default=None, help="indicator names (default: all with an id)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            from .build import build

            build(raw_dir=args.raw_dir, out_dir=args.out_dir)
        else:
            from .refresh import DEFAULT_AREA_TYPE, refresh

            refresh(out_dir=args.out_dir, dry_run=args.dry_run,
                    area_type=args.area_type or DEFAULT_AREA_TYPE, names=args.indicators)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
