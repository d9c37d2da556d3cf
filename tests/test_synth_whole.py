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
    # interpolation flag (data/synth_headline.yml): pre-RMSPE < 0.05 x spread with more donors than
    # pre-periods; ONS similar areas (12 donors, 10 pre-periods, 0.04 x spread) is flagged too
    warned = t["note"].str.startswith("WARNING")
    assert (warned == t["interpolates"]).all()
    assert list(warned) == [True, True, True, False]
    assert t.loc["ONS similar areas", "pre-RMSPE / spread"] == pytest.approx(0.0376, abs=0.0005)
    # the headline by the pre-specified rule: the first non-interpolating, adequately fitting pool
    assert list(t.index[t["headline"]]) == ["deprivation-matched (IoD2019)"]
    assert t.loc["deprivation-matched (IoD2019)", "mean post gap"] == pytest.approx(1.57, abs=0.01)
    text = synth_whole.effect_summary(table, "per 100,000")
    assert text.startswith("Wigan minus its synthetic control (pool deprivation-matched (IoD2019)")
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


# --- the pre-specified headline rule (data/synth_headline.yml), on made-up pool tables ---------

def _pools_table(rows):
    cols = ["donor pool", "donors", "non-zero weights", "pre-periods", "pre-RMSPE", "spread"]
    import pandas as pd

    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


def test_headline_rule_file_is_valid_and_records_what_was_seen():
    import yaml

    rule = synth_whole.load_headline_rule()
    assert rule.order[0] == "ONS similar areas" and set(rule.order) == set(synth_whole.POOLS)
    assert 0 < rule.near_zero_ratio < rule.max_fit_ratio == synth.HULL_WARNING_RATIO
    doc = yaml.safe_load(config.SYNTH_HEADLINE_FILE.read_text())
    seen = doc["written_after_seeing"][0]
    assert seen["commit"] == "8d06748" and "-2.59" in seen["seen"] and "+1.18" in seen["seen"]


def test_interpolating_pool_is_never_the_headline_even_if_first_in_order():
    rule = synth_whole.HeadlineRule(order=("all councils", "ONS similar areas"), near_zero_ratio=0.05,
                                    max_fit_ratio=0.25, date="")
    t = synth_whole.mark_headline(_pools_table([
        ("all councils", 140, 9, 8, 1e-12, 10.0),     # exact fit with 140 donors: interpolates
        ("ONS similar areas", 15, 4, 8, 1.5, 10.0),   # 0.15 x spread: adequate
    ]), rule)
    assert list(t["interpolates"]) == [True, False]
    assert list(t["headline"]) == [False, True]
    # more donors with positive weight than pre-periods and a near-zero error: flagged even in a small pool
    assert synth_whole.interpolates(8, 9, 8, 0.1, 10.0, rule)
    # a near-exact fit from a pool no larger than the pre-periods is not interpolation
    assert not synth_whole.interpolates(6, 3, 8, 0.1, 10.0, rule)


def test_headline_is_first_adequate_pool_in_order_and_none_when_none_fits():
    rule = synth_whole.HeadlineRule(order=("ONS similar areas", "deprivation-matched (IoD2019)"),
                                    near_zero_ratio=0.05, max_fit_ratio=0.25, date="")
    poor_first = _pools_table([
        ("ONS similar areas", 15, 3, 8, 3.0, 10.0),              # 0.30 x spread: poor fit
        ("deprivation-matched (IoD2019)", 15, 5, 8, 2.0, 10.0),  # 0.20 x spread: adequate
    ])
    t = synth_whole.mark_headline(poor_first, rule)
    assert list(t["adequate fit"]) == [False, True] and list(t["headline"]) == [False, True]
    assert synth_whole.headline_row(t)["donor pool"] == "deprivation-matched (IoD2019)"
    none = synth_whole.mark_headline(_pools_table([
        ("ONS similar areas", 15, 3, 8, 3.0, 10.0),
        ("deprivation-matched (IoD2019)", 15, 5, 8, np.nan, np.nan),  # not fitted
    ]), rule)
    assert not none["headline"].any() and synth_whole.headline_row(none) is None


def test_headline_rule_file_errors_name_the_bad_value(tmp_path):
    bad = tmp_path / "rule.yml"
    bad.write_text("rule:\n  order: [ONS similar areas, nearest]\n  near_zero_ratio: 0.05\n  max_fit_ratio: 0.25\n")
    with pytest.raises(ValueError, match="unknown: \\['nearest'\\]"):
        synth_whole.load_headline_rule(bad)
    bad.write_text("rule:\n  order: [ONS similar areas]\n  near_zero_ratio: 0.3\n  max_fit_ratio: 0.25\n")
    with pytest.raises(ValueError, match="near_zero_ratio"):
        synth_whole.load_headline_rule(bad)


def test_outcome_spread_is_mean_between_council_sd_of_pre_periods():
    import pandas as pd

    rows = [(c, s, s + 2, v) for s, vals in ((2001, (1, 3, 100)), (2004, (2, 6, 100)), (2010, (0, 50, 100)))
            for c, v in zip(("E1", "E2", "E92000001"), vals, strict=True)]
    frame = pd.DataFrame(rows, columns=["area_code", "period_start", "period_end", "value"])
    # England (an aggregate) is left out; 2010-12 is post under a 2010 break with post rule 'start'
    assert synth_whole.outcome_spread(frame, "E1", 2010, "start") == pytest.approx((1.0 + 2.0) / 2)
