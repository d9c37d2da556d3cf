"""Full renders (papermill + HTML) of the hard cases of issue 11: councils with missing series.

Before the fix these crashed inside notebooks 02/04/05 ("fit_its was given an empty frame", a KeyError on a
missing series) or, for Kent with the 2026-05 vintage, in notebook 02. Now each writes a complete report
whose pages name what is missing ("No data for this area: <why>") and whose verdict table is complete.
"""

from __future__ import annotations

import json

import pytest

from conftest import ATLAS_CODES, REPORT_GROUPS
from wigan_deal import claims, parameters

pytestmark = pytest.mark.slow

CASES = {
    "E09000001": ({}, "too small"),               # City of London
    "E06000053": ({}, "too small"),               # Isles of Scilly
    "E06000061": ({}, "was created in 2021"),     # North Northamptonshire (reorganised 2021)
    "E10000016": ({"vintage": "2026-05"}, "publishes no counties"),  # Kent, a county, later vintage
}


#: rendered by the shared atlas run (conftest.ATLAS_CODES: default parameters, reused kernels); Kent's later
#: vintage is a variant the atlas does not run, so Kent is rendered by the shared sweep (conftest.report_sweep)
IN_ATLAS = sorted(code for code, (extra, _reason) in CASES.items() if not extra)


@pytest.mark.parametrize("area", [pytest.param(a, marks=pytest.mark.xdist_group(
                                      REPORT_GROUPS["atlas_run" if a in IN_ATLAS else "report_sweep"]))
                                  for a in sorted(CASES)])
def test_hard_case_renders_a_complete_report_with_no_data_notes(area, tmp_path, request):
    extra, reason = CASES[area]
    params = parameters.validate(area_code=area, **extra)
    if area in IN_ATLAS:
        from wigan_deal.report import atlas

        assert area in ATLAS_CODES
        folder = request.getfixturevalue("atlas_run")["out"] / atlas.REPORTS_FOLDER / area
    else:
        assert area == "E10000016"
        folder = request.getfixturevalue("report_sweep")["kent_2026"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "table class=\"claims\"" in index
    reader = (folder / "02_healthy_life_expectancy.reader.html").read_text(encoding="utf-8")
    assert "No data for this area" in reader and reason in reader
    assert "Traceback" not in reader
    recorded = json.loads((folder / "06_report_claims.json").read_text(encoding="utf-8"))
    rows = recorded["tables"]["claims"]["rows"]
    assert len(rows) == len(claims.load_register())
    for name in ("04_adult_social_care_finance", "05_robustness"):
        assert (folder / f"{name}.reader.html").exists()
    # issue 17: the page invariants (no collapsed window, no 'nan' or scientific notation, wording for the
    # council's geography only, predecessor codes named, every '–' with its reason in the index)
    from test_every_council import _rendered_problems

    problems = _rendered_problems(folder, area, params.vintage)
    assert not problems, "\n".join(problems[:15])
