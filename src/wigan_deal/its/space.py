"""Falsification in space: the same segmented model for every area, treated area ranked among them.

All areas with complete data share one design matrix, so one ``lstsq`` fits them all and the
Newey-West covariances are computed together (:mod:`wigan_deal.its._batch`); there is no per-area
formula fit. Permutation p-values (``n_controls`` = areas other than the treated one)::

    two-sided  (1 + #{controls: |stat_j| >= |stat_treated|}) / (1 + n_controls)
    one-sided  (1 + #{controls: improvement_j >= improvement_treated}) / (1 + n_controls)

where improvement = stat if ``higher_is_better`` else -stat. Rank 1 = the largest improvement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wigan_deal import config, fmt
from wigan_deal.its._batch import batch_ols
from wigan_deal.its._series import (
    SERIES_KEYS,
    check_hac_small_sample,
    check_single_series,
    period_labels,
    prepare_series,
)
from wigan_deal.periods import DEFAULT_POST_RULE

STATISTICS: tuple[str, ...] = ("level_change", "slope_change", "level_t", "slope_t")
#: Code prefixes of aggregates (England, regions, combined authorities), not placebo units.
AGGREGATE_PREFIXES: tuple[str, ...] = config.AGGREGATE_PREFIXES


@dataclass
class PlaceboInSpaceResult:
    """Per-area estimates and the treated area's standing among them."""

    table: pd.DataFrame
    treated: str
    statistic: str
    higher_is_better: bool
    treated_value: float
    rank: int
    n_areas: int
    p_two_sided: float
    p_one_sided: float
    break_year: float
    post_rule: str
    hac_lags: int
    hac_lag_rule: str
    periods: list[str]
    dropped_areas: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n_controls(self) -> int:
        return self.n_areas - 1

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"quantity": f"treated_{self.statistic}", "estimate": self.treated_value},
                {"quantity": "rank", "estimate": float(self.rank)},
                {"quantity": "n_areas", "estimate": float(self.n_areas)},
                {"quantity": "p_two_sided", "estimate": self.p_two_sided},
                {"quantity": "p_one_sided", "estimate": self.p_one_sided},
            ]
        )

    def effect_summary(self):
        """``(table, text)``: the treated area's rank and permutation p in plain English."""
        from wigan_deal.its.summaries import space_summary

        return space_summary(self)

    def summary(self) -> str:
        direction = "higher" if self.higher_is_better else "lower"
        lines = [
            "Placebo in space: segmented regression for every area (vectorised OLS)",
            f"  break {self.break_year:g}, post_rule={self.post_rule!r}; periods "
            f"{self.periods[0]} .. {self.periods[-1]} ({len(self.periods)}); HAC lags {self.hac_lags}",
            f"  statistic: {self.statistic} ({direction} is better)",
            f"  treated {self.treated}: {fmt.significant(self.treated_value, 4)}, rank {self.rank} of {self.n_areas} "
            "(1 = largest improvement)",
            f"  permutation p: two-sided {fmt.p_value(self.p_two_sided)}, one-sided "
            f"{fmt.p_value(self.p_one_sided)} (smallest attainable {fmt.number(1 / (1 + self.n_controls), 4)})",
        ]
        if self.dropped_areas:
            lines.append(f"  dropped {len(self.dropped_areas)} area(s) with missing periods: "
                         + ", ".join(self.dropped_areas[:10])
                         + (" ..." if len(self.dropped_areas) > 10 else ""))
        lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, title: str | None = None, bins: int = 30):
        """Histogram of the placebo distribution with the treated area marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        others = self.table.loc[~self.table.is_treated, self.statistic]
        ax.hist(others, bins=bins, color="#9ecae1", edgecolor="white", label="other areas")
        ax.axvline(self.treated_value, color="#d62728", lw=2,
                   label=f"{self.treated} (rank {self.rank}/{self.n_areas})")
        ax.axvline(0, color="#555555", lw=0.8)
        ax.set_xlabel(self.statistic.replace("_", " "))
        ax.set_ylabel("areas")
        ax.set_title(title or f"Placebo in space: p (two-sided) = {fmt.p_value(self.p_two_sided)}")
        ax.legend(fontsize=8, frameon=False)
        return ax


@dataclass(frozen=True)
class SpacePanel:
    """A tidy panel checked and pivoted for :func:`placebo_in_space` (the part that does not depend on the
    break year, post rule or statistic): build it once with :func:`space_panel` and fit many breaks on it.

    ``wide`` (periods x complete areas, sorted by period) and ``names`` are shared by every fit on this
    panel: callers must not modify them.
    """

    wide: pd.DataFrame
    treated: str
    incomplete: tuple[str, ...]
    notes: tuple[str, ...]
    names: pd.Series | None


def space_panel(panel: pd.DataFrame, treated: str, *, outcome: str = "value",
                exclude_aggregates: bool = True) -> SpacePanel:
    """Check ``panel`` and pivot it to one column per area with complete data (see :func:`placebo_in_space`)."""
    needed = ["area_code", "period_start", "period_end", outcome]
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise ValueError(f"placebo_in_space: panel lacks column(s) {missing}; it needs {needed}.")
    check_single_series(panel, "placebo_in_space", tuple(k for k in SERIES_KEYS if k != "area_code"))
    if not np.any(panel["area_code"].to_numpy() == treated):
        raise ValueError(
            f"placebo_in_space: treated area {treated!r} is not in the panel "
            f"({panel['area_code'].nunique()} areas, e.g. {list(panel['area_code'].unique()[:3])})."
        )
    notes = []
    if exclude_aggregates:
        codes = panel["area_code"].astype(str)
        agg = codes.str.startswith(AGGREGATE_PREFIXES) & (codes != treated)
        if agg.any():
            notes.append(f"excluded aggregates: {', '.join(sorted(set(codes[agg])))}")
            panel = panel[~agg]
    dup = panel.duplicated(["area_code", "period_start", "period_end"])
    if dup.any():
        raise ValueError(
            "placebo_in_space: several rows per area and period (e.g. "
            f"{panel.loc[dup, ['area_code', 'period_start']].iloc[0].tolist()}); filter to one "
            "indicator/sex/vintage first."
        )
    numeric = panel[["area_code", "period_start", "period_end"]].assign(
        _y=pd.to_numeric(panel[outcome], errors="coerce")
    )
    wide = numeric.pivot(index=["period_start", "period_end"], columns="area_code", values="_y")
    wide = wide.sort_index()
    incomplete = wide.columns[wide.isna().any()].tolist()
    if treated in incomplete:
        gaps = wide.index[wide[treated].isna()].tolist()
        raise ValueError(f"placebo_in_space: treated area {treated!r} has missing periods {gaps}.")
    wide = wide.drop(columns=incomplete)
    names = (panel.drop_duplicates("area_code").set_index("area_code")["area_name"]
             if "area_name" in panel.columns else None)
    return SpacePanel(wide, treated, tuple(incomplete), tuple(notes), names)


def placebo_in_space(
    panel: pd.DataFrame | SpacePanel,
    treated: str,
    break_year,
    *,
    post_rule: str = DEFAULT_POST_RULE,
    outcome: str = "value",
    higher_is_better: bool | None = None,
    statistic: str = "level_change",
    hac_lags: int | None = None,
    exclude_aggregates: bool = True,
    hac_small_sample: bool = True,
    slope_start: int = 0,
) -> PlaceboInSpaceResult:
    """Fit the segmented model to every area in ``panel`` and rank ``treated`` among them.

    ``panel``: tidy frame (``area_code``, ``period_start``, ``period_end``, ``outcome``) for one
    indicator/sex/vintage, or a :class:`SpacePanel` of it (from :func:`space_panel`, which then
    already fixed ``outcome`` and ``exclude_aggregates``). ``higher_is_better`` must be given (True for life expectancy, False for
    mortality). ``statistic``: ``level_change``, ``slope_change`` or their t-values ``level_t`` /
    ``slope_t`` (Newey-West SEs with the same lag rule as :func:`fit_its`; ``hac_lags=0`` for
    classical SEs; ``hac_small_sample`` and ``slope_start`` as in :func:`fit_its`). Areas with any missing
    period are dropped and listed; aggregates (England,
    regions: :data:`AGGREGATE_PREFIXES`) are excluded unless ``exclude_aggregates=False``.
    """
    if higher_is_better is None:
        raise ValueError(
            "placebo_in_space needs higher_is_better=True (e.g. life expectancy) or False (e.g. "
            "mortality rates) to know which direction counts as an improvement."
        )
    if statistic not in STATISTICS:
        raise ValueError(f"Unknown statistic {statistic!r}: valid are {', '.join(STATISTICS)}.")
    if not isinstance(panel, SpacePanel):
        panel = space_panel(panel, treated, outcome=outcome, exclude_aggregates=exclude_aggregates)
    elif panel.treated != treated:
        raise ValueError(f"placebo_in_space: the SpacePanel was built for treated area {panel.treated!r}, "
                         f"not {treated!r}; build one with space_panel(panel, {treated!r}).")
    wide, incomplete, notes = panel.wide, list(panel.incomplete), list(panel.notes)
    starts = wide.index.get_level_values(0).to_numpy()
    ends = wide.index.get_level_values(1).to_numpy()
    frame = pd.DataFrame({"period_start": starts, "period_end": ends,
                          "value": wide[treated].to_numpy()})
    hac_small_sample = check_hac_small_sample(hac_small_sample)
    series = prepare_series(frame, break_year, post_rule=post_rule, slope_start=slope_start,
                            what="placebo_in_space")
    if hac_lags is None:
        lags, rule = series.hac_lags()
    else:
        lags, rule = int(hac_lags), f"{int(hac_lags)} (set by the caller)"
    fit = batch_ols(series.X, wide.to_numpy(dtype=float), lags, small_sample=hac_small_sample)
    areas = wide.columns.to_numpy()
    columns = {
        "level_change": fit.beta[2], "level_se": fit.se[2], "level_t": fit.beta[2] / fit.se[2],
        "slope_change": fit.beta[3], "slope_se": fit.se[3], "slope_t": fit.beta[3] / fit.se[3],
        "pre_slope": fit.beta[1],
    }
    is_treated = areas == treated
    stat = columns[statistic]
    sign = 1.0 if higher_is_better else -1.0
    improvement = sign * stat
    order = (-improvement).argsort()  # the table's rows by improvement rank (ranks are unique: the sort's order)
    t_idx = int(np.flatnonzero(is_treated)[0])
    ctrl = ~is_treated
    n_ctrl = int(ctrl.sum())
    if n_ctrl == 0:
        raise ValueError("placebo_in_space: no control areas with complete data remain.")
    p2 = (1 + np.sum(np.abs(stat[ctrl]) >= abs(stat[t_idx]))) / (1 + n_ctrl)
    p1 = (1 + np.sum(improvement[ctrl] >= improvement[t_idx])) / (1 + n_ctrl)
    rank = int(1 + np.sum(improvement[ctrl] > improvement[t_idx]))
    # built in rank order at once (a frame, a column insert and a sort by rank before: the same table)
    table = pd.DataFrame({"area_code": areas[order], **{k: v[order] for k, v in columns.items()},
                          "is_treated": is_treated[order], "improvement_rank": (order.argsort() + 1)[order]})
    if panel.names is not None:
        table.insert(1, "area_name", table["area_code"].map(panel.names))
    if incomplete:
        notes.append(f"dropped {len(incomplete)} area(s) with missing periods: {', '.join(map(str, incomplete))}")
    return PlaceboInSpaceResult(
        table=table,
        treated=treated, statistic=statistic, higher_is_better=bool(higher_is_better),
        treated_value=float(stat[t_idx]), rank=rank, n_areas=len(areas),
        p_two_sided=float(p2), p_one_sided=float(p1), break_year=series.break_year,
        post_rule=series.post_rule, hac_lags=lags, hac_lag_rule=rule,
        periods=period_labels(starts, ends), dropped_areas=[str(a) for a in incomplete],
        notes=notes,
    )
