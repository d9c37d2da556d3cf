"""A built report opens cleanly in headless Chromium: tables, working links, rendered figures, pages that fit a
phone and a desktop, alt texts, and no serious or critical axe-core violation.

Chromium is the session's ``browser`` fixture (tests/conftest.py: Debian's ``/usr/bin/chromium`` through
Playwright's Python API); skipped when absent, unless ``CI=true`` or ``WIGAN_DEAL_REQUIRE_BROWSER=1`` (then
absence is a failure: .ci/run installs it).

Chromium's CPU is most of these tests' cost: a load of a 1 MB report page costs it about 0.2 CPU-s, twice that in
a new page (a new renderer process), and an axe-core audit about 1 CPU-s. So a test loads its pages one after
another in one :class:`Tab` per viewport, and the Wigan report's pages are loaded once per width by the
``wigan_pages`` fixture, which reads from each load what every Wigan test below checks (:class:`Seen`); each test
then asserts on those facts, so each still reports its own failure. A link to a notebook file (``.ipynb``) is checked
as a file, not loaded: a browser shows its JSON as text (0.3 CPU-s a load, no console to check), and what a reader
needs is a notebook that opens, which nbformat validates.
"""

from __future__ import annotations

import subprocess
import tarfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import browser_required
from wigan_deal import config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: axe-core, the accessibility checker, from the npm registry (`npm pack`, no node_modules); cached in a
#: git-ignored folder so a fresh machine fetches it once.
AXE_VERSION = "4.14.1"
AXE_CACHE = config.PROJECT_ROOT / ".cache" / f"axe-core-{AXE_VERSION}"
#: the widths every Wigan page is checked at: a phone and a desktop
WIDTHS = (390, 1280)
#: the viewport height of those loads: a phone's screen, two of which must hold the index's answers panel
SCREEN = 844
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
#: the Wigan pages audited by axe-core (with the atlas page over the report): the index and the notebook pages
#: with the most figures and tables (the notebook pages share one template)
AUDITED = ("index.html", "02_healthy_life_expectancy.reader.html", "05_robustness.reader.html")
#: the Wigan pages whose first screen is shot
SHOT = ("index.html", "02_healthy_life_expectancy.reader.html")
#: the key of the atlas page over the Wigan report in ``wigan_pages``
ATLAS = "atlas"


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
            if browser_required():
                pytest.fail(message)
            pytest.skip(message)
    return target.read_text(encoding="utf-8")


def axe_violations(page, script: str, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on the loaded page, one line each (rule, count, first node).

    Every rule axe runs by default is run; ``resultTypes: ['violations']`` only spares axe building a selector for
    every node that passes (violations are reported in full)."""
    page.add_script_tag(content=script)
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(
        v => ({id: v.id, impact: v.impact, n: v.nodes.length, node: v.nodes[0].target.join(' ')}))""")
    return [f"{v['impact']} {v['id']} x{v['n']} (e.g. {v['node']})" for v in found if v["impact"] in impacts]


class Tab:
    """One browser page that loads page after page; ``problems`` holds the console errors, page errors and failed
    requests of the latest load."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda msg: self.problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: self.problems.append(f"request failed: {req.url}"))

    def open(self, url: str):
        """Load ``url`` (to its load event) and return the page; fails unless the response is ok. ``problems`` is a
        new list, which keeps collecting until the next load (a reference to it sees a late console error too)."""
        self.problems = []
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        return self.page


@contextmanager
def tab(browser, width: int, height: int) -> Iterator[Tab]:
    """A :class:`Tab` with a ``width`` x ``height`` viewport, closed on exit."""
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        yield Tab(page)
    finally:
        page.close()


def assert_valid_notebook_link(href: str) -> None:
    """``href`` (a ``file://`` link on a report page) names a notebook file that nbformat reads and validates."""
    import nbformat

    path = Path(urllib.parse.unquote(urllib.parse.urlparse(href).path))
    assert path.is_file(), href
    nbformat.validate(nbformat.read(path, as_version=4))


def assert_not_blank(png: bytes | None, label: str) -> None:
    """``png`` is a PNG of a page's first screen with something on it. (The whole page would cost ~0.5-0.8 s more per
    shot: a phone-width report page is thousands of pixels tall; the page checks themselves read the whole DOM.)"""
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n", label
    assert len(png) > 20_000, f"{label} is only {len(png)} bytes: blank page?"


def test_index_renders_tables_and_every_link_resolves(browser, built_report):
    """The fixture report's index: its claims table (verdicts; an injected <script> shown as text), its results
    table, no console errors, page errors or failed requests, and every notebook link names its page or notebook.
    (The pages themselves share one template with the real report's, which the Wigan tests below open.)"""
    with tab(browser, 1200, 900) as t:
        page = t.open((built_report / "index.html").as_uri())
        assert_not_blank(page.screenshot(), "index")
        assert "Wigan" in page.title()
        claims = page.locator("table.claims tr")
        assert claims.count() == 3  # header + two claims
        assert page.locator("table.claims td.verdict").first.inner_text() == "supported"
        # the injected <script> text is shown as text, not executed
        assert "<script>alert(1)</script>" in page.locator("table.claims").inner_text()
        assert page.locator("table.results tbody tr").count() >= 8
        hrefs = page.eval_on_selector_all("table.notebooks a", "els => els.map(e => e.href)")
        assert t.problems == []
    names = sorted(Path(urllib.parse.urlparse(href).path).name for href in hrefs)
    assert names == sorted(f"{nb}{ext}" for nb in ("01_values", "02_claims", "03_figure")
                           for ext in (".html", ".reader.html", ".ipynb"))
    for href in hrefs:
        if href.endswith(".ipynb"):
            assert_valid_notebook_link(href)
        else:
            assert Path(urllib.parse.unquote(urllib.parse.urlparse(href).path)).is_file(), href


def test_notebook_page_with_code_shows_its_figure_without_errors(browser, axe_script, built_report):
    """A notebook page with code, with an axe-core audit: its prompts, code colours and scrolling code boxes are
    what the reader pages' audits (below) do not reach."""
    variant = "03_figure.html"
    with tab(browser, 1200, 900) as t:
        page = t.open((built_report / variant).as_uri())
        images = page.locator("img")
        assert images.count() >= 1
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
        assert max(widths) > 100, widths
        assert_not_blank(page.screenshot(), variant)
        assert t.problems == []
        assert axe_violations(page, axe_script) == []


@dataclass
class Seen:
    """What one load of a report page at one width showed (made only for a load whose response was ok)."""

    url: str
    #: console errors, page errors and failed requests
    problems: list[str]
    #: the page's width (document.documentElement.scrollWidth) and the window's (innerWidth), in CSS px
    scroll_width: int
    inner_width: int
    title: str
    #: links back to the index in the page's <nav>
    back_links: int
    #: each <img>'s alt text, and its natural width once loaded (0 if not loaded)
    alts: list[str]
    image_widths: list[int]
    #: the text of <main> (None without one) and of every table header cell
    main_text: str | None
    table_headers: list[str]
    #: axe-core's serious and critical violations (None: not audited)
    axe: list[str] | None = None
    #: the first screen as a PNG (None: not shot)
    screenshot: bytes | None = None
    #: bounding boxes of the index's answers panel, its verdict list and its first figure (None: not the index)
    answers: dict[str, dict] | None = None


def read_page(t: Tab) -> Seen:
    """The facts every Wigan page is checked for, read from the page ``t`` has just loaded (one round trip)."""
    facts = t.page.evaluate("""() => ({
        scroll_width: document.documentElement.scrollWidth, inner_width: window.innerWidth, title: document.title,
        back_links: document.querySelectorAll('nav a[href="index.html"]').length,
        alts: [...document.images].map(e => e.alt),
        image_widths: [...document.images].map(e => e.complete ? e.naturalWidth : 0),
        main_text: document.querySelector('main')?.innerText ?? null,
        table_headers: [...document.querySelectorAll('table th')].map(e => e.innerText.trim())})""")
    return Seen(url=t.page.url, problems=t.problems, **facts)  # the load's own list: it keeps collecting


def answers_boxes(page) -> dict[str, dict]:
    """Bounding boxes (viewport px) of the index's answers panel, its list of verdicts and its first figure."""
    return {selector: page.locator(selector).bounding_box()
            for selector in ("#answers", "#answers ol.answers-claims", "#answers img >> nth=0")}


def report_pages(report: Path) -> list[Path]:
    """A report's index and its reader pages, in order."""
    return [report / "index.html", *sorted(report.glob("*.reader.html"))]


@pytest.fixture(scope="module")
def wigan_atlas(wigan_report) -> Path:
    """An atlas page over the one real report (the page, not a run of every council)."""
    from wigan_deal.report.atlas import CouncilOutcome, write_atlas

    return write_atlas(wigan_report.parent, [CouncilOutcome(config.WIGAN, "Wigan", True, 1.0)])


@pytest.fixture(scope="module")
def wigan_pages(browser, axe_script, wigan_report, wigan_atlas) -> dict[int, dict[str, Seen]]:
    """The Wigan report's index and every reader page, and the atlas page over it (key ``ATLAS``), each loaded once
    at each width in WIDTHS (viewport height SCREEN) and read for what the tests below check: ``{width: {name:
    Seen}}``. Every page is read by :func:`read_page`; axe-core audits AUDITED and the atlas page, the first screen is
    shot of SHOT, and the index's answers panel is measured."""
    paths = {path.name: path for path in report_pages(wigan_report)} | {ATLAS: wigan_atlas}
    seen: dict[int, dict[str, Seen]] = {}
    for width in WIDTHS:
        seen[width] = {}
        with tab(browser, width, SCREEN) as t:
            for name, path in paths.items():
                page = t.open(path.as_uri())
                facts = read_page(t)
                if name == "index.html":
                    facts.answers = answers_boxes(page)
                if name in SHOT:
                    facts.screenshot = page.screenshot()
                if name in AUDITED or name == ATLAS:
                    facts.axe = axe_violations(page, axe_script)
                seen[width][name] = facts
    return seen


def test_real_wigan_report_opens_with_verdicts_figures_and_no_errors(browser, wigan_report, wigan_pages):
    """The report a reader gets from `make report`: verdict table first, every link opens, the HLE
    notebook's figures render, no console errors. A link to a page ``wigan_pages`` loaded (a reader page) is
    checked on that load at 1280 px; the pages with code are opened here, and a link to a notebook file names a
    valid notebook."""
    loaded = {facts.url: facts for facts in wigan_pages[1280].values()}
    with tab(browser, 1200, 900) as t:
        page = t.open((wigan_report / "index.html").as_uri())
        assert_not_blank(page.screenshot(), "wigan index")
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
        problems = {"index.html": t.problems}
        for href in dict.fromkeys(h for h in hrefs if not h.startswith(here)):  # each target once
            if href in loaded:
                problems[href] = loaded[href].problems
            elif href.endswith(".ipynb"):
                assert_valid_notebook_link(href)
            else:
                t.open(href)
                problems[href] = t.problems
    assert {url: found for url, found in problems.items() if found} == {}
    hle = wigan_pages[1280]["02_healthy_life_expectancy.reader.html"]
    assert len(hle.image_widths) >= 4 and min(hle.image_widths) > 100, hle.image_widths
    assert_not_blank(hle.screenshot, "wigan 02 at 1280 px")
    assert hle.problems == []


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_pages_fit_phone_and_desktop_widths_with_real_titles_alt_texts_and_back_links(wigan_pages, width):
    """Issue 11, item 7: the index and every reader page at 390 px (phone) and 1280 px (desktop): no
    sideways page scrolling, no console errors, real page titles, a link back to the index, and every
    figure has an alt text that says what it shows."""
    from wigan_deal.report.html import MISSING_ALT

    pages = {name: facts for name, facts in wigan_pages[width].items() if name != ATLAS}
    assert len(pages) == 1 + len(config.NOTEBOOKS)
    n_images = 0
    for name, facts in pages.items():
        assert facts.scroll_width <= facts.inner_width, f"{name} at {width} px: page is {facts.scroll_width} px wide"
        assert "Wigan" in facts.title and ".html" not in facts.title and "_" not in facts.title, facts.title
        if name != "index.html":
            assert facts.back_links == 1, name
            n_images += len(facts.alts)
            for alt in facts.alts:
                assert alt and alt not in (NBCONVERT_DEFAULT_ALT, MISSING_ALT), (name, alt)
                assert len(alt) > 40, (name, alt)
            # tables: readable headers, no pandas index numbers, no NaN
            assert facts.main_text is not None and "NaN" not in facts.main_text, name
            assert not [h for h in facts.table_headers if "_" in h], (name, facts.table_headers)
        if name in SHOT:
            assert_not_blank(facts.screenshot, f"{name} at {width} px")
        assert facts.problems == [], (name, facts.problems)
    assert n_images >= 15  # six notebooks' figures


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_core_finds_no_serious_or_critical_violation(wigan_pages, width):
    """Issue 17, item 4: axe-core on the index, two notebook pages and the atlas at phone and desktop
    widths (focusable scroll boxes, landmarks, table headers, contrast, alt texts ...)."""
    audited = {name: facts.axe for name, facts in wigan_pages[width].items() if facts.axe is not None}
    assert sorted(audited) == sorted([*AUDITED, ATLAS])
    assert {name: found for name, found in audited.items() if found} == {}


def test_phone_index_shows_the_answers_panel_in_the_first_two_screens(wigan_pages):
    index = wigan_pages[390]["index.html"]
    box = index.answers["#answers"]
    assert box["y"] < SCREEN, box  # starts on the first screen
    for selector in ("#answers ol.answers-claims", "#answers img >> nth=0"):
        item = index.answers[selector]
        assert item["y"] + item["height"] < 2 * SCREEN, (selector, item)  # the verdicts and the first figure
    # issue 17 "done when": the whole panel (the forest plot and its caption included) within two screens
    assert box["y"] + box["height"] <= 2 * SCREEN, box
    assert_not_blank(index.screenshot, "index at 390 px")


@pytest.mark.parametrize("width", WIDTHS)
def test_atlas_council_pages_fit_and_pass_axe_core_with_their_notes(browser, axe_script, atlas_run, width):
    """An atlas council's pages (headline figures only; a note where any other figure was): every page fits the
    width and each notebook page shows the note or a figure; axe-core finds no serious or critical violation on
    the council's index and on the notebook pages with the most notes and figures (02 and 05, as for the full
    report above: the notebook pages share one template)."""
    from wigan_deal.report import atlas

    council = atlas_run["out"] / atlas.REPORTS_FOLDER / config.WIGAN
    pages = report_pages(council)
    assert set(AUDITED) <= {p.name for p in pages}
    problems = {}
    with tab(browser, width, SCREEN) as t:
        for path in pages:
            page = t.open(path.as_uri())
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{path.name} at {width} px: page is {scroll} px wide"
            if path.name != "index.html":
                notes = page.get_by_text("Atlas pages draw only each notebook's headline figure").count()
                assert notes + page.locator("main img").count() > 0, path.name
            found = axe_violations(page, axe_script) if path.name in AUDITED else []
            if found:
                problems[path.name] = found
    assert problems == {}
