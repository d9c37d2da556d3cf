"""The claims register validates, and the pre-specified rules behave as their text says (no data)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml

from wigan_deal import config
from wigan_deal.claims import VERDICTS, ClaimsRegisterError, load_register, parse_register, rules

PUBLISHED_IDS = {
    "savings", "asc_balance", "hle_increase", "hle_gap_widening_before", "premature_mortality",
    "smoking", "physical_activity", "care_homes", "school_readiness", "staff_engagement", "workforce",
}
UNTESTABLE = {"hle_gap_widening_before", "care_homes", "staff_engagement", "workforce"}


@pytest.fixture(scope="module")
def raw_doc() -> dict:
    return yaml.safe_load(config.CLAIMS_FILE.read_text(encoding="utf-8"))


def _dump(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def test_register_has_every_published_claim_and_header():
    claims = load_register()
    assert {c.id for c in claims} == PUBLISHED_IDS
    assert {c.id for c in claims if not c.testable} == UNTESTABLE
    header = config.CLAIMS_FILE.read_text(encoding="utf-8")
    assert "rules_written: 2026-11-27, before results were computed; never adjusted to flip a verdict" in header


def test_every_rule_names_only_allowed_verdicts_and_testable_rules_cover_all_grades():
    for claim in load_register():
        assert set(claim.decision_rule) <= set(VERDICTS), claim.id
        if claim.testable:
            assert set(VERDICTS[:3]) <= set(claim.decision_rule), claim.id
            assert claim.data["why"] and claim.data["vintage"], claim.id
        else:
            assert claim.reason and claim.data_needed, claim.id


def test_missing_field_error_names_claim_and_field(raw_doc):
    doc = {**raw_doc, "claims": [dict(c) for c in raw_doc["claims"]]}
    del doc["claims"][2]["operational_meaning"]
    with pytest.raises(ClaimsRegisterError, match=r"hle_increase.*'operational_meaning'"):
        parse_register(_dump(doc))


def test_invalid_verdict_error_lists_allowed(raw_doc):
    doc = {**raw_doc, "claims": [dict(c) for c in raw_doc["claims"]]}
    doc["claims"][5] = {**doc["claims"][5], "decision_rule": {"mostly true": "x", **doc["claims"][5]["decision_rule"]}}
    with pytest.raises(ClaimsRegisterError, match=r"smoking.*'mostly true'.*not testable with these data"):
        parse_register(_dump(doc))


def test_invalid_method_direction_and_untestable_fields(raw_doc):
    base = [dict(c) for c in raw_doc["claims"]]
    bad_method = {**raw_doc, "claims": [{**base[0], "method": "vibes"}, *base[1:]]}
    with pytest.raises(ClaimsRegisterError, match=r"savings.*'vibes'.*change_vs_comparator"):
        parse_register(_dump(bad_method))
    bad_dir = {**raw_doc, "claims": [*base[:2], {**base[2], "params": {"direction": "up"}}, *base[3:]]}
    with pytest.raises(ClaimsRegisterError, match=r"hle_increase.*direction 'up'"):
        parse_register(_dump(bad_dir))
    no_reason = {k: v for k, v in base[7].items() if k != "data_needed"}
    with pytest.raises(ClaimsRegisterError, match=r"care_homes.*'data_needed'"):
        parse_register(_dump({**raw_doc, "claims": [*base[:7], no_reason, *base[8:]]}))


def test_duplicate_ids_bad_yaml_and_missing_file(tmp_path, raw_doc):
    dup = {**raw_doc, "claims": [raw_doc["claims"][0], raw_doc["claims"][0]]}
    with pytest.raises(ClaimsRegisterError, match="'savings' appears more than once"):
        parse_register(_dump(dup))
    with pytest.raises(ClaimsRegisterError, match="not valid YAML"):
        parse_register("claims: [unclosed")
    with pytest.raises(ClaimsRegisterError, match="top-level field 'rules_written'"):
        parse_register(_dump({"claims": raw_doc["claims"]}))
    with pytest.raises(ClaimsRegisterError, match="not found"):
        load_register(tmp_path / "nope.yml")


def test_later_checks_override_vintage_but_keep_rule():
    hle = next(c for c in load_register() if c.id == "hle_increase")
    checks = hle.check_specs()
    assert [s.vintage for s in checks] == ["2019-05", "2025-04", "2026-05"]
    assert all(s.params["noise"] == "per_council" for s in checks)  # the same noise model in every check
    assert checks[-1].periods == ("2015-17", "2022-24") and checks[-1].params["end_points"] == "non_overlapping"
    assert all(s.params["assumed_ci_halfwidth"] == config.HLE_ASSUMED_CI_HALFWIDTH for s in hle.previous.check_specs())
    assert hle.spec().vintage == config.REPORT_VINTAGE


# --- the rules as pure functions -------------------------------------------------------------------


def _parts(rows):
    cols = ["area_change", "area_change_lower", "area_change_upper", "diff", "diff_lower", "diff_upper"]
    return pd.DataFrame(rows, columns=cols)


def test_grade_change_higher_is_better():
    sig = [1.6, 0.5, 2.7, 1.2, 0.2, 2.2]
    assert rules.grade_change(_parts([sig, sig]), "higher_is_better") == "supported"
    nonsig = [1.6, -0.5, 3.7, 1.2, -0.9, 3.3]
    assert rules.grade_change(_parts([sig, nonsig]), "higher_is_better") == "partly supported"
    nan_ci = [1.6, math.nan, math.nan, 1.2, math.nan, math.nan]
    assert rules.grade_change(_parts([nan_ci, nan_ci]), "higher_is_better") == "partly supported"
    fell = [-0.3, -1.0, 0.4, 0.5, 0.0, 1.0]  # gained on England but HLE fell
    assert rules.grade_change(_parts([fell, fell]), "higher_is_better") == "not supported"


def test_grade_change_lower_is_better_and_cap():
    faster = [-20.0, math.nan, math.nan, -5.0, math.nan, math.nan]
    slower = [-10.0, math.nan, math.nan, 3.0, math.nan, math.nan]
    assert rules.grade_change(_parts([faster]), "lower_is_better") == "partly supported"
    assert rules.grade_change(_parts([slower]), "lower_is_better") == "not supported"
    assert rules.cap_verdict("supported", "partly supported") == "partly supported"
    assert rules.cap_verdict("not supported", "partly supported") == "not supported"


def test_grade_trend_branches():
    g = lambda *a: rules.grade_trend(*a, direction="lower_is_better")  # noqa: E731
    assert g(-1.0, -1.5, -0.5, -0.6) == "supported"
    assert g(-0.4, -0.7, -0.1, -0.6) == "partly supported"  # significant, slower than England
    assert g(-0.8, -1.9, 0.3, -0.6) == "partly supported"  # as steep, not significant
    assert g(-0.3, -1.2, 0.6, -0.6) == "not supported"
    assert g(0.2, -0.5, 0.9, -0.6) == "not supported"


def test_grade_level_better_and_in_line():
    # physical inactivity, lower is better
    assert rules.grade_level(18.0, 15.0, 21.5, 22.2, "lower_is_better", "better") == "supported"
    assert rules.grade_level(21.0, 17.6, 24.7, 22.2, "lower_is_better", "better") == "partly supported"
    assert rules.grade_level(24.0, 20.4, 27.9, 22.2, "lower_is_better", "better") == "not supported"
    # school readiness, higher is better
    kw = dict(direction="higher_is_better", test="in_line")
    assert rules.grade_level(70.8, 69.4, 72.2, 71.5, **kw) == "supported"
    assert rules.grade_level(68.6, 67.1, 70.0, 71.5, **kw, gap_narrowed=True) == "partly supported"
    assert rules.grade_level(68.6, 67.1, 70.0, 71.5, **kw, gap_narrowed=False) == "not supported"
    nan = math.nan
    assert rules.grade_level(70.7, nan, nan, 71.5, **kw, fallback_threshold=1.0) == "supported"
    assert rules.grade_level(70.0, nan, nan, 71.5, **kw, fallback_threshold=1.0) == "not supported"
    with pytest.raises(ValueError, match="fallback_threshold"):
        rules.grade_level(70.0, nan, nan, 71.5, **kw)


def test_grade_finance_and_helpers():
    assert rules.grade_finance(-25_000.0) == "partly supported"
    assert rules.grade_finance(1_000.0) == "not supported"
    assert rules.grade_finance(math.nan) == "not testable with these data"
    lo, hi = rules.wilson_interval(50.0, 100)
    assert lo == pytest.approx(40.38, abs=0.01) and hi == pytest.approx(59.62, abs=0.01)
    assert rules.breakeven_halfwidth(1.2, 0.2) == pytest.approx(math.sqrt(0.72 - 0.04))
    with pytest.raises(ValueError, match="direction 'sideways'"):
        rules.sign("sideways")


# --- what was seen, recorded (issue 16) -------------------------------------------------------------------

#: claims whose rules branch issue-16a re-grades and records (their written_after_seeing arrives with that merge)
def test_every_rule_and_amendment_records_what_was_seen():
    from wigan_deal.claims.register import unrecorded_seeing

    register = yaml.safe_load(config.CLAIMS_FILE.read_text(encoding="utf-8"))
    assert unrecorded_seeing(register) == []
    plan = yaml.safe_load(config.ANALYSIS_PLAN_FILE.read_text(encoding="utf-8"))
    assert unrecorded_seeing(plan) == []
    # parsed onto the claim and its amendments
    pm = next(c for c in load_register() if c.id == "premature_mortality")
    assert "dd8b072" in pm.written_after_seeing
    assert [("6d4afc5" in a.written_after_seeing) for a in pm.amendments] == [False, True]


def test_an_amendment_without_written_after_seeing_is_found_wherever_it_is():
    from wigan_deal.claims.register import unrecorded_seeing

    seen = {"written_after_seeing": "nothing"}
    doc = {"claims": [{"id": "a", **seen, "amendments": [{"date": "2026-12-06", **seen}, {"date": "2026-12-07"}]},
                      {"id": "b"}],
           "outcomes": {"x": {**seen, "amendments": [{"date": "2026-12-06"}]}, "y": {}},
           "amendments": [{"date": "2026-12-06"}, seen],
           "nested": {"deep": {"amendments": [{"reason": "no field"}]}}}
    assert sorted(unrecorded_seeing(doc)) == sorted([
        "claims[a].amendments[2]", "claims[b]", "outcomes.x.amendments[1]", "outcomes.y", "amendments[1]",
        "nested.deep.amendments[1]"])
    # the old state kept in 'previous' is described by its amendment, not checked itself
    assert unrecorded_seeing({"claims": [{"id": "c", **seen, "amendments": [
        {**seen, "previous": {"amendments": [{"date": "x"}]}}]}]}) == []


@pytest.mark.parametrize(("where", "value", "message"), [
    ("noise", "magic", r"params.noise 'magic' is not valid; use one of per_council"),
    ("end_points", "last", r"end_points 'last' is not valid; use one of single, non_overlapping"),
])
def test_noise_and_end_points_are_validated(raw_doc, where, value, message):
    import copy

    doc = copy.deepcopy(raw_doc)
    hle = next(c for c in doc["claims"] if c["id"] == "hle_increase")
    if where == "noise":
        hle["params"]["noise"] = value
    else:
        hle["later_checks"][-1]["end_points"] = value
    with pytest.raises(ClaimsRegisterError, match=r"claim 'hle_increase'.*" + message):
        parse_register(_dump(doc))


@pytest.mark.integration
def test_reading_the_register_through_the_package_imports_neither_the_rules_nor_pandas():
    """``from wigan_deal.claims import get_claim`` (a report's index asks which vintage the claims are graded on)
    loads the register alone: the package imports each module on first use, and the evaluators' statsmodels and
    scipy (about 1.2 CPU-s) only when a claim is graded."""
    import subprocess
    import sys

    code = ("import sys; from wigan_deal.claims import get_claim; print(get_claim('hle_increase').spec().vintage); "
            "print(sorted(m for m in ('pandas', 'scipy', 'statsmodels', 'wigan_deal.claims.evaluators') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    vintage, heavy = done.stdout.splitlines()
    from wigan_deal.claims import get_claim

    assert vintage == str(get_claim("hle_increase").spec().vintage)
    assert heavy == "[]"


def test_every_name_the_claims_package_exports_resolves_from_its_module():
    """The package's ``__getattr__`` maps each exported name to the module holding it: a name added to ``__all__``
    without a place in that map (or moved away from its module) fails here, not in a user's import."""
    import wigan_deal.claims as claims
    from wigan_deal.claims import evaluators, grading, register, shares

    homes = {**dict.fromkeys(claims._REGISTER, register), **dict.fromkeys(claims._EVALUATORS, evaluators),
             **dict.fromkeys(claims._SHARES, shares), **dict.fromkeys(claims._GRADING, grading)}
    assert set(claims.__all__) <= set(homes)
    assert {name: getattr(claims, name) is getattr(module, name) for name, module in homes.items()} == dict.fromkeys(
        homes, True)
