"""The pre-specified primary analysis (data/analysis_plan.yml) on Wigan's real data."""

from __future__ import annotations

import numpy as np
import pytest

from wigan_deal import config, inference
from wigan_deal.its import placebo_in_space


def test_plan_names_one_primary_spec_per_outcome():
    plan = inference.analysis_plan()
    assert plan["date"] == "2026-11-28"
    for name in ("u75_prev_cancer_mortality", "le_birth", "hle_birth"):
        spec = inference.primary_spec(name)
        assert {"inference", "comparator", "break_year", "reason"} <= set(spec)
    assert inference.primary_spec("le_birth")["inference"] == inference.primary_method()[0]
    with pytest.raises(KeyError, match="no primary specification"):
        inference.primary_spec("smoking_prevalence")


def test_reference_pool_excludes_other_gm_boroughs():
    panel = inference.reference_panel("u75_prev_cancer_mortality", "Persons", None, config.WIGAN)
    codes = set(panel.area_code)
    assert config.WIGAN in codes and not (codes & (set(config.GREATER_MANCHESTER) - {config.WIGAN}))
    assert config.ENGLAND not in codes


def test_wigan_primary_cancer_result():
    r = inference.primary_its(config.WIGAN, "u75_prev_cancer_mortality", "Persons")
    # point estimate equals the single-series OLS fit; the interval is the permutation one
    assert r.level["estimate"] == pytest.approx(-3.53, abs=0.01)
    assert r.level["lower"] == pytest.approx(-9.62, abs=0.01)
    assert r.level["upper"] == pytest.approx(2.57, abs=0.01)
    assert r.level["n_controls"] == 113
    table, text = r.effect_summary("per 100,000")
    assert text.startswith("PRIMARY") and "includes zero" in text
    assert list(table.quantity) == ["level_change", "slope_change"]
    # q is the 95% order statistic of the controls' |t|
    res = placebo_in_space(inference.reference_panel("u75_prev_cancer_mortality", "Persons", None,
                                                     config.WIGAN),
                           config.WIGAN, 2011, higher_is_better=False, hac_lags=2)
    ctrl = np.sort(np.abs(res.table.loc[~res.table.is_treated, "level_t"]))
    assert r.level["q"] == pytest.approx(ctrl[int(np.ceil(0.95 * 114)) - 1])


def test_placebo_in_time_no_longer_flags_most_pre_period_breaks():
    pit = inference.primary_placebo_in_time(config.WIGAN, "u75_prev_cancer_mortality", "Persons")
    assert list(pit.fake_break) == [2004, 2005, 2006, 2007, 2008]
    assert int(pit.level_excludes_zero.sum()) == 1  # was 5 of 5 with Newey-West(2)
    assert int(pit.slope_excludes_zero.sum()) == 0
