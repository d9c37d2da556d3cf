"""The two ITS conventions are options with stated defaults, checked against hand-built statsmodels fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from its_sim import rolling_series
from wigan_deal.its import (
    break_year_sensitivity,
    fit_comparative_its,
    fit_count_its,
    fit_its,
    placebo_in_space,
    placebo_in_time,
)
from wigan_deal.its._batch import batch_ols


def _design(frame: pd.DataFrame, slope_start: float) -> tuple[np.ndarray, np.ndarray]:
    """Hand-built design: midpoints, 2011 break with the 'start' rule."""
    t = (frame.period_start + frame.period_end + 1) / 2.0
    post = (frame.period_start >= 2011).to_numpy()
    t0 = t[post].min()
    X = np.column_stack([np.ones(len(t)), t - t0, post.astype(float),
                         np.where(post, t - t0 + slope_start, 0.0)])
    return X, frame.value.to_numpy(float)


@pytest.mark.parametrize("small_sample", [True, False])
def test_newey_west_factor_matches_statsmodels(small_sample):
    frame = rolling_series(seed=3)
    X, y = _design(frame, 0)
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": small_sample},
                           use_t=True)
    r = fit_its(frame, 2011, hac_lags=2, hac_small_sample=small_sample)
    assert r.level_change.se == pytest.approx(ref.bse[2], rel=1e-10)
    assert r.slope_change.se == pytest.approx(ref.bse[3], rel=1e-10)
    assert r.level_change.lower == pytest.approx(ref.conf_int()[2, 0], rel=1e-10)
    word = "with" if small_sample else "without"
    assert f"Newey-West {word} the small-sample factor" in r.summary()


def test_newey_west_factor_is_n_over_n_minus_k():
    frame = rolling_series(seed=4)
    with_f = fit_its(frame, 2011, hac_lags=2)
    without = fit_its(frame, 2011, hac_lags=2, hac_small_sample=False)
    assert with_f.hac_small_sample is True  # the documented default
    ratio = (with_f.level_change.se / without.level_change.se) ** 2
    assert ratio == pytest.approx(15 / 11, rel=1e-10)
    # batch engine: same convention
    X, y = _design(frame, 0)
    b1, b0 = batch_ols(X, y, 2), batch_ols(X, y, 2, small_sample=False)
    assert b1.se[2, 0] == pytest.approx(with_f.level_change.se, rel=1e-10)
    assert b0.se[2, 0] == pytest.approx(without.level_change.se, rel=1e-10)


def test_slope_start_one_matches_lopez_bernal_design():
    frame = rolling_series(seed=5)
    X1, y = _design(frame, 1)
    ref = sm.OLS(y, X1).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True},
                            use_t=True)
    r0 = fit_its(frame, 2011, hac_lags=2)
    r1 = fit_its(frame, 2011, hac_lags=2, slope_start=1)
    assert r0.slope_start == 0
    assert r1.level_change.estimate == pytest.approx(ref.params[2], rel=1e-10)
    assert r1.level_change.se == pytest.approx(ref.bse[2], rel=1e-10)
    # the level term moves by one slope unit; the slope change and the fit do not change
    assert r1.level_change.estimate == pytest.approx(
        r0.level_change.estimate - r0.slope_change.estimate, abs=1e-9)
    assert r1.slope_change.estimate == pytest.approx(r0.slope_change.estimate, rel=1e-10)
    np.testing.assert_allclose(r1.counterfactual.fitted, r0.counterfactual.fitted, atol=1e-9)
    np.testing.assert_allclose(r1.effects.effect, r0.effects.effect, atol=1e-9)
    assert "Lopez Bernal" in r1.summary()
    assert "time_since_break = 0 at the first post point" in r0.summary()


def test_bad_convention_values_are_refused():
    frame = rolling_series(seed=6)
    with pytest.raises(ValueError, match="slope_start=2"):
        fit_its(frame, 2011, slope_start=2)
    with pytest.raises(ValueError, match="hac_small_sample"):
        fit_its(frame, 2011, hac_small_sample="yes")


def _counts(time: np.ndarray) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    post = (np.arange(time.size) >= time.size // 2).astype(int)
    return pd.DataFrame({"time": time, "deaths": rng.poisson(200, time.size),
                         "pop": 1e5, "post": post})


def test_count_slope_start_matches_statsmodels():
    frame = _counts(np.arange(1, 41, dtype=float))
    r1 = fit_count_its(frame, count="deaths", offset="pop", intervention="post",
                       slope_change=True, slope_start=1)
    r0 = fit_count_its(frame, count="deaths", offset="pop", intervention="post", slope_change=True)
    t, post = frame.time.to_numpy(), frame.post.to_numpy()
    X = np.column_stack([np.ones(40), post, t, np.where(post == 1, t - 20, 0.0)])  # t0 = 21
    ref = sm.GLM(frame.deaths.to_numpy(float), X, family=sm.families.Poisson(), offset=np.log(frame["pop"].to_numpy(float))).fit()
    assert np.log(r1.rate_ratio.estimate) == pytest.approx(ref.params[1], rel=1e-7)
    assert np.log(r1.rate_ratio.estimate) == pytest.approx(
        np.log(r0.rate_ratio.estimate) - np.log(r0.slope_ratio.estimate), abs=1e-8)


@pytest.mark.parametrize("time", [np.arange(2001, 2016, dtype=float),      # calendar years
                                  np.arange(2002.5, 2017.5, dtype=float),  # midpoints
                                  np.arange(1, 31, 2, dtype=float)])       # step 2
def test_fourier_on_non_monthly_axis_without_season_is_an_error(time):
    frame = _counts(time)
    with pytest.raises(ValueError, match="sub-period index"):
        fit_count_its(frame, count="deaths", offset="pop", intervention="post", fourier_period=12)
    # with an explicit season column it fits
    frame["season"] = np.arange(time.size) % 12 + 1
    r = fit_count_its(frame, count="deaths", offset="pop", intervention="post",
                      fourier_period=12, season="season")
    assert np.isfinite(r.rate_ratio.estimate)


# --- the same conventions in every estimator that fits a segmented regression -----------------

def _comparative_panel(seed: int = 7):
    frames = [rolling_series(seed=seed + i, area_code=code) for i, code in enumerate(["T", "C1", "C2"])]
    frames[0]["value"] += np.where(frames[0].period_start >= 2011, -0.8 * (frames[0].time - 2012.5), 0.0)
    return frames[0], pd.concat(frames[1:], ignore_index=True)


@pytest.mark.parametrize("model", ["difference", "pooled"])
def test_comparative_its_small_sample_factor(model):
    treated, controls = _comparative_panel()
    on = fit_comparative_its(treated, controls, 2011, model=model, hac_lags=2)
    off = fit_comparative_its(treated, controls, 2011, model=model, hac_lags=2, hac_small_sample=False)
    assert on.hac_small_sample is True and off.hac_small_sample is False  # the documented default
    # n / (n - k): 15 periods and 4 terms (difference); 30 rows and 8 terms (pooled)
    factor = 15 / 11 if model == "difference" else 30 / 22
    for a, b in ((on.difference_in_level, off.difference_in_level),
                 (on.difference_in_slope, off.difference_in_slope)):
        assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
        assert (a.se / b.se) ** 2 == pytest.approx(factor, rel=1e-10)
        assert b.upper - b.lower < a.upper - a.lower
    assert "without the small-sample factor" in off.summary()
    if model == "pooled":  # statsmodels' panel HAC without the correction
        fit = off.fit
        ref = sm.OLS(fit["y"], fit["X"]).fit(
            cov_type="hac-panel", cov_kwds={"groups": fit["groups"], "maxlags": 2, "use_correction": False})
        assert np.allclose(off.params.se.to_numpy(), ref.bse, rtol=1e-10)


@pytest.mark.parametrize("model", ["difference", "pooled"])
def test_comparative_its_slope_start_moves_the_level_by_one_slope(model):
    treated, controls = _comparative_panel()
    r0 = fit_comparative_its(treated, controls, 2011, model=model, hac_lags=2)
    r1 = fit_comparative_its(treated, controls, 2011, model=model, hac_lags=2, slope_start=1)
    assert r0.slope_start == 0 and r1.slope_start == 1
    assert r1.difference_in_level.estimate == pytest.approx(
        r0.difference_in_level.estimate - r0.difference_in_slope.estimate, abs=1e-9)
    assert r1.difference_in_slope.estimate == pytest.approx(r0.difference_in_slope.estimate, abs=1e-9)
    np.testing.assert_allclose(r1.series.counterfactual, r0.series.counterfactual, atol=1e-9)
    assert "Lopez Bernal" in r1.summary()
    with pytest.raises(ValueError, match="slope_start=2"):
        fit_comparative_its(treated, controls, 2011, model=model, slope_start=2)


def test_placebo_in_time_and_break_year_sensitivity_pass_the_conventions():
    frame = rolling_series(seed=8, sd=0.5)
    for table_of in (lambda **kw: placebo_in_time(frame, break_year=2011, hac_lags=2, **kw),
                     lambda **kw: break_year_sensitivity(frame, years=[2010, 2011, 2012], hac_lags=2, **kw)):
        base, off, one = table_of(), table_of(hac_small_sample=False), table_of(slope_start=1)
        assert (base["note"] == "").all()
        # same point estimates, intervals narrower by sqrt((n - k) / n) without the factor
        np.testing.assert_allclose(off["level_change"], base["level_change"], atol=1e-12)
        n = base["n_pre"] + base["n_post"]
        half_on = (base["level_upper"] - base["level_lower"]).to_numpy()
        half_off = (off["level_upper"] - off["level_lower"]).to_numpy()
        np.testing.assert_allclose((half_on / half_off) ** 2, n / (n - 4), rtol=1e-10)
        # slope_start=1: the level term moves by one slope unit in every row
        np.testing.assert_allclose(one["level_change"], base["level_change"] - base["slope_change"], atol=1e-9)
        np.testing.assert_allclose(one["slope_change"], base["slope_change"], atol=1e-9)
    with pytest.raises(ValueError, match="hac_small_sample"):
        placebo_in_time(frame, break_year=2011, hac_small_sample="no")
    with pytest.raises(ValueError, match="slope_start=2"):
        break_year_sensitivity(frame, slope_start=2)


def test_placebo_in_space_passes_the_conventions():
    panel = pd.concat([rolling_series(seed=s, sd=0.5).assign(area_code=f"A{s}") for s in range(6)])
    base = placebo_in_space(panel, "A0", 2011, higher_is_better=True, hac_lags=2).table.set_index("area_code")
    off = placebo_in_space(panel, "A0", 2011, higher_is_better=True, hac_lags=2,
                           hac_small_sample=False).table.set_index("area_code")
    one = placebo_in_space(panel, "A0", 2011, higher_is_better=True, hac_lags=2, slope_start=1).table.set_index(
        "area_code")
    off, one = off.reindex(base.index), one.reindex(base.index)  # rows are in rank order
    n = panel.groupby("area_code").size().iloc[0]
    np.testing.assert_allclose(off["level_change"], base["level_change"], atol=1e-12)
    np.testing.assert_allclose((base["level_se"] / off["level_se"]) ** 2, n / (n - 4), rtol=1e-10)
    np.testing.assert_allclose(one["level_change"], base["level_change"] - base["slope_change"], atol=1e-9)
    with pytest.raises(ValueError, match="hac_small_sample"):
        placebo_in_space(panel, "A0", 2011, higher_is_better=True, hac_small_sample=1)
