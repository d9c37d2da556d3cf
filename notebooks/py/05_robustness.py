# %% [markdown]
# # 05 · Robustness: is the area's change unusual?
#
# Notebook 03 found departures from pre-trend. This notebook asks whether they survive four falsification
# checks:
#
# 1. **placebo in time** — the same model with fake breaks *inside* the pre-period should find nothing;
# 2. **break-year sensitivity** — 2009 to 2014 (the Deal's 2011 start vs the 2013/14 "Deal for Health");
# 3. **placebo in space** — the same model for every upper-tier council: where does the area rank?
# 4. **synthetic control** — a weighted combination of other councils that tracked the area before the break.
#
# The main outcome is under-75 preventable cancer mortality (the longest pre-period); where an area has no
# such series, life expectancy at birth (focus sex) is used instead and this is stated.

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
from wigan_deal.studies import primary, robustness

params, rec, AREA, NAME = setup(globals(), "05_robustness")
outcome = robustness.robustness_outcome(AREA, params.sex)  # cancer mortality, else LE; complete series only
outcome  # what is tested, and why the first choice is not used when it is not

# %% [markdown]
# ## 1. Placebo in time
#
# Only the pre-break periods are kept, and a fake break is placed at every year that leaves at least three
# points on each side. A credible effect at the real break should not be matched by similar "effects" at fake
# breaks where nothing happened.

# %%
placebo_time = robustness.placebo_time_study(params, NAME, outcome)
placebo_time.plot()
plt.show()
placebo_time.record(rec)
placebo_time

# %% [markdown]
# ## 2. Break-year sensitivity
#
# The same model with each candidate break year. The King's Fund dates the Deal from 2011; the "Deal for
# Health" and community investment followed in 2013-14.

# %%
break_years = robustness.break_year_study(params, NAME, outcome)
break_years.plot()
plt.show()
break_years.record(rec)
break_years

# %% [markdown]
# ## 3. Placebo in space
#
# The same segmented model for every upper-tier council with a complete series (England excluded), fitted in
# one vectorised step. Rank 1 = the largest improvement; the permutation p-value is
# (1 + number of councils with an effect at least as large) / (1 + number of councils).

# %%
space = robustness.space_study(params, NAME, outcome)
space.plot()
plt.show()
space.record(rec)
space

# %% [markdown]
# ### Regression to the mean
#
# Areas that start badly tend to improve more, whatever they do. Across councils, is the pre-break level
# related to the estimated level change?

# %%
rtm = space.rtm()  # regression to the mean, from the placebo-in-space fits
rtm.plot()
plt.show()
rtm.record(rec)
rtm

# %% [markdown]
# ## 4. Synthetic control
#
# Donor weights (non-negative, summing to one) are chosen so the weighted donors track the area's pre-break
# path; after the break the gap (area − synthetic) is the estimated effect. **Default donor pool: all
# upper-tier councils except Greater Manchester**, because the GM boroughs share the April 2016 health and
# social care devolution (a co-intervention) and regional shocks with a GM area; including them would let a
# GM-wide change cancel out. For an area outside GM nothing is excluded. Inference is by in-space placebos
# (every donor treated in turn, ranked by post/pre RMSPE ratio).
#
# With more donors (~100) than pre-periods (~10) a synthetic control can fit the pre-period almost exactly by
# interpolation (Abadie 2021): a near-zero pre-RMSPE is then a warning, not a virtue. The alternative pools in
# the table (ONS similar areas only; all councils including GM) show how much the answer depends on the pool.
# This section's default pool is shown for continuity; **the headline synthetic control is chosen in section 8**
# by a rule written before the area's pools were looked at (`data/synth_headline.yml`: no interpolating fit, then
# the first adequately fitting pool in a fixed order), and every pool is shown there.

# %%
synth_default = robustness.synth_study(params, NAME, outcome)
synth_default.plot()
plt.show()
synth_default.record(rec)
synth_default

# %% [markdown]
# ## Greater Manchester devolution and other co-interventions
#
# From April 2016 health and social care budgets in Greater Manchester were devolved. Any post-2016 change in
# a GM borough cannot be attributed to a borough's own programme alone. The comparative ITS against the other
# GM boroughs (notebook 03) nets out GM-wide changes; the synthetic control's default pool excludes GM for the
# same reason. Neither controls for everything else that changed after 2011 (austerity, national public health
# policy), which affected all councils and is therefore part of every comparator.
#
# **What this notebook does not show.** Passing these checks would not prove the Deal caused a change;
# failing them means the change is not distinguishable from what many councils experienced without it.

# %% [markdown]
# ## 5. Are the intervals honest? The coverage study
#
# A seeded simulation at this project's real designs (15-16 overlapping 3-year periods, break 2011) asks how
# often each method's 95% interval covers the true effect when the errors are MA(2) from the overlap, AR(1),
# or both (`docs/inference.md`; `python -m wigan_deal.inference build`). The primary method of
# `data/analysis_plan.yml` is the one this table supports.
#
# Two studies. The first (below the figure) is the v1 simulation for the area's **own break**: it chose the
# permutation interval of the single-series statistic and shows that Newey-West, GLSAR and ARIMA intervals are
# **not calibrated at n = 15**. The second is the **real-panel study** that selected the primary method for the
# comparative estimand (the area minus the non-GM council average): every non-GM council in turn is
# pseudo-treated on the real data, known effects are injected after 2011, and each candidate's coverage,
# size, power and width are recorded (`python -m wigan_deal.panel_coverage build`).

# %%
coverage = primary.coverage_study()
coverage.plot()
plt.show()
coverage

# %% [markdown]
# ## 6. Primary analysis, and placebo breaks under it
#
# The pre-specified primary analysis: the area **minus the non-GM council average**, with the placebo-in-space
# interval of that comparative statistic (`data/analysis_plan.yml`, amendment of 2026-12-06), and the same
# method at every placebo break inside the pre-period. With intervals that cover 95%, about one placebo break
# in twenty should "find" an effect by chance. Below it, the v1 specification (the area's own break, national
# changes included) as description.

# %%
primary_placebo = primary.primary_placebo_study(AREA, NAME, outcome)
primary_placebo.record(rec)
primary_placebo

# %% [markdown]
# ## 7. Specification curves: every other specification
#
# Every combination of comparator (none, England, ONS similar areas, IoD2019 deprivation-matched councils;
# GM boroughs included or excluded), error model (OLS, Newey-West(2), GLSAR, permutation), break year
# (2011, 2013, 2014) and post rule (start, mid, end), sorted by estimate; the synthetic-control donor pools of
# section 4 are listed with the main outcome. The red point is the pre-specified primary analysis (the area minus the non-GM council average). Shares
# of intervals excluding zero are given **separately for each inference method**, with whether that method's
# intervals are calibrated at n = 15 (OLS, Newey-West and GLSAR are not). The
# sentences below are generated from these results.

# %%
curves = robustness.spec_curve_study(AREA, outcome, synth_default)
curves.plot()
plt.show()
curves.record(rec)
display(curves)
curves.synth_rows()  # the synthetic-control pools of section 4 on the main outcome's curve

# %% [markdown]
# ## 8. Synthetic control, reported whole
#
# Every donor pool side by side (all councils, all non-GM councils, ONS similar areas, IoD2019
# deprivation-matched councils), with the pre-period RMSPE, the post/pre RMSPE-ratio permutation p-value,
# leave-one-out donors (refit without each weighted donor: range of the mean post gap), a warning where more
# donors than pre-periods give a near-exact pre-fit, and the block-conformal p-value of Chernozhukov, Wüthrich
# & Zhu (2021), whose smallest attainable value is 1/T (`wigan_deal.synth_whole` explains why that rules out
# a bounded 95% conformal interval here). The column `headline` marks the pool chosen by the pre-specified rule in
# `data/synth_headline.yml` (docs/synthetic_control.md); the summary names it first: "area minus its synthetic
# control (pool ...)". A pool flagged `interpolates` is never the headline.

# %%
robustness.synth_pools_study(params, NAME, outcome)
