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
import pandas as pd
from IPython.display import Markdown, display

from wigan_deal import data, its, plots, synth
from wigan_deal.notebook import setup
from wigan_deal.studies import compare, notes, robustness

params, rec, AREA, NAME = setup(globals(), "05_robustness")
from wigan_deal import config

CANCER, LE, LE_VINTAGE = "u75_prev_cancer_mortality", "le_birth", "2019-12"
ROBUST = robustness.robustness_outcome(AREA, params.sex)  # cancer mortality, else LE; complete series only
MAIN, MAIN_SEX, MAIN_VINTAGE, MAIN_UNIT, MAIN_TEXT = (ROBUST[k] for k in ("indicator", "sex", "vintage", "unit", "text"))
if ROBUST["note"]:
    display(Markdown(ROBUST["note"]))
SKIPPED = f"*Skipped: {NAME} has no complete series for this check (see the note at the top).*"
main = compare.series(MAIN, AREA, MAIN_SEX, MAIN_VINTAGE)
better_higher = compare.higher_is_better(MAIN)

# %% [markdown]
# ## 1. Placebo in time
#
# Only the pre-break periods are kept, and a fake break is placed at every year that leaves at least three
# points on each side. A credible effect at the real break should not be matched by similar "effects" at fake
# breaks where nothing happened.

# %%
if not ROBUST["usable"]:
    display(Markdown(SKIPPED))
else:
    try:
        pit = its.placebo_in_time(main, break_year=params.break_year, post_rule=params.post_rule)
    except its.ShortPreperiodError as exc:  # too few pre-break periods to place fake breaks
        pit = None
        rec.record("placebo_time_n", 0, unit="count", label=f"Placebo-in-time breaks fitted ({MAIN_TEXT})")
        display(Markdown(f"**Placebo in time is not possible here:** {exc}"))
    if pit is not None:
        its.plot_break_year_sensitivity(pit, title=f"{NAME}, {MAIN_TEXT}: placebo breaks inside the pre-period")
        plt.show()
        ok = pit[pit["note"].fillna("") == ""]
        sig = ok[(ok["level_lower"] > 0) | (ok["level_upper"] < 0) | (ok["slope_lower"] > 0) | (ok["slope_upper"] < 0)]
        rec.record("placebo_time_n", len(ok), unit="count", label=f"Placebo-in-time breaks fitted ({MAIN_TEXT})")
        rec.record("placebo_time_n_significant", len(sig), unit="count",
                   label="Placebo-in-time breaks with a level or slope CI excluding zero")
        display(Markdown(its.placebo_in_time_summary(pit)[1]))
    display(pit)

# %% [markdown]
# ## 2. Break-year sensitivity
#
# The same model with each candidate break year. The King's Fund dates the Deal from 2011; the "Deal for
# Health" and community investment followed in 2013-14.

# %%
if not ROBUST["usable"]:
    display(Markdown(SKIPPED))
else:
    bys = its.break_year_sensitivity(main, years=config.CANDIDATE_BREAK_YEARS, post_rule=params.post_rule)
    its.plot_break_year_sensitivity(bys, main_break=params.break_year, title=f"{NAME}, {MAIN_TEXT}: level and slope change by break year")
    plt.show()
    for year in sorted({params.break_year, *config.ALTERNATIVE_BREAK_YEARS} & set(bys["break_year"])):
        row = bys[(bys["break_year"] == year) & (bys["note"].fillna("") == "")]
        if len(row):
            r = row.iloc[0]
            rec.record(f"break_{year}_level_change", r["level_change"], unit=MAIN_UNIT, lower=r["level_lower"],
                       upper=r["level_upper"], label=f"{NAME} {MAIN_TEXT}: level change with a {year} break")
    display(Markdown(its.break_year_summary(bys)[1]))
    display(bys)

# %% [markdown]
# ## 3. Placebo in space
#
# The same segmented model for every upper-tier council with a complete series (England excluded), fitted in
# one vectorised step. Rank 1 = the largest improvement; the permutation p-value is
# (1 + number of councils with an effect at least as large) / (1 + number of councils).

# %%
if not ROBUST["usable"]:
    display(Markdown(SKIPPED))
else:
    space_rows, space = [], {}
    specs = [(CANCER, "Persons", None)] + [(LE, s, LE_VINTAGE) for s in config.SEXES]
    for indicator, s, v in specs:
        if notes.complete_note(indicator, AREA, s, v):
            continue
        pan = compare.panel(indicator, s, v)
        for statistic in ("level_change", "slope_change"):
            res = its.placebo_in_space(pan, AREA, params.break_year, post_rule=params.post_rule, statistic=statistic,
                                       higher_is_better=compare.higher_is_better(indicator))
            space[(indicator, s, statistic)] = res
            space_rows.append({"indicator": indicator, "sex": s, "statistic": statistic, "area value": res.treated_value,
                               "rank (1 = best)": res.rank, "n areas": res.n_areas, "p one-sided": res.p_one_sided,
                               "p two-sided": res.p_two_sided})
    space_table = pd.DataFrame(space_rows)
    key = (MAIN, MAIN_SEX, "level_change")
    main_space = space[key]
    rec.record("placebo_space_rank", main_space.rank, unit="rank",
               label=f"{NAME} rank among {main_space.n_areas} councils, {MAIN_TEXT} level change (1 = largest improvement)")
    rec.record("placebo_space_n", main_space.n_areas, unit="count", label="Councils in the placebo-in-space test")
    rec.record("placebo_space_p_two_sided", main_space.p_two_sided, unit="p",
               label=f"Placebo-in-space permutation p (two-sided), {MAIN_TEXT} level change")
    slope_space = space[(MAIN, MAIN_SEX, "slope_change")]
    rec.record("placebo_space_slope_rank", slope_space.rank, unit="rank",
               label=f"{NAME} rank, {MAIN_TEXT} slope change (1 = largest improvement)")
    rec.record("placebo_space_slope_p_two_sided", slope_space.p_two_sided, unit="p",
               label=f"Placebo-in-space permutation p (two-sided), {MAIN_TEXT} slope change")
    for s in config.SEXES:
        if (LE, s, "level_change") in space:
            r = space[(LE, s, "level_change")]
            rec.record(f"placebo_space_le_rank_{s.lower()}", r.rank, unit="rank",
                       label=f"{NAME} rank among {r.n_areas}, {s.lower()} life expectancy level change")
            rec.record(f"placebo_space_le_p_{s.lower()}", r.p_two_sided, unit="p",
                       label=f"Placebo-in-space p (two-sided), {s.lower()} life expectancy level change")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for ax, stat in zip(axes, ("level_change", "slope_change")):
        r = space[(MAIN, MAIN_SEX, stat)]
        plots.rank_plot(r.table.loc[~r.table.is_treated, stat], r.treated_value, ax=ax, xlabel=stat.replace("_", " "),
                        label=f"{NAME} (rank {r.rank}/{r.n_areas})",
                        title=f"{MAIN_TEXT}: p two-sided = {r.p_two_sided:.3f}")
    plt.show()
    display(Markdown(f"**{NAME}, {MAIN_TEXT}.** " + main_space.effect_summary()[1] + " Slope change: "
                     + slope_space.effect_summary()[1]))
    display(space_table)

# %% [markdown]
# ### Regression to the mean
#
# Areas that start badly tend to improve more, whatever they do. Across councils, is the pre-break level
# related to the estimated level change?

# %%
if not ROBUST["usable"]:
    display(Markdown(SKIPPED))
else:
    rtm, corr = robustness.baseline_vs_change(main_space.table, compare.panel(MAIN, MAIN_SEX, MAIN_VINTAGE),
                                            params.break_year, params.post_rule)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(rtm["baseline_mean"], rtm["level_change"], s=12, color=plots.BACKGROUND_COLOUR)
    t = rtm[rtm["is_treated"]]
    ax.scatter(t["baseline_mean"], t["level_change"], s=60, color=plots.AREA_COLOUR, label=NAME, zorder=3)
    ax.set_xlabel(f"pre-break mean ({MAIN_UNIT})")
    ax.set_ylabel("ITS level change")
    ax.set_title(f"Baseline vs level change across councils (r = {corr:.2f})")
    ax.legend(frameon=False)
    plt.show()
    pct = float((rtm["baseline_mean"] < float(t["baseline_mean"].iloc[0])).mean() * 100)
    rec.record("rtm_correlation", corr, label=f"Correlation of pre-break mean and level change across councils ({MAIN_TEXT})")
    display(Markdown(f"Correlation across councils r = {corr:.2f}; {NAME}'s pre-break mean is above {pct:.0f}% of "
                     "councils'. The placebo ranking compares the area with all councils, including those with a similar "
                     "baseline, so it contains this tendency only on average: an area with an unusual baseline can rank "
                     "high through regression to the mean alone."))

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
import warnings

if not ROBUST["usable"]:
    display(Markdown(SKIPPED))
else:
    in_gm = AREA in config.GREATER_MANCHESTER
    gm_others = [c for c in config.GREATER_MANCHESTER if c != AREA] if in_gm else []
    DEFAULT_POOL = ("all upper-tier councils excluding GM (default)" if in_gm
                    else "all upper-tier councils (default; area not in GM)")
    pools = {DEFAULT_POOL: compare.panel(MAIN, MAIN_SEX, MAIN_VINTAGE, exclude=gm_others, keep=AREA)}
    similar = [c for c in data.comparators(AREA, "nearest", indicator=MAIN, vintage=MAIN_VINTAGE)]
    if len(similar) >= 3:
        full = compare.panel(MAIN, MAIN_SEX, MAIN_VINTAGE)
        pools["ONS similar areas"] = full[full["area_code"].isin(similar + [AREA])]
    if in_gm:
        pools["all upper-tier councils"] = compare.panel(MAIN, MAIN_SEX, MAIN_VINTAGE)
    synth_rows, synth_fits = [], {}
    for label, pan in pools.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", synth.SynthWarning)
            fit = synth.fit_synth(pan, AREA, params.break_year, post_rule=params.post_rule)
            plac = fit.placebo()
        synth_fits[label] = (fit, plac)
        synth_rows.append({"donor pool": label, "donors": len(fit.donors), "non-zero weights": len(fit.top_weights(None)),
                           "pre-RMSPE": fit.pre_rmspe, "exact pre-fit": fit.exact_pre_fit, "mean post gap": fit.mean_post_gap,
                           "placebo rank": plac.rank, "units": plac.n_units, "placebo p": plac.p_value,
                           "exact-fit placebos": plac.n_exact_fit})
    synth_table = pd.DataFrame(synth_rows)
    default_fit, default_plac = synth_fits[DEFAULT_POOL]
    rec.record("synth_pre_rmspe", default_fit.pre_rmspe, unit=MAIN_UNIT, label=f"Synthetic control pre-RMSPE ({MAIN_TEXT})")
    rec.record("synth_mean_post_gap", default_fit.mean_post_gap, unit=MAIN_UNIT,
               label=f"Synthetic control mean post-break gap, {NAME} minus synthetic ({MAIN_TEXT})",
               note="no CI: inference is the placebo p-value")
    rec.record("synth_placebo_rank", default_plac.rank, unit="rank", label=f"Synthetic control placebo rank of {NAME}")
    rec.record("synth_placebo_p", default_plac.p_value, unit="p", label="Synthetic control placebo p-value (RMSPE ratio)")
    display(synth_table)

# %%
if not ROBUST["usable"]:
    display(Markdown(SKIPPED))
else:
    print(default_fit.summary())
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.2))
    default_fit.plot(ax=axes[0], kind="paths")
    default_fit.plot(ax=axes[1], kind="gap")
    default_plac.plot(ax=axes[2])
    plt.show()
    display(Markdown(default_fit.effect_summary(MAIN_UNIT, better_higher, placebo=default_plac)[1]))

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
from wigan_deal import inference, speccurve

inference.plot_coverage()
plt.show()
display(Markdown(f"Own-break (v1) method by its documented rule: **{inference.primary_method()[0]}**."))
inference.coverage_summary()

# %%
from wigan_deal import panel_coverage

display(Markdown("**Real-panel study of the comparative candidates** (coverage of the injected effect; "
                 "rule committed before the study):\n\n" + panel_coverage.markdown_panel()
                 + "\n\n" + panel_coverage.markdown_verdicts()))
display(Markdown("**Extended simulation** (common national break, factor structure, unequal noise; "
                 "pseudo-treated units at Wigan's own noise level; `own_t` = the v1 own-break method):\n\n"
                 + panel_coverage.markdown_simulation()))

# %% [markdown]
# ## 6. Primary analysis, and placebo breaks under it
#
# The pre-specified primary analysis: the area **minus the non-GM council average**, with the placebo-in-space
# interval of that comparative statistic (`data/analysis_plan.yml`, amendment of 2026-12-06), and the same
# method at every placebo break inside the pre-period. With intervals that cover 95%, about one placebo break
# in twenty should "find" an effect by chance. Below it, the v1 specification (the area's own break, national
# changes included) as description.

# %%
MAIN_KEY = panel_coverage.key_for(MAIN, MAIN_SEX)
try:
    prim = panel_coverage.primary_comparative(AREA, MAIN_KEY)
    display(Markdown("**PRIMARY:** " + prim.effect_summary(MAIN_UNIT)[1]))
    ppit = panel_coverage.primary_placebo_in_time(AREA, MAIN_KEY)
    n_flag = int(ppit.level_excludes_zero.sum())
    rec.record("primary_placebo_time_n", len(ppit), unit="count",
               label=f"Placebo breaks, primary method ({NAME} minus the non-GM council average, {MAIN_TEXT})")
    rec.record("primary_placebo_time_n_significant", n_flag, unit="count",
               label=f"Placebo breaks whose level-change interval excludes zero, primary method ({NAME} minus the non-GM council average, {MAIN_TEXT})")
    display(ppit)
    own_break = inference.primary_its(AREA, MAIN, MAIN_SEX)
    display(Markdown(own_break.effect_summary(MAIN_UNIT)[1]))
    own_pit = inference.primary_placebo_in_time(AREA, MAIN, MAIN_SEX)
    rec.record("ownbreak_placebo_time_n_significant", int(own_pit.level_excludes_zero.sum()), unit="count",
               label=f"Placebo breaks whose level-change CI excludes zero, own break (national changes included; description), {MAIN_TEXT}")
except ValueError as exc:
    display(Markdown(f"*The primary analysis cannot be run for {NAME}: {exc}*"))

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
curve_outcomes = [(CANCER, "Persons", "per 100,000")] + [(LE, s, "years") for s in config.SEXES]
curves = {}
for ind, s, unit in curve_outcomes:
    if not compare.has_data(ind, AREA, s, None if ind == CANCER else LE_VINTAGE):
        continue
    try:
        curve = speccurve.spec_curve(AREA, ind, s)
    except ValueError as exc:
        display(Markdown(f"*No specification curve for {ind} ({s}): {exc}*"))
        continue
    if ind == MAIN and s == MAIN_SEX and ROBUST["usable"]:
        curve.table = speccurve.add_synth(curve.table, synth_fits)
    curves[(ind, s)] = curve
    curve.plot()
    plt.show()
    shares, text = curve.effect_summary(unit)
    display(Markdown(text))
    display(shares)
    key = "cancer" if ind == CANCER else f"le_{s.lower()}"
    for q in ("level_change", "slope_change"):
        for m in ("Newey-West(2)", "permutation"):
            sh = curve.shares(q, m)
            mk = "nw2" if m.startswith("Newey") else "perm"
            status = speccurve.CALIBRATED[m]
            rec.record(f"speccurve_{key}_{q}_{mk}_share_improvement", sh["improvement"], unit="share",
                       label=f"{ind} ({s}), {m} [{status}]: share of {sh['n']} specifications with a {q.replace('_', ' ')} CI wholly on the improvement side")
            rec.record(f"speccurve_{key}_{q}_{mk}_share_worsening", sh["worsening"], unit="share",
                       label=f"{ind} ({s}), {m} [{status}]: share of {sh['n']} specifications with a {q.replace('_', ' ')} CI wholly on the worsening side")
if (MAIN, MAIN_SEX) in curves:
    t = curves[(MAIN, MAIN_SEX)].table
    display(t[t.method == "synthetic control"][["comparator", "estimate", "p_value"]])

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
from wigan_deal import synth_whole

try:
    pools_table, pools_fits = synth_whole.synth_pools(AREA, MAIN, MAIN_SEX, MAIN_VINTAGE,
                                                      params.break_year, params.post_rule)
    display(Markdown(synth_whole.effect_summary(pools_table, MAIN_UNIT, better_higher)))
    display(pools_table)
except ValueError as exc:
    display(Markdown(f"*Synthetic control pools could not be fitted for {NAME}: {exc}*"))
