"""Your own series: the project's primary comparative method on a user's panel.

:func:`analyse` takes a validated :class:`~wigan_deal.data.user_panel.UserPanel` (one treated area,
several comparison areas) and returns the treated area's change minus the comparison areas' average
change at the break - level and slope - with the interval from the placebo-in-space distribution of
the same comparative statistic (each comparison area in turn as pseudo-treated against the rest). That
is the method the project's coverage study on the real council panel supports
(``docs/inference.md``); its coverage on YOUR data is not known, which the summary says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wigan_deal.data.user_panel import UserPanel
from wigan_deal.its import panel as cmp


def method() -> tuple[str, str]:
    """(candidate, note): the project's primary ITS method as the committed selection rule chose it from the
    real-panel coverage study (:func:`wigan_deal.panel_coverage.chosen`). A user's panel has no England
    series, so a method comparing with England is replaced by the same inversion against the pool mean."""
    from wigan_deal.panel_coverage import chosen

    name, calibrated = chosen("its")
    note = "" if calibrated else "No candidate met the coverage criterion on the council panel. "
    if not name.startswith("poolmean"):
        note += f"The project's primary method ({name}) needs a series your panel lacks; the pool mean is used. "
        name = "poolmean_t" if name.endswith("_t") else "poolmean_raw"
    return name, note


@dataclass
class UserSeriesResult:
    """The comparative estimate for a user's panel, with the series behind it."""

    panel: UserPanel
    result: cmp.ComparativeResult

    @property
    def comparison_mean(self) -> pd.Series:
        return self.panel.wide[self.panel.comparison_areas].mean(axis=1)

    def effect_summary(self) -> tuple[pd.DataFrame, str]:
        table, text = self.result.effect_summary()
        text += (f" Break {self.panel.break_year}: {self.panel.n_pre} periods before, {self.panel.n_post} from "
                 "it on. The coverage of this interval was measured on the council panel of this project, "
                 "not on your data: read it as indicative.")
        return table, text

    def _repr_html_(self) -> str:
        from html import escape

        from wigan_deal import fmt

        table, text = self.effect_summary()
        return fmt.to_html(table) + f"<p>{escape(text)}</p>"

    def plot(self, ax=None):
        """The treated series and the comparison areas' average, the break marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        wide = self.panel.wide
        for area in self.panel.comparison_areas:
            ax.plot(wide.index, wide[area], color="#bbbbbb", lw=0.6, zorder=1)
        ax.plot(wide.index, self.comparison_mean, color="#1f77b4", lw=2, label="comparison areas' average")
        ax.plot(wide.index, wide[self.panel.treated], color="#d62728", lw=2, label=self.panel.treated)
        ax.axvline(self.panel.break_year - 0.5, color="#333333", ls="--", lw=1, label="break")
        ax.set_xlabel("period")
        ax.set_ylabel(self.panel.outcome)
        ax.legend(frameon=False, fontsize=8)
        from wigan_deal.plots import alt_text

        alt_text(ax, f"Line chart: {self.panel.outcome} by period for {self.panel.treated} (red), the average "
                     f"of its {len(self.panel.comparison_areas)} comparison areas (blue) and each comparison "
                     f"area (grey); dashed line at the break, {self.panel.break_year}.")
        return ax


def analyse(panel: UserPanel, alpha: float = 0.05) -> UserSeriesResult:
    """The primary comparative method (:data:`METHOD`) on ``panel``."""
    wide = panel.wide
    t = wide.index.to_numpy(float)
    post = wide.index.to_numpy() >= panel.break_year
    X = cmp.segmented_matrix(t, post)
    y = wide[panel.treated].to_numpy(float)
    pool = wide[panel.comparison_areas].to_numpy(float)
    name, note = method()
    res = cmp.poolmean(y, pool, X, studentised=name.endswith("_t"), alpha=alpha, names=panel.comparison_areas,
                       treated=panel.treated,
                       comparison=f"the average of its {len(panel.comparison_areas)} comparison areas")
    res.note = (note + res.note).strip()
    if not np.isfinite([d["estimate"] for d in res.estimates.values()]).all():
        raise ValueError("The comparative estimate is not finite: check the panel for constant series.")
    return UserSeriesResult(panel, res)
