"""The small parsers under the checks: durations, frontmatter positions, the block scanner,
severity statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsbook.checks.severity_text import find_statements, legacy_level, measure_for
from opsbook.load.document import parse_document
from opsbook.load.duration import parse_duration, parse_loose_duration
from opsbook.load.markdown import Fence, Heading, ListItem, Table, scan_blocks


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("< 15 minutes", 15), ("15 min", 15), ("15m", 15), ("Immediate", 0),
        ("Within 1 hour", 60), ("24h", 1440), ("Immediate (< 5 minutes)", 5),
        ("Every 30 minutes", 30), ("Hourly", 60), ("Daily", 1440), ("Within 1 day", 1440),
        ("2 hours", 120), ("1.5h", 90), ("**4 hours**", 240), ("Weekly", 10080),
    ],
)
def test_loose_durations(text: str, minutes: float) -> None:
    parsed = parse_loose_duration(text)
    assert parsed is not None and parsed.minutes == minutes


def test_business_day_equals_only_itself() -> None:
    business = parse_loose_duration("Next business day")
    day = parse_loose_duration("24 hours")
    assert business and day and business.business_day
    assert not business.same_as(day)
    assert business.same_as(parse_duration("next business day"))  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["Required", "Optional", "Best effort", "", "Manager"])
def test_cells_without_time(text: str) -> None:
    assert parse_loose_duration(text) is None


@pytest.mark.parametrize("text", ["5m", "1h", "90d", "next business day", "2w"])
def test_strict_durations(text: str) -> None:
    assert parse_duration(text) is not None


@pytest.mark.parametrize("text", ["5 minutes", "soon", "m5", ""])
def test_strict_durations_refuse_prose(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("label", "measure"),
    [("Ack", "acknowledge"), ("Acknowledgment", "acknowledge"), ("Response Time", "respond"),
     ("Initial response", "respond"), ("Status update", "update_every"),
     ("Resolution target", "resolve"), ("Time to resolve", "resolve"), ("Example", None),
     ("Max Silence Duration", None), ("Escalation", None)],
)
def test_measure_names(label: str, measure: str | None) -> None:
    assert measure_for(label) == measure


@pytest.mark.parametrize(
    ("text", "level"),
    [("SEV1", "SEV1"), ("**Sev 2**", "SEV2"), ("Severity 3", "SEV3"), ("P0 - Critical", "P0"),
     ("Priority 1", "P1"), ("Production", None), ("Critical", None)],
)
def test_legacy_levels(text: str, level: str | None) -> None:
    assert legacy_level(text) == level


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_positions_survive_line_endings(newline: str) -> None:
    text = newline.join(["---", "id: db", "people:", "  - id: ana", '    phone: "TBD"', "---",
                         "# Body", "Phone: +1-XXX-XXX-XXXX", ""])
    document = parse_document(Path("x.md"), "x.md", text.encode())
    assert document.position(("people", 0, "phone")).line == 5
    assert document.position(("people", 0, "phone")).column == 12
    assert document.body_start == 7
    assert [b.line for b in document.blocks] == [7, 8]


def test_scanner_blocks_and_lines() -> None:
    lines = [
        "# Title", "", "- item one", "  - nested", "", "| A | B |", "|---|---|",
        "| 1 | x \\| y |", "", "```bash", "echo '# not a heading'", "```", "Setext", "===",
        "~~~", "unclosed",
    ]
    blocks = scan_blocks(lines)
    assert isinstance(blocks[0], Heading) and blocks[0].line == 1
    assert [b.indent for b in blocks if isinstance(b, ListItem)] == [0, 2]
    table = next(b for b in blocks if isinstance(b, Table))
    assert table.header == ["A", "B"] and table.rows == [(8, ["1", "x | y"])]
    fences = [b for b in blocks if isinstance(b, Fence)]
    assert fences[0].info == "bash" and fences[0].body == [(11, "echo '# not a heading'")]
    assert fences[0].end_line == 12
    assert not fences[1].closed
    setext = [b for b in blocks if isinstance(b, Heading)]
    assert [(h.line, h.level, h.text) for h in setext] == [(1, 1, "Title"), (13, 1, "Setext")]


def test_heading_encloses_level_statements() -> None:
    lines = ["### P1 - Critical", "", "**Response Time:** Immediate (< 5 minutes)",
             "**Update Frequency:** Every 15 minutes", "", "### P2 - High", "",
             "**Response Time:** 15 minutes"]
    statements = find_statements(scan_blocks(lines), legacy_level)
    assert [(s.level, s.measure, s.value.minutes, s.line) for s in statements] == [
        ("P1", "respond", 5, 3), ("P1", "update_every", 15, 4), ("P2", "respond", 15, 8)]
