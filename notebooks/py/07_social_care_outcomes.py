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
from IPython.display import Markdown

from wigan_deal.notebook import setup
from wigan_deal.studies import social_care

params, rec, AREA, NAME = setup(globals(), "07_social_care_outcomes")

# %%
pathway = social_care.pathway_study(AREA, NAME)
pathway.record(rec)
Markdown(pathway.context())  # which measures have a pre-Deal baseline; the peer groups

# %% [markdown]
# ## The pathway at a glance
#
# Each row is one measure; each dot is the area's position among English councils in one year (100 = best,
# direction-adjusted: fewer care-home admissions and delayed transfers count as better); darker dots are later
# years. The black bar is England in the latest ASCOF year. The Greater Manchester-only series has no
# all-council distribution and is shown in the measure figures below instead.

# %%
pathway.plot()
plt.show()
pathway  # the latest year of each pathway measure

# %% [markdown]
# ## Measure by measure
#
# Grey points are every council; the area, and the mean of each comparator group over its councils with data.
# Solid lines are ASCOF / LG Inform, dashed lines Oflog (a different publication: never joined).

# %%
pathway.plot_measures()
plt.show()

# %% [markdown]
# ## Every measure and year
#
# The full comparison table: the area, England, each group's mean (with how many councils had a value) and
# the all-council median and percentile. `flag` carries the data-layer warnings (derived 65+ values, the
# 2019-20 wording notes).

# %%
pathway.full()

# %% [markdown]
# ## Before and after Greater Manchester devolution (April 2016)
#
# Only the Greater Manchester series of 2B(1) (reablement, from 2010-11) spans the Deal's start and devolution.
# Its change is shown to the last financial year before devolution (2015-16) and to the last year held, against
# the Greater Manchester boroughs (the other nine for a GM borough; no England row exists for this series).

# %%
social_care.reablement_devolution(AREA)

# %% [markdown]
# ## Missing measures
#
# A council can lack a measure because a value was suppressed (small numbers), because the council was
# reorganised (e.g. Northamptonshire 2021, Cumbria/North Yorkshire/Somerset 2023), or because a source covers
# only some councils.

# %%
Markdown(pathway.missing_text())

# %% [markdown]
# **What this notebook does not show.** Whether the Deal changed any of these outcomes: with no pre-2011
# baseline for nearly every measure and Greater Manchester devolution from 2016, differences between the area
# and its peers describe where it stands, not why.
