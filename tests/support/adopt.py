"""Helpers for the `opsbook init` / `opsbook import` tests: filling in a contact template the way
a team would, and a legacy handbook written for these tests (reserved example data only)."""

from __future__ import annotations

import re
from pathlib import Path

TODAY = "2026-11-25"

_FILLS = {
    "name": "Robin Example",
    "phone": "+1 202-555-0134",
    "email": "robin@example.com",
    "slack": "@robin",
    "channel": "#web-incidents",
}
_BLANK = re.compile(r'^(\s*)(name|phone|email|slack|channel): "\[[^"\]]*\]"$')


def fill_contacts(path: Path) -> None:
    """Replace every bracketed blank of a contact template with a real-looking value, and drop
    the `template: true` line, as the HANDBOOK.md steps say."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _BLANK.match(line)
        if match:
            line = f'{match.group(1)}{match.group(2)}: "{_FILLS[match.group(2)]}"'
        if line.strip() == "template: true":
            continue
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


HAND_WRITTEN_MKDOCS = """\
# Docs for the web team; opsbook must not touch a byte of what is here.
site_name: Web team docs   # shown in the header
nav:
  - Home: index.md
theme:
  name: material
  palette:
    primary: teal

plugins:
  - search:
      lang: en
  # Tags on every page.
  - tags

# Extensions we rely on.
markdown_extensions:
  - toc:
      permalink: "#"
"""

# A legacy handbook in the shapes real ones use: a severity table contradicted further down, a
# contacts block full of blanks, one-line contacts, a procedure with bold labels, a message
# template with fill-at-incident-time blanks, sections that map to nothing, an emoji
# double-encoded into mojibake, and a shell block holding a placeholder.
LEGACY = """\
# Acme Widgets Support Handbook

Read this before your first on-call week. \u00e2\u0161\u00a0\u00ef\u00b8\u008f Keep it \
open during incidents.

## Priority Levels

| Priority | Impact | Response Time | Resolution |
|----------|--------|---------------|------------|
| **P1 - Critical** | Shop is down | 10 minutes | 4 hours |
| **P2 - Major** | Checkout is slow | 30 minutes | 1 day |
| **P3 - Minor** | A page looks wrong | 4 hours | 1 week |

## Who To Call

```yaml
Shift Lead:
  Name: [Lead name]
  Phone: +1-XXX-XXX-XXXX
  Email: lead@example.com

Database Expert:
  Name: Dana Example
  Phone: [Phone number]
  Slack: @dana
```

- **Hosting provider:** support@example.net - [phone]

## Playbook: Checkout Errors

**Symptoms:**
- Customers see an error page after paying.

**Investigation:**
```bash
tail -n 100 /var/log/shop/checkout.log
```

**Fix:**
```bash
git revert <bad-commit>
```

## Message Templates

### Status page notice

```
We are looking into [short description]. Next update at [Time].
```

## Holidays

Swap shifts with a colleague and tell the team channel. P1 incidents get a response within \
20 minutes on public holidays.

## Glossary

An outage is any time customers cannot buy widgets.
"""
