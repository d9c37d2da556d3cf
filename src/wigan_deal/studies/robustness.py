"""Robustness (notebook 05): which outcome the checks use for an area, and the checks as study results: placebo
in time, break-year sensitivity, placebo in space, regression to the mean, synthetic control (the default pool
and every pool), and the specification curves."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wigan_deal import config, fmt, its, plots, speccurve, synth, synth_whole
from wigan_deal import data as wd
from wigan_deal.periods import is_post
from wigan_deal.studies import compare
from wigan_deal.studies.mortality import CANCER, LE_VINTAGE
from wigan_deal.studies.notes import complete_note, note_markdown
from wigan_deal.studies.summary import EffectSummary, Study


def baseline_vs_change(space_table: pd.DataFrame, panel_frame: pd.DataFrame, break_year: int, post_rule: str,
                       statistic: str = "level_change") -> tuple[pd.DataFrame, float]:
    """Regression-to-the-mean check: each area's pre-break mean against its ITS ``statistic`` from a
    placebo-in-space table; returns (frame, Pearson correlation). A strong negative correlation for a
    'lower is better' outcome means high-baseline areas improved most, whatever they did."""
    pre = panel_frame[~is_post(panel_frame["period_start"], panel_frame["period_end"], break_year, post_rule)]
    base = pre.groupby("area_code")["value"].mean().rename("baseline_mean")
    out = space_table[["area_code", statistic, "is_treated"]].merge(base, left_on="area_code", right_index=True)
    return out, float(out["baseline_mean"].corr(out[statistic]))



@dataclass(frozen=True, repr=False)
class Outcome:
    """The outcome notebook 05 tests for an area (:func:`robustness_outcome`): ``indicator``, ``sex``, ``vintage``,
    ``unit``, ``text`` (in words), ``note`` (markdown saying why the first choice was not used, or ''), ``usable``
    (False when no outcome has a complete series: every check is skipped). Shows what is tested, then its note."""

    indicator: str
    sex: str
    vintage: str | None
    unit: str
    text: str
    note: str
    usable: bool

    def series(self, area_code: str) -> pd.DataFrame:
        return compare.series(self.indicator, area_code, self.sex, self.vintage)

    def _repr_markdown_(self) -> str:
        return f"**Outcome of these checks:** {self.text} ({self.unit}).{' ' + self.note if self.note else ''}"

    def __repr__(self) -> str:
        return f"Outcome: {self.text} ({self.unit})"


#: life expectancy at birth, notebook 05's outcome where the area has no complete cancer series
LE = "le_birth"


def robustness_outcome(area_code: str, sex: str) -> Outcome:
    """The outcome notebook 05 tests: under-75 preventable cancer mortality if the area has a complete
    series, else life expectancy at birth (``sex``, vintage 2019-12), else none (``usable`` False)."""
    cancer_note = complete_note(CANCER, area_code, "Persons")
    if not cancer_note:
        return Outcome(CANCER, "Persons", None, "per 100,000", "under-75 preventable cancer mortality", "", True)
    le_note = complete_note(LE, area_code, sex, LE_VINTAGE)
    text = f"{sex.lower()} life expectancy at birth"
    if le_note:
        note = (note_markdown(cancer_note, "under-75 preventable cancer mortality is not used") + " "
                + note_markdown(le_note, "every check below is skipped"))
    else:
        note = note_markdown(cancer_note, f"the checks below use {text} instead")
    return Outcome(LE, sex, LE_VINTAGE, "years", text, note, not le_note)


def _skipped(name: str) -> EffectSummary:
    return EffectSummary(text=f"*Skipped: {name} has no complete series for this check (see the note at the top).*")


@dataclass(frozen=True, eq=False, repr=False)
class PlaceboTimeStudy(Study):
    """Placebo in time: the model on the pre-break periods only, with a fake break at every year that leaves at
    least three points either side (:func:`wigan_deal.its.placebo_in_time`). ``table`` is ``None`` when the
    outcome is unusable or the pre-period too short (``refused`` holds the engine's reason)."""

    name: str
    outcome: Outcome
    table: pd.DataFrame | None
    refused: str = ""

    def _significant(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        ok = self.table[self.table["note"].fillna("") == ""]
        sig = ok[(ok["level_lower"] > 0) | (ok["level_upper"] < 0) | (ok["slope_lower"] > 0) | (ok["slope_upper"] < 0)]
        return ok, sig

    def summary(self) -> EffectSummary:
        if not self.outcome.usable:
            return _skipped(self.name)
        if self.table is None:
            return EffectSummary(text=f"**Placebo in time is not possible here:** {self.refused}")
        return EffectSummary(self.table, its.placebo_in_time_summary(self.table)[1])

    def record(self, rec: Any) -> None:
        if not self.outcome.usable:
            return
        label = f"Placebo-in-time breaks fitted ({self.outcome.text})"
        if self.table is None:
            rec.record("placebo_time_n", 0, unit="count", label=label)
            return
        ok, sig = self._significant()
        rec.record("placebo_time_n", len(ok), unit="count", label=label)
        rec.record("placebo_time_n_significant", len(sig), unit="count",
                   label="Placebo-in-time breaks with a level or slope CI excluding zero")

    def plot(self) -> Any:
        if self.table is None:
            return None
        return its.plot_break_year_sensitivity(
            self.table, title=f"{self.name}, {self.outcome.text}: placebo breaks inside the pre-period")


def placebo_time_study(params: Any, name: str, outcome: Outcome) -> PlaceboTimeStudy:
    """:class:`PlaceboTimeStudy` of ``outcome`` for validated ``params``."""
    if not outcome.usable:
        return PlaceboTimeStudy(name, outcome, None)
    try:
        table = its.placebo_in_time(outcome.series(params.area_code), break_year=params.break_year,
                                    post_rule=params.post_rule)
    except its.ShortPreperiodError as exc:  # too few pre-break periods to place fake breaks
        return PlaceboTimeStudy(name, outcome, None, str(exc))
    return PlaceboTimeStudy(name, outcome, table)


@dataclass(frozen=True, eq=False, repr=False)
class BreakYearStudy(Study):
    """The same model at each candidate break year (:data:`wigan_deal.config.CANDIDATE_BREAK_YEARS`); the level
    change at the report's break and at the alternatives is recorded. ``table`` is ``None`` when unusable."""

    name: str
    outcome: Outcome
    break_year: int
    table: pd.DataFrame | None

    def summary(self) -> EffectSummary:
        if self.table is None:
            return _skipped(self.name)
        return EffectSummary(self.table, its.break_year_summary(self.table)[1])

    def record(self, rec: Any) -> None:
        if self.table is None:
            return
        t = self.table
        for year in sorted({self.break_year, *config.ALTERNATIVE_BREAK_YEARS} & set(t["break_year"])):
            row = t[(t["break_year"] == year) & (t["note"].fillna("") == "")]
            if len(row):
                r = row.iloc[0]
                rec.record(f"break_{year}_level_change", r["level_change"], unit=self.outcome.unit, lower=r["level_lower"],
                           upper=r["level_upper"], label=f"{self.name} {self.outcome.text}: level change with a {year} break")

    def plot(self) -> Any:
        if self.table is None:
            return None
        return its.plot_break_year_sensitivity(self.table, main_break=self.break_year,
                                               title=f"{self.name}, {self.outcome.text}: level and slope change by break year")


def break_year_study(params: Any, name: str, outcome: Outcome) -> BreakYearStudy:
    """:class:`BreakYearStudy` of ``outcome`` for validated ``params``."""
    table = None
    if outcome.usable:
        table = its.break_year_sensitivity(outcome.series(params.area_code), years=config.CANDIDATE_BREAK_YEARS,
                                           post_rule=params.post_rule)
    return BreakYearStudy(name, outcome, params.break_year, table)


#: the outcomes placed in space and drawn as specification curves: (indicator, sex, vintage, unit)
SPACE_OUTCOMES: tuple[tuple[str, str, str | None, str], ...] = (
    (CANCER, "Persons", None, "per 100,000"), *((LE, s, LE_VINTAGE, "years") for s in config.SEXES))

#: a council panel of (indicator, sex, vintage): :func:`wigan_deal.studies.compare.panel` or a cache of it
PanelSource = Callable[[str, str, "str | None"], pd.DataFrame]


@dataclass(frozen=True, eq=False, repr=False)
class SpaceStudy(Study):
    """Placebo in space: the segmented model for every council with a complete series (England excluded), level
    and slope change, for each outcome of :data:`SPACE_OUTCOMES` the area has complete; the area's rank
    (1 = largest improvement) and permutation p. ``results`` is keyed ``(indicator, sex, statistic)``."""

    HEADLINE_PLOTS = frozenset({"plot"})

    name: str
    outcome: Outcome
    results: dict[tuple[str, str, str], Any]
    main_panel: pd.DataFrame | None = None
    break_year: int = config.DEFAULT_BREAK_YEAR
    post_rule: str = "start"

    def main(self, statistic: str = "level_change") -> Any:
        return self.results[(self.outcome.indicator, self.outcome.sex, statistic)]

    def summary(self) -> EffectSummary:
        if not self.outcome.usable:
            return _skipped(self.name)
        table = pd.DataFrame([{"indicator": i, "sex": s, "statistic": st, "area value": r.treated_value,
                               "rank (1 = best)": r.rank, "n areas": r.n_areas, "p one-sided": r.p_one_sided,
                               "p two-sided": r.p_two_sided} for (i, s, st), r in self.results.items()])
        text = (f"**{self.name}, {self.outcome.text}.** " + self.main().effect_summary()[1] + " Slope change: "
                + self.main("slope_change").effect_summary()[1])
        return EffectSummary(table, text)

    def record(self, rec: Any) -> None:
        if not self.outcome.usable:
            return
        level, slope, what = self.main(), self.main("slope_change"), self.outcome.text
        rec.record("placebo_space_rank", level.rank, unit="rank",
                   label=f"{self.name} rank among {level.n_areas} councils, {what} level change (1 = largest improvement)")
        rec.record("placebo_space_n", level.n_areas, unit="count", label="Councils in the placebo-in-space test")
        rec.record("placebo_space_p_two_sided", level.p_two_sided, unit="p",
                   label=f"Placebo-in-space permutation p (two-sided), {what} level change")
        rec.record("placebo_space_slope_rank", slope.rank, unit="rank",
                   label=f"{self.name} rank, {what} slope change (1 = largest improvement)")
        rec.record("placebo_space_slope_p_two_sided", slope.p_two_sided, unit="p",
                   label=f"Placebo-in-space permutation p (two-sided), {what} slope change")
        for s in config.SEXES:
            if (r := self.results.get((LE, s, "level_change"))) is not None:
                rec.record(f"placebo_space_le_rank_{s.lower()}", r.rank, unit="rank",
                           label=f"{self.name} rank among {r.n_areas}, {s.lower()} life expectancy level change")
                rec.record(f"placebo_space_le_p_{s.lower()}", r.p_two_sided, unit="p",
                           label=f"Placebo-in-space p (two-sided), {s.lower()} life expectancy level change")

    def plot(self) -> Any:
        """The placebo distributions of the level and slope change with the area marked."""
        if not self.outcome.usable:
            return None
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(13, 4))
        for ax, stat in zip(axes, ("level_change", "slope_change"), strict=True):
            r = self.main(stat)
            plots.rank_plot(r.table.loc[~r.table.is_treated, stat], r.treated_value, ax=ax,
                            xlabel=stat.replace("_", " "), label=f"{self.name} (rank {r.rank}/{r.n_areas})",
                            title=f"{self.outcome.text}: {fmt.p_text(r.p_two_sided, 'p two-sided')}")
        return fig

    def rtm(self) -> RTMStudy:
        """Regression to the mean: each council's pre-break mean against its level change (:func:`baseline_vs_change`)."""
        if not self.outcome.usable:
            return RTMStudy(self.name, self.outcome, None, float("nan"))
        frame, corr = baseline_vs_change(self.main().table, self.main_panel, self.break_year, self.post_rule)
        return RTMStudy(self.name, self.outcome, frame, corr)


def space_study(params: Any, name: str, outcome: Outcome, panel: PanelSource = compare.panel) -> SpaceStudy:
    """:class:`SpaceStudy` of ``outcome`` for validated ``params`` (``panel``: where the council panels come from)."""
    if not outcome.usable:
        return SpaceStudy(name, outcome, {})
    results = {}
    for indicator, s, v, _unit in SPACE_OUTCOMES:
        if complete_note(indicator, params.area_code, s, v):
            continue
        pan = its.space_panel(panel(indicator, s, v), params.area_code)  # checked and pivoted once for both statistics
        for statistic in ("level_change", "slope_change"):
            results[(indicator, s, statistic)] = its.placebo_in_space(
                pan, params.area_code, params.break_year, post_rule=params.post_rule, statistic=statistic,
                higher_is_better=compare.higher_is_better(indicator))
    return SpaceStudy(name, outcome, results, panel(outcome.indicator, outcome.sex, outcome.vintage),
                      params.break_year, params.post_rule)


@dataclass(frozen=True, eq=False, repr=False)
class RTMStudy(Study):
    """Regression to the mean: across councils, the correlation of the pre-break mean with the level change, and
    where the area's baseline lies (``frame`` is ``None`` when the outcome is unusable)."""

    name: str
    outcome: Outcome
    frame: pd.DataFrame | None
    correlation: float

    def _percentile(self) -> float:
        own = float(self.frame.loc[self.frame["is_treated"], "baseline_mean"].iloc[0])
        return float((self.frame["baseline_mean"] < own).mean() * 100)

    def summary(self) -> EffectSummary:
        if self.frame is None:
            return _skipped(self.name)
        return EffectSummary(text=(
            f"Correlation across councils r = {fmt.number(self.correlation, 2)}; {self.name}'s pre-break mean is above "
            f"{fmt.number(self._percentile(), 0)}% of councils'. The placebo ranking compares the area with all councils, "
            "including those with a similar baseline, so it contains this tendency only on average: an area with an "
            "unusual baseline can rank high through regression to the mean alone."))

    def record(self, rec: Any) -> None:
        if self.frame is not None:
            rec.record("rtm_correlation", self.correlation,
                       label=f"Correlation of pre-break mean and level change across councils ({self.outcome.text})")

    def plot(self) -> Any:
        if self.frame is None:
            return None
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        f, t = self.frame, self.frame[self.frame["is_treated"]]
        ax.scatter(f["baseline_mean"], f["level_change"], s=12, color=plots.BACKGROUND_COLOUR)
        ax.scatter(t["baseline_mean"], t["level_change"], s=60, color=plots.AREA_COLOUR, label=self.name, zorder=3)
        ax.set_xlabel(f"pre-break mean ({self.outcome.unit})")
        ax.set_ylabel("ITS level change")
        ax.set_title(f"Baseline vs level change across councils (r = {fmt.number(self.correlation, 2)})")
        ax.legend(frameon=False)
        return fig


@dataclass(frozen=True, eq=False, repr=False)
class SynthStudy(Study):
    """Synthetic control of the outcome in the default donor pool (all councils, GM excluded for a GM borough:
    they share devolution) and the alternative pools (ONS similar areas; all councils for a GM borough), each with
    its in-space placebos. ``fits`` maps pool label -> (fit, placebo); empty when the outcome is unusable."""

    name: str
    outcome: Outcome
    default_pool: str
    fits: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"donor pool": label, "donors": len(fit.donors), "non-zero weights": len(fit.top_weights(None)),
                              "pre-RMSPE": fit.pre_rmspe, "exact pre-fit": fit.exact_pre_fit,
                              "mean post gap": fit.mean_post_gap, "placebo rank": plac.rank, "units": plac.n_units,
                              "placebo p": plac.p_value, "exact-fit placebos": plac.n_exact_fit}
                             for label, (fit, plac) in self.fits.items()])

    def summary(self) -> EffectSummary:
        if not self.fits:
            return _skipped(self.name)
        fit, plac = self.fits[self.default_pool]
        text = fit.effect_summary(self.outcome.unit, compare.higher_is_better(self.outcome.indicator), placebo=plac)[1]
        return EffectSummary(self.table(), f"{text}\n\n```text\n{fit.summary()}\n```")

    def record(self, rec: Any) -> None:
        if not self.fits:
            return
        fit, plac = self.fits[self.default_pool]
        unit, what = self.outcome.unit, self.outcome.text
        rec.record("synth_pre_rmspe", fit.pre_rmspe, unit=unit, label=f"Synthetic control pre-RMSPE ({what})")
        rec.record("synth_mean_post_gap", fit.mean_post_gap, unit=unit,
                   label=f"Synthetic control mean post-break gap, {self.name} minus synthetic ({what})",
                   note="no CI: inference is the placebo p-value")
        rec.record("synth_placebo_rank", plac.rank, unit="rank", label=f"Synthetic control placebo rank of {self.name}")
        rec.record("synth_placebo_p", plac.p_value, unit="p", label="Synthetic control placebo p-value (RMSPE ratio)")

    def plot(self) -> Any:
        """Paths, gap and placebo gaps of the default pool."""
        if not self.fits:
            return None
        import matplotlib.pyplot as plt

        fit, plac = self.fits[self.default_pool]
        fig, axes = plt.subplots(1, 3, figsize=(18, 4.2))
        fit.plot(ax=axes[0], kind="paths")
        fit.plot(ax=axes[1], kind="gap")
        plac.plot(ax=axes[2])
        return fig


def synth_study(params: Any, name: str, outcome: Outcome, panel: PanelSource = compare.panel) -> SynthStudy:
    """:class:`SynthStudy` of ``outcome`` for validated ``params``."""
    area = params.area_code
    in_gm = area in config.GREATER_MANCHESTER
    default = ("all upper-tier councils excluding GM (default)" if in_gm
               else "all upper-tier councils (default; area not in GM)")
    if not outcome.usable:
        return SynthStudy(name, outcome, default)
    full = panel(outcome.indicator, outcome.sex, outcome.vintage)
    gm_others = [c for c in config.GREATER_MANCHESTER if c != area] if in_gm else []
    pools = {default: full[~full["area_code"].isin(gm_others) | (full["area_code"] == area)].reset_index(drop=True)}
    similar = list(wd.comparators(area, "nearest", indicator=outcome.indicator, vintage=outcome.vintage))
    if len(similar) >= 3:
        pools["ONS similar areas"] = full[full["area_code"].isin([*similar, area])]
    if in_gm:
        pools["all upper-tier councils"] = full
    fits = {}
    for label, pan in pools.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", synth.SynthWarning)
            fit = synth.fit_synth(pan, area, params.break_year, post_rule=params.post_rule)
            fits[label] = (fit, fit.placebo())
    return SynthStudy(name, outcome, default, fits)


@dataclass(frozen=True, eq=False, repr=False)
class SpecCurveStudy(Study):
    """Specification curves (:func:`wigan_deal.speccurve.spec_curve`) of each outcome of :data:`SPACE_OUTCOMES`
    the area has, the main outcome's with the synthetic-control pools added; shares of intervals excluding zero
    per inference method. ``curves`` is keyed ``(indicator, sex)``; ``refused`` holds the reasons a curve could
    not be drawn."""

    outcome: Outcome
    curves: dict[tuple[str, str], Any]
    refused: list[str]

    def _units(self) -> dict[tuple[str, str], tuple[str, str]]:
        return {(i, s): (u, "cancer" if i == CANCER else f"le_{s.lower()}") for i, s, _v, u in SPACE_OUTCOMES}

    def summary(self) -> EffectSummary:
        texts, tables = list(self.refused), []
        for (ind, s), curve in self.curves.items():
            shares, text = curve.effect_summary(self._units()[(ind, s)][0])
            texts.append(text)
            tables.append(shares.assign(indicator=ind, sex=s))
        return EffectSummary(pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(), "\n\n".join(texts))

    def record(self, rec: Any) -> None:
        for (ind, s), curve in self.curves.items():
            key = self._units()[(ind, s)][1]
            for q in ("level_change", "slope_change"):
                for m in ("Newey-West(2)", "permutation"):
                    sh, mk, status = curve.shares(q, m), "nw2" if m.startswith("Newey") else "perm", speccurve.CALIBRATED[m]
                    for side in ("improvement", "worsening"):
                        rec.record(f"speccurve_{key}_{q}_{mk}_share_{side}", sh[side], unit="share",
                                   label=f"{ind} ({s}), {m} [{status}]: share of {sh['n']} specifications with a "
                                         f"{q.replace('_', ' ')} CI wholly on the {side} side")

    def synth_rows(self) -> pd.DataFrame | None:
        """The main outcome's synthetic-control rows (``None`` without its curve)."""
        curve = self.curves.get((self.outcome.indicator, self.outcome.sex))
        if curve is None:
            return None
        t = curve.table
        return t[t.method == "synthetic control"][["comparator", "estimate", "p_value"]]

    def plot(self) -> list[Any]:
        """One figure per curve."""
        return [curve.plot() for curve in self.curves.values()]


def spec_curve_study(area_code: str, outcome: Outcome, synth_fits: SynthStudy) -> SpecCurveStudy:
    """:class:`SpecCurveStudy` of ``area_code``; ``synth_fits`` (section 4) adds its pools to the main curve."""
    curves, refused = {}, []
    for ind, s, vintage, _unit in SPACE_OUTCOMES:
        if not compare.has_data(ind, area_code, s, vintage):
            continue
        try:
            curve = speccurve.spec_curve(area_code, ind, s)
        except ValueError as exc:
            refused.append(f"*No specification curve for {ind} ({s}): {exc}*")
            continue
        if ind == outcome.indicator and s == outcome.sex and outcome.usable:
            curve.table = speccurve.add_synth(curve.table, synth_fits.fits)
        curves[(ind, s)] = curve
    return SpecCurveStudy(outcome, curves, refused)


@dataclass(frozen=True, eq=False, repr=False)
class SynthPoolsStudy(Study):
    """The synthetic control reported whole (:func:`wigan_deal.synth_whole.synth_pools`): every donor pool, with
    the headline pool chosen by the pre-specified rule. Shown, not recorded (section 4 records the default
    pool); ``error`` says why the pools could not be fitted."""

    name: str
    outcome: Outcome
    table: pd.DataFrame | None
    fits: dict[str, Any]
    error: str = ""

    def summary(self) -> EffectSummary:
        if self.table is None:
            return EffectSummary(text=f"*Synthetic control pools could not be fitted for {self.name}: {self.error}*")
        return EffectSummary(self.table, synth_whole.effect_summary(
            self.table, self.outcome.unit, compare.higher_is_better(self.outcome.indicator)))

    def record(self, rec: Any) -> None:
        """Nothing: the default pool's values are recorded by :class:`SynthStudy`."""


def synth_pools_study(params: Any, name: str, outcome: Outcome) -> SynthPoolsStudy:
    """:class:`SynthPoolsStudy` of ``outcome`` for validated ``params``."""
    try:
        table, fits = synth_whole.synth_pools(params.area_code, outcome.indicator, outcome.sex, outcome.vintage,
                                              params.break_year, params.post_rule)
    except ValueError as exc:
        return SynthPoolsStudy(name, outcome, None, {}, str(exc))
    return SynthPoolsStudy(name, outcome, table, fits)
