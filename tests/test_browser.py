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
from evidencekb.site.build import build_site
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
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_site(tmp_path_factory.mktemp("browser") / "site")
    server = make_server(site, 0)
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
        page.on("requestfailed", lambda req: self.errors.append(f"request failed: {req.url}"))


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Console]]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    # Offline: only the local test server may be reached.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1")
                  else route.abort())
    tab = context.new_page()
    console = Console(tab)
    yield tab, console
    context.close()


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
    result.wait_for(timeout=30_000)
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
