"""Rotations as the site and paper show them (opsbook.render.rota and its fragments): the data
a page's browser reads, the rota table, the "On call now" placeholder, redaction, escaping.

Over the small rota handbook of tests/support/rota.py; every date is given, never the clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from opsbook.model.project import Project
from opsbook.render import fragments
from opsbook.render.contacts import REDACTED
from opsbook.render.context import RenderContext
from opsbook.render.rota import (
    data_window,
    rota_data,
    rota_script,
    rota_script_path,
    rota_table_view,
    safe_json,
)
from opsbook.run import load_site
from tests.support.rota import ROTA_CONTACTS, make_rota_site

BUILT = dt.date(2026, 6, 1)
UTC = dt.UTC


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("rota")
    return load_site(make_rota_site(root))


@pytest.fixture(scope="module")
def context(project: Project) -> RenderContext:
    return RenderContext.for_project(project)


def ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp() * 1000)


def shift_at(data: dict, layer: str, at: str) -> list:  # type: ignore[type-arg]
    index = data["layers"].index(layer)
    moment = ms(at)
    found = [s for s in data["shifts"] if s[0] == index and s[2] <= moment < s[3]]
    assert len(found) == 1, found
    return found[0]


def test_data_covers_a_week_before_to_26_weeks_after_the_build_date(
        context: RenderContext, project: Project) -> None:
    rotation = project.rotations[0]
    data = rota_data(context, rotation, BUILT)
    start, end = data_window(BUILT)
    assert (data["from"], data["until"]) == (ms("2026-05-25T00:00+00:00"),
                                             ms("2026-11-30T00:00+00:00"))
    assert start == dt.datetime(2026, 5, 25, tzinfo=UTC) and end.date() == dt.date(2026, 11, 30)
    assert data["ends"] == "2026-11-30" and data["built"] == "2026-06-01"
    assert data["tz"] == "Europe/London" and data["layers"] == ["primary", "secondary"]
    # Hand-over Monday 10:00 London = 09:00 UTC in summer.
    assert shift_at(data, "primary", "2026-06-03T12:00+00:00")[1:4] == [
        "ana", ms("2026-06-01T09:00+00:00"), ms("2026-06-08T09:00+00:00")]
    assert shift_at(data, "primary", "2026-06-10T12:00+00:00")[1] == "ben"
    assert shift_at(data, "secondary", "2026-06-10T12:00+00:00")[1] == "ana"
    # The override: Cleo covers, flagged, and Ben's week is cut around it.
    assert shift_at(data, "primary", "2026-06-25T12:00+00:00")[1::3] == ["cleo", 1]
    assert shift_at(data, "primary", "2026-06-23T12:00+00:00")[1] == "ben"
    assert shift_at(data, "primary", "2026-06-27T12:00+00:00")[1] == "ben"
    # Shifts reach past the window only as far as the rotation says; none is outside it.
    assert all(s[3] > data["from"] and s[2] < data["until"] for s in data["shifts"])
    assert data["people"]["ana"] == ["Ana Silva", "+1 202-555-0111", "tel:+12025550111"]


def test_the_data_changes_with_the_build_date_not_the_clock(
        context: RenderContext, project: Project) -> None:
    rotation = project.rotations[0]
    later = rota_data(context, rotation, dt.date(2026, 9, 1))
    assert later["from"] == ms("2026-08-25T00:00+00:00")
    assert later != rota_data(context, rotation, BUILT)
    assert rota_data(context, rotation, BUILT) == rota_data(context, rotation, BUILT)


def test_redaction_reaches_the_rota_data_and_table(project: Project) -> None:
    redacted = RenderContext.for_project(project, redact=True)
    data = rota_data(redacted, project.rotations[0], BUILT)
    assert data["people"]["ana"] == ["Ana Silva", REDACTED, None]
    table = fragments.rota_table(redacted, "core", BUILT)
    assert "202-555-0111" not in table and REDACTED in table
    assert "202-555-0111" not in rota_script(data)


def test_script_assigns_a_global_and_names_cannot_break_out(tmp_path: Path) -> None:
    hostile = "Eve </script><script>alert(1)</script> <!-- &"
    contacts = ROTA_CONTACTS.replace("name: Ana Silva", f"name: '{hostile}'")
    project = load_site(make_rota_site(tmp_path, {"docs/contacts.md": contacts}))
    context = RenderContext.for_project(project)
    data = rota_data(context, project.rotations[0], BUILT)
    script = rota_script(data)
    assert script.startswith('(window.opsbookRotas = window.opsbookRotas || {})["core"] = {')
    for unsafe in ("<", ">", "\u2028"):
        assert unsafe not in script
    body = script.split("] = ", 1)[1].rstrip(";\n")
    assert json.loads(body)["people"]["ana"][0] == hostile
    assert safe_json("</script>") == '"\\u003c/script\\u003e"'
    assert safe_json("a\u2028b") == '"a\\u2028b"'
    # The table and the placeholder escape it as HTML.
    assert "<script>alert" not in fragments.rota_table(context, "core", BUILT)


def test_rota_table_for_eight_weeks_with_its_dates(context: RenderContext,
                                                   project: Project) -> None:
    view = rota_table_view(context, project.rotations[0], BUILT)
    assert (view.valid_from, view.valid_to) == ("2026-06-01", "2026-07-27")
    assert view.layers == ("primary", "secondary")
    first, second = view.rows[0], view.rows[1]
    # Who was on at midnight of the first day, then Ana's week from Monday 10:00 London.
    assert (first.start, first.end) == ("Mon 2026-05-25 10:00", "Mon 2026-06-01 10:00")
    assert (second.start, second.end) == ("Mon 2026-06-01 10:00", "Mon 2026-06-08 10:00")
    assert [cell.person.name for cell in second.cells if cell] == ["Ana Silva", "Ben Okoro"]
    cover = [row for row in view.rows if any(c and c.override for c in row.cells)]
    assert len(cover) == 1 and cover[0].start == "Wed 2026-06-24 10:00"
    html = fragments.rota_table(context, "core", BUILT, stamp_label="printed")
    text = re.sub(r"<[^>]+>", "", html)
    assert "Rota valid 2026-06-01 to 2026-07-27; printed 2026-06-01." in text
    assert "(cover: Ben at a wedding)" in text
    assert view.rows[-1].end == "Mon 2026-07-27 10:00"


def test_oncall_placeholder_links_the_data_and_the_rota(context: RenderContext,
                                                        project: Project) -> None:
    def link(target: str) -> str | None:
        return "../" + target

    on_page = context.on_page(link)
    widget = fragments.oncall_widget(on_page, "core")
    assert 'data-ob-team="core"' in widget
    assert f'<script src="../{rota_script_path("core")}"></script>' in widget
    assert 'href="../contacts.md#ob-team-core"' in widget  # the static fallback
    assert fragments.oncall_widget(on_page, "nobody-such") == ""
    runbook = project.runbooks[0]
    card = fragments.runbook_header(on_page, runbook)
    assert widget in card
    assert '<div class="ob-rota-print" data-ob-team="core"></div>' in card
    ladder = fragments.escalation_ladder(on_page, "core")
    assert "see the rota below" in ladder
    assert "Rota valid 2026-06-01 to 2026-07-27; built 2026-06-01" in re.sub("<[^>]+>", "", ladder)
    assert "Subscribe to this rota" in fragments.who_to_call(on_page, "api")
    assert widget in fragments.contact_card(on_page, "core")
    assert "ob-oncall" not in fragments.contact_card(on_page, "ana")


def test_a_team_without_a_rotation_shows_nothing_new(tmp_path: Path) -> None:
    project = load_site(make_rota_site(tmp_path, {"docs/contacts.md": ROTA_CONTACTS.replace(
        "team: core", "team: elsewhere")}))
    context = RenderContext.for_project(project)
    card = fragments.runbook_header(context, project.runbooks[0])
    assert "ob-oncall" not in card and "ob-rota-print" not in card
    assert "ob-rota" not in fragments.escalation_ladder(context, "core")


def test_the_calendar_feed_is_redacted_with_the_site(project: Project) -> None:
    from opsbook.site.oncall import rota_calendar

    rotation = project.rotations[0]
    public = rota_calendar(RenderContext.for_project(project, redact=True), rotation)
    internal = rota_calendar(RenderContext.for_project(project), rotation)
    assert b"+1 202-555-0111" in internal and b"Ana Silva" in internal
    assert b"202-555-0111" not in public and b"Ana Silva" in public
    # The same build date gives the same bytes: nothing in the feed comes from the clock.
    assert rota_calendar(RenderContext.for_project(project), rotation) == internal
