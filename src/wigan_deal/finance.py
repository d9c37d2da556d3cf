"""Council finance as a finance analyst reads it: budget against outturn, real terms, per head, every council.

Two analyses, each returning a result object with tidy tables and an ``effect_summary()`` in plain English:

* :func:`budget_vs_outturn` - adult social care START-OF-YEAR budget (RA) against OUTTURN (RS), every
  social-care council, every year 2011/12-2017/18: variance in GBP and as % of budget, cash and real terms,
  per adult (18+) and per person aged 65+, and each year's variance placed in the all-council distribution.
* :func:`real_terms_savings` - "GBP 140m saved": the real-terms change 2010/11 -> 2017/18 in net current
  expenditure excluding education and public health, total and per head, every council, with percentiles.

Definitions (also in ``docs/finance.md``):

* variance = outturn - budget (positive = spent more than the start-of-year budget); variance % = variance /
  budget x 100.
* percentile of a council's value among the OTHER councils that year = 100 x (number with a smaller value +
  half the number with an equal one) / number of other councils. For variances, 0 = furthest under budget and
  100 = furthest over; for savings, 0 = the largest real-terms fall. Rank 1 = the largest value.
* real terms: HM Treasury GDP deflator (March 2020), ``config.DEFLATOR_BASE`` prices; years outside the
  deflator's outturn years are an error (:class:`wigan_deal.data.DeflatorYearError`), never extrapolated.
* per head: adults (18+) and people aged 65+ from the ONS mid-2019 estimates (MYE2) - the only year with ages in
  our data - for EVERY year; total population of the year's mid-year (MYE5) for the savings per head.

Imports only ``config``, ``periods`` and ``data`` (the same layer as ``its``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wigan_deal import config
from wigan_deal import data as wd

AGE_DENOMINATOR_YEAR = 2019
SAVINGS_EXCLUDED = ("education", "public_health")


class FinanceDataError(wd.DataError):
    """The area (or a year) has no data for a finance analysis."""


def _years(first: str, last: str) -> list[str]:
    a, b = int(first[:4]), int(last[:4])
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(a, b + 1)]


def percentile_among_others(values: pd.Series, code: str) -> float:
    """100 x (others smaller + half of others equal) / number of others (see module docstring)."""
    x = values[code]
    others = values.drop(code).dropna()
    if others.empty or pd.isna(x):
        return math.nan
    return float(100.0 * ((others < x).sum() + 0.5 * (others == x).sum()) / len(others))


def percentiles_among_others(values: np.ndarray) -> np.ndarray:
    """:func:`percentile_among_others` for every element of ``values`` at once (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    v = np.sort(values[ok])
    if len(v) < 2:
        return out
    less = np.searchsorted(v, values[ok], "left")
    equal_others = np.searchsorted(v, values[ok], "right") - less - 1
    out[ok] = 100.0 * (less + 0.5 * equal_others) / (len(v) - 1)
    return out


def _fmt_m(gbp000: float, signed: bool = False) -> str:
    return f"GBP {gbp000 / 1000:{'+' if signed else ''},.1f}m"


# --- budget against outturn -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _budget_outturn_all(first: str, last: str, base: str) -> pd.DataFrame:
    years = _years(first, last)
    budget = wd.load_budget(services="adult_social_care", financial_years=years)
    budget = budget[budget["area_code"] != config.ENGLAND]
    outturn = wd.load_finance(services="adult_social_care")
    outturn = outturn[outturn["financial_year"].isin(years)]
    merged = budget[["area_code", "area_name", "financial_year", "value_gbp000"]].rename(
        columns={"value_gbp000": "budget_gbp000"}).merge(
        outturn[["area_code", "financial_year", "value_gbp000", "source"]].rename(
            columns={"value_gbp000": "outturn_gbp000", "source": "outturn_source"}),
        on=["area_code", "financial_year"], how="outer", indicator="_m")
    merged["both"] = merged["_m"] == "both"
    merged = merged.drop(columns="_m")
    merged["area_name"] = merged["area_name"].fillna(merged["area_code"])
    merged["variance_gbp000"] = merged["outturn_gbp000"] - merged["budget_gbp000"]
    merged["variance_pct"] = 100.0 * merged["variance_gbp000"] / merged["budget_gbp000"]
    factor = {y: wd.real_terms_factor(y, base) for y in years}
    f = merged["financial_year"].map(factor)
    for col in ("budget", "outturn", "variance"):
        merged[f"{col}_real_gbp000"] = merged[f"{col}_gbp000"] * f
    ages = wd.load_population_by_age(sex="Persons")
    ages = ages[ages["area_code"] != config.ENGLAND].set_index("area_code")
    merged["adults_18_plus_2019"] = merged["area_code"].map(ages["aged_18_plus"]).astype(float)
    merged["aged_65_plus_2019"] = merged["area_code"].map(ages["aged_65_plus"]).astype(float)
    for col in ("budget", "outturn", "variance"):
        merged[f"{col}_real_per_adult_gbp"] = 1000 * merged[f"{col}_real_gbp000"] / merged["adults_18_plus_2019"]
        merged[f"{col}_real_per_65_plus_gbp"] = 1000 * merged[f"{col}_real_gbp000"] / merged["aged_65_plus_2019"]
    merged["variance_percentile"] = np.nan
    merged["variance_rank"] = np.nan
    for _year, idx in merged[merged["both"]].groupby("financial_year").groups.items():
        values = merged.loc[idx, "variance_pct"]
        merged.loc[idx, "variance_percentile"] = percentiles_among_others(values.to_numpy())
        merged.loc[idx, "variance_rank"] = values.rank(ascending=False, method="min")
    n = merged[merged["both"]].groupby("financial_year").size().to_dict()
    merged["n_councils"] = merged["financial_year"].map(n)
    merged["variance_rank"] = merged["variance_rank"].astype("Int64")
    return merged.sort_values(["area_code", "financial_year"]).reset_index(drop=True)


def budget_outturn_table(years: tuple[str, str] = config.BUDGET_OUTTURN_YEARS,
                         base: str = config.DEFLATOR_BASE) -> pd.DataFrame:
    """Every council x year: RA budget, RS outturn, variance (GBP, %), real terms, per head, percentile, rank.

    ``both`` is False where a council lacks one of the two returns for the year (excluded from percentiles).
    """
    return _budget_outturn_all(_label(years[0]), _label(years[1]), _label(base)).copy()


def _label(year) -> str:
    from wigan_deal.data.parsers_finance import fy_label

    return fy_label(year)


def variance_distribution(table: pd.DataFrame) -> pd.DataFrame:
    """Per year: number of councils, median, quartiles, 10th/90th percentiles of the variance %."""
    ok = table[table["both"]]
    g = ok.groupby("financial_year")["variance_pct"]
    out = pd.DataFrame({
        "n_councils": g.size(), "p10": g.quantile(0.10), "q1": g.quantile(0.25), "median": g.median(),
        "q3": g.quantile(0.75), "p90": g.quantile(0.90),
        "share_over_budget_pct": g.apply(lambda s: 100.0 * (s > 0).mean()),
    })
    return out.reset_index()


@dataclass
class BudgetOutturnResult:
    """Budget vs outturn for one area, in the context of every council."""

    area_code: str
    area_name: str
    table: pd.DataFrame            #: the area's rows (one per year)
    distribution: pd.DataFrame     #: per-year all-council summary of variance %
    all_councils: pd.DataFrame = field(repr=False)
    base: str = config.DEFLATOR_BASE

    def year(self, financial_year: str) -> pd.Series:
        row = self.table[self.table["financial_year"] == _label(financial_year)]
        if row.empty:
            raise FinanceDataError(f"{self.area_name} has no budget-vs-outturn row for {financial_year}.")
        return row.iloc[0]

    def summary_table(self) -> pd.DataFrame:
        """Compact per-year table for display (GBP m, %, percentile, median and IQR of all councils)."""
        t = self.table.merge(self.distribution, on="financial_year", suffixes=("", "_all"))
        return pd.DataFrame({
            "year": t["financial_year"],
            "budget £m": (t["budget_gbp000"] / 1000).round(1),
            "outturn £m": (t["outturn_gbp000"] / 1000).round(1),
            "variance £m": (t["variance_gbp000"] / 1000).round(1),
            "variance %": t["variance_pct"].round(1),
            f"variance £m ({self.base} prices)": (t["variance_real_gbp000"] / 1000).round(1),
            "outturn £ per adult (real)": t["outturn_real_per_adult_gbp"].round(0),
            "outturn £ per 65+ (real)": t["outturn_real_per_65_plus_gbp"].round(0),
            "percentile": t["variance_percentile"].round(0),
            "rank (1 = most over)": t["variance_rank"].astype("string") + " of " + t["n_councils"].astype(str),
            "all-council median %": t["median"].round(1),
            "all-council IQR %": t["q1"].round(1).astype(str) + " to " + t["q3"].round(1).astype(str),
        })

    def effect_summary(self) -> str:
        first, last = self.table.iloc[0], self.table.iloc[-1]

        def one(row) -> str:
            d = self.distribution.set_index("financial_year").loc[row["financial_year"]]
            side = "above" if row["variance_gbp000"] > 0 else "below" if row["variance_gbp000"] < 0 else "equal to"
            return (f"in {row['financial_year']} adult social care outturn was {_fmt_m(abs(row['variance_gbp000']))} "
                    f"({row['variance_pct']:+.1f}%) {side} the start-of-year budget of {_fmt_m(row['budget_gbp000'])}, "
                    f"percentile {row['variance_percentile']:.0f} of {int(d['n_councils'])} councils (all-council "
                    f"median {d['median']:+.1f}%, IQR {d['q1']:+.1f}% to {d['q3']:+.1f}%)")

        over = int((self.table["variance_gbp000"] > 0).sum())
        return (
            f"{self.area_name}: {one(first)}; {one(last)}. Outturn exceeded budget in {over} of {len(self.table)} "
            f"years {first['financial_year']}-{last['financial_year']}. In {self.base} prices the "
            f"{last['financial_year']} variance is {_fmt_m(last['variance_real_gbp000'], True)}, "
            + (f"GBP {last['variance_real_per_adult_gbp']:+,.1f} per adult (18+, mid-2019 population). "
               if pd.notna(last["variance_real_per_adult_gbp"]) else f"{_no_population(self.area_code)}. ") +
            "RA is the budget set at the start of the year, not the in-year projection a committee sees, and budgets "
            "and outturns also differ through in-year transfers (e.g. the Better Care Fund), grants and recharges, "
            "so a variance is read against every other council's in the same year."
        )

    def per_head(self) -> pd.DataFrame:
        """Real-terms outturn per adult (18+) and per person 65+: the area against the all-council median and IQR."""
        ok = self.all_councils[self.all_councils["both"]]
        rows = []
        for col, who in (("outturn_real_per_adult_gbp", "per adult (18+)"),
                         ("outturn_real_per_65_plus_gbp", "per person aged 65+")):
            g = ok.groupby("financial_year")[col]
            area = self.table.set_index("financial_year")[col]
            for year in area.index:
                rows.append({"financial_year": year, "denominator": who, "area": area[year],
                             "median_council": g.median()[year], "q1": g.quantile(0.25)[year],
                             "q3": g.quantile(0.75)[year]})
        return pd.DataFrame(rows)

    def plot_per_head(self, ax=None):
        """Real-terms ASC outturn per adult (18+): the area against the middle half of councils."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 3.6))
        ph = self.per_head()
        ph = ph[ph["denominator"] == "per adult (18+)"].reset_index(drop=True)
        x = np.arange(len(ph))
        ax.fill_between(x, ph["q1"], ph["q3"], color="0.8", label="middle half of councils")
        ax.plot(x, ph["median_council"], color="0.35", label="median council")
        ax.plot(x, ph["area"], "o-", color="C3", lw=2, label=self.area_name)
        ax.set_xticks(x, ph["financial_year"])
        ax.set_ylabel(f"GBP per adult, {self.base} prices")
        ax.set_title("Adult social care net outturn per adult (18+, mid-2019 population), real terms", fontsize=10)
        ax.legend(fontsize=8)
        return ax

    def plot(self, ax=None):
        """The area's variance % each year against the all-council distribution (10-90% band, IQR, median)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 4))
        d = self.distribution
        x = np.arange(len(d))
        ax.fill_between(x, d["p10"], d["p90"], color="0.88", label="10th-90th percentile of all councils")
        ax.fill_between(x, d["q1"], d["q3"], color="0.72", label="middle half of councils (IQR)")
        ax.plot(x, d["median"], color="0.35", lw=1.5, label="median council")
        t = self.table.set_index("financial_year").reindex(d["financial_year"])
        ax.plot(x, t["variance_pct"], "o-", color="C3", lw=2.2, ms=7, label=self.area_name, zorder=5)
        for xi, (v, p) in enumerate(zip(t["variance_pct"], t["variance_percentile"], strict=True)):
            if pd.notna(v):
                ax.annotate(f"{p:.0f}th", (xi, v), textcoords="offset points", xytext=(0, 9), ha="center",
                            fontsize=8, color="C3")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(x, d["financial_year"])
        ax.set_ylabel("outturn minus budget, % of budget")
        ax.set_title(f"Adult social care: outturn against start-of-year budget, {self.area_name} vs all councils",
                     fontsize=10)
        ax.text(0.01, 0.02, "above 0 = spent more than budgeted; label = percentile among all councils",
                transform=ax.transAxes, fontsize=8, color="0.3")
        ax.legend(fontsize=8, loc="upper right")
        return ax


def _no_population(code: str) -> str:
    """Why a per-head figure is missing (instead of 'GBP nan per adult')."""
    gone = f", abolished in {wd.ABOLISHED[code]}" if code in wd.ABOLISHED else ""
    return f"no per-head figure (the population estimates we hold have no row for {wd.area_name(code)}{gone})"


def missing_returns_text(code: str, rows: pd.DataFrame, missing: Sequence[str]) -> str:
    """What is actually missing in the ``missing`` years: 'has no adult social care outturn (RS) for 2016/17,
    though its budget (RA) is held', or for a council created later 'did not exist in ... (created in 2021)'."""
    if code in wd.CREATED and all(int(y[:4]) < wd.CREATED[code] for y in missing):
        return f"did not exist in {', '.join(missing)} (created in {wd.CREATED[code]})"
    have = rows.set_index("financial_year")
    kinds: dict[str, list[str]] = {}
    for y in missing:
        budget = y in have.index and pd.notna(have.loc[y, "budget_gbp000"])
        outturn = y in have.index and pd.notna(have.loc[y, "outturn_gbp000"])
        kind = ("outturn (RS) for {}, though its budget (RA) is held" if budget and not outturn else
                "budget (RA) for {}, though its outturn (RS) is held" if outturn and not budget else
                "budget (RA) or outturn (RS) for {}")
        kinds.setdefault(kind, []).append(y)
    return "has no adult social care " + "; no ".join(k.format(", ".join(ys)) for k, ys in kinds.items())


def _instead(code: str) -> str:
    """What to run instead: the predecessor that holds a created council's data, else a council with data."""
    before = wd.predecessor_text(code)
    if before:
        return f"Its area's returns before {wd.CREATED[code]} are under {before}: run the report for that area."
    return "Choose a council with returns in every year, e.g. E08000010 (Wigan)."


def budget_vs_outturn(area: str, years: tuple[str, str] = config.BUDGET_OUTTURN_YEARS,
                      base: str = config.DEFLATOR_BASE) -> BudgetOutturnResult:
    """Budget vs outturn for ``area`` (code or name) in every year of ``years``, against all councils."""
    code = wd.check_area(area)
    first, last = _label(years[0]), _label(years[1])
    for y in (first, last, _label(base)):
        wd.real_terms_factor(y, base)  # raises DeflatorYearError naming the year if outside the deflator
    all_councils = _budget_outturn_all(first, last, _label(base)).copy()
    rows = all_councils[all_councils["area_code"] == code]
    wanted = _years(first, last)
    missing = [y for y in wanted if y not in set(rows.loc[rows["both"], "financial_year"])]
    if missing:
        raise FinanceDataError(
            f"{wd.area_name(code)} ({code}) {missing_returns_text(code, rows, missing)}: the comparison needs both "
            f"the RA budget and the RS outturn in every year {first}-{last}. {_instead(code)}"
        )
    return BudgetOutturnResult(code, wd.area_name(code), rows.reset_index(drop=True),
                               variance_distribution(all_councils), all_councils, _label(base))


# --- "GBP 140m saved" in real terms ------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _savings_all(first: str, last: str, base: str) -> pd.DataFrame:
    services = ["net_current_expenditure", *SAVINGS_EXCLUDED]
    fin = wd.load_finance(services=services)
    fin = fin[fin["financial_year"].isin([first, last])]
    wide = fin.pivot_table(index=["area_code", "financial_year"], columns="service", values="value_gbp000",
                           aggfunc="sum")
    wide = wide.reindex(columns=services)
    # public health did not exist before 2013/14: a missing line counts as 0; net current expenditure must exist
    wide["measure_gbp000"] = wide["net_current_expenditure"] - wide["education"].fillna(0) - wide["public_health"].fillna(0)
    wide.loc[wide["net_current_expenditure"].isna() | wide["education"].isna(), "measure_gbp000"] = np.nan
    m = wide["measure_gbp000"].unstack("financial_year").reindex(columns=[first, last])
    names = wd.load_finance(services="net_current_expenditure").drop_duplicates("area_code").set_index("area_code")["area_name"]
    out = pd.DataFrame({"area_code": m.index, "area_name": names.reindex(m.index).to_numpy(),
                        "cash_start_gbp000": m[first].to_numpy(), "cash_end_gbp000": m[last].to_numpy()})
    out["real_start_gbp000"] = out["cash_start_gbp000"] * wd.real_terms_factor(first, base)
    out["real_end_gbp000"] = out["cash_end_gbp000"] * wd.real_terms_factor(last, base)
    out["cash_change_gbp000"] = out["cash_end_gbp000"] - out["cash_start_gbp000"]
    out["real_change_gbp000"] = out["real_end_gbp000"] - out["real_start_gbp000"]
    out["real_change_pct"] = 100 * out["real_change_gbp000"] / out["real_start_gbp000"]
    pop = wd.load_population().set_index(["area_code", "year"])["population"]
    y0, y1 = int(first[:4]), int(last[:4])
    out["population_start"] = [pop.get((c, y0), np.nan) for c in out["area_code"]]
    out["population_end"] = [pop.get((c, y1), np.nan) for c in out["area_code"]]
    out["real_per_head_start_gbp"] = 1000 * out["real_start_gbp000"] / out["population_start"].astype(float)
    out["real_per_head_end_gbp"] = 1000 * out["real_end_gbp000"] / out["population_end"].astype(float)
    out["real_per_head_change_gbp"] = out["real_per_head_end_gbp"] - out["real_per_head_start_gbp"]
    out["both"] = out["real_change_pct"].notna()
    out["percentile"] = percentiles_among_others(out["real_change_pct"].where(out["both"]).to_numpy())
    out["rank_largest_fall"] = out["real_change_pct"].where(out["both"]).rank(method="min").astype("Int64")
    out["n_councils"] = int(out["both"].sum())
    return out.sort_values("area_code").reset_index(drop=True)


@dataclass
class SavingsResult:
    """Real-terms change in net current expenditure excluding education and public health, one area vs all."""

    area_code: str
    area_name: str
    row: pd.Series
    all_councils: pd.DataFrame = field(repr=False)
    years: tuple[str, str] = config.SAVINGS_YEARS
    base: str = config.DEFLATOR_BASE
    claimed_gbp000: float = 140000.0

    @property
    def england(self) -> pd.Series:
        """Sum over every council with both years (like-for-like)."""
        ok = self.all_councils[self.all_councils["both"]]
        s = ok[["cash_start_gbp000", "cash_end_gbp000", "real_start_gbp000", "real_end_gbp000",
                "population_start", "population_end"]].sum()
        s["real_change_pct"] = 100 * (s["real_end_gbp000"] / s["real_start_gbp000"] - 1)
        s["cash_change_pct"] = 100 * (s["cash_end_gbp000"] / s["cash_start_gbp000"] - 1)
        s["n_councils"] = len(ok)
        return s

    def distribution(self) -> pd.Series:
        v = self.all_councils.loc[self.all_councils["both"], "real_change_pct"]
        return pd.Series({"n_councils": len(v), "p10": v.quantile(0.1), "q1": v.quantile(0.25), "median": v.median(),
                          "q3": v.quantile(0.75), "p90": v.quantile(0.9)})

    def summary_table(self) -> pd.DataFrame:
        r, e = self.row, self.england
        return pd.DataFrame({
            "": [self.area_name, f"England (sum of {int(e['n_councils'])} councils)"],
            f"{self.years[0]} £m ({self.base} prices)": [r["real_start_gbp000"] / 1000, e["real_start_gbp000"] / 1000],
            f"{self.years[1]} £m ({self.base} prices)": [r["real_end_gbp000"] / 1000, e["real_end_gbp000"] / 1000],
            "real change £m": [r["real_change_gbp000"] / 1000, (e["real_end_gbp000"] - e["real_start_gbp000"]) / 1000],
            "real change %": [r["real_change_pct"], e["real_change_pct"]],
            "cash change £m": [r["cash_change_gbp000"] / 1000, (e["cash_end_gbp000"] - e["cash_start_gbp000"]) / 1000],
            "£ per head, start (real)": [r["real_per_head_start_gbp"],
                                         1000 * e["real_start_gbp000"] / e["population_start"]],
            "£ per head, end (real)": [r["real_per_head_end_gbp"], 1000 * e["real_end_gbp000"] / e["population_end"]],
        }).round(1)

    def effect_summary(self) -> str:
        r, d, e = self.row, self.distribution(), self.england
        return (
            f"{self.area_name}: net current expenditure excluding education and public health went from "
            f"{_fmt_m(r['real_start_gbp000'])} ({self.years[0]}) to {_fmt_m(r['real_end_gbp000'])} ({self.years[1]}) "
            f"in {self.base} prices, a real-terms change of {_fmt_m(r['real_change_gbp000'], True)} "
            f"({r['real_change_pct']:+.1f}%; cash {_fmt_m(r['cash_change_gbp000'], True)}); "
            + (f"per head GBP {r['real_per_head_start_gbp']:,.0f} -> GBP {r['real_per_head_end_gbp']:,.0f}. "
               if pd.notna(r["real_per_head_start_gbp"]) and pd.notna(r["real_per_head_end_gbp"])
               else f"{_no_population(self.area_code)}. ") + "Among "
            f"{int(d['n_councils'])} councils it is at percentile {r['percentile']:.0f} (0 = largest fall; rank "
            f"{r['rank_largest_fall']} for the size of the fall); the median council changed {d['median']:+.1f}% "
            f"(IQR {d['q1']:+.1f}% to {d['q3']:+.1f}%), England as a whole {e['real_change_pct']:+.1f}%. The claim "
            f"is savings of more than {_fmt_m(self.claimed_gbp000)}; a real-terms fall in spending is the "
            "analyst's proxy for savings, not a measure against what the council would otherwise have spent."
        )

    def plot(self, ax=None):
        """Every council's real-terms % change (sorted), the area highlighted."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 3.6))
        ok = self.all_councils[self.all_councils["both"]].sort_values("real_change_pct").reset_index(drop=True)
        colors = ["C3" if c == self.area_code else "0.7" for c in ok["area_code"]]
        ax.bar(np.arange(len(ok)), ok["real_change_pct"], color=colors, width=1.0)
        i = int(ok.index[ok["area_code"] == self.area_code][0]) if self.area_code in set(ok["area_code"]) else None
        if i is not None:
            ax.annotate(f"{self.area_name}\n{ok.loc[i, 'real_change_pct']:+.1f}%", (i, ok.loc[i, "real_change_pct"]),
                        xytext=(0, -28), textcoords="offset points", ha="center", fontsize=8, color="C3",
                        arrowprops={"arrowstyle": "-", "color": "C3"})
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("councils, largest real-terms fall on the left")
        ax.set_ylabel(f"real-terms change %, {self.years[0]}-{self.years[1]}")
        ax.set_title("Net current expenditure excluding education and public health, real terms", fontsize=10)
        return ax


def real_terms_savings(area: str, years: tuple[str, str] = config.SAVINGS_YEARS,
                       base: str = config.DEFLATOR_BASE) -> SavingsResult:
    """Real-terms change in net current expenditure excluding education and public health, ``area`` vs all."""
    code = wd.check_area(area)
    first, last = _label(years[0]), _label(years[1])
    for y in (first, last):
        wd.real_terms_factor(y, base)  # DeflatorYearError naming the year if outside the deflator
    table = _savings_all(first, last, _label(base)).copy()
    hit = table[table["area_code"] == code]
    if hit.empty or not bool(hit["both"].iloc[0]):
        raise FinanceDataError(
            f"{wd.area_name(code)} ({code}) has no RS net current expenditure and education outturn for both "
            f"{first} and {last} (the RS workbooks cover social-care councils; England has no row), so its "
            f"real-terms change cannot be computed. {_instead(code)}"
        )
    return SavingsResult(code, wd.area_name(code), hit.iloc[0], table, (first, last), _label(base))

