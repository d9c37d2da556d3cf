"""A built report opens cleanly in headless Chromium: tables, working links, rendered figures.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright's Python API; Playwright's own
browser download is not needed. Skipped when Chromium is absent, unless ``CI=true`` or
``WIGAN_DEAL_REQUIRE_BROWSER=1`` (then absence is a failure: .ci/run installs it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wigan_deal import config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path(os.environ.get("WIGAN_DEAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


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
    page.screenshot(path=str(path), full_page=True)
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
def test_notebook_page_shows_its_figure_without_errors(browser, built_report, tmp_path, variant):
    page, problems = _open(browser, (built_report / variant).as_uri())
    images = page.locator("img")
    assert images.count() >= 1
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
    assert max(widths) > 100, widths
    _screenshot(page, tmp_path / f"{variant}.png")
    assert problems == []
    page.close()


def test_real_wigan_report_opens_with_verdicts_figures_and_no_errors(browser, wigan_report, tmp_path):
    """The report a reader gets from `make report`: verdict table first, every link opens, the HLE
    notebook's figures render, no console errors."""
    page, problems = _open(browser, (wigan_report / "index.html").as_uri())
    _screenshot(page, tmp_path / "wigan_index.png")
    assert page.locator("h2").first.inner_text().startswith("Verdicts")
    assert page.locator("table.claims tbody tr").count() == 11
    verdicts = set(page.eval_on_selector_all("table.claims td.verdict", "els => els.map(e => e.innerText)"))
    assert verdicts <= {"supported", "partly supported", "not supported", "not testable with these data"}
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert len(hrefs) >= 18  # reader, full and .ipynb for six notebooks
    for href in hrefs:
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
