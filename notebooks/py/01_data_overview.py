# %% [markdown]
# # 01 · What data exist
#
# Every number in this report comes from the committed extracts in `data/extracts/`, built from official
# statistics (Open Government Licence v3.0) with a machine-readable provenance record. This notebook lists the
# indicators, their vintages and periods, what exists for the chosen area, and where each file came from.
# It estimates nothing.

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

from wigan_deal.notebook import setup
from wigan_deal.studies import overview

params, rec, AREA, NAME = setup(globals(), "01_data_overview")

# %% [markdown]
# ## Indicators
#
# One row per indicator: unit, the periods it covers, the vintages kept (separately: a later vintage is
# never spliced onto an earlier one) and how many areas have data.

# %%
indicators = overview.indicator_study()
indicators.record(rec)
indicators  # the catalogue and the HLE vintages kept

# %% [markdown]
# ## Coverage for the chosen area
#
# Number of values per series and period start year (two per period for series by sex). Three-year rolling
# periods are placed at their first year. A blank row means the area has no data in that series: the
# notebooks that need it say so and skip that part.

# %%
coverage = overview.coverage_study(AREA, NAME)
coverage.plot()
plt.show()

# %%
coverage.record(rec)
coverage

# %% [markdown]
# ## Periods and the pre/post rule
#
# Multi-year periods are assigned to *before* or *after* the break by an explicit rule (`post_rule`, see
# `wigan_deal.periods`). The table shows how each period of the main series falls for the chosen break year.

# %%
overview.period_rule_study(params)

# %% [markdown]
# ## Comparators
#
# The comparator groups requested by the `comparators` parameter, resolved for this area. `gm` means the
# other nine Greater Manchester boroughs for a GM area; for an area outside GM the data layer substitutes the
# other upper-tier councils of its region (stated in the label). `nearest` uses the ONS *Explore Local
# Statistics* similar-areas model (CIPFA nearest neighbours are licensed and unavailable), restricted to
# English upper-tier councils.

# %%
comparators = overview.comparator_study(params)
comparators.record(rec)
comparators

# %% [markdown]
# ## Provenance
#
# Every raw file behind the extracts, with publisher, dataset, Fingertips indicator id where there is one,
# vintage, licence and the first 12 characters of its sha256 (the full values are in `data/provenance.json`;
# a test rebuilds the extracts and checks they are byte-identical).

# %%
provenance = overview.provenance_study()
provenance.record(rec)
provenance

# %% [markdown]
# **What this does not show.** Coverage is not quality: the data log (`docs/data_log.md`) records for each
# source what it measures, its sampling error (HLE and smoking are survey-based with wide local CIs that our
# files did not keep) and its definitional breaks (finance 2014-15, spending power 2016/17).
