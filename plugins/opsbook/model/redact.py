"""A public copy of the contacts: personal phone numbers and e-mail addresses withheld.

With `redact: true` in the plugin block (or `opsbook pdf --redact`) a company publishes its
handbook from the same source as the internal one. Only people are personal: a team's channel
and e-mail and a vendor's support line are how outsiders reach the company, and they stay.

The render layer takes its contacts from :func:`redacted_project` when redaction is on, so no
page, card, ladder or PDF can show a personal number the book no longer holds. The checks
always run on the original: a redacted value is not a phone number.
"""

from __future__ import annotations

from dataclasses import replace

from opsbook.model.contacts import ContactBook, ContactSheet, Person
from opsbook.model.project import Project

REDACTED = "see internal directory"
"""What a reader of the public handbook sees instead of a personal number or address."""


def redact_person(person: Person) -> Person:
    """``person`` without a phone number or e-mail address (those it had say where to look)."""
    return replace(
        person,
        phone=REDACTED if person.phone else None,
        email=REDACTED if person.email else None,
    )


def redact_sheet(sheet: ContactSheet) -> ContactSheet:
    return replace(sheet, people=[redact_person(person) for person in sheet.people])


def redact_contacts(book: ContactBook) -> ContactBook:
    """A redacted copy of ``book``; ``book`` itself is left as it was."""
    return ContactBook([redact_sheet(sheet) for sheet in book.sheets])


def redacted_project(project: Project) -> Project:
    """``project`` with redacted contacts (documents, runbooks and matrix shared, unchanged)."""
    return replace(project, contacts=redact_contacts(project.contacts))
