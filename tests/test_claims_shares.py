"""Do the rules discriminate? Verdict shares over councils, and the index section that shows them."""

from __future__ import annotations

import pytest

from wigan_deal import config
from wigan_deal.claims import VERDICTS, council_verdicts, get_claim, shares_display, verdict_shares
from wigan_deal.report.index import SHARES_TABLE, verdict_shares_section

GM = list(config.GREATER_MANCHESTER)


@pytest.fixture(scope="module")
def gm_verdicts():
    register = [get_claim(c) for c in ("premature_mortality", "school_readiness", "care_homes")]
    return council_verdicts(register, GM)


def test_shares_over_the_ten_gm_boroughs(gm_verdicts):
    s = verdict_shares(verdicts=gm_verdicts).set_index(["claim_id", "rule"])
    assert len(GM) == 10 and (s["councils"] == 10).all()
    assert s[list(VERDICTS)].sum(axis=1).tolist() == pytest.approx([100.0] * len(s))
    # not testable everywhere: the rule cannot discriminate, and says so
    care = s.loc[("care_homes", "current")]
    assert care["not testable with these data"] == 100.0 and not care["discriminates"]
    # premature mortality: the 2026-11-28 rule never says 'not supported'; the symmetric one does
    pm_now, pm_old = s.loc[("premature_mortality", "current")], s.loc[("premature_mortality", "before 2026-12-06")]
    assert pm_old["not supported"] == 0.0 and pm_now["not supported"] > 0
    assert pm_now["partly supported"] == pm_old["partly supported"]  # favourable results graded as before
    wigan = gm_verdicts.set_index(["claim_id", "rule", "area_code"]).loc[("premature_mortality", "current",
                                                                          config.WIGAN), "verdict"]
    assert wigan == "not supported"


def test_display_and_index_section(gm_verdicts):
    table = verdict_shares(verdicts=gm_verdicts)
    shown = shares_display(table, {"care_homes": "not testable with these data"})
    row = shown[(shown["claim_id"] == "care_homes")].iloc[0]
    assert row["% not testable with these data"] == "100" and row["% supported"] == ""
    assert row["this area"] == "not testable with these data" and row["discriminates"].startswith("no")
    results = {"06_report_claims": {"tables": {SHARES_TABLE: {"columns": list(shown.columns),
                                                              "rows": shown.values.tolist()}}}}
    html = "\n".join(verdict_shares_section(results))
    assert "Do the rules discriminate?" in html and "care_homes" in html and "06_report_claims.reader.html" in html
    assert verdict_shares_section({"x": {"tables": {}}}) == []
