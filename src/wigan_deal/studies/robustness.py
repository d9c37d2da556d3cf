"""Robustness (notebook 05): which outcome the checks use for an area, and the regression-to-the-mean check."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wigan_deal.periods import is_post
from wigan_deal.studies.notes import complete_note, note_markdown


def baseline_vs_change(space_table: pd.DataFrame, panel_frame: pd.DataFrame, break_year: int, post_rule: str,
                       statistic: str = "level_change") -> tuple[pd.DataFrame, float]:
    """Regression-to-the-mean check: each area's pre-break mean against its ITS ``statistic`` from a
    placebo-in-space table; returns (frame, Pearson correlation). A strong negative correlation for a
    'lower is better' outcome means high-baseline areas improved most, whatever they did."""
    pre = panel_frame[~is_post(panel_frame["period_start"], panel_frame["period_end"], break_year, post_rule)]
    base = pre.groupby("area_code")["value"].mean().rename("baseline_mean")
    out = space_table[["area_code", statistic, "is_treated"]].merge(base, left_on="area_code", right_index=True)
    return out, float(out["baseline_mean"].corr(out[statistic]))



def robustness_outcome(area_code: str, sex: str) -> dict[str, Any]:
    """The outcome notebook 05 tests: under-75 preventable cancer mortality if the area has a complete
    series, else life expectancy at birth (``sex``, vintage 2019-12), else none.

    Keys: indicator, sex, vintage, unit, text, note (markdown saying why the first choice was not used,
    or '' ), usable (False when no outcome has a complete series: every check is skipped).
    """
    cancer = "u75_prev_cancer_mortality"
    cancer_note = complete_note(cancer, area_code, "Persons")
    if not cancer_note:
        return {"indicator": cancer, "sex": "Persons", "vintage": None, "unit": "per 100,000",
                "text": "under-75 preventable cancer mortality", "note": "", "usable": True}
    le_note = complete_note("le_birth", area_code, sex, "2019-12")
    text = f"{sex.lower()} life expectancy at birth"
    out = {"indicator": "le_birth", "sex": sex, "vintage": "2019-12", "unit": "years", "text": text,
           "usable": not le_note}
    if le_note:
        out["note"] = (note_markdown(cancer_note, "under-75 preventable cancer mortality is not used") + " "
                       + note_markdown(le_note, "every check below is skipped"))
    else:
        out["note"] = note_markdown(cancer_note, f"the checks below use {text} instead")
    return out

