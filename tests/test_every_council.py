"""Every English upper-tier council works with the default parameters (fast: no papermill, no HTML).

For each council the studies the notebooks call (``wigan_deal.studies``: every section of notebooks 01-07, the
claims register of notebook 06 through ``studies.verdicts``, so this file cannot drift from the notebooks) run in-process, with
their guards: where a series is missing the notebook shows ``notes.no_data_note`` ("no data for this
area: <why>") and skips, and the claims register grades the claim "not testable" with that reason.
A crash, a note without a reason, or a "not testable for this area" verdict without one fails.

Reproduces issue 11: City of London (E09000001), Isles of Scilly (E06000053) and North
Northamptonshire (E06000061) crashed notebooks 02/04/05 ("fit_its was given an empty frame", a KeyError
on a missing series), and Kent (E10000016) with vintage 2026-05 crashed notebook 02.

Issue 17 adds the invariants of ``tests/invariants.py`` over every council and every variant kind (vintage,
sex and post rule, break year, comparators): every reader-facing text the analysis generates (notes,
windows, ranks, devolution sentences, finance summaries and messages, every claim's evidence) has no window
whose start equals its end, no scientific notation or "nan", geography-bound wording only where it applies,
and a council created after 2019 names its predecessor code; reference fits (regression to the mean) come
from the full panel whatever the run.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from invariants import text_problems
from wigan_deal import (
    claims,
    config,
    data,
    finance,
    hle_noise,
    outcomes,
    parameters,
    results,
)
from wigan_deal.studies import (
    asc_finance,
    compare,
    hle,
    mortality,
    notes,
    overview,
    primary,
    robustness,
    social_care,
    verdicts,
)

COUNCILS = list(data.areas("upper_tier")["area_code"])
HARD_CASES = {"E09000001": {}, "E06000053": {}, "E06000061": {}, "E10000016": {"vintage": "2026-05"}}
#: The councils `make test` runs here (chosen by rule, not by result): Wigan and another GM district (Bolton),
#: Leeds and Cornwall (the report's other worked councils), the four hard cases, and the first council by code
#: of each type (county, London borough, metropolitan district, unitary). The other councils carry the
#: ``every_council`` marker: `make test-councils` runs them and `.ci/run` runs both, so CI still checks every
#: council. 161 councils at ~4 CPU-s each cannot fit `make test`'s two minutes on two cores.
SAMPLE = {config.WIGAN, "E08000001", "E08000035", "E06000052", *HARD_CASES,
          *data.areas("upper_tier").groupby("area_type")["area_code"].first()}
COUNCIL_PARAMS = [code if code in SAMPLE else pytest.param(code, marks=pytest.mark.every_council)
                  for code in COUNCILS]
CANCER, LE, LE_VINTAGE, PREV = "u75_prev_cancer_mortality", "le_birth", "2019-12", "u75_preventable_mortality"


def _is_note(note) -> bool:
    return isinstance(note, str) and note.startswith(notes.NO_DATA + ": ") and len(note) > len(notes.NO_DATA) + 20


def _nb01(p) -> dict:
    """Notebook 01 through its studies (``studies.overview``): the indicators, the area's coverage, the pre/post rule
    of the main series, the comparator groups and the provenance. Returns the recorded values and texts."""
    rec = results.Recorder(None, "01_data_overview")
    studies = {"indicators": overview.indicator_study(), "coverage": (cov := overview.coverage_study(p.area_code, "X")),
               "period rule": (rule := overview.period_rule_study(p)), "comparators": overview.comparator_study(p),
               "provenance": overview.provenance_study()}
    for study in studies.values():
        study.record(rec)
    v = rec.values
    assert list(cov.table.index) == compare.coverage_series(), p.area_code  # a series it lacks is a row of zeros
    assert v["n_series_with_data"]["value"] == len(cov.present()) > 0, p.area_code
    assert v["n_values_area"]["value"] > 0 and v["n_comparator_areas"]["value"] == len(p.comparator_codes)
    assert set(rule.summary().table.stack()) <= {"pre", "post", ""} and "pre" in rule.summary().text
    cov.plot()  # the heatmap draws for every council (an empty row is a series without data)
    plt.close("all")
    return {**{f"text {name}": study.summary().text for name, study in studies.items()}, "values": v}


def _nb02(p) -> dict:
    """Notebook 02, section by section through its studies (``wigan_deal.studies.hle``): HLE trend, change
    table, ITS refusal, revisions, gap then and now, did it last, devolution windows, noise. Returns the HLE note, the recorded values and the texts."""
    out = {}
    rec = results.Recorder(None, "02_healthy_life_expectancy")
    hle_note = notes.no_data_note("hle_birth", p.area_code, vintage=p.vintage)
    groups = compare.comparator_groups(p, "hle_birth", p.vintage)
    for s in config.SEXES:
        frame = compare.trend_frame("hle_birth", p.area_code, groups, sex=s, vintage=p.vintage)
        assert (frame["area_code"] == p.area_code).any() == (hle_note is None) or hle_note
    change = hle.change_study(p, "X")
    own = change.table[change.table["role"] == "area"]
    if hle_note:
        assert _is_note(hle_note) and change.no_data == hle_note, hle_note
        out["hle_note"] = hle_note
    elif change.start is None:  # the vintage holds no period before the end that does not overlap it
        assert own.empty and "cannot be formed" in change.window_note
    else:
        assert own["change"].notna().any(), f"{p.area_code}: HLE data but no {change.start} to {change.end} change"
    gap = hle.gap_study(change)
    studies = {"hle change": change, "hle ITS refusal": hle.its_refusal(change, p),
               "hle revisions": hle.revision_study(change), "hle gap": gap, "hle lasting": hle.lasting_study(change),
               "hle devolution": hle.devolution_study(change), "hle noise": (noise := hle.noise_study(change))}
    for name, study in studies.items():
        study.record(rec)
        out[f"text {name}"] = study.summary().text
    out["text hle comparators"] = hle.comparators_text(p, p.vintage)
    out["text hle rank"] = change.focus_text()
    assert ({f"{k}_{s.lower()}" for k in ("hle_change", "hle_change_diff", "england_hle_change")
             for s in config.SEXES} <= set(rec.values)) == change.computed, sorted(rec.values)
    assert {"hle_its_refused", "hle_gap_then_male", "hle_gap_now_female"} <= set(rec.values)
    assert ("hle_diff_male_per_council_noise" in rec.values) == (noise.result is not None)
    for s, g in gap.gaps.items():
        for v, key in ((p.vintage, "gap_then"), (gap.latest, "gap_now")):
            note = notes.no_data_note("hle_birth", p.area_code, s, v)
            assert math.isnan(g[key]) or note is None
            assert not math.isnan(g[key]) or _is_note(note) or key == "gap_then", (p.area_code, s, v, g)
    out["values"] = rec.values
    return out


def _nb03(p) -> dict:
    """Notebook 03 section by section through its studies (``studies.mortality``, ``studies.primary``): cancer ITS,
    the primary table, the own-break description, the comparative ITS, LE and LE at 65 by sex, preventable mortality
    (2019 definition), the inequality index and the devolution windows. Returns the recorded values and texts."""
    rec, out = results.Recorder(None, "03_mortality_and_life_expectancy_its"), {}
    cancer, main = mortality.cancer_study(p, "X"), primary.primary_study(p.area_code)
    own, prev = primary.own_break_description(p.area_code, "X"), mortality.preventable_study(p, "X")
    inequality, dev = mortality.inequality_study(p, "X"), mortality.devolution_study(p)
    life = {key: mortality.own_break_study(p, "X", ind, mortality.LE_VINTAGE, key=key, what=what, short=short,
                                          comparative=q)
            for ind, key, what, short, q in ((LE, "le", "life expectancy", "LE", "level"),
                                             ("le_65", "le65", "life expectancy at 65", "LE at 65", "slope"))}
    studies = {"cancer": cancer, "primary": main, "own break": own,
               "cancer comparative": mortality.cancer_comparative_study(p, "X"), **life, "preventable": prev,
               "inequality": inequality, "devolution": dev}
    for name, study in studies.items():
        study.record(rec)
        out[f"text {name}"] = study.summary().text
    v = rec.values
    if cancer.fit is None:
        assert cancer.series.empty and _is_note(notes.no_data_note(CANCER, p.area_code, "Persons")), cancer.note
        assert "skipped" in cancer.note and "its_cancer_level_change" not in v
    else:
        assert math.isfinite(cancer.fit.level_change.estimate)
        assert v["its_cancer_level_change"]["label"].endswith(f"not calibrated at n = {cancer.fit.n})")
    assert ("cits_cancer_england_slope" in v) == (cancer.fit is not None), sorted(v)
    with_estimate = main.table.dropna(subset=["estimate"]) if "estimate" in main.table else main.table.iloc[:0]
    assert {k for k in v if k.startswith("primary_")} == {r[0] for r in main.records}
    assert len(main.records) == len(with_estimate) and main.table["estimand"].notna().all()
    for (ind, s), r in own.results.items():
        assert not isinstance(r, str) or len(r) > 20, (ind, s, r)  # a fit, or the reason there is none
    assert len([k for k in v if k.startswith("its_ownbreak_")]) == 2 * len(own._fits())
    for key, study in life.items():
        assert set(study.fits) | set(study.missing) == set(config.SEXES)
        assert all(_is_note(n) for n in study.missing.values()), study.missing
        for s, f in study.fits.items():
            assert math.isfinite(f.level_change.estimate)
            assert f"its_{key}_slope_change_{s.lower()}" in v
    if prev.note:
        assert prev.series.empty and _is_note(notes.no_data_note(PREV, p.area_code, "Persons"))
        assert "u75_preventable_change" not in v and "its_prev_level_change" not in v
    else:
        assert math.isfinite(v["u75_preventable_change"]["value"])
        assert (prev.fit is None) == bool(prev.refused) == ("its_prev_level_change" not in v)
    assert len(inequality.rows) + len(inequality.missing) == len(config.SEXES)
    assert {f"sii_change_{r['sex'].lower()}" for r in inequality.rows} <= set(v)
    assert len(dev.texts) == 1 + 3 * len(config.SEXES) and all(dev.texts)
    out["values"] = v
    return out


def _nb04(p) -> dict:
    """Notebook 04 through its studies (``wigan_deal.studies.asc_finance``): budget vs outturn with the balanced
    band and per head, real-terms savings and spending-power neighbours, the base-year line check, cash ASC and
    total service expenditure with their missing-data notes, ASC share, spending power. Returns the recorded values
    and texts."""
    out = {}
    rec = results.Recorder(None, "04_adult_social_care_finance")
    budget = asc_finance.budget_study(p.area_code, "X")
    savings = asc_finance.savings_study(p.area_code, "X")
    asc_cash, tse_cash = asc_finance.asc_cash_study(p, "X"), asc_finance.tse_cash_study(p, "X")
    studies = {"budget vs outturn": budget, "savings": savings, "neighbours": savings.neighbours(),
               "asc cash": asc_cash, "tse cash": tse_cash}
    for name, study in studies.items():
        if study is not None:  # no neighbours without a savings figure
            study.record(rec)
            out[f"text {name}"] = study.summary().text
    out["text balanced band"] = budget.band().text
    budget.per_head()
    assert (budget.result is None) == bool(budget.reason) == ("asc_variance_pct_last" not in rec.values)
    assert (savings.result is None) == bool(savings.reason) == ("controlled_real_change_pct" not in rec.values)
    check = asc_finance.baseline_check_study(p.area_code)
    assert check.summary().text.startswith("Baseline check") and check.area_lines()["line"].is_unique
    out["text baseline check"] = check.summary().text
    for study, key in ((asc_cash, "asc_change_pct"), (tse_cash, "tse_change_pct")):
        own = study.table[study.table["role"] == "area"] if len(study.table) else study.table
        if study.no_data:
            assert _is_note(study.no_data) and own.empty and key not in rec.values, study.no_data
        else:
            value = rec.values[key]["value"]
            assert value is not None and math.isfinite(value), (p.area_code, key, value)
    share = asc_finance.share_study(p.area_code)
    assert share.summary().table.index.tolist() == list(dict.fromkeys(share.table["area_name"]))
    power = asc_finance.spending_power_study(p.area_code, "X")
    assert power.table.empty == ("No spending power series" in power.summary().text)
    out["text spending power"] = power.summary().text
    out["values"] = rec.values
    return out


def _nb05(p, panels: dict) -> dict:
    """Notebook 05 section by section through its studies (``studies.robustness``, ``studies.primary``): the outcome,
    placebo in time, break years, placebo in space, regression to the mean, synthetic control (default pool), the
    primary method's placebo breaks (6), specification curves (7) and every synthetic-control pool (8). Section 5
    (the coverage studies) is the same committed table for every council: ``tests/test_studies.py`` covers it.
    ``panels`` caches the all-council panels, which do not depend on the council. Returns values, texts, outcome."""

    def panel(indicator: str, sex: str, vintage: str | None):
        if (indicator, sex, vintage) not in panels:
            panels[(indicator, sex, vintage)] = compare.panel(indicator, sex, vintage)
        return panels[(indicator, sex, vintage)]

    outcome = robustness.robustness_outcome(p.area_code, p.sex)
    rec, out = results.Recorder(None, "05_robustness"), {"outcome": outcome, "text outcome": outcome.note}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        space = robustness.space_study(p, "X", outcome, panel)
        synth_default = robustness.synth_study(p, "X", outcome, panel)
        curves = robustness.spec_curve_study(p.area_code, outcome, synth_default)
        studies = {"placebo in time": robustness.placebo_time_study(p, "X", outcome),
                   "break years": robustness.break_year_study(p, "X", outcome), "placebo in space": space,
                   "regression to the mean": space.rtm(), "synthetic control": synth_default,
                   "primary placebo": primary.primary_placebo_study(p.area_code, "X", outcome),
                   "specification curves": curves, "synthetic control pools": robustness.synth_pools_study(p, "X", outcome)}
        for name, study in studies.items():
            study.record(rec)
            out[f"text {name}"] = study.summary().text
    v = rec.values
    checks = ("placebo_time_n", "placebo_space_rank", "rtm_correlation", "synth_mean_post_gap")
    if not outcome.usable:
        assert notes.NO_DATA in outcome.note.lower() and "skipped" in outcome.note
        assert not set(checks) & set(v), sorted(v)
    else:
        assert set(checks) <= set(v), sorted(v)
        assert 1 <= v["placebo_space_rank"]["value"] <= v["placebo_space_n"]["value"]
        assert math.isfinite(v["synth_mean_post_gap"]["value"]) and math.isfinite(v["rtm_correlation"]["value"])
    assert ("primary_placebo_time_n" in v) == (studies["primary placebo"].placebo is not None)
    assert len([k for k in v if k.startswith("speccurve_")]) == 8 * len(curves.curves)
    pools = studies["synthetic control pools"]
    assert (pools.table is None) == bool(pools.error)
    out["values"] = v
    return out


def _nb07(p) -> dict:
    """Notebook 07 through its studies (``studies.social_care``): the pathway measures against England and the peer
    groups (every measure recorded or named as missing), the full table, the reablement series across
    devolution and the missing-measure notes. Returns the recorded values and texts."""
    rec = results.Recorder(None, "07_social_care_outcomes")
    pathway, dev = social_care.pathway_study(p.area_code, "X"), social_care.reablement_devolution(p.area_code)
    for study in (pathway, dev):
        study.record(rec)
    recorded = {k for k in rec.values if k.startswith("pathway_")}
    assert len(recorded) + len(pathway.missing_measures()) == len(outcomes.PATHWAY), sorted(recorded)
    assert len(rec.tables["pathway"]["rows"]) == len(recorded)
    assert len(pathway.full()) == len(pathway.table)
    return {"text pathway context": pathway.context(), "text pathway": pathway.summary().text,
            "text pathway missing": pathway.missing_text(), "text reablement devolution": dev.summary().text,
            "values": rec.values}


@functools.cache
def _nb06(area: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notebook 06 through its study (``studies.verdicts``): the claims verdicts, the amended rules, the verdict
    shares and the later-vintage checks, recorded. Returns the verdict and later-check tables (read only). They
    depend on the area alone, so a test process computes them once per area (the variant tests reuse them)."""
    rec = results.Recorder(None, "06_report_claims")
    graded, later_checks = verdicts.verdict_study(area, "X"), verdicts.later_study(area, "X")
    for study in (graded, graded.amendments(), later_checks):
        study.record(rec)
    table, later = graded.table, later_checks.table
    assert sum(v["value"] for k, v in rec.values.items() if k.startswith("n_")) == len(table)
    assert ("hle_did_it_last" in rec.values) == (later_checks.hle_last() is not None)
    for frame in (table, later):
        assert set(frame["verdict"]) <= set(claims.VERDICTS)
        gaps = frame[frame["evidence"].str.startswith("Not testable for this area")]
        assert (gaps["verdict"] == claims.NOT_TESTABLE).all()
    return table, later


def _reader_texts(p, verdicts: Sequence[pd.DataFrame], *studied: dict) -> dict[str, str]:
    """Every reader-facing text the notebooks generate for ``p`` from the studies (name -> text); ``studied``
    holds the study texts of the notebooks run through their studies (:func:`_nb01` to :func:`_nb05`, :func:`_nb07`)."""
    texts: dict[str, str] = {k: v for out in studied for k, v in out.items() if k.startswith("text ")}
    start, end, texts["hle window note"] = hle.hle_window(p.vintage)
    assert start != end, f"{p.area_code}: HLE window {start} -> {end} in vintage {p.vintage}"
    change = hle.hle_change_table(p.area_code, p.comparator_codes, p.vintage, start, end)
    texts["hle change windows"] = " ".join(f"{r.start} to {r.end}" for r in change.itertuples())
    texts["groups"] = compare.describe_groups(compare.comparator_groups(p, "hle_birth", p.vintage))
    for ind, sex, vintage in (("hle_birth", None, p.vintage), (CANCER, "Persons", None), (LE, p.sex, LE_VINTAGE),
                              (PREV, "Persons", None)):
        texts[f"note {ind}"] = notes.no_data_note(ind, p.area_code, sex, vintage) or ""
    texts["robustness note"] = robustness.robustness_outcome(p.area_code, p.sex).note
    for service in ("adult_social_care", "total_service_expenditure"):
        texts[f"finance note {service}"] = notes.no_finance_note(p.area_code, service) or ""
    try:
        texts["savings (previous measure)"] = finance.real_terms_savings(p.area_code).effect_summary()
    except finance.FinanceDataError as exc:
        texts["savings (previous measure)"] = str(exc)
    for i, table in enumerate(verdicts):
        for r in table.itertuples():
            texts[f"claims {i} {r.claim_id}"] = f"{r.evidence} {getattr(r, 'unit', '')}"
    return texts


def _check_invariants(p, verdicts: Sequence[pd.DataFrame], *studied: dict) -> None:
    problems = [x for name, text in _reader_texts(p, verdicts, *studied).items()
                for x in text_problems(text, p.area_code, name)]
    assert not problems, f"{p.area_code}: " + "\n".join(problems[:10])


def _rtm_from_full_panel(area: str) -> None:
    """The regression-to-the-mean fit is over every council with HLE at both ends (never a subset)."""
    w = data.load_indicator("hle_birth", sex="Male", vintage=config.REPORT_VINTAGE)
    w = w[~w["area_code"].str.startswith(config.AGGREGATE_PREFIXES)]
    both = w[w["period"].isin([hle_noise.START, hle_noise.END])].dropna(subset=["value"])
    panel = set(both.groupby("area_code").filter(lambda g: len(g) == 2)["area_code"])
    if area in panel:
        fit = hle_noise.rtm_adjusted(area).set_index("sex").loc["Male"]
        assert int(fit["councils"]) == len(panel) and 1 <= int(fit["rank adjusted"]) <= len(panel)


@pytest.fixture(scope="module")
def panels() -> dict:
    """The all-council panels of notebook 05 ((indicator, sex, vintage) -> frame), built once per module."""
    return {}


def _check_hard_case(area: str, nb02: dict, nb05: dict) -> None:
    """The areas of issue 11 (:data:`HARD_CASES`): each missing series is named, with its reason, instead of a crash.
    Checked where their notebooks run at those parameters (the council test and the variant test), not again."""
    assert _is_note(nb02.get("hle_note")), nb02
    robust = nb05["outcome"]
    if area == "E10000016":  # Kent: no county rows in the cancer file, so LE is used
        assert robust.usable and robust.indicator == LE and "publishes no counties" in robust.note
    else:
        assert not robust.usable


@pytest.mark.integration
@pytest.mark.parametrize("area", COUNCIL_PARAMS)
def test_every_council_runs_the_notebooks_analysis(area, panels):
    p = parameters.validate(area_code=area)
    nb02 = _nb02(p)
    nb03 = _nb03(p)
    nb04 = _nb04(p)
    nb05 = _nb05(p, panels)
    graded = _nb06(area)
    nb07 = _nb07(p)
    assert len(graded[0]) == len(claims.load_register())
    _check_invariants(p, graded, _nb01(p), nb02, nb03, nb04, nb05, nb07)
    if HARD_CASES.get(area) == {}:  # a hard case at the default parameters
        _check_hard_case(area, nb02, nb05)
    _rtm_from_full_panel(area)


@pytest.mark.integration
@pytest.mark.parametrize(("break_year", "post_rule"), [(2004, "start"), (2014, "start"), (2015, "mid")])
def test_edge_break_years_run_every_its_and_robustness_section(break_year, post_rule, panels):
    """The first and last break years that validate() accepts give every section of notebooks 03 and 05 (their
    studies, in-process; the notebooks are those calls): with too few pre-periods for placebo breaks, notebook 05
    says so instead of failing."""
    assert break_year in parameters.valid_break_years(post_rule)
    p = parameters.validate(area_code=config.WIGAN, break_year=break_year, post_rule=post_rule)
    level = _nb03(p)["values"]["its_cancer_level_change"]
    assert level["lower"] < level["value"] < level["upper"]
    robust = _nb05(p, panels)["values"]
    # placebo breaks need 3 pre-periods either side: none with a 2004 break (3 pre-periods in all)
    assert (robust["placebo_time_n"]["value"] == 0) is (break_year == 2004)


#: one or more variants of every kind the report accepts, on councils where each kind bites
VARIANTS: dict[str, tuple[str, dict]] = {
    "Leeds, vintage 2026-05 (no period before 2015-17)": ("E08000035", {"vintage": "2026-05"}),
    "Kent, vintage 2026-05 (no county rows)": ("E10000016", {"vintage": "2026-05"}),
    "Wigan, vintage 2024-07 (starts 2010-12)": (config.WIGAN, {"vintage": "2024-07"}),
    "North Northamptonshire, vintage 2025-04": ("E06000061", {"vintage": "2025-04"}),
    "Leeds, female, mid rule": ("E08000035", {"sex": "Female", "post_rule": "mid"}),
    "Leeds, break 2013": ("E08000035", {"break_year": 2013}),
    "Wigan, break 2014, end rule": (config.WIGAN, {"break_year": 2014, "post_rule": "end"}),
    "Leeds, comparators england+all+Wigan": ("E08000035", {"comparators": ["england", "all", config.WIGAN]}),
    "Cornwall, comparators gm+nearest": ("E06000052", {"comparators": ["gm", "nearest"]}),
}


def test_every_hard_case_is_checked_by_the_council_or_the_variant_test():
    at_defaults = {a for a, kw in HARD_CASES.items() if kw == {}}
    in_variants = {a for a, kw in VARIANTS.values() if HARD_CASES.get(a) == kw}
    assert at_defaults <= SAMPLE and at_defaults | in_variants == set(HARD_CASES)


@pytest.mark.integration
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_kind_keeps_the_invariants(variant, panels):
    area, kwargs = VARIANTS[variant]
    p = parameters.validate(area_code=area, **kwargs)
    nb02 = _nb02(p)
    nb03 = _nb03(p)
    nb04 = _nb04(p)
    nb05 = _nb05(p, panels)
    _check_invariants(p, _nb06(area), _nb01(p), nb02, nb03, nb04, nb05, _nb07(p))
    if HARD_CASES.get(area) == kwargs:  # a hard case at its own parameters (Kent in the later vintage)
        _check_hard_case(area, nb02, nb05)




def test_reasons_name_the_actual_gap():
    assert "publishes no counties" in notes.no_data_note("hle_birth", "E10000016", vintage="2026-05")
    assert "too small" in notes.no_data_note("hle_birth", "E09000001")
    assert "Hackney" in notes.no_data_note("hle_birth", "E09000001")
    assert "created in 2021" in notes.no_data_note("hle_birth", "E06000061")
    assert "created in 2021" in notes.no_finance_note("E06000061", "adult_social_care")
    # issue 17: a council created after the report names the predecessor code that holds its data
    assert "Northamptonshire (E10000021)" in notes.no_data_note("hle_birth", "E06000061")
    assert "Northamptonshire (E10000021)" in notes.no_finance_note("E06000062", "adult_social_care")
    assert "Somerset (E10000027)" in notes.no_data_note("hle_birth", "E06000066")
    for code in data.CREATED:
        note = notes.no_finance_note(code, "adult_social_care")
        assert all(c in note for c in data.PREDECESSORS[code]), note
    assert notes.no_data_note("hle_birth", "E08000010") is None
    assert notes.no_finance_note("E08000010", "adult_social_care") is None
    # a council with some values but not every period: notebook 05 needs a complete series
    assert "6 of the 15 periods" in notes.complete_note(CANCER, "E09000001", "Persons")


def test_county_claims_say_why_they_are_not_testable():
    """Counties lose three claims because the sources hold no county rows: the evidence says so."""
    table = claims.evaluate("E10000016").set_index("claim_id")
    for cid in ("premature_mortality", "smoking", "physical_activity"):
        assert table.loc[cid, "verdict"] == claims.NOT_TESTABLE
        assert "publishes no counties" in table.loc[cid, "evidence"], table.loc[cid, "evidence"]
    assert table.loc["hle_increase", "verdict"] != claims.NOT_TESTABLE


def _rendered_problems(folder, area: str, vintage: str) -> list[str]:
    """Every page invariant broken in a rendered report folder (index and reader pages), and every stderr output of
    its executed notebooks (a warning printed into a page)."""
    import json

    from invariants import (
        bare_dash_cells,
        bare_dash_tables,
        page_problems,
        recorded_vintage_problems,
    )
    from wigan_deal.results import load_results

    index = (folder / "index.html").read_text(encoding="utf-8")
    problems = page_problems(index, area, "index.html")
    problems += [f"index.html: '–' without its reason in row {r!r}" for r in bare_dash_cells(index)]
    for page in sorted(folder.glob("*.reader.html")):
        text = page.read_text(encoding="utf-8")
        problems += page_problems(text, area, page.name)
        problems += [f"{page.name}: a table shows '–' without saying why (columns {t!r})" for t in bare_dash_tables(text)]
    problems += recorded_vintage_problems(load_results(folder), area, vintage)
    for executed in sorted(folder.glob("0*.ipynb")):  # a warning or message a notebook printed shows in its page
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
        problems += [f"{executed.name}: stderr {''.join(o['text'])[:160]!r}" for c in cells for o in c.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    shown = json.loads((folder / "report.json").read_text(encoding="utf-8"))["parameters"]
    assert shown["HLE vintage"] == vintage
    return problems


@pytest.mark.slow
def test_rendered_variant_pages_keep_the_invariants(report_sweep):
    """Issue 17's cases, rendered: Leeds with vintage 2026-05 (the window collapsed to 2015-17 -> 2015-17,
    'ranks 1 of 28 among itself', -7.11e-15 in the index, GM wording), with the page invariants checked on the
    index and every reader page, and the verdicts' vintage named. Rendered with reader pages only (the
    invariants are read on them) by the shared sweep (conftest.report_sweep)."""
    p = parameters.validate(area_code="E08000035", vintage="2026-05")
    folder = report_sweep["leeds_2026"]
    assert folder.name == "E08000035--vintage-2026-05--reader-pages"
    assert not [p.name for p in folder.glob("*.html") if not p.name.endswith(".reader.html") and p.name != "index.html"]
    assert "not written (reader pages only)" in (folder / "index.html").read_text(encoding="utf-8")
    problems = _rendered_problems(folder, p.area_code, p.vintage)
    assert not problems, "\n".join(problems[:15])
    reader = (folder / "02_healthy_life_expectancy.reader.html").read_text(encoding="utf-8")
    assert "cannot be formed in this vintage" in reader and "among itself" not in reader
    assert "vintage 2019-05 (what the report" in (folder / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_rendered_sex_break_and_comparator_variant_keeps_the_invariants(report_sweep):
    """The other variant kinds rendered at once, on a council outside GM: female, break 2013, mid rule,
    comparators England + all councils + Wigan (reader pages, by the shared sweep)."""
    p = parameters.validate(area_code="E06000052", sex="Female", break_year=2013, post_rule="mid",
                            comparators=["england", "all", config.WIGAN])
    folder = report_sweep["variant_outside_gm"]
    assert folder.name == "E06000052--break-2013--sex-female--post-mid--comparators-england+all+E08000010--reader-pages"
    problems = _rendered_problems(folder, p.area_code, p.vintage)
    assert not problems, "\n".join(problems[:15])


@pytest.mark.slow
def test_default_report_pages_keep_the_invariants(wigan_report):
    problems = _rendered_problems(wigan_report, config.WIGAN, config.DEFAULT_VINTAGE)
    assert not problems, "\n".join(problems[:15])
