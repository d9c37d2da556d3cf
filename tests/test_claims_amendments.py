"""Claim amendments: a changed rule keeps its date, reason and old rule, and the old verdict is re-computed."""

from __future__ import annotations

import copy

import pytest
import yaml

from wigan_deal import config
from wigan_deal.claims import (
    AMENDMENT_COLUMNS,
    ClaimsRegisterError,
    claim_details,
    evaluate,
    get_claim,
    parse_register,
)


@pytest.fixture(scope="module")
def raw_doc() -> dict:
    return yaml.safe_load(config.CLAIMS_FILE.read_text(encoding="utf-8"))


def _dump(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _claim(doc: dict, cid: str) -> dict:
    return next(c for c in doc["claims"] if c["id"] == cid)


def _amended_doc(raw_doc: dict) -> dict:
    """Register where 'care_homes' (not testable) is amended INTO a testable rule borrowed from 'smoking';
    its previous state is the untestable rule, so the old verdict must be 'not testable with these data'."""
    doc = copy.deepcopy(raw_doc)
    care, smoking = _claim(doc, "care_homes"), _claim(doc, "smoking")
    old = {k: care.get(k) for k in ("method", "reason", "data_needed", "decision_rule", "operational_meaning",
                                    "comparison", "data", "params", "context")}
    for key in ("method", "data", "params", "decision_rule", "comparison", "operational_meaning"):
        care[key] = copy.deepcopy(smoking[key])
    for key in ("reason", "data_needed", "context"):
        care.pop(key, None)
    care["amendments"] = [
        {"date": "2026-11-01", "reason": "first try", "results_seen": False,
         "previous": {k: v for k, v in old.items()}},
        {"date": "2026-11-28", "reason": "Testing the mechanism.\n  Second line.", "results_seen": True,
         "previous": {k: v for k, v in old.items()}},
    ]
    return doc


def test_register_without_amendments_has_none(raw_doc):
    claims = parse_register(_dump({**raw_doc, "claims": [c for c in raw_doc["claims"] if "amendments" not in c]}))
    assert all(c.amended is None and c.previous is None for c in claims)


def test_amendment_is_parsed_and_previous_rule_rebuilt(raw_doc):
    register = parse_register(_dump(_amended_doc(raw_doc)))
    claim = get_claim("care_homes", register)
    assert claim.method == "trend_vs_comparator" and claim.amended == "2026-11-28"
    assert claim.amendment.results_seen is True and claim.amendment.reason == "Testing the mechanism. Second line."
    assert claim.previous.method == "not_testable" and claim.previous.data is None
    assert claim.previous.rule_text().startswith("not testable with these data")
    # the earlier amendment stays attached to the older claim: the history can be walked back
    assert claim.previous.amended == "2026-11-01" and claim.previous.previous.method == "not_testable"


def test_evaluate_shows_old_verdict_beside_new(raw_doc):
    register = parse_register(_dump(_amended_doc(raw_doc)))
    table = evaluate(config.WIGAN, register=register).set_index("claim_id")
    row = table.loc["care_homes"]
    smoking = table.loc["smoking"]
    assert row["verdict"] == smoking["verdict"] and row["estimate"] == pytest.approx(smoking["estimate"])
    assert row["previous_verdict"] == "not testable with these data"
    assert row["amended"] == "2026-11-28"
    assert "after the area's result under the old rule was known" in row["amendment_reason"]
    assert row["previous_rule"].startswith("not testable with these data")
    never = table.drop(index=["care_homes", "savings", "asc_balance", "premature_mortality", "hle_increase",
                              "school_readiness"])
    assert never["amended"].isna().all() and never["previous_verdict"].isna().all()
    assert list(table.reset_index().columns[-5:]) == AMENDMENT_COLUMNS


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda a: a.update(date="28/11/2026"), r"date '28/11/2026' is not an ISO date"),
        (lambda a: a.update(reason=""), r"'reason' is missing"),
        (lambda a: a.update(results_seen="yes"), r"'results_seen' must be true or false"),
        (lambda a: a.update(previous={}), r"'previous' must map the changed fields"),
        (lambda a: a["previous"].update(colour="red"), r"field\(s\) \['colour'\] that cannot be amended"),
        (lambda a: a.update(date="2026-10-01"), r"in date order, newest last"),
        (lambda a: a["previous"].update(method="finance_change", data=None),
         r"before the amendment of 2026-11-28 is not a valid claim .*requires a 'data' block"),
    ],
)
def test_bad_amendments_are_clear_errors(raw_doc, mutate, message):
    doc = _amended_doc(raw_doc)
    mutate(_claim(doc, "care_homes")["amendments"][-1])
    with pytest.raises(ClaimsRegisterError, match=r"claim 'care_homes'.*" + message):
        parse_register(_dump(doc))


def test_amendments_must_be_a_list(raw_doc):
    doc = copy.deepcopy(raw_doc)
    _claim(doc, "care_homes")["amendments"] = {"date": "2026-11-28"}
    with pytest.raises(ClaimsRegisterError, match="'amendments' must be a list"):
        parse_register(_dump(doc))


def test_premature_mortality_amendment_keeps_the_old_verdict_visible():
    """Amended 2026-12-06 (results seen): one standard both ways - a favourable proxy 'partly supported', an
    unfavourable one 'not supported' (was 'not testable' under the 2026-11-28 rule, which is re-run and shown)."""
    table = evaluate(config.WIGAN).set_index("claim_id")
    row = table.loc["premature_mortality"]
    assert row["verdict"] == "not supported"
    assert row["previous_verdict"] == "not testable with these data"  # the 2026-11-28 rule, re-computed
    assert row["estimate"] == pytest.approx(2.4) and row["previous_estimate"] == pytest.approx(2.4)
    assert row["amended"] == "2026-12-06" and "Symmetry" in row["amendment_reason"]
    assert "Graded on a PROXY" in row["evidence"]
    camden = evaluate("E09000007").set_index("claim_id").loc["premature_mortality"]
    assert camden["verdict"] == camden["previous_verdict"] == "partly supported"
    assert "Graded on a PROXY" in camden["evidence"]  # named whichever way it points
    claim = get_claim("premature_mortality")
    assert claim.amendment.results_seen is True and "Camden" in claim.amendment.written_after_seeing
    # the history walks back to the pre-specified rule, which this amendment restores
    assert claim.previous.previous.decision_rule["not supported"].startswith("Otherwise")


def test_isles_of_scilly_school_readiness_is_too_few_to_grade():
    """About 19 children: the old 'England inside the 95% CI' rule said 'supported'; the equivalence rule with a
    minimum cohort of 100 says 'too few to grade'."""
    row = evaluate("E06000053").set_index("claim_id").loc["school_readiness"]
    assert row["verdict"] == "too few to grade" and row["previous_verdict"] == "supported"
    assert row["estimate"] == pytest.approx(20.2)
    assert "n ~ 19" in row["evidence"] and "minimum of 100" in row["evidence"]


def test_wigan_school_readiness_equivalence_test():
    """Wigan 68.6 vs England 71.5 (n ~ 3,829): 90% CI of the difference -4.1 to -1.7, not inside +/-2.0."""
    parts = claim_details("school_readiness").iloc[0]
    assert parts.area_lower90 - parts.comparator == pytest.approx(-4.14, abs=0.01)
    assert parts.area_upper90 - parts.comparator == pytest.approx(-1.68, abs=0.01)
    assert evaluate(config.WIGAN).set_index("claim_id").loc["school_readiness", "verdict"] == "not supported"


def test_hle_verdict_has_the_regression_to_the_mean_change_and_rank_beside_it():
    row = evaluate(config.WIGAN).set_index("claim_id").loc["hle_increase"]
    assert row["verdict"] == row["previous_verdict"] == "partly supported"
    assert "female +2.0 years (rank 29 of 150 councils; raw change rank 19)" in row["evidence"]
    assert "1.70 years" in row["evidence"] and "publisher's flags" in row["evidence"]


@pytest.mark.parametrize(
    ("kwargs", "verdict"),
    [
        # Isles of Scilly 2017/18: 91.7 vs 71.5, n ~ 19 -> below the minimum of 100
        ({"area": 91.7, "n": 19, "lower90": 75.0, "upper90": 97.4, "lower95": 71.2, "upper95": 98.0},
         "too few to grade"),
        # a wide interval that straddles England can never show equivalence: at most partly supported
        ({"area": 71.0, "n": 150, "lower90": 64.5, "upper90": 77.0, "lower95": 63.2, "upper95": 78.1},
         "partly supported"),
        # a tight interval inside +/-2.0 of England: equivalent
        ({"area": 71.0, "n": 20000, "lower90": 70.5, "upper90": 71.5, "lower95": 70.4, "upper95": 71.6},
         "supported"),
        # significantly above England
        ({"area": 75.0, "n": 4000, "lower90": 74.0, "upper90": 76.0, "lower95": 73.8, "upper95": 76.2},
         "supported"),
        # Wigan-like: 2.9 below, 90% CI -4.1 to -1.7 relative to England, gap did not narrow
        ({"area": 68.6, "n": 3829, "lower90": 67.4, "upper90": 69.8, "lower95": 67.1, "upper95": 70.1,
          "gap_narrowed": False}, "not supported"),
        # no interval at all (no cohort size): a point estimate within the margin is only partly supported
        ({"area": 71.0}, "partly supported"),
    ],
)
def test_equivalence_rule(kwargs, verdict):
    from wigan_deal.claims.rules import grade_equivalence

    area = kwargs.pop("area")
    assert grade_equivalence(area, 71.5, "higher_is_better", 2.0, minimum_n=100, **kwargs) == verdict
