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
import pandas as pd
from IPython.display import Markdown, display

from wigan_deal import config, data, its, plots
from wigan_deal.notebook import setup
from wigan_deal.studies import compare, mortality, notes

params, rec, AREA, NAME = setup(globals(), "03_mortality_and_life_expectancy_its")

# %%
CANCER, LE, PREV = "u75_prev_cancer_mortality", "le_birth", "u75_preventable_mortality"
LE_VINTAGE = "2019-12"   # the ONS series 2001-03..2016-18; the later OHID vintage starts at 2015-17
cancer = compare.series(CANCER, AREA, "Persons")
have_cancer = not cancer.empty
if not have_cancer:
    display(Markdown(notes.note_markdown(notes.no_data_note(CANCER, AREA, "Persons"),
                                            "the cancer sections below are skipped (life expectancy still runs)")))

# %% [markdown]
# ## Under-75 preventable cancer mortality: segmented ITS
#
# Directly age-standardised rate per 100,000 (lower is better). The published CIs were not kept in our files;
# the CIs below come from the model.

# %%
import warnings

if have_cancer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", its.ShortPreperiodWarning)
        cancer_fit = its.fit_its(cancer, params.break_year, post_rule=params.post_rule)
    print(cancer_fit.summary())
    cancer_fit.plot(title=f"{NAME}: under-75 preventable cancer mortality, break {params.break_year}")
    plt.show()
    unit = "per 100,000"
    mortality.record_estimate(rec, "its_cancer_level_change", cancer_fit.level_change, unit=unit,
                             label=f"{NAME} u75 preventable cancer mortality: own break, national changes included: level change (OLS+HAC; interval not calibrated at n = 15)")
    mortality.record_estimate(rec, "its_cancer_slope_change", cancer_fit.slope_change, unit=f"{unit} per year",
                             label=f"{NAME} u75 preventable cancer mortality: own break, national changes included: slope change (OLS+HAC; interval not calibrated at n = 15)")
    display(Markdown(mortality.its_sentence(cancer_fit, "the under-75 preventable cancer mortality rate", unit,
                                           compare.higher_is_better(CANCER))))

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
from wigan_deal import inference, panel_coverage

primary = panel_coverage.primary_table(AREA)
for r in primary.itertuples():
    if pd.isna(getattr(r, "estimate", float("nan"))):
        display(Markdown(f"*No primary result for {r.outcome}: {r.estimand}*"))
for key, est, unit, label in panel_coverage.primary_records(AREA):
    mortality.record_estimate(rec, key, est, unit=unit, label=label)
display(Markdown(panel_coverage.coverage_line()))
primary.dropna(subset=["estimate"]).round(3) if "estimate" in primary else primary

# %%
own_rows = []
for ind, s, unit in [(CANCER, "Persons", "per 100,000")] + [(LE, s, "years") for s in config.SEXES]:
    try:
        own_break = inference.primary_its(AREA, ind, s)
    except ValueError as exc:  # e.g. missing periods for this area
        display(Markdown(f"*No own-break description for {ind} ({s}): {exc}*"))
        continue
    table, text = own_break.effect_summary(unit)
    display(Markdown(f"**{ind} ({s})** - {text}"))
    own_rows.append(table.assign(indicator=ind, sex=s))
    key = "cancer" if ind == CANCER else f"le_{s.lower()}"
    level, slope = inference.primary_estimates(own_break)
    mortality.record_estimate(rec, f"its_ownbreak_{key}_level_change", level, unit=unit,
                             label=f"{NAME} {ind} ({s}): own break, national changes included: level change (description)")
    mortality.record_estimate(rec, f"its_ownbreak_{key}_slope_change", slope, unit=f"{unit} per year",
                             label=f"{NAME} {ind} ({s}): own break, national changes included: slope change (description)")
pd.concat(own_rows, ignore_index=True) if own_rows else None

# %% [markdown]
# ### Sensitivity to the error model, and diagnostics
#
# If the three error models disagree about whether a CI excludes zero, the result is fragile. Durbin-Watson
# near 2 and large Ljung-Box / Breusch-Godfrey p-values mean little residual autocorrelation *left after* the
# model; with 15 points these tests have little power.

# %%
if have_cancer:
    display(mortality.its_method_table(cancer, params.break_year, params.post_rule))
    display(mortality.diagnostics_table(cancer_fit))

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
le = mortality.own_break_study(params, NAME, LE, LE_VINTAGE, key="le", what="life expectancy", short="LE")
le.plot()
plt.show()
le.record(rec)
display(le.methods)  # level and slope change under three error models

# %%
le  # the ITS paragraphs, and the comparative ITS against each comparator group

# %% [markdown]
# ## Under-75 mortality from preventable causes (2019 definition)
#
# A different, later definition (OHID, single calendar years 2010–2022, vintage 2024-04): a supplement, not a
# continuation of the cancer series. With single years from 2010, a 2011 break leaves one pre-period, so an
# ITS is possible only for later break years; otherwise the series is shown descriptively.

# %%
prev_groups = compare.comparator_groups(params, PREV)
prev = compare.series(PREV, AREA, "Persons")
if prev.empty:
    display(Markdown(notes.note_markdown(notes.no_data_note(PREV, AREA, "Persons"), "this section is skipped")))
else:
    frame = compare.trend_frame(PREV, AREA, prev_groups, sex="Persons")
    plots.trend_plot(frame, AREA, title="Under-75 preventable mortality (2019 definition), persons",
                     ylabel="age-standardised rate per 100,000", break_year=params.break_year)
    plt.show()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", its.ShortPreperiodWarning)
            prev_fit = its.fit_its(prev, params.break_year, post_rule=params.post_rule)
        print(prev_fit.summary())
        mortality.record_estimate(rec, "its_prev_level_change", prev_fit.level_change, unit="per 100,000",
                                 label=f"{NAME} u75 preventable mortality (2019 def.): ITS level change")
        display(Markdown(mortality.its_sentence(prev_fit, "under-75 preventable mortality", "per 100,000",
                                               compare.higher_is_better(PREV))))
    except its.ShortPreperiodError as exc:
        display(Markdown(f"No ITS: `fit_its` raised ShortPreperiodError: {exc}"))
    first, last = prev.iloc[0], prev.iloc[-1]
    rec.record("u75_preventable_change", last["value"] - first["value"], unit="per 100,000",
               label=f"{NAME} u75 preventable mortality change {first['period']} to {last['period']} (descriptive)")

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
le65 = mortality.own_break_study(params, NAME, "le_65", LE_VINTAGE, key="le65", what="life expectancy at 65",
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
from wigan_deal import lasting

dev_rows = []
for ind, start, sexes, vint in ((CANCER, "2009-11", ["Persons"], None), (LE, "2009-11", list(config.SEXES), LE_VINTAGE),
                                ("le_65", "2009-11", list(config.SEXES), LE_VINTAGE),
                                (mortality.SII, "2010-12", list(config.SEXES), None)):
    for s in sexes:
        d = lasting.devolution_windows(ind, AREA, start, sex=s, vintage=vint)
        display(Markdown(lasting.devolution_text(d, AREA, data.indicators().set_index("indicator").loc[ind, "title"])))
        dev_rows.append(d)
dev = pd.concat(dev_rows, ignore_index=True)
dev.round(2)

# %% [markdown]
# **What this notebook does not show.** No cardiovascular mortality series exists in our data, so the CVD half
# of the report's mortality claim cannot be tested. The models are fitted to 15–16 overlapping periods: the
# Newey-West, GLSAR and ARIMA intervals are not calibrated at this length (`docs/inference.md`); only the
# primary table's placebo-in-space intervals are. Whether the
# area's departures from trend are unusual compared with other councils is the job of notebook 05.
