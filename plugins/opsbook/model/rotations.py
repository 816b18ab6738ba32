"""On-call rotations: who is on call, when, computed from the data alone.

A rotation belongs to a team. Its members take turns on each *layer* (primary, secondary),
handing over at a wall-clock time in the rotation's time zone (``monday 10:00`` in
Europe/London stays 10:00 London time across daylight-saving changes). A layer may cover only
part of each day (``hours: "08:00-20:00"``, in its own time zone): two layers of the same name in
different zones then share the day between them (follow the sun). Dated *overrides* hand a layer
to someone else for a while (a swap, a holiday).

Everything here is pure: no clock, no files. Times given to and returned by
:func:`shifts_between` and :func:`on_call_at` are time-zone aware; shifts are in UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opsbook.model.origin import Origin
from opsbook.model.schema import FieldSpec, ObjectSpec

UTC = dt.UTC

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

LAYER_SPEC = ObjectSpec(
    "rotation layer",
    "One layer of a rotation (primary, secondary): its members take turns in order.",
    (
        FieldSpec("name", "id", "Layer name; two layers may share one to split the day.",
                  required=True, example="primary"),
        FieldSpec("members", "id-list", "Person ids from contacts, in turn order.",
                  required=True, example=["marcus", "priya", "jonas"]),
        FieldSpec("hours", "string",
                  "Only these hours of each day, `HH:MM-HH:MM` (may run past midnight); "
                  "the whole day when left out.", example="08:00-20:00"),
        FieldSpec("timezone", "string",
                  "IANA time zone of `hours`; the rotation's when left out.",
                  example="America/New_York"),
    ),
)

OVERRIDE_SPEC = ObjectSpec(
    "rotation override",
    "Someone else covers a layer for a while (a swap, a holiday).",
    (
        FieldSpec("layer", "id", "Name of the layer covered.", required=True,
                  example="primary"),
        FieldSpec("from", "datetime",
                  "Start, ISO 8601; in the rotation's time zone unless it has an offset.",
                  required=True, example="2026-12-24T10:00"),
        FieldSpec("until", "datetime", "End (exclusive), like `from`.", required=True,
                  example="2026-12-28T10:00"),
        FieldSpec("person", "id", "Person id from contacts who covers.", required=True,
                  example="jonas"),
        FieldSpec("reason", "string", "Why, for the people reading the rota.",
                  example="Swap with Priya over the holidays"),
    ),
)

ROTATION_SPEC = ObjectSpec(
    "rotation",
    "A team's on-call rotation.",
    (
        FieldSpec("team", "id", "Team id from contacts.", required=True, example="platform"),
        FieldSpec("timezone", "string", "IANA time zone of hand-offs and local times.",
                  required=True, example="Europe/London"),
        FieldSpec("handoff", "string",
                  "Hand-off weekday and time `monday 10:00`; only the time (`09:00`) for a "
                  "daily rotation.", required=True, example="monday 10:00"),
        FieldSpec("length", "string",
                  "Shift length: `daily`, `weekly`, or days or weeks such as `14d`, `2w`. "
                  "Weekly when left out.", example="weekly"),
        FieldSpec("start", "date", "Day the first member of each layer starts their first "
                  "shift (at the hand-off time).", required=True, example="2026-01-05"),
        FieldSpec("layers", "objects", "Layers, each with its members in turn order.",
                  required=True, items=LAYER_SPEC),
        FieldSpec("overrides", "objects", "Dated exceptions to the turn order.",
                  items=OVERRIDE_SPEC),
    ),
)

ROTATIONS_SPEC = ObjectSpec(
    "rotations",
    "On-call rotations, in a file of their own (they may also sit in a contacts file).",
    (
        FieldSpec("kind", "string", "Always `rotations`.", required=True),
        FieldSpec("title", "string", "Page title.", example="On-call rotations"),
        FieldSpec("rotations", "objects", "Rotations, one per team.", items=ROTATION_SPEC),
    ),
)


@dataclass(frozen=True)
class Handoff:
    """When shifts change: a wall-clock time, on a weekday for rotations of whole weeks."""

    time: dt.time
    weekday: int | None = None  # 0 = Monday; None: every `length` days from the start

    def __str__(self) -> str:
        clock = self.time.strftime("%H:%M")
        return clock if self.weekday is None else f"{WEEKDAYS[self.weekday]} {clock}"


@dataclass(frozen=True)
class Hours:
    """A daily window in minutes after midnight; ``end <= start`` runs past midnight."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass
class Layer:
    name: str
    members: list[str]
    origin: Origin | None = None
    hours: Hours | None = None
    timezone: str | None = None  # of `hours`; the rotation's when None


@dataclass
class Override:
    layer: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    person: str
    origin: Origin | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RotationProblem:
    """Something in a rotation that cannot be understood as written (reported by OB8xx)."""

    origin: Origin | None
    key: tuple[str | int, ...]  # below origin
    message: str
    hint: str


@dataclass
class Rotation:
    team: str
    timezone: str  # IANA name
    handoff: Handoff
    length: int  # days per shift
    start: dt.date  # first hand-off day
    layers: list[Layer] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    origin: Origin | None = None
    problems: list[RotationProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether the schedule is computed as written (no problem replaced a value)."""
        return not self.problems

    @property
    def zone(self) -> ZoneInfo:
        return zone_for(self.timezone) or ZoneInfo("UTC")

    @property
    def layer_names(self) -> list[str]:
        return list(dict.fromkeys(layer.name for layer in self.layers))

    @property
    def length_label(self) -> str:
        if self.length == 1:
            return "daily"
        if self.length == 7:
            return "weekly"
        return f"{self.length // 7}w" if self.length % 7 == 0 else f"{self.length}d"

    @property
    def cycle_days(self) -> int:
        """Days after which every layer's turn order repeats (not counting time-zone rules)."""
        cycle = self.length
        for layer in self.layers:
            members = max(len(layer.members), 1)
            cycle = _lcm(cycle, self.length * members)
        return cycle

    def first_handoff(self) -> dt.datetime:
        return _handoff(self, 0)


@dataclass(frozen=True)
class Shift:
    layer: str
    person: str | None
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # exclusive
    override: bool = False
    reason: str | None = None  # an override's reason

    def covers(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


# --- building from frontmatter -------------------------------------------------------------

FIRST_YEAR = 1970
LAST_YEAR = 2500
"""Rotations start, and overrides happen, within these years (so date arithmetic over any
horizon stays in range)."""
MAX_LENGTH_DAYS = 366
MAX_HORIZON_DAYS = 20 * 366

_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_LENGTH = re.compile(r"^(\d+)\s*([dw])$")


@lru_cache(maxsize=256)
def zone_for(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def parse_clock(text: str, allow_24: bool = False) -> int | None:
    """Minutes after midnight of ``HH:MM``, or None."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 1440 or (minutes == 1440 and not allow_24):
        return None
    return minutes


def parse_handoff(text: str) -> Handoff | None:
    parts = text.strip().lower().split()
    if not parts or len(parts) > 2:
        return None
    minutes = parse_clock(parts[-1])
    if minutes is None:
        return None
    weekday = None
    if len(parts) == 2:
        day = parts[0].rstrip(",")
        matches = [index for index, name in enumerate(WEEKDAYS)
                   if len(day) >= 3 and name.startswith(day)]
        if len(matches) != 1:
            return None
        weekday = matches[0]
    return Handoff(dt.time(minutes // 60, minutes % 60), weekday)


def parse_length(text: str) -> int | None:
    """Days per shift of ``daily``, ``weekly``, ``14d``, ``2w``."""
    value = text.strip().lower()
    if value == "daily":
        return 1
    if value == "weekly":
        return 7
    match = _LENGTH.match(value)
    if not match or int(match.group(1)) == 0:
        return None
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    return days if days <= MAX_LENGTH_DAYS else None


def parse_hours(text: str) -> Hours | None:
    parts = text.replace("–", "-").split("-")
    if len(parts) != 2:
        return None
    start, end = parse_clock(parts[0]), parse_clock(parts[1], allow_24=True)
    if start is None or end is None or (start == end % 1440 and end != 1440):
        return None
    return Hours(start, end)


def build_rotations(values: Iterable[dict[str, Any]], origin: Origin) -> list[Rotation]:
    """Rotations from validated frontmatter (``rotations:`` of a contacts or rotations file)."""
    rotations = []
    for index, raw in enumerate(values):
        rotation = build_rotation(raw, origin.child("rotations", index))
        if rotation is not None:
            rotations.append(rotation)
    return rotations


def build_rotation(raw: dict[str, Any], origin: Origin | None = None) -> Rotation | None:
    """One rotation; None without a team or a start. Values that cannot be understood are
    recorded as problems and replaced by a harmless default (UTC, weekly, 00:00), so the rest
    still loads."""
    team = raw.get("team")
    if not isinstance(team, str):
        return None
    problems: list[RotationProblem] = []

    def problem(key: tuple[str | int, ...], message: str, hint: str) -> None:
        problems.append(RotationProblem(origin, key, message, hint))

    timezone = raw.get("timezone") or "UTC"
    if zone_for(timezone) is None:
        problem(("timezone",), f'rotation "{team}": time zone {timezone!r} is not an IANA '
                "time zone", "use an IANA name such as Europe/London or America/New_York")
        timezone = "UTC"
    length = 7
    if "length" in raw:
        parsed_length = parse_length(str(raw["length"]))
        if parsed_length is None:
            problem(("length",), f'rotation "{team}": length {raw["length"]!r} is not a shift '
                    "length", "write daily, weekly, or a number of days or weeks such as 14d")
        else:
            length = parsed_length
    handoff = Handoff(dt.time(0, 0))
    if "handoff" in raw:
        parsed_handoff = parse_handoff(str(raw["handoff"]))
        if parsed_handoff is None:
            problem(("handoff",), f'rotation "{team}": hand-off {raw["handoff"]!r} is not a '
                    "weekday and a time", 'write e.g. `handoff: "monday 10:00"` (24-hour '
                    'clock), or `handoff: "09:00"` for a daily rotation')
        elif parsed_handoff.weekday is not None and length % 7:
            problem(("handoff",), f'rotation "{team}": shifts of {length} days cannot all '
                    f"start on a {WEEKDAYS[parsed_handoff.weekday].capitalize()}",
                    "give only a time (`handoff: \"10:00\"`), or make the length whole weeks")
            handoff = Handoff(parsed_handoff.time)
        else:
            handoff = parsed_handoff
    start = raw.get("start")
    if not isinstance(start, dt.date):
        return None  # no schedule without a start: the schema reports the missing field
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        problem(("start",), f'rotation "{team}": start {start.isoformat()} is not a date a '
                "rota can begin on", f"use a date between {FIRST_YEAR} and {LAST_YEAR}")
        start = dt.date(2000, 1, 3)
    if handoff.weekday is not None and start.weekday() != handoff.weekday:
        problem(("start",), f'rotation "{team}": start {start.isoformat()} is a '
                f"{WEEKDAYS[start.weekday()].capitalize()}, but hand-offs are on "
                f"{WEEKDAYS[handoff.weekday].capitalize()}s",
                "start the rotation on a hand-off day")
        start = start + dt.timedelta(days=(handoff.weekday - start.weekday()) % 7)
    layers = []
    for layer_index, layer_raw in enumerate(raw.get("layers", [])):
        if "name" not in layer_raw:
            continue
        layer_origin = origin.child("layers", layer_index) if origin else None
        key: tuple[str | int, ...] = ("layers", layer_index)
        hours = None
        if layer_raw.get("hours") is not None:
            hours = parse_hours(str(layer_raw["hours"]))
            if hours is None:
                problem((*key, "hours"), f'rotation "{team}": hours {layer_raw["hours"]!r} of '
                        f'layer "{layer_raw["name"]}" are not a daily window',
                        'write the window as `hours: "08:00-20:00"` (24-hour clock)')
        layer_zone = layer_raw.get("timezone")
        if layer_zone is not None and zone_for(layer_zone) is None:
            problem((*key, "timezone"), f'rotation "{team}": time zone {layer_zone!r} of layer '
                    f'"{layer_raw["name"]}" is not an IANA time zone',
                    "use an IANA name such as Europe/London or America/New_York")
            layer_zone = None
        layers.append(Layer(layer_raw["name"], list(layer_raw.get("members", [])), layer_origin,
                            hours, layer_zone))
    names = {layer.name for layer in layers}
    overrides = []
    zone = zone_for(timezone) or ZoneInfo("UTC")
    for override_index, override_raw in enumerate(raw.get("overrides", [])):
        if not all(key in override_raw for key in ("layer", "from", "until", "person")):
            continue
        key = ("overrides", override_index)
        begin = _aware(override_raw["from"], zone)
        end = _aware(override_raw["until"], zone)
        if not all(FIRST_YEAR <= moment.year <= LAST_YEAR for moment in (begin, end)):
            problem((*key, "from"), f'rotation "{team}": override of {override_raw["layer"]} '
                    f'for "{override_raw["person"]}" is not between {FIRST_YEAR} and '
                    f"{LAST_YEAR}", "check the year of `from` and `until`")
            continue
        if end <= begin:
            problem((*key, "until"), f'rotation "{team}": override of {override_raw["layer"]} '
                    f'for "{override_raw["person"]}" ends ({_iso(end)}) before it starts '
                    f"({_iso(begin)})", "make `until` later than `from`")
            continue
        if override_raw["layer"] not in names:
            problem((*key, "layer"), f'rotation "{team}": override names layer '
                    f'"{override_raw["layer"]}", which the rotation does not have',
                    "use one of the layer names: " + ", ".join(sorted(names)))
            continue
        overrides.append(Override(override_raw["layer"], begin, end, override_raw["person"],
                                  origin.child(*key) if origin else None,
                                  override_raw.get("reason")))
    return Rotation(team, timezone, handoff, length, start, layers, overrides, origin, problems)


def _aware(value: dt.datetime | dt.date, zone: ZoneInfo) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: out of range, reported as such
        return dt.datetime(1 if value.year < 2000 else 9999, 1, 1, tzinfo=UTC)


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _lcm(a: int, b: int) -> int:
    import math

    return a * b // math.gcd(a, b)


# --- the schedule ----------------------------------------------------------------------------

def _handoff(rotation: Rotation, turn: int) -> dt.datetime:
    """The UTC instant turn ``turn`` (0 = the first) starts: the hand-off wall time on its day
    in the rotation's zone (a time skipped by a clock change falls an hour later)."""
    day = rotation.start + dt.timedelta(days=turn * rotation.length)
    local = dt.datetime.combine(day, rotation.handoff.time, tzinfo=rotation.zone)
    return local.astimezone(UTC)


def _turns(rotation: Rotation, start: dt.datetime, end: dt.datetime) -> range:
    """Turns whose interval may overlap [start, end) (turns before the first are none)."""
    zone = rotation.zone
    first_day = (start.astimezone(zone).date() - rotation.start).days
    last_day = (end.astimezone(zone).date() - rotation.start).days
    low = max(0, first_day // rotation.length - 1)
    high = last_day // rotation.length + 2
    return range(low, max(low, high))


def _layer_shifts(rotation: Rotation, layer: Layer, start: dt.datetime,
                  end: dt.datetime) -> list[Shift]:
    if not layer.members:
        return []
    shifts = []
    count = len(layer.members)
    for turn in _turns(rotation, start, end):
        begin, finish = _handoff(rotation, turn), _handoff(rotation, turn + 1)
        if finish <= start or begin >= end:
            continue
        person = layer.members[turn % count]
        if layer.hours is None:
            shifts.append(Shift(layer.name, person, begin, finish))
            continue
        zone = zone_for(layer.timezone) if layer.timezone else rotation.zone
        zone = zone or rotation.zone
        low, high = max(begin, start), min(finish, end)
        day = low.astimezone(zone).date() - dt.timedelta(days=1)
        last = high.astimezone(zone).date()
        while day <= last:
            window_start, window_end = _window(day, layer.hours, zone)
            piece_start, piece_end = max(window_start, begin), min(window_end, finish)
            if piece_start < piece_end and piece_start < end and piece_end > start:
                shifts.append(Shift(layer.name, person, piece_start, piece_end))
            day += dt.timedelta(days=1)
    return shifts


def _window(day: dt.date, hours: Hours, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    def at(minutes: int) -> dt.datetime:
        extra, minutes = divmod(minutes, 1440)
        moment = dt.datetime.combine(day + dt.timedelta(days=extra),
                                     dt.time(minutes // 60, minutes % 60), tzinfo=zone)
        return moment.astimezone(UTC)

    end = hours.end if hours.end > hours.start else hours.end + 1440
    return at(hours.start), at(end)


def _apply(shifts: list[Shift], override: Override) -> list[Shift]:
    kept = []
    for shift in shifts:
        if (shift.layer != override.layer or shift.end <= override.start
                or shift.start >= override.end):
            kept.append(shift)
            continue
        if shift.start < override.start:
            kept.append(Shift(shift.layer, shift.person, shift.start, override.start,
                              shift.override, shift.reason))
        if shift.end > override.end:
            kept.append(Shift(shift.layer, shift.person, override.end, shift.end,
                              shift.override, shift.reason))
    kept.append(Shift(override.layer, override.person, override.start, override.end, True,
                      override.reason))
    return kept


def _check_aware(*moments: dt.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{moment.isoformat()} has no time zone")


def shifts_between(rotation: Rotation, start: dt.datetime, end: dt.datetime) -> list[Shift]:
    """Every shift overlapping [start, end), overrides applied, by (start, layer).

    Shifts are whole (not clipped to the range). An override covers its layer for the whole of
    its span, cutting the shifts underneath it; later overrides win over earlier ones.
    """
    _check_aware(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return []
    # Overrides reaching into the range cut shifts that may reach beyond it: compute over the
    # hull of the range and every override overlapping the shifts found.
    relevant = [o for o in rotation.overrides if o.end > start and o.start < end]
    low = min([start, *(o.start for o in relevant)])
    high = max([end, *(o.end for o in relevant)])
    shifts: list[Shift] = []
    for layer in rotation.layers:
        shifts.extend(_layer_shifts(rotation, layer, start, end))
    if shifts:
        low = min(low, min(s.start for s in shifts))
        high = max(high, max(s.end for s in shifts))
    for override in rotation.overrides:
        if override.end > low and override.start < high:
            shifts = _apply(shifts, override)
    found = {s for s in shifts if s.end > start and s.start < end}
    return sorted(found, key=_shift_order)


def _shift_order(shift: Shift) -> tuple[dt.datetime, str, dt.datetime, str]:
    return shift.start, shift.layer, shift.end, shift.person or ""


def horizon_days(rotation: Rotation) -> int:
    """How far ahead to look for the next change: every layer's turn cycle and a bit."""
    longest = max((len(layer.members) for layer in rotation.layers), default=1)
    return min(rotation.length * (longest + 1) + 2, MAX_HORIZON_DAYS)


def on_call_at(rotation: Rotation, at: dt.datetime) -> list[tuple[Shift, Shift | None]]:
    """Per layer name (in the rotation's order): who is on call at ``at`` and the next person.

    The current shift runs from when that person took the layer to when they hand it on
    (adjacent shifts of the same person are joined); the next one is that of the next
    *different* person, within one turn cycle (None when there is no one else). A layer with
    nobody on call at ``at`` (a gap, or before the rotation starts) is left out.
    """
    _check_aware(at)
    at = at.astimezone(UTC)
    if not FIRST_YEAR <= at.year <= LAST_YEAR:
        raise ValueError(f"{at.isoformat()} is not between {FIRST_YEAR} and {LAST_YEAR}")
    span = dt.timedelta(days=horizon_days(rotation))
    far = max([at + 2 * span, *(o.end + span for o in rotation.overrides if o.end > at)])
    shifts = shifts_between(rotation, at - span, far)
    answer = []
    for name in rotation.layer_names:
        mine = [s for s in shifts if s.layer == name]
        current = next((s for s in mine if s.covers(at)), None)
        if current is None:
            continue
        current = _stretch(mine, current)
        following = next((s for s in mine if s.start >= current.end
                          and s.person != current.person), None)
        answer.append((current, _stretch(mine, following) if following else None))
    return answer


def _stretch(shifts: list[Shift], shift: Shift) -> Shift:
    """``shift`` joined with the adjacent shifts of the same person on the same layer."""
    begin, finish = shift.start, shift.end
    changed = True
    while changed:
        changed = False
        for other in shifts:
            if other.person != shift.person:
                continue
            if other.start < begin <= other.end:
                begin, changed = other.start, True
            if other.start <= finish < other.end:
                finish, changed = other.end, True
    return Shift(shift.layer, shift.person, begin, finish, shift.override, shift.reason)
