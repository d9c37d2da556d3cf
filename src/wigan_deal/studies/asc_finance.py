"""Adult social care finance (notebook 04): cash and per-head spending of the area, England and comparator
groups, percentage changes and adult social care's share of service spending."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import pandas as pd

from wigan_deal import config
from wigan_deal import data as wd

ENGLAND_FINANCE_LABEL = wd.ENGLAND_FINANCE_NAME



def _population_by_year() -> pd.DataFrame:
    return wd.load_population()[["area_code", "year", "population"]]



def england_finance(service: str, years: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`_england_finance` (cached: the same for every area)."""
    out, codes = _england_finance(service, None if years is None else tuple(years))
    return out.copy(), list(codes)



@functools.lru_cache(maxsize=32)
def _england_finance(service: str, years: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """England total of ``service``: sum over the upper-tier councils reporting it in EVERY one of
    ``years`` (default: every year the service exists), and their summed mid-year population.

    The RS extract has no England row (and no shire districts); councils with a missing year are left
    out of every year so the total is like-for-like. Returns (frame, codes used).
    """
    codes = wd.england_finance_councils(service, years)
    fin = wd.load_finance(areas=codes, services=[service]).dropna(subset=["value_gbp000"])
    if years is not None:
        fin = fin[fin["financial_year"].isin(years)]
    out = _sum_with_population(fin)
    out["area_code"], out["area_name"] = config.ENGLAND, f"{ENGLAND_FINANCE_LABEL}, n={len(codes)}"
    return out, codes



def _sum_with_population(fin: pd.DataFrame) -> pd.DataFrame:
    """Sum a finance frame per year; per head over the councils whose population is known (councils
    re-formed in 2019, e.g. Dorset, Poole, Bournemouth, Buckinghamshire, have no mid-year estimate
    under their old codes in the mid-2019 edition and are left out of the per-head figure only)."""
    pop = _population_by_year()
    fin = fin.merge(pop, left_on=["area_code", "period_start"], right_on=["area_code", "year"], how="left")
    fin["value_with_pop"] = fin["value_gbp000"].where(fin["population"].notna())
    out = fin.groupby(["financial_year", "period_start", "period_end"], as_index=False).agg(
        value_gbp000=("value_gbp000", "sum"), value_with_pop=("value_with_pop", "sum"),
        population=("population", "sum"), n_areas=("area_code", "nunique"),
        n_areas_per_head=("population", "count"))
    out["per_head_gbp"] = 1000 * out["value_with_pop"] / out["population"]
    return out.drop(columns="value_with_pop")



def finance_table(area_code: str, groups: dict[str, list[str]], service: str) -> pd.DataFrame:
    """Cash (GBP thousand) and per-head (GBP) net current expenditure on ``service`` by financial year
    for the area, England (:func:`england_finance`) and each comparator group (sum over the group's
    councils with a value in every year, per head of their summed population).

    Per head uses the ONS mid-year population of the year the financial year starts (mid-2011 for
    2011/12). Columns: area_code, area_name, role, financial_year, period_start, value_gbp000,
    population, per_head_gbp, index (first year = 100), n_areas, n_areas_per_head.
    """
    own = wd.load_finance(areas=[area_code], services=[service]).dropna(subset=["value_gbp000"])
    own = _sum_with_population(own).assign(area_code=area_code, area_name=wd.area_name(area_code), role="area")
    years = list(own["financial_year"])
    eng, _ = england_finance(service, years or None)
    frames = [own, eng.assign(role="England")]
    for label, codes in groups.items():
        codes = [c for c in codes if c != config.ENGLAND]
        if not codes:
            continue
        fin = wd.load_finance(areas=codes, services=[service]).dropna(subset=["value_gbp000"])
        fin = fin[fin["financial_year"].isin(years)]
        counts = fin.groupby("area_code")["financial_year"].nunique()
        keep = counts[counts == len(years)].index
        fin = fin[fin["area_code"].isin(keep)]
        if fin.empty:
            continue
        g = _sum_with_population(fin)
        g["area_code"] = g["area_name"] = label.replace("(mean", "(sum")
        frames.append(g.assign(role="comparator"))
    out = pd.concat(frames, ignore_index=True)
    order = out["role"].map({"area": 0, "England": 1, "comparator": 2})
    out = out.assign(_o=order).sort_values(["_o", "area_code", "period_start"], kind="stable")
    first = out.groupby("area_code")["value_gbp000"].transform("first")
    out["index"] = 100 * out["value_gbp000"] / first
    cols = ["area_code", "area_name", "role", "financial_year", "period_start", "value_gbp000", "population",
            "per_head_gbp", "index", "n_areas", "n_areas_per_head"]
    return out[cols].reset_index(drop=True)



def pct_change(table: pd.DataFrame, code: str, first: str, last: str, column: str = "value_gbp000") -> float:
    """Percentage change of ``column`` for ``code`` between two financial years (NaN if missing)."""
    sel = table[table["area_code"] == code].set_index("financial_year")[column]
    if first not in sel or last not in sel:
        return math.nan
    return float(100 * (sel[last] - sel[first]) / sel[first])



def asc_share(area_code: str) -> pd.DataFrame:
    """Adult social care as % of total service expenditure by year: the area, and England as the sum
    over the councils reporting both lines that year. Years without a total (2015/16, 2016/17 in our
    extract) are absent."""
    f = wd.load_finance(services=["adult_social_care", "total_service_expenditure"]).dropna(subset=["value_gbp000"])
    wide = f.pivot_table(index=["area_code", "financial_year"], columns="service", values="value_gbp000").dropna()
    wide = wide.reset_index()
    own = wide[wide["area_code"] == area_code].assign(area_name=wd.area_name(area_code), n_areas=1)
    eng = wide.groupby("financial_year", as_index=False).agg(
        adult_social_care=("adult_social_care", "sum"), total_service_expenditure=("total_service_expenditure", "sum"),
        n_areas=("area_code", "nunique"))
    eng = eng.assign(area_code=config.ENGLAND, area_name=ENGLAND_FINANCE_LABEL)
    out = pd.concat([own, eng], ignore_index=True)
    out["asc_share_pct"] = 100 * out["adult_social_care"] / out["total_service_expenditure"]
    return out[["area_code", "area_name", "financial_year", "adult_social_care", "total_service_expenditure",
                "asc_share_pct", "n_areas"]]

