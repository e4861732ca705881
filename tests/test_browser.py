"""The built site in a real browser: Debian's chromium driven headless by Playwright (never a download).

Without /usr/bin/chromium the tests skip with the reason, unless EVIDENCEKB_REQUIRE_BROWSER=1 (set by
.ci/run), which turns a missing browser into a failure. Screenshots go to build/screenshots/ for review.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidencekb import project
from evidencekb.site.serve import make_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = project.current().build / "screenshots"
# Material renders Mermaid into a *closed* shadow root; open it so the test can see the SVG.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: "open" }); };
"""


# One page of every kind; each is checked in both languages (Danish at the root, English under en/).
PAGE_KINDS = ("", "tables/", "tables/3-1/", "tables/8-2/", "studies/", "studies/mohan-2025/",
              "studies/sutherland-2025/", "reports/", "reports/shahid-2024/", "therapies/", "therapies/cilta-cel/",
              "therapies/therapy-car-t/",
              "diseases/", "diseases/disease-multiple-myeloma/", "organisations/", "search-strategy/", "query/",
              "downloads/", "audit/", "agreement/")
LANGUAGES = ("", "en/")
PHONE = {"width": 390, "height": 844}
AXE = project.current().site / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`)"""


def _unavailable(reason: str) -> None:
    if os.environ.get("EVIDENCEKB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"EVIDENCEKB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the python package playwright is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    server = make_server(built_site, 0)  # the site of conftest.py, built once a session
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        # Leaving a page cancels its pending requests (e.g. the search index): not an error of the page.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"request failed: {request.url} ({request.failure})")


def _new_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, Console]:
    context = browser.new_context(viewport=viewport)
    context.add_init_script(OPEN_SHADOW_ROOTS)
    # Offline: only the local test server may be reached.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1")
                  else route.abort())
    tab = context.new_page()
    return context, tab, Console(tab)


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Console]]:
    context, tab, console = _new_page(browser, {"width": 1400, "height": 1000})
    yield tab, console
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, Console]]:
    context, tab, console = _new_page(browser, PHONE)
    yield tab, console
    context.close()


def _open(tab: Any, url: str) -> None:
    tab.goto(url)
    if tab.locator("pre.mermaid, div.mermaid").count():
        tab.locator("div.mermaid svg").first.wait_for(state="attached", timeout=30_000)
    tab.wait_for_timeout(150)  # the theme wraps tables after load


def _serious_violations(tab: Any) -> list[str]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run 'npm ci --prefix site' (axe-core is a devDependency in site/package.json)")
    tab.add_script_tag(path=str(AXE))
    return tab.evaluate(SERIOUS)


def _shot(tab: Any, name: str) -> None:
    """A full-page screenshot taken from the top: a page left scrolled (e.g. by a click) would draw the
    sticky header in the middle of the image, over the content."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.wait_for_timeout(100)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_home_shows_the_generated_decision_diagram(page: tuple[Any, Console], base_url: str) -> None:
    tab, console = page
    tab.goto(f"{base_url}/")
    svg = tab.locator("div.mermaid svg").first
    svg.wait_for(state="attached", timeout=30_000)
    text = svg.text_content() or ""
    assert "Opstart" in text and "Seponering" in text, text[:500]
    assert tab.locator("div.mermaid svg .node").count() >= 6
    assert tab.locator('script[type="application/ld+json"]').count() == 1
    _shot(tab, "home")
    assert console.errors == []


def test_search_finds_a_study_and_opens_it(page: tuple[Any, Console], base_url: str) -> None:
    tab, console = page
    tab.goto(f"{base_url}/")
    search = tab.locator("input.md-search__input")
    search.click()
    search.fill("Dima")
    result = tab.locator(".md-search-result__item a[href*='studies/dima-2025']").first
    result.wait_for(timeout=90_000)  # the search index is built in the browser first
    _shot(tab, "search")
    result.click()
    tab.wait_for_url("**/studies/dima-2025/**")
    assert tab.locator("h1").first.inner_text().startswith("Dima 2025")
    assert tab.locator("table").count() >= 2  # facts and results
    _shot(tab, "study-dima-2025")
    assert console.errors == []


def test_table_3_1_shows_its_marks(page: tuple[Any, Console], base_url: str) -> None:
    tab, console = page
    tab.goto(f"{base_url}/tables/3-1/")
    marks = tab.locator("td .ekb-mark")
    assert marks.count() >= 3, tab.locator("article").inner_text()[:1000]
    assert marks.first.inner_text() == "X"
    assert tab.locator("a[href$='table-3-1.csv']").count() == 1
    _shot(tab, "table-3-1")
    assert console.errors == []


def test_query_page_runs_an_example_in_the_browser(page: tuple[Any, Console], base_url: str) -> None:
    tab, console = page
    tab.goto(f"{base_url}/query/")
    tab.locator("#ekb-query[data-ready='true']").wait_for(timeout=60_000)
    tab.locator("button.ekb-example[data-name='primary-studies']").click()
    assert "ekb:PrimaryStudy" in tab.locator("#ekb-sparql").input_value()
    tab.locator("#ekb-run").click()
    rows = tab.locator("tr.ekb-result-row")
    rows.first.wait_for(timeout=30_000)
    assert rows.count() >= 10
    assert "rækker" in tab.locator("#ekb-status").inner_text()  # the Danish site speaks Danish
    link = tab.locator("tr.ekb-result-row a.ekb-iri[href$='studies/dima-2025/']")
    assert link.count() == 1 and link.inner_text() == "kb:dima-2025"
    assert "@da" not in tab.locator("#ekb-results").inner_text()
    assert tab.locator("tr.ekb-result-row .ekb-lang").first.inner_text() == "da"
    _shot(tab, "query")
    assert console.errors == []


def test_no_page_scrolls_sideways_on_a_phone(phone: tuple[Any, Console], base_url: str) -> None:
    """At 390 px every page kind, in both languages, is as wide as the screen: wide tables and forest plots
    scroll inside their own container, cards and the decision diagram reflow."""
    tab, console = phone
    wide = []
    for lang in LANGUAGES:
        for kind in PAGE_KINDS:
            _open(tab, f"{base_url}/{lang}{kind}")
            width = tab.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide.append(f"/{lang}{kind}: {width} px")
    _open(tab, f"{base_url}/")
    box = tab.locator("div.mermaid svg").first.bounding_box()  # inside a shadow root: a locator pierces it
    diagram = box["x"] + box["width"]
    cards = tab.evaluate("Math.max(...[...document.querySelectorAll('.ekb-card')]"
                         ".map(c => c.getBoundingClientRect().right))")
    _shot(tab, "home-phone")
    assert wide == [], "pages wider than the phone:\n" + "\n".join(wide)
    assert diagram <= PHONE["width"] and cards <= PHONE["width"], (diagram, cards)
    assert console.errors == []


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1400, "height": 1000}], ids=["phone", "desktop"])
def test_no_serious_or_critical_accessibility_violations(browser: Any, base_url: str, viewport: dict[str, int]) -> None:
    """axe-core (site/node_modules/axe-core, injected into each page) on every page kind in both languages."""
    context, tab, console = _new_page(browser, viewport)
    found = []
    try:
        for lang in LANGUAGES:
            for kind in PAGE_KINDS:
                _open(tab, f"{base_url}/{lang}{kind}")
                found += [f"/{lang}{kind}: {v}" for v in _serious_violations(tab)]
    finally:
        context.close()
    assert found == [], "serious/critical axe-core violations:\n" + "\n".join(found)
    assert console.errors == []


def test_both_languages_and_the_switch_keeps_the_page(page: tuple[Any, Console], base_url: str) -> None:
    tab, console = page
    _open(tab, f"{base_url}/studies/dima-2025/")
    assert tab.evaluate("document.documentElement.lang") == "da"
    tab.locator(".ekb-lang-switch a[hreflang='en']").click()
    tab.wait_for_url("**/en/studies/dima-2025/")
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert "Results" in [h.replace("¶", "").strip() for h in tab.locator("article h2").all_inner_texts()]
    tab.locator(".ekb-lang-switch a[hreflang='da']").click()
    tab.wait_for_url("**/studies/dima-2025/")
    assert "/en/" not in tab.url and tab.evaluate("document.documentElement.lang") == "da"
    for lang in LANGUAGES:
        _open(tab, f"{base_url}/{lang}")
        headings = tab.locator("article h1, article h2, article h3").all_inner_texts()
        assert not [h for h in headings if " · " in h], headings
    assert console.errors == []


def test_forest_plots_are_svg_with_title_and_description(page: tuple[Any, Console], base_url: str) -> None:
    tab, console = page
    for lang in LANGUAGES:
        _open(tab, f"{base_url}/{lang}studies/mohan-2025/")
        plot = tab.locator("svg#forest-study-mohan-2025")
        assert plot.count() == 1
        assert plot.get_attribute("role") == "img"
        assert plot.locator("title").text_content() and plot.locator("desc").text_content()
        assert plot.locator(".ekb-forest__ci").count() == 2  # both hazard ratios have a CI
        assert plot.locator(".ekb-forest__null").count() == 1
        assert "n = " in (plot.text_content() or "")
        _open(tab, f"{base_url}/{lang}studies/")
        assert tab.locator("svg[id^='forest-outcome-']").count() >= 1
    _open(tab, f"{base_url}/studies/sutherland-2025/")
    assert "intet CI" in (tab.locator("svg#forest-study-sutherland-2025").text_content() or "")
    tab.locator("#forest-study-mohan-2025-figure, #forest-study-sutherland-2025-figure").first.screenshot(
        path=str(SCREENSHOTS / "forest-sutherland-2025.png"))
    assert console.errors == []
