"""Segmented regression (fit_its): recovery of known effects, inputs, edge cases, outputs."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from its_sim import rolling_series, single_year_series
from wigan_deal.its import (
    Estimate,
    ITSResult,
    ShortPreperiodError,
    ShortPreperiodWarning,
    break_to_year,
    fit_its,
)
from wigan_deal.its._series import hac_lag_rule


def test_recovers_known_level_and_slope_change_with_ar1_errors():
    """n=40 (20 pre), rho=0.4, truth level -3 and slope -0.5: 20 seeded replications."""
    levels, slopes, covered = [], [], 0
    for seed in range(20):
        frame, brk = single_year_series(seed=seed, rho=0.4)
        r = fit_its(frame, brk)
        levels.append(r.level_change.estimate)
        slopes.append(r.slope_change.estimate)
        covered += r.level_change.lower <= -3 <= r.level_change.upper
        # single-series sampling SDs are about 1.0 (level) and 0.11 (slope) here
        assert abs(r.level_change.estimate + 3) < 3.5
        assert abs(r.slope_change.estimate + 0.5) < 0.4
    assert np.mean(levels) == pytest.approx(-3, abs=0.6)
    assert np.mean(slopes) == pytest.approx(-0.5, abs=0.06)
    assert covered >= 13  # HAC intervals under-cover (see test_its_montecarlo.py)


@pytest.mark.parametrize("method", ["ols", "glsar", "arima"])
def test_every_method_recovers_the_truth(method):
    """10 (arima: 5, slower) seeded series, rho=0.5: mean estimates near the truth."""
    seeds = range(5 if method == "arima" else 10)
    fits = [fit_its(*single_year_series(seed=s, rho=0.5), method=method) for s in seeds]
    assert all(r.method == method for r in fits)
    assert np.mean([r.level_change.estimate for r in fits]) == pytest.approx(-3, abs=1.0)
    assert np.mean([r.slope_change.estimate for r in fits]) == pytest.approx(-0.5, abs=0.1)
    assert np.mean([r.pre_slope.estimate for r in fits]) == pytest.approx(0.5, abs=0.1)
    if method != "ols":
        key = "rho" if method == "glsar" else "ar1"
        assert 0.2 < np.mean([r.diagnostics[key] for r in fits]) < 0.7


def test_point_estimates_equal_a_formula_ols_fit():
    frame = rolling_series(seed=3)
    r = fit_its(frame, 2011)
    d = frame.assign(
        time_c=frame.time - 2012.5, post=(frame.period_start >= 2011).astype(float)
    )
    d["tsb"] = d.post * d.time_c
    ref = smf.ols("value ~ time_c + post + tsb", d).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}, use_t=True
    )
    assert r.level_change.estimate == pytest.approx(ref.params["post"], abs=1e-10)
    assert r.slope_change.se == pytest.approx(ref.bse["tsb"], rel=1e-10)
    lo, hi = ref.conf_int().loc["post"]
    assert (r.level_change.lower, r.level_change.upper) == pytest.approx((lo, hi), rel=1e-10)


def test_realistic_three_year_series_smoke():
    frame = rolling_series(seed=0, level=-4, slope=-0.6)
    r = fit_its(frame)  # default break 2011, rule 'start'
    assert isinstance(r, ITSResult)
    assert (r.series.n_pre, r.series.n_post) == (10, 5)
    assert r.hac_lags == 2 and "overlapping" in r.hac_lag_rule
    assert r.series.period[r.series.n_pre] == "2011-13"
    assert r.level_change.lower < -4 < r.level_change.upper
    # outputs are consistent with each other
    cf = r.counterfactual
    assert len(cf) == 15
    post = cf[cf.post]
    fitted_minus_cf = (post.fitted - post.counterfactual).to_numpy()
    assert np.allclose(fitted_minus_cf, r.effects.effect.to_numpy())
    assert np.allclose(cf.effect, cf.observed - cf.counterfactual)
    assert np.allclose(cf.fitted[~cf.post], cf.counterfactual[~cf.post])
    assert (cf.cf_lower < cf.counterfactual).all() and (cf.counterfactual < cf.cf_upper).all()
    assert r.cumulative_effect.estimate == pytest.approx(r.effects.effect.sum())
    assert r.effects.effect.iloc[0] == pytest.approx(r.level_change.estimate)
    # tidy outputs
    p = r.params
    assert list(p.columns) == ["term", "estimate", "se", "lower", "upper", "p_value"]
    assert list(p.term) == ["Intercept", "time_c", "post", "time_since_break"]
    tf = r.to_frame()
    assert {"level_change", "slope_change", "cumulative_effect", "effect[2015-17]"} <= set(tf.quantity)
    d = r.diagnostics
    assert {"durbin_watson", "ljung_box", "breusch_godfrey", "n_pre", "n_post", "hac_lags",
            "method"} <= set(d)
    assert 0 < d["durbin_watson"] < 4
    text = r.summary()
    for piece in ("level change", "slope change", "post_rule='start'", "share 2 of 3 years",
                  "Durbin-Watson", "2011-13"):
        assert piece in text


def test_hac_lag_rule_and_classical_option():
    # floor(4 * (n/100)^(2/9)): n=15 -> 2, n=40 -> 3, n=100 -> 4, n=1 -> 1 (floor 1.44)
    assert hac_lag_rule(15, np.arange(2001, 2016), np.arange(2003, 2018))[0] == 2
    assert hac_lag_rule(15, np.arange(2001, 2016), np.arange(2001, 2016))[0] == 2
    assert hac_lag_rule(40)[0] == 3
    assert hac_lag_rule(100)[0] == 4
    assert hac_lag_rule(1)[0] == 1
    assert hac_lag_rule(1, [2001], [2003])[0] == 1  # a single period cannot overlap anything
    assert hac_lag_rule(3, [2001, 2002, 2003], [2003, 2004, 2005])[0] == 2  # floor 1, overlap -> 2
    frame = rolling_series(seed=1)
    r0 = fit_its(frame, hac_lags=0)
    X, y = r0.series.X, r0.series.y
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    s2 = np.sum((y - X @ beta) ** 2) / (len(y) - 4)
    se = np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X)))
    assert r0.level_change.se == pytest.approx(se[2], rel=1e-10)
    assert r0.hac_lags == 0 and "classical" in r0.hac_lag_rule
    assert fit_its(frame, hac_lags=4).hac_lags == 4
    with pytest.raises(ValueError, match="hac_lags"):
        fit_its(frame, hac_lags=-1)


def test_short_preperiod_error_names_points_and_remedies():
    frame = rolling_series()
    with pytest.raises(ShortPreperiodError) as info:
        fit_its(frame, 2003)
    msg = str(info.value)
    assert "only 2 pre-intervention point(s)" in msg
    assert "2001-03" in msg and "2002-04" in msg
    assert "at least 3" in msg
    assert "earlier break" in msg and "longer series" in msg and "descriptive" in msg
    assert isinstance(info.value, ValueError)


def test_warning_under_eight_pre_points():
    frame = rolling_series()
    with pytest.warns(ShortPreperiodWarning, match="only 5 pre-intervention points"):
        r = fit_its(frame, 2006)
    assert r.series.n_pre == 5
    assert any("short pre-period" in c for c in r.caveats())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_its(frame, 2011)  # 10 pre points: no warning


def test_break_after_data_and_single_post_point():
    frame = rolling_series()
    with pytest.raises(ValueError, match=r"after the data \(last period 2015-17\)"):
        fit_its(frame, 2016)
    with pytest.raises(ValueError, match="only one post-intervention point"):
        fit_its(frame, 2015)


def test_mixed_series_error_names_them():
    both = pd.concat([rolling_series(sex="Male"), rolling_series(sex="Female")])
    with pytest.raises(ValueError, match=r"2 values of sex \(Male, Female\)"):
        fit_its(both)
    areas = pd.concat([rolling_series(area_code="E08000010"), rolling_series(area_code="E08000001")])
    with pytest.raises(ValueError, match="E08000001"):
        fit_its(areas)


def test_missing_values_are_refused_with_the_period():
    frame = rolling_series()
    frame.loc[4, "value"] = np.nan
    with pytest.raises(ValueError, match=r"missing or not numeric for period\(s\) \['2005-07'\]"):
        fit_its(frame)


def test_missing_columns_and_bad_method():
    with pytest.raises(ValueError, match="period_end"):
        fit_its(pd.DataFrame({"period_start": [1, 2], "value": [1, 2]}))
    with pytest.raises(ValueError, match="Unknown method 'gls'"):
        fit_its(rolling_series(), method="gls")
    with pytest.raises(ValueError, match="Unknown post_rule"):
        fit_its(rolling_series(), post_rule="middle")


def test_post_rule_changes_which_periods_are_post():
    frame = rolling_series()
    first = {}
    for rule in ("start", "mid", "end"):
        r = fit_its(frame, 2011, post_rule=rule)
        first[rule] = r.series.period[r.series.n_pre]
        assert r.post_rule == rule
    assert first == {"start": "2011-13", "mid": "2010-12", "end": "2009-11"}


def test_break_as_date():
    assert break_to_year(2011) == 2011.0
    assert break_to_year(pd.Timestamp("2011-01-01")) == 2011.0
    assert break_to_year("2011-04-01") == pytest.approx(2011 + 90 / 365)
    frame = rolling_series()
    r = fit_its(frame, pd.Timestamp("2011-04-01"))  # 2011-13 starts before the break: pre
    assert r.series.period[r.series.n_pre] == "2012-14"
    with pytest.raises(ValueError, match="Cannot read break_year"):
        fit_its(frame, "next spring")


def test_plain_frame_and_explicit_time_intervention_columns():
    frame, brk = single_year_series(seed=2)
    plain = frame[["period_start", "period_end", "value"]]
    a = fit_its(plain, brk)
    b = fit_its(
        pd.DataFrame({"t": plain.period_start + 0.5, "flag": (plain.period_start >= brk).astype(int),
                      "y": plain.value}),
        time="t", intervention="flag", outcome="y",
    )
    assert a.level_change.estimate == pytest.approx(b.level_change.estimate, abs=1e-10)
    bad = pd.DataFrame({"t": range(10), "flag": [0, 0, 0, 1, 1, 0, 1, 1, 1, 1], "y": range(10)})
    with pytest.raises(ValueError, match="switches back to 0"):
        fit_its(bad, time="t", intervention="flag", outcome="y")


def test_estimate_str_and_plot():
    e = Estimate(-1.5, 0.5, -2.5, -0.5, 0.004, name="level_change")
    assert str(e) == "level_change: -1.5 (95% CI -2.5 to -0.5; p = 0.004)"
    assert e.excludes_zero
    r = fit_its(rolling_series())
    ax = r.plot(title="Wigan")
    assert ax.get_title() == "Wigan"
    labels = ax.get_legend_handles_labels()[1]
    assert "counterfactual (pre-trend)" in labels
    assert any("first post period 2011-13" in lab for lab in labels)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_no_package_module_imports_statsmodels_api():
    """statsmodels.api imports every model statsmodels has, about 0.5 CPU-s more in every kernel and command;
    the ITS fits import the models they use (read from the code: a fresh interpreter per check would cost more
    than it saves)."""
    import re

    from wigan_deal import config

    pattern = re.compile(r"^\s*(import statsmodels\.api|from statsmodels(\.api)? import)", re.M)
    sources = sorted((config.PROJECT_ROOT / "src" / "wigan_deal").rglob("*.py"))
    found = [path.name for path in sources if pattern.search(path.read_text(encoding="utf-8"))]
    assert len(sources) > 50 and found == []
    assert pattern.search("import pandas\nimport statsmodels.api as sm\n")  # the check sees the old import
