"""`opsbook oncall [TEAM]`: who is on call on each layer, until when, and who is next;
`--ics` writes a team's rotation as an iCalendar feed.

`--at` pins the moment; without it this is the one place opsbook reads the wall clock.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsbook.commands.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    Subcommands,
    UsageError,
    parse_date,
    site_config_file,
)

if TYPE_CHECKING:
    from opsbook.model.contacts import ContactBook
    from opsbook.model.project import Project
    from opsbook.model.rotations import Rotation, Shift

DEFAULT_WEEKS = 26


def parse_moment(value: str) -> dt.datetime:
    """An ISO 8601 moment (``2027-03-01T03:00:00Z``, ``2027-03-01T04:00+01:00``); without an
    offset it is UTC."""
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time such as 2027-03-01T03:00:00Z") from None
    from opsbook.model.rotations import FIRST_YEAR, LAST_YEAR

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if not FIRST_YEAR < moment.year < LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return moment.astimezone(dt.UTC)


def _weeks(value: str) -> int:
    try:
        weeks = int(value)
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= 520:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of weeks from 1 to 520")
    return weeks


def register(subcommands: Subcommands) -> None:
    oncall = subcommands.add_parser(
        "oncall", help="who is on call now (or --at a time), or a rotation's calendar feed",
        description="Who is on call for each layer of each team's rotation, until when, and "
        "who is next. With --ics, write a team's rotation as an iCalendar feed instead.")
    oncall.add_argument("team", nargs="?", help="team id (default: every team with a rotation)")
    oncall.add_argument("--at", type=parse_moment, metavar="TIME",
                        help="ISO 8601 moment, e.g. 2027-03-01T03:00:00Z (UTC without an "
                        "offset; default: now)")
    oncall.add_argument("--format", choices=("text", "json"), default="text")
    oncall.add_argument("--ics", action="store_true",
                        help="write TEAM's rotation as an iCalendar feed to --output")
    oncall.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="where --ics writes the feed (- for standard output)")
    oncall.add_argument("--from", dest="start", type=parse_date, metavar="DATE",
                        help="first day of the feed (default: $OPSBOOK_TODAY, else today)")
    oncall.add_argument("--weeks", type=_weeks, default=DEFAULT_WEEKS,
                        help=f"weeks the feed covers (default {DEFAULT_WEEKS})")
    oncall.add_argument("--config", type=Path)
    oncall.set_defaults(handler=run)


def _rotations(project: Project, team: str | None) -> list[Rotation]:
    if not project.rotations:
        raise UsageError("this handbook has no on-call rotations (add `rotations:` to the "
                         "contacts file; see the README)")
    if team is None:
        return list(project.rotations)
    rotation = project.rotation_for(team)
    if rotation is None:
        known = ", ".join(dict.fromkeys(r.team for r in project.rotations))
        what = "has no rotation" if team in project.contacts.teams else "is not a team"
        raise UsageError(f"{team!r} {what}; teams with a rotation: {known}")
    return [rotation]


def run(args: argparse.Namespace) -> int:
    from opsbook.run import load_site

    if args.ics and args.team is None:
        raise UsageError("--ics needs a TEAM: opsbook oncall --ics TEAM --output FILE")
    if args.ics and args.output is None:
        raise UsageError("--ics needs --output FILE (or --output - for standard output)")
    if not args.ics and (args.output is not None or args.start is not None):
        raise UsageError("--output and --from go with --ics")
    project = load_site(site_config_file(args.config))
    rotations = _rotations(project, args.team)
    if args.ics:
        return _write_ics(project, rotations[0], args)
    # The wall clock, to the second (the answer is the same within it, and reads better).
    at = args.at if args.at is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    answer = {rotation.team: _team_answer(rotation, project.contacts, at)
              for rotation in rotations}
    if args.format == "json":
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(_text(answer, rotations, project.contacts, at), end="")
    invalid = [rotation.team for rotation in rotations if not rotation.valid]
    if invalid:
        print(f"opsbook: the rotation of {', '.join(invalid)} has values opsbook cannot read; "
              "run `opsbook check` (the answer above may be wrong)", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_ics(project: Project, rotation: Rotation, args: argparse.Namespace) -> int:
    from opsbook.report.ics import rotation_calendar
    from opsbook.settings import today_from_environment

    day = args.start or today_from_environment()
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=rotation.zone)
    end = start + dt.timedelta(weeks=args.weeks)
    feed = rotation_calendar(rotation, project.contacts, start, end)
    if str(args.output) == "-":
        sys.stdout.buffer.write(feed)
        sys.stdout.flush()
    else:
        try:
            args.output.write_bytes(feed)
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror}") from None
        print(f"wrote {args.output}: the {rotation.team} rotation from {day.isoformat()}, "
              f"{args.weeks} weeks", file=sys.stderr)
    return EXIT_CLEAN


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _person(contacts: ContactBook, person_id: str | None) -> dict[str, Any]:
    person = contacts.people.get(person_id or "")
    return {"id": person_id, "name": person.name if person else None,
            "phone": person.phone if person else None}


def _shift(contacts: ContactBook, shift: Shift) -> dict[str, Any]:
    return {"person": _person(contacts, shift.person), "from": _iso(shift.start),
            "until": _iso(shift.end), "override": shift.override, "reason": shift.reason}


def _team_answer(rotation: Rotation, contacts: ContactBook, at: dt.datetime) -> dict[str, Any]:
    from opsbook.model.rotations import on_call_at

    found = {current.layer: (current, following)
             for current, following in on_call_at(rotation, at)}
    layers: list[dict[str, Any]] = []
    for name in rotation.layer_names:
        if name not in found:
            layers.append({"layer": name, "person": None, "from": None, "until": None,
                           "override": False, "reason": None, "next": None})
            continue
        current, following = found[name]
        layers.append({"layer": name, **_shift(contacts, current),
                       "next": _shift(contacts, following) if following else None})
    return {"team": rotation.team, "at": _iso(at), "timezone": rotation.timezone,
            "layers": layers}


def _text(answer: dict[str, dict[str, Any]], rotations: list[Rotation],
          contacts: ContactBook, at: dt.datetime) -> str:
    from opsbook.model.rotations import zone_for

    lines = [f"On call at {_iso(at)}"]
    for rotation in rotations:
        zone = zone_for(rotation.timezone) or dt.UTC
        team = contacts.teams.get(rotation.team)
        title = f"{team.name} ({rotation.team})" if team and team.name else rotation.team
        handoff = str(rotation.handoff).capitalize()
        lines += ["", f"{title}: {rotation.length_label}, hand-off {handoff}; "
                  f"times in {rotation.timezone}"]

        def local(value: str, zone: dt.tzinfo = zone) -> str:
            moment = dt.datetime.fromisoformat(value).astimezone(zone)
            return f"{moment:%a %Y-%m-%d %H:%M}"

        width = max(len(name) for name in rotation.layer_names) if rotation.layers else 0
        for layer in answer[rotation.team]["layers"]:
            label = layer["layer"].ljust(width)
            if layer["person"] is None:
                first = rotation.first_handoff()
                why = (f"the rotation starts {local(_iso(first))}" if at < first
                       else "a gap in the rota: run opsbook check")
                lines.append(f"  {label}  nobody on call ({why})")
                continue
            who = _who(layer["person"])
            note = " (override" + (f": {layer['reason']}" if layer["reason"] else "") + ")" \
                if layer["override"] else ""
            lines.append(f"  {label}  {who}{note}, until {local(layer['until'])}")
            following = layer["next"]
            if following is not None:
                lines.append(f"  {' ' * width}  next: {_who(following['person'])}, from "
                             f"{local(following['from'])} until {local(following['until'])}")
    return "\n".join(lines) + "\n"


def _who(person: dict[str, Any]) -> str:
    name = person["name"] or person["id"]
    return f"{name} ({person['phone']})" if person["phone"] else f"{name} (no phone)"
