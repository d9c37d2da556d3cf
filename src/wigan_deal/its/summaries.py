"""Plain-English interpretation of ITS results: each result object's ``effect_summary()``.

Every function returns ``(table, text)``: a small DataFrame of the numbers the text quotes, and the
text itself, so notebooks show results without building sentences in f-strings.
"""

from __future__ import annotations

import pandas as pd

from wigan_deal import fmt


def _reading(e, noun: str, better_higher: bool | None) -> str:
    if not e.excludes_zero:
        return f"the 95% CI includes zero, so the data are consistent with no {noun}"
    if better_higher is None:
        return "the 95% CI excludes zero"
    good = (e.estimate > 0) == better_higher
    return (f"the 95% CI excludes zero ({'an improvement' if good else 'a deterioration'} relative "
            "to the pre-trend)")


def its_summary(result, unit: str = "", higher_is_better: bool | None = None) -> tuple[pd.DataFrame, str]:
    """:class:`ITSResult`: level and slope change against the projected pre-trend."""
    lc, sc, s = result.level_change, result.slope_change, result.series
    u = f" {unit}" if unit else ""
    text = (
        f"Against the trend projected from {s.n_pre} pre-break periods the level changed by "
        f"{fmt.number(lc.estimate, 2, signed=True)}{u} (95% CI {fmt.number(lc.lower, 2, signed=True)} to {fmt.number(lc.upper, 2, signed=True)}) at the first post period "
        f"({s.period[s.n_pre]}): {_reading(lc, 'level change', higher_is_better)}. The slope changed by "
        f"{fmt.number(sc.estimate, 3, signed=True)}{u} per year (95% CI {fmt.number(sc.lower, 3, signed=True)} to {fmt.number(sc.upper, 3, signed=True)}): "
        f"{_reading(sc, 'slope change', higher_is_better)}. Method: {result.method}; conventions: "
        f"{result.conventions()}. These intervals are not the primary analysis (docs/inference.md)."
    )
    return result.to_frame().iloc[:2], text


def comparative_summary(result, unit: str = "") -> tuple[pd.DataFrame, str]:
    """:class:`ComparativeITSResult`: difference in level and slope change, parallel-trends check."""
    d, s, p = result.difference_in_level, result.difference_in_slope, result.pre_slope_difference
    u = f" {unit}" if unit else ""
    text = (
        f"Relative to the control, the level change differed by {fmt.number(d.estimate, 2, signed=True)}{u} (95% CI "
        f"{fmt.number(d.lower, 2, signed=True)} to {fmt.number(d.upper, 2, signed=True)}) and the slope change by {fmt.number(s.estimate, 3, signed=True)}{u} per year "
        f"({fmt.number(s.lower, 3, signed=True)} to {fmt.number(s.upper, 3, signed=True)}). Pre-period slope difference {fmt.number(p.estimate, 3, signed=True)} "
        f"({fmt.number(p.lower, 3, signed=True)} to {fmt.number(p.upper, 3, signed=True)}): "
        + ("the pre-trends differ, so the control may not be comparable."
           if p.excludes_zero else "no evidence that the pre-trends differ.")
    )
    return result.to_frame(), text


def count_summary(result) -> tuple[pd.DataFrame, str]:
    """:class:`CountITSResult`: rate ratio of the step (and of the slope, if fitted)."""
    rr = result.rate_ratio
    text = (f"The rate changed by a factor {fmt.number(rr.estimate, 3)} at the intervention (95% CI {fmt.number(rr.lower, 3)} "
            f"to {fmt.number(rr.upper, 3)}, {result.family})")
    if result.slope_ratio is not None:
        sr = result.slope_ratio
        text += f"; the trend by a factor {fmt.number(sr.estimate, 4)} per time unit ({fmt.number(sr.lower, 4)} to {fmt.number(sr.upper, 4)})"
    return result.to_frame(), text + "."


def space_summary(result) -> tuple[pd.DataFrame, str]:
    """:class:`PlaceboInSpaceResult`: rank of the treated area and permutation p."""
    stat = result.statistic.replace("_", " ")
    text = (
        f"The area's {stat} ranks {result.rank} of {result.n_areas} councils (1 = largest "
        f"improvement; {fmt.p_text(result.p_two_sided, 'two-sided permutation p')}). "
        + ("Enough councils show departures at least as large without the Deal that the area's is "
           "not unusual." if result.p_two_sided > 0.05 else
           "Few councils show one as large: the area's is unusual (necessary, not sufficient, for "
           "attributing it to the Deal).")
    )
    return result.to_frame(), text


def _significant(table: pd.DataFrame) -> pd.DataFrame:
    ok = table[table["note"].fillna("") == ""]
    return ok[(ok["level_lower"] > 0) | (ok["level_upper"] < 0) | (ok["slope_lower"] > 0)
              | (ok["slope_upper"] < 0)]


def placebo_in_time_summary(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """:func:`placebo_in_time` table: how many fake breaks 'find' an effect."""
    ok = table[table["note"].fillna("") == ""]
    sig = _significant(table)
    text = (f"{len(sig)} of {len(ok)} fake breaks ({', '.join(map(str, ok['fake_break']))}) show a level "
            "or slope change whose 95% CI excludes zero. "
            + ("Because 'effects' appear where there was no intervention, these CIs are too narrow for "
               "this series (the coverage study, docs/inference.md, shows why)." if len(sig)
               else "The model does not find spurious breaks in the pre-period."))
    return ok, text


def break_year_summary(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """:func:`break_year_sensitivity` table: sign pattern and which break years exclude zero."""
    fitted = table[table["note"].fillna("") == ""]
    signs = "".join("+" if v > 0 else "-" for v in fitted["level_change"])
    excl = fitted[(fitted["level_lower"] > 0) | (fitted["level_upper"] < 0)]["break_year"].tolist()
    text = (f"Signs of the level change for break years {fitted['break_year'].min()}-"
            f"{fitted['break_year'].max()}: `{signs}`; CI excludes zero for break year(s): "
            f"{excl or 'none'}. "
            + ("A result that holds for at most one break year is weak evidence." if len(excl) <= 1
               else "Check whether the sign is stable across the break years that give a significant result."))
    return fitted, text


__all__ = ["break_year_summary", "comparative_summary", "count_summary", "its_summary",
           "placebo_in_time_summary", "space_summary"]
