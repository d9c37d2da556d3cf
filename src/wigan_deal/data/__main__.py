"""Command line: ``python -m wigan_deal.data build|refresh|raw|origins``."""

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
    w = sub.add_parser("raw", help="download the raw files from their public origins (data/raw_sources.yml), "
                       "verify sha256, then move them into the raw folder")
    w.add_argument("--dest", type=Path, default=None, help="default: config.RAW_DOWNLOAD_DIR (git-ignored)")
    w.add_argument("--all", action="store_true", help="every catalogued file with an origin, not only the build's")
    w.add_argument("--retries", type=int, default=2, help="extra attempts per file (default 2)")
    w.add_argument("--mirror", default=None,
                   help="base URL serving the same <repo>/<commit>/<path> layout instead of raw.githubusercontent.com")
    o = sub.add_parser("origins", help="regenerate (--write) or check (--check) data/raw_sources.yml from SOURCES.md")
    o.add_argument("--write", action="store_true")
    o.add_argument("--check", action="store_true")
    o.add_argument("--raw-dir", type=Path, default=None, help="folder holding SOURCES.md (default ../shared/data/raw)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            from .build import build

            build(raw_dir=args.raw_dir, out_dir=args.out_dir)
        elif args.command == "raw":
            from .download import download_raw, needed_files, with_mirror

            records = with_mirror(needed_files(everything=args.all), args.mirror)
            download_raw(dest=args.dest, records=records, retries=args.retries)
        elif args.command == "origins":
            from .origins import check_registry, write_registry

            if args.write:
                print(f"wrote {write_registry(args.raw_dir)}")
            problems = check_registry(args.raw_dir)
            if problems:
                print("data/raw_sources.yml differs from SOURCES.md (run `python -m wigan_deal.data origins --write`):\n  "
                      + "\n  ".join(problems), file=sys.stderr)
                return 1
            print("data/raw_sources.yml agrees with SOURCES.md")
        else:
            from .refresh import DEFAULT_AREA_TYPE, refresh

            refresh(out_dir=args.out_dir, dry_run=args.dry_run,
                    area_type=args.area_type or DEFAULT_AREA_TYPE, names=args.indicators)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:  # e.g. --raw-dir naming a folder without the raw files
        print(f"error: {exc.filename} does not exist ({exc.strerror}); check the folder given to "
              f"{args.command} (see python -m wigan_deal.data {args.command} --help).", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
