"""Every notebook figure of some councils drawn as a report draws it, and a pixel-for-pixel check against a reference.

Runs the report notebooks as plain Python (:func:`plain_driver.export_scripts`, papermill's parameters injected)
for each council, one after another in ONE process, in the "both" figure mode (a full report's). At every
``plt.show()`` and at each notebook's end every open figure is drawn as a report's kernel draws it: its PNG
(``plots._save_png``), its alt text (``plots.describe``) and, for a wide figure, its phone variant
(``plots.phone_png``). Writes ``OUT/<council>/<notebook>_<n>.png`` (and ``..._phone.png``) and ``OUT/alt.json``;
prints each council's CPU seconds of drawing.

    python benchmarks/figure_pixels.py OUT                           # E08000010 and E06000052
    python benchmarks/figure_pixels.py OUT --compare REF             # ... and check pixels and alt texts equal REF's

Run it once on the old code into REF and once on the new into OUT: a change that must not move a pixel passes
``--compare`` (decoded pixels are compared, so a different PNG encoding of the same image passes).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

from plain_driver import _NoIPython, export_scripts

COUNCILS = ("E08000010", "E06000052")


def capture(out: Path, councils: list[str]) -> dict[str, float]:
    """Draw every figure of ``councils``' notebooks into ``out``; returns each council's CPU seconds of drawing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wigan_deal import config, plots, results
    from wigan_deal.report.runner import discover_notebooks

    notebooks = [nb for nb in discover_notebooks(config.NOTEBOOKS_DIR) if nb.stem in config.NOTEBOOKS]
    alts, spent = {}, {}
    os.chdir(config.NOTEBOOKS_DIR)
    for code in councils:
        folder = out / code
        (folder / "scripts").mkdir(parents=True, exist_ok=True)
        scripts = export_scripts(notebooks, {**config.DEFAULT_PARAMETERS, "area_code": code}, folder / "scripts")
        spent[code] = 0.0
        for name, path in scripts:
            shown = [0]

            def draw(*_a, name=name, shown=shown, folder=folder, code=code, **_k) -> None:
                start = time.process_time()
                for number in plt.get_fignums():
                    fig = plt.figure(number)
                    if not fig.axes or plots.left_out(fig):
                        continue
                    shown[0] += 1
                    stem = f"{name}_{shown[0]}"
                    (folder / f"{stem}.png").write_bytes(plots._save_png(fig, fig.dpi))  # noqa: SLF001
                    alts[f"{code}/{stem}"] = plots.describe(fig)
                    if fig.get_figwidth() >= plots.WIDE_INCHES:
                        phone = plots.phone_png(fig, dpi=min(fig.dpi, plots.PHONE_DPI))
                        if phone:
                            (folder / f"{stem}_phone.png").write_bytes(phone)
                plt.close("all")
                spent[code] += time.process_time() - start

            plt.show = draw
            plots.set_figure_mode("both")
            namespace = {"__name__": "__main__", "get_ipython": _NoIPython, "display": lambda *_a, **_k: None}
            with contextlib.redirect_stdout(io.StringIO()), results.deferred():
                exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), namespace)  # noqa: S102
            draw()
        print(f"{code}: {sum(1 for _ in folder.glob('*.png'))} images, {spent[code]:.2f} CPU-s drawing", flush=True)
    (out / "alt.json").write_text(json.dumps(alts, indent=1, sort_keys=True), encoding="utf-8")
    return spent


def compare(out: Path, ref: Path) -> list[str]:
    """Differences between two captures: images missing on one side, decoded pixels or alt texts unequal."""
    import numpy as np
    from PIL import Image

    ours = {p.relative_to(out) for p in out.glob("*/*.png")}
    theirs = {p.relative_to(ref) for p in ref.glob("*/*.png")}
    problems = [f"only in one capture: {p}" for p in sorted(ours ^ theirs)]
    for rel in sorted(ours & theirs):
        a, b = np.asarray(Image.open(out / rel)), np.asarray(Image.open(ref / rel))
        if a.shape != b.shape or not np.array_equal(a, b):
            problems.append(f"pixels differ: {rel} ({a.shape} against {b.shape})")
    alt, ref_alt = (json.loads((p / "alt.json").read_text(encoding="utf-8")) for p in (out, ref))
    problems += [f"alt text differs: {k}" for k in sorted(set(alt) | set(ref_alt)) if alt.get(k) != ref_alt.get(k)]
    print(f"{len(ours & theirs)} images compared: " + ("identical" if not problems else f"{len(problems)} differences"))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--councils", nargs="+", default=list(COUNCILS))
    parser.add_argument("--compare", type=Path, metavar="REF", help="a capture of the same councils to compare with")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    ref = args.compare.resolve() if args.compare else None
    capture(out, args.councils)
    if ref is None:
        return 0
    problems = compare(out, ref)
    for line in problems[:40]:
        print("  " + line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
