"""Per-council HLE half-widths (publisher's flags + population-scaled empirical noise) and the one
change-with-CI function, on the real extracts."""

from __future__ import annotations

import math

import pytest

from wigan_deal import config, hle_ci


def test_change_with_ci_numbers():
    ch = hle_ci.change_with_ci(60.0, 62.6, 64.0, 63.8, se_area=(1.7 / hle_ci.Z975,) * 2,
                               se_comp=(0.2 / hle_ci.Z975,) * 2)
    assert ch["area_change"] == pytest.approx(2.6) and ch["diff"] == pytest.approx(2.8)
    assert ch["diff_upper"] - ch["diff"] == pytest.approx(math.sqrt(2 * 1.7**2 + 2 * 0.2**2))
    assert ch["area_change_upper"] - ch["area_change"] == pytest.approx(math.sqrt(2) * 1.7)
    assert math.isnan(hle_ci.se_from_halfwidth(None))


@pytest.mark.skipif(not (config.RAW_DIR / "healthy_life_expectancy").is_dir(), reason="raw HLE files not present")
def test_committed_flags_match_the_raw_files():
    fresh = hle_ci.build_flags()
    assert hle_ci.load_flags().equals(fresh.astype(str))
    assert set(fresh["vintage"]) == {"2019-05", "2020-06", "2024-07", "2025-04", "2026-05"}


def test_wigan_bounds_from_the_publisher_flags():
    """The review's bound: Wigan's female half-width lies between 1.2 ('Similar' at 1.2 from England, 2015-17)
    and 1.7 ('Worse' at 1.7); the population-scaled empirical value (1.93) is above it, so 1.7 is used."""
    f = hle_ci.council_halfwidths("Female").set_index("area_code").loc[config.WIGAN]
    assert (f.flag_lower, f.flag_upper) == pytest.approx((1.2, 1.7))
    assert f.halfwidth_population == pytest.approx(1.933, abs=1e-3) and f.halfwidth == pytest.approx(1.7)
    m = hle_ci.council_halfwidths("Male").set_index("area_code").loc[config.WIGAN]
    assert math.isnan(m.flag_lower) and m.flag_upper == pytest.approx(2.3)
    assert m.halfwidth == pytest.approx(m.halfwidth_population) == pytest.approx(1.601, abs=1e-3)


def test_population_scaling_and_model_sources():
    t = hle_ci.council_halfwidths("Female").set_index("area_code")
    assert len(t) == 150
    # a big council gets a narrower population-scaled width than a small one
    kent, rutland = t.loc["E10000016", "halfwidth_population"], t.loc["E06000017", "halfwidth_population"]
    assert kent < 1.0 < 2.5 < rutland
    # mean variance across councils = the empirical one (calibration)
    sigma = hle_ci.noise_model("Female")["sigma_cov"]
    scaled = t["halfwidth_population"].dropna() / hle_ci.Z975
    assert (scaled**2).mean() == pytest.approx(sigma**2, rel=1e-9)
    assert t["source"].str.startswith("publisher's flags").sum() == 59  # the flags bind for 59 of 150 councils


def test_later_vintage_flags_contradict_a_constant_width_for_wigan():
    """2026-05: 'Similar' at 3.4 years from England in one period, 'Worse' at 2.6 in another - the width is not
    constant (survey disruption), so the flags are ignored and the population-scaled value is used."""
    f = hle_ci.council_halfwidths("Female", "2026-05").set_index("area_code").loc[config.WIGAN]
    assert f.flag_lower > f.flag_upper and "contradict" in f.source
    assert hle_ci.halfwidth(config.ENGLAND, "Female", "2026-05")[0] == config.HLE_ENGLAND_CI_HALFWIDTH


def test_every_council_s_regression_to_the_mean_ranks_count_the_councils_above_it():
    """Rank 1 = the largest increase; a council's rank is one more than the number of councils strictly above it
    (ties share the best rank), for the raw and the adjusted change, every council and sex."""
    for sex in config.SEXES:
        change, _, _, adjusted = hle_ci._rtm_fit(sex, config.REPORT_VINTAGE, hle_ci.START, hle_ci.END)
        assert change.duplicated().any()  # tied changes exist (values to 0.1 year), so ties are exercised
        for code in change.index:
            row = hle_ci.rtm_adjusted(code).set_index("sex").loc[sex]
            assert row["rank raw"] == (change > change[code]).sum() + 1, code
            assert row["rank adjusted"] == (adjusted > adjusted[code]).sum() + 1, code
