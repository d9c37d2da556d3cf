"""Adult social care finance (notebook 04): cash and per-head spending of the area, England and comparator
groups, percentage changes and adult social care's share of service spending; the budget-vs-outturn and
real-terms savings studies (estimators in :mod:`wigan_deal.finance`) as results that show and record themselves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wigan_deal import config, finance, fmt, plots
from wigan_deal import data as wd
from wigan_deal.studies.compare import comparator_groups
from wigan_deal.studies.notes import no_finance_note, note_markdown
from wigan_deal.studies.summary import EffectSummary, Study

ENGLAND_FINANCE_LABEL = wd.ENGLAND_FINANCE_NAME



def _population_by_year() -> pd.DataFrame:
    return wd.load_population()[["area_code", "year", "population"]]



def england_finance(service: str, years: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`_england_finance` (cached: the same for every area)."""
    out, codes = _england_finance(service, None if years is None else tuple(years))
    return out.copy(), list(codes)



@wd.data_cache(maxsize=32)
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
    g = fin.groupby(["financial_year", "period_start", "period_end"])  # plain reductions: a named agg's numbers
    out = pd.DataFrame({"value_gbp000": g["value_gbp000"].sum(), "value_with_pop": g["value_with_pop"].sum(),
                        "population": g["population"].sum(), "n_areas": g["area_code"].nunique(),
                        "n_areas_per_head": g["population"].count()}).reset_index()
    out["per_head_gbp"] = 1000 * out["value_with_pop"] / out["population"]
    return out.drop(columns="value_with_pop")



def comparator_line_label(label: str) -> str:
    """A comparator group's label on a finance line: its councils are summed, not averaged."""
    return label.replace("(mean", "(sum")


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
        g["area_code"] = g["area_name"] = comparator_line_label(label)
        frames.append(g.assign(role="comparator"))
    out = pd.concat(frames, ignore_index=True)
    order = out["role"].map({"area": 0, "England": 1, "comparator": 2})
    out = out.assign(_o=order).sort_values(["_o", "area_code", "period_start"], kind="stable")
    first = out.groupby("area_code")["value_gbp000"].transform("first")
    out["index"] = 100 * out["value_gbp000"] / first
    cols = ["area_code", "area_name", "role", "financial_year", "period_start", "value_gbp000", "population",
            "per_head_gbp", "index", "n_areas", "n_areas_per_head"]
    return out[cols].reset_index(drop=True)



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



# --- study results (notebook 04) -----------------------------------------------------------------


def _bo_or_reason(area_code: str) -> tuple[Any, str | None]:
    try:
        return finance.budget_vs_outturn(area_code), None
    except finance.FinanceDataError as exc:
        return None, str(exc)


@dataclass(frozen=True, eq=False, repr=False)
class BudgetStudy(Study):
    """Adult social care start-of-year budget against outturn, every year (:func:`wigan_deal.finance.budget_vs_outturn`),
    with the all-council 'balanced' band and swing (:func:`wigan_deal.finance.balance_noise`). ``result`` is
    ``None`` when the council has no comparison (``reason`` says why)."""

    area_code: str
    name: str
    result: Any
    reason: str | None
    noise: Any

    def summary(self) -> EffectSummary:
        if self.result is None:
            return EffectSummary(text=f"*No budget-vs-outturn comparison for {self.name}: {self.reason}*")
        return EffectSummary(self.result.summary_table(), self.result.effect_summary())

    def band(self) -> EffectSummary:
        """The noise-aware reading: each year's variance against the 'balanced' band B."""
        text = self.noise.text() + "."
        if self.result is None:
            return EffectSummary(text=text)
        t, b = self.result.table, self.noise.band_pp
        table = pd.DataFrame({
            "year": t["financial_year"], "variance %": t["variance_pct"],
            "position": ["over budget beyond the band" if v > b else "within the band" if v >= -b
                         else "under budget beyond the band" for v in t["variance_pct"]],
            "all-council SD of the variance": t["financial_year"].map(self.noise.sd_by_year)})
        return EffectSummary(table.round(1), text)

    def plot(self) -> Any:
        """Each year's variance against the all-council distribution (nothing without a comparison)."""
        return None if self.result is None else self.result.plot()

    def plot_per_head(self) -> Any:
        """Real-terms net outturn per adult against the middle half of councils (nothing without a comparison)."""
        return None if self.result is None else self.result.plot_per_head()

    def per_head(self) -> EffectSummary:
        """Real-terms net outturn per adult and per person aged 65+, against the median council."""
        if self.result is None:
            return EffectSummary()
        ph = self.result.per_head()
        table = ph.pivot_table(index="denominator", columns="financial_year", values=["area", "median_council"],
                               sort=False).round(0)
        return EffectSummary(table, "")

    def record(self, rec: Any) -> None:
        if self.result is None:
            return
        t, name = self.result.table, self.name
        first, last = t.iloc[0], t.iloc[-1]
        for tag, row in (("first", first), ("last", last)):
            rec.record(f"asc_variance_pct_{tag}", row["variance_pct"], unit="% of budget",
                       label=f"{name} ASC outturn minus start-of-year budget, {row['financial_year']}")
            rec.record(f"asc_variance_percentile_{tag}", row["variance_percentile"],
                       unit="percentile (0 = most under)",
                       label=f"{name} ASC variance {row['financial_year']}, percentile among {row['n_councils']} councils")
        rec.record("asc_variance_gbp000_last", last["variance_gbp000"], unit="GBP thousand",
                   label=f"{name} ASC outturn minus budget {last['financial_year']} (cash)")
        rec.record("asc_years_over_budget", int((t["variance_gbp000"] > 0).sum()), unit="years",
                   label=f"Years {first['financial_year']}-{last['financial_year']} in which {name}'s ASC outturn "
                         "exceeded budget")
        rec.record("asc_balanced_band_pp", self.noise.band_pp, unit="% of budget",
                   label="'Balanced' band: median |ASC outturn minus budget| over every council-year")
        rec.record("asc_swing_pp", self.noise.swing_pp, unit="percentage points",
                   label="'From overspend' swing: median |year-to-year change| of a council's ASC variance")
        ph = self.result.per_head()
        rec.record("asc_real_per_adult_last", float(ph.loc[ph["denominator"] == "per adult (18+)", "area"].iloc[-1]),
                   unit=f"GBP per adult ({self.result.base} prices)",
                   label=f"{name} ASC net outturn per adult, {last['financial_year']}")


def budget_study(area_code: str, name: str) -> BudgetStudy:
    """:class:`BudgetStudy` of one council."""
    result, reason = _bo_or_reason(area_code)
    return BudgetStudy(area_code, name, result, reason, finance.balance_noise())


@dataclass(frozen=True, eq=False, repr=False)
class SavingsStudy(Study):
    """'£140m saved' as a finance analyst would: the real-terms change in what the council controls from both base
    years (:func:`wigan_deal.finance.controlled_savings`, :func:`~wigan_deal.finance.savings_overview`), beside
    the previous rule's measure (:func:`~wigan_deal.finance.real_terms_savings`). ``result`` is ``None`` when
    the council has no figure (``reason`` says why)."""

    HEADLINE_PLOTS = frozenset({"plot"})

    area_code: str
    name: str
    result: Any
    overview: pd.DataFrame | None
    previous: Any
    reason: str | None

    def summary(self) -> EffectSummary:
        if self.result is None:
            return EffectSummary(text=f"*No real-terms savings figure for {self.name}: {self.reason}*")
        return EffectSummary(self.overview.round(1), self.result.effect_summary())

    def record(self, rec: Any) -> None:
        if self.result is None:
            return
        sv, old, name = self.result, self.previous, self.name
        r, o = sv.row, old.row
        rec.record("savings_real_change_gbp000", o["real_change_gbp000"], unit=f"GBP thousand ({old.base} prices)",
                   label=f"{name} real-terms change {old.years[0]} to {old.years[1]}, net current expenditure excl. "
                   "education and public health")
        rec.record("savings_real_change_pct", o["real_change_pct"], unit="%",
                   label=f"{name} real-terms % change, net current expenditure excl. education and public health")
        rec.record("savings_percentile", o["percentile"], unit="percentile (0 = largest fall)",
                   label=f"{name} real-terms change, percentile among {int(o['n_councils'])} councils")
        rec.record("savings_real_per_head_change_gbp", o["real_per_head_change_gbp"],
                   unit=f"GBP per resident ({old.base} prices)", label=f"{name} real-terms change per head")
        rec.record("controlled_real_change_gbp000", r["real_change_gbp000"], unit=f"GBP thousand ({sv.base} prices)",
                   label=f"{name} real-terms change {sv.years[0]} to {sv.years[1]}, {sv.measure}")
        rec.record("controlled_real_change_pct", r["real_change_pct"], unit="%",
                   label=f"{name} real-terms % change {sv.years[0]} to {sv.years[1]}, {sv.measure}")
        rec.record("controlled_percentile_own_type", r["percentile_in_class"], unit="percentile (0 = largest fall)",
                   label=f"{name}, percentile among {int(r['n_in_class'])} {sv.class_name}")

    def plot(self) -> Any:
        return None if self.result is None else self.result.plot()

    def neighbours(self) -> NeighboursStudy | None:
        """The councils whose spending power changed most alike (``None`` without a savings figure)."""
        if self.result is None:
            return None
        try:
            near = self.result.spending_power_neighbours()
        except finance.FinanceDataError as exc:
            return NeighboursStudy(self.name, None, math.nan, str(exc))
        return NeighboursStudy(self.name, near, self.result.percentile_among_neighbours(), None)


@dataclass(frozen=True, eq=False, repr=False)
class NeighboursStudy(Study):
    """The area's real-terms change placed among its spending-power neighbours."""

    name: str
    table: pd.DataFrame | None
    percentile: float
    reason: str | None

    def summary(self) -> EffectSummary:
        if self.table is None:
            return EffectSummary(text=f"*{self.reason}*")
        near = self.table
        return EffectSummary(near.round(1), f"{self.name} is at percentile **{fmt.number(self.percentile, 0)}** (0 = "
                             f"largest fall) among these {len(near)} councils; their median change is "
                             f"{fmt.percent(near['real_change_pct'].median(), signed=True)}.")

    def record(self, rec: Any) -> None:
        if self.table is not None:
            rec.record("controlled_percentile_neighbours", self.percentile, unit="percentile (0 = largest fall)",
                       label=f"{self.name}, percentile among its {len(self.table)} spending-power neighbours")


def savings_study(area_code: str, name: str) -> SavingsStudy:
    """:class:`SavingsStudy` of one council."""
    try:
        overview = finance.savings_overview(area_code)
        result = finance.controlled_savings(area_code)
    except finance.FinanceDataError as exc:
        return SavingsStudy(area_code, name, None, None, None, str(exc))
    return SavingsStudy(area_code, name, result, overview, finance.real_terms_savings(area_code), None)


@dataclass(frozen=True, eq=False, repr=False)
class AscCashStudy(Study):
    """Net adult social care outturn in cash and per head, first to last year, for the area, England (sum of
    councils) and the comparator groups (:func:`finance_table`). Descriptive administrative totals: no CI.

    ``groups``: the comparator groups' members by label, for their cash changes (:meth:`group_changes`)."""

    area_code: str
    name: str
    table: pd.DataFrame
    no_data: str | None
    groups: dict[str, list[str]] = field(default_factory=dict)

    def _own(self) -> pd.DataFrame:
        return self.table[self.table["role"] == "area"].set_index("financial_year")

    def change(self, first: str, last: str, area: str | None = None) -> finance.CashChange:
        """The area's (or ``area``'s, e.g. ``config.ENGLAND``) cash change ``first`` to ``last``
        (:func:`wigan_deal.finance.cash_change`, as the claims register's adult social care context). England's
        is the sum of the councils reporting in both years, not only of those reporting in every year of
        :attr:`table`, whose index and per-head lines need a council in every year."""
        return finance.cash_change(area or self.area_code, "adult_social_care", (first, last))

    def group_changes(self, first: str, last: str) -> dict[str, float]:
        """The cash change % ``first`` to ``last`` of each comparator group with a line in :attr:`table` (labels as
        there), by England's rule in :meth:`change`: the sum of the group's councils reporting in both years
        (:func:`wigan_deal.finance.group_cash_change`; the table's index and per-head lines need every year)."""
        shown = set(self.table.loc[self.table["role"] == "comparator", "area_code"])
        changes = {}
        for label, members in self.groups.items():
            key = comparator_line_label(label)
            if key in shown:  # England's own row is not a member (as in finance_table)
                councils = [c for c in members if c != config.ENGLAND]
                changes[key] = finance.group_cash_change(key, councils, "adult_social_care", (first, last)).change_pct
        return changes

    def summary(self) -> EffectSummary:
        asc = self.table
        if self.no_data:
            return EffectSummary(text=note_markdown(self.no_data, "no change in adult social care spending is computed"))
        own, name = self._own(), self.name
        first, last = own.index[0], own.index[-1]
        pct_area, pct_eng = self.change(first, last).change_pct, self.change(first, last, config.ENGLAND).change_pct
        others = "; ".join(f"{k}: {fmt.percent(pct, signed=True)}" for k, pct in self.group_changes(first, last).items())
        eng_head = asc.loc[(asc["area_code"] == config.ENGLAND) & (asc["financial_year"] == last), "per_head_gbp"]
        text = (f"{name}: £{fmt.number(own.loc[first, 'value_gbp000'], 0)}k in {first} → "
                f"£{fmt.number(own.loc[last, 'value_gbp000'], 0)}k in {last} (**{fmt.percent(pct_area, signed=True)}** "
                f"in cash); England (sum of councils) **{fmt.percent(pct_eng, signed=True)}**"
                + (f"; {others}" if others else "") + ". "
                f"Per head, {name} spent £{fmt.number(own.loc[last, 'per_head_gbp'], 0)} in {last} against "
                f"£{fmt.number(eng_head.iloc[0], 0)} for England. These are descriptive outturns: no CI applies (they are "
                "administrative totals, not samples), and no counterfactual is implied.")
        per_head = asc.pivot_table(index="area_name", columns="financial_year", values="per_head_gbp", sort=False)
        return EffectSummary(per_head.round(0), text)

    def cash_table(self) -> pd.DataFrame:
        return self.table.pivot_table(index="area_name", columns="financial_year", values="value_gbp000",
                                      sort=False).round(0)

    def record(self, rec: Any) -> None:
        if self.no_data:
            return
        own, name = self._own(), self.name
        first, last = own.index[0], own.index[-1]
        rec.record("asc_2011_12", own.loc[first, "value_gbp000"], unit="GBP thousand",
                   label=f"{name} net adult social care expenditure {first} (cash)")
        rec.record("asc_2017_18", own.loc[last, "value_gbp000"], unit="GBP thousand",
                   label=f"{name} net adult social care expenditure {last} (cash)")
        rec.record("asc_change_pct", self.change(first, last).change_pct, unit="%",
                   label=f"{name} net adult social care change {first} to {last} (cash)")
        rec.record("england_asc_change_pct", self.change(first, last, config.ENGLAND).change_pct, unit="%",
                   label=f"England (sum of upper-tier councils) net adult social care change {first} to {last} (cash)")
        rec.record("asc_per_head_2017_18", own.loc[last, "per_head_gbp"], unit="GBP per resident",
                   label=f"{name} net adult social care per head {last} (cash)")

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(13, 4.3))
        plots.finance_plot(self.table, self.area_code, ax=axes[0], value="index", ylabel="cash, 2011/12 = 100",
                           title="Net adult social care spend (cash index)")
        plots.finance_plot(self.table, self.area_code, ax=axes[1], value="per_head_gbp",
                           ylabel="GBP per resident (cash)", title="Net adult social care spend per head")
        return fig


def _comparator_groups(params: Any) -> dict[str, list[str]]:
    groups = comparator_groups(params)
    groups.pop("England")
    return groups


def asc_cash_study(params: Any, name: str) -> AscCashStudy:
    """:class:`AscCashStudy` of validated ``params`` (its comparator groups)."""
    groups = _comparator_groups(params)
    return AscCashStudy(params.area_code, name, finance_table(params.area_code, groups, "adult_social_care"),
                        no_finance_note(params.area_code, "adult_social_care"), groups)


@dataclass(frozen=True, eq=False, repr=False)
class TseCashStudy(Study):
    """The previous savings rule's measure: the cash change in net total service expenditure, with and without
    public health (:func:`wigan_deal.finance.cash_change`, the computation of the claims register's cash rule; a
    missing public-health line counts as 0), over the area's first and last year with an outturn."""

    area_code: str
    name: str
    table: pd.DataFrame
    no_data: str | None

    def figures(self) -> dict[str, Any]:
        """The change first to last year of the table: ``whole`` and ``excl_ph`` (:class:`~wigan_deal.finance.CashChange`),
        England's % change (:func:`wigan_deal.finance.cash_change`: the sum of the councils reporting both years)."""
        years = self.table.loc[self.table["role"] == "area", "financial_year"]
        t0, t1 = years.iloc[0], years.iloc[-1]
        service = "total_service_expenditure"
        return {"t0": t0, "t1": t1, "whole": finance.cash_change(self.area_code, service, (t0, t1)),
                "excl_ph": finance.cash_change(self.area_code, service, (t0, t1), subtract=("public_health",)),
                "england_pct": finance.cash_change(config.ENGLAND, service, (t0, t1)).change_pct}

    def summary(self) -> EffectSummary:
        if self.no_data:
            return EffectSummary(text=note_markdown(self.no_data, "no change in total service expenditure is computed"))
        f = self.figures()
        whole, excl, t0, t1 = f["whole"], f["excl_ph"], f["t0"], f["t1"]
        reading = ("A cash fall of this size is consistent with savings but is not a measurement of them"
                   if whole.change_gbp000 < 0 else
                   "Spending did not fall in cash; this says nothing either way about savings")
        pound = {"style": "£", "minus": "-"}  # the ASCII minus of fmt.percent beside it
        return EffectSummary(text=(
            f"{self.name}'s net total service expenditure went from {fmt.money_m(whole.start_gbp000, **pound)} ({t0}) "
            f"to {fmt.money_m(whole.end_gbp000, **pound)} ({t1}): "
            f"**{fmt.money_m(whole.change_gbp000, signed=True, **pound)} ({fmt.percent(whole.change_pct, signed=True)})** "
            f"in cash, against {fmt.percent(f['england_pct'], signed=True)} for England (sum of councils). Excluding "
            f"public health (transferred to councils in 2013-14, as the claims register does) the change {t0} to {t1} "
            f"is **{fmt.money_m(excl.change_gbp000, signed=True, **pound)}**. {reading}: savings are counted against a "
            "counterfactual budget that includes inflation and demand growth, which these data do not contain."))

    def record(self, rec: Any) -> None:
        if self.no_data:
            return
        f, name = self.figures(), self.name
        whole, t0, t1 = f["whole"], f["t0"], f["t1"]
        rec.record("tse_change_gbp000", whole.change_gbp000, unit="GBP thousand",
                   label=f"{name} net total service expenditure change {t0} to {t1} (cash)")
        rec.record("tse_change_pct", whole.change_pct, unit="%",
                   label=f"{name} net total service expenditure change {t0} to {t1} (cash)")
        rec.record("england_tse_change_pct", f["england_pct"], unit="%",
                   label=f"England (sum of councils) net total service expenditure change {t0} to {t1} (cash)")
        rec.record("tse_excl_ph_change_gbp000", f["excl_ph"].change_gbp000, unit="GBP thousand",
                   label=f"{name} net total service expenditure excluding public health, change {t0} to {t1} (cash)")

    def plot(self) -> Any:
        if self.no_data:
            return None
        return plots.finance_plot(self.table, self.area_code, value="index", ylabel="cash, 2010/11 = 100",
                                  title="Net total service expenditure (cash index; 2015/16-2016/17 missing)")


def tse_cash_study(params: Any, name: str) -> TseCashStudy:
    """:class:`TseCashStudy` of validated ``params`` (an empty table when the council has no outturns)."""
    note = no_finance_note(params.area_code, "total_service_expenditure")
    table = pd.DataFrame() if note else finance_table(params.area_code, _comparator_groups(params),
                                                      "total_service_expenditure")
    return TseCashStudy(params.area_code, name, table, note)


#: the columns of the baseline check shown for the area's lines and for every flagged line
BASELINE_AREA_COLUMNS = ["line", "base_gbp000", "next_gbp000", "change_pct_of_measure", "base_rank", "n_councils",
                         "line_median_gbp000", "outlier", "in_measure"]
BASELINE_FLAGGED_COLUMNS = ["area_name", "line", "base_gbp000", "next_gbp000", "change_pct_of_measure", "base_rank",
                            "explanation"]


@dataclass(frozen=True, eq=False, repr=False)
class BaselineCheckStudy(Study):
    """Every service line of the base year against the same council's next year and every other council
    (:func:`wigan_deal.finance.baseline_line_check`): the area's lines, and every flagged line in England with its
    explanation."""

    area_code: str
    base: str
    check: pd.DataFrame

    def area_lines(self) -> pd.DataFrame:
        """The area's lines in the base year."""
        return self.check.loc[self.check["area_code"] == self.area_code, BASELINE_AREA_COLUMNS].round(1)

    def summary(self) -> EffectSummary:
        flagged = self.check[self.check["outlier"]]
        return EffectSummary(flagged[BASELINE_FLAGGED_COLUMNS].round(1),
                             finance.baseline_check_text(self.area_code, self.base))

    def record(self, rec: Any) -> None:
        """Nothing: the check explains the base year of the savings study, which records its own figures."""


def baseline_check_study(area_code: str, base: str = finance.SAVINGS_BASE_YEARS[0]) -> BaselineCheckStudy:
    """:class:`BaselineCheckStudy` of ``area_code`` with base year ``base`` (default: the first savings base year)."""
    return BaselineCheckStudy(area_code, base, finance.baseline_line_check(base))


@dataclass(frozen=True, eq=False, repr=False)
class ShareStudy(Study):
    """Adult social care as % of total service expenditure by year, the area and England (:func:`asc_share`)."""

    area_code: str
    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        return EffectSummary(self.table.pivot_table(index="area_name", columns="financial_year", values="asc_share_pct",
                                                    sort=False).round(1))

    def record(self, rec: Any) -> None:
        """Nothing: the share is context."""

    def plot(self) -> Any:
        share = self.table
        ax = plots.trend_plot(share.assign(time=share["financial_year"].str[:4].astype(int) + 1.0,
                                           value=share["asc_share_pct"]),
                              self.area_code, title="Adult social care as % of total service expenditure (net)",
                              ylabel="%")
        ax.set_xlabel("financial year (start + 1)")
        return ax


def share_study(area_code: str) -> ShareStudy:
    """:class:`ShareStudy` of ``area_code``."""
    return ShareStudy(area_code, asc_share(area_code))


@dataclass(frozen=True, eq=False, repr=False)
class SpendingPowerStudy(Study):
    """Government's measure of the resources available to the council (:func:`wigan_deal.data.load_spending_power`):
    revenue spending power and core spending power, two definitions never joined."""

    name: str
    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        if self.table.empty:
            return EffectSummary(text=f"*No spending power series for {self.name}.*")
        return EffectSummary(self.table.pivot_table(index="series", columns="financial_year",
                                                    values="value_gbp_million"))

    def record(self, rec: Any) -> None:
        """Nothing: spending power is context."""

    def plot(self) -> Any:
        """Both definitions over time, not joined (``None`` without a series)."""
        import matplotlib.pyplot as plt

        sp = self.table
        if sp.empty:
            return None
        fig, ax = plt.subplots(figsize=(7, 3.8))
        for series_name, g in sp.groupby("series"):
            ax.plot(g["period_start"], g["value_gbp_million"], marker="o", label=series_name.replace("_", " "),
                    color=plots.AREA_COLOUR, ls="-" if series_name == "core_spending_power" else "--")
        ax.set_xlabel("financial year (start)")
        ax.set_ylabel("GBP million (cash)")
        ax.set_title(f"{self.name}: spending power, two definitions (not joined)")
        ax.legend(frameon=False)
        return fig


def spending_power_study(area_code: str, name: str) -> SpendingPowerStudy:
    """:class:`SpendingPowerStudy` of ``area_code``."""
    return SpendingPowerStudy(name, wd.load_spending_power(areas=[area_code]))
