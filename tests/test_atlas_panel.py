"""The atlas histograms are drawn from the FULL panel of councils (issue 17 leftover), with each council's
value equal to what its notebooks record (the notebooks' own functions, called here)."""

from __future__ import annotations

import pytest

from wigan_deal import config, finance, hle_noise, its
from wigan_deal.report import atlas, atlas_panel
from wigan_deal.studies import asc_finance, compare, hle


@pytest.fixture(scope="module")
def panel():
    return atlas_panel.compute_distributions()


def test_the_atlas_pages_read_the_panel_computed_once(panel):
    kept = atlas_panel.distributions()  # from the result cache (computed once per version of code and data)
    assert kept.keys() == panel.keys() and all(kept[k].equals(panel[k]) for k in panel)
    kept["hle_diff_male"].iloc[0] = 99.0  # a copy: changing it changes nothing kept
    assert atlas_panel.distributions()["hle_diff_male"].iloc[0] == panel["hle_diff_male"].iloc[0]


def test_every_figure_has_the_full_panel(panel):
    councils = atlas_panel.council_codes()
    assert len(councils) > 140 and config.ENGLAND not in councils
    for key, _label in atlas.FIGURES:
        values = panel[key]
        assert len(values) > 100, key  # far more councils than any subset run
        assert set(values.index) <= set(councils) and values.notna().all(), key


@pytest.mark.parametrize("code", ["E08000010", "E08000035", "E06000052", "E10000003"])
def test_panel_values_equal_the_notebooks_definitions(panel, code):
    start, end, _ = hle.hle_window(config.DEFAULT_VINTAGE)  # notebook 02
    change = hle.hle_change_table(code, [], config.DEFAULT_VINTAGE, start, end)
    male = change[(change.role == "area") & (change.sex == "Male")]
    assert panel["hle_diff_male"][code] == pytest.approx(float(male.diff_vs_england.iloc[0]), abs=1e-9)
    rtm = hle_noise.rtm_adjusted(code).set_index("sex").loc["Male", "adjusted change"]  # atlas rows
    assert panel["hle_rtm_residual"][code] == pytest.approx(float(rtm), abs=1e-9)
    cancer = compare.series(atlas_panel.CANCER, code, "Persons")  # notebook 03
    if cancer.empty:
        assert code not in panel["its_cancer_level"].index
    else:
        fit = its.fit_its(cancer, config.DEFAULT_BREAK_YEAR, post_rule=config.DEFAULT_POST_RULE)
        assert panel["its_cancer_level"][code] == pytest.approx(fit.level_change.estimate, abs=1e-9)
    fin = asc_finance.finance_table(code, {}, "adult_social_care")  # notebook 04 (its asc_change_pct)
    own = fin[fin.role == "area"].set_index("financial_year")
    pct = finance.cash_change(code, "adult_social_care", (own.index[0], own.index[-1])).change_pct
    assert panel["asc_change_pct"][code] == pytest.approx(pct, abs=1e-9)


def test_a_subset_atlas_draws_the_full_panel(tmp_path, panel):
    rows = [{"area_code": "E08000010", "area_name": "Wigan"}]  # a one-council run
    made = atlas.draw_figures(tmp_path, rows, "E08000010", panel)
    assert [f for f, _, _ in made] == [f"{key}.png" for key, _ in atlas.FIGURES]
    for (_file, alt, caption), (key, _label) in zip(made, atlas.FIGURES, strict=True):
        assert f"across {len(panel[key])} councils" in alt and "Wigan (E08000010) is marked" in alt
        assert "whichever councils this atlas run rendered" in caption
