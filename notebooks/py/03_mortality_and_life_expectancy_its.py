# %% [markdown]
# # 03 · Mortality and life expectancy: interrupted time series
#
# Healthy life expectancy is too short for a formal interrupted time series (notebook 02). Two series are long
# enough: **under-75 mortality from preventable cancer** (persons, 3-year periods 2001-03 to 2015-17, vintage
# 2019-05) and **life expectancy at birth** (ONS, 2001-03 to 2016-18, by sex, vintage 2019-12). For each we fit
# a segmented regression `value ~ time + post + time since break` (OLS with Newey-West HAC standard errors,
# at least 2 lags because consecutive 3-year periods share two years), with GLSAR AR(1) and ARIMA(1,0,0)-error
# fits as a sensitivity check, and comparative ITS against England and against the comparator groups.
#
# **The primary analysis** (pre-specified in `data/analysis_plan.yml`, amendment of 2026-12-06) is the area's
# change *minus the change of the non-GM council average*, with an interval from the placebo-in-space
# distribution of that same comparative statistic - the method the real-panel coverage study selected
# (`docs/inference.md`). The single-series fits below are the area's **own break, national changes included**:
# description only, and their Newey-West/GLSAR/ARIMA intervals are **not calibrated at n = 15**.
#
# *Level change* = the jump at the first post period relative to the projected pre-trend; *slope change* =
# the change in the annual trend after the break. A departure from the pre-trend is not by itself evidence
# that the Deal caused it (co-interventions, regression to the mean: notebook 05).

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

from wigan_deal.notebook import setup
from wigan_deal.studies import mortality, primary

params, rec, AREA, NAME = setup(globals(), "03_mortality_and_life_expectancy_its")

# %% [markdown]
# ## Under-75 preventable cancer mortality: segmented ITS
#
# Directly age-standardised rate per 100,000 (lower is better). The published CIs were not kept in our files;
# the CIs below come from the model.

# %%
cancer = mortality.cancer_study(params, NAME)  # says so and skips the cancer sections without a series
cancer.plot()
plt.show()
cancer.record(rec)
cancer

# %% [markdown]
# ### Primary result (pre-specified): the area minus the non-GM council average
#
# `data/analysis_plan.yml` (block `comparative:`, criterion committed before the study, amendment of 2026-12-06)
# fixes the primary quantity for every outcome: the area's level and slope change at 2011 **minus those of the
# average of the non-GM councils** (segmented OLS on the difference series, rule `start`; for healthy life
# expectancy the before/after change 2009-11 to 2015-17 minus the councils' average change), with a 95%
# interval from inverting the placebo-in-space distribution of the same comparative statistic (each non-GM
# council in turn against the rest). The method is the one the committed rule picked from the real-panel
# coverage study (`docs/inference.md`, notebook 05). Below it, the v1 specification (the area's own break,
# national changes included, permutation interval) is shown as description.

# %%
main = primary.primary_study(AREA)
main.record(rec)
main

# %%
own_break = primary.own_break_description(AREA, NAME)
own_break.record(rec)
own_break

# %% [markdown]
# ### Sensitivity to the error model, and diagnostics
#
# If the three error models disagree about whether a CI excludes zero, the result is fragile. Durbin-Watson
# near 2 and large Ljung-Box / Breusch-Godfrey p-values mean little residual autocorrelation *left after* the
# model; with 15 points these tests have little power.

# %%
if cancer.fit is not None:
    display(cancer.methods(), cancer.diagnostics())

# %% [markdown]
# ### Comparative ITS: against England and the comparator groups
#
# The *difference* model fits the segmented regression to (area − control) per period; the *pooled* model
# (Linden 2015) fits both series jointly with group interactions. Point estimates are identical; standard
# errors differ. The pre-slope difference checks parallel pre-trends (want ≈ 0).

# %%
cancer_vs = mortality.cancer_comparative_study(params, NAME)  # empty without a cancer series
cancer_vs.plot()
plt.show()
cancer_vs.record(rec)
cancer_vs

# %% [markdown]
# ## Life expectancy at birth: segmented ITS by sex
#
# ONS life expectancy at birth, 3-year periods 2001-03 to 2016-18 (vintage 2019-12; no CIs in our files).
# Higher is better. Life expectancy improvement stalled across England after about 2011, so a slope
# "deterioration" in a single-area ITS largely reflects the national stall; the comparative ITS below asks
# whether the area departed from England's path.

# %%
le = mortality.own_break_study(params, NAME, "le_birth", mortality.LE_VINTAGE, key="le", what="life expectancy", short="LE")
le.plot()
plt.show()
le.record(rec)
display(le.methods())  # level and slope change under three error models

# %%
le  # the ITS paragraphs, and the comparative ITS against each comparator group

# %% [markdown]
# ## Under-75 mortality from preventable causes (2019 definition)
#
# A different, later definition (OHID, single calendar years 2010–2022, vintage 2024-04): a supplement, not a
# continuation of the cancer series. With single years from 2010, a 2011 break leaves one pre-period, so an
# ITS is possible only for later break years; otherwise the series is shown descriptively.

# %%
prev = mortality.preventable_study(params, NAME)
prev.plot()
plt.show()
prev.record(rec)
prev

# %% [markdown]
# ## Life expectancy at 65: segmented ITS by sex
#
# ONS life expectancy at age 65 (same release and periods as life expectancy at birth, vintage 2019-12; no CIs
# in our files). The Deal's older-people services (reablement, care at home) would show here before they show in
# life expectancy at birth. Same engine, same break year and post rule as the series above. The intervals in this
# section (own break and comparative ITS against England and the groups) are Newey-West: **interval not calibrated
# at n = 16**. The calibrated primary result for life expectancy at 65 (Wigan minus the non-GM council average,
# placebo-in-space interval) is in the primary table at the top of this notebook.

# %%
le65 = mortality.own_break_study(params, NAME, "le_65", mortality.LE_VINTAGE, key="le65", what="life expectancy at 65",
                                 short="LE at 65", comparative="slope")
le65.plot()
plt.show()
le65.record(rec)

# %%
le65

# %% [markdown]
# ## Inequality in life expectancy within the area (slope index of inequality)
#
# PHOF 0.2vi: the gap in life expectancy at birth between the most and least deprived parts of the area (years;
# smaller is better), 3-year periods from 2010-12 (vintage 2019-05). With a 2011 break there is at most one
# pre-period, so the engine refuses an ITS (its message is shown) and the series is described against England
# and the comparator groups: description, not attribution.

# %%
inequality = mortality.inequality_study(params, NAME)
inequality.plot(params)
plt.show()
inequality.record(rec)
inequality

# %% [markdown]
# ## Before and after Greater Manchester devolution (April 2016)
#
# Greater Manchester took on health and social care budgets in April 2016, a co-intervention for any GM borough.
# Each post-2011 comparison is repeated with the window ending at the last period wholly before devolution, and
# against the Greater Manchester boroughs (the other nine for a GM borough) as well as England, so the Deal period can be told apart from the
# devolution period. (For an area outside GM the GM boroughs are simply another reference group.)

# %%
mortality.devolution_study(params)

# %% [markdown]
# **What this notebook does not show.** No cardiovascular mortality series exists in our data, so the CVD half
# of the report's mortality claim cannot be tested. The models are fitted to 15–16 overlapping periods: the
# Newey-West, GLSAR and ARIMA intervals are not calibrated at this length (`docs/inference.md`); only the
# primary table's placebo-in-space intervals are. Whether the
# area's departures from trend are unusual compared with other councils is the job of notebook 05.
