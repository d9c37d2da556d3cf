"""The atlas page's downloads and maps: the table as CSV and XLSX, a funnel plot of the primary estimate
against its precision, and a hex map of every council coloured by the primary estimate.

The hex map is the ODI Leeds upper-tier hexmap (``hexmap/uk-upper-tier-local-authorities.hexjson`` in the
raw folder; 2019 geography, "odd-r" offset rows), joined on the council code; councils created later have
no hex and are listed under the map.
"""

from __future__ import annotations

import csv
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wigan_deal import config, fmt

HEXMAP_FILE = Path(config.HEXMAP_FILE)
Z95 = 1.959963984540054


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def write_downloads(folder: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> list[str]:
    """``atlas.csv`` and ``atlas.xlsx``: the page's table, one row per council, numbers unrounded."""
    from openpyxl import Workbook

    headers = [h for _, h in columns]
    values = [[row.get(k) for k, _ in columns] for row in rows]
    with open(folder / "atlas.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows([["" if v is None else v for v in r] for r in values])
    book = Workbook()
    sheet = book.active
    sheet.title = "atlas"
    sheet.append(headers)
    for r in values:
        sheet.append(r)
    sheet.freeze_panes = "B2"  # the council name and the headers stay in view
    book.save(folder / "atlas.xlsx")
    return ["atlas.csv", "atlas.xlsx"]


def primary_of(results: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The first recorded primary estimate with a 95% interval (the notebooks' order), or ``None``."""
    from wigan_deal.report.answers import primary_estimates

    found = primary_estimates(results)
    return found[0] if found else None


def add_primary(row: dict[str, Any], results: Mapping[str, Mapping[str, Any]]) -> None:
    """Put the primary estimate, its interval, standard error and label into an atlas row."""
    item = primary_of(results)
    row["primary"] = item["value"] if item else None
    row["primary_lower"] = item["lower"] if item else None
    row["primary_upper"] = item["upper"] if item else None
    row["primary_key"] = item["key"] if item else None
    row["primary_label"] = item.get("label") if item else None
    row["primary_unit"] = item.get("unit") if item else None
    row["primary_se"] = (item["upper"] - item["lower"]) / (2 * Z95) if item else None


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _what(rows: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    first = next((r for r in rows if r.get("primary_key")), {})
    label = str(first.get("primary_label") or "primary estimate").removeprefix("PRIMARY: ")
    label = label.removeprefix(f"{first.get('area_name')} ")  # each council's own estimate, not one council's
    return label, str(first.get("primary_unit") or "")


def funnel_plot(folder: Path, rows: Sequence[Mapping[str, Any]], highlight: str) -> tuple[str, str, str] | None:
    """Funnel plot: each council's primary estimate against its precision (1/SE), with the precision-weighted
    mean and its 95% limits; ``(file, alt, caption)`` or ``None`` with fewer than two councils."""
    pts = [r for r in rows if _finite(r.get("primary")) and _finite(r.get("primary_se")) and r["primary_se"] > 0]
    if len(pts) < 2:
        return None
    plt = _pyplot()
    label, unit = _what(pts)
    w = [1 / r["primary_se"] ** 2 for r in pts]
    mean = sum(wi * r["primary"] for wi, r in zip(w, pts, strict=True)) / sum(w)
    prec = [1 / r["primary_se"] for r in pts]
    grid = [min(prec) * 0.9 + i * (max(prec) * 1.1 - min(prec) * 0.9) / 50 for i in range(51)]
    fig, ax = plt.subplots(figsize=(5.2, 3.6), dpi=80)
    ax.scatter(prec, [r["primary"] for r in pts], s=14, color="#6b7f99", label="councils")
    ax.plot(grid, [mean + Z95 / g for g in grid], color="0.4", lw=1, ls="--", label="95% limits")
    ax.plot(grid, [mean - Z95 / g for g in grid], color="0.4", lw=1, ls="--")
    ax.axhline(mean, color="0.3", lw=1)
    mine = next((r for r in pts if r["area_code"] == highlight), None)
    if mine:
        ax.scatter([1 / mine["primary_se"]], [mine["primary"]], s=50, color="#c0392b", zorder=5,
                   label=str(mine["area_name"]))
    ax.set_xlabel("precision (1 / standard error)", fontsize=9)
    ax.set_ylabel(f"{unit}", fontsize=9)
    ax.set_title(textwrap.fill(label, 60), fontsize=8.5)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    fig.savefig(folder / "funnel.png")
    plt.close(fig)
    outside = sum(1 for r in pts if abs(r["primary"] - mean) > Z95 * r["primary_se"])
    where = (f"; {mine['area_name']} is at {fmt.number(mine['primary'], 2, signed=True)} with precision "
             f"{fmt.number(1 / mine['primary_se'], 2)}" if mine else "")
    alt = (f"Funnel plot of {label} ({unit}) against its precision for {len(pts)} councils, precision-weighted mean "
           f"{fmt.number(mean, 2, signed=True)}; {outside} councils lie outside the 95% limits{where}.")
    return "funnel.png", alt, (f"Funnel plot: {label}, {len(pts)} councils ({outside} outside the 95% limits); "
                               "standard error read from each council's 95% interval as its width / 3.92")


def load_hexes(raw_dir: Path | None = None) -> dict[str, tuple[int, int]]:
    """``code -> (q, r)`` of every English council in the hexmap (empty if the file is absent)."""
    path = Path(raw_dir or config.RAW_DIR) / HEXMAP_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("layout") != "odd-r":
        raise ValueError(f"{path}: expected an 'odd-r' hexmap layout, found {data.get('layout')!r}.")
    return {code: (int(h["q"]), int(h["r"])) for code, h in data["hexes"].items() if code.startswith("E")}


def hex_map(folder: Path, rows: Sequence[Mapping[str, Any]], highlight: str,
            hexes: Mapping[str, tuple[int, int]] | None = None) -> tuple[tuple[str, str, str], list[str]] | None:
    """Hex map coloured by the primary estimate: ``((file, alt, caption), names of councils without a hex)``."""
    hexes = load_hexes() if hexes is None else hexes
    if not hexes:
        return None
    plt = _pyplot()
    from matplotlib.patches import RegularPolygon

    by_code = {r["area_code"]: r for r in rows}
    values = [r["primary"] for r in rows if _finite(r.get("primary")) and r["area_code"] in hexes]
    span = max((abs(v) for v in values), default=1.0) or 1.0
    cmap = plt.get_cmap("RdBu_r")
    fig, ax = plt.subplots(figsize=(4.6, 5.0), dpi=80)
    for code, (q, r) in hexes.items():
        x, y = q + (0.5 if r % 2 else 0.0), r * math.sqrt(3) / 2  # odd-r: odd rows shifted right
        value = by_code.get(code, {}).get("primary")
        colour = cmap(0.5 + value / (2 * span)) if _finite(value) else "#e6e6e6"
        ax.add_patch(RegularPolygon((x, y), 6, radius=0.57, facecolor=colour,
                                    edgecolor="#c0392b" if code == highlight else "white",
                                    lw=2.2 if code == highlight else 0.4, zorder=3 if code == highlight else 2))
    ax.autoscale_view()
    ax.margins(0.01)
    ax.set_aspect("equal")
    ax.axis("off")
    label, unit = _what(rows)
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(-span, span))
    fig.colorbar(mappable, ax=ax, shrink=0.6, label=unit)
    ax.set_title(textwrap.fill(label, 50), fontsize=8.5)
    fig.tight_layout()
    fig.savefig(folder / "hexmap.png")
    plt.close(fig)
    missing = sorted(f"{r['area_name']} ({r['area_code']})" for r in rows if r["area_code"] not in hexes)
    shown = sum(1 for c in hexes if _finite(by_code.get(c, {}).get("primary")))
    alt = (f"Hex map of {len(hexes)} English upper-tier councils (2019 boundaries), {shown} coloured by {label} "
           f"({unit}, blue below zero, red above, grey no value); {highlight} outlined in red.")
    return ("hexmap.png", alt, f"Hex map: {label}, {shown} councils with a value"), missing
