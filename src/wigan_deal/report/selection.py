"""What a report run is asked for, checked before anything heavy is imported: its notebooks
(:func:`discover_notebooks`), its pages (:func:`parse_pages`) and its reports folder (:func:`check_output_folder`).

``python -m wigan_deal.report`` (and the atlas and sweep commands) answer a bad selection, ``--pages`` value or
reports folder from here, without importing papermill, nbconvert and the kernels' machinery
(:mod:`wigan_deal.report.runner`, which re-exports these names).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from wigan_deal import config
from wigan_deal.data import short_repr

#: A notebook of a folder other than the project's: ``NN_name.ipynb`` (no further dot: never a stray copy).
NOTEBOOK_PATTERN = re.compile(r"^\d\d_[^.]+\.ipynb$")
#: What a report writes: "both" (a reader page and a page with code per notebook) or "reader" (reader pages only,
#: every figure drawn once, as the atlas does; ``--pages reader``).
PAGES = ("both", "reader")


def parse_pages(value: str | None) -> str:
    """``--pages`` as given (any case, spaces around): one of :data:`PAGES` (``None``: the first); else one
    sentence naming the value and what is valid (``ValueError``)."""
    if value is None:
        return PAGES[0]
    pages = str(value).strip().lower()
    if pages not in PAGES:
        raise ValueError(f"--pages must be {' or '.join(PAGES)}, got {short_repr(value)}; nothing was run.")
    return pages


def discover_notebooks(notebook_dir: Path, select: Sequence[str] | None = None) -> list[Path]:
    """Notebooks ``NN_*.ipynb`` in ``notebook_dir`` (sorted); ``select`` keeps a subset.

    ``select`` items are two-digit prefixes (``"02"``) or full names (``"02_x"``, ``"02_x.ipynb"``).
    Raises ``ValueError`` naming unknown selections and the available notebooks.
    """
    found = _candidates(Path(notebook_dir))
    if not select:
        return found
    chosen: list[Path] = []
    unknown = []
    for item in select:
        key = item.strip().removesuffix(".ipynb")
        matches = [p for p in found if p.stem == key or p.stem.split("_", 1)[0] == key]
        if not matches:
            unknown.append(item)
        chosen.extend(m for m in matches if m not in chosen)
    if unknown:
        available = ", ".join(p.stem for p in found) or "none"
        raise ValueError(
            f"Unknown notebook selection {short_repr(', '.join(unknown))}: give two-digit prefixes "
            f"(e.g. '02,05') or names of notebooks in {notebook_dir}; available: {available}."
        )
    return sorted(chosen)


def _candidates(notebook_dir: Path) -> list[Path]:
    """The project's notebooks: exactly :data:`config.NOTEBOOKS`, in that order (a stray copy such as
    ``02_x.nbconvert.ipynb`` is never run). Another folder (tests, ``--notebook-dir``): every
    ``NN_name.ipynb`` whose name has no further dot."""
    if notebook_dir.resolve() == Path(config.NOTEBOOKS_DIR).resolve():
        listed = [notebook_dir / f"{stem}.ipynb" for stem in config.NOTEBOOKS]
        return [p for p in listed if p.exists()]
    return sorted(p for p in notebook_dir.glob("*.ipynb") if NOTEBOOK_PATTERN.match(p.name))


class OutputFolderError(ValueError):
    """The reports folder cannot be used (a file, read-only, ...); nothing was run."""


def check_output_folder(out_dir: Path) -> Path:
    """Create ``out_dir`` if needed and check a report can be written into it; return it resolved.

    Raises :class:`OutputFolderError` with one paragraph naming the folder and what to do.
    """
    out = Path(out_dir).expanduser()
    hint = "Give --out a folder you can write to (it is created if missing), such as reports/."
    blocking = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputFolderError(
            f"The reports folder {out} cannot be used: {blocking} is a file, not a folder, and a report is "
            f"a folder of HTML files. {hint}"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise OutputFolderError(
            f"The reports folder {out} is not writable ({exc.strerror or exc}), so no report can be written "
            f"there; nothing was run and nothing in it was changed. {hint}"
        ) from None
    return out.resolve()
