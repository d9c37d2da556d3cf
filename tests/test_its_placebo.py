"""Placebos: fake breaks in time, break-year sensitivity, and the vectorised placebo in space."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from its_sim import rolling_series, single_year_series
from wigan_deal.its import (
    PlaceboInSpaceResult,
    ShortPreperiodError,
    break_year_sensitivity,
    fit_its,
    placebo_in_space,
    placebo_in_time,
    plot_break_year_sensitivity,
    space_panel,
)
from wigan_deal.its._batch import batch_ols


def test_placebo_in_time_uses_pre_period_only_and_default_fake_breaks():
    frame, brk = single_year_series(seed=3, level=-8.0, rho=0.3)  # real break 2000
    table = placebo_in_time(frame, break_year=brk)
    # pre-period 1980..1999 (20 points): fake breaks leaving >= 3 points either side
    assert table.fake_break.tolist() == list(range(1983, 1998))
    assert (table.n_pre >= 3).all() and (table.n_post >= 3).all()
    assert (table.n_pre + table.n_post == 20).all()
    # no real effect inside the pre-period: placebo level changes are small next to the real one
    real = fit_its(frame, brk).level_change.estimate
    assert real == pytest.approx(-8, abs=2.5)
    assert table.level_change.abs().median() < 2.0  # measured 1.04 (innovation SD 1)
    assert table.level_change.abs().max() < abs(real)
    assert (table.note == "").all()
    explicit = placebo_in_time(frame, fake_breaks=[1990], break_year=brk)
    assert explicit.fake_break.tolist() == [1990]
    assert explicit.level_change.iloc[0] == pytest.approx(
        table.set_index("fake_break").loc[1990, "level_change"]
    )


def test_placebo_in_time_on_three_year_periods_and_too_short_pre_period():
    frame = rolling_series(seed=2)
    table = placebo_in_time(frame)  # pre = 2001-03 .. 2010-12 (10 periods)
    assert table.fake_break.tolist() == [2004, 2005, 2006, 2007, 2008]
    with pytest.raises(ShortPreperiodError, match="placebo breaks need at least 6"):
        placebo_in_time(frame, break_year=2006)


def test_break_year_sensitivity_table_and_skips():
    frame = rolling_series(seed=4)
    table = break_year_sensitivity(frame, years=range(2002, 2017))
    assert table.break_year.tolist() == list(range(2002, 2017))
    skipped = table[table.note != ""]
    assert skipped.break_year.tolist() == [2002, 2003, 2015, 2016]
    assert skipped.note.str.startswith("skipped:").all()
    ok = table[table.note == ""].set_index("break_year")
    assert ok.loc[2011, "level_change"] == pytest.approx(fit_its(frame, 2011).level_change.estimate)
    assert ok.loc[2011, "n_pre"] == 10
    axes = plot_break_year_sensitivity(table)
    assert len(axes) == 2 and axes[0].get_ylabel() == "level change"
    import matplotlib.pyplot as plt

    plt.close("all")


def make_panel(n_areas=60, seed=0, treated_effect=-6.0, missing=()):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_areas):
        code = f"E{i:08d}"
        f = rolling_series(seed=seed * 1000 + i, level=0.0, slope=0.0, area_code=code)
        f["value"] += rng.normal(0, 10)
        if i == 0:
            f.loc[f.period_start >= 2011, "value"] += treated_effect
        frames.append(f)
    p = pd.concat(frames, ignore_index=True)
    for code, start in missing:
        p = p[~((p.area_code == code) & (p.period_start == start))]
    return p


def test_vectorised_estimates_equal_per_area_statsmodels_fits():
    p = make_panel(n_areas=12, seed=1)
    r = placebo_in_space(p, "E00000000", 2011, higher_is_better=False)
    assert isinstance(r, PlaceboInSpaceResult)
    by_area = r.table.set_index("area_code")
    for code, f in p.groupby("area_code"):
        single = fit_its(f.drop(columns="area_code"), 2011)
        X = single.series.X
        ols = sm.OLS(single.series.y, X).fit(
            cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}
        )
        assert by_area.loc[code, "level_change"] == pytest.approx(ols.params[2], abs=1e-8)
        assert by_area.loc[code, "slope_change"] == pytest.approx(ols.params[3], abs=1e-8)
        assert by_area.loc[code, "level_se"] == pytest.approx(ols.bse[2], abs=1e-8)
        assert by_area.loc[code, "level_se"] == pytest.approx(single.level_change.se, abs=1e-8)
    Y = np.random.default_rng(0).normal(size=(15, 4))
    classical = batch_ols(X, Y, 0)
    for j in range(4):
        assert np.allclose(classical.se[:, j], sm.OLS(Y[:, j], X).fit().bse, atol=1e-10)


def test_rank_and_permutation_p_values():
    p = make_panel(n_areas=60, seed=2, treated_effect=-25.0)
    r = placebo_in_space(p, "E00000000", 2011, higher_is_better=False)
    stat = r.table.set_index("area_code")["level_change"]
    treated = stat["E00000000"]
    others = stat.drop("E00000000")
    assert r.treated_value == pytest.approx(treated)
    assert r.rank == 1 + int((others < treated).sum())  # lower is better: most negative = rank 1
    assert r.rank == 1
    assert r.p_one_sided == pytest.approx((1 + (others <= treated).sum()) / 60)
    assert r.p_two_sided == pytest.approx((1 + (others.abs() >= abs(treated)).sum()) / 60)
    assert r.p_one_sided == pytest.approx(1 / 60)
    # the same large fall counts as the WORST change when higher is better
    worse = placebo_in_space(p, "E00000000", 2011, higher_is_better=True)
    assert worse.rank == 60
    assert worse.p_one_sided == pytest.approx(1.0)
    assert worse.p_two_sided == pytest.approx(r.p_two_sided)
    t_based = placebo_in_space(p, "E00000000", 2011, higher_is_better=False, statistic="level_t")
    assert t_based.treated_value == pytest.approx(
        r.table.set_index("area_code").loc["E00000000", "level_t"]
    )
    assert "rank 1 of 60" in r.summary()
    assert set(r.to_frame().quantity) >= {"rank", "p_two_sided", "p_one_sided"}
    ax = r.plot()
    assert any("rank 1/60" in lab for lab in ax.get_legend_handles_labels()[1])
    import matplotlib.pyplot as plt

    plt.close("all")


def test_areas_with_missing_periods_are_dropped_and_listed():
    p = make_panel(n_areas=10, seed=3, missing=[("E00000004", 2005), ("E00000007", 2015)])
    r = placebo_in_space(p, "E00000000", 2011, higher_is_better=False)
    assert r.n_areas == 8
    assert r.dropped_areas == ["E00000004", "E00000007"]
    assert "E00000004" in r.notes[0]
    with pytest.raises(ValueError, match="treated area 'E00000004' has missing periods"):
        placebo_in_space(p, "E00000004", 2011, higher_is_better=False)


def test_placebo_in_space_input_errors():
    p = make_panel(n_areas=5, seed=4)
    with pytest.raises(ValueError, match="higher_is_better"):
        placebo_in_space(p, "E00000000", 2011)
    with pytest.raises(ValueError, match="'E99' is not in the panel"):
        placebo_in_space(p, "E99", 2011, higher_is_better=False)
    mixed = pd.concat([p, p.assign(sex="Female")])
    with pytest.raises(ValueError, match="sex"):
        placebo_in_space(mixed, "E00000000", 2011, higher_is_better=False)
    with pytest.raises(ValueError, match="Unknown statistic"):
        placebo_in_space(p, "E00000000", 2011, higher_is_better=False, statistic="effect")


def test_aggregates_are_not_placebo_units():
    p = make_panel(n_areas=6, seed=5)
    england = p[p.area_code == "E00000001"].assign(area_code="E92000001")
    with_england = pd.concat([p, england])
    r = placebo_in_space(with_england, "E00000000", 2011, higher_is_better=False)
    assert r.n_areas == 6 and "E92000001" in r.notes[0]
    kept = placebo_in_space(with_england, "E00000000", 2011, higher_is_better=False,
                            exclude_aggregates=False)
    assert kept.n_areas == 7


def test_a_space_panel_built_once_fits_every_break_as_the_tidy_panel_does():
    """A specification curve refits one panel at 9 breaks and rules: pivoting it once changes no number."""
    p = make_panel(n_areas=20, seed=3, missing=[("E00000005", 2009)])
    p["area_name"] = p["area_code"].str.replace("E", "Area ")
    once = space_panel(p, "E00000000")
    for brk, rule in ((2011, "start"), (2013, "mid"), (2014, "end")):
        a = placebo_in_space(p, "E00000000", brk, post_rule=rule, higher_is_better=False)
        b = placebo_in_space(once, "E00000000", brk, post_rule=rule, higher_is_better=False)
        pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
        assert (a.rank, a.p_two_sided, a.notes, a.dropped_areas) == (b.rank, b.p_two_sided, b.notes, b.dropped_areas)
        assert b.notes and "E00000005" in b.dropped_areas and "area_name" in b.table
    assert once.notes == () and list(once.incomplete) == ["E00000005"]  # a fit does not add to the shared panel
    with pytest.raises(ValueError, match="built for treated area 'E00000000', not 'E00000001'"):
        placebo_in_space(once, "E00000001", 2011, higher_is_better=False)
