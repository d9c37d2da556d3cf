# %% [markdown]
# # 07 · Outcomes on the Deal's own pathway: adult social care
#
# The Deal is a social-care and community programme. Its own pathway runs through reablement, care-home
# admissions, hospital discharge, and what people who use services say about their quality of life and care.
# This notebook sets the area against England, its ONS similar areas, its deprivation-matched peers (when the
# data build has them), the other Greater Manchester boroughs (regional peers outside GM) and the distribution
# over all English councils, for every Adult Social Care Outcomes Framework (ASCOF) measure and year we hold.
#
# * **Sources, kept apart.** NHS Digital ASCOF 2018-19 and 2019-20 for every council and England (a
#   third-party processed open-data file: measure wording changed between years, so measures are matched by
#   ASCOF *code*; 65+ values the processor derived are flagged); Oflog's adult social care measures
#   2015-16 to 2022-23 (councils only, no England row; its quality of life is ASCOF 1J, not 1A); and the
#   Greater Manchester series of 2B(1) from 2010-11 and 2A(2) from 2014-15 (LG Inform, no England row).
# * **Definitions.** ASCOF 2A changed definition in 2014-15 (SALT replaced ASC-CAR): no series here crosses it.
# * **Description, not attribution.** Almost nothing here has a pre-2011 baseline, so these comparisons say
#   where the area stands, not what the Deal did.

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
from wigan_deal.studies import compare

params, rec, AREA, NAME = setup(globals(), "07_social_care_outcomes")

# %%
from wigan_deal import lasting, outcomes

groups, group_notes = outcomes.peer_groups(AREA)
table = outcomes.comparison_table(AREA, groups=groups)
display(Markdown(outcomes.baseline_note(AREA) + "\n\n" + compare.describe_groups(groups)
                 + ("\n\n" + " ".join(group_notes) if group_notes else "")))

# %% [markdown]
# ## The pathway at a glance
#
# Each row is one measure; each dot is the area's position among English councils in one year (100 = best,
# direction-adjusted: fewer care-home admissions and delayed transfers count as better); darker dots are later
# years. The black bar is England in the latest ASCOF year. The Greater Manchester-only series has no
# all-council distribution and is shown in the measure figures below instead.

# %%
outcomes.pathway_figure(AREA, table)
plt.show()
latest = outcomes.latest(table)
cols = ["measure_code", "title", "financial_year", "source", "area", *groups, "council_median", "percentile"]
latest[[c for c in cols if c in latest.columns]].round(3)

# %%
rec.record_table("pathway", latest[[c for c in cols if c in latest.columns]].round(3))
for r in latest.itertuples():
    key = "pathway_" + "".join(ch for ch in r.measure_code.lower() if ch.isalnum())
    rec.record(key, r.area, unit=r.unit, label=f"{NAME} {r.measure_code} {r.title}, {r.financial_year} ({r.source})",
               note=(f"England {r.England:.3g}; " if r.England == r.England else "no England row; ")
               + f"percentile among {r.n_councils} councils {r.percentile:.0f} (100 = best)")
missing = [m for m in outcomes.PATHWAY if m not in set(latest["measure_code"])]
if missing:
    display(Markdown(f"**No value for {NAME}:** {', '.join(missing)} (see the notes at the end)."))

# %% [markdown]
# ## Measure by measure
#
# Grey points are every council; the area, and the mean of each comparator group over its councils with data.
# Solid lines are ASCOF / LG Inform, dashed lines Oflog (a different publication: never joined).

# %%
fig, axes = plt.subplots(3, 3, figsize=(15, 11))
for ax, code in zip(axes.ravel(), outcomes.PATHWAY, strict=False):
    outcomes.measure_figure(AREA, code, {k: v for k, v in groups.items() if k != "England"}, ax=ax)
    eng = data.load_social_care(code, areas=["E92000001"])
    ax.plot(eng["period_start"], eng["value"], marker="s", color="black", lw=1, label="England")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Every measure and year
#
# The full comparison table: the area, England, each group's mean (with how many councils had a value) and
# the all-council median and percentile. `flag` carries the data-layer warnings (derived 65+ values, the
# 2019-20 wording notes).

# %%
full = table.drop(columns=["title", "unit", "higher_is_better"]).round(3)
full

# %% [markdown]
# ## Before and after Greater Manchester devolution (April 2016)
#
# Only the Greater Manchester series of 2B(1) (reablement, from 2010-11) spans the Deal's start and devolution.
# Its change is shown to the last financial year before devolution (2015-16) and to the last year held, against
# the Greater Manchester boroughs (the other nine for a GM borough; no England row exists for this series).

# %%
dev = lasting.devolution_windows("ascof_2b1_home_91days", AREA, "2010/11")
display(Markdown(lasting.devolution_text(dev, AREA, "2B(1) still at home 91 days after reablement (percentage points)")))
dev.round(2)

# %% [markdown]
# ## Missing measures
#
# A council can lack a measure because a value was suppressed (small numbers), because the council was
# reorganised (e.g. Northamptonshire 2021, Cumbria/North Yorkshire/Somerset 2023), or because a source covers
# only some councils.

# %%
notes = outcomes.missing_notes(AREA, table)
display(Markdown("\n".join(f"* {n}" for n in notes) if notes else f"*{NAME} has every measure in every year held.*"))

# %% [markdown]
# **What this notebook does not show.** Whether the Deal changed any of these outcomes: with no pre-2011
# baseline for nearly every measure and Greater Manchester devolution from 2016, differences between the area
# and its peers describe where it stands, not why.
