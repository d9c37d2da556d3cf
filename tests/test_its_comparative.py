"""Comparative ITS: difference and pooled models, control averaging, parallel-trends check."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from its_sim import rolling_series
from wigan_deal.its import ComparativeITSResult, fit_comparative_its


def panel(seed=0, treated_level=-4.0, treated_slope=-0.8, control_slope_shift=0.0):
    rng = np.random.default_rng(seed)
    frames = []
    for i, code in enumerate(["T", "C1", "C2", "C3"]):
        f = rolling_series(seed=seed + i, level=0.0, slope=0.0, area_code=code)
        t = f.time - 2012.5
        post = f.period_start >= 2011
        f["value"] = f["value"] + rng.normal(0, 0.2)  # area-specific offset
        if code == "T":
            f["value"] += 10 + np.where(post, treated_level + treated_slope * t, 0)
        else:
            f["value"] += control_slope_shift * t
        frames.append(f)
    p = pd.concat(frames, ignore_index=True)
    return p[p.area_code == "T"], p[p.area_code != "T"]


def test_difference_model_equals_its_on_the_gap():
    treated, controls = panel(seed=1)
    r = fit_comparative_its(treated, controls, 2011, model="difference")
    assert isinstance(r, ComparativeITSResult)
    assert r.difference_in_level.lower < -4 < r.difference_in_level.upper
    assert r.difference_in_slope.estimate == pytest.approx(-0.8, abs=0.6)
    assert "unweighted mean of 3 areas" in r.notes[0]
    ctrl_mean = controls.groupby("period_start")["value"].mean().to_numpy()
    assert np.allclose(r.series.control, ctrl_mean)
    # counterfactual = control + projected pre-period gap
    res = r.difference_result
    assert np.allclose(r.series.counterfactual, ctrl_mean + res.counterfactual.counterfactual)


def test_pooled_model_matches_difference_estimates_and_statsmodels_panel_hac():
    treated, controls = panel(seed=2)
    d = fit_comparative_its(treated, controls, 2011, model="difference")
    p = fit_comparative_its(treated, controls, 2011, model="pooled")
    for a, b in ((d.difference_in_level, p.difference_in_level),
                 (d.difference_in_slope, p.difference_in_slope),
                 (d.pre_slope_difference, p.pre_slope_difference)):
        assert a.estimate == pytest.approx(b.estimate, abs=1e-9)
    fit = p.fit
    ref = sm.OLS(fit["y"], fit["X"]).fit(
        cov_type="hac-panel",
        cov_kwds={"groups": fit["groups"], "maxlags": 2, "use_correction": "hac"},
    )
    assert np.allclose(p.params.se.to_numpy(), ref.bse, rtol=1e-10)
    assert list(p.params.term)[-2:] == ["g:post", "g:time_since_break"]
    assert p.params.set_index("term").loc["g:post", "estimate"] == pytest.approx(
        p.difference_in_level.estimate
    )
    tf = p.to_frame()
    assert list(tf.quantity) == ["difference_in_level", "difference_in_slope",
                                 "pre_slope_difference"]


def test_parallel_trends_check_flags_diverging_pre_trends():
    treated, controls = panel(seed=3, control_slope_shift=1.5)
    r = fit_comparative_its(treated, controls, 2011, model="pooled")
    assert r.pre_slope_difference.estimate == pytest.approx(-1.5, abs=0.3)
    assert r.pre_slope_difference.excludes_zero
    assert "pre-period trends differ" in r.summary()


def test_single_control_series_unmatched_periods_and_errors():
    treated, controls = panel(seed=4)
    one = controls[controls.area_code == "C1"]
    r = fit_comparative_its(treated, one.iloc[1:], 2011)  # control lacks 2001-03
    assert len(r.series) == 14
    assert any("treated periods without a match" in n for n in r.notes)
    with pytest.raises(ValueError, match="Unknown model"):
        fit_comparative_its(treated, one, 2011, model="synthetic")
    other_sex = one.assign(sex="Female")
    with pytest.raises(ValueError, match="differ in sex"):
        fit_comparative_its(treated, other_sex, 2011)


def test_comparative_plot():
    treated, controls = panel(seed=5)
    ax = fit_comparative_its(treated, controls, 2011, model="pooled").plot()
    labels = ax.get_legend_handles_labels()[1]
    assert {"treated", "control", "treated counterfactual"} <= set(labels)
    import matplotlib.pyplot as plt

    plt.close("all")
