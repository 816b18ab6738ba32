"""On-call rotations as data: building them from frontmatter, and the schedule they describe
(hand-offs at local wall time across clock changes, follow-the-sun windows, overrides)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from opsbook.model.project import KIND_SPECS, load_project
from opsbook.model.rotations import (
    UTC,
    Handoff,
    Hours,
    Layer,
    Override,
    Rotation,
    Shift,
    build_rotation,
    on_call_at,
    parse_handoff,
    parse_hours,
    parse_length,
    shifts_between,
)
from opsbook.model.schema import json_schema
from opsbook.settings import OpsbookConfig

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def weekly(members: list[str], zone: str = "Europe/London", start: dt.date = dt.date(2027, 1, 4),
           handoff: str = "monday 10:00", **extra: object) -> Rotation:
    rotation = build_rotation({
        "team": "platform", "timezone": zone, "handoff": handoff, "length": "weekly",
        "start": start, "layers": [{"name": "primary", "members": members}], **extra,
    })
    assert rotation is not None and rotation.valid, rotation and rotation.problems
    return rotation


# --- parsing ---------------------------------------------------------------------------------

def test_handoff_length_and_hours_are_parsed_leniently_but_exactly() -> None:
    assert parse_handoff("monday 10:00") == Handoff(dt.time(10, 0), 0)
    assert parse_handoff("Mon 09:30") == Handoff(dt.time(9, 30), 0)
    assert parse_handoff("08:00") == Handoff(dt.time(8, 0))
    for bad in ("mo 10:00", "monday", "monday 25:00", "10", "sunday 10:00 extra", "t 10:00"):
        assert parse_handoff(bad) is None, bad
    assert [parse_length(v) for v in ("daily", "weekly", "14d", "2w")] == [1, 7, 14, 14]
    assert parse_length("0d") is None and parse_length("fortnightly") is None
    assert parse_hours("08:00-20:00") == Hours(480, 1200)
    assert parse_hours("20:00-08:00") == Hours(1200, 480)
    assert parse_hours("00:00-24:00") == Hours(0, 1440)
    assert parse_hours("08:00-08:00") is None and parse_hours("8-20") is None


def test_rotations_load_from_a_contacts_sheet_and_from_their_own_file(tmp_path: Path) -> None:
    (tmp_path / "contacts.md").write_text(
        "---\nkind: contacts\npeople:\n  - id: amara\n    name: Amara Okafor\n"
        "rotations:\n  - team: platform\n    timezone: Europe/London\n"
        "    handoff: monday 10:00\n    start: 2027-01-04\n    layers:\n"
        "      - name: primary\n        members: [amara]\n---\n", encoding="utf-8")
    (tmp_path / "rota.md").write_text(
        "---\nkind: rotations\nrotations:\n  - team: bookings\n    timezone: UTC\n"
        "    handoff: 09:00\n    length: daily\n    start: 2027-01-04\n    layers:\n"
        "      - name: primary\n        members: [amara]\n    overrides:\n"
        "      - layer: primary\n        from: 2027-01-05T09:00\n"
        "        until: 2027-01-06 09:00:00Z\n        person: amara\n"
        "        reason: swap\n---\n", encoding="utf-8")
    project = load_project(OpsbookConfig.for_loose_files(tmp_path),
                           [tmp_path / "contacts.md", tmp_path / "rota.md"])
    assert project.schema_problems == []
    assert [r.team for r in project.rotations] == ["platform", "bookings"]
    platform, bookings = project.rotations
    assert platform.handoff == Handoff(dt.time(10, 0), 0) and platform.length == 7
    assert bookings.handoff == Handoff(dt.time(9, 0)) and bookings.length == 1
    assert bookings.overrides[0].start == utc(2027, 1, 5, 9)
    assert bookings.overrides[0].reason == "swap"
    assert platform.origin is not None and platform.origin.at("team").line == 7
    assert bookings.overrides[0].origin is not None
    assert bookings.overrides[0].origin.at("until").line == 15
    assert project.rotation_for("bookings") is bookings


def test_the_schema_of_rotations_is_exported() -> None:
    schema = json_schema(KIND_SPECS["rotations"], "rotations")
    rotation = schema["properties"]["rotations"]["items"]
    assert {"team", "timezone", "handoff", "start", "layers"} <= set(rotation["required"])
    override = rotation["properties"]["overrides"]["items"]
    assert set(override["required"]) == {"layer", "from", "until", "person"}
    contacts = json_schema(KIND_SPECS["contacts"], "contacts")
    assert contacts["properties"]["rotations"]["items"] == rotation


def test_values_that_cannot_be_understood_are_problems_not_exceptions() -> None:
    rotation = build_rotation({
        "team": "platform", "timezone": "London", "handoff": "funday 10:00", "length": "often",
        "start": dt.date(2027, 1, 5),
        "layers": [{"name": "primary", "members": ["a"], "hours": "8-20",
                    "timezone": "Mars/Olympus"}],
        "overrides": [
            {"layer": "primary", "from": dt.datetime(2027, 1, 9), "until": dt.datetime(2027, 1, 8),
             "person": "b"},
            {"layer": "tertiary", "from": dt.datetime(2027, 1, 8), "until": dt.datetime(2027, 1, 9),
             "person": "b"},
        ],
    })
    assert rotation is not None and not rotation.valid
    keys = [problem.key for problem in rotation.problems]
    assert keys == [("timezone",), ("length",), ("handoff",), ("layers", 0, "hours"),
                    ("layers", 0, "timezone"), ("overrides", 0, "until"),
                    ("overrides", 1, "layer")]
    # still computable, with harmless defaults
    assert shifts_between(rotation, utc(2027, 1, 10), utc(2027, 1, 20))


def test_dates_out_of_range_are_problems_not_overflows() -> None:
    rotation = build_rotation({
        "team": "t", "timezone": "Pacific/Kiritimati", "handoff": "10:00", "length": "daily",
        "start": dt.date(1, 1, 1), "layers": [{"name": "primary", "members": ["a", "b"]}],
        "overrides": [{"layer": "primary", "from": dt.datetime(9999, 12, 31, 23),
                       "until": dt.datetime(9999, 12, 31, 23, 30), "person": "b"}],
    })
    assert rotation is not None
    assert [p.key for p in rotation.problems] == [("start",), ("overrides", 0, "from")]
    assert on_call_at(rotation, utc(2027, 1, 1))
    assert parse_length("367d") is None and parse_length("52w") == 364


def test_a_weekday_hand_off_must_fit_the_start_and_the_length() -> None:
    tuesday = build_rotation({"team": "t", "timezone": "UTC", "handoff": "monday 10:00",
                              "start": dt.date(2027, 1, 5),
                              "layers": [{"name": "primary", "members": ["a"]}]})
    assert tuesday is not None and [p.key for p in tuesday.problems] == [("start",)]
    assert tuesday.start == dt.date(2027, 1, 11)  # the next Monday
    ten_days = build_rotation({"team": "t", "timezone": "UTC", "handoff": "monday 10:00",
                               "length": "10d", "start": dt.date(2027, 1, 4),
                               "layers": [{"name": "primary", "members": ["a"]}]})
    assert ten_days is not None and [p.key for p in ten_days.problems] == [("handoff",)]


# --- the schedule ----------------------------------------------------------------------------

def test_weekly_turns_follow_the_member_order() -> None:
    rotation = weekly(["a", "b", "c"])
    shifts = shifts_between(rotation, utc(2027, 1, 4, 10), utc(2027, 2, 1, 10))
    assert [s.person for s in shifts] == ["a", "b", "c", "a"]
    assert shifts[0] == Shift("primary", "a", utc(2027, 1, 4, 10), utc(2027, 1, 11, 10), False)
    # nothing before the rotation starts
    assert shifts_between(rotation, utc(2026, 12, 1), utc(2027, 1, 4, 10)) == []


def test_hand_offs_stay_at_local_wall_time_across_the_london_clock_changes() -> None:
    rotation = weekly(["a", "b"], start=dt.date(2027, 3, 1))
    # British Summer Time 2027: 28 March to 31 October.
    shifts = shifts_between(rotation, utc(2027, 3, 20), utc(2027, 4, 6))
    assert [(s.start, s.end) for s in shifts] == [
        (utc(2027, 3, 15, 10), utc(2027, 3, 22, 10)),
        (utc(2027, 3, 22, 10), utc(2027, 3, 29, 9)),  # 7 days less an hour
        (utc(2027, 3, 29, 9), utc(2027, 4, 5, 9)),
        (utc(2027, 4, 5, 9), utc(2027, 4, 12, 9)),
    ]
    autumn = shifts_between(rotation, utc(2027, 10, 26), utc(2027, 11, 2))
    assert [(s.start, s.end) for s in autumn] == [
        (utc(2027, 10, 25, 9), utc(2027, 11, 1, 10)),  # 7 days and an hour
        (utc(2027, 11, 1, 10), utc(2027, 11, 8, 10)),
    ]
    for shift in shifts + autumn:
        local = shift.start.astimezone(LONDON)
        assert (local.weekday(), local.hour, local.minute) == (0, 10, 0)


def test_hand_offs_stay_at_local_wall_time_across_the_new_york_clock_changes() -> None:
    # Daily at 02:30, a time that does not exist on 14 March 2027 and happens twice on
    # 7 November 2027 in New York.
    rotation = build_rotation({"team": "t", "timezone": "America/New_York", "handoff": "02:30",
                               "length": "daily", "start": dt.date(2027, 3, 1),
                               "layers": [{"name": "primary", "members": ["a", "b"]}]})
    assert rotation is not None and rotation.valid
    march = shifts_between(rotation, utc(2027, 3, 12, 12), utc(2027, 3, 16, 12))
    assert [s.start for s in march] == [
        utc(2027, 3, 12, 7, 30), utc(2027, 3, 13, 7, 30),
        utc(2027, 3, 14, 7, 30),  # 02:30 did not happen: 03:30 EDT, the same instant
        utc(2027, 3, 15, 6, 30), utc(2027, 3, 16, 6, 30),
    ]
    november = shifts_between(rotation, utc(2027, 11, 6, 12), utc(2027, 11, 8, 12))
    assert [s.start for s in november] == [
        utc(2027, 11, 6, 6, 30), utc(2027, 11, 7, 7, 30), utc(2027, 11, 8, 7, 30)]
    assert [s.end - s.start for s in november] == [
        dt.timedelta(hours=25), dt.timedelta(hours=24), dt.timedelta(hours=24)]
    # 01:30 happens twice on 7 November: the hand-off is at the first (EDT)
    twice = build_rotation({"team": "t", "timezone": "America/New_York", "handoff": "01:30",
                            "length": "daily", "start": dt.date(2027, 3, 1),
                            "layers": [{"name": "primary", "members": ["a", "b"]}]})
    assert twice is not None
    assert [s.start for s in shifts_between(twice, utc(2027, 11, 7, 6), utc(2027, 11, 7, 7))] \
        == [utc(2027, 11, 7, 5, 30)]
    for shift in march + november:
        local = shift.start.astimezone(NEW_YORK)
        assert (local.hour, local.minute) in ((2, 30), (3, 30))


def test_follow_the_sun_layers_share_the_day_in_their_own_zones() -> None:
    rotation = build_rotation({
        "team": "t", "timezone": "Europe/London", "handoff": "monday 10:00",
        "start": dt.date(2027, 1, 4),
        "layers": [
            {"name": "primary", "members": ["ldn1", "ldn2"], "hours": "07:00-19:00"},
            {"name": "primary", "members": ["ny1", "ny2"], "hours": "14:00-02:00",
             "timezone": "America/New_York"},
        ],
    })
    assert rotation is not None and rotation.valid
    shifts = shifts_between(rotation, utc(2027, 1, 12), utc(2027, 1, 13))
    assert [(s.person, s.start, s.end) for s in shifts] == [
        ("ny2", utc(2027, 1, 11, 19), utc(2027, 1, 12, 7)),
        ("ldn2", utc(2027, 1, 12, 7), utc(2027, 1, 12, 19)),
        ("ny2", utc(2027, 1, 12, 19), utc(2027, 1, 13, 7)),
    ]
    # the window is cut at the hand-off: Monday 10:00 London
    monday = shifts_between(rotation, utc(2027, 1, 11, 8), utc(2027, 1, 11, 12))
    assert [(s.person, s.start, s.end) for s in monday] == [
        ("ldn1", utc(2027, 1, 11, 7), utc(2027, 1, 11, 10)),
        ("ldn2", utc(2027, 1, 11, 10), utc(2027, 1, 11, 19)),
    ]


def test_an_override_cuts_into_the_shift_underneath() -> None:
    override = {"layer": "primary", "from": "2027-01-13T18:00:00+00:00",
                "until": dt.datetime(2027, 1, 15, 9), "person": "z", "reason": "dentist"}
    rotation = weekly(["a", "b"], overrides=[
        {**override, "from": dt.datetime.fromisoformat(override["from"])}])  # type: ignore[arg-type]
    shifts = shifts_between(rotation, utc(2027, 1, 11, 10), utc(2027, 1, 18, 10))
    assert [(s.person, s.start, s.end, s.override) for s in shifts] == [
        ("b", utc(2027, 1, 11, 10), utc(2027, 1, 13, 18), False),
        ("z", utc(2027, 1, 13, 18), utc(2027, 1, 15, 9), True),
        ("b", utc(2027, 1, 15, 9), utc(2027, 1, 18, 10), False),
    ]
    assert shifts[1].reason == "dentist"
    # asking about a moment inside the override only
    assert [s.person for s in shifts_between(rotation, utc(2027, 1, 14), utc(2027, 1, 14, 1))] \
        == ["z"]


def test_on_call_at_gives_the_current_and_the_next_different_person() -> None:
    rotation = build_rotation({
        "team": "t", "timezone": "Europe/London", "handoff": "monday 10:00",
        "start": dt.date(2027, 1, 4),
        "layers": [{"name": "primary", "members": ["a", "b", "c"]},
                   {"name": "secondary", "members": ["b", "c", "a"]}],
        "overrides": [{"layer": "secondary", "from": dt.datetime(2027, 1, 18, 10),
                       "until": dt.datetime(2027, 1, 19, 10), "person": "c"}],
    })
    assert rotation is not None
    answer = on_call_at(rotation, utc(2027, 1, 12, 3))
    assert [(c.layer, c.person, c.start, c.end) for c, _ in answer] == [
        ("primary", "b", utc(2027, 1, 11, 10), utc(2027, 1, 18, 10)),
        # c is secondary this week and covers the first day of next week too: one stretch
        ("secondary", "c", utc(2027, 1, 11, 10), utc(2027, 1, 19, 10)),
    ]
    nexts = [n for _, n in answer]
    assert nexts[0] is not None and (nexts[0].person, nexts[0].start) == ("c", utc(2027, 1, 18, 10))
    assert nexts[1] is not None and (nexts[1].person, nexts[1].start, nexts[1].end) == (
        "a", utc(2027, 1, 19, 10), utc(2027, 1, 25, 10))
    # one member: nobody next; before the start: nobody at all
    solo = weekly(["a"])
    (current, following), = on_call_at(solo, utc(2027, 2, 1))
    assert current.person == "a" and following is None
    assert on_call_at(solo, utc(2026, 12, 31)) == []


def test_the_answer_changes_week_to_week() -> None:
    rotation = weekly(["a", "b", "c"])
    people = [on_call_at(rotation, utc(2027, 1, 5) + dt.timedelta(weeks=week))[0][0].person
              for week in range(6)]
    assert people == ["a", "b", "c", "a", "b", "c"]


# --- properties ------------------------------------------------------------------------------

ZONES = st.sampled_from(["Europe/London", "America/New_York", "UTC", "Australia/Sydney",
                         "Asia/Kolkata", "America/Chicago", "Europe/Berlin"])


@st.composite
def rotations(draw: st.DrawFn) -> Rotation:
    length = draw(st.sampled_from([1, 7, 14, 3]))
    time = dt.time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
    start = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 800)))
    weekday = start.weekday() if length % 7 == 0 and draw(st.booleans()) else None
    layers = [Layer(name, draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4)))
              for name in ("primary", "secondary")[: draw(st.integers(1, 2))]]
    return Rotation("team", draw(ZONES), Handoff(time, weekday), length, start, layers)


MOMENTS = st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2029, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=UTC))


@given(rotations(), MOMENTS, st.integers(1, 24 * 60))
def test_shifts_tile_time_without_gaps_or_overlaps(rotation: Rotation, start: dt.datetime,
                                                   hours: int) -> None:
    first = rotation.first_handoff()
    start = max(start, first)
    end = start + dt.timedelta(hours=hours)
    shifts = shifts_between(rotation, start, end)
    for name in rotation.layer_names:
        mine = [s for s in shifts if s.layer == name]
        assert mine and mine[0].start <= start and mine[-1].end >= end
        for before, after in itertools.pairwise(mine):
            assert before.end == after.start
        for shift in mine:
            assert shift.start < shift.end and shift.start.tzinfo is UTC
            local = shift.start.astimezone(rotation.zone)
            # at the hand-off time, unless the clock skipped it
            assert local.time() == rotation.handoff.time or local.dst() != (
                shift.start - dt.timedelta(hours=3)).astimezone(rotation.zone).dst()
            assert shift.end - shift.start <= dt.timedelta(days=rotation.length, hours=1)
    assert shifts == sorted(shifts, key=lambda s: (s.start, s.layer))


@given(rotations(), MOMENTS)
def test_consecutive_turns_go_to_the_next_member(rotation: Rotation, at: dt.datetime) -> None:
    at = max(at, rotation.first_handoff())
    for current, following in on_call_at(rotation, at):
        layer = next(layer for layer in rotation.layers if layer.name == current.layer)
        assert current.covers(at) and current.person in layer.members
        if len(set(layer.members)) == 1:
            assert following is None
        else:
            assert following is not None and following.person != current.person
            assert following.start >= current.end


@given(rotations(), MOMENTS, st.integers(1, 400), st.sampled_from(["x", "y"]))
def test_an_override_is_who_is_on_call_for_its_span_and_nothing_else_moves(
    rotation: Rotation, begin: dt.datetime, hours: int, person: str
) -> None:
    begin = max(begin, rotation.first_handoff())
    end = begin + dt.timedelta(hours=hours)
    layer = rotation.layers[0].name
    plain = shifts_between(rotation, begin - dt.timedelta(days=30), end + dt.timedelta(days=30))
    rotation.overrides = [Override(layer, begin, end, person)]
    with_override = shifts_between(rotation, begin - dt.timedelta(days=30),
                                   end + dt.timedelta(days=30))
    covering = [s for s in with_override if s.layer == layer and s.end > begin and s.start < end]
    assert [(s.person, s.start, s.end, s.override) for s in covering] == [
        (person, begin, end, True)]
    for moment in (begin - dt.timedelta(minutes=1), end):
        def at(shifts: list[Shift], when: dt.datetime = moment) -> set[str | None]:
            return {s.person for s in shifts if s.covers(when)}
        assert at(plain) == at(with_override)
