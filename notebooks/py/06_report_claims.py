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

from wigan_deal.notebook import setup
from wigan_deal.studies import verdicts

params, rec, AREA, NAME = setup(globals(), "06_report_claims")

# %% [markdown]
# ## Verdicts

# %%
graded = verdicts.verdict_study(AREA, NAME)
graded.record(rec)
display(Markdown(graded.summary().text))
graded.styled()  # coloured by verdict; the pre-specified rules are shown below and in data/report_claims.yml

# %% [markdown]
# ## Amended rules: the old verdict beside the new one
#
# A rule changed after it was written is an *amendment* (`data/report_claims.yml`, `amendments`): the date, the
# reason (including whether the area's result under the old rule was already known) and the old rule are kept,
# and the old rule is re-run here so its verdict stays visible. Nothing is silently re-graded.

# %%
amended = graded.amendments()
amended.record(rec)
amended

# %% [markdown]
# ## Do the rules discriminate?
#
# For every rule, the share of all upper-tier councils that get each verdict (the current rule, and for an amended
# claim the rule before its latest amendment). A rule that gives one verdict to nearly every council cannot tell this
# area apart from any other; claims that are not testable with these data are not testable anywhere. The table does
# not depend on the chosen area (it is computed once per session, about 30 seconds).

# %%
shares = graded.shares()
shares.record(rec)
shares.styled()

# %% [markdown]
# `estimate` and its CI are defined per claim (`unit` column; `docs/claims.md`). Where the data carry no CI the
# rule says what it does instead: an approximate CI from a documented assumption (HLE, physical inactivity,
# school readiness), a CI from the scatter of an annual series (smoking), or grading on point estimates where
# the claim's wording does not ask for significance (premature mortality, finance). The decision rules:

# %%
graded.rules()

# %% [markdown]
# ## The series behind each claim
#
# Area (solid) against England (dashed); the periods the rule reads are circled. Not-testable claims with
# context data show that context.

# %%
fig, skipped = verdicts.plot_series(AREA)
plt.show()
if skipped:
    display(Markdown(verdicts.skipped_text(skipped)))

# %% [markdown]
# ## Did it last? The same rules on later vintages
#
# These rows are **not** the graded verdicts: they re-run a claim's rule on a later or revised vintage, or on a
# supplementary series, each labelled. Vintages are never spliced.

# %%
later = verdicts.later_study(AREA, NAME)
later.record(rec)
if later.hle_last() is not None:
    display(Markdown(later.summary().text))  # the HLE claim's 'did it last' row
later.styled()

# %% [markdown]
# **What this notebook does not show.** A verdict grades a claim's *wording* against official statistics; it is
# not a judgement of the Deal. "Not testable" means our data cannot answer the question, not that the claim is
# false; "not supported" means the data we hold do not show what the claim says. Notebooks 02–05 give the
# detail, the model-based estimates and the robustness checks behind these rows.
