"""What data exist (notebook 01): the indicators and their vintages, the area's coverage, how periods fall around
the break, the comparator groups and the provenance of every raw file. It estimates nothing: each result shows the
data layer's own tables and records their counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from wigan_deal import config, plots
from wigan_deal import data as wd
from wigan_deal.periods import add_time_columns
from wigan_deal.studies.compare import comparator_groups, coverage
from wigan_deal.studies.summary import EffectSummary, Study

#: the catalogue columns a reader sees
CATALOGUE_COLUMNS = ["indicator", "title", "unit", "sexes", "vintages", "default_vintage", "first_period",
                     "last_period", "period_type", "n_areas"]
#: the main series whose periods the pre/post rule table shows
RULE_SERIES = ("hle_birth", "le_birth", "u75_prev_cancer_mortality")
#: the provenance columns a reader sees (``sha256``: the first 12 characters of the raw file's checksum)
PROVENANCE_COLUMNS = ["publisher", "title", "indicator", "fingertips_id", "vintage", "licence", "sha256", "extract"]


@dataclass(frozen=True, eq=False, repr=False)
class IndicatorsStudy(Study):
    """The indicators in the extracts (:func:`wigan_deal.data.indicators`) and the HLE vintages kept."""

    catalogue: pd.DataFrame
    hle_vintages: list[str]

    def summary(self) -> EffectSummary:
        v = self.hle_vintages
        return EffectSummary(self.catalogue[CATALOGUE_COLUMNS], (
            f"There are **{len(self.catalogue)} indicators**. Healthy life expectancy (the report's headline) exists "
            f"in **{len(v)} vintages** ({', '.join(v)}); the report could only have seen {v[0]}. Later vintages revise "
            "the back-series, so they answer *did it last*, not *what did the authors see* (notebook 02)."))

    def record(self, rec: Any) -> None:
        rec.record("n_indicators", len(self.catalogue), label="Indicators in the extracts", unit="count")
        rec.record("n_hle_vintages", len(self.hle_vintages), label="Healthy life expectancy vintages kept", unit="count")


def indicator_study() -> IndicatorsStudy:
    """:class:`IndicatorsStudy` of the committed extracts."""
    return IndicatorsStudy(wd.indicators(), wd.vintages("hle_birth"))


@dataclass(frozen=True, eq=False, repr=False)
class CoverageStudy(Study):
    """Values per series (indicator x vintage, finance lines) and period start year for one area
    (:func:`wigan_deal.studies.compare.coverage`); the heatmap is the table."""

    name: str
    table: pd.DataFrame

    def present(self) -> pd.Index:
        return self.table.index[self.table.sum(axis=1) > 0]

    def missing(self) -> pd.Index:
        return self.table.index[self.table.sum(axis=1) == 0]

    def summary(self) -> EffectSummary:
        present, missing = self.present(), self.missing()
        return EffectSummary(text=(
            f"{self.name} has data in **{len(present)} of {len(self.table)}** series."
            + (f" No data for: {', '.join(missing)}." if len(missing) else " Every series has data for this area.")))

    def record(self, rec: Any) -> None:
        rec.record("n_series_with_data", len(self.present()),
                   label=f"Series (indicator x vintage, finance lines) with data for {self.name}", unit="count")
        rec.record("n_values_area", int(self.table.to_numpy().sum()), label=f"Values available for {self.name}",
                   unit="count")

    def plot(self) -> Any:
        return plots.coverage_heatmap(self.table, title=f"Values available for {self.name}, by period start year")


def coverage_study(area_code: str, name: str) -> CoverageStudy:
    """:class:`CoverageStudy` of ``area_code``."""
    return CoverageStudy(name, coverage(area_code))


@dataclass(frozen=True, eq=False, repr=False)
class PeriodRuleStudy(Study):
    """How each period of the main series falls (pre or post) for the break year and post rule
    (:func:`wigan_deal.periods.add_time_columns`); ``table`` holds ``post`` (True/False/NaN) per period and series."""

    break_year: int
    post_rule: str
    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        counts = self.table.apply(lambda c: f"{int((c == False).sum())} pre / {int((c == True).sum())} post")  # noqa: E712
        text = (f"With a {self.break_year} break and post rule `{self.post_rule}`: "
                + "; ".join(f"**{k}** {v}" for k, v in counts.items()) + ".")
        return EffectSummary(self.table.replace({True: "post", False: "pre"}).fillna(""), text)

    def record(self, rec: Any) -> None:
        """Nothing: the table describes the rule."""


def period_rule_study(params: Any) -> PeriodRuleStudy:
    """:class:`PeriodRuleStudy` of validated ``params`` (England's periods of :data:`RULE_SERIES`)."""
    periods = {name: wd.load_indicator(name, areas=[config.ENGLAND])[["period", "period_start", "period_end"]]
               .drop_duplicates() for name in RULE_SERIES}
    table = pd.concat({k: add_time_columns(v, params.break_year, params.post_rule).set_index("period")["post"]
                       for k, v in periods.items()}, axis=1).sort_index()
    return PeriodRuleStudy(params.break_year, params.post_rule, table)


@dataclass(frozen=True, eq=False, repr=False)
class ComparatorsStudy(Study):
    """The comparator groups the parameters ask for, resolved for the area
    (:func:`wigan_deal.studies.compare.comparator_groups`)."""

    groups: dict[str, list[str]]
    n_areas: int

    def summary(self) -> EffectSummary:
        return EffectSummary(pd.DataFrame([{"group": k, "n": len(v), "areas": ", ".join(wd.area_name(c) for c in v)}
                                           for k, v in self.groups.items()]))

    def record(self, rec: Any) -> None:
        rec.record("n_comparator_areas", self.n_areas, label="Comparator areas (all groups)", unit="count")


def comparator_study(params: Any) -> ComparatorsStudy:
    """:class:`ComparatorsStudy` of validated ``params``."""
    return ComparatorsStudy(comparator_groups(params), len(params.comparator_codes))


@dataclass(frozen=True, eq=False, repr=False)
class ProvenanceStudy(Study):
    """Every raw file behind the extracts (:func:`wigan_deal.data.provenance`), with whether its sha256 matches the
    catalogue."""

    table: pd.DataFrame

    def _matches(self) -> pd.Series:
        return self.table["raw_sha256_matches_catalogue"].fillna(False)

    def summary(self) -> EffectSummary:
        prov = self.table
        shown = prov.assign(sha256=prov["raw_sha256"].str[:12])[PROVENANCE_COLUMNS]
        licences = sorted(prov["licence"].dropna().unique())
        return EffectSummary(shown, (
            f"**{len(prov)} raw datasets**; licence(s): {', '.join(licences)}. "
            f"Raw checksums match the catalogue for {int(self._matches().sum())} of {len(prov)}."))

    def record(self, rec: Any) -> None:
        rec.record("n_datasets", len(self.table), label="Raw datasets with provenance", unit="count")
        rec.record("all_checksums_match", bool(self._matches().all()), label="All raw files match the catalogue sha256")


def provenance_study() -> ProvenanceStudy:
    """:class:`ProvenanceStudy` of ``data/provenance.json``."""
    return ProvenanceStudy(wd.provenance())
