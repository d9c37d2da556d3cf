"""Exceptions raised by the data layer. All are ``ValueError`` subclasses via :class:`DataError`."""

from __future__ import annotations


class DataError(ValueError):
    """Base class for every data-layer error."""


class UnknownAreaError(DataError):
    """An area code or name that is not in ``areas.csv``."""


class UnknownIndicatorError(DataError):
    """An indicator name that is not in ``indicators.csv``."""


class UnknownVintageError(DataError):
    """A vintage that the indicator does not have."""


class MissingDataError(DataError):
    """A committed extract (or provenance file) is missing."""


class ChecksumError(DataError):
    """An extract's sha256 no longer matches ``data/provenance.json``."""


class RawDataError(DataError):
    """A raw input file is missing or has an unexpected layout (build time)."""


REBUILD_HINT = (
    "Rebuild the extracts with `make data` (or `python -m wigan_deal.data build`) with the raw "
    "files present in ../shared/data/raw (or downloaded with `make raw`, or WIGAN_DEAL_RAW_DIR set), or restore the committed "
    "files with `git checkout -- data/`."
)


class ArgumentTypeError(DataError, TypeError):
    """An argument of the wrong type (e.g. ``load_indicator(123)``); also a ``TypeError``."""
