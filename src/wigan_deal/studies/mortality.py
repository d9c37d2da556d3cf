"""Mortality and life expectancy (notebook 03): comparative ITS against each comparator group, the error-model
sensitivity table, residual diagnostics and the plain-language ITS paragraph; study results for the life
expectancy sections (``own_break_study``), the cancer comparative ITS and the inequality index."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wigan_deal import config, fmt, its, lasting, plots
from wigan_deal import data as wd
from wigan_deal.studies.compare import comparator_groups, higher_is_better, series, trend_frame
from wigan_deal.studies.hle import change_table
from wigan_deal.studies.notes import no_data_note, note_markdown
from wigan_deal.studies.summary import EffectSummary, Study, record_estimate


def describe(e: Any, digits: int = 3) -> str:
    """``estimate (95% CI lower to upper; p = ...)`` of an :class:`wigan_deal.its.Estimate` in :mod:`wigan_deal.fmt`
    (fixed decimals: a tiny estimate reads 0.000, never in scientific notation)."""
    level, p = round(100 * (1 - e.alpha)), fmt.p_value(e.p_value)
    return (f"{fmt.number(e.estimate, digits, signed=True)} ({level}% CI {fmt.ci(e.lower, e.upper, digits, signed=True)}; "
            f"p {p if p.startswith('<') else '= ' + p})")


def comparative_fits(params: Any, indicator: str, sexes: Iterable[str], vintage: str | None = None
                     ) -> tuple[pd.DataFrame, dict[tuple[str, str], Any]]:
    """Comparative ITS (difference model) of the area against each comparator group of ``params``, for
    each sex in ``sexes``: a display table (sex, control, difference in level / slope, pre-slope difference,
    and the interval's status: Newey-West, not calibrated at n = 15) and the fitted results keyed
    ``(sex, group label)``. Empty groups are skipped."""
    rows, fits = [], {}
    for s in sexes:
        own = series(indicator, params.area_code, s, vintage)
        for label, codes in comparator_groups(params, indicator, vintage).items():
            if not codes or own.empty:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = its.fit_comparative_its(own, wd.load_indicator(indicator, areas=codes, sex=s, vintage=vintage),
                                            params.break_year, post_rule=params.post_rule)
            fits[(s, label)] = c
            rows.append({"sex": s, "control": label, "difference in level": describe(c.difference_in_level),
                         "difference in slope": describe(c.difference_in_slope),
                         "pre-slope difference": describe(c.pre_slope_difference),
                         "interval": f"Newey-West: not calibrated at n = {len(c.series)}"})
    return pd.DataFrame(rows, columns=["sex", "control", "difference in level", "difference in slope",
                                       "pre-slope difference", "interval"]), fits



def its_method_table(frame: pd.DataFrame, break_year: int, post_rule: str) -> pd.DataFrame:
    """Level and slope change with 95% CIs under OLS+HAC, GLSAR AR(1) and ARIMA(1,0,0) errors."""
    rows = []
    for method in ("ols", "glsar", "arima"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = its.fit_its(frame, break_year, post_rule=post_rule, method=method)
        for name, e in (("level change", r.level_change), ("slope change (per year)", r.slope_change)):
            rows.append({"method": method, "quantity": name, "estimate": e.estimate, "lower": e.lower,
                         "upper": e.upper, "p_value": e.p_value})
    return pd.DataFrame(rows)



def diagnostics_table(result: Any) -> pd.DataFrame:
    """Durbin-Watson, Ljung-Box and Breusch-Godfrey of an ITS result as a small table."""
    d = result.diagnostics
    rows = [{"test": "Durbin-Watson (2 = no lag-1 autocorrelation)", "statistic": d["durbin_watson"],
             "lags": np.nan, "p_value": np.nan}]
    for key, name in (("ljung_box", "Ljung-Box"), ("breusch_godfrey", "Breusch-Godfrey")):
        if d.get(key):
            rows.append({"test": name, "statistic": d[key]["stat"], "lags": d[key]["lags"],
                         "p_value": d[key]["p_value"]})
        else:
            rows.append({"test": name, "statistic": np.nan, "lags": np.nan, "p_value": np.nan})
    return fmt.explain_missing(pd.DataFrame(rows), "Durbin-Watson has no lag choice and no p-value (read it "
                               "against 2); a row of '–' is a test that was not computed for this fit")



def its_sentence(result: Any, what: str, unit: str, better_higher: bool) -> str:
    """One plain-language paragraph on an ITS level and slope change with their 95% CIs, labelled as
    what they are: the area's own break (national changes included), model intervals not calibrated
    at n = 15 (docs/inference.md)."""
    lc, sc = result.level_change, result.slope_change
    s = result.series

    def reading(e, noun: str) -> str:
        if not e.excludes_zero:
            return f"the 95% CI includes zero, so the data are consistent with no {noun}"
        good = (e.estimate > 0) == better_higher
        return f"the 95% CI excludes zero ({'an improvement' if good else 'a deterioration'} relative to the pre-trend)"

    return (
        f"*Own break, national changes included; description, not the primary analysis; interval not "
        f"calibrated at n = {s.n_pre + s.n_post}.* "
        f"Against the trend projected from {s.n_pre} pre-break periods, {what} was "
        f"{fmt.number(lc.estimate, 2, signed=True)} {unit} (95% CI {fmt.ci(lc.lower, lc.upper, 2, signed=True)}) "
        f"different at the first post period ({s.period[s.n_pre]}): {reading(lc, 'level change')}. Its slope changed "
        f"by {fmt.number(sc.estimate, 3, signed=True)} {unit} per year (95% CI {fmt.ci(sc.lower, sc.upper, 3, signed=True)}): "
        f"{reading(sc, 'slope change')}. "
        f"{'Higher' if better_higher else 'Lower'} values are better."
    )



# --- study results (notebook 03) -----------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class OwnBreakStudy(Study):
    """Segmented ITS of one indicator for each sex (the area's own break, national changes included: description,
    not the primary analysis; OLS+HAC intervals not calibrated at this n) and the comparative ITS of the area
    against each comparator group (:func:`comparative_fits`). ``what`` names the series in text ("life expectancy
    at 65"), ``short`` in comparative labels ("LE at 65"); ``key`` builds the record keys; ``comparative`` is
    the quantity recorded against England ("level" or "slope"). :meth:`methods` refits under two more error
    models when asked (ARIMA is the slow part)."""

    area_code: str
    name: str
    indicator: str
    key: str
    what: str
    short: str
    comparative: str
    fits: dict[str, Any]
    missing: dict[str, str]
    frames: dict[str, pd.DataFrame]
    comparisons: pd.DataFrame
    comparative_fits: dict[tuple[str, str], Any]
    break_year: int
    post_rule: str

    def summary(self) -> EffectSummary:
        better = higher_is_better(self.indicator)
        parts = [note_markdown(n, f"no {s.lower()} {self.what} ITS") for s, n in self.missing.items()]
        parts += [f"**{s}.** " + its_sentence(f, f"{s.lower()} {self.what}", "years", better) for s, f in self.fits.items()]
        return EffectSummary(self.comparisons, "\n\n".join(parts))

    def record(self, rec: Any) -> None:
        for s, f in self.fits.items():
            n, sex = f.series.n_pre + f.series.n_post, s.lower()
            for q, est, unit in (("level", f.level_change, "years"), ("slope", f.slope_change, "years per year")):
                record_estimate(rec, f"its_{self.key}_{q}_change_{sex}", est, unit=unit,
                                label=f"{self.name} {sex} {self.what}: own break, national changes included: {q} change "
                                      f"(OLS+HAC; interval not calibrated at n = {n})")
        q = self.comparative
        for s in self.fits:
            if (c := self.comparative_fits.get((s, "England"))) is not None:
                est = c.difference_in_level if q == "level" else c.difference_in_slope
                record_estimate(rec, f"cits_{self.key}_england_{q}_{s.lower()}", est,
                                unit="years" if q == "level" else "years per year",
                                label=f"{self.name} minus England, {s.lower()} {self.short}: difference in {q} change "
                                      f"(Newey-West; interval not calibrated at n = {len(c.series)})")

    def methods(self) -> pd.DataFrame:
        """Level and slope change by sex under OLS+HAC, GLSAR AR(1) and ARIMA(1,0,0) errors (:func:`its_method_table`)."""
        tables = [its_method_table(f, self.break_year, self.post_rule).assign(sex=s) for s, f in self.frames.items()]
        return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(config.SEXES), figsize=(13, 4.2))
        for ax, s in zip(axes, config.SEXES, strict=True):
            if s in self.fits:
                self.fits[s].plot(ax=ax, title=f"{self.name}: {s.lower()} {self.what}")
            else:
                ax.set_axis_off()
        return fig


def own_break_study(params: Any, name: str, indicator: str, vintage: str, *, key: str, what: str, short: str,
                    comparative: str = "level") -> OwnBreakStudy:
    """:class:`OwnBreakStudy` of ``indicator`` (both sexes, ``vintage``) for validated ``params``."""
    fits, missing, frames = {}, {}, {}
    for s in config.SEXES:
        own = series(indicator, params.area_code, s, vintage)
        if own.empty:
            missing[s] = no_data_note(indicator, params.area_code, s, vintage)
            continue
        frames[s], fits[s] = own, _own_fit(own, params)
    table, cfits = comparative_fits(params, indicator, fits, vintage)
    return OwnBreakStudy(params.area_code, name, indicator, key, what, short, comparative, fits, missing, frames,
                         table, cfits, params.break_year, params.post_rule)


@dataclass(frozen=True, eq=False, repr=False)
class InequalityStudy(Study):
    """The slope index of inequality in life expectancy (years between the most and least deprived, within the
    area): its change from the first to the last period by sex, against England's, and whether an ITS could be
    fitted (descriptive: a smaller gap is better)."""

    area_code: str
    name: str
    rows: list[dict[str, Any]]
    missing: list[str]
    break_year: int

    def summary(self) -> EffectSummary:
        text = " ".join(f"*No {s.lower()} inequality series for {self.name}: skipped.*" for s in self.missing)
        table = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in self.rows])
        return EffectSummary(table.round(2), text)

    def record(self, rec: Any) -> None:
        for r in self.rows:
            rec.record(f"sii_change_{r['sex'].lower()}", r["area change"], unit="years",
                       label=f"{self.name} {r['sex'].lower()} slope index of inequality in LE, change {r['_first']} to "
                             f"{r['_last']}", note=f"England {fmt.number(r['England change'], 1, signed=True)}; "
                                                   "smaller gap is better")

    def plot(self, params: Any) -> Any:
        import matplotlib.pyplot as plt

        groups = comparator_groups(params, SII)
        fig, axes = plt.subplots(1, len(config.SEXES), figsize=(13, 4.2), sharey=True)
        for ax, s in zip(axes, config.SEXES, strict=True):
            frame = trend_frame(SII, self.area_code, groups, sex=s)
            plots.trend_plot(frame, self.area_code, ax=ax, title=f"{s}: slope index of inequality in LE at birth",
                             ylabel="years", break_year=self.break_year)
        return fig


#: the slope index of inequality in life expectancy at birth
SII = "le_sii"


def inequality_study(params: Any, name: str) -> InequalityStudy:
    """:class:`InequalityStudy` of validated ``params`` (change over the whole series, both sexes)."""
    rows, missing = [], []
    for s in config.SEXES:
        own = series(SII, params.area_code, s)
        if own.empty:
            missing.append(s)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                its.fit_its(own, params.break_year, post_rule=params.post_rule)
            its_note = "enough pre-periods for an ITS with these parameters (descriptive change shown)"
        except its.ShortPreperiodError as exc:
            its_note = f"ITS refused: {exc}"
        first, last = own["period"].iloc[0], own["period"].iloc[-1]
        tab = change_table(SII, params.area_code, [], first, last, sexes=[s])
        a, e = tab[tab["role"] == "area"].iloc[0], tab[tab["role"] == "England"].iloc[0]
        rows.append({"sex": s, "window": f"{first} -> {last}", "area change": a["change"],
                     "England change": e["change"], "difference": a["diff_vs_england"], "ITS": its_note,
                     "_first": first, "_last": last})
    return InequalityStudy(params.area_code, name, rows, missing, params.break_year)


#: under-75 preventable cancer mortality (notebook 03's first outcome)
CANCER = "u75_prev_cancer_mortality"
#: the life expectancy vintage of notebooks 03 and 05: the ONS series 2001-03..2016-18 (the later OHID vintage
#: starts at 2015-17, too late for a 2011 break)
LE_VINTAGE = "2019-12"


@dataclass(frozen=True, eq=False, repr=False)
class CancerComparativeStudy(Study):
    """Comparative ITS of the area's under-75 preventable cancer mortality against each comparator group, in the
    difference and pooled models (Newey-West intervals, not calibrated at this n). Empty when the area has no
    cancer series (the notebook says so above)."""

    HEADLINE_PLOTS = frozenset({"plot"})

    name: str
    fits: dict[tuple[str, str], Any]
    table: pd.DataFrame
    skipped: list[str]

    def _england(self) -> Any:
        return self.fits.get(("England", "difference"))

    def summary(self) -> EffectSummary:
        parts = [f"*{label}: no areas with data, skipped.*" for label in self.skipped]
        if (eng := self._england()) is not None:
            cits = self.table
            pre_bad = cits[(cits["quantity"] == "pre-slope difference") & ((cits["lower"] > 0) | (cits["upper"] < 0))]
            parts.append(
                f"Against England (difference model; Newey-West interval, **not calibrated at n = {len(eng.series)}**) "
                f"the difference in level change is {describe(eng.difference_in_level)} and in slope change "
                f"{describe(eng.difference_in_slope)} per year. "
                + ("**Pre-trends differ** (pre-slope difference CI excludes 0) for: "
                   + ", ".join(sorted(set(pre_bad['control']))) + "; those comparisons rest on non-parallel trends."
                   if len(pre_bad) else "No comparison shows a significant pre-slope difference."))
        return EffectSummary(self.table, "\n\n".join(parts))

    def record(self, rec: Any) -> None:
        if (eng := self._england()) is None:
            return
        n = len(eng.series)
        for q, est, unit in (("level", eng.difference_in_level, "per 100,000"),
                             ("slope", eng.difference_in_slope, "per 100,000 per year")):
            record_estimate(rec, f"cits_cancer_england_{q}", est, unit=unit,
                            label=f"{self.name} minus England, cancer mortality: difference in {q} change (Newey-West; "
                                  f"interval not calibrated at n = {n})")

    def plot(self) -> Any:
        """The first three difference-model fits (``None`` without any)."""
        import matplotlib.pyplot as plt

        shown = [k for k in self.fits if k[1] == "difference"][:3]
        if not shown:
            return None
        fig, axes = plt.subplots(1, len(shown), figsize=(6 * len(shown), 4), squeeze=False)
        for ax, key in zip(axes[0], shown, strict=True):
            self.fits[key].plot(ax=ax, title=f"{self.name} vs {key[0]}")
        return fig


def cancer_comparative_study(params: Any, name: str) -> CancerComparativeStudy:
    """:class:`CancerComparativeStudy` of validated ``params`` (each comparator group, both models)."""
    own = series(CANCER, params.area_code, "Persons")
    rows, fits, skipped = [], {}, []
    if own.empty:
        return CancerComparativeStudy(name, fits, pd.DataFrame(), skipped)
    for label, codes in comparator_groups(params, CANCER).items():
        if not codes:
            skipped.append(label)
            continue
        control = wd.load_indicator(CANCER, areas=codes, sex="Persons")
        for model in ("difference", "pooled"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = its.fit_comparative_its(own, control, params.break_year, model=model, post_rule=params.post_rule)
            fits[(label, model)] = c
            for q, e in (("difference in level", c.difference_in_level), ("difference in slope", c.difference_in_slope),
                         ("pre-slope difference", c.pre_slope_difference)):
                rows.append({"control": label, "model": model, "quantity": q, "estimate": e.estimate,
                             "lower": e.lower, "upper": e.upper, "p_value": e.p_value})
    return CancerComparativeStudy(name, fits, pd.DataFrame(rows), skipped)


def _own_fit(series_frame: pd.DataFrame, params: Any) -> Any:
    """OLS+HAC segmented ITS of one series at ``params``' break and post rule (a short pre-period only warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", its.ShortPreperiodWarning)
        return its.fit_its(series_frame, params.break_year, post_rule=params.post_rule)


def _fit_block(fit: Any) -> str:
    """The fit's full summary (method, n, estimates, diagnostics, caveats) as a fenced text block."""
    return f"```text\n{fit.summary()}\n```"


#: the unit of the two mortality rates
RATE = "per 100,000"


@dataclass(frozen=True, eq=False, repr=False)
class CancerStudy(Study):
    """Segmented ITS of the area's under-75 preventable cancer mortality (persons; the area's own break, national
    changes included: description, OLS+HAC interval not calibrated at this n), with its error-model table and
    residual diagnostics. ``fit`` is ``None`` when the area has no cancer series: ``note`` says why, and the cancer
    sections are skipped."""

    name: str
    break_year: int
    post_rule: str
    series: pd.DataFrame
    fit: Any
    note: str

    def summary(self) -> EffectSummary:
        if self.fit is None:
            return EffectSummary(text=self.note)
        text = its_sentence(self.fit, "the under-75 preventable cancer mortality rate", RATE, higher_is_better(CANCER))
        return EffectSummary(text=f"{text}\n\n{_fit_block(self.fit)}")

    def record(self, rec: Any) -> None:
        if self.fit is None:
            return
        for q, est, unit in (("level", self.fit.level_change, RATE), ("slope", self.fit.slope_change, f"{RATE} per year")):
            record_estimate(rec, f"its_cancer_{q}_change", est, unit=unit,
                            label=f"{self.name} u75 preventable cancer mortality: own break, national changes included: "
                                  f"{q} change (OLS+HAC; interval not calibrated at n = {self.fit.n})")

    def plot(self) -> Any:
        """The fit (observed, segments, counterfactual); ``None`` without a series."""
        if self.fit is None:
            return None
        return self.fit.plot(title=f"{self.name}: under-75 preventable cancer mortality, break {self.break_year}")

    def methods(self) -> pd.DataFrame:
        """Level and slope change under OLS+HAC, GLSAR AR(1) and ARIMA(1,0,0) errors (:func:`its_method_table`)."""
        return its_method_table(self.series, self.break_year, self.post_rule)

    def diagnostics(self) -> pd.DataFrame:
        """Durbin-Watson, Ljung-Box and Breusch-Godfrey of the fit (:func:`diagnostics_table`)."""
        return diagnostics_table(self.fit)


def cancer_study(params: Any, name: str) -> CancerStudy:
    """:class:`CancerStudy` of validated ``params``."""
    own = series(CANCER, params.area_code, "Persons")
    if own.empty:
        note = note_markdown(no_data_note(CANCER, params.area_code, "Persons"),
                             "the cancer sections below are skipped (life expectancy still runs)")
        return CancerStudy(name, params.break_year, params.post_rule, own, None, note)
    return CancerStudy(name, params.break_year, params.post_rule, own, _own_fit(own, params), "")


#: under-75 mortality from causes considered preventable (2019 definition, OHID single years)
PREVENTABLE = "u75_preventable_mortality"


@dataclass(frozen=True, eq=False, repr=False)
class PreventableStudy(Study):
    """Under-75 preventable mortality (2019 definition, persons): the series against the comparator groups, its
    change from the first to the last year (descriptive) and, where the break leaves enough pre-periods, a
    segmented ITS (else ``refused`` holds the engine's reason). ``note`` is the missing-data note of an area
    without the series (nothing is shown, fitted or recorded)."""

    area_code: str
    name: str
    break_year: int
    series: pd.DataFrame
    groups: dict[str, list[str]]
    fit: Any
    refused: str
    note: str

    def summary(self) -> EffectSummary:
        if self.note:
            return EffectSummary(text=self.note)
        if self.fit is None:
            return EffectSummary(text=f"No ITS: `fit_its` raised ShortPreperiodError: {self.refused}")
        text = its_sentence(self.fit, "under-75 preventable mortality", RATE, higher_is_better(PREVENTABLE))
        return EffectSummary(text=f"{text}\n\n{_fit_block(self.fit)}")

    def record(self, rec: Any) -> None:
        if self.note:
            return
        if self.fit is not None:
            record_estimate(rec, "its_prev_level_change", self.fit.level_change, unit=RATE,
                            label=f"{self.name} u75 preventable mortality (2019 def.): ITS level change")
        first, last = self.series.iloc[0], self.series.iloc[-1]
        rec.record("u75_preventable_change", last["value"] - first["value"], unit=RATE,
                   label=f"{self.name} u75 preventable mortality change {first['period']} to {last['period']} "
                         "(descriptive)")

    def plot(self) -> Any:
        """The area against its comparator groups (``None`` without the series)."""
        if self.note:
            return None
        frame = trend_frame(PREVENTABLE, self.area_code, self.groups, sex="Persons")
        return plots.trend_plot(frame, self.area_code, title="Under-75 preventable mortality (2019 definition), persons",
                                ylabel="age-standardised rate per 100,000", break_year=self.break_year)


def preventable_study(params: Any, name: str) -> PreventableStudy:
    """:class:`PreventableStudy` of validated ``params``."""
    groups = comparator_groups(params, PREVENTABLE)
    own = series(PREVENTABLE, params.area_code, "Persons")
    if own.empty:
        note = note_markdown(no_data_note(PREVENTABLE, params.area_code, "Persons"), "this section is skipped")
        return PreventableStudy(params.area_code, name, params.break_year, own, groups, None, "", note)
    try:
        fit, refused = _own_fit(own, params), ""
    except its.ShortPreperiodError as exc:
        fit, refused = None, str(exc)
    return PreventableStudy(params.area_code, name, params.break_year, own, groups, fit, refused, "")


#: notebook 03's series compared before and after GM devolution: (indicator, start, sexes, vintage)
DEVOLUTION_SERIES: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    (CANCER, "2009-11", ("Persons",), None), ("le_birth", "2009-11", config.SEXES, LE_VINTAGE),
    ("le_65", "2009-11", config.SEXES, LE_VINTAGE), (SII, "2010-12", config.SEXES, None))


@dataclass(frozen=True, eq=False, repr=False)
class DevolutionStudy(Study):
    """Each mortality and life expectancy series with the window ending at the last period wholly before GM
    devolution (April 2016) beside the full window, against England and the GM boroughs
    (:func:`wigan_deal.lasting.devolution_windows`); descriptive, so nothing is recorded."""

    area_code: str
    table: pd.DataFrame
    texts: list[str]

    def summary(self) -> EffectSummary:
        return EffectSummary(self.table.round(2), "\n\n".join(self.texts))

    def record(self, rec: Any) -> None:
        """Nothing: the windows are description (notebook 02 records the HLE windows)."""


def devolution_study(params: Any) -> DevolutionStudy:
    """:class:`DevolutionStudy` of validated ``params`` (every series of :data:`DEVOLUTION_SERIES`)."""
    titles = wd.indicators().set_index("indicator")["title"]
    rows, texts = [], []
    for indicator, start, sexes, vintage in DEVOLUTION_SERIES:
        for s in sexes:
            d = lasting.devolution_windows(indicator, params.area_code, start, sex=s, vintage=vintage)
            texts.append(lasting.devolution_text(d, params.area_code, titles[indicator]))
            rows.append(d)
    return DevolutionStudy(params.area_code, pd.concat(rows, ignore_index=True), texts)
