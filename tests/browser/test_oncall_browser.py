""""On call now" in a real browser: the built site opened from disk, no network, the browser's
clock fixed by the test. The page must name whoever the rota says at that moment, however long
after the build it is opened, and say so honestly once the built data has run out.

The handbook (tests/support/rota.py) is built on 2026-06-01: Ana is primary from Monday
2026-06-01 10:00 London, Ben from 2026-06-08 10:00, Cleo covers 2026-06-24 to 06-26.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import browser
from tests.support.rota import ROTA_CONTACTS, make_rota_site
from tests.support.sitebuild import mkdocs_build

pytestmark = pytest.mark.browser

RUNBOOK = "runbooks/api/api-down.html"
# Cleo's name tries to end the data script and run its own: it must show as text.
HOSTILE = "Cleo </script><script>window.pwned = 1</script>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oncall") / "handbook"
    contacts = ROTA_CONTACTS.replace("name: Cleo Marsh", f'name: "{HOSTILE}"')
    make_rota_site(root, {"docs/contacts.md": contacts})
    build = mkdocs_build(root, "--strict")  # OPSBOOK_TODAY=2026-06-01 (tests/conftest.py)
    assert build.returncode == 0, build.output
    return build.site


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as launched:
        yield launched


class Reader:
    """A browser tab on a laptop in Chicago with no network, its clock stopped at ``at``."""

    def __init__(self, chromium: Any, at: str, javascript: bool = True) -> None:
        self.context = chromium.new_context(offline=True, timezone_id="America/Chicago",
                                            java_script_enabled=javascript)
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
        if javascript:
            self.page.clock.set_fixed_time(dt.datetime.fromisoformat(at))

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        return self.page

    def oncall(self, scope: str = ".ob-runbook-header") -> tuple[list[str], list[str]]:
        box = self.page.locator(f"{scope} .ob-oncall")
        now = box.locator(".ob-oncall-now").all_inner_texts()
        upcoming = box.locator(".ob-oncall-next").all_inner_texts()
        return now, upcoming


@pytest.fixture
def reader(chromium: Any) -> Iterator[Any]:
    opened: list[Reader] = []

    def make(at: str, javascript: bool = True) -> Reader:
        opened.append(Reader(chromium, at, javascript))
        return opened[-1]

    yield make
    for each in opened:
        each.context.close()


def test_the_header_card_names_who_the_rota_says_a_week_apart(site: Path, reader: Any,
                                                              artifacts: Path) -> None:
    first = reader("2026-06-03T12:00:00+00:00")
    first.open(site / RUNBOOK)
    first.page.locator(".ob-runbook-header").screenshot(path=str(artifacts / "oncall-card.png"))
    now, upcoming = first.oncall()
    assert len(now) == 2 and "Ana Silva (primary) until" in now[0]
    assert "Ben Okoro (secondary) until" in now[1]
    # Hand-over Monday 10:00 London; the reader in Chicago sees their own time too.
    assert "Jun 8" in now[0] and "10:00 Europe/London" in now[0] and "04:00 your time" in now[0]
    assert "+1 202-555-0111" in now[0]
    assert upcoming[0].startswith("NEXT") or upcoming[0].startswith("Next")
    assert "Ben Okoro from" in upcoming[0] and "Jun 8" in upcoming[0]
    assert first.page.locator(".ob-runbook-header .ob-oncall-static").is_hidden()

    later = reader("2026-06-10T12:00:00+00:00")  # the same files, a week later
    later.open(site / RUNBOOK)
    now, upcoming = later.oncall()
    assert "Ben Okoro (primary) until" in now[0] and "Jun 15" in now[0]
    assert "Ana Silva (secondary) until" in now[1]
    assert "Ana Silva from" in upcoming[0]
    for each in (first, later):
        assert each.errors == []
        assert [url for url in each.requests if not url.startswith("file://")] == []
        assert any(url.endswith("/oncall/core.js") for url in each.requests)


def test_team_block_and_service_page_agree_and_past_rows_are_hidden(site: Path,
                                                                     reader: Any) -> None:
    tab = reader("2026-06-10T12:00:00+00:00")
    tab.open(site / "contacts.html")
    now, _ = tab.oncall("#ob-team-core")
    assert "Ben Okoro (primary) until" in now[0]
    rows = tab.page.locator("#ob-team-core .ob-rota tbody tr")
    visible = [rows.nth(n).inner_text() for n in range(rows.count()) if rows.nth(n).is_visible()]
    # The rows that ended before the reader's clock are hidden: this week's comes first.
    assert visible[0].startswith("Mon 2026-06-08 10:00")
    assert rows.count() > len(visible)
    tab.open(site / "services" / "api.html")
    now, _ = tab.oncall(".ob-who")
    assert "Ben Okoro (primary) until" in now[0]
    assert tab.errors == []


def test_an_override_shows_the_cover_and_a_hostile_name_stays_text(site: Path,
                                                                   reader: Any) -> None:
    tab = reader("2026-06-25T12:00:00+00:00")
    page = tab.open(site / RUNBOOK)
    now, upcoming = tab.oncall()
    assert f"{HOSTILE} (primary) until" in now[0]
    assert "Ben Okoro from" in upcoming[0] and "Jun 26" in upcoming[0]
    assert page.evaluate("window.pwned") is None
    assert tab.errors == []


def test_past_the_data_the_page_says_rebuild(site: Path, reader: Any) -> None:
    tab = reader("2027-01-15T12:00:00+00:00")
    page = tab.open(site / RUNBOOK)
    box = page.locator(".ob-runbook-header .ob-oncall")
    assert "Rota data ends on 2026-11-30; rebuild the site." in box.inner_text()
    assert box.locator(".ob-oncall-now").count() == 0  # nobody is named from stale data
    assert box.locator(".ob-oncall-static a").is_visible()  # the link to the rota stays
    assert tab.errors == []


def test_without_script_the_static_fallback_shows(site: Path, reader: Any) -> None:
    tab = reader("", javascript=False)
    page = tab.open(site / RUNBOOK)
    fallback = page.locator(".ob-runbook-header .ob-oncall-static a")
    assert fallback.inner_text() == "see the Core rota"
    assert fallback.get_attribute("href") == "../../contacts.html#ob-team-core"
    page = tab.open(site / "contacts.html")
    table = page.locator("#ob-team-core .ob-rota")
    assert "Rota valid 2026-06-01 to 2026-07-27" in table.inner_text()
    assert table.locator("tbody tr").first.is_visible()
