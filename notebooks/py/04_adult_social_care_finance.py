# %% [markdown]
# # 04 · Adult social care and council spending
#
# The report says adult social care went from "a projected £6.9m overspend in 2011 to a balanced budget by
# 2017/18" and that the council saved "more than £140m" since 2011. Two official returns bracket each year:
# the **Revenue Account (RA) budget**, set at the start of the year, and the **Revenue Outturn (RS)**, what was
# actually spent. Both are net current expenditure (spending net of income such as client charges), by
# service, for every English council. This notebook puts the area's budget against its outturn in every year
# 2011/12-2017/18, **against every other council**, in cash and real terms and per head, and measures
# "savings" as a finance analyst would (`docs/finance.md` gives the definitions).
#
# * **Real terms** use HM Treasury's GDP deflator (March 2020), 2018/19 prices; it covers 2010/11-2018/19 only
#   and is never extrapolated.
# * **Per head**: adults (18+) and people aged 65+ from the ONS mid-2019 estimates (the only year with ages in our
#   data), used for every year; savings per head use each year's total population.
# * **England** has no RS row: it is the sum over councils, stated where used.
#

# %% tags=["parameters"]
area_code = "E08000010"          # ONS code of an English upper-tier local authority (default: Wigan)
comparators = ["england", "gm", "nearest"]   # 'england', 'gm' (other GM boroughs), 'nearest' (ONS similar areas), 'all', or ONS codes
break_year = 2011                # the Deal's start; 2013/2014 are candidate alternatives
vintage = "2019-05"              # HLE data vintage the King's Fund report saw; later: see data.vintages('hle_birth')
sex = "Male"                     # 'Male' or 'Female' where an analysis is by sex
post_rule = "start"              # how a multi-year period is assigned to pre/post (wigan_deal.periods)
results_path = None              # set by the report runner: JSON of headline values

# %%
# %matplotlib inline

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from wigan_deal import data, plots
from wigan_deal.notebook import setup
from wigan_deal.studies import asc_finance, compare, notes

params, rec, AREA, NAME = setup(globals(), "04_adult_social_care_finance")

# %% [markdown]
# ## Budget against outturn, every year 2011/12-2017/18
#
# **What this can show:** whether adult social care ended each year above or below the budget the council set
# in spring, and how that gap compares with every other council's in the same year. **What it cannot show:**
# the in-year *projection* the report quotes (a £6.9m projected overspend in 2011 was a monitoring figure, in no
# return), nor why budget and outturn differ: in-year transfers (the Better Care Fund and its improved BCF from
# 2017/18), grants and recharges move money between the two returns in every council. So a variance is read
# against the all-council distribution, not against zero alone.

# %%
from wigan_deal import finance

try:
    bo = finance.budget_vs_outturn(AREA)
except finance.FinanceDataError as exc:
    bo = None
    display(Markdown(f"*No budget-vs-outturn comparison for {NAME}: {exc}*"))
if bo is not None:
    bo.plot()
    plt.show()
    first, last = bo.table.iloc[0], bo.table.iloc[-1]
    for tag, row in (("first", first), ("last", last)):
        rec.record(f"asc_variance_pct_{tag}", row["variance_pct"], unit="% of budget",
                   label=f"{NAME} ASC outturn minus start-of-year budget, {row['financial_year']}")
        rec.record(f"asc_variance_percentile_{tag}", row["variance_percentile"], unit="percentile (0 = most under)",
                   label=f"{NAME} ASC variance {row['financial_year']}, percentile among {row['n_councils']} councils")
    rec.record("asc_variance_gbp000_last", last["variance_gbp000"], unit="GBP thousand",
               label=f"{NAME} ASC outturn minus budget {last['financial_year']} (cash)")
    rec.record("asc_years_over_budget", int((bo.table["variance_gbp000"] > 0).sum()), unit="years",
               label=f"Years {first['financial_year']}-{last['financial_year']} in which {NAME}'s ASC outturn exceeded budget")
    display(Markdown(bo.effect_summary()))
    display(bo.summary_table())

# %% [markdown]
# ### How far from budget is "balanced"? The noise-aware rule
#
# Across councils the variance has a spread of several percentage points every year, so a single year near zero
# is not by itself evidence of control. The claims register (rule amended 2026-12-06) derives two numbers from
# **every** council: the "balanced" band B (the median distance from budget over all council-years) and the
# "from overspend" swing S (the median year-to-year change of a council's variance). A council not over budget
# at the start has no overspend to move from: the rule is "not applicable" to it. The Better Care Fund (pooled
# budgets from 2015/16) and the improved BCF (from 2017/18) added income that budget and outturn may book
# differently, a possible cause of apparent balance in the later years.

# %%
noise = finance.balance_noise()
display(Markdown(noise.text() + "."))
if bo is not None:
    band = pd.DataFrame({
        "year": bo.table["financial_year"], "variance %": bo.table["variance_pct"],
        "position": ["over budget beyond the band" if v > noise.band_pp else "within the band"
                     if v >= -noise.band_pp else "under budget beyond the band" for v in bo.table["variance_pct"]],
        "all-council SD of the variance": bo.table["financial_year"].map(noise.sd_by_year),
    })
    rec.record("asc_balanced_band_pp", noise.band_pp, unit="% of budget",
               label="'Balanced' band: median |ASC outturn minus budget| over every council-year")
    rec.record("asc_swing_pp", noise.swing_pp, unit="percentage points",
               label="'From overspend' swing: median |year-to-year change| of a council's ASC variance")
    display(band.round(1))

# %% [markdown]
# ## Real terms and per head
#
# Real-terms net adult social care outturn per adult and per person aged 65+ (mid-2019 populations for every
# year, so the change over time reflects spending, not population growth), against the middle half of councils.

# %%
if bo is not None:
    bo.plot_per_head()
    plt.show()
    ph = bo.per_head()
    rec.record("asc_real_per_adult_last", float(ph.loc[ph["denominator"] == "per adult (18+)", "area"].iloc[-1]),
               unit=f"GBP per adult ({bo.base} prices)", label=f"{NAME} ASC net outturn per adult, {last['financial_year']}")
    display(ph.pivot_table(index="denominator", columns="financial_year", values=["area", "median_council"],
                           sort=False).round(0))

# %% [markdown]
# ## "£140m saved", done as a finance analyst would
#
# Savings are reductions against what would otherwise have been spent - a **counterfactual budget** no return
# records, so the £140m itself cannot be tested. The analyst's proxy is the **real-terms change in what the
# council controls**: net current expenditure excluding education (schools funding passes through and leaves with
# academy conversion), public health (transferred with a ring-fenced grant in 2013/14), **housing benefit** (paid
# on behalf of DWP and reimbursed) and **levies** set by other bodies (e.g. the Greater Manchester transport
# levy). The fall is shown from **both base years** - 2010/11, the year before the Deal, and 2011/12, its first
# year ("since 2011") - with and without housing benefit and levies, and placed among all councils and among
# councils of the **same type** (metropolitan districts, unitary authorities, counties, London boroughs), whose
# duties and funding differ.

# %%
try:
    overview = finance.savings_overview(AREA)
    sv = finance.controlled_savings(AREA)
except finance.FinanceDataError as exc:
    overview = sv = None
    display(Markdown(f"*No real-terms savings figure for {NAME}: {exc}*"))
if sv is not None:
    sv.plot()
    plt.show()
    old = finance.real_terms_savings(AREA)  # the previous rule's measure: with housing benefit and levies, from 2010/11
    r, o = sv.row, old.row
    rec.record("savings_real_change_gbp000", o["real_change_gbp000"], unit=f"GBP thousand ({old.base} prices)",
               label=f"{NAME} real-terms change {old.years[0]} to {old.years[1]}, net current expenditure excl. "
               "education and public health")
    rec.record("savings_real_change_pct", o["real_change_pct"], unit="%",
               label=f"{NAME} real-terms % change, net current expenditure excl. education and public health")
    rec.record("savings_percentile", o["percentile"], unit="percentile (0 = largest fall)",
               label=f"{NAME} real-terms change, percentile among {int(o['n_councils'])} councils")
    rec.record("savings_real_per_head_change_gbp", o["real_per_head_change_gbp"], unit=f"GBP per resident ({old.base} prices)",
               label=f"{NAME} real-terms change per head")
    rec.record("controlled_real_change_gbp000", r["real_change_gbp000"], unit=f"GBP thousand ({sv.base} prices)",
               label=f"{NAME} real-terms change {sv.years[0]} to {sv.years[1]}, {sv.measure}")
    rec.record("controlled_real_change_pct", r["real_change_pct"], unit="%",
               label=f"{NAME} real-terms % change {sv.years[0]} to {sv.years[1]}, {sv.measure}")
    rec.record("controlled_percentile_own_type", r["percentile_in_class"], unit="percentile (0 = largest fall)",
               label=f"{NAME}, percentile among {int(r['n_in_class'])} {sv.class_name}")
    display(Markdown(sv.effect_summary()))
    display(overview.round(1))

# %% [markdown]
# ### Councils with a similar fall in spending power
#
# Councils whose funding fell alike faced the same squeeze. Core spending power starts in 2016/17 and cannot be
# joined to the earlier revenue spending power series, so "similar" means the councils whose real-terms revenue
# spending power changed most like the area's between 2011/12 and 2015/16.

# %%
if sv is not None:
    try:
        near = sv.spending_power_neighbours()
    except finance.FinanceDataError as exc:
        display(Markdown(f"*{exc}*"))
    else:
        pct = sv.percentile_among_neighbours()
        rec.record("controlled_percentile_neighbours", pct, unit="percentile (0 = largest fall)",
                   label=f"{NAME}, percentile among its {len(near)} spending-power neighbours")
        display(Markdown(f"{NAME} is at percentile **{pct:.0f}** (0 = largest fall) among these {len(near)} councils; "
                         f"their median change is {near['real_change_pct'].median():+.1f}%."))
        display(near.round(1))

# %% [markdown]
# ### Checking the base year, line by line
#
# A one-off in the base year moves the change before any policy begun in 2011 could act. Every service line of
# 2010/11 is compared with the same council's 2011/12 and with every other council: a line is flagged when its
# one-year change lies more than 3 interquartile ranges outside the quartiles of all councils' changes in that
# line and moves the council's controllable spending by at least 1%. The first table is the area's lines; the
# second every flagged line in England, with its explanation.

# %%
check = finance.baseline_line_check(finance.SAVINGS_BASE_YEARS[0])
cols = ["line", "base_gbp000", "next_gbp000", "change_pct_of_measure", "base_rank", "n_councils",
        "line_median_gbp000", "outlier", "in_measure"]
display(check.loc[check["area_code"] == AREA, cols].round(1))
display(Markdown(finance.baseline_check_text(AREA, finance.SAVINGS_BASE_YEARS[0])))
flagged = check[check["outlier"]]
display(flagged[["area_name", "line", "base_gbp000", "next_gbp000", "change_pct_of_measure", "base_rank",
                 "explanation"]].round(1))

# %% [markdown]
# ## Net outturn against comparators (cash)
#
# The outturn path itself, in cash, against England and the comparator groups of the parameters.

# %% [markdown]
# ## Net adult social care spend, 2011-12 to 2017-18

# %%
asc_note = notes.no_finance_note(AREA, "adult_social_care")
tse_note = notes.no_finance_note(AREA, "total_service_expenditure")
groups = compare.comparator_groups(params)
groups.pop("England")
asc = asc_finance.finance_table(AREA, groups, "adult_social_care")
fig, axes = plt.subplots(1, 2, figsize=(13, 4.3))
plots.finance_plot(asc, AREA, ax=axes[0], value="index", ylabel="cash, 2011/12 = 100",
                   title="Net adult social care spend (cash index)")
plots.finance_plot(asc, AREA, ax=axes[1], value="per_head_gbp", ylabel="GBP per resident (cash)",
                   title="Net adult social care spend per head")
plt.show()
asc.pivot_table(index="area_name", columns="financial_year", values="value_gbp000", sort=False).round(0)

# %%
if asc_note:
    display(Markdown(notes.note_markdown(asc_note, 'no change in adult social care spending is computed')))
else:
    own = asc[asc["role"] == "area"].set_index("financial_year")
    first, last = own.index[0], own.index[-1]
    eng_code = "E92000001"
    pct_area = asc_finance.pct_change(asc, AREA, first, last)
    pct_eng = asc_finance.pct_change(asc, eng_code, first, last)
    rec.record("asc_2011_12", own.loc[first, "value_gbp000"], unit="GBP thousand",
               label=f"{NAME} net adult social care expenditure {first} (cash)")
    rec.record("asc_2017_18", own.loc[last, "value_gbp000"], unit="GBP thousand",
               label=f"{NAME} net adult social care expenditure {last} (cash)")
    rec.record("asc_change_pct", pct_area, unit="%", label=f"{NAME} net adult social care change {first} to {last} (cash)")
    rec.record("england_asc_change_pct", pct_eng, unit="%",
               label=f"England (sum of upper-tier councils) net adult social care change {first} to {last} (cash)")
    per_head = asc.pivot_table(index="area_name", columns="financial_year", values="per_head_gbp", sort=False)
    rec.record("asc_per_head_2017_18", own.loc[last, "per_head_gbp"], unit="GBP per resident",
               label=f"{NAME} net adult social care per head {last} (cash)")
    others = "; ".join(f"{k}: {asc_finance.pct_change(asc, k, first, last):+.1f}%"
                       for k in asc.loc[asc["role"] == "comparator", "area_code"].unique())
    display(Markdown(
        f"{NAME}: £{own.loc[first, 'value_gbp000']:,.0f}k in {first} → £{own.loc[last, 'value_gbp000']:,.0f}k in {last} "
        f"(**{pct_area:+.1f}%** in cash); England (sum of councils) **{pct_eng:+.1f}%**"
        + (f"; {others}" if others else "") + ". "
        f"Per head, {NAME} spent £{own.loc[last, 'per_head_gbp']:.0f} in {last} against "
        f"£{asc.loc[(asc['area_code'] == eng_code) & (asc['financial_year'] == last), 'per_head_gbp'].iloc[0]:.0f} "
        "for England. These are descriptive outturns: no CI applies (they are administrative totals, not samples), "
        "and no counterfactual is implied."))
    display(per_head.round(0))

# %% [markdown]
# The 2014-15 switch of adult social care returns to the new ASC-FR collection is a definitional break for
# gross expenditure; RS net expenditure is less affected, but year-on-year moves across 2014-15 should be read
# with care. 2015-16 and 2016-17 come from a third-party (BBC Shared Data Unit) extract of the same RS returns.
#
# ## Share of total service expenditure

# %%
share = asc_finance.asc_share(AREA)
ax = plots.trend_plot(share.assign(time=share["financial_year"].str[:4].astype(int) + 1.0, value=share["asc_share_pct"]),
                      AREA, title="Adult social care as % of total service expenditure (net)", ylabel="%")
ax.set_xlabel("financial year (start + 1)")
plt.show()
share.pivot_table(index="area_name", columns="financial_year", values="asc_share_pct", sort=False).round(1)

# %% [markdown]
# Total service expenditure is missing for 2015-16 and 2016-17 in our extract (those years come from a source
# that kept service lines only), so the share has gaps there.
#
# ## 2010-11: the combined social-care line (flagged, never split)

# %%
combined = data.load_finance(areas=[AREA], services=["social_care_combined"])
combined[["financial_year", "value_gbp000", "flag"]]


# %% [markdown]
# From 2011-12 the combined line is *derived* (adults + children) so the series can be read across 2010-11; the
# 2010-11 value is as published. Any split of 2010-11 into adults and children would be a guess, so the adult
# series starts in 2011-12.
#
# ## The cash measure the previous savings rule used
#
# Until the amendment of 2026-11-28 (notebook 06 shows both verdicts) the savings claim was graded on the cash
# change in total service expenditure excluding public health. It is kept here for comparison: in cash, and with
# schools inside the total, it cannot tell one council from another.

# %%
def gbp_m(x):
    return f"{'-' if x < 0 else '+'}£{abs(x) / 1000:,.1f}m"


if tse_note:
    display(Markdown(notes.note_markdown(tse_note, 'no change in total service expenditure is computed')))
else:
    tse = asc_finance.finance_table(AREA, groups, "total_service_expenditure")
    plots.finance_plot(tse, AREA, value="index", ylabel="cash, 2010/11 = 100",
                       title="Net total service expenditure (cash index; 2015/16-2016/17 missing)")
    plt.show()
    t_own = tse[tse["role"] == "area"].set_index("financial_year")["value_gbp000"]
    t0, t1 = t_own.index[0], t_own.index[-1]
    t_change = t_own.iloc[-1] - t_own.iloc[0]
    t_pct = asc_finance.pct_change(tse, AREA, t0, t1)
    t_eng = asc_finance.pct_change(tse, "E92000001", t0, t1)
    rec.record("tse_change_gbp000", t_change, unit="GBP thousand",
               label=f"{NAME} net total service expenditure change {t0} to {t1} (cash)")
    rec.record("tse_change_pct", t_pct, unit="%", label=f"{NAME} net total service expenditure change {t0} to {t1} (cash)")
    rec.record("england_tse_change_pct", t_eng, unit="%",
               label=f"England (sum of councils) net total service expenditure change {t0} to {t1} (cash)")
    ph = data.load_finance(areas=[AREA], services=["public_health"]).set_index("financial_year")["value_gbp000"]
    ph_last = float(ph.get(t1, 0.0)) if pd.notna(ph.get(t1, float("nan"))) else 0.0
    excl_change = t_change - ph_last + (float(ph.get(t0, 0.0)) if pd.notna(ph.get(t0, float("nan"))) else 0.0)
    rec.record("tse_excl_ph_change_gbp000", excl_change, unit="GBP thousand",
               label=f"{NAME} net total service expenditure excluding public health, change {t0} to {t1} (cash)")
    reading = ("A cash fall of this size is consistent with savings but is not a measurement of them"
               if t_change < 0 else "Spending did not fall in cash; this says nothing either way about savings")
    display(Markdown(
        f"{NAME}'s net total service expenditure went from £{t_own.iloc[0] / 1000:,.1f}m ({t0}) to "
        f"£{t_own.iloc[-1] / 1000:,.1f}m ({t1}): **{gbp_m(t_change)} ({t_pct:+.1f}%)** in cash, against "
        f"{t_eng:+.1f}% for England (sum of councils). Excluding public health (transferred to councils in "
        f"2013-14, as the claims register does) the change is **{gbp_m(excl_change)}**. {reading}: savings are "
        "counted against a counterfactual budget that includes inflation and demand growth, which these data do "
        "not contain."))

# %% [markdown]
# ### Spending power (context)
#
# Government's measure of the resources available to each council. The series changes definition between
# 2016 and 2017 (revenue spending power → core spending power): two separate lines, never joined.

# %%
sp = data.load_spending_power(areas=[AREA])
if sp.empty:
    display(Markdown(f"*No spending power series for {NAME}.*"))
else:
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for series_name, g in sp.groupby("series"):
        ax.plot(g["period_start"], g["value_gbp_million"], marker="o", label=series_name.replace("_", " "),
                color=plots.AREA_COLOUR, ls="-" if series_name == "core_spending_power" else "--")
    ax.set_xlabel("financial year (start)")
    ax.set_ylabel("GBP million (cash)")
    ax.set_title(f"{NAME}: spending power, two definitions (not joined)")
    ax.legend(frameon=False)
    plt.show()
    display(sp.pivot_table(index="series", columns="financial_year", values="value_gbp_million"))

# %% [markdown]
# **What this notebook does not show.** Whether the council saved £140m against what it would otherwise have
# spent, whether adult social care was *projected* to overspend during 2011, or whether care quality changed.
# It shows start-of-year budgets against outturns and real-terms spending for every council, with the area
# placed in that distribution, and the breaks and gaps in the series stated.
