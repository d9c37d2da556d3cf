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
from IPython.display import display

from wigan_deal import data
from wigan_deal.notebook import setup
from wigan_deal.studies import asc_finance

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
budget = asc_finance.budget_study(AREA, NAME)
budget.record(rec)
budget.plot()
plt.show()
budget

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
budget.band()

# %% [markdown]
# ## Real terms and per head
#
# Real-terms net adult social care outturn per adult and per person aged 65+ (mid-2019 populations for every
# year, so the change over time reflects spending, not population growth), against the middle half of councils.

# %%
budget.plot_per_head()
plt.show()
budget.per_head()

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
savings = asc_finance.savings_study(AREA, NAME)
savings.plot()
plt.show()
savings.record(rec)
savings

# %% [markdown]
# ### Councils with a similar fall in spending power
#
# Councils whose funding fell alike faced the same squeeze. Core spending power starts in 2016/17 and cannot be
# joined to the earlier revenue spending power series, so "similar" means the councils whose real-terms revenue
# spending power changed most like the area's between 2011/12 and 2015/16.

# %%
neighbours = savings.neighbours()  # None when there is no savings figure
if neighbours is not None:
    neighbours.record(rec)
neighbours

# %% [markdown]
# ### Checking the base year, line by line
#
# A one-off in the base year moves the change before any policy begun in 2011 could act. Every service line of
# 2010/11 is compared with the same council's 2011/12 and with every other council: a line is flagged when its
# one-year change lies more than 3 interquartile ranges outside the quartiles of all councils' changes in that
# line and moves the council's controllable spending by at least 1%. The first table is the area's lines; the
# second every flagged line in England, with its explanation.

# %%
check = asc_finance.baseline_check_study(AREA)
display(check.area_lines())
check  # every flagged line in England, with its explanation

# %% [markdown]
# ## Net outturn against comparators (cash)
#
# The outturn path itself, in cash, against England and the comparator groups of the parameters.
# A change stated in words, England's or a comparator group's, sums the councils reporting in both of its years,
# as the claims register does; the index and per-head lines sum those reporting in every year, so that each line
# is like-for-like.

# %% [markdown]
# ## Net adult social care spend, 2011-12 to 2017-18

# %%
asc_cash = asc_finance.asc_cash_study(params, NAME)
asc_cash.plot()
plt.show()
asc_cash.cash_table()

# %%
asc_cash.record(rec)
asc_cash

# %% [markdown]
# The 2014-15 switch of adult social care returns to the new ASC-FR collection is a definitional break for
# gross expenditure; RS net expenditure is less affected, but year-on-year moves across 2014-15 should be read
# with care. 2015-16 and 2016-17 come from a third-party (BBC Shared Data Unit) extract of the same RS returns.

# %% [markdown]
# ## Share of total service expenditure

# %%
share = asc_finance.share_study(AREA)
share.plot()
plt.show()
share

# %% [markdown]
# Total service expenditure is missing for 2015-16 and 2016-17 in our extract (those years come from a source
# that kept service lines only), so the share has gaps there.

# %% [markdown]
# ## 2010-11: the combined social-care line (flagged, never split)

# %%
combined = data.load_finance(areas=[AREA], services=["social_care_combined"])
combined[["financial_year", "value_gbp000", "flag"]]

# %% [markdown]
# From 2011-12 the combined line is *derived* (adults + children) so the series can be read across 2010-11; the
# 2010-11 value is as published. Any split of 2010-11 into adults and children would be a guess, so the adult
# series starts in 2011-12.

# %% [markdown]
# ## The cash measure the previous savings rule used
#
# Until the amendment of 2026-11-28 (notebook 06 shows both verdicts) the savings claim was graded on the cash
# change in total service expenditure excluding public health. It is kept here for comparison: in cash, and with
# schools inside the total, it cannot tell one council from another.

# %%
tse_cash = asc_finance.tse_cash_study(params, NAME)
tse_cash.plot()
plt.show()
tse_cash.record(rec)
tse_cash

# %% [markdown]
# ### Spending power (context)
#
# Government's measure of the resources available to each council. The series changes definition between
# 2016 and 2017 (revenue spending power → core spending power): two separate lines, never joined.

# %%
power = asc_finance.spending_power_study(AREA, NAME)
power.plot()
plt.show()
power

# %% [markdown]
# **What this notebook does not show.** Whether the council saved £140m against what it would otherwise have
# spent, whether adult social care was *projected* to overspend during 2011, or whether care quality changed.
# It shows start-of-year budgets against outturns and real-terms spending for every council, with the area
# placed in that distribution, and the breaks and gaps in the series stated.
