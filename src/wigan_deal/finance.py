"""Council finance as a finance analyst reads it: budget against outturn, real terms, per head, every council.

Two analyses, each returning a result object with tidy tables and an ``effect_summary()`` in plain English:

* :func:`budget_vs_outturn` - adult social care START-OF-YEAR budget (RA) against OUTTURN (RS), every
  social-care council, every year 2011/12-2017/18: variance in GBP and as % of budget, cash and real terms,
  per adult (18+) and per person aged 65+, and each year's variance placed in the all-council distribution.
* :func:`real_terms_savings` - "GBP 140m saved": the real-terms change 2010/11 -> 2017/18 in net current
  expenditure excluding education and public health, total and per head, every council, with percentiles.
* :func:`cash_change` - the one cash change in net current expenditure on a service line, less other lines
  (e.g. total service expenditure excluding public health), between two financial years the caller names: the
  claims register's cash rule and notebook 04 both call it, each with its own years; England's is the sum of the
  councils reporting the line in both years, and :func:`group_cash_change` gives a comparator group's by that rule.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wigan_deal import config, fmt
from wigan_deal import data as wd
from wigan_deal.periods import parse_period

AGE_DENOMINATOR_YEAR = 2019
SAVINGS_EXCLUDED = ("education", "public_health")
#: what the council controls: also without housing benefit (paid for DWP) and levies set by other bodies
CONTROLLED_EXCLUDED = ("education", "public_health", "housing_benefit", "levies")
#: lines that may be absent from a year's return (public health before 2013/14; no housing benefit or levy)
_MISSING_AS_ZERO = ("public_health", "housing_benefit", "levies")
#: the savings measure's base years: the last year before the Deal, and the first year of the Deal
SAVINGS_BASE_YEARS = ("2010/11", "2011/12")
#: councils "with a similar fall in spending power": this many nearest in the real-terms % change of revenue
#: spending power 2011/12 -> 2015/16 (the one consistent series over the window; core spending power starts 2016/17)
CSP_NEIGHBOURS = 30
CSP_YEARS = ("2011/12", "2015/16")
LA_CLASS_NAMES = {"MD": "metropolitan districts", "UA": "unitary authorities", "SC": "county councils",
                  "L": "London boroughs"}


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


# --- budget against outturn -------------------------------------------------------------------------------
@wd.data_cache(maxsize=4)
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
    from wigan_deal.data.schema import fy_label

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


def year_to_year_swings(table: pd.DataFrame) -> pd.DataFrame:
    """Every council's change in variance % between consecutive years (both returns in both years)."""
    ok = table[table["both"]].sort_values(["area_code", "financial_year"])
    start = ok["financial_year"].str[:4].astype(int)
    prev_year = start.groupby(ok["area_code"]).shift()
    swing = ok["variance_pct"] - ok.groupby("area_code")["variance_pct"].shift()
    out = ok.assign(swing_pp=swing)[(start - prev_year) == 1]
    return out[["area_code", "area_name", "financial_year", "variance_pct", "swing_pp"]].reset_index(drop=True)


@dataclass(frozen=True)
class BalanceNoise:
    """How far from budget, and how much from year to year, councils' ASC variances move (all councils).

    ``band_pp`` (B): median over every council-year of |outturn - budget| as % of budget - a council within B of
    budget is no further from it than the typical council-year ("balanced"). ``swing_pp`` (S): median over every
    council and pair of consecutive years of |change in the variance %| - a move of at least S is larger than the
    typical year-to-year swing ("from overspend"). Both are medians of absolute values: one standard.
    """

    band_pp: float
    swing_pp: float
    n_council_years: int
    n_swings: int
    sd_by_year: pd.Series          #: cross-council SD of the variance % per year
    share_outside_band_by_year: pd.Series  #: % of councils further than B from budget, per year
    years: tuple[str, str]

    def text(self) -> str:
        sd = self.sd_by_year
        out = self.share_outside_band_by_year
        return (f"'Balanced' band B = ±{fmt.percent(self.band_pp)} of budget (median distance from budget over "
                f"{self.n_council_years} council-years {self.years[0]}-{self.years[1]}); 'from overspend' swing "
                f"S = {fmt.number(self.swing_pp, 1)} percentage points (median year-to-year change of a council's variance, "
                f"{self.n_swings} council year-pairs); cross-council SD of the variance {fmt.number(sd.min(), 1)}-{fmt.number(sd.max(), 1)} "
                f"points by year, {fmt.number(out.min(), 0)}-{fmt.percent(out.max(), 0)} of councils outside the band each year")


def balance_noise(years: tuple[str, str] = config.BUDGET_OUTTURN_YEARS) -> BalanceNoise:
    """The 'balanced' band and 'from overspend' swing of the asc_balance rule, from every council's variances (the
    same for every council: computed once per data version and shared, so callers must not modify its series)."""
    return _balance_noise(tuple(years))


@wd.data_cache(maxsize=4)
def _balance_noise(years: tuple[str, str]) -> BalanceNoise:
    table = budget_outturn_table(years)
    ok = table[table["both"]]
    band = float(ok["variance_pct"].abs().median())
    swings = year_to_year_swings(table)["swing_pp"]
    by_year = ok.groupby("financial_year")["variance_pct"]
    return BalanceNoise(
        band_pp=band, swing_pp=float(swings.abs().median()), n_council_years=len(ok), n_swings=len(swings),
        sd_by_year=by_year.std(), share_outside_band_by_year=by_year.apply(lambda v: 100.0 * (v.abs() > band).mean()),
        years=(_label(years[0]), _label(years[1])),
    )


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
        rows = np.flatnonzero(self.table["financial_year"].to_numpy() == _label(financial_year))
        if not len(rows):
            raise FinanceDataError(f"{self.area_name} has no budget-vs-outturn row for {financial_year}.")
        return self.table.iloc[rows[0]]

    def summary_table(self) -> pd.DataFrame:
        """Compact per-year table for display (GBP m, %, percentile, median and IQR of all councils)."""
        t = self.table.reset_index(drop=True)
        d = self.distribution.set_index("financial_year").reindex(t["financial_year"])

        def rounded(column: str, digits: int, scale: float = 1.0, source: pd.DataFrame = t) -> np.ndarray:
            return np.round(source[column].to_numpy(dtype=float) / scale, digits)

        q1, q3 = rounded("q1", 1, source=d).astype(str), rounded("q3", 1, source=d).astype(str)
        return pd.DataFrame({
            "year": t["financial_year"],
            "budget £m": rounded("budget_gbp000", 1, 1000),
            "outturn £m": rounded("outturn_gbp000", 1, 1000),
            "variance £m": rounded("variance_gbp000", 1, 1000),
            "variance %": rounded("variance_pct", 1),
            f"variance £m ({self.base} prices)": rounded("variance_real_gbp000", 1, 1000),
            "outturn £ per adult (real)": rounded("outturn_real_per_adult_gbp", 0),
            "outturn £ per 65+ (real)": rounded("outturn_real_per_65_plus_gbp", 0),
            "percentile": rounded("variance_percentile", 0),
            "rank (1 = most over)": t["variance_rank"].astype("string") + " of " + t["n_councils"].astype(str),
            "all-council median %": rounded("median", 1, source=d),
            "all-council IQR %": [f"{a} to {b}" for a, b in zip(q1, q3, strict=True)],
        })

    def effect_summary(self) -> str:
        first, last = self.table.iloc[0], self.table.iloc[-1]

        def one(row) -> str:
            d = self.distribution.set_index("financial_year").loc[row["financial_year"]]
            side = "above" if row["variance_gbp000"] > 0 else "below" if row["variance_gbp000"] < 0 else "equal to"
            return (f"in {row['financial_year']} adult social care outturn was {fmt.money_m(abs(row['variance_gbp000']))} "
                    f"({fmt.percent(row['variance_pct'], signed=True)}) {side} the start-of-year budget of {fmt.money_m(row['budget_gbp000'])}, "
                    f"percentile {fmt.number(row['variance_percentile'], 0)} of {int(d['n_councils'])} councils (all-council "
                    f"median {fmt.percent(d['median'], signed=True)}, IQR {fmt.percent(d['q1'], signed=True)} to {fmt.percent(d['q3'], signed=True)})")

        over = int((self.table["variance_gbp000"] > 0).sum())
        return (
            f"{self.area_name}: {one(first)}; {one(last)}. Outturn exceeded budget in {over} of {len(self.table)} "
            f"years {first['financial_year']}-{last['financial_year']}. In {self.base} prices the "
            f"{last['financial_year']} variance is {fmt.money_m(last['variance_real_gbp000'], signed=True)}, "
            + (f"GBP {fmt.number(last['variance_real_per_adult_gbp'], 1, signed=True)} per adult (18+, mid-2019 population). "
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
                ax.annotate(f"{fmt.number(p, 0)}th", (xi, v), textcoords="offset points", xytext=(0, 9), ha="center",
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
    present = set(rows.loc[rows["both"], "financial_year"])
    missing = [y for y in wanted if y not in present]
    if missing:
        raise FinanceDataError(
            f"{wd.area_name(code)} ({code}) {missing_returns_text(code, rows, missing)}: the comparison needs both "
            f"the RA budget and the RS outturn in every year {first}-{last}. {_instead(code)}"
        )
    return BudgetOutturnResult(code, wd.area_name(code), rows.reset_index(drop=True),
                               _all_council_distribution(first, last, _label(base)).copy(), all_councils, _label(base))


@wd.data_cache(maxsize=4)
def _all_council_distribution(first: str, last: str, base: str) -> pd.DataFrame:
    """:func:`variance_distribution` of every council's budget vs outturn, the same for every council: once per
    data version (shared: callers copy it)."""
    return variance_distribution(_budget_outturn_all(first, last, base))


# --- cash change between two financial years --------------------------------------------------------------
@dataclass(frozen=True)
class CashChange:
    """Net current expenditure on ``service`` less the ``subtracted`` lines (GBP thousand, cash) of one council, or
    of England as the sum of the councils reporting ``service`` in both years, from ``years[0]`` to ``years[1]``.
    The estimand: the area's cash change over exactly these two financial years (no deflator, no counterfactual)."""

    area_code: str
    area_name: str
    service: str
    subtracted: tuple[str, ...]
    years: tuple[str, str]
    start_gbp000: float
    end_gbp000: float

    @property
    def change_gbp000(self) -> float:
        """End minus start (negative = a fall)."""
        return self.end_gbp000 - self.start_gbp000

    @property
    def change_pct(self) -> float:
        """The change as % of the start year."""
        return 100 * self.change_gbp000 / self.start_gbp000

    @property
    def measure(self) -> str:
        """What is measured, in words: ``"total service expenditure excluding public health"``."""
        minus = ", ".join(self.subtracted).replace("_", " ")
        return self.service.replace("_", " ") + (f" excluding {minus}" if minus else "")

    def frame(self) -> pd.DataFrame:
        """One row per year: area_code, area_name, period, value_gbp000."""
        return pd.DataFrame({"area_code": self.area_code, "area_name": self.area_name, "period": list(self.years),
                             "value_gbp000": [self.start_gbp000, self.end_gbp000]})


def cash_change(area: str, service: str, years: tuple[str, str], subtract: Sequence[str] = ()) -> CashChange:
    """:class:`CashChange` of ``area`` (a council code, or ``config.ENGLAND`` for the sum of the councils reporting
    ``service`` in both ``years``) between the two financial years ``years``: ``service`` minus the ``subtract``
    lines, a missing subtracted line counting as 0 (public health before 2013/14). Raises
    :class:`FinanceDataError` naming the first year without a ``service`` outturn."""
    services = [service, *(s for s in subtract if s != service)]
    fin = (wd.england_finance(services, list(years)) if area == config.ENGLAND
           else wd.load_finance(areas=[area], services=services))
    values, names = [], []
    for label in years:
        start, end, _ = parse_period(label)
        sel = fin[(fin["area_code"] == area) & (fin["period_start"] == start) & (fin["period_end"] == end)]
        by = sel.groupby("service")["value_gbp000"].sum(min_count=1)
        if service not in by or pd.isna(by[service]):
            raise FinanceDataError(f"no {service} outturn for {area} in {label}")
        values.append(float(by[service]) - sum(float(by[s]) if s in by and pd.notna(by[s]) else 0.0
                                               for s in services[1:]))
        names.append(str(sel["area_name"].iloc[0]))
    return CashChange(area, names[0], service, tuple(services[1:]), (years[0], years[1]), values[0], values[1])


def group_cash_change(label: str, members: Sequence[str], service: str, years: tuple[str, str]) -> CashChange:
    """:class:`CashChange` of a group of councils named ``label`` (a comparator group): ``service``'s sum over those
    of ``members`` that report it in both ``years``, the rule England's sum follows in :func:`cash_change`
    (:func:`wigan_deal.data.england_finance_councils`). Raises :class:`FinanceDataError` when none does."""
    codes = wd.england_finance_councils(service, list(years), areas=members)
    if not codes:
        raise FinanceDataError(f"no council of {label} reports {service} in both {years[0]} and {years[1]}")
    fin = wd.load_finance(areas=codes, services=[service])
    start, end = (float(fin.loc[fin["financial_year"] == year, "value_gbp000"].sum()) for year in years)
    return CashChange(label, f"{label}, n={len(codes)}", service, (), (years[0], years[1]), start, end)


# --- "GBP 140m saved" in real terms ------------------------------------------------------------------------
@wd.data_cache(maxsize=8)
def _savings_all(first: str, last: str, base: str, excluded: tuple[str, ...] = SAVINGS_EXCLUDED) -> pd.DataFrame:
    services = ["net_current_expenditure", *excluded]
    fin = wd.load_finance(services=services)
    fin = fin[fin["financial_year"].isin([first, last])]
    wide = fin.pivot_table(index=["area_code", "financial_year"], columns="service", values="value_gbp000",
                           aggfunc="sum")
    wide = wide.reindex(columns=services)
    # a missing public health / housing benefit / levy line counts as 0; net current expenditure and education
    # must exist
    minus = sum(wide[s].fillna(0) if s in _MISSING_AS_ZERO else wide[s] for s in excluded)
    wide["measure_gbp000"] = wide["net_current_expenditure"] - minus
    m = wide["measure_gbp000"].unstack("financial_year").reindex(columns=[first, last])
    names = wd.load_finance(services="net_current_expenditure")
    classes = names[names["financial_year"] == last].set_index("area_code")["la_class"]
    names = names.drop_duplicates("area_code").set_index("area_code")["area_name"]
    out = pd.DataFrame({"area_code": m.index, "area_name": names.reindex(m.index).to_numpy(),
                        "la_class": classes.reindex(m.index).to_numpy(),
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
    change = out["real_change_pct"].where(out["both"])
    out["percentile"] = percentiles_among_others(change.to_numpy())
    out["rank_largest_fall"] = change.rank(method="min").astype("Int64")
    out["n_councils"] = int(out["both"].sum())
    out["percentile_in_class"] = np.nan
    for _cls, idx in out.groupby("la_class").groups.items():
        out.loc[idx, "percentile_in_class"] = percentiles_among_others(change[idx].to_numpy())
    out["n_in_class"] = out["la_class"].map(out[out["both"]].groupby("la_class").size())
    return out.sort_values("area_code").reset_index(drop=True)


@wd.data_cache(maxsize=2)
def spending_power_change(years: tuple[str, str] = CSP_YEARS, base: str = config.DEFLATOR_BASE) -> pd.Series:
    """Real-terms % change of revenue spending power between ``years`` (one definition), by area code."""
    sp = wd.load_spending_power(series="revenue_spending_power")
    wide = sp.pivot_table(index="area_code", columns="financial_year", values="value_gbp_million")
    a, b = (wide[y] * wd.real_terms_factor(y, base) for y in years)
    return (100 * (b / a - 1)).dropna()


#: service lines compared in the baseline check (social care as the combined line: 2010/11 has no split)
BASELINE_LINES = ("education", "highways_transport", "social_care_combined", "housing_gfra", "cultural",
                  "environmental", "planning", "police", "fire", "central_services", "other_services",
                  "housing_benefit", "levies")
#: a line's one-year change is an outlier beyond this many IQRs outside the quartiles of all councils' changes
OUTLIER_IQR = 3.0
#: ... and only if it moves the council's measure by at least this % (material)
OUTLIER_MATERIAL_PCT = 1.0


@wd.data_cache(maxsize=4)
def baseline_line_check(base: str = SAVINGS_BASE_YEARS[0], next_year: str | None = None) -> pd.DataFrame:
    """Every council x service line of :data:`BASELINE_LINES` in ``base`` against the same council's next year and
    against other councils: cash values, change as % of the council's controllable measure in ``base``, level per
    head and its rank among councils, and ``outlier`` = a change beyond :data:`OUTLIER_IQR` IQRs outside the
    quartiles of all councils' changes in that line AND at least :data:`OUTLIER_MATERIAL_PCT`% of the measure."""
    base = _label(base)
    next_year = _label(next_year) if next_year else _years(base, f"{int(base[:4]) + 1}/{int(base[5:]) + 1:02d}")[-1]
    fin = wd.load_finance(services=list(BASELINE_LINES))
    fin = fin[fin["financial_year"].isin([base, next_year])]
    wide = fin.pivot_table(index=["area_code", "service"], columns="financial_year", values="value_gbp000",
                           aggfunc="sum").reindex(columns=[base, next_year]).reset_index()
    wide.columns = ["area_code", "line", "base_gbp000", "next_gbp000"]
    measure = _savings_all(base, next_year, config.DEFLATOR_BASE, CONTROLLED_EXCLUDED).set_index("area_code")
    wide = wide[wide["area_code"].isin(measure.index[measure["both"]])].copy()
    wide["area_name"] = wide["area_code"].map(measure["area_name"])
    wide["la_class"] = wide["area_code"].map(measure["la_class"])
    wide["change_gbp000"] = wide["next_gbp000"] - wide["base_gbp000"]
    wide["change_pct_of_measure"] = 100 * wide["change_gbp000"] / wide["area_code"].map(measure["cash_start_gbp000"])
    wide["base_per_head_gbp"] = 1000 * wide["base_gbp000"] / wide["area_code"].map(measure["population_start"])
    g = wide.groupby("line")
    wide["base_rank"] = g["base_gbp000"].rank(ascending=False, method="min").astype("Int64")
    wide["n_councils"] = g["base_gbp000"].transform("count")
    wide["line_median_gbp000"] = g["base_gbp000"].transform("median")
    q1, q3 = g["change_pct_of_measure"].transform(lambda v: v.quantile(0.25)), \
        g["change_pct_of_measure"].transform(lambda v: v.quantile(0.75))
    far = (wide["change_pct_of_measure"] < q1 - OUTLIER_IQR * (q3 - q1)) | \
          (wide["change_pct_of_measure"] > q3 + OUTLIER_IQR * (q3 - q1))
    wide["outlier"] = far & (wide["change_pct_of_measure"].abs() >= OUTLIER_MATERIAL_PCT)
    wide["in_measure"] = ~wide["line"].isin(CONTROLLED_EXCLUDED)
    wide["base_year"], wide["next_year"] = base, next_year
    wide["explanation"] = [_explain(r) if r.outlier else "" for r in wide.itertuples()]
    return wide.sort_values(["area_code", "line"]).reset_index(drop=True)


def _explain(r) -> str:
    """One sentence on a flagged baseline line: size, rank among councils, what the next year shows."""
    rank = "the largest" if r.base_rank == 1 else f"rank {r.base_rank}"
    towards = abs(r.next_gbp000 - r.line_median_gbp000) < abs(r.base_gbp000 - r.line_median_gbp000)
    reading = ("the base-year value is out of line: it moves towards the typical council the next year, a one-off "
               "before a policy begun in 2011 could act" if towards else
               "the next year moves away from the typical council (a change after the base year)")
    where = "inside" if r.in_measure else "outside (excluded from)"
    return (f"{r.area_name}, {r.line.replace('_', ' ')}: {fmt.money_m(r.base_gbp000)} in {r.base_year} ({rank} of "
            f"{r.n_councils} councils; median council {fmt.money_m(r.line_median_gbp000)}), {fmt.money_m(r.next_gbp000)} in "
            f"{r.next_year} - a one-year change of {fmt.percent(r.change_pct_of_measure, signed=True)} of the council's controllable "
            f"spending, {where} the measure; {reading}. The RS return gives no reason (the council's statement of "
            "accounts would)")


def baseline_check_text(area: str, base: str = SAVINGS_BASE_YEARS[0]) -> str:
    """The area's flagged baseline lines inside the controllable measure, in words (or that none was flagged)."""
    check = baseline_line_check(base)
    hits = _baseline_outliers(base).get(area, [])
    head = (f"Baseline check of every service line, {check['base_year'].iloc[0]} against "
            f"{check['next_year'].iloc[0]} and against all councils")
    if not hits:
        return f"{head}: no line inside {wd.area_name(area)}'s controllable measure is an outlier."
    return f"{head}, outliers: " + "; ".join(hits) + "."


@wd.data_cache(maxsize=4)
def _baseline_outliers(base: str) -> dict[str, list[str]]:
    """Area code -> the explanations of its flagged lines inside the measure (:func:`baseline_line_check`, in its
    order), for every council at once (shared: never modified)."""
    check = baseline_line_check(base)
    hits = check[check["outlier"] & check["in_measure"]]
    return {code: list(rows["explanation"]) for code, rows in hits.groupby("area_code", sort=False)}


def savings_overview(area: str, end: str = config.SAVINGS_YEARS[1], base: str = config.DEFLATOR_BASE) -> pd.DataFrame:
    """The fall from each base year (:data:`SAVINGS_BASE_YEARS`) to ``end``, with and without housing benefit and
    levies: real-terms GBP m and %, percentile among all councils and among the council's own type (0 = largest
    fall), and that type's median."""
    rows = []
    for first in SAVINGS_BASE_YEARS:
        for excluded, label in ((SAVINGS_EXCLUDED, "with housing benefit and levies"),
                                (CONTROLLED_EXCLUDED, "without housing benefit and levies (what the council controls)")):
            res = real_terms_savings(area, years=(first, end), base=base, excluded=excluded)
            r, d = res.row, res.distribution()
            rows.append({"from": first, "to": end, "measure": label,
                         "real change £m": r["real_change_gbp000"] / 1000, "real change %": r["real_change_pct"],
                         "percentile, all councils": r["percentile"], "n": int(d["n_councils"]),
                         "percentile, own type": r["percentile_in_class"], "own type": res.class_name,
                         "n own type": int(r["n_in_class"]), "own-type median %": res.class_median(),
                         "all-council median %": d["median"]})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SavingsReference:
    """What a savings table says about all councils, the same for each of them: the councils with both years
    (indexed by area code), England as their sum, the distribution of their real-terms % change and each type's
    median. Built once per table (:func:`_savings_reference`) and shared: callers must not modify it."""

    both: pd.DataFrame
    england: pd.Series
    distribution: pd.Series
    class_medians: dict[str, float]

    @classmethod
    def of(cls, table: pd.DataFrame) -> SavingsReference:
        ok = table[table["both"]]
        e = ok[["cash_start_gbp000", "cash_end_gbp000", "real_start_gbp000", "real_end_gbp000",
                "population_start", "population_end"]].sum()
        e["real_change_pct"] = 100 * (e["real_end_gbp000"] / e["real_start_gbp000"] - 1)
        e["cash_change_pct"] = 100 * (e["cash_end_gbp000"] / e["cash_start_gbp000"] - 1)
        e["n_councils"] = len(ok)
        v = ok["real_change_pct"]
        distribution = pd.Series({"n_councils": len(v), "p10": v.quantile(0.1), "q1": v.quantile(0.25),
                                  "median": v.median(), "q3": v.quantile(0.75), "p90": v.quantile(0.9)})
        medians = {c: float(ok.loc[ok["la_class"] == c, "real_change_pct"].median()) for c in table["la_class"].unique()}
        return cls(ok.set_index("area_code"), e, distribution, medians)


@wd.data_cache(maxsize=8)
def _savings_reference(first: str, last: str, base: str, excluded: tuple[str, ...]) -> SavingsReference:
    return SavingsReference.of(_savings_all(first, last, base, excluded))


@dataclass
class SavingsResult:
    """Real-terms change in net current expenditure excluding ``excluded`` lines, one area vs all councils."""

    area_code: str
    area_name: str
    row: pd.Series
    all_councils: pd.DataFrame = field(repr=False)
    years: tuple[str, str] = config.SAVINGS_YEARS
    base: str = config.DEFLATOR_BASE
    claimed_gbp000: float = 140000.0
    excluded: tuple[str, ...] = SAVINGS_EXCLUDED
    #: the all-council summaries of ``all_councils`` (``None``: computed from it)
    reference: SavingsReference | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.reference is None:
            self.reference = SavingsReference.of(self.all_councils)

    @property
    def measure(self) -> str:
        """What is measured, in words."""
        return "net current expenditure excluding " + _and(s.replace("_", " ") for s in self.excluded)

    @property
    def class_name(self) -> str:
        return LA_CLASS_NAMES.get(str(self.row["la_class"]), str(self.row["la_class"]))

    def spending_power_neighbours(self, k: int = CSP_NEIGHBOURS) -> pd.DataFrame:
        """The ``k`` other councils whose real-terms revenue spending power change over :data:`CSP_YEARS` is
        nearest the area's, with their change in this measure; raises :class:`FinanceDataError` without one."""
        sp = spending_power_change(CSP_YEARS, self.base)
        near = self._neighbour_codes(k)
        return self.reference.both.loc[near, ["area_name", "la_class", "real_change_pct"]].assign(
            spending_power_change_pct=sp[near]).reset_index()

    def _neighbour_codes(self, k: int) -> pd.Index:
        """The codes of :meth:`spending_power_neighbours`, nearest first (ties in area-code order)."""
        sp = spending_power_change(CSP_YEARS, self.base)
        if self.area_code not in sp.index:
            raise FinanceDataError(f"{self.area_name} has no revenue spending power for {' and '.join(CSP_YEARS)}.")
        codes = self.reference.both.index
        change = sp.reindex(codes).to_numpy()
        others = np.asarray(codes != self.area_code) & ~np.isnan(change)
        distance = np.abs(change[others] - sp[self.area_code])
        return codes[others][np.argsort(distance, kind="stable")[:k]]

    def percentile_among_neighbours(self, k: int = CSP_NEIGHBOURS) -> float:
        """The area's percentile (0 = largest fall) among its ``k`` spending-power neighbours."""
        near = self.reference.both.loc[self._neighbour_codes(k), "real_change_pct"]
        return percentile_among_others(pd.concat([near, pd.Series({self.area_code: self.row["real_change_pct"]})]),
                                       self.area_code)

    def class_median(self) -> float:
        """The median real-terms % change of the councils of the area's type."""
        return self.reference.class_medians.get(self.row["la_class"], math.nan)

    @property
    def england(self) -> pd.Series:
        """Sum over every council with both years (like-for-like)."""
        return self.reference.england.copy()

    def distribution(self) -> pd.Series:
        """Councils with both years, and the 10th, 25th, 50th, 75th and 90th percentiles of their % change."""
        return self.reference.distribution.copy()

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
            f"{self.area_name}: {self.measure} went from "
            f"{fmt.money_m(r['real_start_gbp000'])} ({self.years[0]}) to {fmt.money_m(r['real_end_gbp000'])} ({self.years[1]}) "
            f"in {self.base} prices, a real-terms change of {fmt.money_m(r['real_change_gbp000'], signed=True)} "
            f"({fmt.percent(r['real_change_pct'], signed=True)}; cash {fmt.money_m(r['cash_change_gbp000'], signed=True)}); "
            + (f"per head GBP {fmt.number(r['real_per_head_start_gbp'], 0)} -> GBP {fmt.number(r['real_per_head_end_gbp'], 0)}. "
               if pd.notna(r["real_per_head_start_gbp"]) and pd.notna(r["real_per_head_end_gbp"])
               else f"{_no_population(self.area_code)}. ") + "Among "
            f"{int(d['n_councils'])} councils it is at percentile {fmt.number(r['percentile'], 0)} (0 = largest fall; rank "
            f"{r['rank_largest_fall']} for the size of the fall); the median council changed {fmt.percent(d['median'], signed=True)} "
            f"(IQR {fmt.percent(d['q1'], signed=True)} to {fmt.percent(d['q3'], signed=True)}), England as a whole {fmt.percent(e['real_change_pct'], signed=True)}. Among "
            f"{int(r['n_in_class'])} {self.class_name} it is at percentile {fmt.number(r['percentile_in_class'], 0)} (their "
            f"median {fmt.percent(self.class_median(), signed=True)}). The claim is savings of more than {fmt.money_m(self.claimed_gbp000)}, "
            "i.e. against a counterfactual budget (what the council would otherwise have spent), which outturn "
            "returns cannot test; a real-terms fall in spending is the analyst's proxy, not that amount."
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
            ax.annotate(f"{self.area_name}\n{fmt.percent(ok.loc[i, 'real_change_pct'], signed=True)}", (i, ok.loc[i, "real_change_pct"]),
                        xytext=(0, -28), textcoords="offset points", ha="center", fontsize=8, color="C3",
                        arrowprops={"arrowstyle": "-", "color": "C3"})
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("councils, largest real-terms fall on the left")
        ax.set_ylabel(f"real-terms change %, {self.years[0]}-{self.years[1]}")
        ax.set_title(f"{self.measure[0].upper()}{self.measure[1:]}, real terms", fontsize=10)
        return ax


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def real_terms_savings(area: str, years: tuple[str, str] = config.SAVINGS_YEARS,
                       base: str = config.DEFLATOR_BASE,
                       excluded: tuple[str, ...] = SAVINGS_EXCLUDED) -> SavingsResult:
    """Real-terms change in net current expenditure excluding ``excluded`` (default education and public health;
    :data:`CONTROLLED_EXCLUDED` also removes housing benefit and levies), ``area`` vs all councils."""
    unknown = sorted(set(excluded) - set(CONTROLLED_EXCLUDED))
    if unknown:
        raise ValueError(f"Cannot exclude {unknown} from the savings measure; choose among {list(CONTROLLED_EXCLUDED)}.")
    code = wd.check_area(area)
    first, last = _label(years[0]), _label(years[1])
    for y in (first, last):
        wd.real_terms_factor(y, base)  # DeflatorYearError naming the year if outside the deflator
    table = _savings_all(first, last, _label(base), tuple(excluded))
    hit = np.flatnonzero(table["area_code"].to_numpy() == code)
    if not len(hit) or not bool(table["both"].iat[hit[0]]):
        raise FinanceDataError(
            f"{wd.area_name(code)} ({code}) has no RS net current expenditure and education outturn for both "
            f"{first} and {last} (the RS workbooks cover social-care councils; England has no row), so its "
            f"real-terms change cannot be computed. {_instead(code)}"
        )
    return SavingsResult(code, wd.area_name(code), table.iloc[hit[0]], table.copy(), (first, last), _label(base),
                         excluded=tuple(excluded), reference=_savings_reference(first, last, _label(base), tuple(excluded)))


def controlled_savings(area: str, base: str = config.DEFLATOR_BASE) -> SavingsResult:
    """The graded savings measure: what the council controls, from 2011/12 (first year of the Deal) to 2017/18."""
    return real_terms_savings(area, years=(SAVINGS_BASE_YEARS[1], config.SAVINGS_YEARS[1]), base=base,
                              excluded=CONTROLLED_EXCLUDED)
