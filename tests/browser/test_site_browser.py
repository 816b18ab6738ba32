"""The built site in a real browser (headless Chromium).

The browser tests open the site from ``file://`` with every other request refused, as on a
laptop with no network mid-incident, and record what the page asks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsbook.run import load_site
from tests.support.browser import browser
from tests.support.repo import REPO_ROOT
from tests.support.sitebuild import RUNBOOK_PAGE

pytestmark = pytest.mark.browser

ALERT = "PaymentsProcessorErrorRate"


def first_call_phone(alert: str) -> str:
    """The phone number of the first person on the escalation ladder of the team owning the
    runbook that answers ``alert``, from the handbook itself."""
    project = load_site(REPO_ROOT / "mkdocs.yml")
    runbook = project.runbook_for_alert(alert)
    assert runbook is not None
    team = project.contacts.teams[runbook.owner]
    person = project.contacts.people[team.escalation[0].notify[0]]
    assert person.phone
    return person.phone


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as launched:
        yield launched


class OfflinePage:
    """A browser page that may only read ``file://`` URLs; every request is recorded."""

    def __init__(self, chromium: Any, width: int = 1280, height: int = 800) -> None:
        self.context = chromium.new_context(viewport={"width": width, "height": height},
                                            offline=True)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route(
            "**/*",
            lambda route: route.continue_()
            if route.request.url.startswith("file://") else route.abort("internetdisconnected"),
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(chromium: Any) -> Iterator[OfflinePage]:
    page = OfflinePage(chromium)
    yield page
    page.close()


def test_search_offline_finds_the_runbook_for_an_alert(reference_site: Path,
                                                       offline: OfflinePage) -> None:
    page = offline.open(reference_site / "index.html")
    page.locator("input.md-search__input").click()
    page.keyboard.type(ALERT, delay=20)
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    first = page.locator(".md-search-result__item > a.md-search-result__link").first
    href = first.get_attribute("href") or ""
    assert href.startswith("file://") and RUNBOOK_PAGE in href, href
    first.click()
    page.wait_for_url(re.compile(re.escape(RUNBOOK_PAGE)), timeout=10_000)
    card = page.locator(".ob-runbook-header")
    card.wait_for(state="visible")
    phone = first_call_phone(ALERT)
    assert phone in card.inner_text()
    assert card.locator(f'a[href="tel:{re.sub(r"[^0-9+]", "", phone)}"]').count() == 1
    assert ALERT in card.inner_text()
    assert offline.errors == []
    leaving = [url for url in offline.requests if not url.startswith("file://")]
    assert leaving == [], leaving
    # The search worker ran through the local shim: it and the inlined index were loaded.
    assert any(url.endswith("assets/opsbook/iframe-worker/shim.js") for url in offline.requests)
    assert any(url.endswith("search/search_index.js") for url in offline.requests)


def search(page: Any, query: str) -> list[str]:
    """Type ``query`` into the search box; the result links, best first."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    page.keyboard.type(query, delay=20)
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    page.wait_for_timeout(300)  # let the last keystroke's results settle
    links = page.locator(".md-search-result__item > a.md-search-result__link")
    return [links.nth(i).get_attribute("href") or "" for i in range(links.count())]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PostgresReplicationLagHigh", "runbooks/database/db-replication-lag.html"),  # alert
        ("TlsCertificateExp", "runbooks/platform/platform-tls-certificate-expiry.html"),  # prefix
        ("reconciliation", "runbooks/payments/payments-reconciliation-mismatch.html"),  # body
        ("tracking", "runbooks/tracking/"),  # a service: one of its runbooks comes first
    ],
)
def test_search_finds_runbooks_by_alert_service_and_body(
    reference_site: Path, offline: OfflinePage, query: str, expected: str
) -> None:
    page = offline.open(reference_site / "index.html")
    results = search(page, query)
    assert results and expected in results[0], results[:3]
    assert [url for url in offline.requests if not url.startswith("file://")] == []


def test_alert_anchor_opens_its_runbook(reference_site: Path, offline: OfflinePage) -> None:
    page = offline.open(reference_site / "alerts/index.html")
    page.goto((reference_site / "alerts/index.html").as_uri() + "#PostgresPrimaryDown")
    page.reload()  # a fresh load with the hash, as when an alert link is followed
    page.wait_for_url(re.compile(r"runbooks/database/db-primary-failover\.html$"),
                      timeout=10_000)
    assert "Postgres primary" in page.locator("h1").first.inner_text()
    assert [url for url in offline.requests if not url.startswith("file://")] == []


@pytest.mark.parametrize(("name", "width", "height"),
                         [("desktop", 1280, 800), ("phone", 390, 844)])
def test_runbook_page_screenshots(reference_site: Path, chromium: Any, artifacts: Path, name: str,
                                  width: int, height: int) -> None:
    offline = OfflinePage(chromium, width, height)
    try:
        page = offline.open(reference_site / RUNBOOK_PAGE)
        card = page.locator(".ob-runbook-header")
        card.wait_for(state="visible")
        box = card.bounding_box()
        assert box is not None and box["y"] < height  # the card is on the first screen
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        # Nothing pushes the page sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        path = artifacts / f"runbook-{name}-{width}x{height}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
    finally:
        offline.close()


def test_print_stylesheet(reference_site: Path, offline: OfflinePage, artifacts: Path) -> None:
    page = offline.open(reference_site / RUNBOOK_PAGE)
    page.emulate_media(media="print")
    style = page.evaluate(
        """() => {
          const get = (selector, property, pseudo) => {
            const element = document.querySelector(selector);
            return element ? getComputedStyle(element, pseudo || null)[property] : null;
          };
          const external = [...document.querySelectorAll('.md-content a[href^="http"]')]
            .find((a) => !a.closest('.ob-card'));
          return {
            sidebar: get('.md-sidebar--primary', 'display'),
            header: get('.md-header', 'display'),
            pre: get('.md-content pre > code', 'whiteSpace'),
            after: external ? getComputedStyle(external, '::after').content : null,
            href: external ? external.getAttribute('href') : null,
          };
        }"""
    )
    assert style["sidebar"] == "none" and style["header"] == "none"
    assert style["pre"] == "pre-wrap"
    assert style["href"] and style["href"] in style["after"]
    page.pdf(path=str(artifacts / "runbook-print.pdf"), format="A4")
