"""OB8xx beyond the catalogue examples: follow-the-sun gaps that open with a clock change,
double bookings through overrides, night hand-offs at an override's edge, placeholder phones,
rotations inside the contacts file, and a verdict that never depends on the day it is run."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsbook.checks.examples import EXAMPLE_HANDBOOK
from opsbook.checks.rotations import EXAMPLE_CONTEXT, GOOD
from opsbook.diagnostics import Diagnostic
from opsbook.run import check_paths


def check(root: Path, rotations: str, today: str = "2026-11-15",
          contacts: str | None = None, extra: dict[str, str] | None = None) -> list[Diagnostic]:
    files = {**EXAMPLE_HANDBOOK, **dict(EXAMPLE_CONTEXT), "docs/rotations.md": rotations,
             **(extra or {})}
    if contacts is not None:
        files["docs/contacts-oncall.md"] = contacts
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return check_paths([], root / "mkdocs.yml",
                       today=dt.date.fromisoformat(today)).diagnostics


def found(diagnostics: list[Diagnostic]) -> list[tuple[str, int, str]]:
    return [(d.rule, d.line, d.message) for d in diagnostics]


def rotation(layers: str, overrides: str = "", handoff: str = "monday 14:00") -> str:
    return ("---\nkind: rotations\nrotations:\n  - team: payments\n"
            f"    timezone: Europe/London\n    handoff: {handoff}\n    start: 2026-11-02\n"
            f"    layers:\n{layers}{overrides}---\n# Rota\n")


def test_the_reference_shape_is_clean_whatever_the_day(tmp_path: Path) -> None:
    for index, today in enumerate(("2026-11-15", "2030-01-01", "2020-02-29")):
        assert [d for d in check(tmp_path / str(index), GOOD, today=today)
                if d.rule.startswith("OB8")] == []


def test_follow_the_sun_windows_that_meet_only_in_winter(tmp_path: Path) -> None:
    # 08:00-20:00 London and 15:00-03:00 New York fit in winter (20:00 London = 15:00 NY), but
    # in the weeks when only the US has moved its clocks an hour goes missing every day.
    layers = (
        '      - name: primary\n        members: [jonas]\n        hours: "08:00-20:00"\n'
        '      - name: primary\n        members: [amara]\n        hours: "15:00-03:00"\n'
        "        timezone: America/New_York\n"
        "      - name: secondary\n        members: [lea]\n"
    )
    # (New York hands over at 03:00 its time, a night hand-off too: OB805, not looked at here)
    (gap,) = [d for d in check(tmp_path, rotation(layers)) if d.rule == "OB801"]
    assert gap.line == 11  # the first windowed layer's hours
    assert "from Sun 2027-03-14 07:00 to Sun 2027-03-14 08:00 Europe/London" in gap.message
    assert "(and 20 more times within a year)" in gap.message  # until London moves too
    fixed = layers.replace("15:00-03:00", "14:00-04:00")  # an hour of overlap each side
    assert [d for d in check(tmp_path / "fixed", rotation(fixed)) if d.rule == "OB801"] == []


def test_an_empty_layer_is_a_gap_at_its_members(tmp_path: Path) -> None:
    layers = ("      - name: primary\n        members: [amara, jonas]\n"
              "      - name: secondary\n        members: []\n")
    assert [(rule, line) for rule, line, _ in found(check(tmp_path, rotation(layers)))] == [
        ("OB801", 12)]


def test_an_override_can_double_book_and_hand_off_at_night(tmp_path: Path) -> None:
    layers = ("      - name: primary\n        members: [amara, jonas]\n"
              "      - name: secondary\n        members: [lea]\n")
    overrides = ("    overrides:\n      - layer: primary\n        from: 2026-11-10T12:00\n"
                 "        until: 2026-11-12T02:00\n        person: lea\n")
    result = found(check(tmp_path, rotation(layers, overrides)))
    assert [(rule, line) for rule, line, _ in result] == [
        ("OB805", 16), ("OB805", 16), ("OB802", 17)]  # `until`, then the override's person
    assert "is 02:00 for jonas (Europe/London)" in result[0][2]
    assert "is 03:00 for lea (Europe/Berlin)" in result[1][2]
    assert '"lea" is on call as both secondary and primary' in result[2][2]


def test_people_the_contacts_lack_or_cannot_call(tmp_path: Path) -> None:
    contacts = ('---\nkind: contacts\npeople:\n  - id: jonas\n    name: Jonas Weber\n'
                '    phone: "+44 20 7946 0321"\n  - id: lea\n    name: Lea Brandt\n'
                '    phone: "+44-XXXX-XXXXXX"\n---\n')
    layers = ("      - name: primary\n        members: [amara, jonas]\n"
              "      - name: secondary\n        members: [lea]\n")
    overrides = ("    overrides:\n      - layer: secondary\n        from: 2026-12-01T10:00\n"
                 "        until: 2026-12-02T10:00\n        person: kofi\n")
    result = [(r, line, m) for r, line, m in found(check(tmp_path, rotation(layers, overrides),
                                                       contacts=contacts))
              if r.startswith("OB8")]
    assert [(rule, line) for rule, line, _ in result] == [("OB804", 12), ("OB803", 17)]
    assert "placeholder phone number (+44-XXXX-XXXXXX)" in result[0][2]


def test_invalid_values_are_reported_where_they_are_and_stop_the_schedule_rules(
    tmp_path: Path,
) -> None:
    text = rotation(
        "      - name: primary\n        members: [amara, jonas]\n        hours: 8 to 8\n"
        "      - name: secondary\n        members: [amara, jonas]\n",
        "    overrides:\n      - layer: primary\n        from: 2026-12-02T10:00\n"
        "        until: 2026-12-01T10:00\n        person: lea\n"
        "      - layer: tertiary\n        from: 2026-12-01T10:00\n"
        "        until: 2026-12-02T10:00\n        person: lea\n",
        handoff="mondays at ten",
    )
    result = found(check(tmp_path, text))
    assert [(rule, line) for rule, line, _ in result] == [
        ("OB807", 6), ("OB807", 11), ("OB807", 17), ("OB807", 19)]
    assert "ends (2026-12-01T10:00:00Z) before it starts" in result[2][2]


def test_rotations_in_the_contacts_file_are_checked_too(tmp_path: Path) -> None:
    contacts = EXAMPLE_HANDBOOK["docs/contacts.md"].replace(
        "---\n# Contacts", "rotations:\n  - team: payments\n    timezone: America/New_York\n"
        "    handoff: monday 09:00\n    start: 2026-11-02\n    layers:\n"
        "      - name: primary\n        members: [amara, nobody]\n---\n# Contacts")
    root = tmp_path / "h"
    for name, text in {**EXAMPLE_HANDBOOK, "docs/contacts.md": contacts}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    result = check_paths([], root / "mkdocs.yml", today=dt.date(2026, 11, 15)).diagnostics
    assert [(d.path, d.rule, d.line) for d in result] == [("docs/contacts.md", "OB803", 25)]


@pytest.mark.parametrize("length", ["daily", "14d", "3w"])
def test_other_lengths_check_clean(tmp_path: Path, length: str) -> None:
    handoff = "14:00" if length == "daily" else "monday 14:00"
    text = GOOD.replace("length: weekly", f"length: {length}").replace(
        "handoff: monday 14:00", f'handoff: "{handoff}"')
    assert check(tmp_path, text) == []


CLOCKS = st.sampled_from(["00:00", "02:30", "07:00", "08:00", "14:00", "20:00", "23:59",
                          "24:00", "25:00", "9"])


@st.composite
def rotation_files(draw: st.DrawFn) -> str:
    zone = draw(st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe",
                                 "Asia/Kathmandu", "UTC", "Nowhere/Else"]))
    day = draw(st.sampled_from(["", "monday ", "sun ", "fri "]))
    length = draw(st.sampled_from(["daily", "weekly", "3d", "2w", "0d"]))
    lines = ["---", "kind: rotations", "rotations:", "  - team: payments",
             f"    timezone: {zone}", f'    handoff: "{day}{draw(CLOCKS)}"',
             f"    length: {length}",
             f"    start: {draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 1, 1)))}",
             "    layers:"]
    for _ in range(draw(st.integers(1, 3))):
        members = draw(st.lists(st.sampled_from(["amara", "jonas", "lea", "noor", "x"]),
                                max_size=3))
        lines += [f"      - name: {draw(st.sampled_from(['primary', 'secondary']))}",
                  f"        members: [{', '.join(members)}]"]
        if draw(st.booleans()):
            lines.append(f'        hours: "{draw(CLOCKS)}-{draw(CLOCKS)}"')
            if draw(st.booleans()):
                lines.append(f"        timezone: {zone}")
    overrides = draw(st.lists(st.tuples(
        st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2028, 1, 1)),
        st.integers(-48, 24 * 20), st.sampled_from(["amara", "lea", "x"])), max_size=3))
    if overrides:
        lines.append("    overrides:")
    for begin, hours, person in overrides:
        end = begin + dt.timedelta(hours=hours)
        lines += ["      - layer: primary", f"        from: {begin:%Y-%m-%dT%H:%M}",
                  f"        until: {end:%Y-%m-%dT%H:%M}Z", f"        person: {person}"]
    return "\n".join([*lines, "---", "# Rota", ""])


@settings(max_examples=40)
@given(rotation_files())
def test_any_rotation_is_checked_without_a_traceback(text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        result = check(Path(scratch), text)
    lines = text.count("\n")
    for diagnostic in result:
        assert diagnostic.path == "docs/rotations.md", diagnostic
        assert diagnostic.rule.startswith(("OB8", "OB007")), diagnostic
        assert 1 <= diagnostic.line <= lines


def test_a_layer_member_outside_the_team_is_a_warning_and_cover_is_not(tmp_path: Path) -> None:
    contacts = ('---\nkind: contacts\npeople:\n  - id: jonas\n    name: Jonas Weber\n'
                '    phone: "+44 20 7946 0321"\n  - id: mei\n    name: Mei Tanaka\n'
                '    phone: "+1 202-555-0126"\n---\n')
    layers = ("      - name: primary\n        members: [amara, jonas]\n"
              "      - name: secondary\n        members: [mei, amara, mei]\n")
    overrides = ("    overrides:\n      - layer: primary\n        from: 2026-12-01T10:00\n"
                 "        until: 2026-12-02T10:00\n        person: mei\n")
    # The example team lists amara only here: jonas and mei are both outside it, each reported
    # once, at their first place in a layer; the override naming mei is cover, not membership.
    text = rotation(layers, overrides).replace("payments\n", "payments\n", 1)
    files = {"docs/contacts.md": EXAMPLE_HANDBOOK["docs/contacts.md"]}
    result = [(rule, line, message) for rule, line, message
              in found(check(tmp_path, text, contacts=contacts, extra=files))
              if rule == "OB810"]
    assert [(rule, line) for rule, line, _ in result] == [("OB810", 10), ("OB810", 12)]
    assert '"jonas", who is not among the members of team payments (amara)' in result[0][2]
    # A team that does not list its members is not second-guessed.
    unlisted = {"docs/contacts.md": EXAMPLE_HANDBOOK["docs/contacts.md"].replace(
        "    members: [amara]\n", "")}
    assert [d for d in check(tmp_path / "unlisted", text, contacts=contacts, extra=unlisted)
            if d.rule == "OB810"] == []


PLATFORM_TEAM = (
    "---\nkind: contacts\nteams:\n  - id: platform\n    name: Platform\n"
    '    channel: "#platform-oncall"\n    members: [jonas, lea]\n    escalation:\n'
    "      - after: 0m\n        notify: [lea]\n---\n")


def platform_rotation(members: str, start: str = "2026-11-03") -> str:
    return ("---\nkind: rotations\nrotations:\n  - team: platform\n"
            "    timezone: Europe/Berlin\n    handoff: tuesday 10:00\n"
            f"    start: {start}\n    layers:\n      - name: primary\n"
            f"        members: [{members}]\n---\n# Platform rota\n")


def test_two_teams_rotas_that_page_one_person_at_once(tmp_path: Path) -> None:
    extra = {"docs/contacts-platform.md": PLATFORM_TEAM,
             "docs/rotations-platform.md": platform_rotation("lea, jonas")}
    # payments: amara, jonas by week from Monday; platform: lea, jonas from Tuesday. Jonas's
    # weeks meet; reported once, on the rotation that comes second, with the first as related.
    result = [d for d in check(tmp_path, GOOD, extra=extra) if d.rule == "OB811"]
    # (the week of 2026-11-09: payments primary from Monday, platform primary from Tuesday)
    assert [(d.path, d.line) for d in result] == [("docs/rotations.md", 11)]
    assert result[0].message == (
        '"jonas" is on call as primary of the payments rotation and as primary of the platform '
        "rotation from Tue 2026-11-10 09:00 Europe/London")
    assert [(r.path, r.line) for r in result[0].related] == [
        ("docs/rotations-platform.md", 10)]
    free = {**extra, "docs/rotations-platform.md": platform_rotation("lea")}
    assert [d for d in check(tmp_path / "free", GOOD, extra=free) if d.rule == "OB811"] == []


def test_a_warm_check_follows_an_edit_of_another_rota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OB809 and OB811 on one rotation file depend on the others: the check cache re-checks
    the site when any rota changes, so a warm run finds what a cold one finds."""
    from opsbook.run import CheckRequest, cache, chunks
    from opsbook.run import check as check_request

    monkeypatch.setattr(chunks, "CHUNK_FILES", 7)
    monkeypatch.setattr(chunks, "CHUNKED_FROM", 14)
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    root = tmp_path / "h"
    runbooks = {
        f"runbooks/payments/payments-case-{n:02d}.md": EXAMPLE_HANDBOOK[
            "runbooks/payments/payments-down.md"].replace("payments-down", f"payments-case-{n:02d}")
        .replace("[PaymentsDown]", f"[PaymentsCase{n:02d}]")
        for n in range(16)
    }
    files = {**EXAMPLE_HANDBOOK, **dict(EXAMPLE_CONTEXT), **runbooks,
             "docs/contacts-platform.md": PLATFORM_TEAM, "docs/rotations.md": GOOD,
             "docs/rotations-platform.md": platform_rotation("lea")}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    for path in root.rglob("*.md"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    request = CheckRequest(config_file=root / "mkdocs.yml", today=dt.date(2026, 11, 15),
                           cache=True)
    cold = CheckRequest(config_file=root / "mkdocs.yml", today=dt.date(2026, 11, 15))
    assert check_request(request).diagnostics == check_request(cold).diagnostics
    seen: set[str] = set()
    for name, old, new in [
        ("docs/rotations-platform.md", "[lea]", "[lea, jonas]"),  # OB811 appears
        ("docs/rotations.md", "[amara, jonas]", "[amara, lea]"),  # ... and moves
        ("docs/rotations-platform.md", "[lea, jonas]", "[lea]"),
    ]:
        path = root / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        warm = check_request(request).diagnostics
        assert warm == check_request(cold).diagnostics, name
        seen.update(d.rule for d in warm)
    assert "OB811" in seen


def test_a_site_merged_from_one_file_projects_holds_what_a_whole_build_holds() -> None:
    """Chunks check projects merged from one-file projects: every list a check reads must
    come through the merge (rotations once did not, and chunks lost every OB8 finding)."""
    import dataclasses

    from opsbook.model.project import build_project, load_project, site_files
    from opsbook.run.chunks import merge_projects
    from opsbook.settings import load_config
    from tests.support.repo import REPO_ROOT

    config = load_config(REPO_ROOT / "mkdocs.yml")
    whole = load_project(config, site_files(config))
    parts = [build_project(config, [document]) for document in whole.documents]
    merged = merge_projects(config, parts)
    assert whole.rotations, "the reference handbook has rotations"
    for spec in dataclasses.fields(whole):
        built, joined = getattr(whole, spec.name), getattr(merged, spec.name)
        if isinstance(built, list):
            assert [repr(item) for item in joined] == [repr(item) for item in built], spec.name
    assert [sheet.origin for sheet in merged.contacts.sheets] == [
        sheet.origin for sheet in whole.contacts.sheets]
