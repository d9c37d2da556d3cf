"""Read the committed extracts with validation: checksum, columns, dtypes, duplicate keys, ranges.

Validated frames are cached per (file, mtime, size), so repeated loads in a notebook are cheap;
every call returns a fresh copy. Paths are resolved at call time from :mod:`wigan_deal.config`
(``EXTRACTS_DIR``, ``PROVENANCE_FILE``) unless ``extracts_dir`` is given, in which case the
provenance file is ``extracts_dir.parent / "provenance.json"`` (the layout ``build`` writes).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from . import social_care
from .errors import REBUILD_HINT, ChecksumError, DataError, MissingDataError
from .sources import INDICATOR_SPECS

STR, INT, FLOAT, BOOL = "str", "Int64", "float64", "boolean"

#: extract -> (column -> dtype, key columns)
SCHEMAS: dict[str, tuple[dict[str, str], list[str]]] = {
    "indicators.csv": (
        {"indicator": STR, "vintage": STR, "area_code": STR, "area_name": STR, "sex": STR, "period": STR,
         "period_start": INT, "period_end": INT, "value": FLOAT, "lower_ci": FLOAT, "upper_ci": FLOAT},
        ["indicator", "vintage", "area_code", "sex", "period"],
    ),
    "finance.csv": (
        {"area_code": STR, "area_name": STR, "la_class": STR, "financial_year": STR, "period_start": INT,
         "period_end": INT, "service": STR, "value_gbp000": FLOAT, "source": STR, "flag": STR},
        ["area_code", "financial_year", "service"],
    ),
    "population.csv": (
        {"area_code": STR, "area_name": STR, "geography": STR, "year": INT, "population": INT},
        ["area_code", "year"],
    ),
    "population_age_2019.csv": (
        {"area_code": STR, "area_name": STR, "geography": STR, "year": INT, "sex": STR, "all_ages": INT,
         "aged_0_17": INT, "aged_18_plus": INT, "aged_65_plus": INT},
        ["area_code", "sex"],
    ),
    "core_spending_power.csv": (
        {"area_code": STR, "area_name": STR, "la_class": STR, "region": STR, "column_year": INT,
         "financial_year": STR, "period_start": INT, "period_end": INT, "series": STR,
         "value_gbp_million": FLOAT},
        ["area_code", "column_year"],
    ),
    "areas.csv": (
        {"area_code": STR, "area_name": STR, "area_type": STR, "region_code": STR, "region_name": STR,
         "in_greater_manchester": BOOL, "dfe_la_number": INT, "cassr_code": INT},
        ["area_code"],
    ),
    "similar_areas.csv": (
        {"area_code": STR, "rank": INT, "neighbour_code": STR, "neighbour_code_harmonised": STR},
        ["area_code", "rank"],
    ),
    "area_clusters.csv": (
        {"area_code": STR, "area_name": STR, "global_cluster": STR, "economic_cluster": STR,
         "demographic_cluster": STR},
        ["area_code"],
    ),
    "social_care_outcomes.csv": (
        {"source": STR, "measure_code": STR, "financial_year": STR, "period_start": INT, "period_end": INT,
         "area_code": STR, "area_name": STR, "breakdown": STR, "value": FLOAT, "derived": BOOL, "flag": STR},
        ["source", "measure_code", "financial_year", "area_code", "breakdown"],
    ),
    "budget.csv": (
        {"area_code": STR, "area_name": STR, "la_class": STR, "ecode": STR, "financial_year": STR,
         "period_start": INT, "period_end": INT, "service": STR, "value_gbp000": FLOAT, "source": STR, "flag": STR},
        ["area_code", "financial_year", "service"],
    ),
    "deflator.csv": (
        {"financial_year": STR, "period_start": INT, "period_end": INT, "gdp_deflator": FLOAT, "pct_change": FLOAT},
        ["financial_year"],
    ),
    "deprivation.csv": (
        {"area_code": STR, "area_name": STR, "imd_average_score": FLOAT, "imd_rank_average_score": INT,
         "imd_average_rank": FLOAT, "imd_rank_average_rank": INT, "imd_prop_most_deprived_10pct": FLOAT,
         "imd_rank_prop_most_deprived_10pct": INT},
        ["area_code"],
    ),
}
VALUE_RANGES: dict[str, tuple[float, float]] = {
    "years": (0.0, 120.0), "gap": (-60.0, 60.0), "percent": (0.0, 100.0), "rate": (0.0, np.inf),
}


def extracts_dir(path: str | Path | None = None) -> Path:
    return Path(path) if path is not None else Path(config.EXTRACTS_DIR)


def provenance_file(path: str | Path | None = None) -> Path:
    if path is None:
        return Path(config.PROVENANCE_FILE)
    return Path(path).parent / "provenance.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _missing(path: Path) -> MissingDataError:
    return MissingDataError(
        f"Data file {path} is missing. Run `make data` (or `python -m wigan_deal.data build`) with the raw "
        "files present in ../shared/data/raw (or WIGAN_DEAL_RAW_DIR set), or restore it with `git checkout -- data/`."
    )


@functools.lru_cache(maxsize=8)
def _read_provenance(path: str, mtime_ns: int, size: int) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            loaded = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path} is corrupt (not valid JSON: {exc}); it records the checksum of every extract, so no "
            "data can be checked or loaded. Restore it with `git checkout -- data/provenance.json`, or "
            "rebuild it with `make data` (`python -m wigan_deal.data build`)."
        ) from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("extracts"), dict):
        raise DataError(
            f"{path} is corrupt: it must be a JSON object with an 'extracts' mapping of checksums. "
            "Restore it with `git checkout -- data/provenance.json`, or rebuild it with `make data`."
        )
    return loaded


def read_provenance(extracts: str | Path | None = None) -> dict:
    path = provenance_file(extracts)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _missing(path) from None
    return _read_provenance(str(path), st.st_mtime_ns, st.st_size)


def _validate(name: str, frame: pd.DataFrame, path: Path) -> None:
    dtypes, key = SCHEMAS[name]
    if list(frame.columns) != list(dtypes):
        raise DataError(f"{path}: columns {list(frame.columns)} differ from the expected {list(dtypes)}. {REBUILD_HINT}")
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        raise DataError(f"{path}: {int(dup.sum())} rows share a key {key}, e.g.\n{frame[dup].head(4)}\n{REBUILD_HINT}")
    if name == "indicators.csv":
        kinds = frame["indicator"].map({k: s.unit_kind for k, s in INDICATOR_SPECS.items()})
        if kinds.isna().any():
            bad = sorted(frame.loc[kinds.isna(), "indicator"].unique())
            raise DataError(f"{path}: unknown indicator(s) {bad}. {REBUILD_HINT}")
        lo = kinds.map(lambda k: VALUE_RANGES[k][0])
        hi = kinds.map(lambda k: VALUE_RANGES[k][1])
        out = frame["value"].isna() | (frame["value"] < lo) | (frame["value"] > hi)
        if out.any():
            raise DataError(f"{path}: {int(out.sum())} values missing or outside their unit's range, e.g.\n"
                            f"{frame[out].head(4)}\n{REBUILD_HINT}")
        if (frame["period_end"] < frame["period_start"]).any():
            raise DataError(f"{path}: period_end before period_start. {REBUILD_HINT}")
    if name.startswith("population"):
        counts = [c for c in frame.columns if c in ("population", "all_ages", "aged_0_17", "aged_18_plus", "aged_65_plus")]
        if (frame[counts] <= 0).any().any() or frame[counts].isna().any().any():
            raise DataError(f"{path}: non-positive or missing population counts. {REBUILD_HINT}")
    if name == "social_care_outcomes.csv":
        social_care.validate(frame, path)
    if name in ("finance.csv", "budget.csv") and frame["value_gbp000"].isna().any():
        raise DataError(f"{path}: missing value_gbp000. {REBUILD_HINT}")


@functools.lru_cache(maxsize=32)
def _load(path: str, mtime_ns: int, size: int, expected_sha: str) -> pd.DataFrame:
    file = Path(path)
    actual = _sha256(file)
    if actual != expected_sha:
        raise ChecksumError(
            f"{file.name} has been changed since it was built: sha256 {actual} does not match {expected_sha} "
            f"recorded in provenance.json. {REBUILD_HINT}"
        )
    name = file.name
    dtypes, _ = SCHEMAS[name]
    read_types = {c: ("float64" if t == FLOAT else "str") for c, t in dtypes.items()}
    frame = pd.read_csv(file, dtype=read_types, keep_default_na=False,
                        na_values={c: [""] for c, t in dtypes.items() if t == FLOAT})
    for col, kind in dtypes.items():
        if kind == INT:
            frame[col] = pd.to_numeric(frame[col].mask(frame[col] == "")).astype("Int64")
        elif kind == BOOL:
            frame[col] = frame[col].map({"True": True, "False": False}).astype("boolean")
        elif kind == STR:
            frame[col] = frame[col].mask(frame[col] == "")
    _validate(name, frame, file)
    return frame


def read_extract(name: str, extracts: str | Path | None = None) -> pd.DataFrame:
    """Validated copy of one extract (e.g. ``"indicators.csv"``)."""
    return shared_extract(name, extracts).copy()


def shared_extract(name: str, extracts: str | Path | None = None) -> pd.DataFrame:
    """The cached, validated extract itself (no copy: callers must not modify it). Loaders use it to
    avoid copying large extracts on every call; it is re-read when the file changes."""
    if name not in SCHEMAS:
        raise DataError(f"Unknown extract {name!r}; valid: {sorted(SCHEMAS)}.")
    path = extracts_dir(extracts) / name
    try:
        st = path.stat()  # one stat: existence, time and size (loaders call this thousands of times per report)
    except FileNotFoundError:
        raise _missing(path) from None
    prov = read_provenance(extracts)
    try:
        expected = prov["extracts"][name]["sha256"]
    except KeyError:
        raise MissingDataError(f"provenance.json has no entry for {name}. {REBUILD_HINT}") from None
    return _load(str(path), st.st_mtime_ns, st.st_size, expected)


def clear_cache() -> None:
    _load.cache_clear()
    _read_provenance.cache_clear()


def extracts_version() -> tuple[str, int, int]:
    """``(path, mtime_ns, size)`` of ``provenance.json``, which ``make data`` rewrites with the checksum of every
    extract it writes: the version key of anything memoised from the extracts (``(path, -1, -1)`` before a build)."""
    path = provenance_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        return str(path), -1, -1
    return str(path), st.st_mtime_ns, st.st_size


def data_cache(maxsize: int = 32):
    """``functools.lru_cache`` for a function of the extracts, keyed on :func:`extracts_version` too: after ``make
    data`` in a running kernel it computes afresh instead of serving the old data's result. Keeps ``cache_clear`` and
    ``__wrapped__``; like ``lru_cache``, the result is shared (callers must not modify it)."""

    def decorate(fn):
        @functools.lru_cache(maxsize=maxsize)
        def cached(_version, *args, **kwargs):
            return fn(*args, **kwargs)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return cached(extracts_version(), *args, **kwargs)

        wrapper.cache_clear = cached.cache_clear
        wrapper.cache_info = cached.cache_info
        return wrapper

    return decorate


class SourceMemo:
    """Results kept while the objects they were computed from are the very same objects (``is``): the memo of a
    selection from a cached extract (:func:`shared_extract`) follows a rebuilt, changed or cleared extract and any
    extracts folder, where :func:`data_cache` follows the default folder's version. Least recently used results
    go first beyond ``maxsize``. Results are shared: callers must not modify them."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, tuple[tuple[object, ...], Any]] = OrderedDict()

    def get(self, key: Hashable, sources: tuple[object, ...], compute: Callable[[], Any]) -> Any:
        """The result kept under ``key`` if it came from ``sources`` (the same objects), else ``compute()``, kept."""
        hit = self._items.get(key)
        if hit is not None and len(hit[0]) == len(sources) and all(a is b for a, b in zip(hit[0], sources, strict=True)):
            self._items.move_to_end(key)
            return hit[1]
        value = compute()
        self._items[key] = (sources, value)
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def sources(self, key: Hashable) -> tuple[object, ...] | None:
        """The objects the result under ``key`` was computed from (``None``: nothing kept)."""
        hit = self._items.get(key)
        return None if hit is None else hit[0]

    def clear(self) -> None:
        self._items.clear()
