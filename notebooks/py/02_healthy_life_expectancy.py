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
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from wigan_deal import analysis, data, its, plots
from wigan_deal.notebook import setup

params, rec, AREA, NAME = setup(globals(), "02_healthy_life_expectancy")

# %% [markdown]
# ## HLE over time, by sex
#
# The area (red), England (black) and the unweighted mean of each comparator group, in one vintage.

# %%
hle_note = analysis.no_data_note("hle_birth", AREA, vintage=params.vintage)
if hle_note:
    display(Markdown(analysis.note_markdown(hle_note, "the figures show England and the comparators only")))
groups = analysis.comparator_groups(params, "hle_birth", params.vintage)
empty = [k for k, v in groups.items() if not v]
display(Markdown(f"Comparators with HLE data in vintage {params.vintage}: {analysis.describe_groups(groups)}."
                 + (f" **Empty (skipped):** {', '.join(empty)}." if empty else "")))
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
for ax, s in zip(axes, ("Male", "Female")):
    frame = analysis.trend_frame("hle_birth", AREA, groups, sex=s, vintage=params.vintage)
    plots.trend_plot(frame, AREA, ax=ax, title=f"{s} HLE at birth (vintage {params.vintage})", ylabel="years",
                     break_year=params.break_year)
plt.show()

# %% [markdown]
# ## Change between the first period and the last period before the report
#
# The report's window is 2009-11 (the first HLE period) to 2015-17 (the last published before June 2019);
# the two periods do not overlap. If the chosen vintage lacks one of them the nearest available period is
# used and stated.

# %%
start, end, window_note = analysis.hle_window(params.vintage)
change = analysis.hle_change_table(AREA, params.comparator_codes, params.vintage, start, end)  # empty if no window
hw, ehw = analysis.hle_ci_assumption()
if window_note:
    display(Markdown(f"**Note:** {window_note}."))
headline = change[change["role"] != "comparator"]
headline[["area_name", "sex", "value_start", "value_end", "change", "change_lower", "change_upper",
          "diff_vs_england", "diff_lower", "diff_upper"]] if len(headline) else None

# %%
note = (f"{start} -> {end}, vintage {params.vintage}; approximate 95% CI assuming +/-{hw} years per LA "
        f"estimate and +/-{ehw} for England (the register's original assumption; the claims rule now uses "
        "per-council noise, shown below)")
if hle_note:
    display(Markdown(analysis.note_markdown(hle_note, f"no {start} to {end} change is computed for {NAME}" if start
                                            else f"no HLE change is computed for {NAME}")))
elif start is None:
    display(Markdown(f"**No {NAME} change is computed in vintage {params.vintage}** (see the note above)."))
else:
    sentences = []
    for s in ("Male", "Female"):
        a = headline[(headline["role"] == "area") & (headline["sex"] == s)].iloc[0]
        e = headline[(headline["role"] == "England") & (headline["sex"] == s)].iloc[0]
        key = s.lower()
        rec.record(f"hle_change_{key}", a["change"], label=f"{NAME} {s.lower()} HLE change {start} to {end}",
                   unit="years", lower=a["change_lower"], upper=a["change_upper"], note=note)
        rec.record(f"england_hle_change_{key}", e["change"], label=f"England {s.lower()} HLE change {start} to {end}",
                   unit="years", lower=e["change_lower"], upper=e["change_upper"], note=note)
        rec.record(f"hle_change_diff_{key}", a["diff_vs_england"],
                   label=f"{NAME} minus England, {s.lower()} HLE change", unit="years",
                   lower=a["diff_lower"], upper=a["diff_upper"], note=note)
        verdict = ("the approximate CI excludes zero" if a["diff_lower"] > 0 or a["diff_upper"] < 0
                   else "the approximate CI includes zero")
        sentences.append(
            f"**{s}:** {NAME} {a['value_start']:.1f} → {a['value_end']:.1f} ({a['change']:+.1f} years, approx. 95% CI "
            f"{a['change_lower']:+.1f} to {a['change_upper']:+.1f}); England {e['value_start']:.1f} → "
            f"{e['value_end']:.1f} ({e['change']:+.1f}). Difference in change {a['diff_vs_england']:+.1f} years "
            f"(approx. 95% CI {a['diff_lower']:+.1f} to {a['diff_upper']:+.1f}): {verdict}.")
    display(Markdown("\n\n".join(sentences)))

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
focus = change[change["sex"] == params.sex]
if focus["change"].notna().any():
    plots.change_plot(focus, AREA, xlabel=f"HLE change {start} to {end} (years)",
                      title=f"{params.sex} HLE change, {NAME} vs England and comparators")
    plt.show()
else:
    display(Markdown(f"*No {params.sex.lower()} HLE change to compare in vintage {params.vintage}.*"))
if (rank_text := analysis.change_rank_sentence(focus, AREA, NAME, params.sex)):
    display(Markdown(rank_text))

# %% [markdown]
# ## Why no interrupted time series for HLE
#
# A segmented regression needs a pre-intervention *trend*: at least three pre-break points (the engine's
# minimum; eight are recommended). HLE starts in 2009-11, so with the default break (2011) and post rule there
# are only one or two pre-periods. The engine refuses, and we show its message rather than force a fit.

# %%
hle_series = analysis.series("hle_birth", AREA, params.sex, params.vintage)
its_message = hle_note
if hle_note:
    display(Markdown(analysis.note_markdown(hle_note, "no ITS is attempted")))
else:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            its.fit_its(hle_series, params.break_year, post_rule=params.post_rule)
        display(Markdown("With these parameters the HLE series has enough pre-periods for an ITS; see notebook 03 "
                         "for the formal ITS on longer series."))
    except its.ShortPreperiodError as exc:
        its_message = str(exc)
        display(Markdown(f"`fit_its` raised **ShortPreperiodError**: {its_message}"))
_ = rec.record("hle_its_refused", its_message is not None, label="ITS on HLE refused (too few pre-periods)")

# %% [markdown]
# ## Revisions: the same periods in every vintage
#
# ONS re-estimated the HLE back-series in 2024/25. Each line below is one vintage of the same indicator
# (area solid, England dashed); lines are never joined across vintages.

# %%
allv = data.load_indicator("hle_birth", areas=[AREA, "E92000001"], sex=params.sex, vintage="all")
plots.vintage_plot(allv, AREA, title=f"{params.sex} HLE at birth in every vintage: {NAME} and England")
plt.show()
revisions = analysis.vintage_table("hle_birth", [AREA], params.sex)
revisions

# %%
base = params.vintage
rev = (revisions.drop(columns=base).sub(revisions[base], axis=0).stack().dropna() if base in revisions
       else pd.Series(dtype=float))
if not rev.empty:
    (name_, period_, later_v) = rev.abs().idxmax()
    biggest = float(rev.loc[(name_, period_, later_v)])
    rec.record("hle_max_revision", biggest, unit="years",
               label=f"{NAME} {params.sex.lower()} HLE: largest revision of a vintage-{base} value in another vintage",
               note=f"period {period_}, vintage {later_v}")
    own = change.loc[(change["role"] == "area") & (change["sex"] == params.sex), "change"].dropna()
    scale = f" For scale, the {start} to {end} change above is {own.iloc[0]:+.1f} years." if len(own) else ""
    display(Markdown(f"Relative to the {base} vintage, the other vintages give {NAME}'s {params.sex.lower()} HLE "
                     f"for the same periods values that differ by {rev.min():+.1f} to {rev.max():+.1f} years; the largest difference is "
                     f"{biggest:+.1f} years ({period_}, vintage {later_v}).{scale}"))
elif hle_note:
    display(Markdown(analysis.note_markdown(hle_note, "there are no revisions to show")))
else:
    display(Markdown(f"No period of the {base} vintage appears in another vintage for {NAME}."))

# %% [markdown]
# ## After the report: did it last?
#
# The latest vintage runs to 2022-24 (it starts at 2015-17, so it cannot be compared with 2009-11 directly).
# We compare the England-minus-area gap in the report's end period (report vintage) with the gap in the latest
# period (latest vintage): two separate numbers from two vintages, not a spliced series.

# %%
latest = data.vintages("hle_birth")[-1]
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
later_groups = analysis.comparator_groups(params, "hle_birth", latest)
for ax, s in zip(axes, ("Male", "Female")):
    frame = analysis.trend_frame("hle_birth", AREA, later_groups, sex=s, vintage=latest)
    plots.trend_plot(frame, AREA, ax=ax, title=f"{s} HLE at birth, latest vintage ({latest})", ylabel="years")
plt.show()
from wigan_deal import fmt

lines = []
for s in ("Male", "Female"):
    g = analysis.gap_then_and_now(AREA, s, params.vintage, end, latest)
    key = s.lower()
    rec.record(f"hle_gap_then_{key}", g["gap_then"], unit="years",
               label=f"England minus {NAME}, {key} HLE, {g['period_then']} (vintage {g['vintage_then']})",
               note=analysis.no_data_note("hle_birth", AREA, s, g["vintage_then"]))
    rec.record(f"hle_gap_now_{key}", g["gap_now"], unit="years",
               label=f"England minus {NAME}, {key} HLE, {g['period_now']} (vintage {g['vintage_now']})",
               note=analysis.no_data_note("hle_birth", AREA, s, g["vintage_now"]))
    lines.append(f"**{s}:** gap {fmt.number(g['gap_then'])} years in {g['period_then']} (vintage {g['vintage_then']}) → "
                 f"{fmt.number(g['gap_now'])} years in {g['period_now']} (vintage {g['vintage_now']}; {NAME} "
                 f"{fmt.number(g['area_now'])}, England {fmt.number(g['england_now'])}).")
    for v in dict.fromkeys([params.vintage, latest]):
        if (v_note := analysis.no_data_note("hle_birth", AREA, s, v)):
            lines.append(analysis.note_markdown(v_note, f"the {v} gap is shown as {fmt.MISSING}"))
display(Markdown("\n\n".join(lines) + "\n\nA positive gap means the area is below England. These are point "
                 "estimates without CIs (none in our files); the pandemic years 2020-22 affect every area."))

# %% [markdown]
# ## Did it last? Every end point, not one
#
# A single end point can carry a whole conclusion: one rolling step can reverse the sign. Below, the area's change
# relative to England is measured from the report's last period (2015-17) to **every** later period, in **every**
# later vintage, with a straight line fitted through the gap (open circle = the change the fitted trend implies
# over the window). Vintages on the revised ONS HLE method (2024/25 releases) are dashed: they are compared within
# themselves, never spliced with earlier vintages.

# %%
from wigan_deal import lasting

ends = lasting.end_points(AREA)
trends = lasting.trend_table(AREA)
if ends.empty:
    display(Markdown(f"*No later vintage holds 2015-17 and a later period for {NAME}.*"))
else:
    lasting.end_point_figure(ends, trends, NAME)
    plt.show()
display(Markdown(lasting.lasting_text(AREA, ends, trends)))
for r in ends.itertuples():
    rec.record(f"lasting_{r.vintage.replace('-', '_')}_{r.sex.lower()}_{r.end.replace('-', '_')}", r.difference,
               unit="years", label=f"{NAME} minus England, {r.sex.lower()} HLE change {r.start} to {r.end} (vintage {r.vintage})",
               note="revised ONS HLE method" if r.method_changed else None)
for r in trends.itertuples():
    rec.record(f"lasting_trend_{r.vintage.replace('-', '_')}_{r.sex.lower()}", r.trend_change, unit="years",
               label=f"{NAME} minus England, {r.sex.lower()} HLE: fitted-trend change {r.start} to {r.end} (vintage {r.vintage})")
ends.round(2)

# %% [markdown]
# ## Before and after Greater Manchester devolution (April 2016)
#
# The report's window (2009-11 to 2015-17) overlaps GM health and social care devolution (from April 2016). The
# same change is shown with the window ending at the last period wholly before devolution (2013-15), against
# England and against the Greater Manchester boroughs (the other nine when the area is one of them, all ten otherwise).

# %%
dev = pd.concat([lasting.devolution_windows("hle_birth", AREA, start, sex=s, vintage=params.vintage)
                 for s in ("Male", "Female")], ignore_index=True)
for s in ("Male", "Female"):
    display(Markdown(lasting.devolution_text(dev[dev["sex"] == s], AREA, "HLE at birth (years)")))
pre = dev[dev["window"] == "pre-devolution"]
for r in pre.itertuples():
    rec.record(f"hle_pre_devolution_diff_{r.sex.lower()}", r.diff_vs_england, unit="years",
               label=f"{NAME} minus England, {r.sex.lower()} HLE change {r.start} to {r.end} (before GM devolution)")
dev.round(2)

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
from wigan_deal import config, hle_ci, hle_noise

if AREA in set(data.load_indicator("hle_birth", vintage=config.REPORT_VINTAGE).dropna(subset=["value"]).area_code):
    hle_honest = hle_noise.summary(AREA)
    window = f"{hle_noise.START} to {hle_noise.END}, vintage {config.REPORT_VINTAGE}"
    display(Markdown(f"*This section always uses vintage {config.REPORT_VINTAGE} ({hle_noise.START}, {hle_noise.MIDDLE}, "
                     f"{hle_noise.END}), whatever the report's vintage (here {params.vintage}).*"))
    table, text = hle_honest.effect_summary()
    display(Markdown(text))
    display(table)
    bounds = pd.concat([hle_ci.council_halfwidths(s) for s in config.SEXES])
    display(Markdown(f"**{NAME}'s half-width per estimate** (95%, years): the flags' bounds, the "
                     "population-scaled empirical value and the one used by the rule."))
    display(bounds[bounds["area_code"] == AREA].drop(columns=["area_code", "vintage"]).round(2))
    display(hle_honest.rtm)
    display(hle_honest.mde)
    emp = table[table["noise model"] == "sigma_cov"]
    for _, row in emp.iterrows():
        rec.record(f"hle_diff_{row['sex'].lower()}_empirical_noise", row["difference vs England"],
                   unit="years", lower=row["lower"], upper=row["upper"],
                   label=f"{NAME} minus England, {row['sex'].lower()} HLE change {window}, CI from the empirical noise model")
    per = table[table["noise model"] == "per_council"]
    for _, row in per.iterrows():
        rec.record(f"hle_diff_{row['sex'].lower()}_per_council_noise", row["difference vs England"],
                   unit="years", lower=row["lower"], upper=row["upper"],
                   label=f"{NAME} minus England, {row['sex'].lower()} HLE change {window}, CI from the per-council noise model (claims rule)")
