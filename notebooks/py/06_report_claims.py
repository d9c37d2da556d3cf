# %% [markdown]
# # 06 · The report's claims and their verdicts
#
# Each quantitative claim of The King's Fund report (June 2019) is turned into a test in
# `data/report_claims.yml`, with a **decision rule written before any estimate was computed** (see
# `docs/claims.md`). This notebook applies the rules to the chosen area with the data the authors could have
# seen, shows the series behind each testable claim, and re-runs the same rules on later vintages
# ("did it last?") without splicing vintages.
#
# Verdicts: *supported*, *partly supported*, *not supported*, *not testable with these data*, *too few to grade*
# (the rule states a minimum n and the area's survey or count is below it). For an area
# other than Wigan the table compares that area against the same yardsticks (claims about Wigan's own budget
# evaluate mechanically on the chosen area's figures).
#
# The claims use their own fixed data windows and vintages (the report era), so the `break_year`, `vintage`,
# `sex` and `post_rule` parameters do not change the verdicts; `area_code` does.

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

from wigan_deal import claims
from wigan_deal.notebook import setup

params, rec, AREA, NAME = setup(globals(), "06_report_claims")

# %% [markdown]
# ## Verdicts

# %%
table = claims.evaluate(AREA)
# the index shows this compact table; the pre-specified rules are shown below and in data/report_claims.yml
table["previous rule's verdict"] = claims.previous_verdict_text(table)  # amended rules: old verdict kept
rec.record_table("claims", table[["claim", "verdict", "previous rule's verdict", "estimate", "lower", "upper", "unit",
                                  "evidence"]])
counts = table["verdict"].value_counts()
for verdict, n in counts.items():
    rec.record("n_" + verdict.replace(" ", "_"), int(n), unit="claims", label=f"Claims graded '{verdict}'")
display(Markdown("; ".join(f"**{n}** {v}" for v, n in counts.items()) + f" (of {len(table)} claims, {NAME})."))

colours = {"supported": "#e3f4e3", "partly supported": "#fdf4d8", "not supported": "#fbe3e3",
           "not testable with these data": "#eeeeee", "too few to grade": "#eeeeee"}
(table[["claim_id", "claim", "verdict", "previous rule's verdict", "estimate", "lower", "upper", "unit", "evidence"]]
 .style.format({"estimate": "{:.2f}", "lower": "{:.2f}", "upper": "{:.2f}"}, na_rep="")
 .map(lambda v: f"background-color: {colours.get(v, '')}", subset=["verdict"])
 .set_properties(**{"text-align": "left", "white-space": "normal"}).hide(axis="index"))

# %% [markdown]
# ## Amended rules: the old verdict beside the new one
#
# A rule changed after it was written is an *amendment* (`data/report_claims.yml`, `amendments`): the date, the
# reason (including whether the area's result under the old rule was already known) and the old rule are kept,
# and the old rule is re-run here so its verdict stays visible. Nothing is silently re-graded.

# %%
amended = claims.amendments_table(table)
rec.record_table("amendments", amended[["claim_id", "amended", "verdict (current rule)", "verdict (previous rule)",
                                        "reason"]])
amended

# %% [markdown]
# ## Do the rules discriminate?
#
# For every rule, the share of all upper-tier councils that get each verdict (the current rule, and for an amended
# claim the rule before its latest amendment). A rule that gives one verdict to nearly every council cannot tell this
# area apart from any other; claims that are not testable with these data are not testable anywhere. The table does
# not depend on the chosen area (it is computed once per session, about 30 seconds).

# %%
shares = claims.shares_display(claims.all_council_shares(), table.set_index("claim_id")["verdict"])
rec.record_table("verdict_shares", shares)
shares.style.hide(axis="index").set_properties(**{"text-align": "left", "white-space": "normal"})

# %% [markdown]
# `estimate` and its CI are defined per claim (`unit` column; `docs/claims.md`). Where the data carry no CI the
# rule says what it does instead: an approximate CI from a documented assumption (HLE, physical inactivity,
# school readiness), a CI from the scatter of an annual series (smoking), or grading on point estimates where
# the claim's wording does not ask for significance (premature mortality, finance). The decision rules:

# %%
table[["claim_id", "rule"]].style.hide(axis="index").set_properties(**{"text-align": "left", "white-space": "normal"})

# %% [markdown]
# ## The series behind each claim
#
# Area (solid) against England (dashed); the periods the rule reads are circled. Not-testable claims with
# context data show that context.

# %%
register = claims.load_register()
plottable = [c.id for c in register if c.testable or c.context is not None]
ncols = 3
nrows = -(-len(plottable) // ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(16, 3.6 * nrows), squeeze=False)
skipped = []
for ax, cid in zip(axes.flat, plottable):
    try:
        claims.plot_claim(cid, AREA, ax=ax)
    except (LookupError, ValueError) as exc:
        ax.set_axis_off()
        skipped.append(f"{cid} ({exc})")
for ax in list(axes.flat)[len(plottable):]:
    ax.set_axis_off()
fig.set_layout_engine("tight")  # laid out when drawn (the atlas draws only the phone variant)
plt.show()
if skipped:
    display(Markdown("No figure (no data for this area): " + "; ".join(skipped)))

# %% [markdown]
# ## Did it last? The same rules on later vintages
#
# These rows are **not** the graded verdicts: they re-run a claim's rule on a later or revised vintage, or on a
# supplementary series, each labelled. Vintages are never spliced.

# %%
later = claims.evaluate_later_vintages(AREA)
rec.record_table("later_checks", later[["claim_id", "check", "verdict", "estimate", "lower", "upper", "unit"]])
hle_last = later[(later["claim_id"] == "hle_increase") & later["check"].str.startswith("did it last")]
if len(hle_last):
    r = hle_last.iloc[0]
    rec.record("hle_did_it_last", r["estimate"], unit=r["unit"], lower=r["lower"], upper=r["upper"],
               label=f"{NAME} HLE claim re-run on the latest vintage: {r['check']}", note=f"verdict: {r['verdict']}")
    display(Markdown(f"**HLE, did it last?** {r['check']}: verdict *{r['verdict']}*. {r['evidence']}"))
(later[["claim_id", "check", "verdict", "estimate", "lower", "upper", "unit", "evidence"]]
 .style.format({"estimate": "{:.2f}", "lower": "{:.2f}", "upper": "{:.2f}"}, na_rep="")
 .map(lambda v: f"background-color: {colours.get(v, '')}", subset=["verdict"])
 .set_properties(**{"text-align": "left", "white-space": "normal"}).hide(axis="index"))

# %% [markdown]
# **What this notebook does not show.** A verdict grades a claim's *wording* against official statistics; it is
# not a judgement of the Deal. "Not testable" means our data cannot answer the question, not that the claim is
# false; "not supported" means the data we hold do not show what the claim says. Notebooks 02–05 give the
# detail, the model-based estimates and the robustness checks behind these rows.
