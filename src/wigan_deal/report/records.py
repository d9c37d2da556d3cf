"""What a report records about how it was made: the Python and key library versions, and executed
notebooks free of the absolute temporary paths of the run (a report folder can be moved or shared)."""

from __future__ import annotations

import functools
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from wigan_deal import config

#: libraries whose versions can change a number or a page
KEY_LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill", "nbconvert",
                 "nbformat", "jupyter_client", "ipykernel", "openpyxl", "pyyaml")


def environment_versions() -> dict[str, Any]:
    """``{"python": "3.11.x", "platform": ..., "libraries": {name: version or None}}`` (a new dict each call)."""
    python, implementation, system, libraries = _environment()
    return {"python": python, "implementation": implementation, "platform": system, "libraries": dict(libraries)}


@functools.lru_cache(maxsize=1)
def _environment() -> tuple[str, str, str, tuple[tuple[str, str | None], ...]]:
    """Looked up once per process: finding 13 installed distributions' metadata costs ~30 ms, and an atlas worker
    writes a ``report.json`` per council with the libraries it imported when it started."""
    libraries = []
    for name in KEY_LIBRARIES:
        try:
            libraries.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            libraries.append((name, None))
    return (platform.python_version(), platform.python_implementation(), platform.platform(terse=True),
            tuple(libraries))


def _relative(text: str, folder: Path) -> str:
    text = text.replace(str(folder) + "/", "")
    return text.replace(str(config.PROJECT_ROOT) + "/", "")


def strip_run_paths(nb: Any, folder: Path) -> Any:
    """Replace the run's absolute paths in an executed notebook (the injected ``results_path``, papermill's
    input/output paths) by paths relative to the report folder or the project; returns ``nb``."""
    folder = Path(folder)
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = _relative(cell.source, folder)
    pm = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if isinstance(pm.get(key), str):
            pm[key] = _relative(pm[key], folder)
    params = pm.get("parameters", {})
    for key, value in params.items():
        if isinstance(value, str):
            params[key] = _relative(value, folder)
    return nb
