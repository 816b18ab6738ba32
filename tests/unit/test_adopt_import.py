"""`opsbook import`: a legacy handbook becomes a site whose only findings are its blanks and its
conflicts, and nothing of the input is lost."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from opsbook.adopt.importer import ImportReport, import_handbooks, mark_broken_shell
from opsbook.adopt.plan import write_plan
from opsbook.adopt.text import read_legacy, repair_mojibake
from opsbook.run import check_paths
from opsbook.settings import ConfigError
from tests.support.adopt import LEGACY, TODAY

DAY = dt.date.fromisoformat(TODAY)


def imported(tmp_path: Path, text: str = LEGACY) -> tuple[Path, ImportReport]:
    repaired = read_legacy("legacy.md", text.encode("utf-8"))
    plan, report = import_handbooks([("legacy.md", repaired)], DAY)
    write_plan(tmp_path, plan)
    return tmp_path, report


def frontmatter(path: Path) -> dict[str, object]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert isinstance(loaded, dict)
    return loaded


def test_every_line_of_the_input_is_somewhere_in_the_output(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    output = " ".join(path.read_text(encoding="utf-8") for path in root.rglob("*.md"))
    output = re.sub(r"\s+", " ", output)
    for line in repair_mojibake(LEGACY).splitlines():
        text = line.strip().lstrip("#").strip()
        if text and not set(text) <= set("-|: "):
            assert re.sub(r"\s+", " ", text) in output, line


def test_the_nothing_lost_test_can_fail(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    (root / "docs" / "imported" / "legacy.md").write_text("---\ntitle: x\n---\n")
    output = " ".join(path.read_text(encoding="utf-8") for path in root.rglob("*.md"))
    assert "An outage is any time customers cannot buy widgets." not in output


def test_sections_go_where_they_belong(tmp_path: Path) -> None:
    root, report = imported(tmp_path)
    assert report.severity_sections == ["legacy.md:5 Priority Levels"]
    assert report.contact_sections == ["legacy.md:13 Who To Call"]
    assert report.runbooks == ["legacy.md:29 Playbook: Checkout Errors -> "
                               "runbooks/imported/checkout-errors.md"]
    assert report.templates == ["legacy.md:44 Message Templates"]
    assert [entry.split(" ", 1)[1] for entry in report.leftovers] == [
        "Acme Widgets Support Handbook", "(before any heading)", "Holidays", "Glossary"]
    assert frontmatter(root / "docs" / "templates.md")["kind"] == "template"


def test_the_matrix_takes_the_levels_and_lists_conflicts_for_a_person(tmp_path: Path) -> None:
    root, report = imported(tmp_path)
    text = (root / "docs" / "severity.md").read_text(encoding="utf-8")
    matrix = frontmatter(root / "docs" / "severity.md")
    levels = matrix["levels"]
    assert isinstance(levels, list)
    assert [(level["id"], level.get("respond"), level.get("resolve")) for level in levels] == [
        ("P1", "10m", "4h"), ("P2", "30m", "1d"), ("P3", "4h", "7d")]
    assert "# CONFLICT: P1 respond: 10 minutes (10m) at legacy.md:9; within 20 minutes " \
        "(20m) at legacy.md:54" in text
    assert report.conflicts == ["P1 respond: 10m (legacy.md:9), 20m (legacy.md:54)"]


def test_contacts_keep_their_blanks_and_real_values(tmp_path: Path) -> None:
    root, report = imported(tmp_path)
    sheet = frontmatter(root / "docs" / "contacts.md")
    people = {person["id"]: person for person in sheet["people"]}
    assert people["shift-lead"]["name"] == "[Lead name]"
    assert people["shift-lead"]["phone"] == "+1-XXX-XXX-XXXX"
    assert people["database-expert"]["slack"] == "@dana"
    vendors = sheet["vendors"]
    assert vendors == [{"id": "hosting-provider", "name": "Hosting provider",
                        "email": "support@example.net", "phone": "[phone]"}]
    assert report.people == ["shift-lead", "database-expert"]


def test_the_runbook_draft_has_every_section_and_marks_the_empty_ones(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    text = (root / "runbooks" / "imported" / "checkout-errors.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["Symptoms", "Diagnosis", "Mitigation", "Verification", "Escalation"]
    after_verification = text.split("## Verification")[1]
    assert '!!! warning "To fill"' in after_verification.split("## Escalation")[0]
    assert "tail -n 100" in text.split("## Diagnosis")[1].split("## Mitigation")[0]


def test_the_imported_site_reports_only_blanks_and_conflicts(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    run = check_paths([], root / "mkdocs.yml", today=DAY)
    found = sorted({(d.rule, Path(d.path).name) for d in run.diagnostics})
    assert found == [("OB101", "contacts.md"), ("OB204", "legacy.md")]
    lines = {d.line for d in run.diagnostics if d.rule == "OB204"}
    assert len(lines) == 1  # the holiday sentence, which the matrix's first value contradicts
    assert not [d for d in run.diagnostics if d.rule == "OB101" and "Dana" in d.message]


def test_mojibake_is_repaired_on_the_way_in(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    home = (root / "docs" / "imported" / "legacy.md").read_text(encoding="utf-8")
    assert "\u26a0\ufe0f Keep it open" in home
    assert repair_mojibake("go \u201a\u00fa\u00d6 done") == "go \u2705 done"  # Mac Roman
    assert repair_mojibake("caf\u00e9 na\u00efve") == "caf\u00e9 na\u00efve"  # left alone


def test_a_shell_block_with_a_placeholder_is_shown_as_text_with_a_note(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    text = (root / "runbooks" / "imported" / "checkout-errors.md").read_text(encoding="utf-8")
    assert "<!-- opsbook import: this was a bash block that does not parse" in text
    assert "```text\ngit revert <bad-commit>" in text
    assert mark_broken_shell("```bash\nls -l\n```") == "```bash\nls -l\n```"


def test_an_input_with_no_levels_or_contacts_still_makes_a_site(tmp_path: Path) -> None:
    root, report = imported(tmp_path, "# Notes\n\nRestart the thing when it breaks.\n")
    assert report.levels == ["SEV1", "SEV2", "SEV3", "SEV4"]
    found = {(d.rule, Path(d.path).name) for d in check_paths(
        [], root / "mkdocs.yml", today=DAY).diagnostics}
    assert found == {("OB101", "contacts.md")}  # the stand-in for who carries the pager


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff\xfe# x", r"legacy\.md:1: not UTF-8"),
    (b"abc\x00def", "binary"),
])
def test_unreadable_input_is_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_legacy("legacy.md", data)


def test_crlf_and_a_bom_are_normalised() -> None:
    assert read_legacy("x.md", b"\xef\xbb\xbf# A\r\nb\r\n") == "# A\nb\n"


CONTACT_SHAPES = """\
## Contacts

```yaml
Vendors:
  Cloud Host:
    Email: help@example.net
    Phone: +44 20 7946 0123
Night Lead:
  Name: [Name]
  Phone: Via the paging tool
  Email: night@example.com
```

Duty Manager: Sam Example - +1 202-555-0188 - sam@example.com

| Name | Phone | Email |
|------|-------|-------|
| Kit Example | +1 202-555-0177 | kit@example.com |
"""


def test_contact_shapes_become_people_and_vendors(tmp_path: Path) -> None:
    root, report = imported(tmp_path, CONTACT_SHAPES)
    assert report.vendors == ["cloud-host"]  # nested under "Vendors:"
    assert report.people == ["night-lead", "duty-manager", "kit-example"]
    sheet = frontmatter(root / "docs" / "contacts.md")
    people = {person["id"]: person for person in sheet["people"]}
    assert "phone" not in people["night-lead"]  # a remark, kept as a comment
    assert "# as written: phone: Via the paging tool" in (
        root / "docs" / "contacts.md").read_text(encoding="utf-8")
    assert people["duty-manager"] == {
        "id": "duty-manager", "name": "Sam Example", "phone": "+1 202-555-0188",
        "email": "sam@example.com", "role": "Duty Manager"}
    assert people["kit-example"]["phone"] == "+1 202-555-0177"
