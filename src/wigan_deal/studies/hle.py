"""Healthy life expectancy (notebook 02): the change between two non-overlapping periods with its approximate
CI, the window a vintage allows, the rank among comparators, revisions across vintages and the gap then and now;
the notebook's sections as study results (``change_study``, ``its_refusal``, ``revision_study``, ``gap_study``,
``lasting_study``, ``devolution_study``, ``noise_study``) that show and record themselves."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wigan_deal import config, fmt, hle_ci, hle_noise, its, lasting, plots
from wigan_deal import data as wd
from wigan_deal.periods import parse_period
from wigan_deal.studies.compare import comparator_groups, describe_groups, series, trend_frame
from wigan_deal.studies.notes import no_data_note, note_markdown
from wigan_deal.studies.summary import EffectSummary, Study


def _value(frame: pd.DataFrame, code: str, sex: str, period: str) -> float:
    start, end, _ = parse_period(period)
    return _values(frame).get((code, sex, start, end), math.nan)



#: the last frame's value table, kept while that frame is the one asked about
_VALUES = wd.SourceMemo(maxsize=1)


def _values(frame: pd.DataFrame) -> dict:
    """(area_code, sex, period_start, period_end) -> first value, built once per frame."""

    def build() -> dict:
        keys = zip(frame["area_code"], frame["sex"], frame["period_start"], frame["period_end"], strict=True)
        table: dict = {}
        for key, v in zip(keys, frame["value"], strict=True):
            table.setdefault(key, float(v))
        return table

    return _VALUES.get(None, (frame,), build)



def hle_ci_assumption() -> tuple[float, float]:
    """(LA, England) assumed 95% CI half-widths for one HLE estimate (``config``; the claims register's
    original assumption, before its per-council amendment of 2026-12-06)."""
    return config.HLE_ASSUMED_CI_HALFWIDTH, config.HLE_ENGLAND_CI_HALFWIDTH



def change_table(indicator: str, area_code: str, comparator_codes: Sequence[str], start: str, end: str,
                 *, vintage: str | None = None, sexes: Sequence[str] | None = None,
                 halfwidth: float | None = None, england_halfwidth: float | None = None) -> pd.DataFrame:
    """Change ``start`` -> ``end`` for the area, England and each comparator, by sex.

    Columns: area_code, area_name, role ('area'/'England'/'comparator'), sex, start, end, value_start,
    value_end, change, change_lower, change_upper, diff_vs_england, diff_lower, diff_upper.
    CIs are approximate: each period estimate is given a 95% CI half-width (``halfwidth`` for LAs,
    ``england_halfwidth`` for England), non-overlapping periods are independent; without half-widths
    the CI columns are NaN. Areas lacking either period get NaN values. The CIs come from
    :func:`wigan_deal.hle_ci.change_with_ci`, the one function for such changes.
    """
    codes = list(dict.fromkeys([area_code, config.ENGLAND, *comparator_codes]))
    f = wd.load_indicator(indicator, areas=codes, sex=sexes, vintage=vintage)
    names = dict(zip(f["area_code"], f["area_name"], strict=False))
    se_la, se_eng = hle_ci.se_from_halfwidth(halfwidth), hle_ci.se_from_halfwidth(england_halfwidth)
    rows = []
    for sex in (sexes or sorted(f["sex"].unique())):
        e0, e1 = _value(f, config.ENGLAND, sex, start), _value(f, config.ENGLAND, sex, end)
        for code in codes:
            v0, v1 = _value(f, code, sex, start), _value(f, code, sex, end)
            se = se_eng if code == config.ENGLAND else se_la
            ch = hle_ci.change_with_ci(v0, v1, e0, e1, se_area=(se, se), se_comp=(se_eng, se_eng))
            role = "area" if code == area_code else "England" if code == config.ENGLAND else "comparator"
            rows.append({"area_code": code, "area_name": names.get(code, wd.area_name(code)), "role": role,
                         "sex": sex, "start": start, "end": end, "value_start": v0, "value_end": v1,
                         "change": ch["area_change"], "change_lower": ch["area_change_lower"],
                         "change_upper": ch["area_change_upper"], "diff_vs_england": ch["diff"],
                         "diff_lower": ch["diff_lower"], "diff_upper": ch["diff_upper"]})
    out = pd.DataFrame(rows)
    out.loc[out["role"] == "England", ["diff_vs_england", "diff_lower", "diff_upper"]] = np.nan
    return fmt.explain_missing(out, "a difference from England is not applicable to England itself; elsewhere a "
                                    "value is missing where the area has no value for a period in this vintage "
                                    "or no half-width was given (no interval)")



def hle_window(vintage: str, start: str = "2009-11", end: str = "2015-17") -> tuple[str | None, str, str]:
    """(start, end, note): the requested HLE window, moved inside the vintage's periods if needed.

    The two periods must not overlap (the change's CI treats them as independent). When the vintage holds
    no period that ends before ``end`` starts (vintage 2026-05 begins at 2015-17), ``start`` is ``None``:
    no change can be formed, and the note says so instead of offering a window from a period to itself.
    """
    f = wd.load_indicator("hle_birth", areas=[config.ENGLAND], vintage=vintage)
    labels = list(dict.fromkeys(f.sort_values("period_start")["period"]))
    wanted = f"{start} to {end}"
    notes = []
    if end not in labels:
        notes.append(f"{end} is not in vintage {vintage}; the last period {labels[-1]} is used instead")
        end = labels[-1]
    before = [p for p in labels if parse_period(p)[1] < parse_period(end)[0]]
    if start not in before:
        if not before:
            notes.append(f"vintage {vintage} starts at {labels[0]}, so it holds no period before {end} that does "
                         f"not overlap it: the {wanted} change cannot be formed in this vintage (it is measured "
                         f"in vintage {config.REPORT_VINTAGE}, the default)")
            return None, end, "; ".join(notes)
        notes.append(f"{start} is not in vintage {vintage}; the first period {before[0]} is used instead")
        start = before[0]
    return start, end, "; ".join(notes)



def change_rank_sentence(focus: pd.DataFrame, area_code: str, name: str, sex: str) -> str | None:
    """'<name>'s <sex> change ranks k of n areas shown (...)' from one sex of :func:`change_table`, or
    ``None`` when the area has no change or there is nothing to rank it against. Ties share the best rank."""
    ranked = focus.dropna(subset=["change"])
    own = ranked.loc[ranked["area_code"] == area_code, "change"]
    if own.empty or len(ranked) < 2 or (ranked["start"] == ranked["end"]).any():
        return None
    position = int((ranked["change"] > own.iloc[0]).sum()) + 1
    others = int((ranked["role"] == "comparator").sum())
    england = " England and" if (ranked["role"] == "England").any() else ""
    return (f"{name}'s {sex.lower()} change ranks **{position} of {len(ranked)}** areas shown ({name},{england} "
            f"{others} comparator area{'s' if others != 1 else ''}; 1 = largest rise).")



#: columns of :func:`change_table` (an empty table keeps them)
CHANGE_COLUMNS: tuple[str, ...] = (
    "area_code", "area_name", "role", "sex", "start", "end", "value_start", "value_end", "change", "change_lower",
    "change_upper", "diff_vs_england", "diff_lower", "diff_upper")



def hle_change_table(area_code: str, comparator_codes: Sequence[str], vintage: str, start: str | None = "2009-11",
                     end: str = "2015-17") -> pd.DataFrame:
    """:func:`change_table` for HLE with the claims register's assumed CI half-widths; an empty table when
    ``start`` is ``None`` (:func:`hle_window` found no window in the vintage)."""
    if start is None:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    hw, ehw = hle_ci_assumption()
    return change_table("hle_birth", area_code, comparator_codes, start, end, vintage=vintage,
                        sexes=list(config.SEXES), halfwidth=hw, england_halfwidth=ehw)



def vintage_table(indicator: str, area_codes: Sequence[str], sex: str, periods: Sequence[str] | None = None) -> pd.DataFrame:
    """Wide table: rows (area, period), one column per vintage (never spliced)."""
    f = wd.load_indicator(indicator, areas=list(area_codes), sex=sex, vintage="all")
    if periods is not None:
        f = f[f["period"].isin(periods)]
    return fmt.explain_missing(f.pivot_table(index=["area_name", "period"], columns="vintage", values="value")
                               .sort_index(), "the period is not in that vintage's release")



def gap_then_and_now(area_code: str, sex: str, vintage_then: str, period_then: str,
                     vintage_now: str | None = None) -> dict[str, Any]:
    """England-minus-area HLE gap in ``period_then`` (``vintage_then``) and the latest period of the
    latest vintage."""
    vintage_now = vintage_now or wd.vintages("hle_birth")[-1]
    then = wd.load_indicator("hle_birth", areas=[area_code, config.ENGLAND], sex=sex, vintage=vintage_then)
    now = wd.load_indicator("hle_birth", areas=[area_code, config.ENGLAND], sex=sex, vintage=vintage_now)
    last = now.sort_values("period_start")["period"].iloc[-1]
    return {
        "vintage_then": vintage_then, "period_then": period_then,
        "gap_then": _value(then, config.ENGLAND, sex, period_then) - _value(then, area_code, sex, period_then),
        "vintage_now": vintage_now, "period_now": last,
        "gap_now": _value(now, config.ENGLAND, sex, last) - _value(now, area_code, sex, last),
        "area_now": _value(now, area_code, sex, last), "england_now": _value(now, config.ENGLAND, sex, last),
    }



# --- study results (notebook 02) -----------------------------------------------------------------

#: columns of the headline change table a reader sees
HEADLINE_COLUMNS: tuple[str, ...] = ("area_name", "sex", "value_start", "value_end", "change", "change_lower",
                                     "change_upper", "diff_vs_england", "diff_lower", "diff_upper")


@dataclass(frozen=True, eq=False, repr=False)
class HLEChange(Study):
    """HLE change ``start`` -> ``end`` of the area, England and the comparators (both sexes), with the CI
    of the register's original assumption (:func:`hle_ci_assumption`); ``sex`` is the focus sex."""

    HEADLINE_PLOTS = frozenset({"plot"})

    area_code: str
    name: str
    vintage: str
    sex: str
    start: str | None
    end: str
    window_note: str
    no_data: str | None
    table: pd.DataFrame

    @property
    def headline(self) -> pd.DataFrame:
        return self.table[self.table["role"] != "comparator"]

    @property
    def focus(self) -> pd.DataFrame:
        return self.table[self.table["sex"] == self.sex]

    @property
    def computed(self) -> bool:
        return self.no_data is None and self.start is not None

    def ci_note(self) -> str:
        hw, ehw = hle_ci_assumption()
        return (f"{self.start} -> {self.end}, vintage {self.vintage}; approximate 95% CI assuming +/-{hw} years per "
                f"LA estimate and +/-{ehw} for England (the register's original assumption; the claims rule now "
                "uses per-council noise, shown below)")

    def _rows(self, sex: str) -> tuple[pd.Series, pd.Series]:
        h = self.headline
        return (h[(h["role"] == "area") & (h["sex"] == sex)].iloc[0],
                h[(h["role"] == "England") & (h["sex"] == sex)].iloc[0])

    def _text(self) -> str:
        parts = [f"**Note:** {self.window_note}."] if self.window_note else []
        if self.no_data:
            skipped = (f"no {self.start} to {self.end} change is computed for {self.name}" if self.start
                       else f"no HLE change is computed for {self.name}")
            parts.append(note_markdown(self.no_data, skipped))
        elif self.start is None:
            parts.append(f"**No {self.name} change is computed in vintage {self.vintage}** (see the note above).")
        else:
            for s in config.SEXES:
                a, e = self._rows(s)
                verdict = ("the approximate CI excludes zero" if a["diff_lower"] > 0 or a["diff_upper"] < 0
                           else "the approximate CI includes zero")
                parts.append(
                    f"**{s}:** {self.name} {fmt.number(a['value_start'])} → {fmt.number(a['value_end'])} "
                    f"({fmt.number(a['change'], signed=True)} years, approx. 95% CI "
                    f"{fmt.ci(a['change_lower'], a['change_upper'], signed=True)}); England "
                    f"{fmt.number(e['value_start'])} → {fmt.number(e['value_end'])} ({fmt.number(e['change'], signed=True)}). "
                    f"Difference in change {fmt.number(a['diff_vs_england'], signed=True)} years (approx. 95% CI "
                    f"{fmt.ci(a['diff_lower'], a['diff_upper'], signed=True)}): {verdict}.")
        return "\n\n".join(parts)

    def summary(self) -> EffectSummary:
        return EffectSummary(self.headline[list(HEADLINE_COLUMNS)].reset_index(drop=True), self._text())

    def record(self, rec: Any) -> None:
        if not self.computed:
            return
        note, start, end = self.ci_note(), self.start, self.end
        for s in config.SEXES:
            a, e = self._rows(s)
            key = s.lower()
            rec.record(f"hle_change_{key}", a["change"], label=f"{self.name} {key} HLE change {start} to {end}",
                       unit="years", lower=a["change_lower"], upper=a["change_upper"], note=note)
            rec.record(f"england_hle_change_{key}", e["change"], label=f"England {key} HLE change {start} to {end}",
                       unit="years", lower=e["change_lower"], upper=e["change_upper"], note=note)
            rec.record(f"hle_change_diff_{key}", a["diff_vs_england"],
                       label=f"{self.name} minus England, {key} HLE change", unit="years",
                       lower=a["diff_lower"], upper=a["diff_upper"], note=note)

    def rank_sentence(self) -> str | None:
        """The focus sex's rank among the areas shown (:func:`change_rank_sentence`)."""
        return change_rank_sentence(self.focus, self.area_code, self.name, self.sex)

    def focus_text(self) -> str:
        """The rank sentence, or why there is no change to compare."""
        if not self.focus["change"].notna().any():
            return f"*No {self.sex.lower()} HLE change to compare in vintage {self.vintage}.*"
        return self.rank_sentence() or ""

    def plot(self) -> Any:
        """Dot plot of every area's focus-sex change (``None`` when there is none to compare)."""
        if not self.focus["change"].notna().any():
            return None
        return plots.change_plot(self.focus, self.area_code, xlabel=f"HLE change {self.start} to {self.end} (years)",
                                 title=f"{self.sex} HLE change, {self.name} vs England and comparators")


def change_study(params: Any, name: str) -> HLEChange:
    """The HLE change of validated ``params`` over the report's window (moved inside ``params.vintage``)."""
    start, end, window_note = hle_window(params.vintage)
    table = hle_change_table(params.area_code, params.comparator_codes, params.vintage, start, end)
    return HLEChange(params.area_code, name, params.vintage, params.sex, start, end, window_note,
                     no_data_note("hle_birth", params.area_code, vintage=params.vintage), table)


@dataclass(frozen=True, eq=False, repr=False)
class HLERevisions(Study):
    """The focus sex's HLE for the same periods in every vintage, relative to ``vintage``."""

    area_code: str
    name: str
    vintage: str
    sex: str
    table: pd.DataFrame
    change: HLEChange

    @property
    def differences(self) -> pd.Series:
        """Every other vintage's value minus this vintage's, per (area, period, vintage)."""
        t, base = self.table, self.vintage
        return t.drop(columns=base).sub(t[base], axis=0).stack().dropna() if base in t else pd.Series(dtype=float)

    def _largest(self) -> tuple[str, str, float]:
        rev = self.differences
        key = rev.abs().idxmax()
        return key[1], key[2], float(rev.loc[key])

    def summary(self) -> EffectSummary:
        rev, base, name = self.differences, self.vintage, self.name
        if not rev.empty:
            period, later, biggest = self._largest()
            own = self.change.focus
            own = own.loc[own["role"] == "area", "change"].dropna()
            scale = (f" For scale, the {self.change.start} to {self.change.end} change above is "
                     f"{fmt.number(own.iloc[0], signed=True)} "
                     "years." if len(own) else "")
            text = (f"Relative to the {base} vintage, the other vintages give {name}'s {self.sex.lower()} HLE for the "
                    f"same periods values that differ by {fmt.ci(rev.min(), rev.max(), signed=True)} years; the "
                    f"largest difference is {fmt.number(biggest, signed=True)} years ({period}, vintage {later}).{scale}")
        elif self.change.no_data:
            text = note_markdown(self.change.no_data, "there are no revisions to show")
        else:
            text = f"No period of the {base} vintage appears in another vintage for {name}."
        return EffectSummary(self.table, text)

    def record(self, rec: Any) -> None:
        if self.differences.empty:
            return
        period, later, biggest = self._largest()
        rec.record("hle_max_revision", biggest, unit="years",
                   label=f"{self.name} {self.sex.lower()} HLE: largest revision of a vintage-{self.vintage} value in "
                         "another vintage", note=f"period {period}, vintage {later}")

    def plot(self) -> Any:
        allv = wd.load_indicator("hle_birth", areas=[self.area_code, config.ENGLAND], sex=self.sex, vintage="all")
        return plots.vintage_plot(allv, self.area_code,
                                  title=f"{self.sex} HLE at birth in every vintage: {self.name} and England")


def revision_study(change: HLEChange) -> HLERevisions:
    """How later vintages revised the focus sex's HLE of ``change``'s area (beside its change, for scale)."""
    return HLERevisions(change.area_code, change.name, change.vintage, change.sex,
                        vintage_table("hle_birth", [change.area_code], change.sex), change)


@dataclass(frozen=True, eq=False, repr=False)
class HLEGap(Study):
    """England-minus-area HLE gap in the report's end period and in the latest period of the latest vintage."""

    area_code: str
    name: str
    vintage: str
    latest: str
    gaps: dict[str, dict[str, Any]]

    def _note(self, sex: str, vintage: str) -> str | None:
        return no_data_note("hle_birth", self.area_code, sex, vintage)

    def summary(self) -> EffectSummary:
        lines = []
        for s, g in self.gaps.items():
            lines.append(f"**{s}:** gap {fmt.number(g['gap_then'])} years in {g['period_then']} (vintage "
                         f"{g['vintage_then']}) → {fmt.number(g['gap_now'])} years in {g['period_now']} (vintage "
                         f"{g['vintage_now']}; {self.name} {fmt.number(g['area_now'])}, England "
                         f"{fmt.number(g['england_now'])}).")
            for v in dict.fromkeys([self.vintage, self.latest]):
                if (v_note := self._note(s, v)):
                    lines.append(note_markdown(v_note, f"the {v} gap is shown as {fmt.MISSING}"))
        text = ("\n\n".join(lines) + "\n\nA positive gap means the area is below England. These are point estimates "
                "without CIs (none in our files); the pandemic years 2020-22 affect every area.")
        table = fmt.explain_missing(pd.DataFrame([{"sex": s, **g} for s, g in self.gaps.items()]),
                                    "the area has no HLE value for that period in that vintage (see the note above)")
        return EffectSummary(table, text)

    def record(self, rec: Any) -> None:
        for s, g in self.gaps.items():
            key = s.lower()
            rec.record(f"hle_gap_then_{key}", g["gap_then"], unit="years",
                       label=f"England minus {self.name}, {key} HLE, {g['period_then']} (vintage {g['vintage_then']})",
                       note=self._note(s, g["vintage_then"]))
            rec.record(f"hle_gap_now_{key}", g["gap_now"], unit="years",
                       label=f"England minus {self.name}, {key} HLE, {g['period_now']} (vintage {g['vintage_now']})",
                       note=self._note(s, g["vintage_now"]))


def gap_study(change: HLEChange, latest: str | None = None) -> HLEGap:
    """The gap in ``change``'s end period (its vintage) and now (``latest``, default the latest vintage)."""
    latest = latest or wd.vintages("hle_birth")[-1]
    gaps = {s: gap_then_and_now(change.area_code, s, change.vintage, change.end, latest) for s in config.SEXES}
    return HLEGap(change.area_code, change.name, change.vintage, latest, gaps)


def comparators_text(params: Any, vintage: str) -> str:
    """Markdown above the HLE trend figure: the area's missing-data note, and the comparator groups with data."""
    groups = comparator_groups(params, "hle_birth", vintage)
    empty = [k for k, v in groups.items() if not v]
    parts = []
    if (note := no_data_note("hle_birth", params.area_code, vintage=vintage)):
        parts.append(note_markdown(note, "the figures show England and the comparators only"))
    parts.append(f"Comparators with HLE data in vintage {vintage}: {describe_groups(groups)}."
                 + (f" **Empty (skipped):** {', '.join(empty)}." if empty else ""))
    return "\n\n".join(parts)


@plots.figure_method()
def trend_figure(params: Any, vintage: str, *, title: str, break_year: float | None = None) -> Any:
    """HLE at birth of the area, England and each comparator group's mean, one panel per sex (``title``
    is formatted with ``sex``)."""
    import matplotlib.pyplot as plt

    groups = comparator_groups(params, "hle_birth", vintage)
    fig, axes = plt.subplots(1, len(config.SEXES), figsize=(13, 4.5), sharey=True)
    for ax, s in zip(axes, config.SEXES, strict=True):
        frame = trend_frame("hle_birth", params.area_code, groups, sex=s, vintage=vintage)
        plots.trend_plot(frame, params.area_code, ax=ax, title=title.format(sex=s), ylabel="years",
                         break_year=break_year)
    return fig


@dataclass(frozen=True, eq=False, repr=False)
class HLEITSRefusal(Study):
    """Whether the ITS engine refuses HLE (too few pre-break periods) with these parameters, and its message."""

    message: str | None
    text: str

    def summary(self) -> EffectSummary:
        return EffectSummary(text=self.text)

    def record(self, rec: Any) -> None:
        rec.record("hle_its_refused", self.message is not None, label="ITS on HLE refused (too few pre-periods)")


def its_refusal(change: HLEChange, params: Any) -> HLEITSRefusal:
    """Try the segmented ITS on the focus sex's HLE; the engine's refusal is the result."""
    if change.no_data:
        return HLEITSRefusal(change.no_data, note_markdown(change.no_data, "no ITS is attempted"))
    hle_series = series("hle_birth", params.area_code, params.sex, params.vintage)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            its.fit_its(hle_series, params.break_year, post_rule=params.post_rule)
    except its.ShortPreperiodError as exc:
        return HLEITSRefusal(str(exc), f"`fit_its` raised **ShortPreperiodError**: {exc}")
    return HLEITSRefusal(None, "With these parameters the HLE series has enough pre-periods for an ITS; see notebook "
                               "03 for the formal ITS on longer series.")


@dataclass(frozen=True, eq=False, repr=False)
class HLELasting(Study):
    """Did it last: the area-minus-England change from the report's last period to every later period of every
    later vintage, and a fitted trend per vintage (:mod:`wigan_deal.lasting`)."""

    area_code: str
    name: str
    ends: pd.DataFrame
    trends: pd.DataFrame

    def summary(self) -> EffectSummary:
        text = lasting.lasting_text(self.area_code, self.ends, self.trends)
        if self.ends.empty:
            text = f"*No later vintage holds 2015-17 and a later period for {self.name}.*\n\n{text}"
        return EffectSummary(self.ends.round(2), text)

    def record(self, rec: Any) -> None:
        for r in self.ends.itertuples():
            rec.record(f"lasting_{r.vintage.replace('-', '_')}_{r.sex.lower()}_{r.end.replace('-', '_')}", r.difference,
                       unit="years", label=f"{self.name} minus England, {r.sex.lower()} HLE change {r.start} to {r.end} "
                                           f"(vintage {r.vintage})",
                       note="revised ONS HLE method" if r.method_changed else None)
        for r in self.trends.itertuples():
            rec.record(f"lasting_trend_{r.vintage.replace('-', '_')}_{r.sex.lower()}", r.trend_change, unit="years",
                       label=f"{self.name} minus England, {r.sex.lower()} HLE: fitted-trend change {r.start} to {r.end} "
                             f"(vintage {r.vintage})")

    def plot(self) -> Any:
        """Every end point and the fitted trends (``None`` without a later end point)."""
        return None if self.ends.empty else lasting.end_point_figure(self.ends, self.trends, self.name)


def lasting_study(change: HLEChange) -> HLELasting:
    """Every later end point of ``change``'s area (whatever the report's vintage: the later vintages)."""
    return HLELasting(change.area_code, change.name, lasting.end_points(change.area_code),
                      lasting.trend_table(change.area_code))


@dataclass(frozen=True, eq=False, repr=False)
class HLEDevolution(Study):
    """The HLE change with the window ending before GM devolution (April 2016) beside the full window, against
    England and the GM boroughs (:func:`wigan_deal.lasting.devolution_windows`)."""

    area_code: str
    name: str
    table: pd.DataFrame

    def summary(self) -> EffectSummary:
        text = "\n\n".join(lasting.devolution_text(self.table[self.table["sex"] == s], self.area_code,
                                                   "HLE at birth (years)") for s in config.SEXES)
        return EffectSummary(self.table.round(2), text)

    def record(self, rec: Any) -> None:
        for r in self.table[self.table["window"] == "pre-devolution"].itertuples():
            rec.record(f"hle_pre_devolution_diff_{r.sex.lower()}", r.diff_vs_england, unit="years",
                       label=f"{self.name} minus England, {r.sex.lower()} HLE change {r.start} to {r.end} (before GM "
                             "devolution)")


def devolution_study(change: HLEChange) -> HLEDevolution:
    """:class:`HLEDevolution` from ``change``'s start period, in its vintage, both sexes."""
    table = pd.concat([lasting.devolution_windows("hle_birth", change.area_code, change.start, sex=s,
                                                  vintage=change.vintage) for s in config.SEXES], ignore_index=True)
    return HLEDevolution(change.area_code, change.name, table)


@dataclass(frozen=True, eq=False, repr=False)
class HLENoise(Study):
    """How noisy one council's HLE estimate is, beside the verdict (:mod:`wigan_deal.hle_noise`, always in the
    report vintage): the difference vs England under each noise model, the council's half-widths, the change
    adjusted for regression to the mean, and minimal detectable effects. ``result`` is ``None`` for a council
    without HLE in the report vintage (nothing is shown or recorded)."""

    area_code: str
    name: str
    vintage: str
    result: Any
    halfwidths: pd.DataFrame

    def summary(self) -> EffectSummary:
        if self.result is None:
            return EffectSummary()
        table, text = self.result.effect_summary()
        return EffectSummary(table, text)

    def _repr_markdown_(self) -> str:
        if self.result is None:
            return ""
        n = hle_noise
        parts = [f"*This section always uses vintage {config.REPORT_VINTAGE} ({n.START}, {n.MIDDLE}, {n.END}), "
                 f"whatever the report's vintage (here {self.vintage}).*", self.summary()._repr_markdown_(),
                 f"**{self.name}'s half-width per estimate** (95%, years): the flags' bounds, the population-scaled "
                 "empirical value and the one used by the rule.",
                 fmt.to_html(self.halfwidths.round(2)), fmt.to_html(self.result.rtm), fmt.to_html(self.result.mde)]
        return "\n\n".join(parts)

    def record(self, rec: Any) -> None:
        if self.result is None:
            return
        table = self.summary().table
        window = f"{hle_noise.START} to {hle_noise.END}, vintage {config.REPORT_VINTAGE}"
        for model, key, what in (("sigma_cov", "empirical_noise", "the empirical noise model"),
                                 ("per_council", "per_council_noise", "the per-council noise model (claims rule)")):
            for _, row in table[table["noise model"] == model].iterrows():
                rec.record(f"hle_diff_{row['sex'].lower()}_{key}", row["difference vs England"], unit="years",
                           lower=row["lower"], upper=row["upper"],
                           label=f"{self.name} minus England, {row['sex'].lower()} HLE change {window}, CI from {what}")


def noise_study(change: HLEChange) -> HLENoise:
    """:class:`HLENoise` for ``change``'s area (``change.vintage`` is only named: the study uses the report vintage)."""
    present = wd.load_indicator("hle_birth", vintage=config.REPORT_VINTAGE).dropna(subset=["value"])["area_code"]
    if change.area_code not in set(present):
        return HLENoise(change.area_code, change.name, change.vintage, None, pd.DataFrame())
    bounds = pd.concat([hle_ci.shared_halfwidths(s) for s in config.SEXES])
    own = bounds[bounds["area_code"] == change.area_code].drop(columns=["area_code", "vintage"])
    return HLENoise(change.area_code, change.name, change.vintage, hle_noise.summary(change.area_code), own)
