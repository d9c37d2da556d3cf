"""How to cite: ``CITATION.cff`` is the single source; the README's citation block is generated from it.

``tests/test_citation.py`` validates ``CITATION.cff`` against the CFF 1.2.0 schema and checks that its
version is the package version (``pyproject.toml``); :func:`readme_block` renders the README's
``citation`` block (``python -m wigan_deal.readme``), so the README cannot quote another version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wigan_deal import config

CITATION_FILE: Path = config.PROJECT_ROOT / "CITATION.cff"


def load_citation(path: str | Path | None = None) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(Path(path or CITATION_FILE).read_text(encoding="utf-8"))


def citation_text(cff: dict[str, Any] | None = None) -> str:
    """One-line human-readable citation built from ``CITATION.cff``."""
    cff = cff or load_citation()
    names = []
    for author in cff["authors"]:
        names.append(author.get("name") or f"{author['family-names']}, {author.get('given-names', '')}".strip(", "))
    year = str(cff.get("date-released", ""))[:4]
    return (f"{'; '.join(names)} ({year}). *{cff['title']}*, version {cff['version']}. "
            f"Code: {cff['license']} licence ([`LICENSE`](LICENSE)). Contains public sector information licensed "
            f"under the {config.LICENCE}.")


def readme_block() -> str:
    cff = load_citation()
    return "\n".join([
        f"This is version {cff['version']} of `wigan_deal` (the version is set once, in `pyproject.toml`; every "
        "report's `report.json` and `index.html` footer show it, next to the git commit and the sha256 of every "
        "extract used). Cite the software with the metadata in [`CITATION.cff`](CITATION.cff) (GitHub's \"Cite "
        "this repository\" button reads it), and name the data sources listed in `data/provenance.json`:",
        "",
        f"> {citation_text(cff)}",
    ])
