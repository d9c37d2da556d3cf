"""Interrupted time series engine: segmented regression, count models, comparative ITS, placebos.

Takes DataFrames (never imports :mod:`wigan_deal.data`). See ``docs/architecture.md``.

* :func:`fit_its` - one series, level and slope change (OLS + Newey-West, GLSAR, ARIMA errors)
* :func:`fit_count_its` - Poisson / quasi-Poisson with offset and Fourier seasonality
* :func:`fit_comparative_its` - treated vs control (difference or pooled model)
* :func:`placebo_in_time`, :func:`break_year_sensitivity` - falsification in time
* :func:`placebo_in_space` - the same model for every area, vectorised
"""

from wigan_deal.its._series import (
    MIN_POST_POINTS,
    MIN_PRE_POINTS,
    ShortPreperiodError,
    ShortPreperiodWarning,
    break_to_year,
)
from wigan_deal.its.comparative import ComparativeITSResult, fit_comparative_its
from wigan_deal.its.counts import CountITSResult, fit_count_its
from wigan_deal.its.placebo import (
    break_year_sensitivity,
    placebo_in_time,
    plot_break_year_sensitivity,
)
from wigan_deal.its.result import Estimate
from wigan_deal.its.segmented import ITSResult, fit_its
from wigan_deal.its.space import PlaceboInSpaceResult, SpacePanel, placebo_in_space, space_panel
from wigan_deal.its.summaries import break_year_summary, placebo_in_time_summary

__all__ = [
    "MIN_POST_POINTS",
    "MIN_PRE_POINTS",
    "ComparativeITSResult",
    "CountITSResult",
    "Estimate",
    "ITSResult",
    "PlaceboInSpaceResult",
    "SpacePanel",
    "ShortPreperiodError",
    "ShortPreperiodWarning",
    "break_to_year",
    "break_year_summary",
    "break_year_sensitivity",
    "fit_comparative_its",
    "fit_count_its",
    "fit_its",
    "placebo_in_space",
    "placebo_in_time",
    "placebo_in_time_summary",
    "plot_break_year_sensitivity",
    "space_panel",
]
