"""Read side: adult social care outcomes from ``social_care_outcomes.csv`` plus the GM LG Inform series."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import DataError
from .geography import harmonise_codes
from .social_care import BREAKDOWNS, GM_INDICATORS, MEASURES, SOURCE_LABELS, fy_of
from .store import SourceMemo, shared_extract

#: the last :func:`_all_rows` result, reused only while the very extracts it came from are the cached ones
_ALL_ROWS = SourceMemo(maxsize=1)


def _all_rows(extracts_dir: str | Path | None) -> pd.DataFrame:
    """Every social care row (the extract plus the GM LG Inform series), built once per version of the
    extracts: a report asks ~50 times, an atlas worker's kernel keeps it across councils. Callers filter
    it into new frames (never modify it in place)."""
    sources = (shared_extract("social_care_outcomes.csv", extracts_dir), shared_extract("indicators.csv", extracts_dir))

    def build() -> pd.DataFrame:
        frame = pd.concat([sources[0], _gm_rows(lambda: sources[1])], ignore_index=True)
        frame["derived"] = frame["derived"].astype(bool)
        return frame

    return _ALL_ROWS.get(None if extracts_dir is None else str(extracts_dir), sources, build)


def _gm_rows(read_indicators) -> pd.DataFrame:
    ind = read_indicators()
    ind = ind[ind["indicator"].isin(GM_INDICATORS)]
    out = pd.DataFrame({
        "source": "lginform_gm", "measure_code": ind["indicator"].map(GM_INDICATORS),
        "financial_year": [fy_of(int(s))[0] for s in ind["period_start"]],
        "period_start": ind["period_start"], "period_end": ind["period_end"],
        "area_code": ind["area_code"], "area_name": ind["area_name"], "breakdown": "Total",
        "value": ind["value"], "derived": False, "flag": "",
    })
    return out


def _keep(frame: pd.DataFrame, column: str, wanted: str | Iterable[str] | None, valid: Iterable[str],
          what: str, plural: str) -> pd.DataFrame:
    """Rows whose ``column`` is in ``wanted`` (all rows for ``None``); an unknown value is a clear error."""
    if wanted is None:
        return frame
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    bad = [m for m in items if m not in valid]
    if bad:
        raise DataError(f"Unknown {what} {bad[0]!r}: valid {plural} are {sorted(valid)}.")
    return frame[frame[column].isin(items)]


def load_social_care(measures: str | Iterable[str] | None = None, areas: str | Iterable[str] | None = None,
                     sources: str | Iterable[str] | None = None, breakdown: str | None = "Total",
                     extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """Adult social care outcomes by measure code (e.g. ``"2A(2)"``), council and financial year.

    Rows from ``social_care_outcomes.csv`` (ASCOF processed 2018-19/2019-20, Oflog 2015-16..2022-23) plus
    the Greater Manchester LG Inform series of 2A(2) and 2B(1) (source ``lginform_gm``). Sources are never
    merged: a measure present in two sources appears twice, told apart by ``source``. ``areas`` filters
    by code WITHOUT checking them against ``areas.csv`` (reorganised councils have rows here only);
    ``breakdown`` ``None`` returns every breakdown. Adds ``title``, ``unit`` and ``higher_is_better``.
    """
    base = _all_rows(extracts_dir)
    key = _selection_key(measures, areas, sources, breakdown, extracts_dir)
    if key is None:
        return _select(base, measures, areas, sources, breakdown)
    out = _SELECTIONS.get(key, (base,), lambda: _select(base, measures, areas, sources, breakdown))
    return out.copy(deep=False)  # copy-on-write: the caller's edits never reach the cached frame


#: the last :func:`load_social_care` selections, kept while the :func:`_all_rows` frame they were cut from is the
#: current one: an atlas worker asks the same ones for every council (all councils of a measure) and a few of its own.
_SELECTIONS = SourceMemo(maxsize=256)


def _selection_key(measures, areas, sources, breakdown, extracts_dir) -> tuple | None:
    """A hashable key for one :func:`load_social_care` call, or ``None`` (not memoised) for unusual arguments."""

    def norm(value):
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
            return frozenset(value)  # filters by membership: order and repeats do not change the rows
        raise TypeError

    try:
        return (norm(measures), norm(areas), norm(sources), norm(breakdown),
                None if extracts_dir is None else str(extracts_dir))
    except TypeError:
        return None


def _select(base: pd.DataFrame, measures, areas, sources, breakdown) -> pd.DataFrame:
    frame = base
    frame = _keep(frame, "measure_code", measures, MEASURES, "social care measure", "codes")
    frame = _keep(frame, "source", sources, SOURCE_LABELS, "social care source", "sources")
    if areas is not None:
        codes = [areas] if isinstance(areas, str) else list(areas)
        frame = frame[frame["area_code"].isin(harmonise_codes(pd.Series(codes, dtype=object)))]
    if breakdown is not None:
        if breakdown not in BREAKDOWNS.values():
            raise DataError(f"Unknown breakdown {breakdown!r}: valid are {sorted(BREAKDOWNS.values())} or None.")
        frame = frame[frame["breakdown"] == breakdown]
    if frame is base:  # no filter: never add columns to the shared rows
        frame = frame.copy()
    frame["title"] = frame["measure_code"].map(lambda c: MEASURES[c].title)
    frame["unit"] = frame["measure_code"].map(lambda c: MEASURES[c].unit)
    frame["higher_is_better"] = frame["measure_code"].map(lambda c: MEASURES[c].higher_is_better)
    return frame.sort_values(["measure_code", "source", "area_code", "breakdown", "period_start"]).reset_index(drop=True)
