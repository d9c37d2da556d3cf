"""Area lookup: list areas, resolve codes or names with helpful errors (comparator sets: :mod:`.peers`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .. import config
from .errors import ArgumentTypeError, DataError, UnknownAreaError
from .geography import CODE_CHANGES, ENGLAND, normalise_name
from .store import SourceMemo, read_extract, shared_extract


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


def edit_distance(a: str, b: str) -> int:
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


#: How far (edits) a code may be from a valid one to be suggested, and a name from a valid name.
CODE_SUGGEST_DISTANCE = 2
NAME_SUGGEST_RATIO = 0.75
#: Longest input echoed whole in a message; longer ones are shortened (:func:`short_repr`).
ECHO_LIMIT = 60


def short_repr(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)``, or its first ``limit`` characters and the length for long input (a message never
    echoes a 20,000-character argument)."""
    text = repr(value)
    if len(text) <= limit + 2:
        return text
    length = f", {len(value):,} characters" if isinstance(value, str) else ""
    return f"{text[:limit]}... (shortened{length})"


def _suggest(value: str, frame: pd.DataFrame, n: int = 3) -> str:
    """Up to ``n`` areas close to ``value``, as 'E08000010 (Wigan), ...'; '' if none is close.

    Close: a code within :data:`CODE_SUGGEST_DISTANCE` edits; a name whose words include the input's
    (``Hull`` -> Kingston upon Hull), or similar by :data:`NAME_SUGGEST_RATIO` (``Wigna`` -> Wigan).
    """
    name_of = dict(zip(frame["area_code"], frame["area_name"], strict=True))
    if _looks_like_code(value):
        distance = {c: edit_distance(value.upper(), c) for c in name_of}
        picks = sorted((c for c, d in distance.items() if d <= CODE_SUGGEST_DISTANCE), key=lambda c: (distance[c], c))
    else:
        key = normalise_name(value)
        words = key.split()
        lower = {normalise_name(name): code for code, name in name_of.items()}
        picks = [lower[m] for m in difflib.get_close_matches(key, list(lower), n=n, cutoff=NAME_SUGGEST_RATIO)]
        if words and len(key) >= 3:
            picks += sorted(code for name, code in lower.items()
                            if set(words) <= set(name.split()) or (len(words) > 1 and key in name))
    return ", ".join(f"{c} ({name_of[c]})" for c in list(dict.fromkeys(picks))[:n])


def _unknown_area_message(code: str, value: str, frame: pd.DataFrame) -> str:
    """One paragraph for an area that resolves to nothing: a list, a close match, or what is valid."""
    what = "area code" if _looks_like_code(value) else "area name"
    parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    if len(parts) > 1:
        return (f"{short_repr(code)} lists {len(parts)} areas; give one area at a time (a code such as "
                f"{config.WIGAN!r} or a name such as 'Wigan').")
    close = _suggest(value, frame)
    hint = (f"Did you mean {close}?" if close else
            f"No area's code or name is close to it: give an ONS code such as {config.WIGAN!r} or a council "
            "name such as 'Wigan'.")
    return f"Unknown {what} {short_repr(code)}. {hint} Use wigan_deal.data.areas() for the full list."


def _ambiguous_message(code: str, rows: pd.DataFrame) -> str:
    """Two councils of one name (an old county and the unitary authority that replaced it)."""
    listed = " or ".join(f"{c} ({n}, {t.lower()})" for c, n, t in
                         zip(rows["area_code"], rows["area_name"], rows["area_type"], strict=True))
    return (f"Area name {short_repr(code)} is ambiguous: {len(rows)} councils have that name, an earlier council "
            f"and the one that replaced it in a reorganisation. Give the code of the one you mean: {listed}.")


#: the cached ``areas.csv`` frame's codes and code -> name, kept while that frame is the cached one
_CODES = SourceMemo(maxsize=1)


def _codes_and_names(frame: pd.DataFrame) -> tuple[frozenset[str], dict[str, str]]:
    """The area codes of the cached ``areas.csv`` frame and code -> name, computed once per frame."""
    return _CODES.get(None, (frame,), lambda: (
        frozenset(frame["area_code"]),
        {str(c): str(n) for c, n in zip(frame["area_code"], frame["area_name"], strict=True)}))


def _codes(frame: pd.DataFrame) -> frozenset[str]:
    """The area codes of the cached ``areas.csv`` frame, computed once per frame."""
    return _codes_and_names(frame)[0]


def check_area(code: str, extracts_dir: str | Path | None = None) -> str:
    """Return the area code for ``code`` (a GSS code, a recoded GSS code, or a case-insensitive name).

    Raises :class:`UnknownAreaError` naming the value and the closest valid areas by code and name.
    """
    if not isinstance(code, str):
        raise ArgumentTypeError(
            f"Area must be a string GSS code such as {config.WIGAN!r} (Wigan) or an area name, not {short_repr(code)} "
            f"({type(code).__name__})."
        )
    frame = shared_extract("areas.csv", extracts_dir)
    value = code.strip()
    upper = value.upper()
    if upper in _codes(frame):
        return upper
    if upper in CODE_CHANGES:
        return CODE_CHANGES[upper]
    by_name = frame[frame["area_name"].str.lower() == value.lower()]
    if len(by_name) == 0:  # 'St Helens' for 'St. Helens', 'Bristol, City of' for 'Bristol'
        by_name = frame[frame["area_name"].map(normalise_name) == normalise_name(value)]
    if len(by_name) == 1:
        return str(by_name["area_code"].iloc[0])
    if len(by_name) > 1:
        raise UnknownAreaError(_ambiguous_message(code, by_name))
    raise UnknownAreaError(_unknown_area_message(code, value, frame))


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
    return _codes_and_names(shared_extract("areas.csv", extracts_dir))[1][code]
