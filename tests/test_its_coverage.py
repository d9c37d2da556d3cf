"""Coverage study: the vectorised estimators equal statsmodels, the seeded table is pinned."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from wigan_deal import inference
from wigan_deal.its import coverage as cv
from wigan_deal.its.hac import fixed_b_critical_value, newey_west

DESIGN = cv.Design("u75_cancer_start", 2001, 2015)


def test_design_matches_the_engine():
    from its_sim import rolling_series
    from wigan_deal.its import fit_its

    r = fit_its(rolling_series(seed=1), 2011)
    np.testing.assert_allclose(DESIGN.matrix(), r.series.X)
    assert DESIGN.nonoverlap_rows().tolist() == [1, 4, 7, 10, 13]  # 2002-04 .. 2014-16


def test_error_processes_have_the_stated_correlation():
    rng = np.random.default_rng(0)
    e = cv.simulate_errors(rng, 6, 200_000, "ma2")
    c = np.corrcoef(e)
    assert c[0, 1] == pytest.approx(2 / 3, abs=0.01) and c[0, 2] == pytest.approx(1 / 3, abs=0.01)
    assert abs(c[0, 3]) < 0.01 and e.var() == pytest.approx(1, abs=0.01)
    a = cv.simulate_errors(rng, 6, 200_000, "ar1", rho=0.5)
    assert np.corrcoef(a)[0, 2] == pytest.approx(0.25, abs=0.01) and a.var() == pytest.approx(1, abs=0.01)
    b = cv.simulate_errors(rng, 6, 200_000, "ma2_ar1", phi=0.5)
    assert b.var() == pytest.approx(1, abs=0.01) and np.corrcoef(b)[0, 3] > 0.05


def test_newey_west_and_glsar_match_statsmodels():
    rng = np.random.default_rng(1)
    X = DESIGN.matrix()
    Y = cv.simulate_errors(rng, 15, 5, "ma2")
    beta, cov = newey_west(X, Y, 2, small_sample=False)
    gb, gcov, _ = cv.glsar(X, Y, maxiter=100)
    for j in range(5):
        ref = sm.OLS(Y[:, j], X).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
        np.testing.assert_allclose(np.sqrt(np.diag(cov[j])), ref.bse, rtol=1e-10)
        model = sm.GLSAR(Y[:, j], X, rho=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.iterative_fit(maxiter=100)
        np.testing.assert_allclose(gb[:, j], res.params, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.sqrt(np.diag(gcov[j])), res.bse, rtol=1e-4)


def test_newey_west_variances_equal_the_full_covariance_diagonal():
    """The coverage study's shortcut (chosen coefficients, several lags from one fit) equals newey_west."""
    from wigan_deal.its.hac import newey_west_variances

    rng = np.random.default_rng(4)
    for n in (15, 16):
        X = cv.Design("d", 2001, 2000 + n).matrix()
        Y = cv.simulate_errors(rng, n, 50, "ar1", rho=0.6)
        est, var = newey_west_variances(X, Y, [2, 3], [0, 1, 2, 4, n - 1, n + 3])
        for lag in (0, 1, 2, 4, n - 1, n + 3):
            beta, cov = newey_west(X, Y, lag, small_sample=False)
            np.testing.assert_array_equal(est, beta[[2, 3]])
            diag = np.stack([cov[:, 2, 2], cov[:, 3, 3]])
            if lag == 0:
                np.testing.assert_array_equal(var[lag], diag)  # the same arithmetic
            else:
                np.testing.assert_allclose(var[lag], diag, rtol=1e-12)
                assert not np.allclose(var[lag], var[0], rtol=1e-3)


def test_grid_ml_matches_statsmodels_arima():
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(2)
    X = DESIGN.matrix()
    Y = 0.3 * cv.simulate_errors(rng, 15, 3, "ar1", rho=0.4)
    beta, cov, where = cv.gls_profile(X, Y, "ml_ar1")
    grid = cv.error_grid("ml_ar1")
    for j in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ARIMA(Y[:, j], exog=X[:, 1:], order=(1, 0, 0), trend="c").fit()
        phi = res.params[-2]
        assert grid[where[j]][0] == pytest.approx(phi, abs=0.05)  # grid step 0.05
        assert beta[2, j] == pytest.approx(res.params[2], abs=0.05 * max(1, abs(res.params[2])))


@pytest.mark.parametrize("kind", cv.ML_METHODS)
def test_grid_ml_equals_the_loop_over_grid_points(kind):
    """gls_profile (all grid points in one product, REML identity for the residual sum of squares) picks the
    grid point a loop of whitened GLS fits picks, with the same beta and covariance."""
    rng = np.random.default_rng(6)
    X = cv.Design("d", 2001, 2015, post_rule="mid").matrix()
    n = X.shape[0]
    Y = cv.simulate_errors(rng, n, 300, "ma2_ar1", phi=0.4)
    beta, cov, where = cv.gls_profile(X, Y, kind, chunk=7)
    lls = []
    for g, par in enumerate(cv.error_grid(kind)):
        R = cv._ar1_acov(par[0], n) if kind == "ml_ar1" else cv._ma2_acov(par[0], par[1], n)
        L = np.linalg.cholesky(R)
        Xw, Yw = np.linalg.solve(L, X), np.linalg.solve(L, Y)
        b = np.linalg.lstsq(Xw, Yw, rcond=None)[0]
        rss = ((Yw - Xw @ b) ** 2).sum(axis=0)
        ll = -0.5 * n * np.log(rss / n) - np.log(np.diag(L)).sum()
        hit = where == g
        np.testing.assert_allclose(beta[:, hit], b[:, hit], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(cov[hit, 2, 2], rss[hit] / n * np.linalg.inv(Xw.T @ Xw)[2, 2], rtol=1e-9)
        lls.append(ll)
    np.testing.assert_array_equal(np.argmax(lls, axis=0), where)
    assert len(np.unique(where)) > 5


def test_fixed_b_formula_against_simulated_location_model():
    assert fixed_b_critical_value(1e-9) == pytest.approx(1.96, abs=1e-4)
    assert fixed_b_critical_value(0.5) == pytest.approx(1.96 + 2.9694 / 2 + 0.4160 / 4 - 0.5324 / 8)
    rng = np.random.default_rng(3)
    n, m = 200, 4000
    X = np.ones((n, 1))
    for b in (0.2, 0.5):
        lag = int(b * n) - 1
        beta, cov = newey_west(X, rng.standard_normal((n, m)), lag, small_sample=False)
        q = np.quantile(np.abs(beta[0] / np.sqrt(cov[:, 0, 0])), 0.95)
        assert q == pytest.approx(fixed_b_critical_value(b), abs=0.12)
    with pytest.raises(ValueError, match="tabulated"):
        fixed_b_critical_value(0.2, alpha=0.03)


@pytest.fixture(scope="module")
def reduced():
    return inference.build(reduced=True)


def test_reduced_study_is_deterministic_and_fast(reduced):
    import time

    start = time.perf_counter()
    again = inference.build(reduced=True)
    assert time.perf_counter() - start < 20
    pd.testing.assert_frame_equal(reduced, again)


def test_committed_table_is_pinned_within_monte_carlo_error(reduced):
    full = inference.load_table()
    assert set(full["method"]) == set(cv.METHODS) and set(full["error"]) == set(cv.ERRORS)
    key = ["design", "error", "method", "target"]
    both = reduced.merge(full, on=key, suffixes=("_r", "_f"))
    assert len(both) == len(reduced) == 2 * len(cv.METHODS) * len(cv.ERRORS)
    se = np.sqrt(both.mc_se_r**2 + both.mc_se_f**2).clip(lower=0.01)
    z = (both.coverage_r - both.coverage_f) / se
    assert (z.abs() < 4.5).all(), both.loc[z.abs() >= 4.5, key + ["coverage_r", "coverage_f"]]


def test_primary_method_follows_the_documented_rule():
    full = inference.load_table()
    method, rank = inference.primary_method(full)
    assert method == "permutation"
    best = rank.loc[method]
    assert best.worst_coverage >= inference.COVERAGE_FLOOR
    # Newey-West with 2 lags (the old default) under-covers badly at n = 15
    nw2 = full[(full.design == inference.PRIMARY_DESIGN) & (full.method == "nw2")]
    assert nw2.coverage.max() < 0.8
    # the known-structure GLS is exact under its own model but not under AR(1)
    gls = full[(full.design == inference.PRIMARY_DESIGN) & (full.method == "gls_overlap")]
    assert gls.set_index(["error", "target"]).coverage[("ma2", "level")] == pytest.approx(0.95, abs=0.02)


def test_choose_primary_rule_on_a_toy_table():
    rows = []
    for method, covs, mde in (("a", (0.94, 0.96), 3.0), ("b", (0.95, 0.95), 5.0), ("c", (0.92, 0.95), 1.0)):
        for err, c in zip(("ma2", "ar1"), covs, strict=True):
            rows.append({"design": "d", "method": method, "error": err, "target": "level",
                         "coverage": c, "mde80": mde})
    method, rank = cv.choose_primary(pd.DataFrame(rows), "d")
    assert method == "b" and not rank.loc["c", "eligible"]


def test_permutation_interval_inverts_the_test():
    t = np.r_[np.linspace(-3, 3, 99)]
    table = pd.DataFrame({"area_code": [f"A{i}" for i in range(99)] + ["T"],
                          "level_change": np.r_[t, 2.0], "level_se": 1.0, "level_t": np.r_[t, 2.0]})
    out = inference.permutation_interval(table, "T")
    q = np.sort(np.abs(t))[int(np.ceil(0.95 * 100)) - 1]
    assert out["q"] == pytest.approx(q) and out["lower"] == pytest.approx(2 - q)
    assert out["p_value"] == pytest.approx((1 + np.sum(np.abs(t) >= 2)) / 100)


@pytest.mark.slow
def test_full_study_reproduces_the_committed_table():
    assert inference.main(["check"]) == 0


def test_docs_table_is_generated_from_the_committed_table():
    text = (inference.config.PROJECT_ROOT / "docs" / "inference.md").read_text()
    block = text.split("<!-- generated:coverage-table -->\n")[1].split("<!-- /generated:coverage-table -->")[0]
    assert block.strip() == inference.markdown_table().strip()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_vectorised_rejection_curves_equal_the_counted_tests():
    """The power and permutation curves (one broadcast over draws and effects) equal the per-effect tests:
    interval excludes zero iff ``|est + d| > crit * se``; permutation p = (1 + #{control |t| >= |t|}) / (1 + C)."""
    rng = np.random.default_rng(5)
    est, se = rng.standard_normal((2, 300)), rng.uniform(0.5, 2, (2, 300))
    ctrl = np.abs(rng.standard_normal((2, 300, 40)))
    ctrl[0, :, :3] = np.abs(est[0] / se[0])[:, None]  # ties with the treated |t| at zero effect
    deltas = np.r_[0.0, 0.3, np.linspace(-2, 2, 9), 0.5, cv.DELTA_GRID[::7]]
    est[:, :4], se[:, :4] = [1.0, -2.0, 0.0, 1.0], [1.5 / 2.1, 1.5 / 2.1, 0.0, np.nan]  # |est + 0.5| = bound
    power = cv._power_curve(est, se, 2.1, deltas)
    perm = cv._perm_curve(est, se, cv._perm_thresholds(ctrl, 0.1), deltas)
    for j, d in enumerate(deltas):
        np.testing.assert_array_equal(power[:, j], np.mean(np.abs(est + d) > 2.1 * se, axis=-1))
        t = np.abs((est + d) / se)
        p = (1 + (ctrl >= t[..., None]).sum(axis=-1)) / (1 + ctrl.shape[-1])
        np.testing.assert_array_equal(perm[:, j], np.mean(p <= 0.1, axis=-1))
    assert 0 < perm[0, 0] < 1 and perm[0, 0] != perm[1, 0]
    # a guess far off the answer is still answered exactly (counted along the whole index)
    np.testing.assert_array_equal(cv._first_true(lambda j: j >= np.arange(5) + 8, np.zeros(5, int), 20),
                                  np.arange(5) + 8)
    assert cv._perm_thresholds(ctrl, 0.01) is None  # 40 controls: p >= 1/41 > 0.01, never rejects
    assert not cv._perm_curve(est, se, None, deltas).any()
