"""The all-council atlas (issue 11, items 2 and 3): python -m wigan_deal.report.atlas / make atlas."""

from __future__ import annotations

import json
import os
import re

import pytest

from wigan_deal import config
from wigan_deal.report import atlas
from wigan_deal.results import load_results


def _rows():
    return [
        {"area_code": "E08000010", "area_name": "Wigan", "seconds": 3.0, "hle_change_male": 1.6, "hle_diff_male": 1.2,
         "its_cancer_level": -3.5, "asc_change_pct": -0.5, "first_verdict": "partly supported",
         "hle_rtm_rank": 2, "hle_rtm_residual": 1.4},
        {"area_code": "E08000001", "area_name": "Bolton <&>", "seconds": 2.5, "hle_change_male": None,
         "hle_diff_male": -0.3, "its_cancer_level": 1.0, "asc_change_pct": 4.0, "first_verdict": None,
         "hle_rtm_rank": None, "hle_rtm_residual": None},
    ]


def test_atlas_page_is_a_sortable_offline_table_with_links_and_failures():
    failed = atlas.CouncilOutcome("E06000053", "Isles of Scilly", False, 1.0, "02_x: ValueError: no series")
    html = atlas.render_atlas(_rows(), [failed], [("hle_diff_male.png", "Histogram of ...", "caption")],
                              highlight="E08000010", elapsed=12.0, jobs=2)
    assert '<table class="sortable" id="atlas">' in html
    assert '<a href="../E08000010/index.html">Wigan</a>' in html
    assert "Bolton &lt;&amp;&gt;" in html  # escaped
    assert '<tr class="highlight"><td data-v="Wigan">' in html
    assert '<td class="num" data-v="-3.5">-3.5</td>' in html and 'data-v="">' in html  # missing value: empty, sorts last
    assert "Isles of Scilly (E06000053)</strong>: 02_x: ValueError: no series" in html
    assert '<img src="hle_diff_male.png" alt="Histogram of ..."' in html
    assert "<script>" in html and "<script src" not in html and "http" not in html  # plain JS, no CDN
    assert "aria-sort" in html and "localeCompare" in html
    assert "2 report(s) written, 1 failed" in html and "3 English" in html


def test_regression_to_the_mean_is_fitted_on_the_full_panel_whatever_the_subset():
    """Issue 17: a 3-council atlas fitted the RTM line on those 3 (Wigan -0.08, rank 3 of 3); the fit and
    rank come from hle_noise.rtm_adjusted on every council with HLE (Wigan +0.6, rank 59 of 150)."""
    from wigan_deal import hle_noise

    subset = [{"area_code": c} for c in (config.WIGAN, "E08000001", "E08000035", "E09000001")]
    atlas._add_rtm_adjusted_rank(subset)
    by = {r["area_code"]: r for r in subset}
    full = hle_noise.rtm_adjusted(config.WIGAN).set_index("sex").loc["Male"]
    assert by[config.WIGAN]["hle_rtm_residual"] == pytest.approx(full["adjusted change"])
    assert by[config.WIGAN]["hle_rtm_residual"] == pytest.approx(0.595, abs=0.001)
    assert (by[config.WIGAN]["hle_rtm_rank"], by[config.WIGAN]["hle_rtm_councils"]) == (59, 150)
    alone = [{"area_code": config.WIGAN}]
    atlas._add_rtm_adjusted_rank(alone)
    assert alone[0]["hle_rtm_rank"] == 59  # the same with any subset
    assert by["E09000001"]["hle_rtm_rank"] is None  # City of London: no HLE, so no adjusted change


@pytest.mark.slow
def test_atlas_run_on_a_few_councils_lists_failures_and_reads_recorded_results(tmp_path):
    lines: list[str] = []
    codes = [config.WIGAN, "E08000001", "E12000002"]  # the last is a region: it must fail, not stop the run
    page, outcomes = atlas.run_atlas(codes, out_dir=tmp_path, jobs=2, log=lines.append)
    assert [o.ok for o in outcomes] == [True, True, False], [(o.ok, o.reason) for o in outcomes]
    assert "only English upper-tier councils are covered" in outcomes[2].reason
    progress = [ln for ln in lines if ln.startswith("[")]
    assert len(progress) == 3
    for ln in progress:
        assert re.match(r"^\[\d/3\] \S+ .*(done in \d+\.\d s|FAILED \(.+\)) \| \d+\.\d s per council \| ~(\d+ min )?\d+ s left$", ln), ln
    assert re.search(r"2 of 3 councils in (\d+ min )?\d+ s \(\d+\.\d\d s per council\); 1 failed", lines[-1])
    # council reports: reader pages with a shared stylesheet, no full HTML
    wigan = tmp_path / config.WIGAN
    names = {p.name for p in wigan.iterdir()}
    assert {f"{nb}.reader.html" for nb in config.NOTEBOOKS} <= names
    assert not {f"{nb}.html" for nb in config.NOTEBOOKS} & names
    reader = (wigan / f"{config.NOTEBOOKS[1]}.reader.html").read_text()
    css = re.search(r'<link rel="stylesheet" href="(\.\./_assets/notebook-[0-9a-f]{12}\.css)">', reader)
    assert css and (wigan / css.group(1)).stat().st_size > 100_000
    assert '<style type="text/css">' not in reader
    assert "not written (atlas run)" in (wigan / "index.html").read_text()
    # the atlas page and its data come from each report's recorded JSON
    data = json.loads((page.parent / "atlas.json").read_text())
    row = next(r for r in data["rows"] if r["area_code"] == config.WIGAN)
    recorded = load_results(wigan)
    assert row["hle_diff_male"] == recorded["02_healthy_life_expectancy"]["values"]["hle_change_diff_male"]["value"]
    assert row["its_cancer_level"] == recorded["03_mortality_and_life_expectancy_its"]["values"]["its_cancer_level_change"]["value"]
    assert [f["area_code"] for f in data["failures"]] == ["E12000002"]
    html = page.read_text()
    assert html.count('href="../E08') == 2 and "E12000002" in html
    figures = re.findall(r'<img src="([a-z_]+\.png)" alt="([^"]+)"', html)
    assert figures and all((page.parent / f).stat().st_size > 1000 for f, _ in figures)
    assert any("Wigan (E08000010) is marked" in alt for _, alt in figures)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E08000001", config.WIGAN, "_assets", "atlas"]


@pytest.mark.slow
@pytest.mark.browser
def test_atlas_page_sorts_in_a_real_browser_without_overflow(tmp_path):
    from pathlib import Path

    chromium = Path(os.environ.get("WIGAN_DEAL_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        pytest.skip(f"headless Chromium not installed at {chromium}")
    from playwright.sync_api import sync_playwright

    rows = [dict(_rows()[0]), dict(_rows()[1]),
            {"area_code": "E08000002", "area_name": "Bury", "seconds": 2.0, "hle_diff_male": 0.5}]
    (tmp_path / "atlas").mkdir()
    page_path = tmp_path / "atlas" / "index.html"
    page_path.write_text(atlas.render_atlas(rows, [], [], highlight="E08000010", elapsed=6.0, jobs=2))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True,
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            for width in (390, 1280):
                page = browser.new_page(viewport={"width": width, "height": 800})
                errors: list[str] = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.goto(page_path.as_uri())
                assert page.evaluate("document.documentElement.scrollWidth") <= width  # the table scrolls in its box
                header = page.locator("#atlas thead th", has_text="HLE change minus England's, male")
                first = "document.querySelector('#atlas tbody tr td').textContent"
                header.click()
                assert page.evaluate(first) == "Bolton <&>"  # ascending: -0.3, 0.5, 1.2
                header.click()
                assert page.evaluate(first) == "Wigan"  # descending
                assert errors == []
                page.close()
        finally:
            browser.close()
