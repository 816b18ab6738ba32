"""OB1xx: contacts that cannot be reached — blanks, malformed numbers, dangling references."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from opsbook.checks.examples import (
    CONTACTS_PATH,
    JONAS,
    JONAS_PHONE,
    JONAS_SHEET,
    SUPPORT,
    SUPPORT_SHEET,
    contacts_sheet,
    escalation,
)
from opsbook.checks.placeholders import (
    body_findings,
    may_mark_template,
    template_lines,
    value_placeholder,
)
from opsbook.checks.rule import Family, Input, Rule
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.model.contacts import ContactSheet, Person, Team, Vendor
from opsbook.model.origin import Origin
from opsbook.model.project import Project

PLACEHOLDER_FIELD = Rule(
    "OB101", "placeholder-contact-field", Level.ERROR,
    "A contact field still holds a placeholder.",
    "At 3 a.m. `+1-XXX-XXX-XXXX` or `[See PagerDuty]` is not a phone number. Blanks in a "
    "contact sheet are only found when someone needs the number.",
    contacts_sheet("people:", "  - id: jonas", '    name: "[Name]"',
                   '    phone: "+44-XXXX-XXXXXX"'),
    JONAS_SHEET,
    "fill in the real value",
    example_path=CONTACTS_PATH,
)
INVALID_PHONE = Rule(
    "OB102", "invalid-phone", Level.ERROR,
    "A phone number does not parse as a real, dialable number.",
    "A number missing its country code or with a digit too many fails exactly when it is "
    "dialled from abroad or from a phone with no address book.",
    contacts_sheet("people:", *JONAS, '    phone: "+44 20 7946 032"'),
    JONAS_SHEET,
    "write the number in international form, e.g. +1 202-555-0100",
    example_path=CONTACTS_PATH,
)
INVALID_EMAIL = Rule(
    "OB103", "invalid-email", Level.ERROR,
    "An e-mail address is not syntactically valid.",
    "A typo in an address turns an escalation e-mail into a bounce nobody reads.",
    contacts_sheet("people:", *JONAS, "    email: jonas.example.com"),
    contacts_sheet("people:", *JONAS, "    email: jonas@example.com"),
    "write a full address such as name@example.com",
    example_path=CONTACTS_PATH,
)
UNKNOWN_TIMEZONE = Rule(
    "OB104", "unknown-timezone", Level.ERROR,
    "A time zone is not an IANA time zone name.",
    "The site shows each person's local time so nobody is paged at 4 a.m. by mistake; "
    "`EST` or `CET+1` cannot be converted reliably.",
    contacts_sheet("people:", *JONAS, JONAS_PHONE, "    timezone: UK time"),
    contacts_sheet("people:", *JONAS, JONAS_PHONE, "    timezone: Europe/London"),
    "use an IANA name such as Europe/London or America/Chicago",
    example_path=CONTACTS_PATH,
)
UNKNOWN_REFERENCE = Rule(
    "OB105", "unknown-contact-reference", Level.ERROR,
    "A team, escalation step or runbook names a person or team that does not exist.",
    "An escalation step that notifies a removed person silently skips a step of the ladder.",
    contacts_sheet("teams:", *SUPPORT, *escalation(("0m", "amra"))),
    SUPPORT_SHEET,
    "use an id defined under people or teams in the contacts file",
    reads=frozenset({Input.CONTACTS}),  # names a person or team of some contacts file
    example_path=CONTACTS_PATH,
)
EMPTY_ESCALATION = Rule(
    "OB106", "empty-escalation-policy", Level.ERROR,
    "A team has no escalation steps, or a step notifies nobody.",
    "A team that owns runbooks needs someone to page; an empty ladder means nobody is.",
    contacts_sheet("teams:", *SUPPORT, *escalation()),
    SUPPORT_SHEET,
    "add at least one step `{after: 0m, notify: [person-id]}`",
    reads=frozenset({Input.CONTACTS}),
    example_path=CONTACTS_PATH,
)
ESCALATION_ORDER = Rule(
    "OB107", "escalation-not-increasing", Level.ERROR,
    "Escalation steps are not in strictly increasing `after` order.",
    "Two steps at the same time, or a later step listed first, make the ladder ambiguous: "
    "people do not know who is next.",
    contacts_sheet("teams:", *SUPPORT, *escalation(("15m", "amara"), ("15m", "jonas"))),
    contacts_sheet("teams:", *SUPPORT, *escalation(("0m", "amara"), ("15m", "jonas"))),
    "give each step a later `after` than the one before",
    example_path=CONTACTS_PATH,
    example_context=(("docs/contacts-people.md", JONAS_SHEET),),
)
UNREACHABLE = Rule(
    "OB108", "unreachable-contact", Level.ERROR,
    "An escalation step notifies someone with no phone, e-mail or Slack.",
    "A name without a way to reach it is not an escalation step.",
    contacts_sheet("people:", *JONAS, "teams:", *SUPPORT, *escalation(("0m", "jonas"))),
    contacts_sheet("people:", *JONAS, JONAS_PHONE,
                   "teams:", *SUPPORT, *escalation(("0m", "jonas"))),
    "add a phone, e-mail or slack handle for this person",
    reads=frozenset({Input.CONTACTS}),  # the person notified may be in another sheet
    example_path=CONTACTS_PATH,
)
DUPLICATE_ID = Rule(
    "OB109", "duplicate-contact-id", Level.ERROR,
    "Two people, teams or vendors share an id.",
    "References resolve to the first one; the second is unreachable by id.",
    contacts_sheet("people:", "  - id: amara", "    name: Amara Obi",
                   '    phone: "+1 202-555-0101"'),
    contacts_sheet("people:", "  - id: amara-obi", "    name: Amara Obi",
                   '    phone: "+1 202-555-0101"'),
    "give each person, team and vendor a unique id",
    reads=frozenset({Input.CONTACTS}),  # duplicates across sheets
    example_path=CONTACTS_PATH,
)
PLACEHOLDER_TEXT = Rule(
    "OB110", "placeholder-contact-in-text", Level.ERROR,
    "A contact line in a page (table, list, key: value line, code block) is a placeholder.",
    "Hand-written contact lists rot: `Phone: +1-XXX-XXX-XXXX` or `[Name] - [Phone]` survive "
    "review because they look like content. Communication templates are exempt: their "
    "`[Time]` blanks are meant to stay.",
    (
        '# On call\n'
        '\n'
        '**Engineering lead:** [Name] - [Phone]\n'
    ),
    (
        '# On call\n'
        '\n'
        '**Engineering lead:**\n'
        '\n'
        '{{ contact_card("amara") }}\n'
    ),
    "fill in the real contact, or render it from the contacts file with a macro",
    example_path='docs/oncall.md',
)

RULES = (PLACEHOLDER_FIELD, INVALID_PHONE, INVALID_EMAIL, UNKNOWN_TIMEZONE, UNKNOWN_REFERENCE,
         EMPTY_ESCALATION, ESCALATION_ORDER, UNREACHABLE, DUPLICATE_ID, PLACEHOLDER_TEXT)


@lru_cache(maxsize=4096)
def phone_problem(value: str) -> str | None:
    """Why ``value`` is not a dialable number, or None. Imported lazily: phonenumbers is the
    heaviest import on the check path."""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        if not value.strip().startswith("+"):
            return "has no country code (start with + and the country code)"
        return "does not look like a phone number"
    if not phonenumbers.is_valid_number(number):
        return "is not a valid number for its country"
    return None


@lru_cache(maxsize=4096)
def email_problem(value: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)
    return None


@lru_cache(maxsize=512)
def timezone_problem(value: str) -> str | None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: the key is looked up as a file, so "America" (a directory of zones) or a
        # very long value fail with IsADirectoryError / ENAMETOOLONG instead of NotFound.
        return "is not an IANA time zone"
    return None


def _field_diagnostics(
    origin: Origin, what: str, values: dict[str, str | None], template: bool
) -> Iterator[Diagnostic]:
    for field_name, value in values.items():
        if value is None:
            continue
        position = origin.at(field_name)
        placeholder = value_placeholder(value)
        if placeholder is not None:
            shown = placeholder if placeholder == "an empty value" else f"({placeholder})"
            suffix = " — this contact template must be filled in" if template else ""
            yield PLACEHOLDER_FIELD.at(
                origin.display_path,
                position,
                f"{field_name} for {what} is a placeholder {shown}{suffix}",
                f"fill in a real {field_name}",
            )
            continue
        problem = None
        rule = INVALID_PHONE
        if field_name == "phone":
            problem = phone_problem(value)
        elif field_name == "email":
            problem, rule = email_problem(value), INVALID_EMAIL
        elif field_name == "timezone":
            problem, rule = timezone_problem(value), UNKNOWN_TIMEZONE
        if problem:
            yield rule.at(origin.display_path, position,
                          f"{field_name} for {what} ({value}) {problem}")


def _sheet_fields(sheet: ContactSheet) -> Iterator[Diagnostic]:
    for person in sheet.people:
        yield from _field_diagnostics(
            person.origin, f'"{person.id}"',
            {"name": person.name, "phone": person.phone, "email": person.email,
             "slack": person.slack, "timezone": person.timezone},
            sheet.template,
        )
    for team in sheet.teams:
        yield from _field_diagnostics(
            team.origin, f'team "{team.id}"',
            {"name": team.name, "channel": team.channel, "email": team.email}, sheet.template,
        )
    for vendor in sheet.vendors:
        yield from _field_diagnostics(
            vendor.origin, f'vendor "{vendor.id}"',
            {"name": vendor.name, "phone": vendor.phone, "email": vendor.email,
             "account": vendor.account, "support_url": vendor.support_url},
            sheet.template,
        )


def _duplicates(project: Project) -> Iterator[Diagnostic]:
    seen: dict[tuple[str, str], Origin] = {}
    for sheet in project.contacts.sheets:
        entries: list[tuple[str, Person | Team | Vendor]] = [
            *(("person", p) for p in sheet.people),
            *(("team", t) for t in sheet.teams),
            *(("vendor", v) for v in sheet.vendors),
        ]
        for what, entry in entries:
            key = ("team" if what == "team" else "contact", entry.id)
            first = seen.get(key)
            if first is None:
                seen[key] = entry.origin
                continue
            first_line = first.at("id").line
            yield DUPLICATE_ID.at(
                entry.origin.display_path, entry.origin.at("id"),
                f'{what} id "{entry.id}" is already used at {first.display_path}:{first_line}',
            )


def _teams(project: Project) -> Iterator[Diagnostic]:
    people = project.contacts.people
    teams = project.contacts.teams
    for team in teams.values():
        path = team.origin.display_path
        for index, member in enumerate(team.members):
            if member not in people:
                yield UNKNOWN_REFERENCE.at(
                    path, team.origin.at("members", index),
                    f'team "{team.id}" lists member "{member}", who is not in contacts',
                )
        if not team.escalation:
            yield EMPTY_ESCALATION.at(
                path, team.origin.at("escalation" if team.has_escalation else "id"),
                f'team "{team.id}" has no escalation policy',
            )
            continue
        previous = None
        for step in team.escalation:
            if previous is not None and step.after.minutes <= previous.minutes:
                yield ESCALATION_ORDER.at(
                    path, step.origin.at("after"),
                    f'escalation step after {step.after.canonical} for team "{team.id}" does '
                    f"not come after the previous step ({previous.canonical})",
                )
            previous = step.after
            if not step.notify:
                yield EMPTY_ESCALATION.at(
                    path, step.origin.at("notify"),
                    f'escalation step after {step.after.canonical} for team "{team.id}" '
                    "notifies nobody",
                )
            for index, target in enumerate(step.notify):
                position = step.origin.at("notify", index)
                if target in people:
                    if not people[target].reachable:
                        yield UNREACHABLE.at(
                            path, position,
                            f'escalation for team "{team.id}" notifies "{target}", who has '
                            "no phone, e-mail or slack",
                        )
                elif target in teams:
                    if not teams[target].reachable and not teams[target].escalation:
                        yield UNREACHABLE.at(
                            path, position,
                            f'escalation for team "{team.id}" notifies team "{target}", '
                            "which has no channel, e-mail or escalation policy",
                        )
                else:
                    yield UNKNOWN_REFERENCE.at(
                        path, position,
                        f'escalation for team "{team.id}" notifies "{target}", who is not '
                        "a person or team in contacts",
                    )


def _body_placeholders(project: Project) -> Iterator[Diagnostic]:
    for document in project.documents:
        if document.text is None:
            continue
        kind = project.document_kind(document)
        if kind != "template" and not may_mark_template(document.text):
            skip: set[int] = set()  # the common case: nothing on the page names a template
        else:
            skip = template_lines(document.blocks, whole_file=kind == "template")
        for finding in body_findings(document.blocks, skip, document.lines):
            label = f'"{finding.label}"' if finding.label else "contact"
            if finding.in_column:
                label = f"{label} column value"
            shown = finding.placeholder
            what = "is empty" if shown == "an empty cell" else f"is a placeholder ({shown})"
            yield PLACEHOLDER_TEXT.at(
                document.display_path,
                Position(finding.line, finding.column),
                f"{label} {what}",
            )


def check_contacts(project: Project) -> Iterator[Diagnostic]:
    for sheet in project.contacts.sheets:
        if project.wants(sheet.origin.display_path):  # parsing numbers is slow; see wants()
            yield from _sheet_fields(sheet)
    yield from _duplicates(project)
    if project.contacts.sheets:
        yield from _teams(project)
    yield from _body_placeholders(project)


FAMILY = Family("OB1", "Contacts", RULES, check_contacts)
