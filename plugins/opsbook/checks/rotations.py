"""OB8xx: on-call rotations that leave a layer empty, page someone twice or at night, or name
people and teams the contacts do not have.

The schedule is checked over a bounded horizon that depends on the data alone, never on the
clock: from a rotation's first hand-off, one year (so every clock change of every zone is
crossed) or one whole turn cycle if that is longer, capped at three years; plus the span of
every override.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from opsbook.checks.examples import (
    EXAMPLE_HANDBOOK,
    JONAS,
    JONAS_PHONE,
    contacts_sheet,
    escalation,
)
from opsbook.checks.placeholders import value_placeholder
from opsbook.checks.rule import Family, Input, Rule
from opsbook.diagnostics import Diagnostic, Level, Position, Related
from opsbook.model.contacts import Person
from opsbook.model.project import Project
from opsbook.model.rotations import (
    UTC,
    WEEKDAYS,
    Override,
    Rotation,
    Shift,
    shifts_between,
    zone_for,
)

_HEAD = (
    '---\n'
    'kind: rotations\n'
    'rotations:\n'
    '  - team: payments\n'
    '    timezone: Europe/London\n'
)
_SCHEDULE = (
    '    handoff: monday 14:00\n'
    '    length: weekly\n'
    '    start: 2026-11-02\n'
)
_LAYERS = (
    '    layers:\n'
    '      - name: primary\n'
    '        members: [amara, jonas]\n'
    '      - name: secondary\n'
    '        members: [jonas, amara]\n'
)
_TAIL = '---\n# On-call rotations\n'
GOOD = _HEAD + _SCHEDULE + _LAYERS + _TAIL
"""The example handbook's rotations file: every OB8 rule's good example (or close to it)."""

EXAMPLE_PATH = "docs/rotations.md"
_EXAMPLE_CONTACTS = EXAMPLE_HANDBOOK["docs/contacts.md"].replace(
    "members: [amara]", "members: [amara, jonas, lea, noor]")
EXAMPLE_CONTEXT = (("docs/contacts.md", _EXAMPLE_CONTACTS), (
    "docs/contacts-oncall.md",
    contacts_sheet(
        "people:",
        *JONAS, JONAS_PHONE, "    timezone: Europe/London",
        "  - id: lea", "    name: Lea Brandt", '    phone: "+44 20 7946 0388"',
        "    timezone: Europe/Berlin",
        "  - id: noor", "    name: Noor Saleh", "    email: noor@example.com",
        "    timezone: Europe/London",
    ),
))
_SECOND_TEAM = (
    "docs/contacts-platform.md",
    contacts_sheet("teams:", "  - id: platform", "    name: Platform",
                   '    channel: "#platform-oncall"', "    members: [jonas, lea]",
                   *escalation(("0m", "lea"))),
)
_SECOND_ROTATION = (
    '  - team: platform\n'
    '    timezone: Europe/Berlin\n'
    '    handoff: tuesday 10:00\n'
    '    length: weekly\n'
    '    start: 2026-11-03\n'
    '    layers:\n'
    '      - name: primary\n'
    '        members: [{member}]\n'
)
_OVERRIDES = (
    '    overrides:\n'
    '      - layer: primary\n'
    '        from: 2026-12-21T14:00\n'
    '        until: 2026-12-23T12:00\n'
    '        person: lea\n'
    '        reason: Jonas moves house\n'
    '      - layer: primary\n'
    '        from: {second}\n'
    '        until: 2026-12-25T12:00\n'
    '        person: lea\n'
    '        reason: Jonas is away\n'
)


GAP = Rule(
    "OB801", "rotation-gap", Level.ERROR,
    "A rotation layer has nobody on call for part of the time.",
    "A page that arrives while a layer is empty goes nowhere: follow-the-sun windows that do "
    "not add up to 24 hours (often only after a clock change in one of the zones), or a layer "
    "without members, leave the team unreachable without anyone noticing.",
    GOOD.replace("        members: [amara, jonas]\n",
                 '        members: [amara, jonas]\n        hours: "08:00-20:00"\n'),
    GOOD,
    "widen the hours, add a layer of the same name for the missing hours, or add members",
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
DOUBLE_BOOKED = Rule(
    "OB802", "on-call-twice-at-once", Level.ERROR,
    "Someone is on two layers of a rotation at the same time.",
    "A secondary who is also the primary is no backup: the page that the primary misses "
    "escalates to the same sleeping phone. Member orders of different lengths, and overrides, "
    "produce this weeks after the rota was written.",
    GOOD.replace("members: [jonas, amara]", "members: [amara, jonas]"),
    GOOD,
    "shift one layer's member order, or give the override to someone free at that time",
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
UNKNOWN_MEMBER = Rule(
    "OB803", "unknown-rotation-member", Level.ERROR,
    "A rotation names a person who is not in the contacts.",
    "The on-call answer must come with a phone number; a misspelt or departed id gives a name "
    "nobody can call.",
    GOOD.replace("members: [amara, jonas]", "members: [amara, jonsa]"),
    GOOD,
    "use a person id from the contacts file (under `people:`)",
    reads=frozenset({Input.CONTACTS}),
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
NO_PHONE = Rule(
    "OB804", "on-call-without-phone", Level.ERROR,
    "Someone on a rotation has no phone number, or only a placeholder.",
    "Pages escalate by phone call; an on-call engineer the pager cannot ring is not on call.",
    GOOD.replace("members: [jonas, amara]", "members: [jonas, noor]"),
    GOOD,
    "add this person's phone number in the contacts file",
    reads=frozenset({Input.CONTACTS}),
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
NIGHT_HANDOFF = Rule(
    "OB805", "night-handoff", Level.WARNING,
    "A hand-off falls between 22:00 and 07:00 where one of the two people lives.",
    "A hand-off is a conversation about open incidents; at 04:00 it does not happen, and the "
    "incoming engineer starts the week blind. The local time is the person's `timezone` in the "
    "contacts.",
    GOOD.replace("monday 14:00", "monday 04:00"),
    GOOD,
    "move the hand-off to a time that is daytime for both sides",
    reads=frozenset({Input.CONTACTS}),
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
OVERLAPPING_OVERRIDES = Rule(
    "OB806", "overlapping-overrides", Level.ERROR,
    "Two overrides of the same layer overlap in time.",
    "Only one of them can hold: the rota then says something other than what the two people "
    "who agreed each swap expect.",
    GOOD.replace(_TAIL, _OVERRIDES.format(second="2026-12-23T09:00") + _TAIL),
    GOOD.replace(_TAIL, _OVERRIDES.format(second="2026-12-23T12:00") + _TAIL),
    "make the overrides follow each other, or merge them into one",
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
INVALID = Rule(
    "OB807", "invalid-rotation", Level.ERROR,
    "A rotation value cannot be understood: time zone, hand-off, length, hours or an override.",
    "A schedule that is computed from a guessed value is wrong for everyone on it; opsbook "
    "will not guess.",
    GOOD.replace("timezone: Europe/London", "timezone: London"),
    GOOD,
    "write the value the way the rotation reference describes",
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
UNKNOWN_TEAM = Rule(
    "OB808", "unknown-rotation-team", Level.ERROR,
    "A rotation names a team that is not in the contacts.",
    "Runbooks find who is on call through their owning team; a rotation under a misspelt team "
    "id is never found.",
    GOOD.replace("team: payments", "team: paymnets"),
    GOOD,
    "use a team id from the contacts file (under `teams:`)",
    reads=frozenset({Input.CONTACTS}),
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)
DUPLICATE = Rule(
    "OB809", "duplicate-rotation", Level.ERROR,
    "Two rotations name the same team.",
    "`opsbook oncall`, the site and the calendar feed use the first; the second is silently "
    "ignored.",
    GOOD.replace(_TAIL, '  - team: payments\n    timezone: Europe/London\n' + _SCHEDULE
                 + _LAYERS + _TAIL),
    GOOD,
    "merge the two: one rotation per team, with a layer for each part",
    reads=frozenset({Input.CONTACTS, Input.ROTATIONS}),
    example_path=EXAMPLE_PATH,
    example_context=EXAMPLE_CONTEXT,
)

OUTSIDE_TEAM = Rule(
    "OB810", "rotation-member-outside-team", Level.WARNING,
    "A rotation layer takes turns with someone the team's `members:` does not list.",
    "The team's member list and its rota are written in different places and drift apart: "
    "someone who left the team stays on its rota, or a newcomer is paged before the contacts "
    "page (and everything generated from it) knows they are on the team. Only checked for "
    "teams that list their members; cover by someone from elsewhere belongs in `overrides:`.",
    GOOD.replace("members: [jonas, amara]", "members: [mei, amara]"),
    GOOD,
    "add the person to the team's `members:` in the contacts, or take them off the layer "
    "(an override for a one-off cover)",
    reads=frozenset({Input.CONTACTS}),
    example_path=EXAMPLE_PATH,
    example_context=(*EXAMPLE_CONTEXT, (
        "docs/contacts-guest.md",
        contacts_sheet("people:", "  - id: mei", "    name: Mei Tanaka",
                       '    phone: "+1 202-555-0126"', "    timezone: America/New_York"),
    )),
)
TWO_TEAMS = Rule(
    "OB811", "on-call-for-two-teams", Level.WARNING,
    "Someone is on call for two teams' rotations at the same time.",
    "Each team's rota looks fine on its own, but the person carrying both pagers answers one "
    "incident while the other team's page waits; when both fire from one outage, one of them "
    "is not answered at all. Rotas written by different teams meet only here.",
    GOOD.replace(_TAIL, _SECOND_ROTATION.format(member="jonas") + _TAIL),
    GOOD.replace(_TAIL, _SECOND_ROTATION.format(member="lea") + _TAIL),
    "shift one rotation's member order so the turns do not meet, or merge the two rotations "
    "into one with a layer per team if one person really does carry both",
    reads=frozenset({Input.ROTATIONS}),
    example_path=EXAMPLE_PATH,
    example_context=(*EXAMPLE_CONTEXT, _SECOND_TEAM),
)

RULES = (GAP, DOUBLE_BOOKED, UNKNOWN_MEMBER, NO_PHONE, NIGHT_HANDOFF, OVERLAPPING_OVERRIDES,
         INVALID, UNKNOWN_TEAM, DUPLICATE, OUTSIDE_TEAM, TWO_TEAMS)

NIGHT_START = 22 * 60
NIGHT_END = 7 * 60
"""Night, in minutes after midnight in a person's own time zone: 22:00 to 07:00."""

MIN_HORIZON_DAYS = 371
MAX_HORIZON_DAYS = 3 * 366


def horizon(rotation: Rotation) -> tuple[dt.datetime, dt.datetime]:
    """The span the schedule rules look at (see the module docstring)."""
    start = rotation.first_handoff()
    days = min(max(rotation.cycle_days, MIN_HORIZON_DAYS), MAX_HORIZON_DAYS)
    return start, start + dt.timedelta(days=days)


def _spans(rotation: Rotation) -> list[tuple[dt.datetime, dt.datetime]]:
    """The horizon and each override's span (a day either side), merged."""
    day = dt.timedelta(days=1)
    spans = sorted([horizon(rotation),
                    *((o.start - day, o.end + day) for o in rotation.overrides)])
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _schedule(rotation: Rotation) -> list[Shift]:
    found: set[Shift] = set()
    for begin, end in _spans(rotation):
        found.update(shifts_between(rotation, begin, end))
    return sorted(found, key=lambda s: (s.start, s.layer, s.end, s.person or ""))


def _where(rotation: Rotation, *keys: str | int) -> tuple[str, Position]:
    origin = rotation.origin
    assert origin is not None  # rotations of a project always have one
    return origin.display_path, origin.at(*keys)


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{WEEKDAYS[local.weekday()][:3].capitalize()} {local:%Y-%m-%d %H:%M}"


def _member_key(rotation: Rotation, layer_name: str, person: str | None
                ) -> tuple[str | int, ...]:
    for index, layer in enumerate(rotation.layers):
        if layer.name == layer_name and person in layer.members:
            return ("layers", index, "members", layer.members.index(person))
    return ("layers",)


def _override_of(rotation: Rotation, shift: Shift) -> tuple[int, Override] | None:
    if not shift.override:
        return None
    for index, override in enumerate(rotation.overrides):
        if (override.layer == shift.layer and override.person == shift.person
                and override.start <= shift.start and shift.end <= override.end):
            return index, override
    return None  # pragma: no cover - every override shift comes from an override


# --- the rules -------------------------------------------------------------------------------

def _problems(rotation: Rotation) -> Iterator[Diagnostic]:
    for problem in rotation.problems:
        origin = problem.origin or rotation.origin
        assert origin is not None
        yield INVALID.at(origin.display_path, origin.at(*problem.key), problem.message,
                         problem.hint)


def _gaps(rotation: Rotation, shifts: list[Shift]) -> Iterator[Diagnostic]:
    begin, end = horizon(rotation)
    for name in rotation.layer_names:
        layers = [(i, layer) for i, layer in enumerate(rotation.layers) if layer.name == name]
        if not any(layer.members for _, layer in layers):
            path, position = _where(rotation, "layers", layers[0][0], "members")
            yield GAP.at(path, position, f'layer "{name}" of the {rotation.team} rotation has '
                         "no members, so nobody is ever on call on it",
                         "list the people who take turns under `members:`")
            continue
        holes = []
        covered = begin
        for shift in shifts:
            if shift.layer != name or shift.end <= covered:
                continue
            if shift.start > covered and shift.start < end:
                holes.append((covered, min(shift.start, end)))
            covered = max(covered, shift.end)
            if covered >= end:
                break
        if covered < end:
            holes.append((covered, end))
        if not holes:
            continue
        hole_start, hole_end = holes[0]
        windowed = [(i, layer) for i, layer in layers if layer.hours is not None]
        index = windowed[0][0] if windowed else layers[0][0]
        path, position = _where(rotation, "layers", index,
                                "hours" if windowed else "members")
        more = f" (and {len(holes) - 1} more time{'s' if len(holes) > 2 else ''} within a " \
            "year)" if len(holes) > 1 else ""
        yield GAP.at(path, position,
                     f'layer "{name}" of the {rotation.team} rotation has nobody on call from '
                     f"{_local(hole_start, rotation.zone)} to {_local(hole_end, rotation.zone)} "
                     f"{rotation.timezone}{more}")


def _double_booked(rotation: Rotation, shifts: list[Shift]) -> Iterator[Diagnostic]:
    reported: set[tuple[str, frozenset[str]]] = set()
    by_person: dict[str, list[Shift]] = {}
    for shift in shifts:
        if shift.person is not None:
            by_person.setdefault(shift.person, []).append(shift)
    for person, mine in by_person.items():
        active: list[Shift] = []
        for shift in mine:  # by start
            active = [s for s in active if s.end > shift.start]
            for other in active:
                key = (person, frozenset({other.layer, shift.layer}))
                if other.layer == shift.layer or key in reported:
                    continue
                reported.add(key)
                culprit = shift if shift.override or not other.override else other
                found = _override_of(rotation, culprit)
                if found is not None:
                    keys: tuple[str | int, ...] = ("overrides", found[0], "person")
                else:
                    keys = _member_key(rotation, culprit.layer, person)
                path, position = _where(rotation, *keys)
                start = max(shift.start, other.start)
                yield DOUBLE_BOOKED.at(
                    path, position,
                    f'"{person}" is on call as both {other.layer} and {shift.layer} of the '
                    f"{rotation.team} rotation from {_local(start, rotation.zone)} "
                    f"{rotation.timezone}")
            active.append(shift)


def _people(rotation: Rotation, project: Project) -> Iterator[Diagnostic]:
    people = project.contacts.people
    seen: set[str] = set()
    places: list[tuple[str, tuple[str | int, ...], str]] = [
        (member, ("layers", li, "members", mi), f'layer "{layer.name}"')
        for li, layer in enumerate(rotation.layers) for mi, member in enumerate(layer.members)
    ]
    places += [(o.person, ("overrides", oi, "person"), f'an override of "{o.layer}"')
               for oi, o in enumerate(rotation.overrides)]
    for person_id, keys, where in places:
        if person_id in seen:
            continue
        seen.add(person_id)
        path, position = _where(rotation, *keys)
        person = people.get(person_id)
        if person is None:
            yield UNKNOWN_MEMBER.at(path, position,
                                    f'{where} of the {rotation.team} rotation names '
                                    f'"{person_id}", who is not in contacts')
        elif person.phone is None or value_placeholder(person.phone) is not None:
            what = "no phone number" if person.phone is None else \
                f"a placeholder phone number ({person.phone})"
            yield NO_PHONE.at(path, position,
                              f'"{person_id}" is on the {rotation.team} rotation but has {what}')


def _outside_team(rotation: Rotation, project: Project) -> Iterator[Diagnostic]:
    team = project.contacts.teams.get(rotation.team)
    if team is None or not team.members:
        return  # no team (OB808), or one that does not say who is in it
    roster = set(team.members)
    reported: set[str] = set()
    for li, layer in enumerate(rotation.layers):
        for mi, member in enumerate(layer.members):
            if member in roster or member in reported or member not in project.contacts.people:
                continue  # an unknown id is OB803's
            reported.add(member)
            path, position = _where(rotation, "layers", li, "members", mi)
            yield OUTSIDE_TEAM.at(
                path, position,
                f'layer "{layer.name}" of the {rotation.team} rotation takes turns with '
                f'"{member}", who is not among the members of team {rotation.team} '
                f"({', '.join(team.members)})")


def _two_teams(schedules: list[tuple[Rotation, list[Shift]]], project: Project
               ) -> Iterator[Diagnostic]:
    """Each person on call in two rotations at once, once per pair of rotations, reported at
    the later rotation (in the handbook's order) with the earlier one as related."""
    reported: set[tuple[str, int, int]] = set()
    for later_index, (later, later_shifts) in enumerate(schedules):
        if later.origin is None or not project.wants(later.origin.display_path):
            continue
        mine: dict[str, list[Shift]] = {}
        for shift in later_shifts:
            if shift.person is not None:
                mine.setdefault(shift.person, []).append(shift)
        for earlier_index, (earlier, earlier_shifts) in enumerate(schedules[:later_index]):
            if earlier.team == later.team:
                continue  # OB809
            for other in earlier_shifts:
                for shift in mine.get(other.person or "", ()):
                    key = (shift.person or "", earlier_index, later_index)
                    if key in reported or not (shift.start < other.end
                                               and other.start < shift.end):
                        continue
                    reported.add(key)
                    found = _override_of(later, shift)
                    keys = (("overrides", found[0], "person") if found is not None
                            else _member_key(later, shift.layer, shift.person))
                    path, position = _where(later, *keys)
                    where, first = _where(earlier, *_member_key(earlier, other.layer,
                                                                other.person))
                    start = max(shift.start, other.start)
                    yield TWO_TEAMS.at(
                        path, position,
                        f'"{shift.person}" is on call as {shift.layer} of the {later.team} '
                        f"rotation and as {other.layer} of the {earlier.team} rotation from "
                        f"{_local(start, later.zone)} {later.timezone}",
                        related=(Related(where, first.line,
                                         f"the {earlier.team} rotation's {other.layer}"),))


def _nights(rotation: Rotation, shifts: list[Shift], people: dict[str, Person]
            ) -> Iterator[Diagnostic]:
    reported: set[tuple[str, tuple[str | int, ...]]] = set()
    last: dict[str, Shift] = {}
    for shift in shifts:
        before = last.get(shift.layer)
        last[shift.layer] = shift
        if before is None or before.end != shift.start or before.person == shift.person:
            continue
        moment = shift.start
        keys = _boundary_key(rotation, moment, before, shift)
        for person_id in (before.person, shift.person):
            person = people.get(person_id or "")
            zone = zone_for(person.timezone) if person and person.timezone else None
            if person is None or zone is None:
                continue
            local = moment.astimezone(zone)
            minutes = local.hour * 60 + local.minute
            if NIGHT_END <= minutes < NIGHT_START:
                continue
            key = (person.id, keys)
            if key in reported:
                continue
            reported.add(key)
            path, position = _where(rotation, *keys)
            yield NIGHT_HANDOFF.at(
                path, position,
                f'the {shift.layer} hand-off of the {rotation.team} rotation from '
                f'"{before.person}" to "{shift.person}" at {_local(moment, rotation.zone)} '
                f"{rotation.timezone} is {local:%H:%M} for {person.id} ({person.timezone})")


def _boundary_key(rotation: Rotation, moment: dt.datetime, before: Shift, after: Shift
                  ) -> tuple[str | int, ...]:
    """What put a hand-off at ``moment``: an override, the hand-off time, or a layer's hours."""
    for index, override in enumerate(rotation.overrides):
        if override.layer == after.layer and moment in (override.start, override.end):
            return ("overrides", index, "from" if moment == override.start else "until")
    local = moment.astimezone(rotation.zone)
    if local.time() == rotation.handoff.time or not any(
        layer.hours for layer in rotation.layers if layer.name == after.layer
    ):
        return ("handoff",)
    for index, layer in enumerate(rotation.layers):
        if layer.name == after.layer and layer.hours is not None:
            return ("layers", index, "hours")
    return ("handoff",)  # pragma: no cover


def _overlapping_overrides(rotation: Rotation) -> Iterator[Diagnostic]:
    for index, override in enumerate(rotation.overrides):
        for earlier_index, earlier in enumerate(rotation.overrides[:index]):
            if earlier.layer != override.layer:
                continue
            if earlier.start < override.end and override.start < earlier.end:
                path, position = _where(rotation, "overrides", index, "from")
                _, first = _where(rotation, "overrides", earlier_index, "from")
                yield OVERLAPPING_OVERRIDES.at(
                    path, position,
                    f'override of "{override.layer}" for "{override.person}" overlaps the '
                    f'override for "{earlier.person}" (line {first.line}) of the '
                    f"{rotation.team} rotation",
                    related=(Related(path, first.line, "the earlier override"),))
                break


def _teams(project: Project) -> Iterator[Diagnostic]:
    teams = project.contacts.teams
    first: dict[str, Rotation] = {}
    for rotation in project.rotations:
        path, position = _where(rotation, "team")
        if rotation.team not in teams:
            known = ", ".join(sorted(teams)) or "none"
            yield UNKNOWN_TEAM.at(path, position,
                                  f'rotation for team "{rotation.team}", which is not in '
                                  f"contacts (teams: {known})")
        earlier = first.setdefault(rotation.team, rotation)
        if earlier is not rotation:
            where, line = _where(earlier, "team")
            yield DUPLICATE.at(path, position,
                               f'a second rotation for team "{rotation.team}"; the first is at '
                               f"{where}:{line.line}",
                               related=(Related(where, line.line, "the first rotation"),))


def check_rotations(project: Project) -> Iterator[Diagnostic]:
    if not project.rotations:
        return
    people = project.contacts.people
    schedules: list[tuple[Rotation, list[Shift]]] = []
    for rotation in project.rotations:
        if rotation.valid and rotation.origin is not None:
            # every rotation, not only the wanted ones: OB811 compares each with the others
            schedules.append((rotation, _schedule(rotation)))
    shifts_of = {id(rotation): shifts for rotation, shifts in schedules}
    for rotation in project.rotations:
        if rotation.origin is None or not project.wants(rotation.origin.display_path):
            continue
        yield from _problems(rotation)
        yield from _people(rotation, project)
        yield from _outside_team(rotation, project)
        yield from _overlapping_overrides(rotation)
        if not rotation.valid:
            continue  # a schedule from replaced values would only add noise
        shifts = shifts_of[id(rotation)]
        yield from _gaps(rotation, shifts)
        yield from _double_booked(rotation, shifts)
        yield from _nights(rotation, shifts, people)
    yield from _two_teams(schedules, project)
    yield from _teams(project)


FAMILY = Family("OB8", "On-call rotations", RULES, check_rotations)

__all__ = ["FAMILY", "GOOD", "RULES", "UTC", "check_rotations", "horizon"]
