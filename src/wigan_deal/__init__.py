"""wigan_deal: a reproducible evidence base for the claims of The King's Fund report
*A citizen-led approach to health and care: lessons from the Wigan Deal* (Naylor & Wellings, 2019).

Layers (data flows one way; lower layers never import higher ones)::

    config -> data -> its / synth -> claims / plots -> (notebooks) -> report
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    #: The package version: set once, in pyproject.toml; shown in every report.
    __version__: str = _version("wigan-deal")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0+unknown"
