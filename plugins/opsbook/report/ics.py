"""A rotation as an iCalendar feed: one event per shift, so people see their on-call weeks in
their own calendar. Pure: the same rotation, contacts and span give the same bytes (the site
can publish the feed, `opsbook oncall --ics` writes it)."""

from __future__ import annotations

import datetime as dt
import re

from opsbook.model.contacts import ContactBook
from opsbook.model.rotations import UTC, Rotation, Shift, shifts_between

PRODID = "-//opsbook//On-call rotations//EN"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def shift_uid(rotation: Rotation, shift: Shift) -> str:
    """A shift's event id: its team, layer and start, so a feed fetched again updates the
    event (an override changes who, not which event)."""
    team = _UNSAFE.sub("-", rotation.team)
    layer = _UNSAFE.sub("-", shift.layer)
    return f"{team}.{layer}.{shift.start.astimezone(UTC):%Y%m%dT%H%M%SZ}@opsbook"


def rotation_calendar(rotation: Rotation, contacts: ContactBook, start: dt.datetime,
                      end: dt.datetime) -> bytes:
    """The iCalendar feed of ``rotation``'s shifts overlapping [start, end) (aware times)."""
    from icalendar import Calendar, Event

    people = contacts.people
    team = contacts.teams.get(rotation.team)
    team_name = team.name if team and team.name else rotation.team
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"On call: {team_name}")
    calendar.add("x-wr-timezone", rotation.timezone)
    stamp = start.astimezone(UTC)  # deterministic: the feed's own start, not the clock
    seen: set[str] = set()
    for shift in shifts_between(rotation, start, end):
        person = people.get(shift.person or "")
        name = person.name if person and person.name else (shift.person or "nobody")
        uid = shift_uid(rotation, shift)
        while uid in seen:  # two layers of one name starting together
            uid = "x" + uid
        seen.add(uid)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", f"On call: {name} ({shift.layer})")
        lines = [f"{team_name} {shift.layer}: {name}"]
        if person and person.phone:
            lines.append(f"Phone: {person.phone}")
        if shift.override:
            lines.append("Override" + (f": {shift.reason}" if shift.reason else ""))
        event.add("description", "\n".join(lines))
        event.add("categories", [f"on-call {rotation.team}", shift.layer])
        event.add("transp", "TRANSPARENT")  # on call is not busy
        calendar.add_component(event)
    return bytes(calendar.to_ical())
