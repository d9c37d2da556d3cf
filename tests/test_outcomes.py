"""Notebook 07 helpers: peer groups, comparison table, percentiles, missing-measure notes, pathway figure."""

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import pytest  # noqa: E402

from wigan_deal import config, outcomes  # noqa: E402
from wigan_deal.report.index import render_index  # noqa: E402

WIGAN, KENT, CAMDEN = config.WIGAN, "E10000016", "E09000007"


@pytest.fixture(scope="module")
def wigan_table():
    groups, _ = outcomes.peer_groups(WIGAN)
    return outcomes.comparison_table(WIGAN, groups=groups)


def _row(table, code, year, source="ascof_processed"):
    hit = table[(table["measure_code"] == code) & (table["financial_year"] == year) & (table["source"] == source)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_groups_for_a_gm_borough_and_elsewhere():
    groups, notes = outcomes.peer_groups(WIGAN)
    assert groups["England"] == [config.ENGLAND]
    assert len(groups["other GM boroughs"]) == 9 and WIGAN not in groups["other GM boroughs"]
    assert groups["ONS similar areas"] and WIGAN not in groups["ONS similar areas"]
    kent, _ = outcomes.peer_groups(KENT)
    assert "regional peers" in kent and "other GM boroughs" not in kent
    if "deprivation" not in outcomes.wd.COMPARATOR_KINDS:
        assert any("Deprivation-matched" in n for n in notes)


def test_comparison_values_and_percentile(wigan_table):
    r = _row(wigan_table, "2A(2)", "2018/19")
    assert r["area"] == 378.4 and r["England"] == 577.6
    assert r["n_councils"] == 152
    # fewer admissions is better: the percentile counts councils with at least as high a rate
    allc = outcomes.wd.load_social_care("2A(2)", sources="ascof_processed")
    allc = allc[(allc["financial_year"] == "2018/19") & (allc["area_code"] != config.ENGLAND)]["value"]
    assert r["percentile"] == pytest.approx(100 * (allc >= 378.4).mean())
    assert r["percentile"] > 85
    gm = _row(wigan_table, "2A(2)", "2018/19", "lginform_gm")
    assert math.isnan(gm["percentile"])  # GM-only series: no all-council distribution
    others = outcomes.wd.load_social_care("2A(2)", areas=[c for c in config.GREATER_MANCHESTER if c != WIGAN],
                                          sources="ascof_processed")
    mean = others[others["financial_year"] == "2018/19"]["value"].mean()
    assert r["other GM boroughs"] == pytest.approx(mean)


def test_latest_prefers_the_newest_year_with_an_england_row(wigan_table):
    latest = outcomes.latest(wigan_table)
    assert list(latest["measure_code"]) == list(outcomes.PATHWAY)
    r = latest.set_index("measure_code").loc["2A(2)"]
    assert (r["financial_year"], r["source"], r["area"]) == ("2019/20", "ascof_processed", 685.1)


def test_missing_measures_get_a_note_not_an_error():
    groups, _ = outcomes.peer_groups(CAMDEN)
    table = outcomes.comparison_table(CAMDEN, ["2B(1)", "2A(2)"], groups=groups)
    notes = outcomes.missing_notes(CAMDEN, table)
    assert any("Greater Manchester" in n and "2B(1)" in n for n in notes)
    kent = outcomes.comparison_table(KENT, ["1A"], groups=outcomes.peer_groups(KENT)[0])
    assert any("2019/20" in n and "1A" in n for n in outcomes.missing_notes(KENT, kent))


def test_baseline_note_is_honest():
    assert outcomes.baseline_note(WIGAN).startswith("Only 2B(1) has a value before 2011")
    assert "description, not attribution" in outcomes.baseline_note(CAMDEN)


def test_pathway_figure_marks_missing_rows(wigan_table):
    ax = outcomes.pathway_figure(WIGAN, wigan_table)
    assert len(ax.get_yticklabels()) == len(outcomes.PATHWAY)
    empty = wigan_table.assign(area=float("nan"))
    ax2 = outcomes.pathway_figure(WIGAN, empty)
    assert sum(t.get_text() == "no value for this area" for t in ax2.texts) == len(outcomes.PATHWAY)


def test_index_lists_the_pathway_table():
    results = {"07_social_care_outcomes": {"values": {}, "tables": {"pathway": {
        "columns": ["measure_code", "area", "England"], "rows": [["2A(2)", 685.1, 584.0]]}}}}
    html = render_index(title="t", parameters={}, vintage="v", notebooks=[], results=results)
    assert 'id="pathway"' in html and "2A(2)" in html and "685" in html


def test_deprivation_peers_present_or_explained():
    groups, notes = outcomes.peer_groups(WIGAN)
    assert "deprivation-matched peers" in groups and len(groups["deprivation-matched peers"]) > 0
    # a council created after the IoD2019 geography gets a note, not an error
    groups, notes = outcomes.peer_groups("E06000061")
    assert "deprivation-matched peers" not in groups and any("IoD2019" in n for n in notes)


def test_a_measure_over_two_years_has_whole_year_ticks():
    """2C(1) has two years (2018, 2019): matplotlib's default ticks read 2018.0, 2018.2, ... 'financial year 2018.4'."""
    import matplotlib.pyplot as plt

    from wigan_deal import outcomes

    ax = outcomes.measure_figure("E08000010", "2C(1)", {})
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "2018" in labels and "2019" in labels and not [t for t in labels if "." in t], labels
    plt.close(ax.figure)
