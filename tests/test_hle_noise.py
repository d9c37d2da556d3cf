"""HLE noise model, regression to the mean and MDE on the real extracts."""

from __future__ import annotations

import numpy as np
import pytest

from wigan_deal import config, hle_noise
from wigan_deal import data as wd


def test_noise_model_from_non_overlapping_changes():
    nm = hle_noise.noise_model("Female")
    f = wd.load_indicator("hle_birth", sex="Female", vintage="2019-05")
    w = f.pivot(index="area_code", columns="period", values="value")
    eng = w.loc[config.ENGLAND]
    c = w[~w.index.astype(str).str.startswith(config.AGGREGATE_PREFIXES)].dropna()
    d1 = c["2012-14"] - c["2009-11"] - (eng["2012-14"] - eng["2009-11"])
    d2 = c["2015-17"] - c["2012-14"] - (eng["2015-17"] - eng["2012-14"])
    assert nm["sigma_cov"] == pytest.approx(np.sqrt(-np.cov(d1, d2)[0, 1]))
    assert nm["sigma_assumed"] == pytest.approx(1.5 / 1.959964, rel=1e-5)
    # the data imply more noise than the register assumes, and the bound is above the estimate
    assert nm["sigma_assumed"] < nm["sigma_cov"] < nm["sigma_upper"]
    assert nm["councils"] == 150


def test_verdict_sensitivity_for_wigan():
    s = hle_noise.sensitivity().set_index(["sex", "noise model"])
    fem = s.loc["Female"]
    assert fem.loc["sigma_assumed", "excludes zero"]          # the register's assumption
    assert not fem.loc["sigma_cov", "excludes zero"]          # the empirical noise model
    assert fem.loc["sigma_cov", "difference vs England"] == pytest.approx(2.8, abs=0.05)
    assert not s.loc["Male"]["excludes zero"].any()


def test_regression_to_the_mean_adjustment():
    r = hle_noise.rtm_adjusted().set_index("sex")
    assert (r["slope on baseline"] < 0).all()  # worse starts improve more
    assert r.loc["Female", "adjusted change"] < r.loc["Female", "change"]
    assert r.loc["Female", "rank raw"] <= r.loc["Female", "rank adjusted"]
    text = hle_noise.summary().effect_summary()[1]
    assert "regression to the mean" in text and "of 150 councils" in text


def test_minimal_detectable_effects():
    m = hle_noise.minimal_detectable_effects()
    hle = m[m.outcome.str.startswith("HLE at birth (Male)")].set_index("basis")
    assert hle.loc["sigma_assumed", "mde80"] == pytest.approx(2.8016 * 1.5 / 1.959964 * np.sqrt(2), rel=1e-3)
    its = m[m.outcome.str.startswith("u75_cancer_start")]
    assert len(its) == 2 and (its.mde80 > 0).all()
    # the primary comparative quantity's MDE comes from the real-panel study (2.80 x cross-council SD)
    comp = m[m.basis == "primary comparative (real-panel study)"].set_index("outcome")
    assert len(comp) == 12  # 5 ITS outcomes x level/slope + 2 HLE before/after changes
    le = comp.loc["le_male: area minus the non-GM council average, slope change"]
    assert le.unit == "years per year" and 0 < le.mde80 < 1


def test_one_change_function_everywhere():
    """The assumed-width interval is the same in hle_noise.sensitivity and hle.change_table (notebook 02
    used to show 0.66-4.94 beside 0.68-4.92): both call hle_ci.change_with_ci with England's +/-0.2."""
    from wigan_deal.studies import hle

    s = hle_noise.sensitivity().set_index(["sex", "noise model"]).loc[("Female", "sigma_assumed")]
    t = hle.hle_change_table(config.WIGAN, [], "2019-05")
    row = t[(t["role"] == "area") & (t["sex"] == "Female")].iloc[0]
    assert (s["lower"], s["upper"]) == pytest.approx((row["diff_lower"], row["diff_upper"]), abs=1e-12)
    assert (s["lower"], s["upper"]) == pytest.approx((0.6599, 4.9401), abs=1e-4)
    assert hle.hle_ci_assumption() == (config.HLE_ASSUMED_CI_HALFWIDTH, config.HLE_ENGLAND_CI_HALFWIDTH)


def test_per_council_model_beside_the_pooled_ones():
    s = hle_noise.sensitivity().set_index(["sex", "noise model"])
    fem = s.loc["Female"]
    # Wigan female: half-width 1.7 (publisher's flags' upper bound) -> CI +0.38 to +5.22, excludes zero
    assert fem.loc["per_council", "sigma"] * hle_noise.Z975 == pytest.approx(1.7)
    assert (fem.loc["per_council", "lower"], fem.loc["per_council", "upper"]) == pytest.approx((0.379, 5.221),
                                                                                                abs=1e-3)
    assert fem.loc["per_council", "excludes zero"] and not s.loc[("Male", "per_council"), "excludes zero"]
