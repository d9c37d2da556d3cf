"""Public loaders for the committed extracts (validated, cached, filtered)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, fmt
from ..periods import parse_period, period_midpoint
from .errors import ArgumentTypeError, DataError, UnknownIndicatorError, UnknownVintageError
from .lookup import check_areas
from .schema import FINANCE_SERVICES
from .sources import INDICATOR_SPECS
from .store import SourceMemo, read_extract, read_provenance, shared_extract

SEX_CHOICES = ("Male", "Female", "Persons")


def _as_list(value, what: str, valid: Iterable[str]) -> list[str]:
    valid = list(valid)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        raise ArgumentTypeError(f"{what} must be a string or a list of strings from {valid}, not {value!r}.")
    items = list(items)
    bad = [v for v in items if v not in valid]
    if bad:
        raise DataError(f"Unknown {what} {bad[0]!r}: valid values are {valid}.")
    return items


def _check_indicator(name) -> str:
    valid = sorted(INDICATOR_SPECS)
    if not isinstance(name, str):
        raise ArgumentTypeError(
            f"Indicator name must be a string, not {name!r} ({type(name).__name__}). Valid indicators: {valid}."
        )
    if name not in INDICATOR_SPECS:
        close = difflib.get_close_matches(name, valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownIndicatorError(f"Unknown indicator {name!r}.{hint} Valid indicators: {valid}.")
    return name


#: extracts folder -> the cached ``indicators.csv`` frame's rows split by indicator, and a catalogue memo
_BY_INDICATOR = SourceMemo(maxsize=2)


def _split(extracts_dir) -> tuple[dict[str, pd.DataFrame], dict]:
    """Rows of ``indicators.csv`` per indicator, computed once per cached extract (never modified)."""
    data = shared_extract("indicators.csv", extracts_dir)
    key = None if extracts_dir is None else str(extracts_dir)
    return _BY_INDICATOR.get(key, (data,), lambda: ({k: g for k, g in data.groupby("indicator", sort=False)}, {}))


def areas_with_data(name: str, vintage: str | None = None, extracts_dir=None) -> frozenset[str]:
    """Area codes with at least one row of indicator ``name`` in ``vintage`` (default vintage if None)."""
    memo = _split(extracts_dir)[1]
    key = ("areas", name, vintage)
    if key not in memo:
        memo[key] = frozenset(load_indicator(name, vintage=vintage, extracts_dir=extracts_dir)["area_code"])
    return memo[key]


def _indicator_rows(name: str, extracts_dir) -> pd.DataFrame:
    rows = _split(extracts_dir)[0].get(name)
    return rows if rows is not None else shared_extract("indicators.csv", extracts_dir).iloc[0:0]


def vintages(name: str, extracts_dir: str | Path | None = None) -> list[str]:
    """Vintages available for indicator ``name``, oldest first."""
    name = _check_indicator(name)
    memo = _split(extracts_dir)[1]
    if ("vintages", name) not in memo:
        memo[("vintages", name)] = sorted(_indicator_rows(name, extracts_dir)["vintage"].unique())
    return list(memo[("vintages", name)])


def default_vintage(name: str, extracts_dir: str | Path | None = None) -> str:
    """``config.REPORT_VINTAGE`` if the indicator has it, else its earliest vintage."""
    available = vintages(name, extracts_dir)
    return config.REPORT_VINTAGE if config.REPORT_VINTAGE in available else available[0]


def load_indicator(name: str, areas: str | Iterable[str] | None = None, sex: str | Iterable[str] | None = None,
                   vintage: str | None = None, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """One indicator as a tidy frame (``indicators.csv`` columns plus ``time`` = period midpoint).

    ``areas``: code/name or list (recoded GSS codes are accepted); ``sex``: 'Male'/'Female'/'Persons'
    or list; ``vintage``: ``None`` = the default vintage (:func:`default_vintage`), ``"all"`` = every
    vintage (tell them apart by the ``vintage`` column), or a specific vintage string.
    Sorted by area_code, sex, period_start (then vintage).
    """
    name = _check_indicator(name)
    available = vintages(name, extracts_dir)
    if vintage is None:
        vintage = default_vintage(name, extracts_dir)
    if not isinstance(vintage, str):
        raise ArgumentTypeError(f"vintage must be a string such as {available[0]!r}, 'all' or None, not {vintage!r}.")
    if vintage != "all" and vintage not in available:
        raise UnknownVintageError(
            f"Indicator {name!r} has no vintage {vintage!r}; its vintages are {available} "
            "(or pass vintage='all', or None for the default)."
        )
    key = _selection_key(name, vintage, areas, sex, extracts_dir)
    if key is None:
        return _select(name, vintage, areas, sex, extracts_dir).copy()
    sources = (_split(extracts_dir)[1], _areas_frame(areas, extracts_dir))
    frame = _SELECTIONS.get(key, sources, lambda: _select(name, vintage, areas, sex, extracts_dir))
    return frame.copy(deep=False)  # copy-on-write: the caller's edits never reach the cached frame


#: the last ``load_indicator`` selections, made from the indicator memo and the areas extract: an atlas worker
#: asks for the same selections for every council (the comparison councils, England) and ~200 of its own;
#: reused only while both extracts are the cached ones.
_SELECTIONS = SourceMemo(maxsize=1024)


def _selection_key(name: str, vintage: str, areas, sex, extracts_dir) -> tuple | None:
    """A hashable key for one ``load_indicator`` call, or ``None`` (not memoised) for unusual arguments."""

    def norm(value):
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
            return frozenset(value)  # a filter by membership: order and repeats do not change the rows
        raise TypeError

    try:
        return name, vintage, norm(areas), norm(sex), None if extracts_dir is None else str(extracts_dir)
    except TypeError:
        return None


def _areas_frame(areas, extracts_dir):
    """The cached ``areas.csv`` extract that area names and codes were checked against (``None``: no areas)."""
    return None if areas is None else shared_extract("areas.csv", extracts_dir)


def _sorted_rows(name: str, vintage: str, extracts_dir) -> pd.DataFrame:
    """One indicator's rows of one vintage (or 'all'), sorted, with ``time``; cached, never modified."""
    memo = _split(extracts_dir)[1]
    key = ("rows", name, vintage)
    if key not in memo:
        frame = _indicator_rows(name, extracts_dir)
        if vintage != "all":
            frame = frame[frame["vintage"] == vintage]
        frame = frame.sort_values(["area_code", "sex", "period_start", "vintage"]).reset_index(drop=True)
        frame["time"] = period_midpoint(frame["period_start"], frame["period_end"])
        memo[key] = frame
    return memo[key]


def _select(name: str, vintage: str, areas, sex, extracts_dir) -> pd.DataFrame:
    """The rows of ``areas`` and ``sex`` in :func:`_sorted_rows` (in its order, a new index), taken in one step:
    the rows of the areas (:func:`_area_rows`), then those of the sexes among them."""
    frame = _sorted_rows(name, vintage, extracts_dir)
    rows = None if areas is None else _area_rows(frame, name, vintage, check_areas(areas, extracts_dir), extracts_dir)
    if sex is not None:
        if rows is None:  # every area: the indicator's sexes are memoised, the mask is vectorised
            present = sorted(_sexes(frame, name, vintage, extracts_dir)) or list(SEX_CHOICES)
            allowed = _as_list(sex, f"sex for {name}", present)
            rows = np.flatnonzero(frame["sex"].isin(allowed).to_numpy())
        else:  # a few areas' rows: plain Python on a short array
            values = frame["sex"].to_numpy()[rows]
            allowed = set(_as_list(sex, f"sex for {name}", sorted(set(values)) or list(SEX_CHOICES)))
            rows = rows[np.fromiter((v in allowed for v in values), dtype=bool, count=len(values))]
    return (frame if rows is None else frame.take(rows)).reset_index(drop=True)


def _sexes(frame: pd.DataFrame, name: str, vintage: str, extracts_dir) -> frozenset:
    """The values of ``sex`` in :func:`_sorted_rows` ``frame`` of ``name`` and ``vintage`` (memoised)."""
    memo = _split(extracts_dir)[1]
    if ("sexes", name, vintage) not in memo:
        memo[("sexes", name, vintage)] = frozenset(frame["sex"])
    return memo[("sexes", name, vintage)]


def _area_rows(frame: pd.DataFrame, name: str, vintage: str, codes: list[str], extracts_dir) -> np.ndarray:
    """Positions of the rows of ``codes`` in ``frame`` (:func:`_sorted_rows`), in its order, as
    ``frame.area_code.isin(codes)`` selects them: the frame is sorted by area code, so each area's rows are one
    block (a mask over every row is several times slower)."""
    memo = _split(extracts_dir)[1]
    key = ("area_blocks", name, vintage)
    if key not in memo:
        values = frame["area_code"].to_numpy()
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(frame) else np.arange(0)
        blocks = {values[a]: (int(a), int(b)) for a, b in zip(starts, [*starts[1:], len(frame)], strict=True)}
        memo[key] = blocks if len(blocks) == len(starts) else None  # None: an area's rows are not contiguous
    blocks = memo[key]
    if blocks is None:
        return np.flatnonzero(frame["area_code"].isin(codes).to_numpy())
    picked = sorted(blocks[c] for c in set(codes) if c in blocks)
    return np.concatenate([np.arange(a, b) for a, b in picked]) if picked else np.arange(0)


def has_values(name: str, area_code: str, vintage: str, sex: str | None = None, extracts_dir=None) -> bool:
    """Whether ``area_code`` has a value of indicator ``name`` in ``vintage`` (or 'all') for ``sex`` (every sex
    when None or when the vintage has no rows of that sex), from the area's block of the sorted rows (the common
    answer of :func:`wigan_deal.data.gaps.no_data_reason`, without a mask over the indicator's rows)."""
    frame = _sorted_rows(name, vintage, extracts_dir)
    rows = _area_rows(frame, name, vintage, [area_code], extracts_dir)
    values = frame["value"].to_numpy(dtype=float)[rows]
    if sex is not None and sex in _sexes(frame, name, vintage, extracts_dir):
        values = values[frame["sex"].to_numpy()[rows] == sex]
    return bool((~np.isnan(values)).any())


def indicators(extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per indicator: metadata, vintages, default vintage, period coverage."""
    memo = _split(extracts_dir)[1]
    if "catalogue" not in memo:
        memo["catalogue"] = _catalogue(extracts_dir)
    return memo["catalogue"].copy()


def _catalogue(extracts_dir) -> pd.DataFrame:
    data = shared_extract("indicators.csv", extracts_dir)
    rows = []
    for spec in sorted(INDICATOR_SPECS.values(), key=lambda s: s.name):
        part = data[data["indicator"] == spec.name]
        if part.empty:
            continue
        default = config.REPORT_VINTAGE if config.REPORT_VINTAGE in set(part["vintage"]) else part["vintage"].min()
        first = part.sort_values(["period_start", "period_end"]).iloc[0]["period"]
        last = part.sort_values(["period_end", "period_start"]).iloc[-1]["period"]
        rows.append({
            "indicator": spec.name, "title": spec.title, "unit": spec.unit, "publisher": spec.publisher,
            "fingertips_id": spec.fingertips_id, "table": spec.table,
            "sexes": ";".join(s for s in SEX_CHOICES if s in set(part["sex"])),
            "vintages": ";".join(sorted(part["vintage"].unique())), "default_vintage": default,
            "first_period": first, "last_period": last, "period_type": spec.period_type,
            "higher_is_better": spec.higher_is_better, "n_areas": part["area_code"].nunique(), "notes": spec.notes,
        })
    out = pd.DataFrame(rows)
    out["fingertips_id"] = out["fingertips_id"].astype("Int64")
    return out


def _filter_areas(frame: pd.DataFrame, areas, extracts_dir) -> pd.DataFrame:
    if areas is None:
        return frame
    return frame[frame["area_code"].isin(check_areas(areas, extracts_dir))]


def load_finance(areas=None, services=None, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """RS net current expenditure (GBP thousand) by service; see ``flag`` for 2010/11 and derived rows."""
    wanted = None if services is None else tuple(_as_list(services, "service", FINANCE_SERVICES))
    # filtering the sorted rows gives the rows that sorting the filtered rows would (a stable sort: ties keep
    # their extract order either way), so the services' sorted rows are kept and only the areas are selected
    frame = _filter_areas(_finance_rows(wanted, extracts_dir), areas, extracts_dir)
    return frame.reset_index(drop=True)


#: services (None: all) and extracts dir -> the finance extract's rows of those services, sorted
_FINANCE_ROWS = SourceMemo(maxsize=64)


def _finance_rows(services: tuple[str, ...] | None, extracts_dir) -> pd.DataFrame:
    """The finance extract's rows of ``services`` sorted by area, service and year; kept while the extract is the
    cached one (shared, never modified: :func:`load_finance` returns new frames)."""
    data = shared_extract("finance.csv", extracts_dir)
    key = (None if services is None else frozenset(services), None if extracts_dir is None else str(extracts_dir))

    def sort() -> pd.DataFrame:
        rows = data if services is None else data[data["service"].isin(list(services))]
        return rows.sort_values(["area_code", "service", "period_start"], kind="stable")

    return _FINANCE_ROWS.get(key, (data,), sort)


ENGLAND_FINANCE_NAME = "England (sum of upper-tier councils)"


def england_finance_councils(service: str, financial_years=None, extracts_dir: str | Path | None = None,
                             areas: Sequence[str] | None = None) -> list[str]:
    """Upper-tier councils (or those of ``areas``) that report ``service`` in EVERY one of ``financial_years``
    (labels such as ``"2011/12"``; default: every year the service exists). The RS extract has no England row and
    no shire districts, so an England figure is a like-for-like sum over these councils, and a group's (``areas``)
    follows the same rule."""
    fin = load_finance(areas=None if areas is None else list(areas), services=[service],
                       extracts_dir=extracts_dir).dropna(subset=["value_gbp000"])
    if financial_years is not None:
        labels = [financial_years] if isinstance(financial_years, str) else list(financial_years)
        keys = {parse_period(y)[:2] for y in labels}
        fin = fin[[(a, b) in keys for a, b in zip(fin["period_start"], fin["period_end"], strict=True)]]
        n_years = len(keys)
    else:
        n_years = fin["financial_year"].nunique()
    counts = fin.groupby("area_code")["financial_year"].nunique()
    return sorted(counts[counts == n_years].index)


def england_finance(services, financial_years=None, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """England net current expenditure (GBP thousand) per financial year and service: the sum over
    :func:`england_finance_councils` of the FIRST service in ``services`` (like-for-like across
    ``financial_years``). Same columns as :func:`load_finance` (area_code ``E92000001``) plus ``n_areas``."""
    services = _as_list(services, "service", FINANCE_SERVICES)
    years = None if financial_years is None else (
        (financial_years,) if isinstance(financial_years, str) else tuple(financial_years))
    memo = _split(extracts_dir)[1]  # same answer for every area: computed once per extract
    key = ("england_finance", tuple(services), years, id(shared_extract("finance.csv", extracts_dir)))
    if key not in memo:
        memo[key] = _england_finance(services, financial_years, extracts_dir)
    return memo[key].copy()


def _england_finance(services, financial_years, extracts_dir) -> pd.DataFrame:
    codes = england_finance_councils(services[0], financial_years, extracts_dir)
    fin = load_finance(areas=None, services=services, extracts_dir=extracts_dir)
    fin = fin[fin["area_code"].isin(codes)]
    if financial_years is not None:
        labels = [financial_years] if isinstance(financial_years, str) else list(financial_years)
        keys = {parse_period(y)[:2] for y in labels}
        fin = fin[[(a, b) in keys for a, b in zip(fin["period_start"], fin["period_end"], strict=True)]]
    out = (
        fin.groupby(["financial_year", "period_start", "period_end", "service"], as_index=False)
        .agg(value_gbp000=("value_gbp000", lambda v: v.sum(min_count=1)), n_areas=("area_code", "nunique"))
        .assign(area_code=config.ENGLAND, area_name=f"{ENGLAND_FINANCE_NAME}, n={len(codes)}")
    )
    return out.sort_values(["service", "period_start"]).reset_index(drop=True)


def load_population(areas=None, extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """ONS MYE5 mid-year population, all ages, 2001-2019 (England, regions, upper-tier LAs)."""
    frame = read_extract("population.csv", extracts_dir)
    if areas is not None:
        codes = [a for a in ([areas] if isinstance(areas, str) else list(areas))]
        regions = [c for c in codes if isinstance(c, str) and c.upper().startswith("E12")]
        others = check_areas([c for c in codes if c not in regions], extracts_dir) if len(regions) < len(codes) else []
        frame = frame[frame["area_code"].isin(others + [r.upper() for r in regions])]
    return frame.sort_values(["area_code", "year"]).reset_index(drop=True)


def load_population_by_age(areas=None, sex: str | Iterable[str] | None = None,
                           extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """ONS MYE2 mid-2019 population by broad age (all_ages, 0-17, 18+, 65+) and sex."""
    frame = read_extract("population_age_2019.csv", extracts_dir)
    frame = frame[~frame["area_code"].str.startswith("E12")] if areas is not None else frame
    frame = _filter_areas(frame, areas, extracts_dir)
    if sex is not None:
        frame = frame[frame["sex"].isin(_as_list(sex, "sex", SEX_CHOICES))]
    return frame.sort_values(["area_code", "sex"]).reset_index(drop=True)


def load_spending_power(areas=None, series: str | Iterable[str] | None = None,
                        extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """(Core) spending power, GBP million; ``series`` separates the two definitions (never splice them)."""
    frame = _filter_areas(read_extract("core_spending_power.csv", extracts_dir), areas, extracts_dir)
    if series is not None:
        frame = frame[frame["series"].isin(_as_list(series, "series",
                                                     ["revenue_spending_power", "core_spending_power"]))]
    return fmt.explain_missing(frame.sort_values(["area_code", "column_year"]).reset_index(drop=True),
                               "that series is not published for that year (revenue spending power to 2015/16, "
                               "core spending power from 2016/17: two definitions, never joined)")


def load_similar_areas(extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """ONS similar-areas neighbours as published (plus ``neighbour_code_harmonised``)."""
    return read_extract("similar_areas.csv", extracts_dir)


def load_area_clusters(extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """ONS explore-local-statistics cluster letters per LA."""
    return read_extract("area_clusters.csv", extracts_dir)


def provenance(extracts_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per raw dataset: publisher, title, ids, URL, licence, vintage, raw sha256/size, extract."""
    prov = read_provenance(extracts_dir)
    rows = []
    for d in prov["datasets"]:
        extract = d.get("extract")
        rows.append({
            "dataset": d["dataset"], "role": d["role"], "extract": extract, "indicator": d.get("indicator"),
            "publisher": d["publisher"], "title": d["title"], "table": d.get("table"),
            "fingertips_id": d.get("fingertips_id"), "url": d["url"], "licence": d["licence"],
            "vintage": d["vintage"], "raw_path": d["raw"]["path"], "raw_sha256": d["raw"]["sha256"],
            "raw_size_bytes": d["raw"]["size_bytes"], "raw_sha256_matches_catalogue": d["raw"]["sha256_matches"],
            "output_rows": d.get("output_rows"),
            "extract_rows": prov["extracts"][extract]["rows"] if extract else None,
            "extract_sha256": prov["extracts"][extract]["sha256"] if extract else None,
            "notes": d.get("notes", ""),
        })
    out = pd.DataFrame(rows)
    for col in ("fingertips_id", "output_rows", "extract_rows"):
        out[col] = out[col].astype("Int64")
    return fmt.explain_missing(out, {
        "extract": "no extract is built from this file (its role is a cross-check, a record or a lookup)",
        "indicator": "not an indicator of indicators.csv (finance, population, comparator or social care tables)",
        "fingertips_id": "not published through Fingertips"})
