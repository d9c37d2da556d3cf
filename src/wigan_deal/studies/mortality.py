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

from wigan_deal import config, fmt, its, plots
from wigan_deal import data as wd
from wigan_deal.studies.compare import comparator_groups, higher_is_better, series, trend_frame
from wigan_deal.studies.hle import change_table
from wigan_deal.studies.notes import no_data_note, note_markdown
from wigan_deal.studies.summary import EffectSummary, Study


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



def record_estimate(rec: Any, key: str, estimate: Any, *, label: str, unit: str, note: str | None = None) -> None:
    """Record an :class:`wigan_deal.its.Estimate` (value, lower, upper) under ``key``."""
    rec.record(key, estimate.estimate, label=label, unit=unit, lower=estimate.lower, upper=estimate.upper,
               note=note)



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
        f"{lc.estimate:+.2f} {unit} (95% CI {lc.lower:+.2f} to {lc.upper:+.2f}) different at the first post period "
        f"({s.period[s.n_pre]}): {reading(lc, 'level change')}. Its slope changed by {sc.estimate:+.3f} {unit} per year "
        f"(95% CI {sc.lower:+.3f} to {sc.upper:+.3f}): {reading(sc, 'slope change')}. "
        f"{'Higher' if better_higher else 'Lower'} values are better."
    )



# --- study results (notebook 03) -----------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class OwnBreakStudy(Study):
    """Segmented ITS of one indicator for each sex (the area's own break, national changes included: description,
    not the primary analysis; OLS+HAC intervals not calibrated at this n) and the comparative ITS of the area
    against each comparator group (:func:`comparative_fits`). ``what`` names the series in text ("life expectancy
    at 65"), ``short`` in comparative labels ("LE at 65"); ``key`` builds the record keys; ``comparative`` is
    the quantity recorded against England ("level" or "slope")."""

    area_code: str
    name: str
    indicator: str
    key: str
    what: str
    short: str
    comparative: str
    fits: dict[str, Any]
    missing: dict[str, str]
    methods: pd.DataFrame
    comparisons: pd.DataFrame
    comparative_fits: dict[tuple[str, str], Any]

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
    fits, missing, methods = {}, {}, []
    for s in config.SEXES:
        own = series(indicator, params.area_code, s, vintage)
        if own.empty:
            missing[s] = no_data_note(indicator, params.area_code, s, vintage)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", its.ShortPreperiodWarning)
            fits[s] = its.fit_its(own, params.break_year, post_rule=params.post_rule)
        methods.append(its_method_table(own, params.break_year, params.post_rule).assign(sex=s))
    table, cfits = comparative_fits(params, indicator, fits, vintage)
    return OwnBreakStudy(params.area_code, name, indicator, key, what, short, comparative, fits, missing,
                         pd.concat(methods, ignore_index=True) if methods else pd.DataFrame(), table, cfits)


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
                             f"{r['_last']}", note=f"England {r['England change']:+.1f}; smaller gap is better")

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


@dataclass(frozen=True, eq=False, repr=False)
class CancerComparativeStudy(Study):
    """Comparative ITS of the area's under-75 preventable cancer mortality against each comparator group, in the
    difference and pooled models (Newey-West intervals, not calibrated at this n). Empty when the area has no
    cancer series (the notebook says so above)."""

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
