"""The structure a blank sits in decides whether it is a contact to fill in now or a template
blank to fill during an incident: headings, message openers, quotations read out, template-like
blocks, logs, checklists, plain-text tables, and the words of several languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsbook.checks.placeholder_context import analyse, classify_heading
from opsbook.checks.placeholders import (
    aligned_tables,
    blank_value,
    find_placeholders,
    is_contact_label,
)
from opsbook.load.markdown import scan_blocks
from tests.support.sitekit import check_loose


def reported(tmp_path: Path, text: str, name: str = "guide.md") -> list[int]:
    return sorted(d.line for d in check_loose(tmp_path, {name: text})
                  if d.rule == "OB110")


@pytest.mark.parametrize(
    ("heading", "quiet", "contacts"),
    [
        ("Escalation Contact Template", False, True),
        ("Escalation Communication Template", True, False),
        ("Slack escalation message", True, False),
        ("Status update (copy into #incidents)", True, False),
        ("Schedule template", False, True),
        ("Template", True, False),
        ("Communications lead", False, True),
        ("Modèle de message aux clients", True, False),
        ("Meldevorlage Störung", True, False),
        ("Plantilla de aviso interno", True, False),
        ("障害報告テンプレート", True, False),
        ("連絡先", False, True),
        ("Contatos do plantão", False, True),
        ("Post-incident review", True, False),
        ("Opsgenie setup (alternative)", True, False),
    ],
)
def test_headings_say_what_a_section_holds(heading: str, quiet: bool, contacts: bool) -> None:
    kind = classify_heading(heading)
    assert (kind.quiet, kind.contacts) == (quiet, contacts)


def test_a_document_title_names_a_topic_not_a_template() -> None:
    assert not classify_heading("Postmortem process", level=1).quiet
    assert classify_heading("Communication templates", level=1).quiet


def quiet_lines(text: str) -> set[int]:
    lines = text.split("\n")
    return analyse(scan_blocks(lines), lines).quiet


def test_a_message_runs_from_its_subject_line_to_the_next_heading() -> None:
    text = ("## Customers\n\nSubject: outage of [product]\n\nDear [customer name],\n\n"
            "Call [account manager phone].\n\n## Contacts\n\nPhone: [Phone]\n")
    quiet = quiet_lines(text)
    assert {3, 5, 7} <= quiet
    assert 11 not in quiet


def test_a_greeting_quoted_in_prose_is_an_example_not_a_message() -> None:
    text = ('## Commander\n\nSay, for example:\n"Hello, I\'m [your name]."\n\n'
            "- Pool coordinator: [Name]\n- Pool alias: ic@example.com\n")
    quiet = quiet_lines(text)
    assert 4 in quiet
    assert 6 not in quiet


def test_blocks_whose_blanks_are_times_and_summaries_read_as_templates() -> None:
    text = ("## Notes\n\n```\nIncident: [Brief title]\nStarted: [Time]\n"
            "Lead: @[name]\nNext update: [Time]\n```\n\n```\nName: [Name]\nPhone: [Phone]\n"
            "Hours: [Hours]\n```\n")
    quiet = quiet_lines(text)
    assert {4, 5, 6, 7} <= quiet
    assert not {11, 12} & quiet


def test_quotations_logs_and_checklists_stay_quiet(tmp_path: Path) -> None:
    text = (
        "# Bridge\n\n## Escalation\n\n"
        '> "Hi all, this is [NAME], incident commander. [SCRIBE NAME] takes notes."\n\n'
        "- [ ] Note who coordinates: __________\n"
        "- Manager: [Name]\n\n"
        "| Time | Event | Who |\n|---|---|---|\n| 10:02 | Paged | |\n\n"
        "```\n2025-01-02T03:04:05Z WARN client=XXX.XXX.XX.XXX id=xxxxxxxx-xxxx\n```\n"
    )
    assert reported(tmp_path, text) == [8]


def test_a_rota_reports_blank_weeks_and_stand_ins_but_not_sentences(tmp_path: Path) -> None:
    text = (
        "# Rota\n\n- **Weeks 1-4:** Ana Silva\n- **Weeks 5-8:** TBD\n"
        "- **Weeks 9-12:** Engineer D\n- **Weeks 13-16:** to be confirmed after hiring\n\n"
        "Shadow [N] shifts before your first week.\n\n"
        "```yaml\nmembers:\n  - Person 1\n  - ana@example.com\n```\n"
    )
    assert reported(tmp_path, text) == [4, 5, 6, 12]


def test_table_rows_with_empty_contact_cells(tmp_path: Path) -> None:
    text = (
        "## Contacts\n\n| Role | Name | Phone | Slack |\n|---|---|---|---|\n"
        "| Primary | Ana Silva | +1 202-555-0143 | @ana |\n"
        "| Backup | Ben Okoro | | @ben |\n"
        "| Manager | n/a | n/a | n/a |\n"
        "| | | | |\n"
    )
    found = [d for d in check_loose(tmp_path, {"t.md": text}) if d.rule == "OB110"]
    assert [(d.line, d.column) for d in found] == [(6, text.splitlines()[5].index("| |") + 2)]
    assert "is empty" in found[0].message


def test_a_list_item_left_empty_among_filled_ones(tmp_path: Path) -> None:
    text = ("## People\n\n- Manager: Ana Silva\n- Deputy manager:\n- Desk: +1 202-555-0100\n\n"
            "**Escalation:**\n\n- Ana, then Ben\n")
    assert reported(tmp_path, text) == [4]


@pytest.mark.parametrize(
    "value",
    ["TBD", "a definir", "(preencher)", "por definir", "à compléter", "N.N.", "folgt",
     "nog in te vullen", "da definire", "未定", "（ベンダー名を記入）", "待定", "【待补充】",
     "미정", "(추후 기입)", "fylls i", "[update every sprint]", "[see the paging tool]",
     "<to be decided>", "to be confirmed after hiring", "Engineer A", "Manager X", "Persona 1",
     "Max Mustermann", "???", "@?"],
)
def test_blank_values_in_several_languages(value: str) -> None:
    assert blank_value(value)


@pytest.mark.parametrize(
    "value",
    ["Ana Silva", "+1 202-555-0143", "Unknown error patterns", "Pending approval from finance",
     "see the roster pinned in #noc", "open", "n/a", "Engineering team"],
)
def test_real_values_and_sentences_are_not_blank(value: str) -> None:
    assert not blank_value(value)


@pytest.mark.parametrize(
    ("label", "contact"),
    [("Phone", True), ("Teléfono de soporte", True), ("Referente fornitore rete", True),
     ("DBA on call", True), ("Vertretung", True), ("부담당자", True), ("エスカレーション先", True),
     ("On-call stipend", False), ("Slack thread", False), ("Mail server", False),
     ("Ticket number", False), ("IP address", False), ("Contact Information", False)],
)
def test_contact_labels(label: str, contact: bool) -> None:
    assert is_contact_label(label) is contact


@pytest.mark.parametrize("text", ["XXX.XXX.XX.XXX", "10.20.XXX.XXX/24", "id xxxxxxxx-xxxx"])
def test_masked_addresses_and_ids_are_not_phone_numbers(text: str) -> None:
    assert not [p for p in find_placeholders(text) if p.strong]


def test_plain_text_tables_aligned_with_spaces(tmp_path: Path) -> None:
    text = ("SUPPORT TIERS\n\n"
            "Tier    Who                  How to reach        Hours\n"
            "1       Service desk         +44 20 7946 0100    24/7\n"
            "2       App support                              08-20\n"
            "3       Vendor               <vendor hotline>    24/7\n")
    lines = text.split("\n")
    tables = aligned_tables(scan_blocks(lines), lines)
    assert [cells for _, cells in tables[0].rows][1] == ["2", "App support", "", "08-20"]
    assert reported(tmp_path, text, "tiers.txt") == [5, 6]


def test_a_markdown_example_keeps_its_nested_fences_inside() -> None:
    lines = ["```markdown", "# Report: [Title]", "```sql", "select 1;", "```",
             "**Author:** [Name]", "```", "after"]
    blocks = scan_blocks(lines)
    assert [(type(b).__name__, b.line) for b in blocks] == [("Fence", 1), ("TextLine", 8)]
    # An inner fence that never closes: the plain reading (first bare ``` ends it) is kept.
    lines = ["```md", "```sql", "select 1;", "```", "after"]
    assert [(type(b).__name__, b.line) for b in scan_blocks(lines)] == [
        ("Fence", 1), ("TextLine", 5)]


def test_stand_in_numbers_addresses_and_blanks_after_a_role_word(tmp_path: Path) -> None:
    text = (
        "# Escalation\n\n"
        "1. Page the duty manager at 555-555-5555.\n"
        "2. Then the lead, +1 202-555-0143.\n\n"
        "- Week 24: primary Ana Silva, secondary ______\n"
        "- Director: email firstname.lastname@example.com\n"
        "- Export size: 10000000000 rows\n"
    )
    assert reported(tmp_path, text) == [3, 6, 7]


def test_said_not_looked_up(tmp_path: Path) -> None:
    text = (
        "# Bridge\n\n## Deputy\n\n"
        'Say: "[NAME], you are my deputy. Please watch the timeline."\n\n'
        '"[NEW IC NAME] is now the incident commander."\n\n'
        "- Deputy pool owner: [Name]\n"
        '- Lead: "[Lead name]"\n'
    )
    assert reported(tmp_path, text) == [9, 10]


def test_manifests_example_output_and_anchors_stay_quiet(tmp_path: Path) -> None:
    text = (
        "# Quota\n\n## Vendor\n\n"
        "```yaml\napiVersion: v1\nkind: Claim\nmetadata:\n  name: <claim_name>\n```\n\n"
        "You should see:\n\n```\n<IP Address>   Connected to 10.1.0.25.\n```\n\n"
        "See [#no-download-email] above. Node xxxxxxx-xxxxxx-xxxxx drained.\n"
    )
    assert reported(tmp_path, text) == []


def test_a_rota_by_day_reports_empty_shifts(tmp_path: Path) -> None:
    text = ("| Day | Early shift | Late shift | Notes |\n|---|---|---|---|\n"
            "| Mon | Ana Silva | Ben Okoro | |\n| Tue | Ana Silva | | |\n"
            "| Wed | Dev A | Ben Okoro | swap |\n")
    assert reported(tmp_path, text) == [4, 5]


def test_exports_boxes_and_tables_of_people(tmp_path: Path) -> None:
    text = (
        "# Search\n\n```yaml\nlevels:\n  - target: lead\n    name: \"Primary Name\"\n"
        "    phone: \"\"\n```\n\n"
        "```\n╔═════════════════════╗\n║  On-call phone: ____  ║\n"
        "╚═════════════════════╝\n```\n\n"
        "| Who | How |\n|---|---|\n| Messaging lead | [fill in] |\n| On-call | paging tool |\n"
    )
    assert reported(tmp_path, text) == [6, 7, 12, 18]


def test_incident_roles_are_fields_of_the_incident_outside_a_contact_list(
    tmp_path: Path,
) -> None:
    text = ("# Plan\n\n## Drill\n\nIncident commander: [Name]\nReviewed by: [Name]\n\n"
            "## Emergency contacts\n\nIncident commander pool: [Phone]\n"
            "Incident commander: [Phone]\n")
    assert reported(tmp_path, text) == [10, 11]


def test_a_sentence_introducing_people_makes_a_list_of_them(tmp_path: Path) -> None:
    text = ("# Comms\n\n## External\n\nThe comms lead writes the status page. Current comms "
            "leads:\n\n- Weekdays: Ana Silva\n- Weekends: [needs an owner]\n")
    assert reported(tmp_path, text) == [8]


def test_key_value_tables_and_blanks_holding_commas(tmp_path: Path) -> None:
    text = ("# Card\n\n| Item | Value |\n|---|---|\n| Channel | #ops |\n"
            "| Backup contact | |\n| Primary contact | Ana Silva |\n\n"
            "1. Legal — Ben Okoro, +1 202-555-0143\n2. Privacy officer — [DPO name, phone]\n")
    assert reported(tmp_path, text) == [6, 10]


def test_stand_ins_inside_a_rota_line_and_examples_of_a_rota(tmp_path: Path) -> None:
    text = ("# Rotation\n\n## Current\n\n"
            "```\nWeek 1: Ana Silva (primary), Engineer B (backup)\n```\n\n"
            "## What a rotation looks like (example)\n\n"
            "```\nWeek 1: Engineer A (primary), Engineer B (backup)\n```\n\n"
            "- September: to be defined\n")
    assert reported(tmp_path, text) == [6]
