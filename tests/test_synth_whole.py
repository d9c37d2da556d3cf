"""Synthetic control reported whole, on Wigan's real cancer-mortality panel."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from wigan_deal import config, synth, synth_whole
from wigan_deal import data as wd


@pytest.fixture(scope="module")
def pools():
    return synth_whole.synth_pools(config.WIGAN, "u75_prev_cancer_mortality", "Persons")


def test_every_pool_side_by_side(pools):
    table, fits = pools
    assert list(table["donor pool"]) == list(synth_whole.POOLS)
    t = table.set_index("donor pool")
    # the answer depends on the pool: similar areas favour Wigan, the non-GM pool does not
    assert t.loc["ONS similar areas", "mean post gap"] < 0 < t.loc["all non-GM councils", "mean post gap"]
    assert t.loc["all non-GM councils", "mean post gap"] == pytest.approx(1.18, abs=0.01)
    # over-fit warning exactly where donors > pre-periods and the pre-fit is near-exact
    warned = t["note"].str.startswith("WARNING")
    assert warned["all councils"] and warned["all non-GM councils"] and not warned["ONS similar areas"]
    text = synth_whole.effect_summary(table, "per 100,000")
    assert "no 95% conformal interval is bounded" in text


def test_leave_one_out_refits_without_each_weighted_donor(pools):
    _, fits = pools
    fit, _, loo, _ = fits["ONS similar areas"]
    assert set(loo["dropped donor"]) == set(fit.top_weights(None).index)
    code = loo["dropped donor"].iloc[0]
    f = wd.load_indicator("u75_prev_cancer_mortality", sex="Persons")
    panel = f[f.area_code.isin(set(fit.donors) | {config.WIGAN})]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", synth.SynthWarning)
        ref = synth.fit_synth(panel, config.WIGAN, 2011, donors=[c for c in fit.donors if c != code])
    assert loo["mean post gap"].iloc[0] == pytest.approx(ref.mean_post_gap)


def test_conformal_min_p_is_one_over_t(pools):
    _, fits = pools
    conf = fits["ONS similar areas"][3]
    assert conf["T"] == 15 and conf["min_p"] == pytest.approx(1 / 15)
    assert conf["min_p"] <= conf["p_value"] <= 1 and np.isclose(conf["p_value"] * 15, round(conf["p_value"] * 15))
