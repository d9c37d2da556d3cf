"""wigan_deal: a reproducible evidence base for the claims of The King's Fund report
*A citizen-led approach to health and care: lessons from the Wigan Deal* (Naylor & Wellings, 2019).

Layers (data flows one way; lower layers never import higher ones)::

    config -> data -> its / synth -> claims / plots -> (notebooks) -> report
"""

from __future__ import annotations

import functools


@functools.cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wigan-deal")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
        return "0+unknown"


def __getattr__(name: str) -> str:
    """``__version__``, the package version (set once, in pyproject.toml; shown in every report), read from the
    installed metadata on first use: importing ``importlib.metadata`` costs every process that imports the package
    (each command, worker and kernel) about 40 ms, and most never show the version."""
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
