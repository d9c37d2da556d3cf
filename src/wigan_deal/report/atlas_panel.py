"""The atlas histograms' values for EVERY English upper-tier council, whatever councils a run renders.

A subset atlas (``--areas``) must draw the same distributions as the all-council one, so each figure's
value is computed here for the full panel, once per atlas page, by the definitions the notebooks record
(checked against the notebooks' own functions in ``tests/test_atlas_panel.py``):

* ``hle_diff_male``: male HLE change over the report's window (2009-11 to 2015-17, default vintage) minus
  England's (notebook 02's ``hle_change_diff_male``);
* ``hle_rtm_residual``: male HLE change adjusted for regression to the mean, fitted on every council with
  HLE (:func:`wigan_deal.hle_ci.rtm_adjusted`, all councils at once);
* ``its_cancer_level``: the own-break segmented ITS level change of under-75 preventable cancer mortality
  at the default break year and post rule (notebook 03's ``its_cancer_level_change``);
* ``asc_change_pct``: net adult social care spend change from the council's first to its last outturn
  year (notebook 04's ``asc_change_pct``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from wigan_deal import config
from wigan_deal import data as wd

CANCER = "u75_prev_cancer_mortality"


def council_codes() -> list[str]:
    """Every English upper-tier council of the extracts (the atlas's full panel)."""
    table = wd.areas("upper_tier")
    return sorted(c for c in table["area_code"] if c != config.ENGLAND)


def hle_diff(sex: str = "Male", vintage: str = config.DEFAULT_VINTAGE) -> pd.Series:
    """Each council's HLE change over the report window (2009-11 to 2015-17, :data:`wigan_deal.hle_ci.START`
    and ``END``) minus England's (years), by area code; empty if the vintage lacks either period."""
    from wigan_deal import hle_ci

    wide = hle_ci.wide(sex, vintage)
    if hle_ci.START not in wide or hle_ci.END not in wide or config.ENGLAND not in wide.index:
        return pd.Series(dtype=float)
    change = (wide[hle_ci.END] - wide[hle_ci.START]).dropna()
    diff = change.drop(config.ENGLAND, errors="ignore") - change.get(config.ENGLAND, np.nan)
    return diff.reindex([c for c in council_codes() if c in diff.index])


def hle_rtm(sex: str = "Male", vintage: str = config.REPORT_VINTAGE) -> pd.Series:
    """Each council's HLE change adjusted for regression to the mean (the residual of
    :func:`wigan_deal.hle_ci.rtm_adjusted`, fitted once on every council with HLE)."""
    from wigan_deal import hle_ci

    c = hle_ci.councils(hle_ci.wide(sex, vintage))[[hle_ci.START, hle_ci.END]].dropna()
    change = c[hle_ci.END] - c[hle_ci.START]
    slope, intercept = np.polyfit(c[hle_ci.START], change, 1)
    return change - (intercept + slope * c[hle_ci.START])


def its_cancer_level(break_year: int = config.DEFAULT_BREAK_YEAR,
                     post_rule: str = config.DEFAULT_POST_RULE) -> pd.Series:
    """Each council's own-break segmented ITS level change of u75 preventable cancer mortality."""
    from wigan_deal import its

    f = wd.load_indicator(CANCER, sex="Persons")
    codes = set(council_codes())
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for code, series in f.groupby("area_code", sort=True):
            if code not in codes:
                continue
            try:
                fit = its.fit_its(series.reset_index(drop=True), break_year, post_rule=post_rule)
            except (ValueError, np.linalg.LinAlgError):  # too short a series for this break: no value
                continue
            out[code] = float(fit.level_change.estimate)
    return pd.Series(out, dtype=float)


def asc_change_pct() -> pd.Series:
    """Each council's net adult social care spend change (%), its first to its last outturn year (cash)."""
    fin = wd.load_finance(services=["adult_social_care"]).dropna(subset=["value_gbp000"])
    by_year = fin.groupby(["area_code", "period_start"])["value_gbp000"].sum().sort_index()
    first = by_year.groupby(level="area_code").first()
    last = by_year.groupby(level="area_code").last()
    pct = 100 * (last - first) / first
    return pct.reindex([c for c in council_codes() if c in pct.index])


def distributions() -> dict[str, pd.Series]:
    """Every atlas figure's values over the full panel, keyed like :data:`wigan_deal.report.atlas.FIGURES`: the
    same for every atlas page, so computed once per version of the code it runs and the data (:mod:`wigan_deal.result_cache`;
    ~2 CPU-s, mostly the 150 councils' ITS fits)."""
    from wigan_deal import result_cache

    return {k: v.copy() for k, v in result_cache.cached("atlas_distributions", compute_distributions,
                                                        modules=(__name__,)).items()}


def compute_distributions() -> dict[str, pd.Series]:
    """:func:`distributions`, computed afresh."""
    return {"hle_diff_male": hle_diff(), "hle_rtm_residual": hle_rtm(), "its_cancer_level": its_cancer_level(),
            "asc_change_pct": asc_change_pct()}
