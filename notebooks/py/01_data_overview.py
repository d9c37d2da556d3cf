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
import pandas as pd
from IPython.display import Markdown, display

from wigan_deal import data, plots
from wigan_deal.notebook import setup
from wigan_deal.studies import compare

params, rec, AREA, NAME = setup(globals(), "01_data_overview")

# %% [markdown]
# ## Indicators
#
# One row per indicator: unit, the periods it covers, the vintages kept (separately: a later vintage is
# never spliced onto an earlier one) and how many areas have data.

# %%
catalogue = data.indicators()
catalogue[["indicator", "title", "unit", "sexes", "vintages", "default_vintage", "first_period", "last_period",
           "period_type", "n_areas"]]

# %%
hle_vintages = data.vintages("hle_birth")
rec.record("n_indicators", len(catalogue), label="Indicators in the extracts", unit="count")
rec.record("n_hle_vintages", len(hle_vintages), label="Healthy life expectancy vintages kept", unit="count")
display(Markdown(
    f"There are **{len(catalogue)} indicators**. Healthy life expectancy (the report's headline) exists in "
    f"**{len(hle_vintages)} vintages** ({', '.join(hle_vintages)}); the report could only have seen "
    f"{hle_vintages[0]}. Later vintages revise the back-series, so they answer *did it last*, not *what did "
    "the authors see* (notebook 02)."))

# %% [markdown]
# ## Coverage for the chosen area
#
# Number of values per series and period start year (two per period for series by sex). Three-year rolling
# periods are placed at their first year. A blank row means the area has no data in that series: the
# notebooks that need it say so and skip that part.

# %%
cov = compare.coverage(AREA)
ax = plots.coverage_heatmap(cov, title=f"Values available for {NAME}, by period start year")
plt.show()

# %%
present = cov.index[cov.sum(axis=1) > 0]
missing = cov.index[cov.sum(axis=1) == 0]
rec.record("n_series_with_data", len(present), label=f"Series (indicator x vintage, finance lines) with data for {NAME}",
           unit="count")
rec.record("n_values_area", int(cov.to_numpy().sum()), label=f"Values available for {NAME}", unit="count")
display(Markdown(
    f"{NAME} has data in **{len(present)} of {len(cov)}** series."
    + (f" No data for: {', '.join(missing)}." if len(missing) else " Every series has data for this area.")))

# %% [markdown]
# ## Periods and the pre/post rule
#
# Multi-year periods are assigned to *before* or *after* the break by an explicit rule (`post_rule`, see
# `wigan_deal.periods`). The table shows how each period of the main series falls for the chosen break year.

# %%
from wigan_deal.periods import add_time_columns

periods = {name: data.load_indicator(name, areas=["E92000001"])[["period", "period_start", "period_end"]]
           .drop_duplicates() for name in ("hle_birth", "le_birth", "u75_prev_cancer_mortality")}
rule_table = pd.concat({k: add_time_columns(v, params.break_year, params.post_rule).set_index("period")["post"]
                        for k, v in periods.items()}, axis=1).sort_index()
counts = rule_table.apply(lambda c: f"{int((c == False).sum())} pre / {int((c == True).sum())} post")  # noqa: E712
display(Markdown(f"With a {params.break_year} break and post rule `{params.post_rule}`: "
                 + "; ".join(f"**{k}** {v}" for k, v in counts.items()) + "."))
rule_table.replace({True: "post", False: "pre"}).fillna("")

# %% [markdown]
# ## Comparators
#
# The comparator groups requested by the `comparators` parameter, resolved for this area. `gm` means the
# other nine Greater Manchester boroughs for a GM area; for an area outside GM the data layer substitutes the
# other upper-tier councils of its region (stated in the label). `nearest` uses the ONS *Explore Local
# Statistics* similar-areas model (CIPFA nearest neighbours are licensed and unavailable), restricted to
# English upper-tier councils.

# %%
groups = compare.comparator_groups(params)
rec.record("n_comparator_areas", len(params.comparator_codes), label="Comparator areas (all groups)", unit="count")
pd.DataFrame([{"group": k, "n": len(v), "areas": ", ".join(data.area_name(c) for c in v)} for k, v in groups.items()])

# %% [markdown]
# ## Provenance
#
# Every raw file behind the extracts, with publisher, dataset, Fingertips indicator id where there is one,
# vintage, licence and the first 12 characters of its sha256 (the full values are in `data/provenance.json`;
# a test rebuilds the extracts and checks they are byte-identical).

# %%
prov = data.provenance()
shown = prov.assign(sha256=prov["raw_sha256"].str[:12])[
    ["publisher", "title", "indicator", "fingertips_id", "vintage", "licence", "sha256", "extract"]]
rec.record("n_datasets", len(prov), label="Raw datasets with provenance", unit="count")
rec.record("all_checksums_match", bool(prov["raw_sha256_matches_catalogue"].fillna(False).all()),
           label="All raw files match the catalogue sha256")
licences = sorted(prov["licence"].dropna().unique())
display(Markdown(f"**{len(prov)} raw datasets**; licence(s): {', '.join(licences)}. "
                 f"Raw checksums match the catalogue for {int(prov['raw_sha256_matches_catalogue'].fillna(False).sum())} "
                 f"of {len(prov)}."))
shown

# %% [markdown]
# **What this does not show.** Coverage is not quality: the data log (`docs/data_log.md`) records for each
# source what it measures, its sampling error (HLE and smoking are survey-based with wide local CIs that our
# files did not keep) and its definitional breaks (finance 2014-15, spending power 2016/17).
