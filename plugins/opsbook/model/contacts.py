"""People, teams with escalation policies, and vendors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsbook.load.duration import Duration
from opsbook.model.origin import Origin
from opsbook.model.rotations import ROTATION_SPEC
from opsbook.model.schema import FieldSpec, ObjectSpec

PERSON_SPEC = ObjectSpec(
    "person",
    "Someone who can be called.",
    (
        FieldSpec("id", "id", "Short id other files refer to.", required=True, example="amara"),
        FieldSpec("name", "string", "Full name.", required=True, example="Amara Okafor"),
        FieldSpec("phone", "string", "Phone number, international form.",
                  example="+1 202-555-0100"),
        FieldSpec("email", "string", "E-mail address.", example="amara@example.com"),
        FieldSpec("slack", "string", "Slack handle.", example="@amara"),
        FieldSpec("timezone", "string", "IANA time zone.", example="America/New_York"),
        FieldSpec("role", "string", "Role in the on-call rotation.", example="SRE"),
    ),
)

STEP_SPEC = ObjectSpec(
    "escalation step",
    "Who is notified, and how long after the page.",
    (
        FieldSpec("after", "duration", "Time since the page (0m for the first step).",
                  required=True, example="15m"),
        FieldSpec("notify", "id-list", "People or team ids to notify.", required=True,
                  example=["amara"]),
    ),
)

TEAM_SPEC = ObjectSpec(
    "team",
    "A team that owns services and runbooks.",
    (
        FieldSpec("id", "id", "Short id runbooks use as `owner`.", required=True,
                  example="payments"),
        FieldSpec("name", "string", "Display name.", required=True, example="Payments"),
        FieldSpec("channel", "string", "Chat channel for incidents.", example="#payments-oncall"),
        FieldSpec("email", "string", "Team e-mail address.", example="payments@example.com"),
        FieldSpec("members", "id-list", "Person ids.", example=["amara", "jonas"]),
        FieldSpec("services", "string-list", "Services this team is on call for.",
                  example=["payments"]),
        FieldSpec("escalation", "objects", "Escalation policy, first step first.",
                  items=STEP_SPEC),
    ),
)

VENDOR_SPEC = ObjectSpec(
    "vendor",
    "An outside company to call.",
    (
        FieldSpec("id", "id", "Short id.", required=True, example="cloudhost"),
        FieldSpec("name", "string", "Company name.", required=True, example="CloudHost Ltd"),
        FieldSpec("phone", "string", "Support phone number.", example="+44 20 7946 0958"),
        FieldSpec("email", "string", "Support e-mail.", example="support@example.com"),
        FieldSpec("account", "string", "Account or contract number to quote.",
                  example="CH-20931"),
        FieldSpec("support_url", "string", "Support portal.",
                  example="https://support.example.com"),
    ),
)

CONTACTS_SPEC = ObjectSpec(
    "contacts",
    "Contact sheet: people, teams with escalation policies, vendors.",
    (
        FieldSpec("kind", "string", "Always `contacts`.", required=True),
        FieldSpec("title", "string", "Page title.", example="Contacts"),
        FieldSpec("template", "boolean",
                  "Shipped with blanks for a team to fill in; fails until filled.",
                  example=False),
        FieldSpec("people", "objects", "People.", items=PERSON_SPEC),
        FieldSpec("teams", "objects", "Teams.", items=TEAM_SPEC),
        FieldSpec("vendors", "objects", "Vendors.", items=VENDOR_SPEC),
        FieldSpec("rotations", "objects", "On-call rotations, one per team.",
                  items=ROTATION_SPEC),
    ),
)

CONTACT_FIELDS = ("name", "phone", "email", "slack", "timezone", "channel", "account",
                  "support_url")


@dataclass
class Person:
    id: str
    name: str
    origin: Origin
    phone: str | None = None
    email: str | None = None
    slack: str | None = None
    timezone: str | None = None
    role: str | None = None

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email or self.slack)


@dataclass
class EscalationStep:
    after: Duration
    notify: list[str]
    origin: Origin


@dataclass
class Team:
    id: str
    name: str
    origin: Origin
    channel: str | None = None
    email: str | None = None
    members: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    escalation: list[EscalationStep] = field(default_factory=list)
    has_escalation: bool = False  # the field was written (maybe empty)

    @property
    def reachable(self) -> bool:
        return bool(self.channel or self.email)


@dataclass
class Vendor:
    id: str
    name: str
    origin: Origin
    phone: str | None = None
    email: str | None = None
    account: str | None = None
    support_url: str | None = None


@dataclass
class ContactSheet:
    """One contacts file."""

    origin: Origin
    people: list[Person] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    vendors: list[Vendor] = field(default_factory=list)
    template: bool = False


@dataclass
class ContactBook:
    """All contact sheets of a handbook, merged (first definition of an id wins)."""

    sheets: list[ContactSheet] = field(default_factory=list)

    @property
    def people(self) -> dict[str, Person]:
        return _first_by_id(p for sheet in self.sheets for p in sheet.people)

    @property
    def teams(self) -> dict[str, Team]:
        return _first_by_id(t for sheet in self.sheets for t in sheet.teams)

    @property
    def vendors(self) -> dict[str, Vendor]:
        return _first_by_id(v for sheet in self.sheets for v in sheet.vendors)

    def team_for_service(self, service: str) -> Team | None:
        for team in self.teams.values():
            if service in team.services:
                return team
        return None


def _first_by_id(items: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        found.setdefault(item.id, item)
    return found


def build_contact_sheet(values: dict[str, Any], origin: Origin) -> ContactSheet:
    sheet = ContactSheet(origin, template=values.get("template", False))
    for index, raw in enumerate(values.get("people", [])):
        if "id" in raw:
            sheet.people.append(
                Person(
                    id=raw["id"],
                    name=raw.get("name", ""),
                    origin=origin.child("people", index),
                    phone=raw.get("phone"),
                    email=raw.get("email"),
                    slack=raw.get("slack"),
                    timezone=raw.get("timezone"),
                    role=raw.get("role"),
                )
            )
    for index, raw in enumerate(values.get("teams", [])):
        if "id" not in raw:
            continue
        team_origin = origin.child("teams", index)
        steps = [
            EscalationStep(step["after"], step.get("notify", []),
                           team_origin.child("escalation", step_index))
            for step_index, step in enumerate(raw.get("escalation", []))
            if "after" in step
        ]
        sheet.teams.append(
            Team(
                id=raw["id"],
                name=raw.get("name", ""),
                origin=team_origin,
                channel=raw.get("channel"),
                email=raw.get("email"),
                members=raw.get("members", []),
                services=raw.get("services", []),
                escalation=steps,
                has_escalation="escalation" in raw,
            )
        )
    for index, raw in enumerate(values.get("vendors", [])):
        if "id" in raw:
            sheet.vendors.append(
                Vendor(
                    id=raw["id"],
                    name=raw.get("name", ""),
                    origin=origin.child("vendors", index),
                    phone=raw.get("phone"),
                    email=raw.get("email"),
                    account=raw.get("account"),
                    support_url=raw.get("support_url"),
                )
            )
    return sheet
