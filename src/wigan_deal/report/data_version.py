"""Which data a report ran on: package version, extract checksums, and the vintage of each indicator.

:func:`data_manifest` reads ``data/provenance.json`` (whose extract checksums the loaders verify on
every read) and the indicator catalogue, and returns a JSON-ready dict that the runner writes into
``report.json``; :func:`render_data_section` turns it into the index's "Data version" section.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import wigan_deal
from wigan_deal import data

HLE_INDICATOR = "hle_birth"


def data_manifest(hle_vintage: str, extracts_dir: str | Path | None = None) -> dict[str, Any]:
    """Package version, sha256 of every extract, and per indicator the vintage the headline results use.

    ``hle_vintage`` is the report's HLE vintage parameter; every other indicator's headline results use
    its default (report-era) vintage, and later vintages appear only in the revision / latest-data checks.
    """
    prov = data.read_provenance(extracts_dir)
    extracts = {
        name: {"sha256": item["sha256"], "rows": item["rows"]} for name, item in sorted(prov["extracts"].items())
    }
    raw_by_vintage: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for ds in prov["datasets"]:
        if ds["role"] != "parsed" or not ds.get("indicator"):
            continue
        for name in ds["indicator"].split(";"):
            raw_by_vintage.setdefault((name, ds["vintage"]), []).append({
                "file": ds["dataset"], "sha256": ds["raw"]["sha256"],
                "origin": (ds.get("origin") or {}).get("url"),
            })
    indicators = []
    for row in data.indicators(extracts_dir).itertuples(index=False):
        vintages = row.vintages.split(";")
        used = hle_vintage if row.indicator == HLE_INDICATOR else row.default_vintage
        indicators.append({
            "indicator": row.indicator, "title": row.title, "vintage": used,
            "other_vintages": [v for v in vintages if v != used],
            "raw": raw_by_vintage.get((row.indicator, used), []),
        })
    other = {}
    for ds in prov["datasets"]:
        if ds["role"] == "parsed" and ds.get("extract") not in (None, "indicators.csv"):
            other.setdefault(ds["extract"], set()).add(ds["vintage"])
    return {
        "package_version": wigan_deal.__version__,
        "extracts": extracts,
        "indicators": indicators,
        "other_extract_vintages": {k: sorted(v) for k, v in sorted(other.items())},
    }


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "not available"


def render_data_section(manifest: Mapping[str, Any]) -> str:
    """HTML for the index: indicator vintages quoted, then the extracts' checksums."""
    rows = []
    for item in manifest["indicators"]:
        raw = "; ".join(f"{Path(r['file']).name} ({_short(r['sha256'])})" for r in item["raw"])
        rows.append(
            f"<tr><td>{escape(item['indicator'])}</td><td>{escape(item['title'])}</td>"
            f"<td>{escape(item['vintage'])}</td><td>{escape(', '.join(item['other_vintages']))}</td>"
            f"<td><code>{escape(raw)}</code></td></tr>"
        )
    for extract, vintages in manifest.get("other_extract_vintages", {}).items():
        rows.append(
            f"<tr><td>{escape(extract)}</td><td>(all series in this extract)</td>"
            f"<td>{escape(', '.join(vintages))}</td><td></td><td></td></tr>"
        )
    extracts = "".join(
        f"<tr><td>{escape(name)}</td><td class=\"num\">{item['rows']:,}</td>"
        f"<td><code>{escape(item['sha256'])}</code></td></tr>"
        for name, item in manifest["extracts"].items()
    )
    return "\n".join([
        '<h2 id="data-version">Data version</h2>',
        '<p class="meta">Headline results use the vintage shown for each indicator; later vintages appear only '
        "in the revision and latest-data checks. Raw file sha256 (first 12 characters) as in "
        "data/provenance.json.</p>",
        '<div class="wd-scroll wd-wide-table" tabindex="0" role="region" aria-label="Data vintages">'
        '<table class="vintages"><thead><tr><th>indicator</th><th>title</th><th>vintage of headline results'
        "</th><th>other vintages shown</th><th>raw file (sha256)</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></div>",
        '<div class="wd-scroll wd-wide-table" tabindex="0" role="region" aria-label="Data extracts">'
        '<table class="extracts"><thead><tr><th>extract</th><th>rows</th><th>sha256</th></tr></thead><tbody>'
        + extracts + "</tbody></table></div>",
    ])
