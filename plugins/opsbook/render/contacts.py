"""How people, teams and vendors are shown: the one place contact details become text.

Every page, card, ladder and PDF gets phone numbers, e-mail addresses and chat handles from
these functions, so a policy such as redaction (`redact: true`: personal numbers and addresses
replaced by a pointer to the internal directory) is applied in exactly one spot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import phonenumbers

from opsbook.model.contacts import ContactBook, Person, Team, Vendor

REDACTED = "see internal directory"

ReachKind = Literal["phone", "email", "slack", "channel", "web", "note"]


@dataclass(frozen=True)
class Reach:
    """One way to reach someone: shown as ``text``, a link when ``href`` is set."""

    kind: ReachKind
    text: str
    href: str | None = None


@dataclass(frozen=True)
class ContactView:
    """A person, team or vendor as the templates show it."""

    kind: Literal["person", "team", "vendor", "unknown"]
    id: str
    name: str
    detail: str = ""  # role, or "team", or account number
    timezone: str = ""
    reach: tuple[Reach, ...] = ()
    anchor: str | None = None  # link to the directory entry, relative to the page
    members: tuple[ContactView, ...] = field(default=())


@lru_cache(maxsize=4096)  # the same few numbers appear on every runbook page
def tel_href(phone: str) -> str | None:
    """``tel:`` link in E.164 form, so phones dial it whatever the written format."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"[^\d+]", "", phone)
        return f"tel:{digits}" if len(digits.lstrip("+")) >= 5 else None
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mail_href(email: str) -> str | None:
    address = email.strip()
    if "@" not in address or any(ch in address for ch in " <>\"'?#/"):
        return None
    return f"mailto:{address}"


def web_href(url: str) -> str | None:
    """Only http(s) links from content become links: no ``javascript:``, no ``data:``."""
    address = url.strip()
    if re.match(r"^https?://[^\s<>\"']+$", address, re.I):
        return address
    return None


def _phone(phone: str | None) -> list[Reach]:
    return [Reach("phone", phone, tel_href(phone))] if phone else []


def _email(email: str | None) -> list[Reach]:
    return [Reach("email", email, mail_href(email))] if email else []


def person_reach(person: Person, redact: bool = False) -> tuple[Reach, ...]:
    if redact:
        personal: list[Reach] = (
            [Reach("note", REDACTED)] if person.phone or person.email else []
        )
    else:
        personal = _phone(person.phone) + _email(person.email)
    slack = [Reach("slack", person.slack)] if person.slack else []
    return tuple(personal + slack)


def team_reach(team: Team) -> tuple[Reach, ...]:
    channel = [Reach("channel", team.channel)] if team.channel else []
    return tuple(channel + _email(team.email))


def vendor_reach(vendor: Vendor) -> tuple[Reach, ...]:
    portal = []
    if vendor.support_url:
        portal = [Reach("web", vendor.support_url, web_href(vendor.support_url))]
    return tuple(_phone(vendor.phone) + _email(vendor.email) + portal)


def person_view(person: Person, redact: bool = False, anchor: str | None = None) -> ContactView:
    return ContactView(
        "person", person.id, person.name or person.id, person.role or "",
        person.timezone or "", person_reach(person, redact), anchor,
    )


def team_view(
    team: Team,
    book: ContactBook,
    redact: bool = False,
    anchor: str | None = None,
    with_members: bool = True,
) -> ContactView:
    people = book.people if with_members else {}
    members = tuple(
        person_view(people[member], redact) for member in team.members if member in people
    )
    return ContactView("team", team.id, team.name or team.id, "team", "", team_reach(team),
                       anchor, members)


def vendor_view(vendor: Vendor, anchor: str | None = None) -> ContactView:
    return ContactView("vendor", vendor.id, vendor.name or vendor.id, vendor.account or "", "",
                       vendor_reach(vendor), anchor)


def unknown_view(contact_id: str) -> ContactView:
    return ContactView("unknown", contact_id, contact_id, "not in the contacts file")
