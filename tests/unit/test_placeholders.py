"""Placeholder contacts in the shapes real handbooks leave them (fixtures written here, in the
same shapes as the public handbooks opsbook was designed against), and the template blanks
that must never be reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsbook.checks.placeholders import find_placeholders, value_placeholder
from tests.support.sitekit import check_loose


def findings(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    return [(d.line, d.rule) for d in check_loose(tmp_path, {"guide.md": text})
            if d.rule == "OB110"]


YAML_ROSTER = """\
# Guide

## Contact information

```yaml
Engineering Lead:
  Name: [Name]
  Phone: +1-XXX-XXX-XXXX
  Email: lead@example.com
  Slack: @lead

On-Call Primary:
  Name: [Current rotation - see PagerDuty]
  Phone: [See PagerDuty]
```
"""


def test_yaml_roster_block(tmp_path: Path) -> None:
    assert findings(tmp_path, YAML_ROSTER) == [(7, "OB110"), (8, "OB110"), (13, "OB110"),
                                               (14, "OB110")]


UNDERSCORE_SHEET = """\
### Level 2

**Contact Information:** (UPDATE BEFORE ON-CALL SHIFT)

```
Name:          ______________________ (UPDATE THIS!)
Phone:         ______________________ (UPDATE THIS!)
Timezone:      ______________________ (UPDATE THIS!)
```
"""


def test_underscore_sheet(tmp_path: Path) -> None:
    assert [line for line, _ in findings(tmp_path, UNDERSCORE_SHEET)] == [6, 7, 8]


DASHED_LIST = """\
## Contacts

- **Week 1-2:** Engineer A - [phone] - [email]
- **Engineering Lead:** [phone] - [email]
- **Hosting vendor:** [support portal] - [phone]
- **Status page:** https://status.example.com
"""


def test_dashed_list(tmp_path: Path) -> None:
    assert [line for line, _ in findings(tmp_path, DASHED_LIST)] == [3, 4, 5]


SCHEDULE_AND_CHAIN = """\
### Schedule Template

| Week | Primary | Secondary | Manager |
|------|---------|-----------|---------|
| Week 1 | Engineer A | Engineer B | Manager X |
| Week 2 | Ana Silva | Ben Okoro | Cy Tran |

```
Primary On-Call: [Check PagerDuty schedule]
VP Engineering: [Name] - [Phone] - [Email]
Security Team: security@example.com
```
"""


def test_schedule_table_and_chain(tmp_path: Path) -> None:
    assert [line for line, _ in findings(tmp_path, SCHEDULE_AND_CHAIN)] == [5, 9, 10]


TEMPLATES = """\
## Communication Templates

### Initial notice

```
INCIDENT: [Brief Title]
Started: [Time]
Incident Commander: @[name]
Next update: [Time]
```

### Escalation Communication Template

```markdown
Severity: SEV1
On-Call: [Your name]
Time Started: [Timestamp UTC]
```

**Handoff Notes Template:**

```markdown
**Outgoing:** [Name]
**Incoming:** [Name]
```

<!-- opsbook: template -->
Owner: [Name]
<!-- opsbook: end-template -->

```template
Phone: [Phone]
```
"""


def test_communication_templates_are_exempt(tmp_path: Path) -> None:
    assert findings(tmp_path, TEMPLATES) == []


def test_contact_template_is_not_exempt(tmp_path: Path) -> None:
    text = "### Escalation Contact Template\n\n```yaml\nLead:\n  Phone: [Phone number]\n```\n"
    assert findings(tmp_path, text) == [(5, "OB110")]


NEAR_MISSES = """\
# Runbook notes

- [ ] Verify paging works
- [x] Laptop ready
- See [the dashboard](https://grafana.example.com) and [ref][1]
- On-call stipend: [Amount] per week
- Slack thread: [Link to thread]
- Incident: [Brief description]
- Note: update this table when the rotation changes

```bash
if [ -z "$phone" ]; then echo "[name]"; fi
```

    5 minutes: SMS to [phone]

Use `Phone: [Name]` as the format (in code, so not a value).
"""


def test_near_misses_are_not_reported(tmp_path: Path) -> None:
    assert findings(tmp_path, NEAR_MISSES) == []


@pytest.mark.parametrize(
    "value",
    ["+1-XXX-XXX-XXXX", "555-XXXX", "[Phone number]", "______", "TBD", "TODO", "UPDATE THIS",
     "<your-email>", "[See PagerDuty]", "changeme", "", "  "],
)
def test_value_placeholders(value: str) -> None:
    assert value_placeholder(value) is not None


@pytest.mark.parametrize(
    "value", ["+1 202-555-0143", "Ana Silva", "ana@example.com", "@ana", "Europe/London",
              "#core-oncall", "https://support.example.com/tickets"],
)
def test_real_values_are_not_placeholders(value: str) -> None:
    assert value_placeholder(value) is None


def test_masked_phone_is_strong_anywhere() -> None:
    found = find_placeholders("call +1 (202) XXX-XXXX now")
    assert found and found[0].strong


def test_table_finding_points_at_the_cell(tmp_path: Path) -> None:
    from tests.support.sitekit import check_loose

    table = "| Week | On-call |\n|---|---|\n| 1 | Ana Silva |\n| 2 | [Name] |\n"
    found = [d for d in check_loose(tmp_path, {"rota.md": table}) if d.rule == "OB110"]
    assert [(d.line, d.column) for d in found] == [(4, table.splitlines()[3].index("[") + 1)]
