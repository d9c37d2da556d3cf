# %% [markdown]
# # Your own series: did the treated area change more than its comparison areas?
#
# Bring a panel of your own: one area where a programme started, several comparison areas where it did
# not, one value per area and period. This notebook runs the project's primary comparative method on it:
# the treated area's change at the break (level and slope of a segmented regression) **minus the average
# change of the comparison areas**, with a 95% interval from the placebo-in-space distribution of the
# same statistic (each comparison area in turn treated as if it had had the programme).
#
# Run it from the command line with `wigan-deal its PANEL.csv --treated AREA --break YEAR --outcome COLUMN`
# (which validates the CSV first and writes an HTML report), or change the parameters below in JupyterLab.
# The CSV is long: columns `area`, `period` (whole years, or the first year of a rolling period) and the
# outcome. The example shipped with the project is real: under-75 mortality from preventable cancer for
# Wigan and 26 metropolitan districts outside Greater Manchester (`data/examples/own_series_example.csv`).

# %% tags=["parameters"]
input_csv = "../data/examples/own_series_example.csv"  # path of the panel CSV
treated = "Wigan"  # the treated area, as written in the area column
break_year = 2011  # first period of the programme
outcome = "rate"  # the outcome column

# %%
from wigan_deal import fmt, plots
from wigan_deal.data.user_panel import read_user_panel
from wigan_deal.user_series import analyse

fmt.install_display()
plots.install_alt_text()
panel = read_user_panel(input_csv, treated, break_year, outcome)
result = analyse(panel)
result

# %% [markdown]
# ## The series
#
# The treated area (red) against the average of the comparison areas (blue); each comparison area in
# grey. The estimate above is the change of the red line's level and slope at the break, minus the same
# change of the blue line.

# %%
result.plot();

# %% [markdown]
# ## The placebo distribution
#
# Each comparison area's own comparative statistic (its change minus the average change of the others).
# The interval above takes the 95th percentile of their absolute values: an estimate for the treated area
# inside that spread is what areas without the programme also show.

# %%
result.result.placebos
