"""A built report opens cleanly in headless Chromium: tables, working links, rendered figures.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright's Python API; Playwright's own
browser download is not needed. Skipped when Chromium is absent, unless ``CI=true`` or
``WIGAN_DEAL_REQUIRE_BROWSER=1`` (then absence is a failure: .ci/run installs it).
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from wigan_deal import config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path(os.environ.get("WIGAN_DEAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
#: axe-core, the accessibility checker, from the npm registry (`npm pack`, no node_modules); cached in a
#: git-ignored folder so a fresh machine fetches it once.
AXE_VERSION = "4.14.1"
AXE_CACHE = config.PROJECT_ROOT / ".cache" / f"axe-core-{AXE_VERSION}"


def _browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("WIGAN_DEAL_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if _browser_required():
            pytest.fail(
                f"Chromium not found at {CHROMIUM} but the browser check is required (CI=true or "
                "WIGAN_DEAL_REQUIRE_BROWSER=1): install it with `apt-get install -y chromium "
                "fonts-dejavu-core` (as .ci/run does)."
            )
        pytest.skip(f"headless Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def built_report(fixture_report) -> Path:
    """The fixture notebooks 01-03 rendered once per session (shared with the runner's tests)."""
    assert fixture_report["rc"] == 0
    return fixture_report["folder"]


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe.min.js: `npm pack axe-core@<AXE_VERSION>` into .cache/ (git-ignored) on first use."""
    target = AXE_CACHE / "axe.min.js"
    if not target.exists():
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        try:
            out = subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(AXE_CACHE)],
                                 capture_output=True, text=True, timeout=300, check=True)
            with tarfile.open(AXE_CACHE / out.stdout.strip().splitlines()[-1]) as tar:
                target.write_bytes(tar.extractfile("package/axe.min.js").read())
        except (OSError, subprocess.SubprocessError, KeyError, tarfile.TarError) as exc:
            message = f"could not fetch axe-core {AXE_VERSION} with `npm pack` into {AXE_CACHE}: {exc}"
            if _browser_required():
                pytest.fail(message)
            pytest.skip(message)
    return target.read_text(encoding="utf-8")


def axe_violations(page, script: str, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on the loaded page, one line each (rule, count, first node)."""
    page.add_script_tag(content=script)
    found = page.evaluate("""async () => (await axe.run(document)).violations.map(v => ({id: v.id,
        impact: v.impact, n: v.nodes.length, node: v.nodes[0].target.join(' ')}))""")
    return [f"{v['impact']} {v['id']} x{v['n']} (e.g. {v['node']})" for v in found if v["impact"] in impacts]


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    return page, problems


def _screenshot(page, path: Path) -> None:
    """The first screen as a PNG in ``path`` (not blank). The whole page would cost ~0.5-0.8 s more per shot: a
    phone-width report page is thousands of pixels tall; the page checks themselves read the whole DOM."""
    page.screenshot(path=str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000, f"{path.name} is only {len(data)} bytes: blank page?"


def test_index_renders_tables_and_every_link_opens(browser, built_report, tmp_path):
    page, problems = _open(browser, (built_report / "index.html").as_uri())
    _screenshot(page, tmp_path / "index.png")
    assert "Wigan" in page.title()
    claims = page.locator("table.claims tr")
    assert claims.count() == 3  # header + two claims
    assert page.locator("table.claims td.verdict").first.inner_text() == "supported"
    # the injected <script> text is shown as text, not executed
    assert "<script>alert(1)</script>" in page.locator("table.claims").inner_text()
    assert page.locator("table.results tbody tr").count() >= 8
    hrefs = page.eval_on_selector_all("table.notebooks a", "els => els.map(e => e.href)")
    assert len(hrefs) == 9
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.ok, href
    assert problems == []
    page.close()


@pytest.mark.parametrize("variant", ["03_figure.html", "03_figure.reader.html"])
def test_notebook_page_shows_its_figure_without_errors(browser, axe_script, built_report, tmp_path, variant):
    """Both versions of a notebook page, with an axe-core audit: the version with code (whose prompts, code colours
    and scrolling code boxes the report's other audits do not reach) as well as the reader version."""
    page, problems = _open(browser, (built_report / variant).as_uri())
    images = page.locator("img")
    assert images.count() >= 1
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
    assert max(widths) > 100, widths
    _screenshot(page, tmp_path / f"{variant}.png")
    assert problems == []
    assert axe_violations(page, axe_script) == []
    page.close()


def test_real_wigan_report_opens_with_verdicts_figures_and_no_errors(browser, wigan_report, tmp_path):
    """The report a reader gets from `make report`: verdict table first, every link opens, the HLE
    notebook's figures render, no console errors."""
    page, problems = _open(browser, (wigan_report / "index.html").as_uri())
    _screenshot(page, tmp_path / "wigan_index.png")
    assert page.locator("h2").first.inner_text() == "The answers at a glance"
    assert page.locator("#answers img").count() == 2  # forest plot and finance chart
    assert page.locator("table.claims tbody tr").count() == 11
    verdicts = set(page.eval_on_selector_all("table.claims td.verdict", "els => els.map(e => e.innerText)"))
    assert verdicts <= {"supported", "partly supported", "not supported", "not testable with these data"}
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert len(hrefs) >= 18  # reader, full and .ipynb for six notebooks
    here = page.url.split("#")[0] + "#"
    for anchor in [h.removeprefix(here) for h in hrefs if h.startswith(here)]:  # the contents: sections exist
        assert page.locator(f'[id="{anchor}"]').count() == 1, anchor
    for href in [h for h in hrefs if not h.startswith(here)]:
        response = page.goto(href)
        assert response is not None and response.ok, href
    assert problems == []
    page.close()
    page, problems = _open(browser, (wigan_report / "02_healthy_life_expectancy.reader.html").as_uri())
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
    assert len(widths) >= 4 and min(widths) > 100, widths
    _screenshot(page, tmp_path / "wigan_02.png")
    assert problems == []
    page.close()


WIDTHS = (390, 1280)
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_pages_fit_phone_and_desktop_widths_with_real_titles_alt_texts_and_back_links(
        browser, wigan_report, tmp_path, width):
    """Issue 11, item 7: the index and every reader page at 390 px (phone) and 1280 px (desktop): no
    sideways page scrolling, no console errors, real page titles, a link back to the index, and every
    figure has an alt text that says what it shows."""
    from wigan_deal.report.html import MISSING_ALT

    pages = ["index.html"] + sorted(p.name for p in wigan_report.glob("*.reader.html"))
    assert len(pages) == 1 + len(config.NOTEBOOKS)
    n_images = 0
    for name in pages:
        page = browser.new_page(viewport={"width": width, "height": 900})
        problems: list[str] = []
        page.on("console", lambda msg, p=problems: p.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc, p=problems: p.append(str(exc)))
        page.goto((wigan_report / name).as_uri(), wait_until="load")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        assert scroll <= inner, f"{name} at {width} px: page is {scroll} px wide"
        title = page.title()
        assert "Wigan" in title and ".html" not in title and "_" not in title, title
        if name != "index.html":
            assert page.locator('nav a[href="index.html"]').count() == 1, name
            alts = page.eval_on_selector_all("img", "els => els.map(e => e.alt)")
            n_images += len(alts)
            for alt in alts:
                assert alt and alt not in (NBCONVERT_DEFAULT_ALT, MISSING_ALT), (name, alt)
                assert len(alt) > 40, (name, alt)
            # tables: readable headers, no pandas index numbers, no NaN
            text = page.locator("main").inner_text()
            assert "NaN" not in text, name
            headers = page.eval_on_selector_all("table th", "els => els.map(e => e.innerText.trim())")
            assert not [h for h in headers if "_" in h], (name, headers)
        if width == 390 and name in ("index.html", "02_healthy_life_expectancy.reader.html"):
            _screenshot(page, tmp_path / f"{name}.{width}.png")
        assert problems == [], (name, problems)
        page.close()
    assert n_images >= 15  # six notebooks' figures


@pytest.fixture(scope="module")
def wigan_atlas(wigan_report) -> Path:
    """An atlas page over the one real report (the page, not a run of every council)."""
    from wigan_deal.report.atlas import CouncilOutcome, write_atlas

    return write_atlas(wigan_report.parent, [CouncilOutcome(config.WIGAN, "Wigan", True, 1.0)])


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_core_finds_no_serious_or_critical_violation(browser, axe_script, wigan_report, wigan_atlas, width):
    """Issue 17, item 4: axe-core on the index, two notebook pages and the atlas at phone and desktop
    widths (focusable scroll boxes, landmarks, table headers, contrast, alt texts ...)."""
    pages = [wigan_report / "index.html", wigan_report / "02_healthy_life_expectancy.reader.html",
             wigan_report / "05_robustness.reader.html", wigan_atlas]
    problems = {}
    for path in pages:
        page = browser.new_page(viewport={"width": width, "height": 844})
        page.goto(path.as_uri(), wait_until="load")
        found = axe_violations(page, axe_script)
        if found:
            problems[path.name] = found
        page.close()
    assert problems == {}


def test_phone_index_shows_the_answers_panel_in_the_first_two_screens(browser, wigan_report, tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto((wigan_report / "index.html").as_uri(), wait_until="load")
    box = page.locator("#answers").bounding_box()
    assert box["y"] < 844, box  # starts on the first screen
    for selector in ("#answers ol.answers-claims", "#answers img >> nth=0"):
        item = page.locator(selector).bounding_box()
        assert item["y"] + item["height"] < 2 * 844, (selector, item)  # the verdicts and the first figure
    # issue 17 "done when": the whole panel (the forest plot and its caption included) within two screens
    assert box["y"] + box["height"] <= 2 * 844, box
    _screenshot(page, tmp_path / "index.390.answers.png")
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_atlas_council_pages_fit_and_pass_axe_core_with_their_notes(browser, axe_script, atlas_run, width):
    """An atlas council's pages (headline figures only; a note where any other figure was): every page fits the
    width and each notebook page shows the note or a figure; axe-core finds no serious or critical violation on
    the council's index and on the notebook pages with the most notes and figures (02 and 05, as for the full
    report above: the notebook pages share one template)."""
    from wigan_deal.report import atlas

    council = atlas_run["out"] / atlas.REPORTS_FOLDER / config.WIGAN
    audited = {"index.html", "02_healthy_life_expectancy.reader.html", "05_robustness.reader.html"}
    problems = {}
    pages = [council / "index.html", *sorted(council.glob("*.reader.html"))]
    assert audited <= {p.name for p in pages}
    for path in pages:
        page = browser.new_page(viewport={"width": width, "height": 844})
        page.goto(path.as_uri(), wait_until="load")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{path.name} at {width} px: page is {scroll} px wide"
        if path.name != "index.html":
            notes = page.get_by_text("Atlas pages draw only each notebook's headline figure").count()
            assert notes + page.locator("main img").count() > 0, path.name
        found = axe_violations(page, axe_script) if path.name in audited else []
        if found:
            problems[path.name] = found
        page.close()
    assert problems == {}

