"""The small handbook every rule's bad and good example lives in.

A rule's examples are whole files (:attr:`Rule.example_path`): either a file of this handbook,
replaced, or a loose legacy file on its own. What the catalogue, `opsbook rule` and SARIF show
is therefore something `opsbook check` can be run on, and a test does exactly that for every
rule: the bad example yields that rule and nothing else, the good one yields nothing.
"""

from __future__ import annotations

from opsbook.checks.rule import Rule

EXAMPLE_TODAY = "2026-11-15"
"""The day the examples are checked on (review dates in them are relative to it)."""

RUNBOOK_PATH = "runbooks/payments/payments-down.md"

EXAMPLE_RUNBOOK = """\
---
id: payments-down
title: Payments are failing
service: payments
owner: payments
severity: SEV1
alerts: [PaymentsDown]
last_reviewed: 2026-11-01
---

## Symptoms
Checkout returns errors.

## Diagnosis
Read the provider's status page.

## Mitigation
Switch to the backup provider.

## Verification
A test payment succeeds.

## Escalation
Page the Payments ladder.
"""
"""The example handbook's one runbook; runbook rules show it with one thing changed."""

SECOND_RUNBOOK = (
    EXAMPLE_RUNBOOK.replace("payments-down", "payments-slow")
    .replace("[PaymentsDown]", "[PaymentsSlow]")
    .replace("title: Payments are failing", "title: Payments are slow")
)
"""A second runbook beside it (the rules that compare runbooks with each other)."""

EXAMPLE_MATRIX = """\
---
kind: severity-matrix
levels:
  - id: SEV1
    aliases: [P1]
    summary: Customers cannot pay
    acknowledge: 10m
    respond: 20m
    update_every: 45m
    resolve: 6h
  - id: SEV2
    aliases: [P2]
    summary: Payments are slow
    acknowledge: 30m
    respond: 1h
    update_every: 2h
    resolve: 1d
---
# Severity levels
"""
"""The example handbook's severity matrix; matrix rules show it with one thing changed."""

EXAMPLE_HANDBOOK: dict[str, str] = {
    "mkdocs.yml": """\
site_name: Example handbook
plugins:
  - opsbook
""",
    "docs/index.md": "# Example handbook\n",
    "docs/severity.md": EXAMPLE_MATRIX,
    "docs/contacts.md": """\
---
kind: contacts
people:
  - id: amara
    name: Amara Okafor
    phone: "+1 202-555-0100"
    email: amara@example.com
    timezone: America/New_York
teams:
  - id: payments
    name: Payments
    channel: "#payments-oncall"
    members: [amara]
    services: [payments]
    escalation:
      - after: 0m
        notify: [amara]
---
# Contacts
""",
    RUNBOOK_PATH: EXAMPLE_RUNBOOK,
}


CONTACTS_PATH = "docs/contacts-support.md"
"""A second contacts file beside the handbook's own: where the contacts rules show theirs."""


def contacts_sheet(*lines: str) -> str:
    """A contacts file holding just these YAML lines (``people:``, ``teams:`` and their items),
    so each contacts rule's example spells out only the entries it is about."""
    return "---\nkind: contacts\n" + "".join(f"{line}\n" for line in lines) + "---\n"


def escalation(*steps: tuple[str, str]) -> tuple[str, ...]:
    """A team's ``escalation:`` lines, one step per ``(after, person)``; no steps: an empty list."""
    if not steps:
        return ("    escalation: []",)
    return ("    escalation:",
            *(line for after, person in steps
              for line in (f"      - after: {after}", f"        notify: [{person}]")))


JONAS = ("  - id: jonas", "    name: Jonas Weber")
"""The person of the contacts examples (an item of ``people:``), before the fields they vary."""
JONAS_PHONE = '    phone: "+44 20 7946 0321"'
JONAS_SHEET = contacts_sheet("people:", *JONAS, JONAS_PHONE)
"""Jonas with a good phone number: the fixed example of the rules about a person's fields."""

SUPPORT = ("  - id: support", "    name: Support", '    channel: "#support"')
"""The team of the contacts examples (an item of ``teams:``), before its escalation."""
SUPPORT_SHEET = contacts_sheet("teams:", *SUPPORT, *escalation(("0m", "amara")))
"""Support paging Amara (of the handbook's own contacts) first: a sound escalation ladder."""


ALERT_RULES_PATH = "alerts/payments.rules.yml"

ALERTS_CONFIG = """\
site_name: Example handbook
site_url: https://handbook.example.com/
plugins:
  - opsbook:
      alert_rules:
        - alerts/*.rules.yml
"""
"""The example handbook's mkdocs.yml when it checks Prometheus alerting rules."""

ALERTS_MATRIX = EXAMPLE_MATRIX.replace("aliases: [P1]", "aliases: [P1, critical]").replace(
    "aliases: [P2]", "aliases: [P2, warning]"
)
"""Its severity matrix, with the label values the rules use as aliases."""

EXAMPLE_ALERT_RULES = """\
groups:
  - name: payments
    rules:
      - alert: PaymentsDown
        expr: |
          sum(rate(payment_attempts_total{outcome="error"}[5m]))
            / sum(rate(payment_attempts_total[5m])) > 0.25
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: A quarter of payment attempts fail
          runbook_url: https://handbook.example.com/runbooks/payments/payments-down/
"""
"""The example handbook's rule file (the alerts rules show it with one thing changed)."""

ALERTS_CONTEXT: tuple[tuple[str, str], ...] = (
    ("mkdocs.yml", ALERTS_CONFIG),
    ("docs/severity.md", ALERTS_MATRIX),
    (ALERT_RULES_PATH, EXAMPLE_ALERT_RULES),
)
"""``example_context`` of the alert rules' examples: the handbook with rule files configured."""


def is_loose(rule: Rule) -> bool:
    """Whether the rule's examples are a legacy file checked on its own."""
    return "/" not in rule.example_path and rule.example_path != "mkdocs.yml"


def example_caption(rule: Rule) -> str:
    """Where the examples are, for a reader: ``docs/contacts.md`` or a loose legacy file."""
    where = (f"a legacy Markdown file ({rule.example_path}) checked on its own" if is_loose(rule)
             else f"{rule.example_path} of a handbook")
    if rule.example_encoding != "utf-8":
        where += f", the bad one saved as {rule.example_encoding}"
    return where


def example_files(rule: Rule, bad: bool) -> dict[str, str]:
    """Every file of the rule's bad (or good) example, by path."""
    text = rule.bad if bad else rule.good
    files: dict[str, str] = {} if is_loose(rule) else dict(EXAMPLE_HANDBOOK)
    files.update(rule.example_context)
    files[rule.example_path] = text
    return files
