"""Rotas in the built site (real `mkdocs build`): each team's data file and what the pages
load; and `mkdocs serve --dirty`, where an edit to a rotation must reach every page that shows
it, exactly as a full build of the edited handbook would.

The handbook is tests/support/rota.py's, built on 2026-06-01 (OPSBOOK_TODAY).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from icalendar import Calendar

from tests.support.rota import ROTA_CONTACTS, ROTATION, make_rota_site
from tests.support.sitebuild import mkdocs_build

RUNBOOK_PAGE = "runbooks/api/api-down.html"


def rota_data(site: Path, team: str = "core") -> dict:  # type: ignore[type-arg]
    script = (site / "oncall" / f"{team}.js").read_text(encoding="utf-8")
    prefix = f'(window.opsbookRotas = window.opsbookRotas || {{}})["{team}"] = '
    assert script.startswith(prefix) and script.endswith(";\n")
    return json.loads(script[len(prefix):-2])  # type: ignore[no-any-return]


def test_the_site_carries_each_teams_rota_once(tmp_path: Path) -> None:
    make_rota_site(tmp_path / "handbook")
    build = mkdocs_build(tmp_path / "handbook", "--strict")
    assert build.returncode == 0, build.output
    site = build.site
    data = rota_data(site)
    assert data["built"] == "2026-06-01" and data["ends"] == "2026-11-30"
    assert {person[0] for person in data["people"].values()} == {
        "Ana Silva", "Ben Okoro", "Cleo Marsh"}
    assert (site / "assets" / "opsbook" / "oncall.js").is_file()
    for page, prefix in ((RUNBOOK_PAGE, "../../"), ("contacts.html", ""),
                         ("services/api.html", "../")):
        html = (site / page).read_text(encoding="utf-8")
        # The page loads the shared data and the script; it embeds no shifts of its own (the
        # team's block on the contacts page has the table of the next weeks).
        assert html.count(f'<script src="{prefix}oncall/core.js"></script>') == 1, page
        assert f'<script src="{prefix}assets/opsbook/oncall.js"></script>' in html, page
        assert "opsbookRotas" not in html
        assert ("data-ob-end" in html) == (page == "contacts.html"), page
    card = (site / RUNBOOK_PAGE).read_text(encoding="utf-8")
    assert '<div class="ob-rota-print" data-ob-team="core"></div>' in card
    contacts = re.sub(r"<[^>]+>", "", (site / "contacts.html").read_text(encoding="utf-8"))
    assert "Rota valid 2026-06-01 to 2026-07-27; built 2026-06-01." in contacts


def test_each_team_has_an_icalendar_feed_linked_from_its_block(tmp_path: Path) -> None:
    make_rota_site(tmp_path / "handbook")
    build = mkdocs_build(tmp_path / "handbook", "--strict")
    assert build.returncode == 0, build.output
    feed = Calendar.from_ical((build.site / "oncall" / "core.ics").read_bytes())
    assert str(feed.get("x-wr-calname")) == "On call: Core"
    events = [(str(event.get("summary")), event.decoded("dtstart"), event.decoded("dtend"))
              for event in feed.walk("VEVENT")]
    at = dt.datetime(2026, 6, 3, 12, tzinfo=dt.UTC)
    assert sorted(summary for summary, start, end in events if start <= at < end) == [
        "On call: Ana Silva (primary)", "On call: Ben Okoro (secondary)"]
    # The same span as the data the pages read: a week before the build to 26 weeks after.
    assert min(start for _s, start, _e in events) <= dt.datetime(2026, 5, 25, tzinfo=dt.UTC)
    assert max(end for _s, _s2, end in events) >= dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    for page, href in (("contacts.html", "oncall/core.ics"),
                       ("services/api.html", "../oncall/core.ics")):
        html = (build.site / page).read_text(encoding="utf-8")
        assert f'<a href="{href}">Subscribe to this rota</a>' in html, page


# --- mkdocs serve --dirty --------------------------------------------------------------------


def dirty_build(root: Path, site: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=True)
    build(config, dirty=True)


def outputs(site: Path) -> dict[str, bytes]:
    return {str(path.relative_to(site)): path.read_bytes() for path in site.rglob("*")
            if path.suffix in (".html", ".js", ".ics") and "assets" not in path.parts
            and "search" not in path.parts}


def touch_after(path: Path, site: Path) -> None:
    newest = max(entry.stat().st_mtime_ns for entry in site.rglob("*") if entry.is_file())
    os.utime(path, ns=(newest + 1_000_000_000, newest + 1_000_000_000))


def edit_contacts(root: Path, site: Path, text: str) -> None:
    contacts = root / "docs" / "contacts.md"
    contacts.write_text(text, encoding="utf-8")
    touch_after(contacts, site)


def serve_session(root: str, site: str, edits: list[str]) -> list[dict[str, bytes]]:
    """One dirty build, then one per edit of the contacts file, as one `mkdocs serve --dirty`
    session: the site's outputs after each. Run in a fresh process: MkDocs keeps plugin
    instances per process (and Material's search its last index), so a session in the test
    process would leak this handbook into the next test's."""
    results = []
    dirty_build(Path(root), Path(site))
    results.append(outputs(Path(site)))
    for text in edits:
        edit_contacts(Path(root), Path(site), text)
        dirty_build(Path(root), Path(site))
        results.append(outputs(Path(site)))
    return results


def full_build(root: Path, contacts: str, site: Path) -> dict[str, bytes]:
    (root / "docs" / "contacts.md").write_text(contacts, encoding="utf-8")
    built = mkdocs_build(root, site=site)
    assert built.returncode == 0, built.output
    return outputs(built.site)


def shifts(served: dict[str, bytes]) -> list[list[object]]:
    script = served["oncall/core.js"].decode()
    return json.loads(script.split("] = ", 1)[1][:-2])["shifts"]  # type: ignore[no-any-return]


def test_serve_dirty_follows_rotation_edits(tmp_path: Path) -> None:
    root = tmp_path / "handbook"
    no_rota = ROTA_CONTACTS.replace(ROTATION, "")
    swapped = ROTA_CONTACTS.replace(
        "members: [ana, ben]\n      - name: secondary\n        members: [ben, ana]",
        "members: [ben, ana]\n      - name: secondary\n        members: [ana, ben]")
    assert swapped != ROTA_CONTACTS
    make_rota_site(root, {"docs/contacts.md": no_rota})
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        before, added, edited, removed = pool.submit(
            serve_session, str(root), str(tmp_path / "served"),
            [ROTA_CONTACTS, swapped, no_rota]).result(timeout=600)
    assert "ob-oncall" not in before[RUNBOOK_PAGE].decode()
    assert "oncall/core.js" not in before

    # A rotation appears: the runbook card, the team block and the service page show it.
    for page in (RUNBOOK_PAGE, "contacts.html", "services/api.html"):
        assert 'data-ob-team="core"' in added[page].decode(), page
    assert shifts(added)
    # The turn order changes: the data the pages load and the team's table follow.
    assert shifts(edited) != shifts(added)
    # The rotation goes: no page offers "On call now" any more.
    for page in (RUNBOOK_PAGE, "contacts.html", "services/api.html"):
        assert "ob-oncall" not in removed[page].decode(), page

    # After each edit the served site is what a full build of the edited handbook makes.
    for served, contacts, name in ((added, ROTA_CONTACTS, "full-1"), (edited, swapped, "full-2")):
        fresh = full_build(root, contacts, tmp_path / name)
        assert set(served) == set(fresh)
        assert sorted(page for page in fresh if served[page] != fresh[page]) == []
