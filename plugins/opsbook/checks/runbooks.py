"""OB3xx: runbooks that are complete, owned, unique and recently reviewed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opsbook.checks.examples import EXAMPLE_RUNBOOK, SECOND_RUNBOOK
from opsbook.checks.rule import Family, Input, Rule
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.load.markdown import Heading
from opsbook.model.project import Project
from opsbook.model.review import review_status

MISSING_SECTION = Rule(
    "OB301", "missing-runbook-section", Level.ERROR,
    "A runbook lacks one of the required sections.",
    "Mid-incident, people jump straight to Mitigation or Escalation; a runbook without them "
    "leaves the reader guessing at the worst time.",
    EXAMPLE_RUNBOOK.replace("## Diagnosis\nRead the provider's status page.\n\n", ""),
    EXAMPLE_RUNBOOK,
    "add the section as a heading (## Name)",
    example_path='runbooks/payments/payments-down.md',
)
DUPLICATE_RUNBOOK = Rule(
    "OB302", "duplicate-runbook-id", Level.ERROR,
    "Two runbooks share an id.",
    "The id is the runbook's URL and its `opsbook lookup` key: two of them make one "
    "unreachable.",
    SECOND_RUNBOOK.replace("id: payments-slow", "id: payments-down"),
    SECOND_RUNBOOK,
    "give each runbook a unique id",
    reads=frozenset({Input.RUNBOOK}),
    collision=True,
    example_path='runbooks/payments/payments-slow.md',
)
UNKNOWN_OWNER = Rule(
    "OB303", "unknown-runbook-owner", Level.ERROR,
    "A runbook's owner is not a team in the contacts file.",
    "The runbook page shows the owner's escalation ladder; an unknown owner means no one "
    "to call.",
    EXAMPLE_RUNBOOK.replace("owner: payments", "owner: paymnets"),
    EXAMPLE_RUNBOOK,
    "use a team id from the contacts file",
    reads=frozenset({Input.CONTACTS}),
    example_path='runbooks/payments/payments-down.md',
)
REVIEW_OVERDUE = Rule(
    "OB304", "review-overdue", Level.WARNING,
    "A runbook has not been reviewed within its review interval.",
    "Runbooks rot with the systems they describe; a stale one is followed confidently into "
    "the wrong commands.",
    EXAMPLE_RUNBOOK.replace("last_reviewed: 2026-11-01", "last_reviewed: 2026-01-05"),
    EXAMPLE_RUNBOOK,
    "review the runbook and update `last_reviewed`",
    example_path='runbooks/payments/payments-down.md',
)
DUPLICATE_ALERT = Rule(
    "OB305", "alert-answered-twice", Level.ERROR,
    "Two runbooks claim the same alert.",
    "An alert's `runbook_url` can point at one page only; with two claims, `opsbook lookup` "
    "and the alert index cannot say which one to open.",
    SECOND_RUNBOOK.replace("[PaymentsSlow]", "[PaymentsDown]"),
    SECOND_RUNBOOK,
    "keep the alert in the one runbook that answers it",
    reads=frozenset({Input.RUNBOOK}),
    collision=True,
    example_path='runbooks/payments/payments-slow.md',
)

RULES = (MISSING_SECTION, DUPLICATE_RUNBOOK, UNKNOWN_OWNER, REVIEW_OVERDUE, DUPLICATE_ALERT)

_SECTION_KEY = re.compile(r"[^a-z0-9]+")


def _section_key(text: str) -> str:
    return _SECTION_KEY.sub(" ", text.lower()).strip()


def check_runbooks(project: Project) -> Iterator[Diagnostic]:
    config = project.config
    required = [(name, _section_key(name)) for name in config.required_sections]
    seen_ids: dict[str, str] = {}
    seen_alerts: dict[str, str] = {}
    teams = project.contacts.teams
    for runbook in project.runbooks:
        origin = runbook.origin
        path = origin.display_path
        document = origin.document
        headings = {
            _section_key(block.text) for block in document.blocks if isinstance(block, Heading)
        }
        for name, key in required:
            if not any(heading == key or heading.startswith(key + " ") for heading in headings):
                yield MISSING_SECTION.at(
                    path, Position(document.body_start, 1),
                    f'runbook "{runbook.id}" has no "{name}" section',
                    f"add a heading `## {name}`",
                )
        first = seen_ids.setdefault(runbook.id, path)
        if first != path:
            yield DUPLICATE_RUNBOOK.at(path, origin.at("id"),
                                       f'runbook id "{runbook.id}" is also used by {first}')
        # A site with no contacts file at all is the worst case of an unknown owner.
        has_contacts = bool(project.contacts.sheets) or config.site
        if has_contacts and runbook.owner and runbook.owner not in teams:
            where = "in contacts" if project.contacts.sheets else "(the handbook has no " \
                "contacts file)"
            yield UNKNOWN_OWNER.at(
                path, origin.at("owner"),
                f'runbook "{runbook.id}" is owned by "{runbook.owner}", which is not a team '
                f"{where}",
            )
        for index, alert in enumerate(runbook.alerts):
            claimed = seen_alerts.setdefault(alert.lower(), path)
            if claimed != path:
                yield DUPLICATE_ALERT.at(path, origin.at("alerts", index),
                                         f'alert "{alert}" is also answered by {claimed}')
        review = review_status(runbook, config.review_every, config.today)
        if review.overdue and review.next_review is not None:
            yield REVIEW_OVERDUE.at(
                path, origin.at("last_reviewed"),
                f'runbook "{runbook.id}" was due for review on {review.next_review.isoformat()} '
                f"(last reviewed {runbook.last_reviewed})",
            )


FAMILY = Family("OB3", "Runbooks", RULES, check_runbooks)
