"""One evaluator per ``method`` of the claims register: load the data, compute, apply the rule.

Every evaluator takes a :class:`~wigan_deal.claims.register.Spec`, an area and a comparator and
returns a :class:`ClaimResult`. Data come only from :mod:`wigan_deal.data` loaders; estimates use
:class:`wigan_deal.its.Estimate` and its inference helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wigan_deal import config, finance, fmt, hle_ci
from wigan_deal import data as wd
from wigan_deal.claims import rules
from wigan_deal.claims.register import NOT_TESTABLE, Claim, Spec
from wigan_deal.its import Estimate
from wigan_deal.its.result import critical_value, linear_combination
from wigan_deal.periods import parse_period

Z95 = critical_value(0.05, None)
Z90 = critical_value(0.10, None)


class NoDataError(LookupError):
    """The data for this area/period/sex is absent: the claim is not testable for this area."""


@dataclass
class ClaimResult:
    """The outcome of applying one claim's rule to one area."""

    verdict: str
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    unit: str = ""
    evidence: str = ""
    data_used: str = ""
    components: pd.DataFrame = field(default_factory=pd.DataFrame)


# --- small helpers -------------------------------------------------------------------------------


#: a missing number in an evidence text
NA = "n/a"


def _ci_text(lower: float, upper: float, d: int = 2, source: str = "", signed: bool = True) -> str:
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return f"no CI computable: {source}" if source and source.startswith("no ") else "no CI computable"
    tail = f", {source}" if source else ""
    return f"95% CI {fmt.number(lower, d, signed=signed, missing=NA)} to {fmt.number(upper, d, signed=signed, missing=NA)}{tail}"


def _estimate(value: float, se: float, name: str = "") -> Estimate:
    """Normal-theory Estimate; NaN bounds when ``se`` is unknown."""
    if not math.isfinite(se):
        return Estimate(value, math.nan, math.nan, math.nan, math.nan, 0.05, name)
    return linear_combination([1.0], np.array([value]), np.array([[se**2]]), 0.05, None, name)


def indicator_meta(name: str) -> tuple[str, str]:
    """(unit, unit_kind) of an indicator from the data layer's catalogue; ('', '') if unknown."""
    try:
        from wigan_deal.data.sources import INDICATORS
    except ImportError:  # pragma: no cover - catalogue moved
        return "", ""
    for spec in INDICATORS:
        if spec.name == name:
            return spec.unit, spec.unit_kind
    return "", ""


def load_spec_frame(spec: Spec, area: str, comparator: str) -> pd.DataFrame:
    """Tidy indicator rows for the area and comparator at the spec's vintage and sexes."""
    frame = wd.load_indicator(spec.indicator, areas=[area, comparator], vintage=spec.vintage)
    if "sex" in frame.columns:
        frame = frame[frame["sex"].isin(spec.sexes)]
    return frame


def _period_key(label: str) -> tuple[int, int]:
    start, end, _ = parse_period(label)
    return start, end


def point(frame: pd.DataFrame, area: str, period: str, sex: str) -> pd.Series:
    """The single row for area x period x sex, or :class:`NoDataError`."""
    start, end = _period_key(period)
    rows = _row_index(frame).get((area, start, end, sex if "sex" in frame.columns else None))
    if rows is None:
        raise NoDataError(f"no value for {area} in {period} ({sex})")
    return frame.iloc[rows]


#: the last frame's row index, kept while that frame is the one asked about
_ROWS = wd.SourceMemo(maxsize=1)


def _row_index(frame: pd.DataFrame) -> dict:
    """(area, period_start, period_end, sex or None) -> position of the first row with a value."""

    def build() -> dict:
        sexes = frame["sex"] if "sex" in frame.columns else [None] * len(frame)
        index: dict = {}
        for i, (a, s0, e0, sx, v) in enumerate(zip(frame["area_code"], frame["period_start"], frame["period_end"],
                                                   sexes, frame["value"], strict=True)):
            if not pd.isna(v):
                index.setdefault((a, s0, e0, sx), i)
        return index

    return _ROWS.get(None, (frame,), build)


def _se_of(row: pd.Series, assumed_halfwidth: float | None) -> tuple[float, str]:
    lo, hi = row.get("lower_ci", np.nan), row.get("upper_ci", np.nan)
    if pd.notna(lo) and pd.notna(hi):
        return (float(hi) - float(lo)) / (2 * Z95), "CI from the data"
    if assumed_halfwidth is not None:
        return float(assumed_halfwidth) / Z95, "approximate CI from the documented assumption"
    return math.nan, "no CI"


def _vintage_of(frame: pd.DataFrame, spec: Spec) -> str:
    if spec.vintage:
        return spec.vintage
    if "vintage" in frame.columns and frame["vintage"].notna().any():
        return str(frame["vintage"].dropna().iloc[0])
    return "default"


def data_used(spec: Spec, vintage: str | None = None) -> str:
    vint = vintage or spec.vintage or "default"
    periods = " -> ".join(spec.periods)
    if spec.baseline_period and len(spec.periods) == 1:
        periods = f"{periods} (gap vs {spec.baseline_period})"
    sexes = "/".join(spec.sexes)
    return f"{'+'.join(spec.indicators)}@{vint} [{sexes}; {periods}]"


def _names(frame: pd.DataFrame, area: str, comparator: str) -> tuple[str, str]:
    """The area's and the comparator's names as ``frame`` spells them (its first row of each); the code if none."""
    if "area_name" not in frame:
        return area, comparator
    codes, names = frame["area_code"].to_numpy(), frame["area_name"].to_numpy()

    def name(code: str) -> str:
        rows = np.flatnonzero(codes == code)
        return str(names[rows[0]]) if len(rows) else code

    return name(area), name(comparator)


# --- change_vs_comparator ------------------------------------------------------------------------


def _end_periods(frame: pd.DataFrame, area: str, base: str, end: str, how: str | None) -> list[str]:
    """The end period(s) a change is measured to: ``end`` alone, or (``how='non_overlapping'``) every period of
    ``area`` in ``frame`` counted back from ``end`` in steps of its own length that overlaps neither ``base`` nor
    the next one."""
    if how in (None, "single"):
        return [end]
    if how != "non_overlapping":
        raise ValueError(f"end_points {how!r} is not valid; use 'single' or 'non_overlapping'.")
    frame = frame[frame["area_code"] == area]
    periods = [(int(s), int(e), str(p)) for s, e, p in zip(frame["period_start"], frame["period_end"],
                                                             frame["period"], strict=True)]
    return hle_ci.non_overlapping_ends(periods, _period_key(base), _period_key(end)) or [end]


def _noise(spec: Spec, frame: pd.DataFrame, code: str, comparator: str, row: pd.Series, sex: str,
           vintage: str) -> tuple[float, str]:
    """(se of one period estimate, source) under the spec's noise model."""
    params = spec.params
    if params.get("noise") == "per_council":
        h, src = hle_ci.halfwidth(code, sex, vintage)
        return hle_ci.se_from_halfwidth(h), f"per-council noise: {src}"
    if code == comparator:
        h_area = params.get("assumed_ci_halfwidth")
        return _se_of(row, params.get("assumed_comparator_ci_halfwidth", 0.0 if h_area is not None else None))
    return _se_of(row, params.get("assumed_ci_halfwidth"))


def change_vs_comparator(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Area change between two periods minus the comparator's change, per sex, graded by
    :func:`rules.grade_change` (then capped by ``params.cap_verdict`` if given). CIs from
    :func:`wigan_deal.hle_ci.change_with_ci` (one function for every such change)."""
    if len(spec.periods) != 2:
        raise ValueError(f"change_vs_comparator needs two periods (baseline, end); got {spec.periods}.")
    params = spec.params
    direction = params["direction"]
    h_area = params.get("assumed_ci_halfwidth")
    h_comp = params.get("assumed_comparator_ci_halfwidth", 0.0 if h_area is not None else None)
    frame = load_spec_frame(spec, area, comparator)
    vintage = _vintage_of(frame, spec)
    area_name, comp_name = _names(frame, area, comparator)
    base, end = spec.periods
    unit, kind = indicator_meta(spec.indicator)
    rows, texts = [], []
    for sex in spec.sexes:
        ends = _end_periods(frame, area, base, end, params.get("end_points"))
        k = len(ends)
        a0, c0 = point(frame, area, base, sex), point(frame, comparator, base, sex)
        a1_rows = [point(frame, area, p, sex) for p in ends]
        c1_rows = [point(frame, comparator, p, sex) for p in ends]
        a1, c1 = float(np.mean([r.value for r in a1_rows])), float(np.mean([r.value for r in c1_rows]))
        (se_a0, src), (se_a1, _) = (_noise(spec, frame, area, comparator, a0, sex, vintage),
                                    _noise(spec, frame, area, comparator, a1_rows[-1], sex, vintage))
        (se_c0, _), (se_c1, _) = (_noise(spec, frame, comparator, comparator, c0, sex, vintage),
                                  _noise(spec, frame, comparator, comparator, c1_rows[-1], sex, vintage))
        ch = hle_ci.change_with_ci(float(a0.value), a1, float(c0.value), c1,
                                   se_area=(se_a0, se_a1 / math.sqrt(k)), se_comp=(se_c0, se_c1 / math.sqrt(k)))
        rows.append(
            {
                "sex": sex,
                "end_periods": ", ".join(ends),
                "area_base": a0.value,
                "area_end": a1,
                "comparator_base": c0.value,
                "comparator_end": c1,
                "area_change": ch["area_change"],
                "area_change_lower": ch["area_change_lower"],
                "area_change_upper": ch["area_change_upper"],
                "comparator_change": ch["comparator_change"],
                "area_change_pct": 100 * ch["area_change"] / a0.value,
                "comparator_change_pct": 100 * ch["comparator_change"] / c0.value,
                "diff": ch["diff"],
                "diff_se": ch["diff_se"],
                "diff_lower": ch["diff_lower"],
                "diff_upper": ch["diff_upper"],
                "area_halfwidth": Z95 * se_a0,
                "ci_source": src,
            }
        )
        to = f"mean of {' and '.join(ends)}" if k > 1 else ends[0]
        text = (
            f"{sex}: {area_name} {fmt.number(a0.value, missing=NA)} -> {fmt.number(a1, missing=NA)} ({to}; {fmt.number(ch['area_change'], signed=True, missing=NA)}) vs "
            f"{comp_name} {fmt.number(c0.value, missing=NA)} -> {fmt.number(c1, missing=NA)} ({fmt.number(ch['comparator_change'], signed=True, missing=NA)}), "
            f"difference {fmt.number(ch['diff'], 2, signed=True, missing=NA)} ({_ci_text(ch['diff_lower'], ch['diff_upper'], 2, src)})"
        )
        if params.get("noise") == "per_council":
            text += f"; the area's 95% half-width per estimate is {fmt.number(Z95 * se_a0, 2)} years"
        if kind == "rate":
            text += (
                f", relative change {fmt.percent(rows[-1]['area_change_pct'], signed=True, missing=NA)} vs "
                f"{fmt.percent(rows[-1]['comparator_change_pct'], signed=True, missing=NA)}"
            )
        if h_area is not None and src.startswith("approximate"):
            need = min(abs(ch["area_change"]) / math.sqrt(2), rules.breakeven_halfwidth(ch["diff"], h_comp or 0))
            text += (
                f"; significant only if LA CI half-widths were below {fmt.number(need, 2)} (assumed {h_area})"
                if need > 0 else f"; not significant at any LA CI width (assumed {h_area})"
            )
        texts.append(text)
    parts = pd.DataFrame(rows)
    verdict = rules.cap_verdict(rules.grade_change(parts, direction), params.get("cap_verdict"))
    k = len(parts)
    # NaN-propagating: no CI for the average unless every sex has one
    estimate = _estimate(float(parts["diff"].mean()), math.sqrt(float(np.sum(parts["diff_se"].to_numpy(float) ** 2))) / k)
    evidence = "; ".join(texts) + "."
    if params.get("cap_verdict") and verdict == params["cap_verdict"]:
        evidence += f" Verdict capped at '{params['cap_verdict']}': {params.get('cap_reason', '')}".rstrip()
    # the 2026-11-28 premature_mortality rule (kept for its re-run): an unfavourable proxy graded 'not testable'
    if params.get("proxy_floor") and verdict == rules.NOT_SUPPORTED:
        verdict = params["proxy_floor"]
        evidence += f" The proxy did not favour the area; verdict '{verdict}': {params.get('proxy_reason', '')}".rstrip()
    if params.get("proxy_note"):  # the 2026-12-06 rule: the proxy is named whichever way it points
        evidence += " " + " ".join(str(params["proxy_note"]).split())
    if params.get("noise") == "per_council" and params.get("end_points") in (None, "single"):
        evidence += _rtm_text(area, vintage, base, end)
    if params.get("note"):
        evidence += " " + " ".join(str(params["note"]).split())
    unit_text = f"{unit} (difference in change, area minus comparator{_sexes_text(parts)})" if unit else \
        f"difference in change{_sexes_text(parts)}"
    return ClaimResult(
        verdict, estimate.estimate, estimate.lower, estimate.upper, unit_text, evidence,
        data_used(spec, vintage), parts,
    )


def _rtm_text(area: str, vintage: str, base: str, end: str) -> str:
    """Beside the verdict (not part of it): the change adjusted for regression to the mean and its rank."""
    try:
        r = hle_ci.rtm_adjusted(area, vintage, base, end)
    except KeyError:  # the vintage lacks one of the periods
        return ""
    if r.empty:
        return ""
    return " Beside the verdict (not graded): adjusted for regression to the mean, " + "; ".join(
        f"{x.sex.lower()} {fmt.number(x['adjusted change'], signed=True, missing=NA)} years (rank {int(x['rank adjusted'])} of "
        f"{int(x['councils'])} councils; raw change rank {int(x['rank raw'])})" for _, x in r.iterrows()) + "."


def _sexes_text(parts: pd.DataFrame) -> str:
    """'; average of male and female' / '; male' - which sex an estimate is ('' for persons)."""
    sexes = [str(x).lower() for x in parts.get("sex", pd.Series(dtype=str)) if str(x) != "Persons"]
    if len(sexes) > 1:
        return f"; average of {' and '.join(sexes)}"
    return f"; {sexes[0]}" if sexes else ""


# --- trend_vs_comparator -------------------------------------------------------------------------


def linear_trend(time: np.ndarray, value: np.ndarray, name: str = "slope") -> Estimate:
    """OLS slope of ``value`` on ``time`` with a t-based 95% CI (residual variance, df = n - 2)."""
    time = np.asarray(time, float)
    value = np.asarray(value, float)
    n = len(time)
    if n < 3:
        raise NoDataError(f"a linear trend needs at least 3 points; got {n}")
    X = np.column_stack([np.ones(n), time - time.mean()])
    beta, *_ = np.linalg.lstsq(X, value, rcond=None)
    resid = value - X @ beta
    sigma2 = float(resid @ resid) / (n - 2)
    cov = sigma2 * np.linalg.inv(X.T @ X)
    return linear_combination([0.0, 1.0], beta, cov, 0.05, n - 2, name)


def _series(frame: pd.DataFrame, code: str, first: int, last: int, sex: str) -> pd.DataFrame:
    """``code``'s rows of ``sex`` with a value in periods inside ``first``-``last``, by period start."""
    keep = ((frame["area_code"].to_numpy() == code) & (frame["period_start"].to_numpy() >= first)
            & (frame["period_end"].to_numpy() <= last) & frame["value"].notna().to_numpy())
    if "sex" in frame.columns:
        keep &= frame["sex"].to_numpy() == sex
    return frame.iloc[np.flatnonzero(keep)].sort_values("period_start")


def trend_vs_comparator(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Linear trend of the annual series over the window, area vs comparator, graded by
    :func:`rules.grade_trend`."""
    first, last = _period_key(spec.periods[0])[0], _period_key(spec.periods[-1])[1]
    sex = spec.sexes[0]
    frame = load_spec_frame(spec, area, comparator)
    area_name, comp_name = _names(frame, area, comparator)
    a = _series(frame, area, first, last, sex)
    c = _series(frame, comparator, first, last, sex)
    expected = last - first + 1
    if len(a) < 3 or len(c) < 3:
        raise NoDataError(f"fewer than 3 annual values {first}-{last} for {area} or {comparator}")
    mid = lambda f: (f["period_start"] + f["period_end"] + 1) / 2  # noqa: E731
    slope_a = linear_trend(mid(a), a["value"], "area slope")
    slope_c = linear_trend(mid(c), c["value"], "comparator slope")
    direction = spec.params["direction"]
    verdict = rules.grade_trend(slope_a.estimate, slope_a.lower, slope_a.upper, slope_c.estimate, direction)
    unit, _ = indicator_meta(spec.indicator)
    pp = "percentage points" if unit == "percent" else unit
    gaps = f" ({len(a)} of {expected} years present)" if len(a) < expected else ""
    evidence = (
        f"{area_name} {int(a['period_start'].iloc[0])} {fmt.number(a['value'].iloc[0], missing=NA)} -> "
        f"{int(a['period_end'].iloc[-1])} {fmt.number(a['value'].iloc[-1], missing=NA)}, linear trend "
        f"{fmt.number(slope_a.estimate, 2, signed=True, missing=NA)} {pp}/year ({_ci_text(slope_a.lower, slope_a.upper)}, "
        f"n={len(a)}{gaps}); {comp_name} {fmt.number(c['value'].iloc[0], missing=NA)} -> {fmt.number(c['value'].iloc[-1], missing=NA)}, trend "
        f"{fmt.number(slope_c.estimate, 2, signed=True, missing=NA)}/year ({_ci_text(slope_c.lower, slope_c.upper)}); "
        f"difference in slopes {fmt.number(slope_a.estimate - slope_c.estimate, 2, signed=True, missing=NA)}/year."
    )
    parts = pd.DataFrame(
        [
            {"role": "area", "code": area, **slope_a.as_dict(), "n": len(a),
             "first": a["value"].iloc[0], "last": a["value"].iloc[-1]},
            {"role": "comparator", "code": comparator, **slope_c.as_dict(), "n": len(c),
             "first": c["value"].iloc[0], "last": c["value"].iloc[-1]},
        ]
    )
    return ClaimResult(
        verdict, slope_a.estimate, slope_a.lower, slope_a.upper, f"{pp} per year (area linear trend)",
        evidence, data_used(spec, _vintage_of(frame, spec)), parts,
    )


# --- level_vs_comparator -------------------------------------------------------------------------


def cohort_size(area: str, how: str | None) -> tuple[float, str]:
    """Number of children in one year's cohort (approximation), and how it was obtained."""
    if how in (None, "none"):
        return math.nan, "no cohort size"
    if how != "population_0_17_div_18":
        raise ValueError(f"cohort_size {how!r} is not valid; use 'population_0_17_div_18' or 'none'.")
    return _cohort_from_population(area)


@wd.data_cache(maxsize=256)
def _cohort_from_population(area: str) -> tuple[float, str]:
    """:func:`cohort_size` from the population aged 0-17 (once per area and data version: two rules ask)."""
    pop = wd.load_population_by_age(areas=[area], sex="Persons")
    sel = pop[pop["area_code"] == area] if "aged_0_17" in pop.columns else pop.iloc[0:0]
    if sel.empty or sel["aged_0_17"].isna().all():
        return math.nan, f"no population aged 0-17 for {area}"
    row = sel.sort_values("year").iloc[-1]
    col, year_col = "aged_0_17", "year"
    n = float(row[col]) / 18
    when = f"mid-{int(row[year_col])} "
    return n, f"n ~ {fmt.number(n, 0)} ({when}population aged 0-17 / 18)"


def _sample_size(area: str, params: dict) -> tuple[float, str]:
    """(n, how it was obtained) for a survey/count claim: the assumed n, the cohort size, or NaN."""
    if params.get("assumed_sample_size"):
        n = float(params["assumed_sample_size"])
        return n, f"assumed n = {fmt.number(n, 0)}"
    return cohort_size(area, params.get("cohort_size"))


def level_vs_comparator(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Area level minus comparator level in one period, graded by :func:`rules.grade_level` or, for an
    'in line' claim with an ``equivalence_margin_pp``, by :func:`rules.grade_equivalence` (two one-sided
    tests; a stated ``minimum_n``)."""
    params = spec.params
    direction, test = params["direction"], params["test"]
    margin = params.get("equivalence_margin_pp")
    period, sex = spec.periods[-1], spec.sexes[0]
    frame = load_spec_frame(spec, area, comparator)
    area_name, comp_name = _names(frame, area, comparator)
    a, c = point(frame, area, period, sex), point(frame, comparator, period, sex)
    n, n_text = _sample_size(area, params)
    lower, upper, src = a.get("lower_ci", np.nan), a.get("upper_ci", np.nan), "CI from the data"
    lower90 = upper90 = math.nan
    if pd.notna(lower) and pd.notna(upper):
        half = (float(upper) - float(lower)) / 2 * Z90 / Z95
        lower90, upper90 = float(a.value) - half, float(a.value) + half
    else:
        src = f"approximate Wilson CI, {n_text}" if math.isfinite(n) else n_text
        lower, upper = rules.wilson_interval(float(a.value), n)
        lower90, upper90 = rules.wilson_interval(float(a.value), n, Z90)
    lower, upper = float(lower), float(upper)
    gap_narrowed, base_text = None, ""
    if spec.baseline_period:
        try:
            a0, c0 = point(frame, area, spec.baseline_period, sex), point(frame, comparator, spec.baseline_period, sex)
        except NoDataError:
            base_text = f" No baseline value for {spec.baseline_period}."
        else:
            s = rules.sign(direction)
            gap0, gap1 = float(a0.value - c0.value), float(a.value - c.value)
            gap_narrowed = s * gap1 > s * gap0
            base_text = (
                f" Gap in {spec.baseline_period}: {fmt.number(a0.value, missing=NA)} vs {fmt.number(c0.value, missing=NA)} "
                f"({fmt.number(gap0, signed=True, missing=NA)}), so the gap {'narrowed' if gap_narrowed else 'did not narrow'}."
            )
    diff = float(a.value - c.value)
    unit, _ = indicator_meta(spec.indicator)
    pp = "percentage points" if unit == "percent" else unit
    tost_text = ""
    if test == "in_line" and margin is not None:
        minimum = params.get("minimum_n")
        verdict = rules.grade_equivalence(
            float(a.value), float(c.value), direction, float(margin), lower90=lower90, upper90=upper90,
            lower95=lower, upper95=upper, n=n, minimum_n=minimum, gap_narrowed=gap_narrowed,
        )
        if verdict == rules.TOO_FEW:
            tost_text = (f" Too few to grade: {n_text}, below the rule's minimum of {minimum:,} "
                         f"(the interval is too wide for any verdict).")
        elif math.isfinite(lower90):
            inside = (lower90 - c.value) > -margin and (upper90 - c.value) < margin
            tost_text = (f" Equivalence test (two one-sided, 5% each): 90% CI of the difference "
                         f"{fmt.number(lower90 - c.value, signed=True, missing=NA)} to {fmt.number(upper90 - c.value, signed=True, missing=NA)} {pp}, "
                         f"{'inside' if inside else 'not inside'} the margin of +/-{margin:g}.")
        else:
            tost_text = " No interval, so equivalence cannot be shown (at most partly supported)."
    else:
        threshold = params.get("fallback_threshold_pp")
        verdict = rules.grade_level(
            float(a.value), lower, upper, float(c.value), direction, test,
            gap_narrowed=gap_narrowed, fallback_threshold=threshold,
        )
    evidence = (
        f"{period}: {area_name} {fmt.number(a.value, missing=NA)} ({_ci_text(lower, upper, 1, src, signed=False)}) vs {comp_name} "
        f"{fmt.number(c.value, missing=NA)}, difference {fmt.number(diff, signed=True, missing=NA)} {pp}.{base_text}{tost_text}"
    )
    parts = pd.DataFrame(
        [{"period": period, "area": float(a.value), "area_lower": lower, "area_upper": upper,
          "area_lower90": lower90, "area_upper90": upper90, "n": n,
          "comparator": float(c.value), "diff": diff, "ci_source": src, "gap_narrowed": gap_narrowed}]
    )
    return ClaimResult(
        verdict, diff, lower - float(c.value), upper - float(c.value), f"{pp} (area minus comparator)",
        evidence, data_used(spec, _vintage_of(frame, spec)), parts,
    )


# --- finance_change ------------------------------------------------------------------------------


def finance_changes(spec: Spec, area: str, comparator: str) -> tuple[finance.CashChange, finance.CashChange]:
    """The cash change of ``indicators[0]`` minus ``subtract_services`` over the spec's first and last financial
    years, area and comparator (:func:`wigan_deal.finance.cash_change`, the computation notebook 04 also uses)."""
    services = list(spec.indicators) + [s for s in spec.params.get("subtract_services", []) if s not in spec.indicators]
    main, minus = spec.indicators[0], [s for s in services if s != spec.indicators[0]]
    if comparator != config.ENGLAND and wd.load_finance(areas=[comparator], services=services).empty:
        raise NoDataError(f"no finance rows for comparator {comparator}")
    years = (spec.periods[0], spec.periods[-1])
    try:
        return finance.cash_change(area, main, years, minus), finance.cash_change(comparator, main, years, minus)
    except finance.FinanceDataError as exc:
        raise NoDataError(str(exc)) from None


def finance_change(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Cash change in net current expenditure (excluding ``subtract_services``) over the spec's first and last
    financial years, graded by :func:`rules.grade_finance`; 'supported' is not attainable."""
    a, c = finance_changes(spec, area, comparator)
    verdict = rules.grade_finance(a.change_gbp000)
    claimed = spec.params.get("claimed_amount_gbp000")
    share = spec.params.get("claimed_share")
    claim_text = f" The claim is savings of more than GBP {fmt.number(claimed / 1000, 0)}m" if claimed else ""
    if claimed and share:
        claim_text += f" (about {fmt.percent(100 * share, 0)} of the budget)"
    evidence = (
        f"Net current expenditure on {a.measure} (cash): {a.area_name} {fmt.money_m(a.start_gbp000)} ({a.years[0]}) -> "
        f"{fmt.money_m(a.end_gbp000)} ({a.years[1]}), change {fmt.money_m(a.change_gbp000, signed=True)} "
        f"({fmt.percent(a.change_pct, signed=True)}); {c.area_name} {fmt.percent(c.change_pct, signed=True)}."
        f"{claim_text + '.' if claim_text else ''} "
        "A cash fall is consistent with savings but does not measure savings against a counterfactual budget "
        "(no deflator in our data; schools/academy transfers are inside the total)."
    )
    return ClaimResult(
        verdict, a.change_gbp000 / 1000, math.nan, math.nan, "GBP m (cash change, area)", evidence,
        data_used(spec, spec.vintage), _finance_frame(a, c),
    )


def _finance_frame(*changes: finance.CashChange) -> pd.DataFrame:
    return pd.concat([c.frame() for c in changes], ignore_index=True)


# --- budget vs outturn and real-terms savings (wigan_deal.finance) ------------------------------------


def _band_position(variance_pct: float, noise: finance.BalanceNoise) -> str:
    if variance_pct > noise.band_pp:
        return "over budget beyond the balanced band"
    return "within the balanced band" if variance_pct >= -noise.band_pp else "under budget beyond the balanced band"


def budget_vs_outturn(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """RA budget vs RS outturn: the area's variance % in the first and last period, placed among all councils;
    graded by :func:`rules.grade_budget_balance`. The comparator is every council (the ``comparator`` argument is
    not used)."""
    try:
        res = finance.budget_vs_outturn(area, years=(spec.periods[0], spec.periods[-1]))
    except finance.FinanceDataError as exc:
        raise NoDataError(str(exc)) from None
    a, b = res.year(spec.periods[0]), res.year(spec.periods[-1])
    t = res.table
    years = "; ".join(f"{year} {fmt.percent(pct, signed=True)} (p{fmt.number(percentile, 0)})" for year, pct, percentile
                      in zip(t["financial_year"], t["variance_pct"], t["variance_percentile"], strict=True))
    evidence = f"{res.effect_summary()} Every year, variance and percentile: {years}."
    noise_rule = spec.params.get("balanced_band")
    if noise_rule is None:  # the rule of 2026-11-28: percentiles against the all-council median
        median = float(spec.params.get("median_percentile", 50))
        verdict = rules.grade_budget_balance(a["variance_pct"], a["variance_percentile"], b["variance_pct"],
                                             b["variance_percentile"], median)
    else:  # the noise-aware rule of 2026-12-06
        if noise_rule != "median_abs_variance" or spec.params.get("swing") != "median_abs_year_to_year_change":
            raise ValueError(f"asc_balance params balanced_band={noise_rule!r}, swing={spec.params.get('swing')!r} "
                             "are not valid; use 'median_abs_variance' and 'median_abs_year_to_year_change'.")
        noise = finance.balance_noise()
        verdict = rules.grade_budget_balance_noise(float(a["variance_pct"]), float(b["variance_pct"]),
                                                   noise.band_pp, noise.swing_pp)
        move = float(a["variance_pct"]) - float(b["variance_pct"])
        evidence += (
            f" {noise.text()}. {spec.periods[0]} {fmt.percent(a['variance_pct'], signed=True)} ({_band_position(a['variance_pct'], noise)});"
            f" {spec.periods[-1]} {fmt.percent(b['variance_pct'], signed=True)} ({_band_position(b['variance_pct'], noise)}); from "
            f"{spec.periods[0]} to {spec.periods[-1]} the variance changed by {fmt.number(-move, 1, signed=True)} points (a fall of at least "
            f"S = {fmt.number(noise.swing_pp, 1)} counts as a move from overspend). "
            f"{spec.params.get('bcf_note', '')}".rstrip()
        )
    return ClaimResult(verdict, float(b["variance_pct"]), math.nan, math.nan,
                       f"% of budget (outturn minus budget, {spec.periods[-1]})", evidence,
                       data_used(spec, spec.vintage), res.summary_table())


def real_terms_change(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Real-terms % change in net current expenditure excluding education and public health, graded by the
    area's percentile among all councils (:func:`rules.grade_real_terms_savings`)."""
    base = str(spec.params.get("deflator_base", config.DEFLATOR_BASE))
    try:
        res = finance.real_terms_savings(area, years=(spec.periods[0], spec.periods[-1]), base=base,
                                         excluded=tuple(spec.params.get("subtract_services",
                                                                        finance.SAVINGS_EXCLUDED)))
    except finance.FinanceDataError as exc:
        raise NoDataError(str(exc)) from None
    r = res.row
    exceptional = float(spec.params.get("exceptional_percentile", 25))
    if "reference_groups" not in spec.params:  # the rule of 2026-11-28: percentile among all councils
        verdict = rules.grade_real_terms_savings(float(r["real_change_pct"]), float(r["percentile"]), exceptional)
        return ClaimResult(verdict, float(r["real_change_pct"]), math.nan, math.nan,
                           f"% real-terms change ({base} prices)", res.effect_summary(),
                           data_used(spec, spec.vintage), res.summary_table())
    return _controlled_savings(spec, res, exceptional)


def _controlled_savings(spec: Spec, res: finance.SavingsResult, exceptional: float) -> ClaimResult:
    """The savings rule of 2026-12-06: what the council controls, against councils of its type and councils
    with a similar spending-power change; the other base year (2010/11) and the baseline check as evidence."""
    groups = list(spec.params["reference_groups"])
    valid = {"own_type", "spending_power_neighbours"}
    if not groups or set(groups) - valid:
        raise ValueError(f"savings params.reference_groups {groups!r} is not valid; use any of {sorted(valid)}.")
    k = int(spec.params.get("spending_power_neighbours", finance.CSP_NEIGHBOURS))
    r = res.row
    try:
        pct = {"own_type": float(r["percentile_in_class"]),
               "spending_power_neighbours": res.percentile_among_neighbours(k) if "spending_power_neighbours"
               in groups else math.nan}
    except finance.FinanceDataError as exc:
        raise NoDataError(str(exc)) from None
    verdict = rules.grade_controlled_savings(float(r["real_change_pct"]), [pct[g] for g in groups], exceptional)
    other = spec.params.get("other_base_year")
    other_text = ""
    if other:
        try:
            alt = finance.real_terms_savings(res.area_code, years=(other, res.years[1]), base=res.base,
                                             excluded=res.excluded).row
            other_text = (f" From {other} instead (not graded): {fmt.money_m(alt['real_change_gbp000'], signed=True, missing=NA)} "
                          f"({fmt.percent(alt['real_change_pct'], signed=True, missing=NA)}), percentile {fmt.number(alt['percentile'], 0)} of all "
                          f"councils, {fmt.number(alt['percentile_in_class'], 0)} among {res.class_name}. "
                          + finance.baseline_check_text(res.area_code, other))
        except finance.FinanceDataError as exc:
            other_text = f" No change from {other}: {exc}"
    meaning = {
        rules.PARTLY: "Among the largest-falls quarter of both groups: consistent with unusually large savings; "
                      "the claimed amount is not tested.",
        rules.NOT_SUPPORTED: "No real-terms fall, or among the smallest-falls quarter of both groups: the outturn "
                             "shows no sign of unusually large savings.",
        rules.NOT_TESTABLE: "Inconclusive: the fall is neither among the largest nor among the smallest quarter of "
                            "both groups, so it cannot be told apart from the squeeze every council faced.",
    }.get(verdict, "")
    evidence = (
        f"{res.effect_summary()} Among the {k} councils whose real-terms revenue spending power changed most like "
        f"{res.area_name}'s ({' -> '.join(finance.CSP_YEARS)}) it is at percentile "
        f"{fmt.number(pct['spending_power_neighbours'], 0, missing=NA)}. {meaning}{other_text}"
    )
    return ClaimResult(verdict, float(r["real_change_pct"]), math.nan, math.nan,
                       f"% real-terms change ({res.base} prices), {res.measure}", evidence,
                       data_used(spec, spec.vintage), res.summary_table())


# --- contexts of not-testable claims -------------------------------------------------------------


def finance_context(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Context: % change of a finance line, area minus comparator (percentage points)."""
    a, c = finance_changes(spec, area, comparator)
    evidence = (
        f"Context (not graded): net current expenditure on {a.measure} {a.area_name} GBP {fmt.number(a.start_gbp000, 0)}k "
        f"({a.years[0]}) -> GBP {fmt.number(a.end_gbp000, 0)}k ({a.years[1]}), {fmt.percent(a.change_pct, signed=True)} "
        f"in cash vs {c.area_name} {fmt.percent(c.change_pct, signed=True)}."
    )
    return ClaimResult(
        NOT_TESTABLE, a.change_pct - c.change_pct, math.nan, math.nan,
        "percentage points (area % change minus comparator % change)", evidence,
        data_used(spec, spec.vintage), _finance_frame(a, c),
    )


def gap_context(spec: Spec, area: str, comparator: str) -> ClaimResult:
    """Context: change in the comparator-minus-area gap between two periods (positive = widening
    for a higher-is-better indicator), per sex and averaged."""
    frame = load_spec_frame(spec, area, comparator)
    area_name, comp_name = _names(frame, area, comparator)
    base, end = spec.periods
    rows, texts = [], []
    for sex in spec.sexes:
        g0 = point(frame, comparator, base, sex).value - point(frame, area, base, sex).value
        g1 = point(frame, comparator, end, sex).value - point(frame, area, end, sex).value
        rows.append({"sex": sex, "gap_base": g0, "gap_end": g1, "gap_change": g1 - g0})
        texts.append(f"{sex} gap {fmt.number(g0, 2, missing=NA)} -> {fmt.number(g1, 2, missing=NA)} ({fmt.number(g1 - g0, 2, signed=True, missing=NA)})")
    parts = pd.DataFrame(rows)
    unit, _ = indicator_meta(spec.indicator)
    evidence = (
        f"Context (proxy, not graded): {spec.indicator} gap {comp_name} minus {area_name}, {base} -> {end}: "
        + "; ".join(texts) + "."
    )
    return ClaimResult(
        NOT_TESTABLE, float(parts["gap_change"].mean()), math.nan, math.nan,
        f"{unit} (change in gap; positive = widening{_sexes_text(parts)})", evidence,
        data_used(spec, _vintage_of(frame, spec)), parts,
    )


_CONTEXTS: dict[str, Callable[[Spec, str, str], ClaimResult]] = {
    "finance_change": finance_context,
    "gap_change": gap_context,
}


def not_testable(claim: Claim, area: str, comparator: str) -> ClaimResult:
    """Verdict 'not testable with these data' always; a context estimate if the claim defines one."""
    base = f"Not testable: {claim.reason.strip()} Data needed: {claim.data_needed.strip()}"
    spec = claim.context_spec()
    if spec is None:
        return ClaimResult(NOT_TESTABLE, evidence=base)
    try:
        ctx = _CONTEXTS[claim.context["kind"]](spec, area, comparator)
    except NoDataError as exc:
        return ClaimResult(NOT_TESTABLE, evidence=f"{base} Context unavailable: {exc}.", data_used=data_used(spec))
    ctx.evidence = f"{base} {ctx.evidence}"
    return ctx


EVALUATORS: dict[str, Callable[[Spec, str, str], ClaimResult]] = {
    "change_vs_comparator": change_vs_comparator,
    "trend_vs_comparator": trend_vs_comparator,
    "level_vs_comparator": level_vs_comparator,
    "finance_change": finance_change,
    "budget_vs_outturn": budget_vs_outturn,
    "real_terms_change": real_terms_change,
}


def evaluate_spec(claim: Claim, spec: Spec, area: str, comparator: str = config.ENGLAND) -> ClaimResult:
    """Apply ``claim``'s method to ``spec``; missing data -> 'not testable with these data'."""
    try:
        return EVALUATORS[claim.method](spec, area, comparator)
    except NoDataError as exc:
        why = _no_data_reason(claim, spec, area, comparator)
        return ClaimResult(
            NOT_TESTABLE,
            evidence=f"Not testable for this area: {exc} ({data_used(spec)})."
            + (f" {wd.NO_DATA[0].upper()}{wd.NO_DATA[1:]}: {why}." if why else ""),
            data_used=data_used(spec),
        )


def _no_data_reason(claim: Claim, spec: Spec, area: str, comparator: str) -> str | None:
    """Why ``area`` (or the comparator) has no data for ``spec`` (see :func:`wigan_deal.data.no_data_reason`)."""
    try:
        if claim.method == "finance_change":
            return next(filter(None, (wd.no_finance_reason(code, s) for s in spec.indicators
                                      for code in (area, comparator) if code != config.ENGLAND)), None)
        for code in (area, comparator):
            for sex in spec.sexes:
                why = wd.no_data_reason(spec.indicator, code, vintage=spec.vintage, sex=sex)
                if why:
                    return why
    except (LookupError, ValueError):  # an unknown vintage/indicator: the NoDataError text says enough
        return None
    return None
