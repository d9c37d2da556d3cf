"""One computation per number (issue 18 item 1): every quantity Wigan's notebooks record and that is also stated
in the claims register's evaluation or in a generated README block is the same number in both places.

The notebooks' values come from the council studies they call (``wigan_deal.studies``), recorded exactly as the
notebooks record them; the register's from :func:`wigan_deal.claims.evaluate`; the README's from the committed
README blocks (``python -m wigan_deal.readme --check`` keeps those equal to their generators).
"""

from __future__ import annotations

import re

import pytest

from wigan_deal import claims, config, finance, fmt, hle_noise, parameters, results
from wigan_deal.studies import asc_finance, hle

README = (config.PROJECT_ROOT / "README.md").read_text()


def _block(name: str) -> str:
    match = re.search(rf"<!-- generated:{re.escape(name)} -->\n(.*?)<!-- /generated:{re.escape(name)} -->", README, re.S)
    assert match, f"README has no generated block {name!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict]:
    """Notebooks 02 and 04's recorded values for Wigan with the default parameters (the studies they call)."""
    p = parameters.validate(area_code=config.WIGAN)
    rec = results.Recorder(None, "wigan")
    change = hle.change_study(p, "Wigan")
    for study in (change, hle.lasting_study(change), hle.noise_study(change), asc_finance.budget_study(p.area_code, "Wigan"),
                  savings := asc_finance.savings_study(p.area_code, "Wigan"), savings.neighbours(),
                  asc_finance.tse_cash_study(p, "Wigan"), asc_finance.asc_cash_study(p, "Wigan")):
        study.record(rec)
    return {k: v for k, v in rec.values.items()}


@pytest.fixture(scope="module")
def register():
    return claims.evaluate(config.WIGAN).set_index("claim_id")


def _v(recorded, key: str) -> float:
    return recorded[key]["value"]


def test_finance_claims_grade_the_numbers_notebook_04_records(recorded, register):
    assert register.loc["savings", "estimate"] == pytest.approx(_v(recorded, "controlled_real_change_pct"), abs=1e-9)
    assert register.loc["savings", "previous_estimate"] == pytest.approx(_v(recorded, "savings_real_change_pct"),
                                                                         abs=1e-9)
    assert register.loc["asc_balance", "estimate"] == pytest.approx(_v(recorded, "asc_variance_pct_last"), abs=1e-9)


def _earliest(claim_id: str) -> claims.Claim:
    """A claim's original rule, found down its amendment history."""
    rule = claims.get_claim(claim_id)
    while rule.previous is not None:
        rule = rule.previous
    return rule


def _cash_rule() -> claims.Claim:
    """The savings claim's original rule: the cash change (``finance_change``)."""
    rule = _earliest("savings")
    assert rule.method == "finance_change"
    return rule


def test_cash_change_excluding_public_health_is_one_number(recorded):
    """Notebook 04's cash change in total service expenditure excluding public health (the area's first to last
    outturn year) and the claims register's cash rule (its two periods) are the same number where the windows
    agree - for Wigan both are 2010/11 to 2017/18 - and each says its window."""
    rule = _cash_rule()
    start, end = rule.spec().periods[0], rule.spec().periods[-1]
    rec = recorded["tse_excl_ph_change_gbp000"]
    assert f"change {start} to {end} (cash)" in rec["label"]  # the same window, stated in both places
    result = claims.evaluate_claim(rule, config.WIGAN)
    assert 1000 * result.estimate == pytest.approx(rec["value"], abs=1e-9)
    assert rec["value"] == 445046 - 26287 - 511389
    shown = asc_finance.tse_cash_study(parameters.validate(area_code=config.WIGAN), "Wigan").summary().text
    assert f"change {start} to {end} is **-£{abs(rec['value']) / 1000:.1f}m**" in shown
    assert f"({start}) -> " in result.evidence and f"change GBP -{abs(rec['value']) / 1000:.1f}m" in result.evidence


def test_asc_cash_change_is_the_register_context(recorded):
    """Notebook 04's % change in adult social care spending (first to last outturn year) is the area's change in the
    asc_balance claim's original context (its two periods), where the windows agree: Wigan 2011/12 to 2017/18."""
    rule = _earliest("asc_balance")
    spec = rule.context_spec()
    start, end = spec.periods[0], spec.periods[-1]
    rec = recorded["asc_change_pct"]
    assert f"change {start} to {end} (cash)" in rec["label"]
    assert rec["value"] == pytest.approx(100 * (79329 - 79716) / 79716, abs=1e-12)
    evidence = claims.evaluate_claim(rule, config.WIGAN).evidence
    assert f"({end}), {fmt.percent(rec['value'], signed=True)} in cash vs" in evidence


def test_finance_readme_block_states_the_recorded_numbers(recorded):
    block = _block("finance")
    assert f"({_v(recorded, 'controlled_real_change_pct'):.1f}%)" in block
    assert f"({_v(recorded, 'savings_real_change_pct'):.1f}%)" in block
    assert f"£{abs(_v(recorded, 'controlled_real_change_gbp000')) / 1000:.1f}m" in block
    assert f"{_v(recorded, 'controlled_percentile_neighbours'):.0f} among the 30 councils with the most similar" in block
    assert (f"2017/18 −£{abs(_v(recorded, 'asc_variance_gbp000_last')) / 1000:.1f}m "
            f"({_v(recorded, 'asc_variance_pct_last'):.1f}%, percentile {_v(recorded, 'asc_variance_percentile_last'):.0f}"
            ) in block
    assert (f"(+{_v(recorded, 'asc_variance_pct_first'):.1f}%, percentile "
            f"{_v(recorded, 'asc_variance_percentile_first'):.0f}") in block
    assert f"over budget in {_v(recorded, 'asc_years_over_budget')} of 7 years" in block
    assert f"'Balanced' band ±{_v(recorded, 'asc_balanced_band_pp'):.1f}%" in block
    assert f"swing {_v(recorded, 'asc_swing_pp'):.1f} points" in block


def test_hle_claim_and_readme_state_the_change_notebook_02_records(recorded, register):
    evidence = register.loc["hle_increase", "evidence"]
    claims_block = _block("claims")
    for sex in config.SEXES:
        key = sex.lower()
        area, eng, diff = (_v(recorded, k) for k in (f"hle_change_{key}", f"england_hle_change_{key}",
                                                       f"hle_change_diff_{key}"))
        per = recorded[f"hle_diff_{key}_per_council_noise"]
        stated = f"{sex}: Wigan"
        for text in (evidence, claims_block):
            part = text[text.index(stated):]
            assert f"; {area:+.1f}) vs England" in part and f"({eng:+.1f}), difference {diff:+.2f}" in part, (sex, part[:200])
            assert f"difference {per['value']:+.2f} (95% CI {per['lower']:+.2f} to {per['upper']:+.2f}, per-council" in part


def test_hle_assumed_interval_is_one_computation(recorded):
    """Notebook 02's change CI (the register's original assumption) and hle_noise's 'assumed' row agree to 1e-12
    (they used to differ: 0.66-4.94 beside 0.68-4.92)."""
    s = hle_noise.sensitivity().set_index(["sex", "noise model"])
    for sex in config.SEXES:
        row, rec = s.loc[(sex, "sigma_assumed")], recorded[f"hle_change_diff_{sex.lower()}"]
        assert (row["lower"], row["upper"]) == pytest.approx((rec["lower"], rec["upper"]), abs=1e-12)
        assert row["difference vs England"] == pytest.approx(rec["value"], abs=1e-12)
    for sex in config.SEXES:
        per = s.loc[(sex, "per_council")]
        rec = recorded[f"hle_diff_{sex.lower()}_per_council_noise"]
        assert (per["lower"], per["upper"]) == pytest.approx((rec["lower"], rec["upper"]), abs=1e-12)


def test_did_it_last_block_is_the_text_notebook_02_shows(recorded):
    p = parameters.validate(area_code=config.WIGAN)
    text = hle.lasting_study(hle.change_study(p, "Wigan")).summary().text
    assert text.strip() in _block("did_it_last")
    assert any(k.startswith("lasting_trend_") for k in recorded)


def test_england_asc_cash_change_is_the_register_context_s(recorded):
    """Notebook 04's England change in adult social care spending is the one computation the asc_balance claim's
    original context states (:func:`wigan_deal.finance.cash_change`, the councils reporting in both years); notebook
    04 once took it from its index table's councils with every year (+4.042% against the context's +4.044%)."""
    rule = _earliest("asc_balance")
    start, end = rule.context_spec().periods[0], rule.context_spec().periods[-1]
    rec = recorded["england_asc_change_pct"]
    england = finance.cash_change(config.ENGLAND, "adult_social_care", (start, end))
    assert f"change {start} to {end} (cash)" in rec["label"]
    assert rec["value"] == england.change_pct
    evidence = claims.evaluate_claim(rule, config.WIGAN).evidence
    assert f"in cash vs {england.area_name} {fmt.percent(rec['value'], signed=True)}." in evidence
    shown = asc_finance.asc_cash_study(parameters.validate(area_code=config.WIGAN), "Wigan").summary().text
    assert f"England (sum of councils) **{fmt.percent(rec['value'], signed=True)}**" in shown


def test_a_comparator_group_s_asc_change_follows_england_s_rule():
    """Notebook 04's sentence states each comparator group's cash change in adult social care by England's rule
    (the sum of the group's councils reporting in both years: :func:`wigan_deal.finance.group_cash_change`), not
    by its index line's councils with every year. Gloucestershire's regional peers are a group where the two
    differ: 15 of 18 report both years, and the every-year sum read +14.8% where the both-years one reads +14.9%."""
    p = parameters.validate(area_code="E10000013")
    study = asc_finance.asc_cash_study(p, "Gloucestershire")
    label = "regional peers (sum; area is not in GM)"
    members = study.groups["regional peers (mean; area is not in GM)"]
    change = finance.group_cash_change(label, members, "adult_social_care", ("2011/12", "2017/18"))
    assert change.area_name == f"{label}, n=15" and len(members) == 18
    line = study.table[study.table.area_code == label].set_index("financial_year")["value_gbp000"]
    every_year = 100 * (line["2017/18"] / line["2011/12"] - 1)
    assert fmt.percent(every_year, signed=True) != fmt.percent(change.change_pct, signed=True)
    assert f"{label}: {fmt.percent(change.change_pct, signed=True)}" in study.summary().text
    assert study.group_changes("2011/12", "2017/18")[label] == change.change_pct
