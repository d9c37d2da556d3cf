"""The all-council atlas (issue 11, items 2 and 3): python -m wigan_deal.report.atlas / make atlas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from conftest import ATLAS_CODES
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
    assert '<a href="../atlas-reports/E08000010/index.html">Wigan</a>' in html
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
def test_atlas_run_on_a_few_councils_lists_failures_and_reads_recorded_results(atlas_run):
    tmp_path, page, outcomes, lines = atlas_run["out"], atlas_run["page"], atlas_run["outcomes"], atlas_run["lines"]
    assert [o.area_code for o in outcomes] == list(ATLAS_CODES)  # the last is a region: it fails, the run goes on
    assert [o.ok for o in outcomes] == [True] * 4 + [False], [(o.ok, o.reason) for o in outcomes]
    assert "only English upper-tier councils are covered" in outcomes[-1].reason
    progress = [ln for ln in lines if ln.startswith("[")]
    assert len(progress) == 5
    for ln in progress:
        assert re.match(r"^\[\d/5\] \S+ .*(done in \d+\.\d s|FAILED \(.+\)) \| \d+\.\d s per council \| ~(\d+ min )?\d+ s left$", ln), ln
    assert re.search(r"4 of 5 councils in (\d+ min )?\d+ s \(\d+\.\d\d s per council\); 1 failed", lines[-1])
    # council reports: reader pages with a shared stylesheet, no full HTML, in their own folder
    wigan = tmp_path / atlas.REPORTS_FOLDER / config.WIGAN
    names = {p.name for p in wigan.iterdir()}
    assert {f"{nb}.reader.html" for nb in config.NOTEBOOKS} <= names
    assert not {f"{nb}.html" for nb in config.NOTEBOOKS} & names
    reader = (wigan / f"{config.NOTEBOOKS[1]}.reader.html").read_text()
    css = re.search(r'<link rel="stylesheet" href="(\.\./_assets/notebook-[0-9a-f]{12}\.css)">', reader)
    assert css and (wigan / css.group(1)).stat().st_size > 100_000
    assert '<style type="text/css">' not in reader
    # each notebook's headline figure only, rendered once (issue 19): no phone image beside a desktop one, a wide
    # one in its stacked layout; every other figure is a note naming the command that draws it
    pages = {nb: (wigan / f"{nb}.reader.html").read_text() for nb in config.NOTEBOOKS}
    assert not any("<picture>" in page for page in pages.values())
    assert {nb: page.count("<img ") for nb, page in pages.items()} == {
        "01_data_overview": 0, "02_healthy_life_expectancy": 1, "03_mortality_and_life_expectancy_its": 1,
        "04_adult_social_care_finance": 1, "05_robustness": 1, "06_report_claims": 0, "07_social_care_outcomes": 1}
    assert 'class="wd-stacked"' in pages["03_mortality_and_life_expectancy_its"]
    assert all(f"wigan-deal report --area {config.WIGAN}" in page for page in pages.values())
    assert not [nb for nb, page in pages.items() if "Figure size" in page]  # no text stand-in for a figure left out
    assert "not written (reader pages only)" in (wigan / "index.html").read_text()
    # the atlas page and its data come from each report's recorded JSON
    data = json.loads((page.parent / "atlas.json").read_text())
    row = next(r for r in data["rows"] if r["area_code"] == config.WIGAN)
    recorded = load_results(wigan)
    assert row["hle_diff_male"] == recorded["02_healthy_life_expectancy"]["values"]["hle_change_diff_male"]["value"]
    assert row["its_cancer_level"] == recorded["03_mortality_and_life_expectancy_its"]["values"]["its_cancer_level_change"]["value"]
    assert [f["area_code"] for f in data["failures"]] == ["E12000002"]
    html = page.read_text()
    assert html.count('href="../atlas-reports/E0') == 4 and "E12000002" in html
    figures = re.findall(r'<img src="([a-z_]+\.png)" alt="([^"]+)"', html)
    assert figures and all((page.parent / f).stat().st_size > 1000 for f, _ in figures)
    assert any("Wigan (E08000010) is marked" in alt for _, alt in figures)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas", "atlas-reports"]
    assert sorted(p.name for p in (tmp_path / "atlas-reports").iterdir()) == sorted([*ATLAS_CODES[:4], "_assets"])


@pytest.mark.slow
@pytest.mark.browser
def test_atlas_page_sorts_in_a_real_browser_without_overflow(browser, tmp_path):
    """In headless Chromium (the session's ``browser``, tests/conftest.py) at 390 and 1280 px: the atlas table
    scrolls in its box (the page does not), a header click sorts ascending and a second descending, no console
    errors."""
    rows = [dict(_rows()[0]), dict(_rows()[1]),
            {"area_code": "E08000002", "area_name": "Bury", "seconds": 2.0, "hle_diff_male": 0.5}]
    (tmp_path / "atlas").mkdir()
    page_path = tmp_path / "atlas" / "index.html"
    page_path.write_text(atlas.render_atlas(rows, [], [], highlight="E08000010", elapsed=6.0, jobs=2))
    for width in (390, 1280):
        page = browser.new_page(viewport={"width": width, "height": 800})
        try:
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
        finally:
            page.close()


# --- safe runs (issue 17, item 2) ---------------------------------------------------------------------
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
RUN_ATLAS = atlas.run_atlas


def _atlas_with(monkeypatch, notebook: str | Path) -> None:
    """``main`` runs the atlas with one fixture notebook per council instead of the real seven."""
    monkeypatch.setattr(atlas, "run_atlas", lambda codes, **kw: RUN_ATLAS(
        codes, notebooks=[FIXTURES / notebook], log=lambda _m: None, **kw))


def _without_overlap_wait(folder: Path, notebook: str = "01_values.ipynb") -> Path:
    """A copy of a fixture notebook in ``folder`` without its 1 s sleep, which only gives the parallel-execution
    test a window in which two workers' notebooks overlap (an atlas with one worker waited 1 s per council)."""
    nb = nbformat.read(FIXTURES / notebook, as_version=4)
    sleeps = [c for c in nb.cells if "time.sleep(1.0)" in c.source]
    assert len(sleeps) == 1, notebook
    sleeps[0].source = sleeps[0].source.replace("time.sleep(1.0)", "pass")
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / notebook)
    return folder / notebook


@pytest.mark.integration  # runs kernels on fixture notebooks
def test_atlas_keeps_full_reports_and_a_better_page_and_exits_1_when_councils_fail(tmp_path, monkeypatch, capsys):
    out = tmp_path / "reports"
    full = out / config.WIGAN
    full.mkdir(parents=True)
    (full / "index.html").write_text("the full report")
    # a good run: the reader-only report goes to atlas-reports/, the full report is untouched
    _atlas_with(monkeypatch, _without_overlap_wait(tmp_path / "notebooks"))
    assert atlas.main(["--areas", f"{config.WIGAN},E08000001", "--out", str(out), "--jobs", "1"]) == 0
    assert (full / "index.html").read_text() == "the full report" and sorted(p.name for p in full.iterdir()) == ["index.html"]
    assert (out / atlas.REPORTS_FOLDER / config.WIGAN / "01_values.reader.html").exists()
    page = out / atlas.ATLAS_FOLDER / "atlas.json"
    good = page.read_bytes()
    assert len(json.loads(good)["rows"]) == 2
    # every council fails: exit 1, and the page listing two councils is not replaced by an empty one
    _atlas_with(monkeypatch, "04_fails.ipynb")
    capsys.readouterr()
    assert atlas.main(["--areas", f"{config.WIGAN},E08000001", "--out", str(out), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "2 of 2 council(s) failed" in err and "deliberate failure" in err
    assert "was kept: it lists 2 councils, and this run's page would list 0" in err and err.count("\n") == 2
    assert page.read_bytes() == good
    assert (full / "index.html").read_text() == "the full report"
    assert sorted(p.name for p in out.iterdir()) == [config.WIGAN, "atlas", "atlas-reports"]  # no temporaries


def test_check_not_worse_keeps_a_fuller_page(tmp_path):
    folder = tmp_path / "atlas"
    atlas.check_not_worse(folder, [])  # no page yet: anything may be written
    folder.mkdir()
    (folder / "atlas.json").write_text(json.dumps({"rows": [{"area_code": "A"}, {"area_code": "B"}]}))
    atlas.check_not_worse(folder, [{"area_code": "A"}, {"area_code": "B"}, {"area_code": "C"}])
    with pytest.raises(atlas.AtlasKept, match="lists 2 councils, and this run's page would list 1, without B"):
        atlas.check_not_worse(folder, [{"area_code": "A"}])
    (folder / "atlas.json").write_text("{broken")
    atlas.check_not_worse(folder, [])  # an unreadable page is not 'better'


@pytest.mark.parametrize(("args", "fragment"), [
    (["--highlight", "XYZ"], "--highlight: Invalid area_code 'XYZ'"),
    (["--areas", "E08000010,E08000001", "--highlight", "E08000035"], "--highlight E08000035 is not among the councils run"),
    (["--areas", ""], "--areas was given an empty value"),
    (["--areas", ","], "names no council"),
    (["--areas", "E08000010,Atlantis"], "--areas: Invalid area_code 'Atlantis'"),
    (["--out", ""], "--out was given an empty value"),
    (["--jobs", "0"], "--jobs must be a positive whole number"),
])
def test_bad_atlas_arguments_run_nothing(tmp_path, monkeypatch, capsys, args, fragment):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(atlas, "run_atlas", lambda *a, **k: pytest.fail("bad arguments must not run anything"))
    assert atlas.main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_in_the_atlas_is_one_message(tmp_path, monkeypatch, capsys):
    reasons = [f"02_healthy_life_expectancy: OSError: [Errno 28] No space left on device: '{tmp_path}/x'", "ok"]
    outcomes = [atlas.CouncilOutcome(c, c, r == "ok", 1.0, None if r == "ok" else r)
                for c, r in zip([config.WIGAN, "E08000001"], reasons, strict=True)]
    monkeypatch.setattr(atlas, "run_atlas", lambda *a, **k: (tmp_path / "atlas" / "index.html", outcomes))
    assert atlas.main(["--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ran out of space" in err and "1 of 2 council reports were not written" in err
    assert str(tmp_path / atlas.REPORTS_FOLDER) in err

def _primary_rows():
    from wigan_deal.report import atlas_views

    rows = []
    for i, (code, name) in enumerate([("E08000010", "Wigan"), ("E08000001", "Bolton"), ("E06000053", "Isles of Scilly"),
                                      ("E06000060", "Buckinghamshire")]):
        results = {"03_its": {"values": {"its_primary_cancer_level_change": {
            "value": -3.5 + i, "lower": -9.6 + i, "upper": 2.6 + i, "unit": "per 100,000",
            "label": f"PRIMARY: {name} cancer level change"}}}}
        row = {"area_code": code, "area_name": name, "seconds": 1.0}
        atlas_views.add_primary(row, results)
        rows.append(row)
    return rows


def test_atlas_downloads_funnel_plot_and_hex_map(tmp_path):
    """Issue 17, item 5: the table as CSV and XLSX, the primary estimate's funnel plot and hex map."""
    from openpyxl import load_workbook

    from wigan_deal.report import atlas_views

    rows = _primary_rows()
    assert rows[0]["primary"] == -3.5 and abs(rows[0]["primary_se"] - 12.2 / (2 * 1.959963984540054)) < 1e-9
    files = atlas_views.write_downloads(tmp_path, rows, atlas.table_columns())
    assert files == ["atlas.csv", "atlas.xlsx"]
    lines = (tmp_path / "atlas.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Council,Code,") and "Primary estimate" in lines[0] and len(lines) == 5
    assert lines[1].startswith("Wigan,E08000010,")
    sheet = load_workbook(tmp_path / "atlas.xlsx").active
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(2, headers.index("Primary estimate") + 1).value == -3.5 and sheet.freeze_panes == "B2"
    file, alt, _caption = atlas_views.funnel_plot(tmp_path, rows, "E08000010")
    assert (tmp_path / file).stat().st_size > 5000
    assert "for 4 councils" in alt and "Wigan is at -3.50" in alt
    hexes = atlas_views.load_hexes()
    assert len(hexes) == 151 and hexes["E08000010"] and "E06000053" in hexes  # Isles of Scilly joined on code
    (file, alt, _), unmapped = atlas_views.hex_map(tmp_path, rows, "E08000010", hexes)
    assert (tmp_path / file).stat().st_size > 5000 and "151 English upper-tier councils" in alt and "3 coloured" in alt
    assert unmapped == ["Buckinghamshire (E06000060)"]  # created in 2020: listed under the map
    html = atlas.render_atlas(rows, [], [(file, alt, "c")], highlight="E08000010", elapsed=1.0, jobs=1,
                              downloads=files, unmapped=unmapped)
    assert '<a href="atlas.csv" download>' in html and '<a href="atlas.xlsx" download>' in html
    assert "Councils without a hex (created after the map's 2019 geography): 1: Buckinghamshire (E06000060)" in html
    assert '<div class="scroll" tabindex="0" role="region"' in html and "<main>" in html
    assert "#atlas tr > :first-child { position: sticky; left: 0;" in html


def test_atlas_verdict_columns_find_the_claim_by_its_text_not_its_row():
    results = {"06_report_claims": {"tables": {"claims": {"columns": ["claim", "verdict"], "rows": [
        ["Wigan Council has saved more than £140m", "supported"],
        ["In 2011 the council projected a £6.9m overspend in adult social care", "partly supported"],
        ["Healthy life expectancy has increased significantly", "not supported"]]}}}}
    assert atlas.claim_verdict(results, "healthy life expectancy has increased") == "not supported"
    assert atlas.claim_verdict(results, "adult social care") == "partly supported"
    assert atlas.claim_verdict({}, "adult social care") is None


def test_atlas_json_records_version_parameters_data_checksums_and_environment(tmp_path):
    """Issue 17, item 6: an atlas.json says how it was made."""
    import wigan_deal

    outcome = atlas.CouncilOutcome("E06000053", "Isles of Scilly", False, 1.0, "02_x: no series")
    page = atlas.write_atlas(tmp_path, [outcome], highlight="E08000010")
    data = json.loads((page.parent / "atlas.json").read_text())
    assert data["package_version"] == wigan_deal.__version__
    assert data["parameters"]["councils"] == ["E06000053"] and data["parameters"]["highlight"] == "E08000010"
    assert data["parameters"]["break_year"] == config.DEFAULT_BREAK_YEAR and "area_code" not in data["parameters"]
    assert all(len(item["sha256"]) >= 12 for item in data["data"]["extracts"].values())
    assert data["environment"]["libraries"]["pandas"]


def test_atlas_figures_name_the_estimate_not_one_council():
    from wigan_deal.report import atlas_views

    assert atlas_views._what(_primary_rows()) == ("cancer level change", "per 100,000")


def test_every_dash_in_the_atlas_table_has_its_reason():
    """Issue 17 leftover: no bare '–' in the atlas table; each cites a numbered reason listed under it."""
    from bs4 import BeautifulSoup

    rows = _rows()
    rows[1]["missing_reasons"] = {"hle_change_male": "02 recorded no value: no HLE for this council"}
    subset = [{"area_code": "E09000001"}]  # City of London: no HLE
    atlas._add_rtm_adjusted_rank(subset)
    assert subset[0]["missing_reasons"]["hle_rtm_rank"] == atlas.NO_HLE_RTM
    rows[1]["missing_reasons"].update(subset[0]["missing_reasons"])
    soup = BeautifulSoup(atlas.render_atlas(rows, [], [], highlight="E08000010", elapsed=1.0, jobs=1), "html.parser")
    legend = {li["id"]: li.get_text() for li in soup.select("ol.why li")}
    dashes = [td for td in soup.select("#atlas td") if td.get_text().startswith("–")]
    assert len(dashes) > 5
    for td in dashes:
        link = td.find("a", class_="why")
        assert link is not None and link["href"][1:] in legend, td
    assert "02 recorded no value: no HLE for this council" in legend.values()
    assert atlas.NO_HLE_RTM in legend.values() and atlas.UNEXPLAINED in legend.values()
    bolton = soup.select("#atlas tbody tr")[1]
    rank = [td for td in bolton.find_all("td") if "why" in td.get_text()]
    assert any(legend[td.a["href"][1:]] == atlas.NO_HLE_RTM for td in rank)
