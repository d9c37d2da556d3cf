# %% [markdown]
# # 02 · Healthy life expectancy: the report's headline
#
# The King's Fund report says healthy life expectancy (HLE) in Wigan rose "bucking the national trend". This
# notebook shows HLE at birth for the chosen area against England and the comparator groups, by sex, in the
# vintage chosen by the `vintage` parameter (default 2019-05, what the authors could see); the change
# between two non-overlapping periods; why no interrupted-time-series model can be fitted to HLE; how much
# later releases revised the same periods; and what happened after the report.
#
# **Confidence intervals.** ONS publishes 95% CIs of roughly ±1.5–2.5 years for local-authority HLE, but the
# source files behind our extracts did not keep them. Points below therefore have no error bars; the first table
# of changes gets an *approximate* CI from the register's original assumption (±1.5 years per LA estimate, ±0.2
# for England, non-overlapping periods independent; `config`), and the claims rule's per-council noise model
# (the publisher's significance flags bound each council's half-width) is shown beside it further down.

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
from IPython.display import Markdown, display

from wigan_deal import data
from wigan_deal.notebook import setup
from wigan_deal.studies import hle

params, rec, AREA, NAME = setup(globals(), "02_healthy_life_expectancy")

# %% [markdown]
# ## HLE over time, by sex
#
# The area (red), England (black) and the unweighted mean of each comparator group, in one vintage.

# %%
hle_change = hle.change_study(params, NAME)  # the report's window, CI from the register's original assumption
display(Markdown(hle.comparators_text(params, params.vintage)))
hle.trend_figure(params, params.vintage, title=f"{{sex}} HLE at birth (vintage {params.vintage})",
                 break_year=params.break_year)
plt.show()

# %% [markdown]
# ## Change between the first period and the last period before the report
#
# The report's window is 2009-11 (the first HLE period) to 2015-17 (the last published before June 2019);
# the two periods do not overlap. If the chosen vintage lacks one of them the nearest available period is
# used and stated.

# %%
hle_change.record(rec)
hle_change

# %% [markdown]
# The approximate CIs are wide because each LA HLE estimate rests on a survey sample of a few hundred people
# per year. A rise that looks large in points can be within sampling noise, and a single end-point (2015-17)
# can be a high draw: the next periods in the same vintage show whether it held.
#
# ### How the area's change compares with every comparator
#
# Each dot is one area's change over the same window (focus sex from the `sex` parameter); the area and
# England have whiskers from the approximate CI.

# %%
hle_change.plot()
plt.show()
display(Markdown(hle_change.focus_text()))

# %% [markdown]
# ## Why no interrupted time series for HLE
#
# A segmented regression needs a pre-intervention *trend*: at least three pre-break points (the engine's
# minimum; eight are recommended). HLE starts in 2009-11, so with the default break (2011) and post rule there
# are only one or two pre-periods. The engine refuses, and we show its message rather than force a fit.

# %%
its_refusal = hle.its_refusal(hle_change, params)
its_refusal.record(rec)
its_refusal

# %% [markdown]
# ## Revisions: the same periods in every vintage
#
# ONS re-estimated the HLE back-series in 2024/25. Each line below is one vintage of the same indicator
# (area solid, England dashed); lines are never joined across vintages.

# %%
revisions = hle.revision_study(hle_change)
revisions.plot()
plt.show()
revisions.record(rec)
revisions

# %% [markdown]
# ## After the report: did it last?
#
# The latest vintage runs to 2022-24 (it starts at 2015-17, so it cannot be compared with 2009-11 directly).
# We compare the England-minus-area gap in the report's end period (report vintage) with the gap in the latest
# period (latest vintage): two separate numbers from two vintages, not a spliced series.

# %%
latest = data.vintages("hle_birth")[-1]
hle.trend_figure(params, latest, title=f"{{sex}} HLE at birth, latest vintage ({latest})")
plt.show()
gap = hle.gap_study(hle_change, latest)
gap.record(rec)
gap

# %% [markdown]
# ## Did it last? Every end point, not one
#
# A single end point can carry a whole conclusion: one rolling step can reverse the sign. Below, the area's change
# relative to England is measured from the report's last period (2015-17) to **every** later period, in **every**
# later vintage, with a straight line fitted through the gap (open circle = the change the fitted trend implies
# over the window). Vintages on the revised ONS HLE method (2024/25 releases) are dashed: they are compared within
# themselves, never spliced with earlier vintages.

# %%
lasting = hle.lasting_study(hle_change)  # every later end point, in every later vintage
lasting.plot()
plt.show()
lasting.record(rec)
lasting

# %% [markdown]
# ## Before and after Greater Manchester devolution (April 2016)
#
# The report's window (2009-11 to 2015-17) overlaps GM health and social care devolution (from April 2016). The
# same change is shown with the window ending at the last period wholly before devolution (2013-15), against
# England and against the Greater Manchester boroughs (the other nine when the area is one of them, all ten otherwise).

# %%
devolution = hle.devolution_study(hle_change)
devolution.record(rec)
devolution

# %% [markdown]
# **What this notebook does not show.** It does not show that the Deal caused any change: there is no
# pre-trend to project, no CI from the source, and the end-points are single survey-based estimates that were
# later revised. Notebook 03 uses longer series (mortality, life expectancy) for a formal ITS; notebook 05
# tests whether the area's changes stand out among all councils; notebook 06 grades the claim by its
# pre-specified rule.

# %% [markdown]
# ## How noisy is one council's HLE estimate? (sensitivity beside the verdict)
#
# The source files carry no intervals. Since its amendment of 2026-12-06 the claim's rule gives each council its
# own 95% half-width (`wigan_deal.hle_ci`): the publisher's significance flags (each council's 95% CI compared
# with England's value, period by period) bound it, and within those bounds the empirical noise - from the
# negative correlation of consecutive non-overlapping changes across councils (`sigma_cov`) - scaled by the
# council's population sets it. The table shows the difference vs England under that model beside one SD for
# every council (the original assumed +/-1.5 years, `sigma_cov`, and the upper bound `sigma_upper` from the
# spread of changes), the change adjusted for regression to the mean (change regressed on the 2009-11 level
# across councils) with its rank, and the smallest effect each analysis could detect with 80% power
# (`wigan_deal.hle_noise`).

# %%
noise = hle.noise_study(hle_change)  # always vintage 2019-05; nothing shown for a council without HLE in it
noise.record(rec)
noise
