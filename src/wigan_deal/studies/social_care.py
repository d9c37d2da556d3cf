"""Social care outcomes (notebook 07): the area's adult social care pathway measures against England and its peer
groups (:mod:`wigan_deal.outcomes`; description, not attribution), and the one series that spans GM devolution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from wigan_deal import config, fmt, lasting, outcomes, plots
from wigan_deal import data as wd
from wigan_deal.studies.compare import describe_groups
from wigan_deal.studies.summary import EffectSummary, Study

#: the columns of the latest-year pathway table (the peer groups' columns go between area and council median)
LEAD, TAIL = ["measure_code", "title", "financial_year", "source", "area"], ["council_median", "percentile"]


@dataclass(frozen=True, eq=False, repr=False)
class PathwayStudy(Study):
    """Every ASCOF / LG Inform / Oflog measure and year the area has, against England, its peer groups and all
    councils (``table``: :func:`wigan_deal.outcomes.comparison_table`); the latest year of each pathway measure
    is shown and recorded (percentile among councils, 100 = best)."""

    HEADLINE_PLOTS = frozenset({"plot"})

    area_code: str
    name: str
    groups: dict[str, list[str]]
    group_notes: list[str]
    table: pd.DataFrame

    def latest(self) -> pd.DataFrame:
        """The latest year of each pathway measure the area has (:func:`wigan_deal.outcomes.latest`)."""
        latest = outcomes.latest(self.table)
        cols = [*LEAD, *self.groups, *TAIL]
        return latest[[c for c in cols if c in latest.columns]].round(3)

    def missing_measures(self) -> list[str]:
        """Pathway measures without any value for the area."""
        have = set(outcomes.latest(self.table)["measure_code"])
        return [m for m in outcomes.PATHWAY if m not in have]

    def context(self) -> str:
        """Which measures have a pre-Deal baseline, and who the peer groups are."""
        return (outcomes.baseline_note(self.area_code) + "\n\n" + describe_groups(self.groups)
                + ("\n\n" + " ".join(self.group_notes) if self.group_notes else ""))

    def summary(self) -> EffectSummary:
        missing = self.missing_measures()
        text = (f"**No value for {self.name}:** {', '.join(missing)} (see the notes at the end)." if missing else "")
        return EffectSummary(self.latest(), text)

    def record(self, rec: Any) -> None:
        rec.record_table("pathway", self.latest())
        for r in outcomes.latest(self.table).itertuples():
            key = "pathway_" + "".join(ch for ch in r.measure_code.lower() if ch.isalnum())
            rec.record(key, r.area, unit=r.unit, label=f"{self.name} {r.measure_code} {r.title}, {r.financial_year} "
                                                       f"({r.source})",
                       note=(f"England {fmt.significant(r.England, 3)}; " if r.England == r.England else "no England row; ")
                       + f"percentile among {r.n_councils} councils {fmt.number(r.percentile, 0)} (100 = best)")

    def full(self) -> pd.DataFrame:
        """Every measure and year (the comparison table without its descriptive columns)."""
        return self.table.drop(columns=["title", "unit", "higher_is_better"]).round(3)

    def missing_text(self) -> str:
        """A bullet per measure and source the area lacks (why), or that it has them all."""
        notes = outcomes.missing_notes(self.area_code, self.table)
        return "\n".join(f"* {n}" for n in notes) if notes else f"*{self.name} has every measure in every year held.*"

    def plot(self) -> Any:
        """The pathway at a glance: the area's percentile per measure and year, England's as a bar."""
        return outcomes.pathway_figure(self.area_code, self.table)

    def plot_measures(self) -> Any:
        """One panel per pathway measure: every council, the area, each peer group's mean and England."""
        import matplotlib.pyplot as plt

        peers = {k: v for k, v in self.groups.items() if k != "England"}
        fig, axes = plt.subplots(3, 3, figsize=(15, 11))
        for ax, code in zip(axes.ravel(), outcomes.PATHWAY, strict=False):
            outcomes.measure_figure(self.area_code, code, peers, ax=ax)
            eng = wd.load_social_care(code, areas=[config.ENGLAND])
            ax.plot(eng["period_start"], eng["value"], marker="s", color="black", lw=1, label="England")
        plots.fit_titles_to_layout(fig)  # a wrapped measure title gets the room of its laid-out panel
        fig.set_layout_engine("tight")  # laid out when drawn: the atlas draws only the stacked phone variant
        return fig


def pathway_study(area_code: str, name: str) -> PathwayStudy:
    """:class:`PathwayStudy` of ``area_code``."""
    groups, group_notes = outcomes.peer_groups(area_code)
    return PathwayStudy(area_code, name, groups, group_notes, outcomes.comparison_table(area_code, groups=groups))


#: the one social care series spanning the Deal's start and GM devolution (GM boroughs only, from 2010-11)
REABLEMENT = "ascof_2b1_home_91days"


@dataclass(frozen=True, eq=False, repr=False)
class ReablementDevolution(Study):
    """ASCOF 2B(1) (still at home 91 days after reablement, GM series) to the last year before GM devolution and to
    the last year held, against the GM boroughs (:func:`wigan_deal.lasting.devolution_windows`); description."""

    area_code: str
    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        return EffectSummary(self.table.round(2), lasting.devolution_text(
            self.table, self.area_code, "2B(1) still at home 91 days after reablement (percentage points)"))

    def record(self, rec: Any) -> None:
        """Nothing: the windows are description."""


def reablement_devolution(area_code: str) -> ReablementDevolution:
    """:class:`ReablementDevolution` of ``area_code``."""
    return ReablementDevolution(area_code, lasting.devolution_windows(REABLEMENT, area_code, "2010/11"))
