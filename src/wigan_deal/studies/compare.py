"""Comparator groups, one area's series, group means and all-council panels (every council study uses them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wigan_deal import config
from wigan_deal import data as wd


def group_label(area_code: str, kind: str) -> str:
    """Readable name of a comparator kind for ``area_code`` ('gm' outside GM = regional peers)."""
    kind = kind.lower()
    if kind == "england":
        return "England"
    if kind == "gm":
        if area_code in config.GREATER_MANCHESTER:
            return "other GM boroughs (mean)"
        return "regional peers (mean; area is not in GM)"
    if kind == "region":
        return "regional peers (mean)"
    if kind == "nearest":
        return "ONS similar areas (mean)"
    if kind == "all":
        return "all other upper-tier LAs (mean)"
    return "chosen areas (mean)"



def comparator_groups(params: Any, indicator: str | None = None, vintage: str | None = None) -> dict[str, list[str]]:
    """Comparator groups of validated ``params`` as ``{label: [codes]}``, in the order requested.

    Kinds map to :func:`wigan_deal.data.comparators`; explicit codes form one 'chosen areas' group.
    With ``indicator`` (and ``vintage``) each group keeps only areas with data; a group can be empty
    (the notebooks say so and skip it). England is always first.
    """
    groups: dict[str, list[str]] = {"England": [config.ENGLAND]}
    chosen: list[str] = []
    for item in params.comparators:
        key = item.lower()
        if key in wd.COMPARATOR_KINDS:
            if key == "england":
                continue
            groups[group_label(params.area_code, key)] = wd.comparators(params.area_code, key)
        else:
            chosen.append(wd.check_area(item))
    if chosen:
        groups[group_label(params.area_code, "chosen")] = chosen
    if indicator is not None:
        present = wd.areas_with_data(indicator, vintage)
        groups = {k: [c for c in v if c in present] for k, v in groups.items()}
    return groups



def describe_groups(groups: dict[str, list[str]]) -> str:
    """'England (1 area); other GM boroughs (mean) (9 areas); ...' for markdown."""
    return "; ".join(f"{k} ({len(v)} area{'s' if len(v) != 1 else ''})" for k, v in groups.items())



def series(indicator: str, area_code: str, sex: str, vintage: str | None = None) -> pd.DataFrame:
    """One area's series (one sex, one vintage), ready for :func:`wigan_deal.its.fit_its`."""
    return wd.load_indicator(indicator, areas=[area_code], sex=sex, vintage=vintage)



def has_data(indicator: str, area_code: str, sex: str | None = None, vintage: str | None = None) -> bool:
    return not wd.load_indicator(indicator, areas=[area_code], sex=sex, vintage=vintage).empty



def group_means(indicator: str, groups: dict[str, list[str]], sex: str | Sequence[str] | None = None,
                vintage: str | None = None) -> pd.DataFrame:
    """Unweighted mean per period of each non-empty group (single-area groups are that area).

    Tidy columns: area_code (= group label), area_name, sex, period, period_start, period_end,
    time, value, lower_ci, upper_ci (CIs kept only for single-area groups), n_areas.
    """
    frames = []
    sex_key = sex if sex is None or isinstance(sex, str) else tuple(sex)
    for label, codes in groups.items():
        if not codes:
            continue
        mean = _group_mean(indicator, tuple(codes), sex_key, vintage)
        if mean is None:
            continue
        g = mean[0].copy(deep=False)  # copy-on-write: the columns added here never reach the memoised frame
        g["area_code"] = label
        g["area_name"] = mean[1] if len(codes) == 1 else label
        frames.append(g)
    if not frames:
        return pd.DataFrame(columns=["area_code", "area_name", "sex", "period", "period_start", "period_end",
                                     "time", "value", "lower_ci", "upper_ci", "n_areas"])
    return pd.concat(frames, ignore_index=True)



@wd.data_cache(maxsize=256)
def _group_mean(indicator: str, codes: tuple[str, ...], sex: str | tuple[str, ...] | None,
                vintage: str | None) -> tuple[pd.DataFrame, str] | None:
    """One group's mean per period and the name of its first area (``None``: no rows), memoised on the data
    version: the same groups (England, the GM boroughs, the non-GM councils) come back for every council."""
    f = wd.load_indicator(indicator, areas=list(codes), sex=sex if sex is None or isinstance(sex, str) else list(sex),
                          vintage=vintage)
    if f.empty:
        return None
    keys = ["sex", "period", "period_start", "period_end", "time"]
    grouped = f.groupby(keys)  # plain reductions: the same numbers as a named agg, a third of its time
    g = pd.DataFrame({"value": grouped["value"].mean(), "n_areas": grouped["value"].count(),
                      "lower_ci": grouped["lower_ci"].mean(), "upper_ci": grouped["upper_ci"].mean()}).reset_index()
    if len(codes) > 1:
        g[["lower_ci", "upper_ci"]] = np.nan
    return g, f["area_name"].iloc[0]


def trend_frame(indicator: str, area_code: str, groups: dict[str, list[str]],
                sex: str | Sequence[str] | None = None, vintage: str | None = None) -> pd.DataFrame:
    """The area's own series plus :func:`group_means` of the comparator groups (one frame)."""
    own = wd.load_indicator(indicator, areas=[area_code], sex=sex, vintage=vintage).assign(n_areas=1)
    out = pd.concat([own, group_means(indicator, groups, sex, vintage)], ignore_index=True)
    return out[["area_code", "area_name", "sex", "period", "period_start", "period_end", "time",
                "value", "lower_ci", "upper_ci", "n_areas"]]



def panel(indicator: str, sex: str, vintage: str | None = None, *, exclude: Iterable[str] = (),
          keep: str | None = None) -> pd.DataFrame:
    """All upper-tier LAs (England and ``exclude`` removed; ``keep`` never removed) for one series."""
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    drop = set(exclude) | {config.ENGLAND}
    drop.discard(keep)
    return f[~f["area_code"].isin(drop)].reset_index(drop=True)



def higher_is_better(indicator: str) -> bool:
    """The indicator's direction from the data layer's catalogue."""
    cat = wd.indicators().set_index("indicator")
    return bool(cat.loc[indicator, "higher_is_better"])



def coverage_series() -> list[str]:
    """Every series of the extracts, as :func:`coverage` names its rows: 'indicator (vintage)' for each vintage an
    indicator has for any area, and 'finance: service' for each finance line with a value."""
    return list(_coverage_series())


@wd.data_cache(maxsize=1)
def _coverage_series() -> tuple[str, ...]:
    """:func:`coverage_series`, the same for every council: once per data version."""
    names = [f"{name} ({v})" for name in wd.indicators()["indicator"]
             for v in wd.load_indicator(name, vintage="all")["vintage"].unique()]
    fin = wd.load_finance().dropna(subset=["value_gbp000"])
    return tuple(sorted(names + [f"finance: {s}" for s in fin["service"].unique()]))


def coverage(area_code: str) -> pd.DataFrame:
    """Number of values per 'indicator (vintage)' row and period start year for one area (0 = none). Every series of
    :func:`coverage_series` has a row, so a series the area lacks is a row of zeros (empty frame: no data at all)."""
    rows = []
    for name in wd.indicators()["indicator"]:
        f = wd.load_indicator(name, areas=[area_code], vintage="all")
        # one reduction per frame, not a sub-frame per group: the same counts in the same (sorted) group order
        for (vintage, start), n in f.groupby(["vintage", "period_start"])["value"].count().items():
            rows.append({"series": f"{name} ({vintage})", "period_start": int(start), "n": int(n)})
    fin = wd.load_finance(areas=[area_code]).dropna(subset=["value_gbp000"])
    for (service, start), n in fin.groupby(["service", "period_start"]).size().items():
        rows.append({"series": f"finance: {service}", "period_start": int(start), "n": int(n)})
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).pivot_table(index="series", columns="period_start", values="n", fill_value=0,
                                           aggfunc="sum")
    return table.reindex(sorted(set(table.index) | set(coverage_series())), fill_value=0)

