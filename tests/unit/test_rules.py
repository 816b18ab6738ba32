"""Every rule: a fixture that triggers it (rule, path, line) and a near miss that must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsbook.checks import ALL_RULES
from tests.support.sitekit import CONTACTS, MATRIX, RUNBOOK, check_loose, check_site, rules_at


def rule_ids(diagnostics: list) -> set[str]:  # type: ignore[type-arg]
    return {d.rule for d in diagnostics}


def test_valid_site_is_clean(tmp_path: Path) -> None:
    assert check_site(tmp_path) == []


def test_every_rule_is_documented() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    for rule in ALL_RULES:
        assert rule.summary and rule.why and rule.bad and rule.good and rule.fix, rule.id
        assert rule.id.startswith("OB") and len(rule.id) == 5


# One file of the valid site written or changed, and the finding it must give there.
FOUND_AT = [
    pytest.param("docs/page.md", "---\ntitle: x\n# no closing fence\n", ("OB004", "page.md", 1),
                 id="ob004-unclosed-fence"),
    pytest.param("docs/x.md", "---\nkind: runbok\n---\n", ("OB005", "x.md", 2),
                 id="ob005-unknown-kind"),
    pytest.param("runbooks/api/api-down.md",
                 RUNBOOK.replace("owner: core\n", "owner: core\nowner: core\n"),
                 ("OB008", "api-down.md", 6), id="ob008-duplicate-key"),
    *(pytest.param("docs/contacts.md", CONTACTS.replace('"+1 202-555-0111"', f'"{value}"'),
                   ("OB101", "contacts.md", 6), id=f"ob101-placeholder-phone-{value}")
      for value in ["+1-XXX-XXX-XXXX", "[Phone number]", "555-XXXX", "______ (UPDATE THIS!)",
                    "TBD", "[See PagerDuty]", ""]),
    *(pytest.param("docs/contacts.md", CONTACTS.replace("name: Ana Silva", f'name: "{value}"'),
                   ("OB101", "contacts.md", 5), id=f"ob101-placeholder-name-{value}")
      for value in ["[Name]", "TODO", "changeme", "Engineer A"]),
    pytest.param("docs/contacts.md",
                 CONTACTS.replace("email: ana@example.com", 'email: "<your-email>"'),
                 ("OB101", "contacts.md", 7), id="ob101-placeholder-email"),
    pytest.param("docs/contacts.md", CONTACTS.replace('"+1 202-555-0111"', '"202-555-011"'),
                 ("OB102", "contacts.md", 6), id="ob102-invalid-phone"),
    pytest.param("docs/contacts.md",
                 CONTACTS.replace("email: ana@example.com", "email: ana.example.com"),
                 ("OB103", "contacts.md", 7), id="ob103-invalid-email"),
    pytest.param("docs/contacts.md",
                 CONTACTS.replace("timezone: Europe/London", "timezone: Europe/Londn"),
                 ("OB104", "contacts.md", 9), id="ob104-unknown-timezone"),
    pytest.param("docs/contacts.md", CONTACTS.replace("after: 15m", "after: 0m"),
                 ("OB107", "contacts.md", 24), id="ob107-escalation-not-increasing"),
    pytest.param("docs/contacts.md", CONTACTS.replace("  - id: ben\n", "  - id: ana\n"),
                 ("OB109", "contacts.md", 10), id="ob109-duplicate-person"),
    pytest.param("runbooks/api/copy.md", RUNBOOK.replace("alerts: [ApiDown]", "alerts: [ApiSlow]"),
                 ("OB302", "copy.md", 2), id="ob302-duplicate-runbook-id"),
    pytest.param("runbooks/api/api-down.md", RUNBOOK.replace("owner: core", "owner: cor"),
                 ("OB303", "api-down.md", 5), id="ob303-unknown-owner"),
]


@pytest.mark.parametrize(("path", "text", "finding"), FOUND_AT)
def test_rule_found_at(tmp_path: Path, path: str, text: str, finding: tuple[str, str, int]
                       ) -> None:
    assert finding in rules_at(check_site(tmp_path, {path: text}))


# --- OB0xx load --------------------------------------------------------------------------


def test_ob002_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir(parents=True)
    (tmp_path / "docs" / "latin.md").write_bytes(b"# Caf\xe9\nline two\n")
    found = check_site(tmp_path)
    assert ("OB002", "latin.md", 1) in rules_at(found)


def test_ob003_invalid_yaml_reports_yaml_line(tmp_path: Path) -> None:
    found = check_site(tmp_path, {"runbooks/api/bad.md": "---\nid: bad\nalerts: [A, B\n---\n"})
    hits = [d for d in found if d.rule == "OB003"]
    assert hits and hits[0].path == "runbooks/api/bad.md"
    assert hits[0].line in (3, 4)


def test_ob004_not_a_mapping(tmp_path: Path) -> None:
    found = check_site(tmp_path, {"docs/page.md": "---\n- a\n- b\n---\n# x\n"})
    assert "OB004" in rule_ids(found)


def test_ob006_unknown_field_with_suggestion(tmp_path: Path) -> None:
    text = RUNBOOK.replace("severity: SEV1", "severty: SEV1")
    found = check_site(tmp_path, {"runbooks/api/api-down.md": text})
    hit = next(d for d in found if d.rule == "OB006")
    assert hit.line == 6 and "severity" in hit.hint


def test_ob007_wrong_type_and_missing_field(tmp_path: Path) -> None:
    text = RUNBOOK.replace('last_reviewed: 2026-11-01', "last_reviewed: [2026]")
    text = text.replace("title: API down\n", "")
    found = check_site(tmp_path, {"runbooks/api/api-down.md": text})
    messages = [d.message for d in found if d.rule == "OB007"]
    assert any("last_reviewed" in m and "a list" in m for m in messages)
    assert any("missing required field `title`" in m for m in messages)


def test_ob007_phone_read_as_integer(tmp_path: Path) -> None:
    contacts = CONTACTS.replace('phone: "+1 202-555-0111"', "phone: +12025550111")
    found = check_site(tmp_path, {"docs/contacts.md": contacts})
    hit = next(d for d in found if d.rule == "OB007")
    assert hit.line == 6 and "integer" in hit.message


def test_ob009_alias_bomb_refused(tmp_path: Path) -> None:
    lines = ["---", 'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for index in range(1, 9):
        refs = ", ".join([f"*a{index - 1}"] * 10)
        lines.append(f"a{index}: &a{index} [{refs}]")
    found = check_site(tmp_path, {"docs/bomb.md": "\n".join(lines) + "\n---\n"})
    assert "OB009" in rule_ids(found)


# --- OB1xx contacts ----------------------------------------------------------------------


def test_ob101_contact_template_fails_until_filled(tmp_path: Path) -> None:
    template = CONTACTS.replace("kind: contacts\n", "kind: contacts\ntemplate: true\n").replace(
        "name: Ben Okoro", 'name: "[Name]"'
    )
    found = check_site(tmp_path, {"docs/contacts.md": template})
    hit = next(d for d in found if d.rule == "OB101")
    assert "template" in hit.message


def test_ob102_near_miss_other_formats(tmp_path: Path) -> None:
    contacts = CONTACTS.replace('"+1 202-555-0111"', '"+1 (202) 555-0111"')
    assert check_site(tmp_path, {"docs/contacts.md": contacts}) == []


def test_ob105_unknown_reference(tmp_path: Path) -> None:
    contacts = CONTACTS.replace("notify: [ben]", "notify: [bem]")
    found = check_site(tmp_path, {"docs/contacts.md": contacts})
    hit = next(d for d in found if d.rule == "OB105")
    assert hit.line == 25 and "bem" in hit.message


def test_ob106_empty_escalation(tmp_path: Path) -> None:
    start = CONTACTS.index("    escalation:")
    end = CONTACTS.index("vendors:")
    contacts = CONTACTS[:start] + "    escalation: []\n" + CONTACTS[end:]
    found = check_site(tmp_path, {"docs/contacts.md": contacts})
    assert "OB106" in rule_ids(found)


def test_ob108_unreachable(tmp_path: Path) -> None:
    contacts = CONTACTS.replace('    phone: "+44 20 7946 0222"\n    email: ben@example.com\n', "")
    found = check_site(tmp_path, {"docs/contacts.md": contacts})
    assert "OB108" in rule_ids(found)


# --- OB2xx severity ----------------------------------------------------------------------


def test_ob201_unknown_severity_and_alias_accepted(tmp_path: Path) -> None:
    found = check_site(tmp_path, {"runbooks/api/api-down.md": RUNBOOK.replace("SEV1", "SEV0")})
    assert ("OB201", "api-down.md", 6) in rules_at(found)
    clean = check_site(tmp_path, {"runbooks/api/api-down.md": RUNBOOK.replace("SEV1", "p1")})
    assert clean == []


def test_ob202_alias_collision(tmp_path: Path) -> None:
    matrix = MATRIX.replace("aliases: [P2]", "aliases: [P1]")
    found = check_site(tmp_path, {"docs/severity.md": matrix})
    assert "OB202" in rule_ids(found)


def test_ob203_not_monotonic(tmp_path: Path) -> None:
    matrix = MATRIX.replace("acknowledge: 1h", "acknowledge: 10m")
    found = check_site(tmp_path, {"docs/severity.md": matrix})
    hit = next(d for d in found if d.rule == "OB203")
    assert hit.line == 23


ROW_TABLE = """\
# Response times

| Severity | Acknowledge | Initial response | Status updates | Resolution target |
|---|---|---|---|---|
| **SEV1 (Critical)** | 5 minutes | < 15 min | Every 30 minutes | 4h |
| P2 - High | Within 15 minutes | 30 minutes | Hourly | 8 hours |
| SEV3 | 1 hour | 4 hours | Daily | 3 days |
"""


def test_ob204_agreeing_table_is_clean(tmp_path: Path) -> None:
    assert check_site(tmp_path, {"docs/times.md": ROW_TABLE}) == []


def test_ob204_row_table_disagrees(tmp_path: Path) -> None:
    found = check_site(tmp_path, {"docs/times.md": ROW_TABLE.replace("< 15 min", "< 20 min")})
    hit = next(d for d in found if d.rule == "OB204")
    assert (hit.path, hit.line) == ("docs/times.md", 5)
    assert "20 min" in hit.message and "15m" in hit.message
    assert hit.column == ROW_TABLE.splitlines()[4].index("< 15 min") + 1


def test_ob204_transposed_table(tmp_path: Path) -> None:
    page = "| | SEV1 | SEV2 |\n|---|---|---|\n| **Response Time** | Immediate | 30 min |\n"
    found = check_site(tmp_path, {"docs/t.md": page})
    hits = [d for d in found if d.rule == "OB204"]
    assert [(d.line, "SEV1" in d.message) for d in hits] == [(3, True)]


def test_ob204_fenced_yaml_block(tmp_path: Path) -> None:
    page = "```yaml\nSEV2 (High):\n  Acknowledgment: 15 minutes\n  Initial response: 1 hour\n```\n"
    found = check_site(tmp_path, {"docs/sla.md": page})
    assert rules_at(found) == {("OB204", "sla.md", 4)}


def test_ob204_ignores_unrelated_columns(tmp_path: Path) -> None:
    page = "| Alert type | Max silence | Approval |\n|---|---|---|\n| SEV1 | 1 hour | Manager |\n"
    assert check_site(tmp_path, {"docs/silence.md": page}) == []


def test_ob205_legacy_contradiction_names_both_lines(tmp_path: Path) -> None:
    page = (
        "# Guide\n\n```yaml\nSEV1 (Critical):\n  Acknowledgment: 5 minutes\n"
        "  Initial response: 15 minutes\n```\n\n| Factor | SEV1 | SEV2 |\n|---|---|---|\n"
        "| **Response Time** | Immediate | Within 1 hour |\n"
    )
    found = check_loose(tmp_path, {"legacy.md": page})
    hit = next(d for d in found if d.rule == "OB205")
    assert hit.line == 11 and "line 6" in hit.message and hit.related[0].line == 6


def test_ob205_consistent_legacy_is_clean(tmp_path: Path) -> None:
    page = "| Severity | Response Time |\n|---|---|\n| P0 | Immediate |\n| P1 | 15 min |\n"
    assert [d for d in check_loose(tmp_path, {"legacy.md": page}) if d.rule == "OB205"] == []


def test_ob206_two_matrices(tmp_path: Path) -> None:
    found = check_site(tmp_path, {"docs/severity2.md": MATRIX})
    assert "OB206" in rule_ids(found)


# --- OB3xx runbooks ----------------------------------------------------------------------


def test_ob301_missing_section(tmp_path: Path) -> None:
    text = RUNBOOK.replace("## Verification\nCheck.\n\n", "")
    found = check_site(tmp_path, {"runbooks/api/api-down.md": text})
    hit = next(d for d in found if d.rule == "OB301")
    assert "Verification" in hit.message and hit.line == 11


def test_ob304_review_overdue_depends_on_today(tmp_path: Path) -> None:
    assert check_site(tmp_path, today="2027-01-29") == []
    found = check_site(tmp_path, today="2027-01-31")
    hit = next(d for d in found if d.rule == "OB304")
    assert hit.line == 8 and hit.level.value == "warning" and "2027-01-30" in hit.message


def test_ob305_alert_claimed_twice(tmp_path: Path) -> None:
    other = RUNBOOK.replace("id: api-down", "id: api-slow")
    found = check_site(tmp_path, {"runbooks/api/api-slow.md": other})
    assert "OB305" in rule_ids(found)


# --- OB5xx text, OB6xx code, OB9xx suppressions ------------------------------------------


def test_ob501_mojibake(tmp_path: Path) -> None:
    found = check_loose(tmp_path, {"a.md": "# Title\n\nâš ï¸ **Warning**\n\n⚠️ fine\n"})
    assert rules_at(found) == {("OB501", "a.md", 3)}


def test_ob502_bom_is_stripped_and_reported(tmp_path: Path) -> None:
    (tmp_path / "runbooks" / "api").mkdir(parents=True)
    (tmp_path / "runbooks/api/api-down.md").write_bytes(b"\xef\xbb\xbf" + RUNBOOK.encode())
    found = check_site(tmp_path, {"runbooks/api/api-down.md": None})  # type: ignore[dict-item]
    assert rule_ids(found) == {"OB502"}


def test_ob601_shell_syntax(tmp_path: Path) -> None:
    text = RUNBOOK.replace("Look.", "```bash\nkubectl get pods\necho \"unterminated\n```")
    found = check_site(tmp_path, {"runbooks/api/api-down.md": text})
    assert "OB601" in rule_ids(found)
    good = RUNBOOK.replace("Look.", "```bash\nkubectl get pods | grep -c Running\n```")
    assert check_site(tmp_path, {"runbooks/api/api-down.md": good}) == []


def test_suppression_and_unused_suppression(tmp_path: Path) -> None:
    page = "<!-- opsbook: disable OB110 -->\nPhone: +1-XXX-XXX-XXXX\n"
    assert check_site(tmp_path, {"docs/p.md": page}) == []
    unused = "<!-- opsbook: disable OB110 -->\nPhone: +1 202-555-0111\n"
    found = check_site(tmp_path, {"docs/p.md": unused})
    assert rules_at(found) == {("OB901", "p.md", 1)}


def test_disable_file(tmp_path: Path) -> None:
    page = "<!-- opsbook: disable-file OB110 -->\n\nPhone: [Phone]\n\nEmail: TBD\n"
    assert check_site(tmp_path, {"docs/p.md": page}) == []


def test_config_ignore(tmp_path: Path) -> None:
    from tests.support.sitekit import MKDOCS_YML

    config = MKDOCS_YML + "      ignore: [OB110]\n"
    page = "Phone: +1-XXX-XXX-XXXX\n"
    assert check_site(tmp_path, {"mkdocs.yml": config, "docs/p.md": page}) == []


def test_ob205_prose_against_keyed_section(tmp_path: Path) -> None:
    page = (
        "### P1: Critical\n\n**Response Time:** Immediate (< 5 minutes)\n\n"
        "### After hours\n\n- Respond to P1/P2 alerts within 15 minutes\n"
        "- Escalate unresolved P1 incidents after 30 minutes\n"
    )
    found = check_loose(tmp_path, {"guide.md": page})
    assert [(d.rule, d.line) for d in found] == [("OB205", 7)]
    assert "P1" in found[0].message and "line 3" in found[0].message


def test_ob204_prose_against_matrix(tmp_path: Path) -> None:
    page = (
        "Acknowledge SEV1 pages within 10 minutes.\n\n"
        "Post status updates every 30 minutes for SEV1, every hour for SEV2.\n\n"
        "A high error rate within 5 minutes of a deploy means roll back.\n"
    )
    found = check_site(tmp_path, {"docs/prose.md": page})
    assert [(d.rule, d.line) for d in found] == [("OB204", 1)]


def test_ob303_site_without_contacts(tmp_path: Path) -> None:
    from tests.support.sitekit import make_site

    make_site(tmp_path)
    (tmp_path / "docs" / "contacts.md").unlink()
    found = check_site(tmp_path, {"docs/contacts.md": None})  # type: ignore[dict-item]
    hit = next(d for d in found if d.rule == "OB303")
    assert "no contacts file" in hit.message


def test_two_matrices_reported_the_same_in_any_order(tmp_path: Path) -> None:
    from opsbook.checks import run_checks
    from opsbook.model.project import load_project, site_files
    from opsbook.settings import load_config
    from tests.support.sitekit import make_site

    config_file = make_site(tmp_path, {"docs/zz-severity.md": MATRIX})
    config = load_config(config_file)
    files = site_files(config)
    forward = run_checks(load_project(config, files, base=tmp_path))
    backward = run_checks(load_project(config, list(reversed(files)), base=tmp_path))
    assert forward == backward
    assert [d.path for d in forward if d.rule == "OB206"] == ["docs/zz-severity.md"]
