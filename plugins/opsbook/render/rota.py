"""On-call rotations as the site and the printed handbook show them.

The site cannot know who is on call when a reader opens it: a copy on a laptop is read days
after the build, with no network. So the build writes each team's shifts (from the rotation
model, over a fixed horizon around the build date) into one small script per team,
``oncall/TEAM.js``, which assigns the data to a global; a page that shows the team loads that
file with a ``<script src>`` (``fetch()`` does not work on ``file://``) and the site's
``oncall.js`` picks the shift containing the reader's clock. Pages carry a static fallback: a
link to the team's rota, and on the team's own block the rota table for the next weeks.

Paper gets the table only: the next eight weeks from the print date, with the dates it is
valid for. Every name and number comes through the render layer's contact views, so redaction
applies here as everywhere.

No wall clock: every window is computed from the build date (``config.today``) or the print
date given.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from opsbook.model.rotations import Rotation, Shift, shifts_between, zone_for
from opsbook.render.contacts import person_reach
from opsbook.render.context import RenderContext

UTC = dt.UTC

DATA_BEHIND = dt.timedelta(weeks=1)
"""How far before the build date the embedded shifts start (a build read the same day sees
who took over last)."""
DATA_AHEAD = dt.timedelta(weeks=26)
"""How far after the build date they reach: past that, pages say the data has run out."""
TABLE_WEEKS = 8
"""Weeks of rota in a team's table on the site and in every printed runbook."""

ONCALL_DIR = "oncall"


def _file_stem(team_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", team_id).strip(".-") or "team"


def rota_script_path(team_id: str) -> str:
    """Where the team's rota data lives in the site (``oncall/TEAM.js``)."""
    return f"{ONCALL_DIR}/{_file_stem(team_id)}.js"


def rota_calendar_path(team_id: str) -> str:
    """Where the team's iCalendar feed lives in the site (``oncall/TEAM.ics``)."""
    return f"{ONCALL_DIR}/{_file_stem(team_id)}.ics"


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=UTC)


def data_window(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The span of the shifts a build embeds: a week before the build date to 26 weeks after."""
    return midnight(today) - DATA_BEHIND, midnight(today) + DATA_AHEAD


def table_window(
    rotation: Rotation, first_day: dt.date, weeks: int = TABLE_WEEKS
) -> tuple[dt.datetime, dt.datetime]:
    """``weeks`` from midnight of ``first_day`` in the rotation's time zone."""
    zone = rotation.zone
    start = dt.datetime.combine(first_day, dt.time(0, 0), tzinfo=zone)
    end = dt.datetime.combine(first_day + dt.timedelta(weeks=weeks), dt.time(0, 0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def joined_shifts(shifts: Iterable[Shift]) -> list[Shift]:
    """Shifts with each person's back-to-back shifts on one layer made one (a day cut by an
    override boundary, or by a follow-the-sun window, reads as one hand-over), by start."""
    by_layer: dict[str, list[Shift]] = {}
    for shift in sorted(shifts, key=lambda s: (s.layer, s.start, s.end)):
        mine = by_layer.setdefault(shift.layer, [])
        last = mine[-1] if mine else None
        if last is not None and last.person == shift.person and last.end == shift.start:
            mine[-1] = Shift(last.layer, last.person, last.start, shift.end,
                             last.override or shift.override, last.reason or shift.reason)
        else:
            mine.append(shift)
    joined = [shift for mine in by_layer.values() for shift in mine]
    return sorted(joined, key=lambda s: (s.start, s.layer, s.end))


@dataclass(frozen=True)
class PersonOnCall:
    id: str
    name: str
    phone: str  # as written, or the redaction note; "" when none
    phone_href: str | None


def person_on_call(context: RenderContext, person_id: str | None) -> PersonOnCall:
    """Name and phone of a person in a rota, redacted like every contact the site shows."""
    if person_id is None:
        return PersonOnCall("", "nobody", "", None)
    person = context.project.contacts.people.get(person_id)
    if person is None:
        return PersonOnCall(person_id, person_id, "", None)
    reach = [r for r in person_reach(person, context.redact) if r.kind in ("phone", "note")]
    phone = reach[0] if reach else None
    return PersonOnCall(person_id, person.name or person_id,
                        phone.text if phone else "", phone.href if phone else None)


def team_name(context: RenderContext, team_id: str) -> str:
    team = context.project.contacts.teams.get(team_id)
    return (team.name or team_id) if team is not None else team_id


# --- the data the browser reads -----------------------------------------------------------


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def rota_data(context: RenderContext, rotation: Rotation, today: dt.date) -> dict[str, Any]:
    """The rotation's shifts over :func:`data_window` as plain data (times in epoch ms)."""
    start, end = data_window(today)
    shifts = joined_shifts(shifts_between(rotation, start, end))
    layers = rotation.layer_names
    people: dict[str, list[str | None]] = {}
    rows: list[list[Any]] = []
    for shift in shifts:
        if shift.person is not None and shift.person not in people:
            person = person_on_call(context, shift.person)
            people[shift.person] = [person.name, person.phone, person.phone_href]
        layer = layers.index(shift.layer) if shift.layer in layers else 0
        rows.append([layer, shift.person, _ms(shift.start), _ms(shift.end),
                     1 if shift.override else 0])
    return {
        "team": rotation.team,
        "name": team_name(context, rotation.team),
        "tz": rotation.timezone if zone_for(rotation.timezone) else "UTC",
        "built": today.isoformat(),
        "from": _ms(start),
        "until": _ms(end),
        "ends": (today + DATA_AHEAD).isoformat(),
        "layers": layers,
        "people": people,
        "shifts": rows,
    }


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                  "\u2028": "\\u2028", "\u2029": "\\u2029"}


def safe_json(value: Any) -> str:
    """JSON that is also safe inside an HTML ``<script>`` element: no ``</script>``, no
    ``<!--``, nothing a name from content can break out with."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return re.sub("[<>&\u2028\u2029]", lambda match: _SCRIPT_UNSAFE[match.group(0)], text)


def rota_script(data: dict[str, Any]) -> str:
    """The body of ``oncall/TEAM.js``: the data assigned to ``window.opsbookRotas[TEAM]``."""
    return (
        "(window.opsbookRotas = window.opsbookRotas || {})"
        f"[{safe_json(data['team'])}] = {safe_json(data)};\n"
    )


# --- what pages show ------------------------------------------------------------------------


def rotation_for(context: RenderContext, team_id: str) -> Rotation | None:
    """The team's rotation (the first, if several name the team)."""
    return next((r for r in context.project.rotations if r.team == team_id), None)


def rota_link(context: RenderContext, team_id: str) -> str | None:
    """Where the team's rota table is (its block on the contacts page), from the page."""
    return context.contact_href("team", team_id)


@dataclass(frozen=True)
class RotaCell:
    person: PersonOnCall
    override: bool
    reason: str


@dataclass(frozen=True)
class RotaRow:
    """One stretch of time with the same people on call: a column per layer."""

    start: str
    end: str
    cells: tuple[RotaCell | None, ...]
    end_ms: int


@dataclass(frozen=True)
class RotaTable:
    team: str
    timezone: str
    valid_from: str
    valid_to: str
    layers: tuple[str, ...]
    rows: tuple[RotaRow, ...]


def _local(moment: dt.datetime, rotation: Rotation) -> str:
    return moment.astimezone(rotation.zone).strftime("%a %Y-%m-%d %H:%M")


def rota_table_view(
    context: RenderContext, rotation: Rotation, first_day: dt.date, weeks: int = TABLE_WEEKS
) -> RotaTable:
    """The shifts of ``weeks`` from ``first_day``: one row per hand-over period, a column per
    layer (shifts of layers that hand over at the same time share a row)."""
    start, end = table_window(rotation, first_day, weeks)
    layers = tuple(rotation.layer_names)
    periods: dict[tuple[dt.datetime, dt.datetime], list[RotaCell | None]] = {}
    for shift in joined_shifts(shifts_between(rotation, start, end)):
        cells = periods.setdefault((shift.start, shift.end), [None] * len(layers))
        if shift.layer in layers:
            cells[layers.index(shift.layer)] = RotaCell(
                person_on_call(context, shift.person), shift.override, shift.reason or "")
    rows = tuple(
        RotaRow(_local(begin, rotation), _local(finish, rotation), tuple(cells), _ms(finish))
        for (begin, finish), cells in sorted(periods.items(), key=lambda item: item[0])
    )
    return RotaTable(team_name(context, rotation.team), rotation.timezone,
                     first_day.isoformat(),
                     (first_day + dt.timedelta(weeks=weeks)).isoformat(), layers, rows)
