"""Council studies on the real extracts (values checked against the data layer; result objects record and show themselves)."""

import math

import pandas as pd
import pytest

from wigan_deal import config, data, finance, parameters, results
from wigan_deal.studies import (
    asc_finance,
    compare,
    hle,
    mortality,
    overview,
    primary,
    robustness,
    verdicts,
)
from wigan_deal.studies.summary import EffectSummary

WIGAN, LEEDS, ENG = "E08000010", "E08000035", "E92000001"


@pytest.fixture(scope="module")
def wigan():
    return parameters.validate(area_code=WIGAN)


def test_hle_change_table_report_window(wigan):
    t = hle.hle_change_table(WIGAN, wigan.comparator_codes, "2019-05")
    row = t[(t.area_code == WIGAN) & (t.sex == "Male")].iloc[0]
    eng = t[(t.area_code == ENG) & (t.sex == "Male")].iloc[0]
    assert (row.value_start, row.value_end) == (58.9, 60.5)
    assert row.change == pytest.approx(1.6, abs=1e-9)
    assert eng.change == pytest.approx(0.4, abs=1e-9)
    assert row.diff_vs_england == pytest.approx(1.2, abs=1e-9)
    # approx CI from the register's assumption: +/-1.5 per LA estimate, +/-0.2 for England
    assert row.change_upper - row.change == pytest.approx(1.5 * math.sqrt(2), rel=1e-9)
    assert row.diff_upper - row.diff_vs_england == pytest.approx(math.sqrt(2 * 1.5**2 + 2 * 0.2**2), rel=1e-9)
    fem = t[(t.area_code == WIGAN) & (t.sex == "Female")].iloc[0]
    assert fem.change == pytest.approx(2.6, abs=1e-9)
    assert set(t.role) == {"area", "England", "comparator"}
    assert math.isnan(eng.diff_vs_england)


def test_hle_window_moves_inside_a_vintage_and_says_so():
    assert hle.hle_window("2019-05") == ("2009-11", "2015-17", "")
    start, end, note = hle.hle_window("2025-04")
    assert (start, end) == ("2011-13", "2015-17") and "2009-11 is not in vintage 2025-04" in note


def test_a_vintage_without_a_non_overlapping_start_has_no_window():
    """Issue 17: vintage 2026-05 starts at 2015-17, and the window collapsed to '2015-17 -> 2015-17'
    (change +0.0, 'Leeds's male change ranks 1 of 28 among itself')."""
    start, end, note = hle.hle_window("2026-05")
    assert start is None and end == "2015-17"
    assert "cannot be formed" in note and "starts at 2015-17" in note
    table = hle.hle_change_table(LEEDS, [], "2026-05", start, end)
    assert table.empty and list(table.columns) == list(hle.CHANGE_COLUMNS)
    assert hle.change_rank_sentence(table, LEEDS, "Leeds", "Male") is None
    for v in data.vintages("hle_birth"):  # every window that is formed has two non-overlapping periods
        s, e, _ = hle.hle_window(v)
        assert s is None or s != e and int(s[-2:]) < int(e[:4]) % 100, (v, s, e)


def test_change_rank_sentence_names_what_is_ranked():
    leeds = parameters.validate(area_code=LEEDS)
    table = hle.hle_change_table(LEEDS, leeds.comparator_codes, "2019-05")
    focus = table[table["sex"] == "Male"]
    text = hle.change_rank_sentence(focus, LEEDS, "Leeds", "Male")
    n = int(focus["change"].notna().sum())
    own = float(focus.loc[focus["area_code"] == LEEDS, "change"].iloc[0])
    rank = int((focus["change"] > own).sum()) + 1
    assert f"ranks **{rank} of {n}** areas shown (Leeds, England and {n - 2} comparator areas" in text
    assert "among itself" not in text


def test_comparator_groups_label_gm_and_regional_peers(wigan):
    groups = compare.comparator_groups(wigan, "hle_birth", "2019-05")
    assert groups["England"] == [ENG]
    assert len(groups["other GM boroughs (mean)"]) == 9
    leeds = compare.comparator_groups(parameters.validate(area_code=LEEDS))
    assert "regional peers (mean; area is not in GM)" in leeds
    assert LEEDS not in sum(leeds.values(), [])


def test_group_means_are_unweighted_means(wigan):
    groups = {"other GM boroughs (mean)": compare.comparator_groups(wigan)["other GM boroughs (mean)"]}
    g = compare.group_means("hle_birth", groups, sex="Male", vintage="2019-05")
    raw = data.load_indicator("hle_birth", areas=groups["other GM boroughs (mean)"], sex="Male", vintage="2019-05")
    expected = raw[raw.period == "2009-11"]["value"].mean()
    assert g[g.period == "2009-11"]["value"].iloc[0] == pytest.approx(expected)
    assert g["n_areas"].max() == 9 and g["lower_ci"].isna().all()


def test_finance_table_wigan_asc_and_england_sum(wigan):
    groups = compare.comparator_groups(wigan)
    groups.pop("England")
    t = asc_finance.finance_table(WIGAN, groups, "adult_social_care")
    own = t[t.role == "area"].set_index("financial_year")
    assert own.loc["2011/12", "value_gbp000"] == 79716
    assert own.loc["2017/18", "value_gbp000"] == 79329
    assert own.loc["2011/12", "per_head_gbp"] == pytest.approx(1000 * 79716 / 318122)
    eng = t[t.role == "England"].set_index("financial_year")
    fin = data.load_finance(services=["adult_social_care"]).dropna(subset=["value_gbp000"])
    years = fin.groupby("area_code").financial_year.nunique()
    complete = years[years == years.max()].index
    expected = fin[fin.area_code.isin(complete) & (fin.financial_year == "2017/18")].value_gbp000.sum()
    assert eng.loc["2017/18", "value_gbp000"] == pytest.approx(expected)
    assert eng["n_areas"].iloc[0] == len(complete)
    assert finance.cash_change(WIGAN, "adult_social_care", ("2011/12", "2017/18")).change_pct == pytest.approx(
        100 * (79329 - 79716) / 79716)
    assert set(t.loc[t.role == "comparator", "area_code"]) == {"other GM boroughs (sum)", "ONS similar areas (sum)"}


def test_asc_share_skips_years_without_a_total():
    s = asc_finance.asc_share(WIGAN)
    own = s[s.area_code == WIGAN].set_index("financial_year")
    assert "2015/16" not in own.index
    assert own.loc["2011/12", "asc_share_pct"] == pytest.approx(100 * 79716 / 462662)


def test_its_method_table_and_sentence():
    series = compare.series("u75_prev_cancer_mortality", WIGAN, "Persons")
    t = mortality.its_method_table(series, 2011, "start")
    assert list(t.method.unique()) == ["ols", "glsar", "arima"]
    assert (t.lower < t.estimate).all() and (t.estimate < t.upper).all()
    from wigan_deal import its

    text = mortality.its_sentence(its.fit_its(series, 2011), "the rate", "per 100,000", False)
    assert "10 pre-break periods" in text and "Lower values are better" in text


def test_gap_then_and_now_uses_separate_vintages():
    g = hle.gap_then_and_now(WIGAN, "Male", "2019-05", "2015-17", "2026-05")
    assert g["gap_then"] == pytest.approx(63.4 - 60.5)
    assert g["period_now"] == "2022-24" and g["vintage_now"] == "2026-05"


def test_coverage_counts_values_per_series():
    cov = compare.coverage(WIGAN)
    assert cov.loc["hle_birth (2019-05)", 2009] == 2
    assert cov.loc["u75_prev_cancer_mortality (2019-05)", 2001] == 1
    assert isinstance(cov, pd.DataFrame) and (cov.to_numpy() >= 0).all()


# --- study results (wigan_deal.studies.summary / hle) ---------------------------------------------


def test_effect_summary_unpacks_and_shows_text_then_table():
    s = EffectSummary(pd.DataFrame({"change": [1.25]}), "**Male:** +1.2 years")
    table, text = s
    assert text.startswith("**Male:**") and list(table.columns) == ["change"]
    md = s._repr_markdown_()
    assert md.index("**Male:**") < md.index("<table") and "1.25" in md
    assert EffectSummary(text="only text")._repr_markdown_() == "only text"


def test_a_study_is_shown_from_one_summary_and_as_it_shows_itself(monkeypatch):
    """IPython asks for markdown and plain text: one summary() serves both (each used to compute its own)."""
    from IPython.core.formatters import DisplayFormatter

    from wigan_deal.studies.summary import Study

    calls = []

    class Example(Study):
        def summary(self) -> EffectSummary:
            calls.append(1)
            return EffectSummary(pd.DataFrame({"change": [1.25]}), "**Male:** +1.2 years")

        def record(self, rec) -> None:
            pass

    data, _md = DisplayFormatter().format(Example())
    assert len(calls) == 1
    assert data["text/markdown"] == Example()._repr_markdown_() and data["text/plain"] == repr(Example())

    class Own(Example):
        def _repr_markdown_(self) -> str:
            return "*own words* " + super()._repr_markdown_()

    data, _md = DisplayFormatter().format(Own())  # a study that writes its own markdown is shown by it
    assert data["text/markdown"].startswith("*own words* **Male:**") and data["text/plain"] == repr(Own())


def test_the_coverage_summary_is_computed_once_per_version_of_its_tables(tmp_path, monkeypatch):
    from wigan_deal import inference

    first = primary.coverage_study().summary()
    assert primary.coverage_study().summary() is first  # the same for every council: once
    copy = tmp_path / "coverage_table.csv"
    table = inference.load_table()
    table.loc[table.index[0], "coverage"] = 0.123
    table.to_csv(copy, index=False)
    monkeypatch.setattr(inference, "TABLE_FILE", copy)  # another version of one committed table: computed afresh
    again = primary.coverage_study().summary()
    assert again is not first and not again.table.equals(first.table)


def test_hle_change_study_records_what_notebook_02_recorded(wigan):
    rec = results.Recorder(None, "02")
    change = hle.change_study(wigan, "Wigan")
    change.record(rec)
    keys = {f"{k}_{s.lower()}" for k in ("hle_change", "england_hle_change", "hle_change_diff") for s in config.SEXES}
    assert set(rec.values) == keys
    male = rec.values["hle_change_diff_male"]
    assert male["value"] == pytest.approx(1.2, abs=1e-9) and male["label"] == "Wigan minus England, male HLE change"
    assert male["upper"] - male["value"] == pytest.approx(math.sqrt(2 * 1.5**2 + 2 * 0.2**2), rel=1e-9)
    assert "+/-1.5 years per LA estimate and +/-0.2 for England" in male["note"]
    text = change.summary().text
    assert "Difference in change +1.2 years (approx. 95% CI -0.9 to +3.3)" in text
    assert "Difference in change +2.8 years (approx. 95% CI +0.7 to +4.9): the approximate CI excludes zero" in text
    assert change._repr_markdown_().endswith("</table>")
    assert "ranks **4 of 22**" in change.focus_text()


def test_hle_change_study_without_a_window_records_nothing_and_says_why():
    leeds = parameters.validate(area_code=LEEDS, vintage="2026-05")
    change = hle.change_study(leeds, "Leeds")
    rec = results.Recorder(None, "02")
    change.record(rec)
    assert rec.values == {} and change.start is None and not change.computed
    assert "cannot be formed" in change.summary().text and "No Leeds change is computed" in change.summary().text
    assert change.summary().table.empty
    gap = hle.gap_study(change)
    gap.record(rec)
    assert {"hle_gap_then_male", "hle_gap_now_female"} <= set(rec.values)


def test_hle_revisions_and_its_refusal_record_themselves(wigan):
    change = hle.change_study(wigan, "Wigan")
    rec = results.Recorder(None, "02")
    revisions = hle.revision_study(change)
    revisions.record(rec)
    assert rec.values["hle_max_revision"]["value"] == pytest.approx(-0.8, abs=0.05)
    assert "For scale, the 2009-11 to 2015-17 change above is +1.6 years" in revisions.summary().text
    refusal = hle.its_refusal(change, wigan)
    refusal.record(rec)
    assert rec.values["hle_its_refused"]["value"] is True and "ShortPreperiodError" in refusal.summary().text


def test_finance_studies_record_what_notebook_04_recorded(wigan):
    rec = results.Recorder(None, "04")
    budget = asc_finance.budget_study(WIGAN, "Wigan")
    savings = asc_finance.savings_study(WIGAN, "Wigan")
    for study in (budget, savings, savings.neighbours(), asc_finance.asc_cash_study(wigan, "Wigan"),
                  asc_finance.tse_cash_study(wigan, "Wigan")):
        study.record(rec)
        assert study.summary().text
    assert rec.values["asc_2011_12"]["value"] == 79716 and rec.values["asc_2017_18"]["value"] == 79329
    assert rec.values["asc_change_pct"]["value"] == pytest.approx(100 * (79329 - 79716) / 79716)
    assert rec.values["asc_years_over_budget"]["unit"] == "years"
    assert {"asc_balanced_band_pp", "savings_percentile", "controlled_percentile_neighbours",
            "tse_excl_ph_change_gbp000", "asc_real_per_adult_last"} <= set(rec.values)
    assert len(rec.values) == 26
    band = budget.band().table
    assert len(band) == 7 and set(band["position"]) <= {"within the band", "over budget beyond the band",
                                                         "under budget beyond the band"}


def test_finance_studies_without_outturns_say_why_and_record_nothing():
    p = parameters.validate(area_code="E06000061")  # North Northamptonshire, created in 2021
    rec = results.Recorder(None, "04")
    for study in (asc_finance.budget_study(p.area_code, "N"), asc_finance.savings_study(p.area_code, "N"),
                  asc_finance.asc_cash_study(p, "N"), asc_finance.tse_cash_study(p, "N")):
        study.record(rec)
        assert "created in 2021" in study.summary().text or "No " in study.summary().text
    assert rec.values == {}


def test_mortality_studies_record_what_notebook_03_recorded(wigan):
    rec = results.Recorder(None, "03")
    le65 = mortality.own_break_study(wigan, "Wigan", "le_65", "2019-12", key="le65", what="life expectancy at 65",
                                     short="LE at 65", comparative="slope")
    for study in (le65, mortality.cancer_comparative_study(wigan, "Wigan"), mortality.inequality_study(wigan, "Wigan")):
        study.record(rec)
    assert set(le65.fits) == set(config.SEXES) and not le65.missing
    assert rec.values["its_le65_slope_change_female"]["unit"] == "years per year"
    assert rec.values["cits_le65_england_slope_male"]["label"].endswith("(Newey-West; interval not calibrated at n = 16)")
    assert rec.values["cits_cancer_england_level"]["label"].endswith("interval not calibrated at n = 15)")
    assert {"sii_change_male", "sii_change_female"} <= set(rec.values)
    assert "**Male.** *Own break" in le65.summary().text and len(le65.methods()) == 2 * 3 * 2


def test_mortality_studies_without_series_record_nothing():
    city = parameters.validate(area_code="E06000053")  # Isles of Scilly: too small for these series
    rec = results.Recorder(None, "03")
    cancer = mortality.cancer_comparative_study(city, "City")
    cancer.record(rec)
    assert "cits_cancer_england_level" not in rec.values and cancer.summary().table.empty
    le = mortality.own_break_study(city, "City", "le_birth", "2019-12", key="le", what="life expectancy", short="LE")
    le.record(rec)
    assert set(le.missing) == set(config.SEXES) and rec.values == {}
    assert "no data for this area" in le.summary().text.lower()


def test_cancer_and_preventable_studies_record_what_notebook_03_recorded(wigan):
    rec = results.Recorder(None, "03")
    cancer, prev = mortality.cancer_study(wigan, "Wigan"), mortality.preventable_study(wigan, "Wigan")
    for study in (cancer, prev):
        study.record(rec)
    level = rec.values["its_cancer_level_change"]
    assert level["value"] == pytest.approx(-3.5267, abs=1e-3) and level["lower"] < level["value"] < level["upper"]
    assert level["label"].endswith("level change (OLS+HAC; interval not calibrated at n = 15)")
    assert rec.values["its_cancer_slope_change"]["unit"] == "per 100,000 per year"
    # OHID single years from 2010: a 2011 break leaves one pre-period, so the engine refuses and says why
    assert prev.fit is None and "ShortPreperiodError" in prev.summary().text and "its_prev_level_change" not in rec.values
    change = rec.values["u75_preventable_change"]
    assert change["value"] == pytest.approx(14.8, abs=1e-9) and change["label"].endswith("change 2010 to 2022 (descriptive)")
    assert "Lower values are better" in cancer.summary().text and len(cancer.methods()) == 3 * 2
    assert list(cancer.diagnostics()["test"].str[:6]) == ["Durbin", "Ljung-", "Breusc"]


def test_primary_and_own_break_studies_record_every_outcome(wigan):
    rec = results.Recorder(None, "03")
    main, own = primary.primary_study(WIGAN), primary.own_break_description(WIGAN, "Wigan")
    main.record(rec)
    own.record(rec)
    p = rec.values["primary_u75_cancer_level"]
    assert p["value"] == pytest.approx(-3.117, abs=1e-3) and p["label"].startswith("PRIMARY: Wigan minus the non-GM")
    assert {f"its_ownbreak_{k}_{q}_change" for k in ("cancer", "le_male", "le_female") for q in ("level", "slope")} \
        <= set(rec.values)
    assert rec.values["its_ownbreak_cancer_level_change"]["value"] == pytest.approx(-3.5267, abs=1e-3)
    assert "DESCRIPTION, not primary" in own.summary().text and len(own.summary().table) == 3 * 2


def test_devolution_study_covers_every_series_and_sex(wigan):
    dev = mortality.devolution_study(wigan)
    assert len(dev.texts) == 1 + 3 * len(config.SEXES)
    assert set(dev.table["window"]) >= {"pre-devolution"}


def test_robustness_studies_record_the_wigan_backtest(wigan):
    """The falsification values of tests/test_notebooks_execute.py::test_wigan_robustness, through the studies."""
    rec = results.Recorder(None, "05")
    outcome = robustness.robustness_outcome(WIGAN, "Male")
    assert outcome.indicator == "u75_prev_cancer_mortality" and outcome.usable
    assert outcome._repr_markdown_() == "**Outcome of these checks:** under-75 preventable cancer mortality (per 100,000)."
    space = robustness.space_study(wigan, "Wigan", outcome)
    synth_default = robustness.synth_study(wigan, "Wigan", outcome)
    for study in (robustness.placebo_time_study(wigan, "Wigan", outcome), robustness.break_year_study(wigan, "Wigan", outcome),
                  space, space.rtm(), synth_default, primary.primary_placebo_study(WIGAN, "Wigan", outcome),
                  robustness.spec_curve_study(WIGAN, outcome, synth_default)):
        study.record(rec)
    v = {k: d["value"] for k, d in rec.values.items()}
    assert (v["placebo_space_n"], v["placebo_space_rank"], v["placebo_space_slope_rank"]) == (123, 29, 102)
    assert (v["placebo_time_n"], v["placebo_time_n_significant"]) == (5, 5)
    assert (v["primary_placebo_time_n"], v["primary_placebo_time_n_significant"], v["ownbreak_placebo_time_n_significant"]) \
        == (5, 0, 1)
    assert v["break_2013_level_change"] == pytest.approx(-1.3742, abs=1e-3)
    assert v["synth_mean_post_gap"] == pytest.approx(1.18, abs=0.05) and v["placebo_space_le_rank_male"] == 48
    assert v["rtm_correlation"] == pytest.approx(-0.104, abs=1e-3)
    assert len([k for k in v if k.startswith("speccurve_")]) == 3 * 2 * 2 * 2
    assert rec.values["synth_mean_post_gap"]["note"] == "no CI: inference is the placebo p-value"


def test_robustness_studies_skip_an_area_without_a_complete_series():
    scilly = parameters.validate(area_code="E06000053")
    outcome = robustness.robustness_outcome(scilly.area_code, scilly.sex)
    assert not outcome.usable and "Every check below is skipped" in outcome.note
    rec = results.Recorder(None, "05")
    space = robustness.space_study(scilly, "Scilly", outcome)
    for study in (robustness.placebo_time_study(scilly, "Scilly", outcome), space, space.rtm(),
                  robustness.synth_study(scilly, "Scilly", outcome)):
        study.record(rec)
        assert study.summary().text.startswith("*Skipped: Scilly has no complete series")
    assert rec.values == {}


def test_placebo_time_study_records_zero_breaks_when_the_pre_period_is_too_short():
    p = parameters.validate(area_code=WIGAN, break_year=2004)
    study = robustness.placebo_time_study(p, "Wigan", robustness.robustness_outcome(WIGAN, "Male"))
    rec = results.Recorder(None, "05")
    study.record(rec)
    assert rec.values["placebo_time_n"]["value"] == 0 and "not possible here" in study.summary().text


def test_overview_studies_record_the_data_layers_counts(wigan):
    """Notebook 01: the counts recorded are the data layer's own (12 indicators, 52 raw datasets for v0.3's data)."""
    rec = results.Recorder(None, "01_data_overview")
    studies = [overview.indicator_study(), overview.coverage_study(WIGAN, "Wigan"), overview.comparator_study(wigan),
               overview.provenance_study()]
    for study in studies:
        study.record(rec)
    v = {k: x["value"] for k, x in rec.values.items()}
    assert v["n_indicators"] == len(data.indicators()) == 12 and v["n_datasets"] == len(data.provenance()) == 52
    assert v["n_hle_vintages"] == len(data.vintages("hle_birth")) and v["n_comparator_areas"] == len(wigan.comparator_codes)
    assert v["all_checksums_match"] is True and v["n_values_area"] == int(studies[1].table.to_numpy().sum())
    assert list(studies[0].summary().table.columns) == overview.CATALOGUE_COLUMNS


def test_period_rule_study_follows_the_post_rule():
    start = overview.period_rule_study(parameters.validate(area_code=WIGAN))
    mid = overview.period_rule_study(parameters.validate(area_code=WIGAN, post_rule="mid"))
    assert start.summary().table.loc["2010-12", "hle_birth"] == "pre" and mid.summary().table.loc["2010-12", "hle_birth"] == "post"
    assert "**hle_birth** 2 pre / 5 post" in start.summary().text and "**hle_birth** 1 pre / 6 post" in mid.summary().text


def test_verdict_tables_format_estimates_through_fmt():
    """Notebook 06's coloured tables: two decimals by fmt.number (no '-0.00', thousands separated), blank when
    missing, each verdict on its colour."""
    frame = pd.DataFrame({"claim_id": ["a", "b", "c"], "verdict": ["supported", "not supported", "odd"],
                          "estimate": [-0.0028, 12345.678, float("nan")], "lower": [1.25, float("nan"), -2.5],
                          "upper": [3.0, 4.0, 5.0]})
    html = verdicts.coloured(frame).to_html()
    assert ">0.00<" in html and "-0.00" not in html and ">12,345.68<" in html and ">-2.50<" in html
    assert ">nan<" not in html.lower() and "#e3f4e3" in html and "#fbe3e3" in html


def test_verdict_study_records_every_claim_once():
    study = verdicts.verdict_study(WIGAN, "Wigan")
    rec = results.Recorder(None, "06_report_claims")
    study.record(rec)
    counts = {k[2:].replace("_", " "): x["value"] for k, x in rec.values.items() if k.startswith("n_")}
    assert counts == study.counts().to_dict() and sum(counts.values()) == len(rec.tables["claims"]["rows"])
    assert study.summary().text.endswith(f"(of {len(study.table)} claims, Wigan).")


def test_finance_context_studies():
    check = asc_finance.baseline_check_study(WIGAN)
    assert check.summary().text == finance.baseline_check_text(WIGAN)
    assert set(check.area_lines()["line"]) <= set(check.check["line"]) and check.summary().table.shape[0] == check.check["outlier"].sum()
    assert asc_finance.spending_power_study("E06000061", "North Northamptonshire").summary().text == (
        "*No spending power series for North Northamptonshire.*")
    power = asc_finance.spending_power_study(WIGAN, "Wigan")
    assert not power.table.empty and set(power.summary().table.index) == set(power.table["series"])
    share = asc_finance.share_study(WIGAN).summary().table
    assert list(share.index) == ["Wigan", asc_finance.ENGLAND_FINANCE_LABEL]
    assert share.loc["Wigan", "2011/12"] == pytest.approx(round(100 * 79716 / 462662, 1))


def test_coverage_names_the_series_an_area_lacks():
    """Every series of the extracts is a row, so an area's missing series are named (v0.3 counted only the series
    the area had: North Northamptonshire 'has data in 7 of 7 series', Kent '25 of 25')."""
    assert overview.coverage_study(WIGAN, "Wigan").summary().text == (
        "Wigan has data in **37 of 37** series. Every series has data for this area.")
    north = overview.coverage_study("E06000061", "North Northamptonshire")
    text = north.summary().text
    assert text.startswith("North Northamptonshire has data in **7 of 37** series. No data for: ")
    assert "finance: adult_social_care" in text and (north.table.loc["finance: adult_social_care"] == 0).all()
    kent = overview.coverage_study("E10000016", "Kent").summary().text
    assert "**25 of 37**" in kent and "hle_birth (2026-05)" in kent


def test_claim_panels_without_data_leave_no_gap(monkeypatch):
    """Notebook 06's claim panels: a claim that cannot be drawn for the area (no data) gives its panel to the next
    claim, so the drawn panels come first in the grid and only the last ones are switched off."""
    import matplotlib.pyplot as plt

    from wigan_deal import claims
    from wigan_deal.studies import verdicts

    register = claims.load_register()
    plottable = [c.id for c in register if c.testable or c.context is not None]
    missing = set(plottable[:2])

    def fake_plot_claim(claim_id, area_code, ax=None, **_):
        if claim_id in missing:
            raise LookupError(f"no data for {claim_id}")
        ax.plot([2011, 2017], [1, 2], label=claim_id)
        ax.set_title(claim_id)
        return ax

    monkeypatch.setattr(claims, "plot_claim", fake_plot_claim)
    fig, skipped = verdicts.plot_series(config.WIGAN)
    try:
        assert [s.split(" (")[0] for s in skipped] == plottable[:2]
        shown = [ax.get_title() if ax.axison else None for ax in fig.axes]
        drawn = len(plottable) - 2
        assert shown[:drawn] == plottable[2:] and shown[drawn:] == [None] * (len(fig.axes) - drawn)
    finally:
        plt.close(fig)
