"""The pre-specified primary analysis for one council (notebooks 03 and 05): the area minus the non-GM council
average with its placebo-in-space interval (:mod:`wigan_deal.panel_coverage`), the v1 own-break description
beside it (:mod:`wigan_deal.inference`), placebo breaks under both, and the coverage studies that chose them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from wigan_deal import config, inference, panel_coverage
from wigan_deal.studies.summary import EffectSummary, Study, record_estimate

#: the own-break description's outcomes: (indicator, sex, unit, record key)
OWN_BREAK_OUTCOMES: tuple[tuple[str, str, str, str], ...] = (
    ("u75_prev_cancer_mortality", "Persons", "per 100,000", "cancer"),
    *(("le_birth", s, "years", f"le_{s.lower()}") for s in config.SEXES))


@dataclass(frozen=True, eq=False, repr=False)
class PrimaryStudy(Study):
    """Every primary outcome of ``data/analysis_plan.yml`` for one area: the table (estimand, estimate,
    placebo-in-space interval, p, method), the reason where an outcome has none, and the records."""

    table: pd.DataFrame
    records: list[tuple[str, Any, str, str]]

    def summary(self) -> EffectSummary:
        t = self.table
        missing = [f"*No primary result for {r.outcome}: {r.estimand}*" for r in t.itertuples()
                   if pd.isna(getattr(r, "estimate", float("nan")))]
        shown = t.dropna(subset=["estimate"]).round(3) if "estimate" in t else t
        return EffectSummary(shown, "\n\n".join([*missing, panel_coverage.coverage_line()]))

    def record(self, rec: Any) -> None:
        for key, est, unit, label in self.records:
            record_estimate(rec, key, est, unit=unit, label=label)


def primary_study(area_code: str) -> PrimaryStudy:
    """:class:`PrimaryStudy` of ``area_code``."""
    return PrimaryStudy(panel_coverage.primary_table(area_code), panel_coverage.primary_records(area_code))


@dataclass(frozen=True, eq=False, repr=False)
class OwnBreakDescription(Study):
    """The v1 specification as description: the area's own break (national changes included) with the permutation
    interval of its studentised break among councils, for each of :data:`OWN_BREAK_OUTCOMES`. ``results`` maps
    ``(indicator, sex)`` to the :class:`wigan_deal.inference.PrimaryITS` or to the reason there is none."""

    name: str
    results: dict[tuple[str, str], Any]

    def _fits(self) -> list[tuple[str, str, str, str, Any]]:
        return [(i, s, u, k, self.results[(i, s)]) for i, s, u, k in OWN_BREAK_OUTCOMES
                if not isinstance(self.results[(i, s)], str)]

    def summary(self) -> EffectSummary:
        parts, tables = [], []
        for ind, s, unit, _key in OWN_BREAK_OUTCOMES:
            r = self.results[(ind, s)]
            if isinstance(r, str):
                parts.append(f"*No own-break description for {ind} ({s}): {r}*")
                continue
            table, text = r.effect_summary(unit)
            parts.append(f"**{ind} ({s})** - {text}")
            tables.append(table.assign(indicator=ind, sex=s))
        return EffectSummary(pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(), "\n\n".join(parts))

    def record(self, rec: Any) -> None:
        for ind, s, unit, key, r in self._fits():
            level, slope = inference.primary_estimates(r)
            for q, est, u in (("level", level, unit), ("slope", slope, f"{unit} per year")):
                record_estimate(rec, f"its_ownbreak_{key}_{q}_change", est, unit=u,
                                label=f"{self.name} {ind} ({s}): own break, national changes included: {q} change "
                                      "(description)")


def own_break_description(area_code: str, name: str) -> OwnBreakDescription:
    """:class:`OwnBreakDescription` of ``area_code`` (an outcome the area cannot be fitted on keeps its reason)."""
    results: dict[tuple[str, str], Any] = {}
    for ind, s, _unit, _key in OWN_BREAK_OUTCOMES:
        try:
            results[(ind, s)] = inference.primary_its(area_code, ind, s)
        except ValueError as exc:  # e.g. missing periods for this area
            results[(ind, s)] = str(exc)
    return OwnBreakDescription(name, results)


@dataclass(frozen=True, eq=False, repr=False)
class PrimaryPlaceboStudy(Study):
    """Notebook 05's outcome under the primary method (the area minus the non-GM council average) with its placebo
    breaks inside the pre-period, then the own-break description with its placebo breaks. A step the outcome
    cannot take ends the study: ``error`` says why, and the steps before it are kept."""

    name: str
    text: str  # the tested outcome in words
    unit: str
    primary: Any = None
    placebo: pd.DataFrame | None = None
    own_break: Any = None
    own_placebo: pd.DataFrame | None = None
    error: str = ""

    def summary(self) -> EffectSummary:
        parts = []
        if self.primary is not None:
            parts.append("**PRIMARY:** " + self.primary.effect_summary(self.unit)[1])
        if self.own_break is not None:
            parts.append(self.own_break.effect_summary(self.unit)[1])
        if self.error:
            parts.append(f"*The primary analysis cannot be run for {self.name}: {self.error}*")
        return EffectSummary(self.placebo if self.placebo is not None else pd.DataFrame(), "\n\n".join(parts))

    def record(self, rec: Any) -> None:
        if self.placebo is not None:
            who = f"{self.name} minus the non-GM council average, {self.text}"
            rec.record("primary_placebo_time_n", len(self.placebo), unit="count", label=f"Placebo breaks, primary method ({who})")
            rec.record("primary_placebo_time_n_significant", int(self.placebo.level_excludes_zero.sum()), unit="count",
                       label=f"Placebo breaks whose level-change interval excludes zero, primary method ({who})")
        if self.own_placebo is not None:
            rec.record("ownbreak_placebo_time_n_significant", int(self.own_placebo.level_excludes_zero.sum()),
                       unit="count", label="Placebo breaks whose level-change CI excludes zero, own break (national "
                                           f"changes included; description), {self.text}")


def primary_placebo_study(area_code: str, name: str, outcome: Any) -> PrimaryPlaceboStudy:
    """:class:`PrimaryPlaceboStudy` of ``outcome`` (a :class:`wigan_deal.studies.robustness.Outcome`)."""
    key, done = panel_coverage.key_for(outcome.indicator, outcome.sex), {}
    steps = (("primary", lambda: panel_coverage.primary_comparative(area_code, key)),
             ("placebo", lambda: panel_coverage.primary_placebo_in_time(area_code, key)),
             ("own_break", lambda: inference.primary_its(area_code, outcome.indicator, outcome.sex)),
             ("own_placebo", lambda: inference.primary_placebo_in_time(area_code, outcome.indicator, outcome.sex)))
    try:
        for field, step in steps:
            done[field] = step()
    except ValueError as exc:
        done["error"] = str(exc)
    return PrimaryPlaceboStudy(name, outcome.text, outcome.unit, **done)


@dataclass(frozen=True, eq=False, repr=False)
class CoverageStudy(Study):
    """Whether the intervals are honest: the v1 coverage simulation at the real designs (the own-break method
    it chose), the real-panel study of the comparative candidates with the verdicts of its committed rule, and
    the extended simulation. Committed study outputs, the same for every council: nothing is recorded."""

    def summary(self) -> EffectSummary:
        return _coverage_summary(*(inference.file_stamp(f) for f in (
            inference.TABLE_FILE, panel_coverage.PANEL_FILE, panel_coverage.SIM_FILE, config.ANALYSIS_PLAN_FILE)))

    def record(self, rec: Any) -> None:
        """Nothing: the coverage tables are committed study outputs, not this council's results."""

    def plot(self) -> Any:
        return inference.plot_coverage()


@lru_cache(maxsize=2)
def _coverage_summary(*_file_stamps: tuple) -> EffectSummary:
    """:meth:`CoverageStudy.summary`, once per version of the committed tables and the analysis plan
    (``_file_stamps``: :func:`wigan_deal.inference.file_stamp`); the same for every council. Shared: not modified."""
    text = (f"Own-break (v1) method by its documented rule: **{inference.primary_method()[0]}**.\n\n"
            "**Real-panel study of the comparative candidates** (coverage of the injected effect; rule committed "
            "before the study):\n\n" + panel_coverage.markdown_panel() + "\n\n" + panel_coverage.markdown_verdicts()
            + "\n\n**Extended simulation** (common national break, factor structure, unequal noise; pseudo-treated "
            "units at Wigan's own noise level; `own_t` = the v1 own-break method):\n\n"
            + panel_coverage.markdown_simulation())
    return EffectSummary(inference.coverage_summary(), text)


def coverage_study() -> CoverageStudy:
    """:class:`CoverageStudy` (the committed coverage tables; the same for every council)."""
    return CoverageStudy()
