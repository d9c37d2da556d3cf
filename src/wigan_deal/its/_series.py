"""Turn a tidy frame into one validated, time-ordered series with a segmented-regression design.

Shared by every model in :mod:`wigan_deal.its`. The rules live here, once:

* a frame must hold ONE series (one area / sex / indicator / vintage);
* the time axis is the period midpoint (:func:`wigan_deal.periods.period_midpoint`);
* pre/post is :func:`wigan_deal.periods.is_post` with an explicit ``post_rule``;
* missing outcome values are refused (not silently dropped): a gap inside a series changes the
  meaning of the slope terms and of the autocorrelation correction, so the caller must decide.
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wigan_deal import config
from wigan_deal.periods import DEFAULT_POST_RULE, check_post_rule, is_post, period_midpoint

#: Fewest pre-intervention points the engine will fit (Cochrane EPOC minimum for ITS).
MIN_PRE_POINTS = config.ITS_MIN_PRE_POINTS
#: Fewest post-intervention points: a slope change needs at least two.
MIN_POST_POINTS = config.ITS_MIN_POST_POINTS
#: Below this many pre-intervention points a :class:`ShortPreperiodWarning` is issued.
WARN_PRE_POINTS = config.ITS_WARN_PRE_POINTS
#: Columns that identify one series in the data layer's tidy frames.
SERIES_KEYS: tuple[str, ...] = ("area_code", "sex", "indicator", "vintage")

#: Names of the four segmented-regression terms, in design-matrix order.
TERMS: tuple[str, ...] = ("Intercept", "time_c", "post", "time_since_break")


class ShortPreperiodError(ValueError):
    """Too few pre-intervention points to estimate a pre-trend."""


class ShortPreperiodWarning(UserWarning):
    """Fewer than :data:`WARN_PRE_POINTS` pre-intervention points: estimates are fragile."""


def break_to_year(break_year) -> float:
    """A break as a (fractional) calendar year.

    Ints and floats are taken as years; dates, datetimes, ``pd.Timestamp`` and ISO strings such as
    ``"2011-04-01"`` become ``year + (day_of_year - 1) / days_in_year`` (1 April 2011 -> 2011.246).
    """
    if isinstance(break_year, bool):
        raise TypeError(f"break_year={break_year!r} is a bool; give a year such as 2011 or a date.")
    if isinstance(break_year, (int, float, np.integer, np.floating)):
        value = float(break_year)
        if not math.isfinite(value):
            raise ValueError(f"break_year={break_year!r} is not a finite year.")
        return value
    if isinstance(break_year, (str, _dt.date, np.datetime64, pd.Timestamp)):
        try:
            ts = pd.Timestamp(break_year)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"Cannot read break_year={break_year!r} as a year or a date: give 2011, 2011.25 "
                "or a date such as '2011-04-01' / pd.Timestamp('2011-04-01')."
            ) from exc
        days = 366 if ts.is_leap_year else 365
        return ts.year + (ts.day_of_year - 1) / days
    raise TypeError(
        f"break_year must be a year (int/float) or a date, not {type(break_year).__name__} "
        f"({break_year!r})."
    )


def check_single_series(data: pd.DataFrame, what: str = "fit_its", keys: tuple[str, ...] = SERIES_KEYS) -> None:
    """Raise ``ValueError`` naming the offending values if ``data`` mixes several series (of the columns ``keys``
    of :data:`SERIES_KEYS`: a panel of areas leaves out ``area_code``)."""
    mixed = []
    for key in keys:
        if key in data.columns:
            column = data[key]
            if _one_string(column):
                continue
            values = pd.unique(column.dropna())
            if len(values) > 1:
                shown = ", ".join(map(str, values[:6])) + (", ..." if len(values) > 6 else "")
                mixed.append(f"{len(values)} values of {key} ({shown})")
    if mixed:
        raise ValueError(
            f"{what} needs ONE series, but the frame mixes " + "; ".join(mixed) + ". Filter it "
            "to a single area, sex, indicator and vintage first, e.g. "
            "data[(data.area_code == 'E08000010') & (data.sex == 'Male')]."
        )


def _one_string(column: pd.Series) -> bool:
    """True if every value of ``column`` is the same string (no missing value): the common case of
    :func:`check_single_series`, answered without ``pd.unique`` (~30x its speed on a short series)."""
    values = column.to_numpy()
    return len(values) > 0 and isinstance(values[0], str) and bool((values == values[0]).all())


def _as_float(column: pd.Series) -> np.ndarray:
    """``pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)``; a numeric column (to_numeric leaves its
    values as they are) skips ``to_numeric``."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=float)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


def _time_order(t: np.ndarray) -> np.ndarray:
    """The row order of ``DataFrame.sort_values`` on a float column with ``kind="stable"``: stable ascending,
    missing values last in their original order."""
    missing = np.isnan(t)
    if not missing.any():
        return np.argsort(t, kind="stable")
    idx = np.arange(t.size)
    return np.concatenate([idx[~missing][np.argsort(t[~missing], kind="stable")], idx[missing]])


def period_labels(start, end) -> list[str]:
    """Labels like ``2009-11`` (multi-year) or ``2011`` (single year) from start/end years."""
    out = []
    for s, e in zip(np.asarray(start, dtype=int), np.asarray(end, dtype=int), strict=True):
        out.append(str(s) if s == e else f"{s}-{e % 100:02d}")
    return out


def hac_lag_rule(n: int, period_start=None, period_end=None) -> tuple[int, str]:
    """Newey-West lag and a sentence describing the rule used.

    ``floor(4 * (n/100)^(2/9))`` (Newey & West 1994 plug-in), at least 1; for overlapping 3-year
    rolling periods (``period_end - period_start == 2``, consecutive starts one year apart) at least 2,
    because consecutive observations share 2 of their 3 years (an MA(2) structure by construction).
    """
    base = int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))
    if period_start is not None and is_overlapping_three_year(period_start, period_end):
        lag = max(2, base)
        rule = (
            f"max(2, floor(4*(n/100)^(2/9))) = max(2, {base}) = {lag} with n={n}: overlapping "
            "3-year periods share 2 of 3 years, so errors are at least MA(2)"
        )
    else:
        lag = max(1, base)
        rule = f"max(1, floor(4*(n/100)^(2/9))) = max(1, {base}) = {lag} with n={n} (Newey-West plug-in)"
    return lag, rule


def is_overlapping_three_year(period_start, period_end) -> bool:
    """True for 3-year rolling periods whose starts advance one year at a time."""
    start = np.asarray(period_start, dtype=float)
    end = np.asarray(period_end, dtype=float)
    if start.size < 2 or not np.all(end - start == 2):
        return False
    steps = np.diff(np.sort(start))
    return bool(np.all(steps == 1))


@dataclass
class Series:
    """One validated series with its segmented-regression design."""

    period: list[str]
    time: np.ndarray
    y: np.ndarray
    post: np.ndarray
    period_start: np.ndarray | None
    period_end: np.ndarray | None
    lower_ci: np.ndarray | None
    upper_ci: np.ndarray | None
    break_year: float | None
    post_rule: str | None
    t0: float  # time of the first post period: origin of time_c and time_since_break
    #: value of ``time_since_break`` at the first post point: 0 (default) or 1 (Lopez Bernal et al.'s
    #: R code, ``time - last_pre``), which moves the level term by one slope-change unit.
    slope_start: float = 0.0

    @property
    def n(self) -> int:
        return int(self.y.size)

    @property
    def n_pre(self) -> int:
        return int((~self.post).sum())

    @property
    def n_post(self) -> int:
        return int(self.post.sum())

    @property
    def time_c(self) -> np.ndarray:
        return self.time - self.t0

    @property
    def time_since_break(self) -> np.ndarray:
        return np.where(self.post, self.time - self.t0 + self.slope_start, 0.0)

    @property
    def X(self) -> np.ndarray:
        """Design matrix: intercept, time_c, post, time_since_break."""
        return np.column_stack(
            [np.ones(self.n), self.time_c, self.post.astype(float), self.time_since_break]
        )

    @property
    def overlapping(self) -> bool:
        return self.period_start is not None and is_overlapping_three_year(
            self.period_start, self.period_end
        )

    def hac_lags(self) -> tuple[int, str]:
        return hac_lag_rule(self.n, self.period_start, self.period_end)


#: Valid values of ``slope_start`` (time_since_break at the first post point).
SLOPE_STARTS: tuple[int, ...] = (0, 1)


def check_slope_start(slope_start) -> float:
    """Return ``slope_start`` as a float if it is 0 or 1, else raise a clear ``ValueError``."""
    if isinstance(slope_start, bool) or slope_start not in SLOPE_STARTS:
        raise ValueError(
            f"slope_start={slope_start!r} is not valid: give 0 (time_since_break is 0 at the first "
            "post point, so the level change is the jump there; the default) or 1 (it is 1 there, as "
            "in Lopez Bernal et al.'s R code, so the level change is the jump one time unit earlier)."
        )
    return float(slope_start)


def check_hac_small_sample(hac_small_sample) -> bool:
    """Return ``hac_small_sample`` as a bool if it is one, else raise a clear ``ValueError``."""
    if not isinstance(hac_small_sample, (bool, np.bool_)):
        raise ValueError(
            f"hac_small_sample={hac_small_sample!r} must be True (multiply the Newey-West covariance "
            "by n/(n-k)) or False (no factor)."
        )
    return bool(hac_small_sample)


def prepare_series(
    data: pd.DataFrame,
    break_year,
    *,
    post_rule: str = DEFAULT_POST_RULE,
    slope_start: int = 0,
    outcome: str = "value",
    time: str | None = None,
    intervention: str | None = None,
    what: str = "fit_its",
    min_pre: int = MIN_PRE_POINTS,
    warn_pre: int | None = WARN_PRE_POINTS,
) -> Series:
    """Validate ``data`` and build a :class:`Series` (see the module docstring for the rules).

    With ``time`` the named column is the time axis instead of the period midpoint; with
    ``intervention`` a 0/1 column decides post instead of ``break_year`` and ``post_rule``.
    ``slope_start`` (0 or 1) is the value of ``time_since_break`` at the first post point.
    """
    slope_start = check_slope_start(slope_start)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} expects a pandas DataFrame, not {type(data).__name__}.")
    if data.empty:
        raise ValueError(f"{what} was given an empty frame: there is no series to fit.")
    check_single_series(data, what)
    has_periods = {"period_start", "period_end"} <= set(data.columns)
    required = [outcome] + ([time] if time else []) + ([intervention] if intervention else [])
    if not time and not has_periods:
        required += ["period_start", "period_end"]
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ValueError(
            f"{what}: the frame has no column(s) {missing}. It needs period_start, period_end and "
            f"{outcome!r} (or an explicit time= column); columns present: {list(data.columns)}."
        )
    # numpy throughout (a frame copy, sort and column conversions cost more than the fit itself): every array
    # is the column's values in time order, as a stable sort of the frame by time would give them
    if time:
        t = pd.to_numeric(data[time], errors="raise").astype(float).to_numpy(dtype=float)
    else:
        t = period_midpoint(data["period_start"], data["period_end"])
    order = _time_order(t)
    t = t[order]
    if np.unique(t).size < t.size:  # np.unique counts NaNs as one value, as duplicated() does
        times = pd.Series(t)
        dup = times.duplicated(keep=False)
        raise ValueError(
            f"{what}: several rows share the same time point ({sorted(set(times[dup]))}). "
            "A single series has one value per period; filter duplicates (e.g. several vintages) first."
        )
    if "period" in data.columns:
        labels = data["period"].astype(str).to_numpy()[order].tolist()
    elif has_periods:
        labels = period_labels(np.asarray(data["period_start"], dtype=int)[order],  # as period_labels converts
                               np.asarray(data["period_end"], dtype=int)[order])
    else:
        labels = [f"{v:g}" for v in t]
    y = _as_float(data[outcome])[order]
    bad = ~np.isfinite(y)
    if bad.any():
        shown = [labels[i] for i in np.flatnonzero(bad)]
        raise ValueError(
            f"{what}: {outcome!r} is missing or not numeric for period(s) {shown}. The engine "
            "refuses gaps rather than silently dropping them (a gap changes the trend terms and the "
            "autocorrelation correction). Drop those rows explicitly, e.g. "
            f"data.dropna(subset=[{outcome!r}]), or use a series without gaps."
        )
    columns = {name: _as_float(data[name])[order] for name in ("period_start", "period_end", "lower_ci", "upper_ci")
               if name in data.columns}
    if intervention:
        flag = pd.to_numeric(data[intervention], errors="coerce").to_numpy()[order]
        if not np.isin(flag, [0, 1]).all():
            raise ValueError(
                f"{what}: intervention column {intervention!r} must be 0/1, found "
                f"{sorted(set(flag[~np.isin(flag, [0, 1])].tolist()))[:5]}."
            )
        post = flag.astype(bool)
        if post.any() and not post[np.argmax(post):].all():
            raise ValueError(
                f"{what}: intervention column {intervention!r} switches back to 0 after it starts; "
                "a single interruption must be 0 ... 0 1 ... 1 in time order."
            )
        rule = None
        brk = float(t[np.argmax(post)]) if post.any() else None
    else:
        brk = break_to_year(break_year)
        rule = check_post_rule(post_rule)
        if has_periods:
            post = is_post(np.asarray(data["period_start"], dtype=float)[order],
                           np.asarray(data["period_end"], dtype=float)[order], brk, rule)
        else:
            post = t >= brk
    post = np.asarray(post, dtype=bool)
    n_pre, n_post = int((~post).sum()), int(post.sum())
    if post.any() and not post[np.argmax(post):].all():
        raise ValueError(f"{what}: post periods are not contiguous in time; check the periods.")
    brk_text = f"break {brk:g}" + (f" with post_rule={rule!r}" if rule else "")
    if n_pre < min_pre:
        pre_labels = [lab for lab, p in zip(labels, post, strict=True) if not p]
        raise ShortPreperiodError(
            f"{what}: only {n_pre} pre-intervention point(s) ({pre_labels or 'none'}) before the "
            f"{brk_text}; at least {min_pre} are needed to estimate a pre-trend. Use an earlier "
            "break year, a longer series (an earlier data vintage or single-year periods), or a "
            "descriptive before/after comparison instead of an interrupted time series."
        )
    if n_post == 0:
        raise ValueError(
            f"{what}: no post-intervention points: the {brk_text} is after the data (last period "
            f"{labels[-1]}). Use a break year inside the series or a later data vintage."
        )
    if n_post < MIN_POST_POINTS:
        raise ValueError(
            f"{what}: only one post-intervention point ({labels[int(np.argmax(post))]}) after the "
            f"{brk_text}; a slope change needs at least {MIN_POST_POINTS}. Use an earlier break or a later vintage."
        )
    if warn_pre is not None and n_pre < warn_pre:
        warnings.warn(
            f"{what}: only {n_pre} pre-intervention points before the {brk_text} (fewer than "
            f"{warn_pre}); the pre-trend and the autocorrelation correction are fragile.",
            ShortPreperiodWarning,
            stacklevel=3,
        )

    return Series(
        period=labels,
        time=t,
        y=y,
        post=post,
        period_start=columns["period_start"] if has_periods else None,
        period_end=columns["period_end"] if has_periods else None,
        lower_ci=columns.get("lower_ci"),
        upper_ci=columns.get("upper_ci"),
        break_year=brk,
        post_rule=rule,
        t0=float(t[np.argmax(post)]),
        slope_start=slope_start,
    )
