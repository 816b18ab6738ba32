"""The iCalendar feed of a rotation, as a pure function: parsed back with icalendar."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from opsbook.model.contacts import ContactBook
from opsbook.model.rotations import UTC, build_rotation
from opsbook.report.ics import rotation_calendar


def test_follow_the_sun_shifts_become_events_with_unique_stable_ids() -> None:
    rotation = build_rotation({
        "team": "core", "timezone": "Europe/London", "handoff": "monday 09:00",
        "start": dt.date(2027, 1, 4),
        "layers": [
            {"name": "primary", "members": ["ana"], "hours": "08:00-20:00"},
            {"name": "primary", "members": ["ben"], "hours": "20:00-08:00"},
        ],
        "overrides": [{"layer": "primary", "from": dt.datetime(2027, 1, 5, 12),
                       "until": dt.datetime(2027, 1, 5, 14), "person": "cleo",
                       "reason": "dentist"}],
    })
    assert rotation is not None and rotation.valid
    start, end = dt.datetime(2027, 1, 5, tzinfo=UTC), dt.datetime(2027, 1, 6, tzinfo=UTC)
    feed = rotation_calendar(rotation, ContactBook(), start, end)
    assert feed == rotation_calendar(rotation, ContactBook(), start, end)
    calendar = Calendar.from_ical(feed)
    assert str(calendar["X-WR-CALNAME"]) == "On call: core"
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART").hour, e.decoded("DTEND").hour)
            for e in events] == [
        ("On call: ben (primary)", 20, 8),   # from the evening before
        ("On call: ana (primary)", 8, 12),
        ("On call: cleo (primary)", 12, 14),
        ("On call: ana (primary)", 14, 20),
        ("On call: ben (primary)", 20, 8),
    ]
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert str(events[2]["UID"]) == "core.primary.20270105T120000Z@opsbook"
    assert "Override: dentist" in str(events[2]["DESCRIPTION"])
    # no clock: the stamp is the feed's start
    assert {e.decoded("DTSTAMP") for e in events} == {start}
