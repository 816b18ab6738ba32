"""`opsbook oncall` on the reference handbook: who is on call at any moment, week after week,
across clock changes and overrides; the iCalendar feed, parsed back; clear usage errors."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsbook.cli import main
from opsbook.model.project import Project
from opsbook.model.rotations import on_call_at
from opsbook.run import load_site
from tests.support.repo import REPO_ROOT
from tests.support.sitekit import make_site


def oncall(handbook: Path, capsys: pytest.CaptureFixture[str], *argv: str
           ) -> tuple[int, str, str]:
    code = main(["oncall", "--config", str(handbook / "mkdocs.yml"), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def answer(handbook: Path, capsys: pytest.CaptureFixture[str], team: str, at: str
           ) -> dict[str, Any]:
    code, out, err = oncall(handbook, capsys, team, "--at", at, "--format", "json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)[team]
    return result


def who(result: dict[str, Any]) -> dict[str, str]:
    return {layer["layer"]: layer["person"]["id"] for layer in result["layers"]}


def test_the_answer_changes_week_to_week_as_the_rota_says(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Platform: primary priya, marcus, jonas; the secondary is last week's primary. The rota
    # starts on Monday 5 January 2026; hand-offs are Mondays at 15:00 London time.
    weeks = [answer(handbook, capsys, "platform", f"2026-01-{day:02d}T16:00:00Z")
             for day in (6, 13, 20, 27)]
    assert [who(week) for week in weeks] == [
        {"primary": "priya", "secondary": "jonas"},
        {"primary": "marcus", "secondary": "priya"},
        {"primary": "jonas", "secondary": "marcus"},
        {"primary": "priya", "secondary": "jonas"},
    ]
    first = weeks[0]["layers"][0]
    assert first["person"] == {"id": "priya", "name": "Priya Raman",
                               "phone": "+44 20 7946 0451"}
    assert (first["from"], first["until"]) == ("2026-01-05T15:00:00Z", "2026-01-12T15:00:00Z")
    assert first["next"]["person"]["id"] == "marcus"
    assert (first["next"]["from"], first["next"]["until"]) == (
        "2026-01-12T15:00:00Z", "2026-01-19T15:00:00Z")


def test_hand_offs_follow_london_time_across_the_clock_change(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # British Summer Time starts on 29 March 2026: the Monday 15:00 hand-off moves from
    # 15:00 UTC (23 March) to 14:00 UTC (30 March).
    before = answer(handbook, capsys, "payments", "2026-03-23T14:59:00Z")
    after = answer(handbook, capsys, "payments", "2026-03-23T15:00:00Z")
    assert who(before) != who(after)
    assert who(answer(handbook, capsys, "payments", "2026-03-30T13:59:00Z")) == who(after)
    summer = answer(handbook, capsys, "payments", "2026-03-30T14:00:00Z")
    assert who(summer) != who(after)
    assert summer["layers"][0]["from"] == "2026-03-30T14:00:00Z"
    assert summer["layers"][0]["until"] == "2026-04-06T14:00:00Z"


def test_an_override_is_shown_with_its_reason(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = answer(handbook, capsys, "tracking", "2026-12-25T12:00:00Z")
    primary = result["layers"][0]
    assert primary["person"]["id"] == "oliver" and primary["override"] is True
    assert "Christmas" in primary["reason"]
    assert (primary["from"], primary["until"]) == ("2026-12-24T09:00:00Z",
                                                   "2026-12-27T09:00:00Z")
    assert primary["next"]["person"]["id"] == "lena"
    code, out, _ = oncall(handbook, capsys, "tracking", "--at", "2026-12-25T12:00:00Z")
    assert code == 0
    assert "Oliver Grant (+44 20 7946 0633) (override: Oliver covers Lena" in out


def test_text_answer_for_every_team(handbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = oncall(handbook, capsys, "--at", "2026-06-01T12:00:00Z")
    assert code == 0
    assert out.startswith("On call at 2026-06-01T12:00:00Z\n")
    for title in ("Platform (platform)", "Bookings (bookings)", "Tracking (tracking)",
                  "Payments (payments)"):
        assert f"{title}: weekly, hand-off Monday 15:00; times in Europe/London" in out
    assert "  primary    Jonas Becker (+44 20 7946 0312), until Mon 2026-06-01 15:00\n" in out
    assert ("             next: Priya Raman (+44 20 7946 0451), from Mon 2026-06-01 15:00 "
            "until Mon 2026-06-08 15:00\n") in out
    code, out, _ = oncall(handbook, capsys, "--at", "2026-06-01T12:00:00Z", "--format", "json")
    assert code == 0 and list(json.loads(out)) == ["platform", "bookings", "tracking",
                                                   "payments"]


@pytest.mark.parametrize(("argv", "message"), [
    (["--at", "next tuesday"], "'next tuesday' is not an ISO 8601 time"),
    (["--at", "2027-02-30T10:00:00Z"], "is not an ISO 8601 time"),
    (["--at", "0001-01-01T00:00:00Z"], "'0001-01-01T00:00:00Z' is not between 1970 and 2500"),
    (["warehouse", "--at", "2027-03-01T03:00:00Z"],
     "'warehouse' is not a team; teams with a rotation: platform, bookings, tracking, "
     "payments"),
    (["--ics", "--output", "x.ics"], "--ics needs a TEAM"),
    (["--ics", "platform"], "--ics needs --output"),
    (["--output", "x.ics"], "--output and --from go with --ics"),
])
def test_wrong_invocations_exit_2_with_a_clear_message(
    handbook: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = oncall(handbook, capsys, *argv)
    assert code == 2 and out == ""
    assert message in err


def test_before_the_start_and_with_unreadable_values(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = oncall(handbook, capsys, "bookings", "--at", "2025-12-31T12:00:00Z")
    assert code == 0
    assert "  primary    nobody on call (the rotation starts Mon 2026-01-05 15:00)\n" in out
    result = answer(handbook, capsys, "bookings", "2025-12-31T12:00:00Z")
    assert result["layers"][0] == {"layer": "primary", "person": None, "from": None,
                                   "until": None, "override": False, "reason": None,
                                   "next": None}
    contacts = handbook / "docs" / "contacts.md"
    text = contacts.read_text(encoding="utf-8")
    contacts.write_text(text.replace("    handoff: monday 15:00\n", "    handoff: mondays\n", 1),
                        encoding="utf-8")
    code, out, err = oncall(handbook, capsys, "platform", "--at", "2026-06-01T12:00:00Z")
    assert code == 1 and "Platform (platform)" in out
    assert "the rotation of platform has values opsbook cannot read; run `opsbook check`" in err


def test_a_handbook_without_rotations_says_so(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    make_site(tmp_path)
    code, _, err = oncall(tmp_path, capsys, "--at", "2027-03-01T03:00:00Z")
    assert code == 2 and "this handbook has no on-call rotations" in err


def test_the_calendar_feed_parses_back(handbook: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from icalendar import Calendar

    feed = tmp_path / "platform.ics"
    code, _, err = oncall(handbook, capsys, "--ics", "platform", "--output", str(feed),
                          "--from", "2026-06-01")
    assert code == 0 and "wrote" in err
    calendar = Calendar.from_ical(feed.read_bytes())
    events = list(calendar.walk("VEVENT"))
    # 26 weeks from Monday 1 June 00:00 London: the shift that started on 25 May and 26 more,
    # on each of the two layers
    assert len(events) == 2 * 27
    assert len({str(event["UID"]) for event in events}) == len(events)
    first = min(events, key=lambda event: (event.decoded("DTSTART"), str(event["SUMMARY"])))
    assert str(first["SUMMARY"]) == "On call: Jonas Becker (primary)"
    assert first.decoded("DTSTART") == dt.datetime(2026, 5, 25, 14, tzinfo=dt.UTC)
    assert first.decoded("DTEND") == dt.datetime(2026, 6, 1, 14, tzinfo=dt.UTC)
    assert "+44 20 7946 0312" in str(first["DESCRIPTION"])
    # the week British Summer Time ends (25 October 2026) is an hour longer
    autumn = [e for e in events if e.decoded("DTSTART") == dt.datetime(2026, 10, 19, 14,
                                                                        tzinfo=dt.UTC)]
    assert {e.decoded("DTEND") for e in autumn} == {dt.datetime(2026, 10, 26, 15, tzinfo=dt.UTC)}
    # stable: the same feed again, byte for byte
    again = tmp_path / "again.ics"
    assert oncall(handbook, capsys, "--ics", "platform", "-o", str(again),
                  "--from", "2026-06-01")[0] == 0
    assert again.read_bytes() == feed.read_bytes()


def test_the_calendar_feed_shows_overrides(handbook: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from icalendar import Calendar

    code, out, _ = oncall(handbook, capsys, "--ics", "tracking", "--output", "-", "--from",
                          "2026-12-01", "--weeks", "5")
    assert code == 0
    events = list(Calendar.from_ical(out.encode()).walk("VEVENT"))
    christmas = [e for e in events if "Override" in str(e.get("DESCRIPTION", ""))]
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND")) for e in christmas] \
        == [("On call: Oliver Grant (primary)", dt.datetime(2026, 12, 24, 9, tzinfo=dt.UTC),
             dt.datetime(2026, 12, 27, 9, tzinfo=dt.UTC))]
    assert "Christmas" in str(christmas[0]["DESCRIPTION"])
    lena = [e for e in events if str(e["SUMMARY"]) == "On call: Lena Hoffmann (primary)"]
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in lena] == [
        (dt.datetime(2026, 11, 30, 15, tzinfo=dt.UTC), dt.datetime(2026, 12, 7, 15, tzinfo=dt.UTC)),
        (dt.datetime(2026, 12, 21, 15, tzinfo=dt.UTC), dt.datetime(2026, 12, 24, 9, tzinfo=dt.UTC)),
        (dt.datetime(2026, 12, 27, 9, tzinfo=dt.UTC), dt.datetime(2026, 12, 28, 15, tzinfo=dt.UTC)),
    ]


@functools.cache
def reference() -> Project:
    return load_site(REPO_ROOT / "mkdocs.yml")


@settings(max_examples=50)
@given(st.datetimes(dt.datetime(2026, 1, 5, 15), dt.datetime(2031, 1, 1)))
def test_every_team_has_two_different_people_on_call_at_any_time(moment: dt.datetime) -> None:
    at = moment.replace(tzinfo=dt.UTC)
    project = reference()
    people = project.contacts.people
    for rotation in project.rotations:
        layers = on_call_at(rotation, at)
        assert [current.layer for current, _ in layers] == ["primary", "secondary"]
        assert layers[0][0].person != layers[1][0].person
        for current, following in layers:
            assert current.covers(at) and current.person in people
            assert following is not None and following.start == current.end
