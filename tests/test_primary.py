"""The pre-specified primary analysis (data/analysis_plan.yml) on Wigan's real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wigan_deal import config, inference
from wigan_deal.its import placebo_in_space


def test_plan_names_one_primary_spec_per_outcome():
    plan = inference.analysis_plan()
    assert plan["date"] == "2026-11-28"
    for name in ("u75_prev_cancer_mortality", "le_birth", "hle_birth"):
        spec = inference.primary_spec(name)
        assert {"inference", "comparator", "break_year", "reason"} <= set(spec)
    assert inference.primary_spec("le_birth")["inference"] == inference.primary_method()[0]
    with pytest.raises(KeyError, match="no primary specification"):
        inference.primary_spec("smoking_prevalence")


def test_reference_pool_excludes_other_gm_boroughs():
    panel = inference.reference_panel("u75_prev_cancer_mortality", "Persons", None, config.WIGAN)
    codes = set(panel.area_code)
    assert config.WIGAN in codes and not (codes & (set(config.GREATER_MANCHESTER) - {config.WIGAN}))
    assert config.ENGLAND not in codes


def test_wigan_primary_cancer_result():
    r = inference.primary_its(config.WIGAN, "u75_prev_cancer_mortality", "Persons")
    # point estimate equals the single-series OLS fit; the interval is the permutation one
    assert r.level["estimate"] == pytest.approx(-3.53, abs=0.01)
    assert r.level["lower"] == pytest.approx(-9.62, abs=0.01)
    assert r.level["upper"] == pytest.approx(2.57, abs=0.01)
    assert r.level["n_controls"] == 113
    table, text = r.effect_summary("per 100,000")
    assert text.startswith("DESCRIPTION, not primary") and "national changes included" in text
    assert "includes zero" in text
    assert list(table.quantity) == ["level_change", "slope_change"]
    # q is the 95% order statistic of the controls' |t|
    res = placebo_in_space(inference.reference_panel("u75_prev_cancer_mortality", "Persons", None,
                                                     config.WIGAN),
                           config.WIGAN, 2011, higher_is_better=False, hac_lags=2)
    ctrl = np.sort(np.abs(res.table.loc[~res.table.is_treated, "level_t"]))
    assert r.level["q"] == pytest.approx(ctrl[int(np.ceil(0.95 * 114)) - 1])


def test_placebo_in_time_no_longer_flags_most_pre_period_breaks():
    pit = inference.primary_placebo_in_time(config.WIGAN, "u75_prev_cancer_mortality", "Persons")
    assert list(pit.fake_break) == [2004, 2005, 2006, 2007, 2008]
    assert int(pit.level_excludes_zero.sum()) == 1  # was 5 of 5 with Newey-West(2)
    assert int(pit.slope_excludes_zero.sum()) == 0


# --- issue 15: the comparative primary analysis -------------------------------------------------


def test_selection_rule_applied_to_the_committed_real_panel_study():
    from wigan_deal import panel_coverage as pc

    table = pc.load_panel_table()
    assert set(table.outcome) == set(pc.plan()["pools"])
    sel = pc.select(table)
    assert sel["its"]["choice"] == "poolmean_raw" and sel["before_after"]["choice"] == "poolmean_raw"
    ranking = sel["its"]["ranking"].set_index("candidate")
    # SDID under-covers somewhere, conformal never gives a bounded 95% interval at T = 15-16
    assert not ranking.loc["sdid", "eligible"] and ranking.loc["sdid", "min_coverage"] < 0.93
    assert not ranking.loc["conformal_sc", "eligible"]
    assert np.isinf(ranking.loc["conformal_sc", "score"])


def test_coverage_line_of_the_committed_study_is_made_once_and_follows_an_edited_table(tmp_path, monkeypatch):
    """Every council's primary table states the committed study's coverage line: it is the line of the table read
    and selected afresh, made once per process (no read of the table on a later call), and made again from a
    table file that changed."""
    from wigan_deal import panel_coverage as pc

    line = pc.coverage_line()
    fresh = pc.load_panel_table()
    assert line == pc.coverage_line(fresh) and line.startswith("ITS outcomes: `poolmean_raw`, coverage ")
    monkeypatch.setattr(pc, "load_panel_table", lambda: pytest.fail("the committed study was read again"))
    assert pc.coverage_line() == line
    monkeypatch.undo()
    edited = tmp_path / "panel.csv"
    fresh.assign(coverage=fresh["coverage"] * 0.5).to_csv(edited, index=False)
    monkeypatch.setattr(pc, "PANEL_FILE", edited)
    assert pc.coverage_line() != line and pc.coverage_line() == pc.coverage_line(pd.read_csv(edited))


def test_wigan_comparative_primary_names_its_estimand():
    from wigan_deal import panel_coverage as pc

    r = pc.primary_comparative(config.WIGAN, "le_male")
    # Wigan's own slope change (-0.25) is the national stall; Wigan minus the average is ~0
    assert r.estimates["slope"]["estimate"] == pytest.approx(0.01, abs=0.01)
    assert r.estimates["slope"]["n_placebos"] == 139
    _, text = r.effect_summary("years")
    assert text.startswith("Wigan minus the non-GM council average: level change")
    hle = pc.primary_comparative(config.WIGAN, "hle_female")
    assert hle.estimand("level").endswith("before/after change 2009-11 to 2015-17")
    with pytest.raises(ValueError, match="no complete"):
        pc.primary_comparative("E06000999", "le_male")
    r.note, r.estimates["slope"]["estimate"] = "edited by a caller", 99.0  # computed once, handed out as copies
    again = pc.primary_comparative(config.WIGAN, "le_male")
    assert again.note != "edited by a caller" and again.estimates["slope"]["estimate"] == pytest.approx(0.01, abs=0.01)


def test_docs_hold_both_generated_panel_tables():
    from wigan_deal import panel_coverage as pc

    text = (config.PROJECT_ROOT / "docs" / "inference.md").read_text()
    for tag, fn in (("panel-coverage", pc.markdown_panel), ("panel-simulation", pc.markdown_simulation)):
        block = text.split(f"<!-- generated:{tag} -->\n")[1].split(f"<!-- /generated:{tag} -->")[0]
        assert block.strip() == fn().strip()
    block = text.split("<!-- generated:panel-verdicts -->\n")[1].split("<!-- /generated:panel-verdicts -->")[0]
    assert block.strip() == pc.markdown_verdicts().strip()


def test_committed_real_panel_rows_recompute_exactly_for_hle():
    """The committed study is deterministic: the before/after outcomes (closed form) recompute exactly
    (the full rebuild is `python -m wigan_deal.panel_coverage check`)."""
    from wigan_deal import panel_coverage as pc
    from wigan_deal.its import panel_study as ps

    pool, england, _, spec = pc.outcome_panel("hle_female")
    X, post = pc.design(pool)
    t = ps.run_panel_study(pool.to_numpy(float), X, post, england, pc.candidates_for(spec))
    committed = pc.load_panel_table().query("outcome == 'hle_female'").reset_index(drop=True)
    assert len(t) == len(committed)
    np.testing.assert_allclose(t.coverage, committed.coverage, atol=1e-6)
    np.testing.assert_allclose(t.median_width, committed.median_width, rtol=1e-5)


def test_rule_when_no_candidate_passes_and_on_ties():
    """Fabricated study tables: nobody in the band -> first candidate, not calibrated; equal widths -> the
    earlier candidate of the committed list wins; one outcome out of band disqualifies."""
    import pandas as pd

    from wigan_deal import panel_coverage as pc

    def table(cov, width):
        rows = []
        for cand in ("poolmean_raw", "england_raw", "sdid"):
            for outcome in ("a", "b"):
                rows.append({"design": "its", "outcome": outcome, "candidate": cand, "scenario": "zero",
                             "target": "level", "coverage": cov[cand][outcome], "median_width": width[cand],
                             "mde": 1.0})
        return pd.DataFrame(rows)

    ok = {"a": 0.95, "b": 0.95}
    bad = {"a": 0.95, "b": 0.92}
    t = table({"poolmean_raw": bad, "england_raw": bad, "sdid": bad}, {c: 1.0 for c in ("poolmean_raw", "england_raw", "sdid")})
    assert pc.select(t)["its"]["choice"] is None
    assert pc.chosen("its", t) == ("poolmean_raw", False)
    t = table({"poolmean_raw": ok, "england_raw": ok, "sdid": bad}, {"poolmean_raw": 1.005, "england_raw": 1.0, "sdid": 0.5})
    assert pc.chosen("its", t) == ("poolmean_raw", True)  # tie within 0.01: earlier in the list
    t = table({"poolmean_raw": bad, "england_raw": ok, "sdid": ok}, {"poolmean_raw": 0.1, "england_raw": 1.0, "sdid": 0.5})
    assert pc.chosen("its", t) == ("sdid", True)  # the narrowest eligible one
