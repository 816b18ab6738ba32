"""Severity times and escalations that contradict each other, in legacy handbooks."""

from __future__ import annotations

from pathlib import Path

from opsbook.diagnostics import Diagnostic
from opsbook.run import check_paths
from tests.support.sitekit import check_loose


def contradictions(found: list[Diagnostic], rule: str = "OB205") -> list[Diagnostic]:
    return [d for d in found if d.rule == rule]



def test_a_table_and_a_sentence_disagree(tmp_path: Path) -> None:
    page = (
        "# Pager rules\n\n| Priority | Respond |\n|---|---|\n| P1 | 5 minutes |\n\n"
        "Respond to P1/P2 pages within 15 minutes.\n"
    )
    [hit] = contradictions(check_loose(tmp_path, {"a.md": page}))
    assert (hit.line, hit.column) == (7, page.splitlines()[6].index("within 15") + 1)
    assert [(r.path.rsplit("/", 1)[-1], r.line) for r in hit.related] == [("a.md", 5)]
    assert "line 7" in hit.message and "line 5" in hit.message


def test_update_cadences_for_different_audiences_are_not_compared(tmp_path: Path) -> None:
    page = (
        "# Comms\n\n| Severity | First update | Update cadence | Management update cadence |"
        " Customer update cadence |\n|---|---|---|---|---|\n"
        "| SEV1 | 10 minutes | Every 20 minutes | Every hour | Every 30 minutes |\n\n"
        "Management receives an update every hour for SEV1.\n"
    )
    assert contradictions(check_loose(tmp_path, {"a.md": page})) == []


def test_two_files_of_one_handbook(tmp_path: Path) -> None:
    a = "# Kestrel Severity\n\n| Priority | Acknowledge |\n|---|---|\n| P1 | Immediate |\n"
    b = "# Kestrel On-Call\n\n### P1 – Critical\n\n- Acknowledge: 15 minutes\n"
    found = contradictions(check_loose(tmp_path, {"a.md": a, "b.md": b}))
    assert len(found) == 1
    hit = found[0]
    places = {(hit.path.rsplit("/", 1)[-1], hit.line)} | {
        (r.path.rsplit("/", 1)[-1], r.line) for r in hit.related}
    assert places == {("a.md", 5), ("b.md", 5)}
    assert "15 minutes" in hit.message and "Immediate" in hit.message


def test_two_organisations_are_not_one_handbook(tmp_path: Path) -> None:
    a = "# Kestrel Severity\n\n| Priority | Acknowledge |\n|---|---|\n| P1 | Immediate |\n"
    b = "# Osprey On-Call\n\n### P1 – Critical\n\n- Acknowledge: 15 minutes\n"
    assert contradictions(check_loose(tmp_path, {"a.md": a, "b.md": b})) == []


def test_cli_reports_the_other_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Kestrel\n\n| Priority | Respond |\n|---|---|\n"
                                   "| P1 | Immediate |\n")
    (tmp_path / "b.md").write_text("# Kestrel notes\n\nRespond to P1 alerts within 15 minutes.\n")
    result = check_paths([tmp_path / "a.md", tmp_path / "b.md"], None)
    [hit] = contradictions(result.diagnostics)
    assert hit.path.endswith("b.md") and hit.line == 3
    assert hit.related[0].path.endswith("a.md") and hit.related[0].line == 5


def test_escalation_same_delay_two_roles(tmp_path: Path) -> None:
    page = (
        "# Escalation\n\n**Automatic escalation (SEV1):**\n"
        "- No resolution within 30 minutes → notify the engineering manager\n\n"
        "**Level 3: Engineering Lead**\n- Escalated to for an unresolved SEV1 after 30 minutes\n"
    )
    [hit] = contradictions(check_loose(tmp_path, {"a.md": page}), "OB207")
    assert hit.line == 7 and [r.line for r in hit.related] == [4]
    assert "engineering manager" in hit.message and "Engineering Lead" in hit.message


def test_escalation_one_role_two_delays(tmp_path: Path) -> None:
    page = (
        "# Escalation\n\n- If a P1 is not resolved within 1 hour, escalate to the CTO.\n"
        "- If a P1 is not resolved within 2 hours, page the CTO.\n"
    )
    [hit] = contradictions(check_loose(tmp_path, {"a.md": page}), "OB207")
    assert (hit.line, hit.related[0].line) == (4, 3)


def test_consistent_chain_and_other_levels_are_quiet(tmp_path: Path) -> None:
    page = (
        "# Escalation\n\n- If a P1 is not resolved within 30 minutes, escalate to the manager.\n"
        "- If a P2 is not resolved within 4 hours, escalate to the manager.\n\n"
        "**Engineering manager**\n- Escalated to for a P1 unresolved after 30 minutes\n\n"
        "If errors persist after 30 minutes, escalate per the team ladder.\n"
    )
    assert contradictions(check_loose(tmp_path, {"a.md": page}), "OB207") == []
