"""Comparator sets for an area: England, GM or region, ONS nearest neighbours, all councils, deprivation peers.

Read side: built on :mod:`.lookup` (area codes) and :mod:`.loaders` (which areas have data for an indicator).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from .errors import DataError
from .geography import CODE_CHANGES, ENGLAND
from .loaders import areas_with_data
from .lookup import check_area
from .store import SourceMemo, read_extract, shared_extract

COMPARATOR_KINDS = ("england", "gm", "region", "nearest", "all", "deprivation")


#: extracts folder -> the area codes in its cached ``indicators.csv``
_WITH_ANY_DATA = SourceMemo(maxsize=2)


def _with_data(codes: list[str], indicator: str | None, vintage: str | None, extracts_dir) -> list[str]:
    if indicator is None:
        frame = shared_extract("indicators.csv", extracts_dir)  # the set of its ~40,000 rows' codes, once per extract
        present = _WITH_ANY_DATA.get(None if extracts_dir is None else str(extracts_dir), (frame,),
                                     lambda: frozenset(frame["area_code"]))
    else:
        present = areas_with_data(indicator, vintage, extracts_dir)
    return [c for c in codes if c in present]


#: memo of :func:`comparators`: key -> codes, reused only while the extracts they were computed from are the very
#: frames cached (a rebuilt or cleared extract recomputes)
_COMPARATORS = SourceMemo(maxsize=4096)
_COMPARATOR_SOURCES = ("areas.csv", "similar_areas.csv", "indicators.csv")


def comparators(area_code: str, kind: str = "nearest", indicator: str | None = None,
                vintage: str | None = None, extracts_dir: str | Path | None = None) -> list[str]:
    """Comparator area codes for ``area_code`` (see :func:`_comparators`), memoised per process: a report
    asks for the same lists ~60 times, and an atlas worker's kernel keeps them across notebooks."""
    plain = all(a is None or isinstance(a, str) for a in (area_code, kind, indicator, vintage))
    if not plain or not (extracts_dir is None or isinstance(extracts_dir, (str, Path))):
        return _comparators(area_code, kind, indicator, vintage, extracts_dir)
    key = (area_code, kind, indicator, vintage, None if extracts_dir is None else str(extracts_dir))
    sources = tuple(shared_extract(name, extracts_dir) for name in _COMPARATOR_SOURCES)
    return list(_COMPARATORS.get(key, sources, lambda: tuple(_comparators(area_code, kind, indicator, vintage,
                                                                          extracts_dir))))


def _comparators(area_code: str, kind: str = "nearest", indicator: str | None = None,
                 vintage: str | None = None, extracts_dir: str | Path | None = None) -> list[str]:
    """Comparator area codes for ``area_code`` (never including the area itself).

    * ``"england"``: ``["E92000001"]``.
    * ``"gm"``: the other Greater Manchester boroughs; for an area outside GM, the other upper-tier
      LAs of its region (the nearest analogue of a sub-regional peer group).
    * ``"region"``: the other upper-tier LAs of the area's region.
    * ``"nearest"``: the ONS similar-areas neighbours, in rank order, harmonised to the extracts' codes
      and restricted to upper-tier areas present in the indicator data (districts and Welsh/Scottish/NI
      areas drop out).
    * ``"all"``: every other upper-tier LA.
    * ``"deprivation"``: the councils closest to the area in IoD2019 average IMD score (absolute
      difference, ties broken by code), as many as the area's ``"nearest"`` list has (or
      ``config.DEPRIVATION_COMPARATORS_FALLBACK_N`` if it has none); only councils in ``areas.csv`` with
      an IoD2019 score (2019 geography); England and aggregates are never included.

    With ``indicator`` (and optionally ``vintage``) the list keeps only areas with data for it;
    otherwise ``"nearest"`` and ``"all"`` keep areas that appear anywhere in ``indicators.csv``.
    """
    code = check_area(area_code, extracts_dir)
    if not isinstance(kind, str) or kind.lower() not in COMPARATOR_KINDS:
        raise DataError(f"Unknown comparator kind {kind!r}: valid kinds are {list(COMPARATOR_KINDS)}.")
    kind = kind.lower()
    frame = read_extract("areas.csv", extracts_dir)
    upper = frame[frame["area_code"] != ENGLAND]
    if kind == "england":
        return [ENGLAND]
    if code == ENGLAND and kind in ("gm", "region", "nearest", "deprivation"):
        raise DataError(f"Comparator kind {kind!r} needs a local authority, not England ({ENGLAND}).")
    region = frame.loc[frame["area_code"] == code, "region_code"].iloc[0]
    if kind == "gm" and code in config.GREATER_MANCHESTER:
        codes = [c for c in config.GREATER_MANCHESTER if c != code]
    elif kind in ("gm", "region"):
        codes = sorted(upper.loc[upper["region_code"] == region, "area_code"])
    elif kind == "nearest":
        sims = read_extract("similar_areas.csv", extracts_dir)
        sims = sims[sims["area_code"].map(lambda c: CODE_CHANGES.get(c, c)) == code].sort_values("rank")
        codes = [c for c in dict.fromkeys(sims["neighbour_code_harmonised"]) if c in set(upper["area_code"])]
    elif kind == "deprivation":
        codes = _deprivation_neighbours(code, upper, extracts_dir)
    else:
        codes = sorted(upper["area_code"])
    codes = [c for c in codes if c != code]
    if indicator is not None or kind in ("nearest", "all"):
        codes = _with_data(codes, indicator, vintage, extracts_dir)
    return codes


#: (area code, extracts dir) -> the neighbours, kept while the extracts they came from are the cached ones: the
#: same for every indicator, which :func:`comparators` memoises separately
_DEPRIVATION = SourceMemo(maxsize=1024)


def _deprivation_neighbours(code: str, upper: pd.DataFrame, extracts_dir) -> list[str]:
    """Councils closest to ``code`` in IoD2019 average score (see :func:`comparators`), memoised while the extracts
    they come from (``upper`` is the areas extract's councils) are the cached ones."""
    sources = tuple(shared_extract(name, extracts_dir) for name in (*_COMPARATOR_SOURCES, "deprivation.csv"))
    key = (code, None if extracts_dir is None else str(extracts_dir))
    return list(_DEPRIVATION.get(key, sources, lambda: tuple(_deprivation_ranking(code, upper, extracts_dir))))


def _deprivation_ranking(code: str, upper: pd.DataFrame, extracts_dir) -> list[str]:
    iod = read_extract("deprivation.csv", extracts_dir)
    iod = iod[iod["area_code"].isin(set(upper["area_code"])) & ~iod["area_code"].str[:3].isin(
        config.AGGREGATE_PREFIXES)]
    score = dict(zip(iod["area_code"], iod["imd_average_score"], strict=True))
    if code not in score:
        raise DataError(
            f"Area {code} has no IoD2019 score (File 11 uses the 2019 upper-tier geography, e.g. Dorset UA "
            "E06000059 and Bournemouth, Christchurch and Poole E06000058 rather than the pre-2019 councils), "
            "so it has no deprivation comparators; use kind 'nearest' or 'region'."
        )
    n = len(comparators(code, "nearest", extracts_dir=extracts_dir)) or config.DEPRIVATION_COMPARATORS_FALLBACK_N
    others = sorted((abs(s - score[code]), c) for c, s in score.items() if c != code)
    return [c for _, c in others[:n]]
