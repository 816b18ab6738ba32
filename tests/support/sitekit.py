"""Tiny handbooks written by the tests themselves."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsbook.diagnostics import Diagnostic
from opsbook.run import check_paths

MKDOCS_YML = """\
site_name: Test handbook
docs_dir: docs
theme:
  name: material
plugins:
  - search
  - opsbook:
      runbooks_dir: runbooks
"""

MATRIX = """\
---
kind: severity-matrix
levels:
  - id: SEV1
    aliases: [P1, Critical]
    summary: Outage
    acknowledge: 5m
    respond: 15m
    update_every: 30m
    resolve: 4h
    page: true
  - id: SEV2
    aliases: [P2]
    summary: Degraded
    acknowledge: 15m
    respond: 30m
    update_every: 1h
    resolve: 8h
    page: true
  - id: SEV3
    aliases: [P3]
    summary: Minor
    acknowledge: 1h
    respond: 4h
    update_every: 1d
    resolve: 3d
---
# Severity
"""

CONTACTS = """\
---
kind: contacts
people:
  - id: ana
    name: Ana Silva
    phone: "+1 202-555-0111"
    email: ana@example.com
    slack: "@ana"
    timezone: Europe/London
  - id: ben
    name: Ben Okoro
    phone: "+44 20 7946 0222"
    email: ben@example.com
    timezone: America/Chicago
teams:
  - id: core
    name: Core
    channel: "#core"
    members: [ana, ben]
    services: [api]
    escalation:
      - after: 0m
        notify: [ana]
      - after: 15m
        notify: [ben]
vendors:
  - id: hostco
    name: HostCo
    phone: "+44 20 7946 0999"
    email: support@example.com
---
# Contacts
"""

RUNBOOK = """\
---
id: api-down
title: API down
service: api
owner: core
severity: SEV1
alerts: [ApiDown]
last_reviewed: 2026-11-01
review_every: 90d
---

## Symptoms
Errors.

## Diagnosis
Look.

## Mitigation
Fix.

## Verification
Check.

## Escalation
Call.
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text,
                        encoding="utf-8")


def make_site(root: Path, files: dict[str, str] | None = None) -> Path:
    """A valid handbook (matrix, contacts, one runbook) with ``files`` added or replaced."""
    base = {
        "mkdocs.yml": MKDOCS_YML,
        "docs/index.md": "# Home\n",
        "docs/severity.md": MATRIX,
        "docs/contacts.md": CONTACTS,
        "runbooks/api/api-down.md": RUNBOOK,
    }
    base.update(files or {})
    write(root, {name: text for name, text in base.items() if text is not None})
    return root / "mkdocs.yml"


def check_site(root: Path, files: dict[str, str] | None = None,
               today: str = "2026-11-25") -> list[Diagnostic]:
    import datetime as dt

    config = make_site(root, files)
    return check_paths([], config, today=dt.date.fromisoformat(today)).diagnostics


def check_loose(root: Path, files: dict[str, str]) -> list[Diagnostic]:
    write(root, files)
    return check_paths([root / name for name in files], None).diagnostics


def rules_at(diagnostics: list[Diagnostic]) -> set[tuple[str, str, int]]:
    return {(d.rule, d.path.rsplit("/", 1)[-1], d.line) for d in diagnostics}
