"""Area lookup: list areas, resolve codes or names with helpful errors, pick comparator sets."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .. import config
from .errors import ArgumentTypeError, DataError, UnknownAreaError
from .geography import CODE_CHANGES, ENGLAND, normalise_name
from .store import read_extract

COMPARATOR_KINDS = ("england", "gm", "region", "nearest", "all", "deprivation")


def areas(kind: str | None = None, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """``areas.csv``: England and every upper-tier LA in the extracts.

    ``kind``: ``None`` (all), ``"upper_tier"`` (all but England), ``"gm"`` (Greater Manchester) or an
    ``area_type`` ('England', 'Metropolitan District', 'Unitary Authority', 'County', 'London Borough'),
    case-insensitive.
    """
    frame = read_extract("areas.csv", extracts_dir)
    if kind is None:
        return frame
    if not isinstance(kind, str):
        raise ArgumentTypeError(f"areas(kind=...) must be a string or None, not {kind!r}.")
    types = sorted(frame["area_type"].unique())
    key = kind.strip().lower()
    if key == "upper_tier":
        return frame[frame["area_code"] != ENGLAND].reset_index(drop=True)
    if key == "gm":
        return frame[frame["in_greater_manchester"].fillna(False).astype(bool)].reset_index(drop=True)
    match = [t for t in types if t.lower() == key]
    if not match:
        raise DataError(f"Unknown area kind {kind!r}: valid kinds are None, 'upper_tier', 'gm' or one of {types}.")
    return frame[frame["area_type"] == match[0]].reset_index(drop=True)


def _edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (Levenshtein plus adjacent transpositions)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def _looks_like_code(value: str) -> bool:
    return len(value) >= 3 and value[0].isalpha() and sum(ch.isdigit() for ch in value) >= len(value) // 2


def _suggest(value: str, frame: pd.DataFrame, n: int = 3) -> str:
    """The ``n`` closest areas by code and by name, as 'E08000010 (Wigan), ...'."""
    name_of = dict(zip(frame["area_code"], frame["area_name"], strict=True))
    codes = sorted(name_of, key=lambda c: (_edit_distance(value.upper(), c), c))[:n]
    lower = {name.lower(): code for code, name in name_of.items()}
    names = [lower[m] for m in difflib.get_close_matches(value.lower(), list(lower), n=n, cutoff=0.5)]
    picks = codes + names if _looks_like_code(value) else (names or codes)
    return ", ".join(f"{c} ({name_of[c]})" for c in dict.fromkeys(picks))


def check_area(code: str, extracts_dir: str | Path | None = None) -> str:
    """Return the area code for ``code`` (a GSS code, a recoded GSS code, or a case-insensitive name).

    Raises :class:`UnknownAreaError` naming the value and the closest valid areas by code and name.
    """
    if not isinstance(code, str):
        raise ArgumentTypeError(
            f"Area must be a string GSS code such as {config.WIGAN!r} (Wigan) or an area name, not {code!r} "
            f"({type(code).__name__})."
        )
    frame = read_extract("areas.csv", extracts_dir)
    value = code.strip()
    upper = value.upper()
    if upper in set(frame["area_code"]):
        return upper
    if upper in CODE_CHANGES:
        return CODE_CHANGES[upper]
    by_name = frame[frame["area_name"].str.lower() == value.lower()]
    if len(by_name) != 1:  # 'St Helens' for 'St. Helens', 'Bristol, City of' for 'Bristol'
        by_name = frame[frame["area_name"].map(normalise_name) == normalise_name(value)]
    if len(by_name) == 1:
        return str(by_name["area_code"].iloc[0])
    what = "area code" if _looks_like_code(value) else "area name"
    raise UnknownAreaError(
        f"Unknown {what} {code!r}. Did you mean {_suggest(value, frame)}? "
        "Use wigan_deal.data.areas() for the full list."
    )


resolve_area = check_area


def check_areas(areas_: str | Iterable[str], extracts_dir: str | Path | None = None) -> list[str]:
    """``check_area`` for one code/name or a list of them; returns a list of codes."""
    if isinstance(areas_, str):
        return [check_area(areas_, extracts_dir)]
    if not isinstance(areas_, Iterable):
        raise ArgumentTypeError(f"areas must be a code, a name or a list of them, not {areas_!r}.")
    return [check_area(a, extracts_dir) for a in areas_]


def area_name(code: str, extracts_dir: str | Path | None = None) -> str:
    code = check_area(code, extracts_dir)
    frame = read_extract("areas.csv", extracts_dir)
    return str(frame.loc[frame["area_code"] == code, "area_name"].iloc[0])


def _with_data(codes: list[str], indicator: str | None, vintage: str | None, extracts_dir) -> list[str]:
    if indicator is None:
        data = read_extract("indicators.csv", extracts_dir)
        present = set(data["area_code"])
    else:
        from .loaders import load_indicator

        present = set(load_indicator(indicator, vintage=vintage, extracts_dir=extracts_dir)["area_code"])
    return [c for c in codes if c in present]


def comparators(area_code: str, kind: str = "nearest", indicator: str | None = None,
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


def _deprivation_neighbours(code: str, upper: pd.DataFrame, extracts_dir) -> list[str]:
    """Councils closest to ``code`` in IoD2019 average score (see :func:`comparators`)."""
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
