"""Synthetic control: exact recovery, solver optimality, warnings, errors, placebo inference."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import optimize  # noqa: E402

from wigan_deal.synth import (  # noqa: E402
    SynthInputError,
    SynthWarning,
    adh_weights,
    fit_synth,
    prepared_panel,
    simplex_least_squares,
)

YEARS = list(range(2001, 2016))  # 15 calendar years; a 2011 break leaves 10 pre, 5 post


def tidy(wide: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Tidy panel from a wide frame indexed by calendar year (columns = area codes)."""
    long = wide.rename_axis(index="year", columns="area_code").stack().rename("value").reset_index()
    long["period_start"] = long["year"]
    long["period_end"] = long["year"]
    long["period"] = long["year"].astype(str)
    if names:
        long["area_name"] = long["area_code"].map(names)
    return long.drop(columns="year")


def codes(n: int, prefix: str = "E060000") -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(1, n + 1)]


def random_walks(rng, n_units: int, years=YEARS, scale: float = 1.0) -> np.ndarray:
    drift = rng.normal(0, 0.5, n_units)
    steps = rng.normal(0, 1, (len(years), n_units)) * scale + drift
    return 100 + np.cumsum(steps, axis=0)


def exact_combination_panel(effect: float = 2.0, seed: int = 0):
    """Treated = 0.5 A + 0.3 B + 0.2 C (+ effect from 2011) among 20 random-walk donors.

    With 20 donors and 10 pre-periods an exact fit is not unique in general, so the data are built
    to identify it: A, B and C share one pre-period mean (120) and every other donor's mean is
    below 110, so any weight off {A, B, C} would lower the synthetic mean below the treated's.
    """
    rng = np.random.default_rng(seed)
    donors = codes(20)
    X = random_walks(rng, 20)
    pre = np.array(YEARS) < 2011
    target_means = np.r_[120.0, 120.0, 120.0, rng.uniform(80, 110, 17)]
    X = X - X[pre].mean(axis=0) + target_means
    true = np.r_[0.5, 0.3, 0.2, np.zeros(17)]
    y = X @ true + np.where(~pre, effect, 0.0)
    wide = pd.DataFrame(X, index=YEARS, columns=donors)
    wide.insert(0, "E08000010", y)
    return wide, pd.Series(true, index=donors)


def fit_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SynthWarning)
        return fit_synth(*args, **kwargs)


# --- exact recovery ------------------------------------------------------------------------------


def test_exact_convex_combination_is_identified_in_the_test_data():
    wide, true = exact_combination_panel()
    pre = np.array(YEARS) < 2011
    D = wide.loc[pre, true.index].to_numpy() - wide.loc[pre, ["E08000010"]].to_numpy()
    n = D.shape[1]
    # maximise the total weight off {A, B, C} among exact fits: must be 0 (weights unique)
    c = -np.r_[0, 0, 0, np.ones(n - 3)]
    lp = optimize.linprog(
        c, A_eq=np.vstack([D, np.ones(n)]), b_eq=np.r_[np.zeros(D.shape[0]), 1.0], bounds=(0, None)
    )
    assert lp.status == 0 and -lp.fun < 1e-9


def test_exact_convex_combination_recovered_with_post_effect():
    wide, true = exact_combination_panel(effect=2.0)
    with pytest.warns(SynthWarning) as rec:
        res = fit_synth(tidy(wide), "E08000010", 2011)
    messages = " | ".join(str(r.message) for r in rec)
    assert "larger than the number of pre-periods" in messages
    assert "pre-period fit is exact" in messages
    assert res.weights.reindex(true.index).to_numpy() == pytest.approx(true.to_numpy(), abs=1e-4)
    assert list(res.top_weights(5).index) == ["E06000001", "E06000002", "E06000003"]
    assert res.pre_rmspe < 1e-8
    post = res.gap[res.gap["post"]]
    assert list(post["period"]) == ["2011", "2012", "2013", "2014", "2015"]
    assert post["gap"].to_numpy() == pytest.approx(np.full(5, 2.0), abs=1e-6)
    assert res.mean_post_gap == pytest.approx(2.0, abs=1e-6)
    assert res.post_rmspe == pytest.approx(2.0, abs=1e-6)
    assert res.synthetic.loc["2015"] == pytest.approx(wide.loc[2015, "E08000010"] - 2.0, abs=1e-6)
    assert (res.n_pre, res.n_post) == (10, 5)
    # exact fit: the ratio divides by the exact-fit floor, not by ~1e-14 of rounding noise
    assert res.exact_pre_fit
    level = np.sqrt(np.mean(wide.loc[wide.index < 2011].to_numpy() ** 2))
    assert res.rmspe_ratio == pytest.approx(2.0 / (1e-8 * level), rel=1e-6)


def test_a_prepared_panel_refits_as_the_tidy_panel_does():
    """Leave-one-out refits one panel many times: pivoting it once changes no number, and no fit changes it."""
    wide, _ = exact_combination_panel(effect=2.0, seed=3)
    panel = tidy(wide, {c: f"Area {c}" for c in wide.columns})
    once = prepared_panel(panel)
    before = once.values.copy()
    for donors in (None, codes(20)[1:], codes(20)[5:]):
        a = fit_quietly(panel, "E08000010", 2011, donors=donors)
        b = fit_quietly(once, "E08000010", 2011, donors=donors)
        pd.testing.assert_series_equal(a.weights, b.weights, check_exact=True)
        pd.testing.assert_frame_equal(a.gap, b.gap, check_exact=True)
        assert (a.mean_post_gap, a.pre_rmspe, a.names) == (b.mean_post_gap, b.pre_rmspe, b.names)
    assert np.array_equal(once.values, before, equal_nan=True)


# --- solver ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_weights_on_simplex_and_kkt_on_random_data(seed):
    rng = np.random.default_rng(seed)
    X = random_walks(rng, 40, scale=3.0)[:10]
    y = X.max(axis=1) + rng.normal(0, 2, 10)  # mostly outside the hull: an interior optimum
    w = simplex_least_squares(y, X)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0, abs=1e-12)
    # KKT of min ||y - Xw||^2 on the simplex: d_j . p >= ||p||^2, equality on the support
    p = X @ w - y
    g = (X - y[:, None]).T @ p - p @ p
    scale = np.abs(X - y[:, None]).max() ** 2
    assert g.min() >= -1e-8 * scale
    assert np.abs(g[w > 1e-6]).max() <= 1e-8 * scale


@pytest.mark.parametrize("seed", range(3))
def test_solution_matches_independent_slsqp_on_small_problem(seed):
    rng = np.random.default_rng(100 + seed)
    X = rng.normal(50, 10, (12, 5))
    y = X @ np.array([0.2, 0.0, 0.5, 0.3, 0.0]) + rng.normal(0, 3, 12)
    w = simplex_least_squares(y, X)

    def obj(v):
        return float(np.sum((y - X @ v) ** 2))

    ref = optimize.minimize(
        lambda v: obj(v) / len(y),
        np.full(5, 0.2),
        jac=lambda v: -2 * X.T @ (y - X @ v) / len(y),
        method="SLSQP",
        bounds=[(0, 1)] * 5,
        constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1}],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    assert ref.success
    assert w == pytest.approx(ref.x, abs=1e-4)
    assert obj(w) <= obj(ref.x) + 1e-9


def test_single_donor_gets_all_weight():
    res = fit_quietly(pd.DataFrame({"A": [1.0, 2, 3], "B": [2.0, 3, 5]}, index=[2001, 2002, 2003]),
                      "A", 2003)
    assert res.weights.to_dict() == {"B": 1.0}
    assert res.gap["gap"].to_numpy() == pytest.approx([-1.0, -1.0, -2.0])


# --- warnings ---------------------------------------------------------------------------------


def small_panel(seed=1, n_donors=6, years=YEARS):
    rng = np.random.default_rng(seed)
    X = random_walks(rng, n_donors, years=years)
    y = X @ rng.dirichlet(np.ones(n_donors)) + rng.normal(0, 0.2, len(years))
    wide = pd.DataFrame(X, index=years, columns=codes(n_donors))
    wide.insert(0, "E08000010", y)
    return wide


def test_no_warnings_for_a_well_posed_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SynthWarning)
        res = fit_synth(small_panel(), "E08000010", 2011)
    assert res.warnings == []


def test_warns_on_few_pre_periods():
    with pytest.warns(SynthWarning, match=r"few pre-periods: weights are poorly identified.*only 5"):
        res = fit_synth(small_panel(n_donors=4), "E08000010", 2006)
    assert any("few pre-periods" in m for m in res.warnings)


def test_warns_when_donors_outnumber_pre_periods():
    with pytest.warns(SynthWarning, match=r"donor pool \(12 areas\).*pre-periods \(10\).*Abadie 2021"):
        fit_synth(small_panel(n_donors=12), "E08000010", 2011)


def test_warns_when_treated_outside_convex_hull_and_states_ratio():
    wide = small_panel()
    wide["E08000010"] = wide.drop(columns="E08000010").max(axis=1) + 30
    with pytest.warns(SynthWarning, match=r"convex hull.*pre-RMSPE 3\d\.\d+ is \d+\.\d\d times") as rec:
        res = fit_synth(wide, "E08000010", 2011)
    assert "above every donor in 10 and below every donor in 0 of 10" in str(rec[0].message)
    # every convex combination is at least 30 below the treated; the optimum beats any single donor
    pre = wide.loc[wide.index < 2011]
    single = np.sqrt(((pre.drop(columns="E08000010").sub(pre["E08000010"], axis=0)) ** 2).mean())
    assert 30.0 <= res.pre_rmspe <= single.min() + 1e-9


# --- errors -----------------------------------------------------------------------------------


def test_missing_treated_names_closest_codes():
    with pytest.raises(SynthInputError, match=r"'E08000011' is not in the panel.*E08000010") as exc:
        fit_synth(small_panel(), "E08000011", 2011)
    assert isinstance(exc.value, ValueError)


def test_missing_treated_given_as_name_suggests_code():
    panel = tidy(small_panel(), names={"E08000010": "Wigan"})
    with pytest.raises(SynthInputError, match=r"E08000010 \(Wigan\)"):
        fit_synth(panel, "Wigan", 2011)


def test_unknown_donor_named_with_valid_codes():
    with pytest.raises(SynthInputError, match=r"Unknown donor code\(s\) \['E09999999'\].*E06000001"):
        fit_synth(small_panel(), "E08000010", 2011, donors=["E06000001", "E09999999"])


def test_too_few_pre_periods_refused():
    with pytest.raises(SynthInputError, match=r"Only 1 pre-period.*at least 2"):
        fit_synth(small_panel(), "E08000010", 2002)


def test_no_post_period_refused():
    with pytest.raises(SynthInputError, match=r"No post-period after a 2016 break"):
        fit_synth(small_panel(), "E08000010", 2016)


def test_duplicate_rows_refused():
    panel = tidy(small_panel())
    with pytest.raises(SynthInputError, match="pass ONE indicator, sex and vintage"):
        fit_synth(pd.concat([panel, panel]), "E08000010", 2011)


def test_bad_post_rule_refused():
    with pytest.raises(ValueError, match="Unknown post_rule 'after'"):
        fit_synth(small_panel(), "E08000010", 2011, post_rule="after")


# --- donor pool -------------------------------------------------------------------------------


def test_donor_pool_excludes_england_regions_and_incomplete_areas():
    wide = small_panel()
    wide["E92000001"] = wide.mean(axis=1)  # England
    wide["E12000002"] = wide.mean(axis=1)  # North West region
    wide.loc[2004, "E06000003"] = np.nan
    res = fit_quietly(tidy(wide).dropna(subset=["value"]), "E08000010", 2011)
    assert set(res.donors) == {"E06000001", "E06000002", "E06000004", "E06000005", "E06000006"}
    assert res.dropped_donors["E06000003"] == "missing 2004"
    assert "E92000001" in res.dropped_donors and "E12000002" in res.dropped_donors
    assert "E06000003 (missing 2004)" in res.summary()


def test_explicit_donors_restrict_the_pool():
    res = fit_quietly(small_panel(), "E08000010", 2011, donors=["E06000002", "E06000005"])
    assert sorted(res.weights.index) == ["E06000002", "E06000005"]
    assert res.weights.sum() == pytest.approx(1.0)


def test_treated_missing_period_is_dropped_with_warning():
    wide = small_panel()
    wide.loc[2003, "E08000010"] = np.nan
    with pytest.warns(SynthWarning, match=r"no value in period\(s\) \['2003'\]"):
        res = fit_synth(wide, "E08000010", 2011)
    assert "2003" not in list(res.gap["period"]) and res.n_pre == 9


def test_post_rule_changes_pre_post_split_for_rolling_periods():
    wide = small_panel()
    wide.index = [f"{y}-{(y + 2) % 100:02d}" for y in wide.index]  # 3-year rolling labels
    start = fit_quietly(wide, "E08000010", 2011, post_rule="start")
    end = fit_quietly(wide, "E08000010", 2011, post_rule="end")
    assert start.gap.loc[start.gap["post"], "period"].iloc[0] == "2011-13"
    assert end.gap.loc[end.gap["post"], "period"].iloc[0] == "2009-11"
    assert (start.n_pre, end.n_pre) == (10, 8)


def test_predictors_break_a_tie_between_identical_paths():
    wide = small_panel(n_donors=4)
    wide["E06000009"] = wide["E08000010"]  # two donors identical to the treated's whole path
    wide["E06000010"] = wide["E08000010"]
    covariate = pd.DataFrame(
        {"deprivation": [1.0, 0.0, 2.0, 3.0, 4.0, 5.0, 1.0]},
        index=["E08000010", "E06000001", "E06000002", "E06000003", "E06000004", "E06000009",
               "E06000010"],
    )
    res = fit_quietly(wide, "E08000010", 2011, predictors=covariate, predictor_weighting="fixed")
    assert res.weights["E06000010"] == pytest.approx(1.0, abs=1e-6)
    assert res.pre_rmspe == pytest.approx(0.0, abs=1e-9)


# --- wide vs tidy -----------------------------------------------------------------------------


def test_wide_and_tidy_input_give_identical_results():
    wide = small_panel(n_donors=8)
    a = fit_quietly(tidy(wide), "E08000010", 2011)
    b = fit_quietly(wide, "E08000010", 2011)
    c = fit_quietly(wide.set_axis(wide.index + 0.5, axis=0), "E08000010", 2011, period_years=1)
    for other in (b, c):
        pd.testing.assert_series_equal(a.weights, other.weights)
        pd.testing.assert_frame_equal(a.gap, other.gap)
        assert (a.pre_rmspe, a.post_rmspe) == (other.pre_rmspe, other.post_rmspe)


def test_wide_midpoint_index_without_period_years_is_refused():
    wide = small_panel()
    with pytest.raises(SynthInputError, match="period_years"):
        fit_synth(wide.set_axis(wide.index + 0.5, axis=0), "E08000010", 2011)


# --- placebo ----------------------------------------------------------------------------------


def factor_panel(seed: int, effect: float, n_units: int = 15, n_years: int = 20):
    """Two-factor model with unit noise; 14 pre-periods (2001-2014) > 14 donors... (n_units-1)."""
    rng = np.random.default_rng(seed)
    years = list(range(2001, 2001 + n_years))
    factors = np.cumsum(rng.normal(0, 1, (n_years, 2)), axis=0)
    loadings = rng.uniform(0.5, 1.5, (2, n_units))
    Y = 100 + rng.normal(0, 5, n_units) + factors @ loadings + rng.normal(0, 0.5, (n_years, n_units))
    wide = pd.DataFrame(Y, index=years, columns=["E08000010", *codes(n_units - 1)])
    wide.loc[wide.index >= 2015, "E08000010"] += effect
    return wide


def test_placebo_true_effect_ranks_first():
    res = fit_quietly(factor_panel(seed=3, effect=6.0, n_units=12), "E08000010", 2015)
    pl = res.placebo()
    assert pl.n_units == 12 and pl.rank == 1
    assert pl.p_value == pytest.approx(1 / 12)
    assert pl.table.iloc[0]["area_code"] == "E08000010" and pl.table.iloc[0]["rank_ratio"] == 1
    assert set(pl.table["area_code"].iloc[1:]) == set(res.donors)


def test_placebo_without_effect_gives_roughly_uniform_p_values():
    ps = []
    for seed in range(20):
        res = fit_quietly(factor_panel(seed=seed, effect=0.0, n_units=12), "E08000010", 2015)
        ps.append(res.placebo().p_value)
    ps = np.array(ps)
    assert ps[0] > 0.1
    assert 0.3 < ps.mean() < 0.7
    assert np.mean(ps <= 1 / 12) < 0.25


def test_placebo_excludes_treated_from_donor_pools():
    wide = factor_panel(seed=5, effect=3.0, n_units=8)
    res = fit_quietly(wide, "E08000010", 2015)
    pl = res.placebo()
    unit = res.donors[2]
    others = [c for c in res.donors if c != unit]
    direct = fit_quietly(wide.drop(columns="E08000010"), unit, 2015, donors=others)
    row = pl.table.set_index("area_code").loc[unit]
    assert row["pre_rmspe"] == pytest.approx(direct.pre_rmspe, rel=1e-9)
    assert row["mean_post_gap"] == pytest.approx(direct.mean_post_gap, rel=1e-9)


def test_placebo_ranks_exact_fits_by_post_rmspe_not_rounding_noise():
    # 30 donors, 4 pre-periods: units inside the hull interpolate exactly (pre-RMSPE ~1e-14)
    rng = np.random.default_rng(7)
    years = list(range(2007, 2016))
    wide = pd.DataFrame(random_walks(rng, 31, years=years), index=years,
                        columns=["E08000010", *codes(30)])
    wide["E08000010"] = wide.iloc[:, 1:6].mean(axis=1)  # inside the hull: an exact fit too
    wide.loc[wide.index >= 2011, "E08000010"] += 50.0
    res = fit_quietly(wide, "E08000010", 2011)
    assert res.exact_pre_fit
    with pytest.warns(SynthWarning, match="fit their pre-period exactly"):
        pl = res.placebo()
    assert pl.n_exact_fit == pl.table["exact_fit"].sum() >= 5
    exact = pl.table[pl.table["exact_fit"]]
    # among exact fits the ratio ordering is the post-RMSPE ordering
    assert exact["ratio"].rank().tolist() == exact["post_rmspe"].rank().tolist()
    assert pl.rank == 1


def test_placebo_exclude_poor_fit_and_max_units():
    wide = factor_panel(seed=4, effect=6.0, n_units=12)
    wide["E06000099"] = wide.iloc[:, 1:].max(axis=1) + 40  # far above all: a hopeless placebo fit
    res = fit_quietly(wide, "E08000010", 2015)
    full = res.placebo()
    trimmed = res.placebo(exclude_poor_fit=5)
    assert full.n_units == 13 and full.n_dropped == 0
    assert trimmed.n_dropped >= 1
    assert not trimmed.table.set_index("area_code").loc["E06000099", "kept"]
    assert trimmed.n_units == 13 - trimmed.n_dropped
    assert trimmed.p_value == pytest.approx(trimmed.rank / trimmed.n_units)
    assert "dropped with pre-RMSPE above 5 x" in trimmed.summary()
    sample = res.placebo(max_units=4, seed=1)
    assert sample.n_units == 5 and len(sample.table) == 5
    with pytest.raises(SynthInputError, match="max_units"):
        res.placebo(max_units=0)


# --- reporting --------------------------------------------------------------------------------


def test_summary_to_frame_and_plots():
    wide, _ = exact_combination_panel()
    names = {"E08000010": "Wigan", "E06000001": "Area A"}
    res = fit_quietly(tidy(wide, names=names), "E08000010", 2011)
    text = res.summary()
    assert "E08000010 (Wigan)" in text and "E06000001 Area A" in text and "0.5000" in text
    assert "mean post-period gap (treated - synthetic): +2" in text
    frame = res.to_frame().set_index("quantity")["value"]
    assert frame["mean_post_gap"] == pytest.approx(res.mean_post_gap)
    assert frame["weight[E06000002]"] == pytest.approx(0.3, abs=1e-4)
    assert frame["n_nonzero_weights"] == 3 and frame["n_pre"] == 10

    ax = res.plot()
    assert len(ax.lines) == 3  # treated, synthetic, break
    assert ax.lines[0].get_ydata() == pytest.approx(wide["E08000010"].to_numpy())
    ax = res.plot(kind="gap")
    assert ax.lines[0].get_ydata()[-1] == pytest.approx(2.0, abs=1e-6)
    with pytest.raises(ValueError, match="'bar'"):
        res.plot(kind="bar")
    with pytest.warns(SynthWarning, match="1 of 21 units .* fit their pre-period exactly"):
        pl = res.placebo()
    assert pl.n_exact_fit == 1 and "fit their pre-period exactly" in pl.summary()
    ax = pl.plot()
    grey = [ln for ln in ax.lines if ln.get_color() == "0.75"]
    assert len(grey) == pl.n_units - 1
    assert "p-value" in pl.summary()
    plt.close("all")


# --- Abadie-Diamond-Hainmueller predictor weights: Prop 99 (ADH 2010, Table 2) ----------------

PROP99 = Path(__file__).parent / "fixtures" / "prop99_smoking.csv"
PROP99_SHA256 = "94654ea941b4b3a56dee87161be229bbe1023c1a9e5076ce3127b0fb4b3de21f"
#: ADH 2010, Table 2: state weights in synthetic California (all other donors 0). The five sum to
#: 1.000; a Utah weight of .394 (as sometimes quoted) would make them sum to 1.060.
PROP99_PUBLISHED = {"Utah": 0.334, "Nevada": 0.234, "Montana": 0.199, "Colorado": 0.164,
                    "Connecticut": 0.069}


@pytest.fixture(scope="module")
def prop99():
    import hashlib

    assert hashlib.sha256(PROP99.read_bytes()).hexdigest() == PROP99_SHA256
    d = pd.read_csv(PROP99)
    d["year"] = d["year"].astype(int)
    wide = d.pivot(index="year", columns="state", values="cigsale")
    wide.index = wide.index.astype(str)

    def mean(var, first, last):
        return d[d["year"].between(first, last)].groupby("state")[var].mean()

    # ADH 2010's predictors: means of lnincome, age15to24, retprice over 1980-88, beer over 1984-88,
    # cigarette sales in 1975, 1980 and 1988; V chosen on the 1970-88 outcome path
    predictors = pd.concat({
        "lnincome": mean("lnincome", 1980, 1988), "age15to24": mean("age15to24", 1980, 1988),
        "retprice": mean("retprice", 1980, 1988), "beer": mean("beer", 1984, 1988),
        "cigsale 1975": mean("cigsale", 1975, 1975), "cigsale 1980": mean("cigsale", 1980, 1980),
        "cigsale 1988": mean("cigsale", 1988, 1988)}, axis=1)
    return wide, predictors


def test_adh_predictor_weights_reproduce_prop99_table_2(prop99):
    wide, predictors = prop99
    assert sum(PROP99_PUBLISHED.values()) == pytest.approx(1.0, abs=0.001)
    res = fit_quietly(wide, "California", 1989, predictors=predictors)
    assert res.predictor_weighting == "adh" and res.n_pre == 19 and len(res.donors) == 38
    for state, published in PROP99_PUBLISHED.items():
        assert res.weights[state] == pytest.approx(published, abs=0.02), state
    assert res.weights.drop(list(PROP99_PUBLISHED)).max() < 0.02
    # V is a proper weight vector over the seven predictors; the pre-period RMSPE is ADH's ~1.76 packs
    assert list(res.predictor_v.index) == list(predictors.columns)
    assert res.predictor_v.sum() == pytest.approx(1.0) and (res.predictor_v >= 0).all()
    assert res.pre_rmspe == pytest.approx(1.76, abs=0.02)
    assert "predictor weights V (Abadie-Diamond-Hainmueller" in res.summary()
    assert res.to_frame().set_index("quantity").loc["V[retprice]", "value"] == res.predictor_v["retprice"]
    # California's post/pre RMSPE ratio ranks first of 39 (ADH 2010: p = 1/39)
    assert res.placebo().rank == 1


def test_adh_outer_optimisation_beats_fixed_and_equal_predictor_weights(prop99):
    wide, predictors = prop99
    adh = fit_quietly(wide, "California", 1989, predictors=predictors)
    pre = wide.loc[[str(y) for y in range(1970, 1989)]]
    x = predictors.T.to_numpy(float)
    donors = [c for c in predictors.index if c != "California"]
    cols = [list(predictors.index).index(c) for c in donors]
    x1, x0 = x[:, list(predictors.index).index("California")], x[:, cols]
    z1, z0 = pre["California"].to_numpy(float), pre[donors].to_numpy(float)
    out = adh_weights(x1, x0, z1, z0)
    assert np.sqrt(out.mspe) == pytest.approx(adh.pre_rmspe, rel=1e-4)  # donor order differs
    # the optimised V does at least as well on the pre-period outcome as equal V (its own start)
    sd = np.std(np.column_stack([x0, x1]), axis=1, ddof=1)
    w_eq = simplex_least_squares(x1 / sd, x0 / sd[:, None])
    assert out.mspe <= float(np.mean((z1 - z0 @ w_eq) ** 2)) + 1e-12
    # the fixed-weight option is a different estimator: it matches every pre-period outcome
    fixed = fit_quietly(wide, "California", 1989, predictors=predictors, predictor_weighting="fixed")
    assert fixed.predictor_weighting == "fixed" and fixed.predictor_v is None
    assert (fixed.weights - adh.weights.reindex(fixed.weights.index)).abs().max() > 0.1


def test_unknown_predictor_weighting_is_named():
    wide = small_panel(n_donors=4)
    covariate = pd.DataFrame({"x": [1.0, 0.0, 2.0, 3.0, 4.0]},
                             index=["E08000010", "E06000001", "E06000002", "E06000003", "E06000004"])
    with pytest.raises(SynthInputError, match="predictor_weighting must be one of"):
        fit_synth(wide, "E08000010", 2011, predictors=covariate, predictor_weighting="nested")
