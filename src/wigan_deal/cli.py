"""The ``wigan-deal`` command: one entry point for every task of the project.

``wigan-deal report|atlas|sweep|data|raw|lab|its ...`` hands the rest of the command line to the module that
does the work (the ``python -m wigan_deal.…`` entry points keep working and are the same code):

=========  =============================================  ==========================================
command    does                                           same as
=========  =============================================  ==========================================
report     execute the notebooks for one area             ``python -m wigan_deal.report``
atlas      every council + the all-council page           ``python -m wigan_deal.report.atlas``
sweep      many variants, locally or on Dask, resumable   ``python -m wigan_deal.report.sweep``
data       rebuild extracts, refresh, check origins       ``python -m wigan_deal.data``
raw        download the raw files (verified by sha256)    ``python -m wigan_deal.data raw``
lab        JupyterLab on the notebooks folder             ``make lab``
its        the primary comparative method on your panel   ``python -m wigan_deal.report.own_series``
=========  =============================================  ==========================================

``wigan-deal COMMAND --help`` shows that command's parameters with their types and defaults.
Arguments are passed to Python as a list, never through a shell.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Sequence

from wigan_deal import config


def _report(argv: Sequence[str]) -> int:
    from wigan_deal.report.__main__ import main

    return main(argv, exit_on_stop=True)  # the command is a process of its own


def _atlas(argv: Sequence[str]) -> int:
    from wigan_deal.report.atlas import main

    return main(argv)


def _data(argv: Sequence[str]) -> int:
    from wigan_deal.data.__main__ import main

    return main(list(argv))


def _raw(argv: Sequence[str]) -> int:
    return _data(["raw", *argv])


def _sweep(argv: Sequence[str]) -> int:
    from wigan_deal.report.sweep import main

    return main(argv, exit_on_stop=True)  # the command is a process of its own


def _its(argv: Sequence[str]) -> int:
    from wigan_deal.report.own_series import main

    return main(argv)


def _lab(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="wigan-deal lab", description="JupyterLab on the notebooks folder, "
                                     "with this environment's Python as the notebooks' kernel.")
    parser.add_argument("--port", type=int, default=None, metavar="INT",
                        help="port for JupyterLab (type: int; default: JupyterLab's own, 8888)")
    args = parser.parse_args(list(argv))
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={config.NOTEBOOKS_DIR}"]
    if args.port is not None:
        cmd.append(f"--port={args.port}")
    return subprocess.call(cmd)


#: command -> (function taking the rest of the command line, one-line help)
COMMANDS: dict[str, tuple[Callable[[Sequence[str]], int], str]] = {
    "report": (_report, "execute every notebook for one area, write reports/<area>/"),
    "atlas": (_atlas, "every English upper-tier council and the all-council atlas page"),
    "data": (_data, "rebuild data/ extracts (build), refresh, check raw origins"),
    "raw": (_raw, "download the raw files from their public origins (sha256-verified)"),
    "sweep": (_sweep, "many reports (areas x break years x vintages x sexes), locally or on a Dask cluster"),
    "lab": (_lab, "JupyterLab on the notebooks folder (kernel: this environment)"),
    "its": (_its, "your own panel CSV: the project's primary comparative method, HTML report"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wigan-deal",
        description="Reproducible evidence base for the Wigan Deal: reports, the all-council atlas, data, "
                    "and your own series. `wigan-deal COMMAND --help` lists a command's parameters.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, text) in COMMANDS.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        shown = name if len(name) <= 40 else name[:37] + "..."
        print(f"wigan-deal: {shown!r} is not a command. Valid commands: "
              f"{', '.join(COMMANDS)} (`wigan-deal --help` describes them).", file=sys.stderr)
        return 2
    return int(COMMANDS[name][0](rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
