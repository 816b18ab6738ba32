"""HTML fragments rendered from the model: severity table, contact cards, escalation ladders,
directories, "who to call" and the runbook header card.

Each public function takes a :class:`RenderContext` and returns HTML. Templates live in
``templates/`` next to this module and run in a sandboxed, autoescaping Jinja environment; the
values they get are plain view objects built here, so templates hold layout only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from opsbook.load.duration import Duration
from opsbook.model.contacts import Team
from opsbook.model.macros import MacroCall
from opsbook.model.review import ReviewStatus, overdue_reviews, review_status
from opsbook.model.runbook import Runbook
from opsbook.model.severity import SeverityLevel
from opsbook.model.urls import document_src_uri, service_page
from opsbook.render.contacts import (
    ContactView,
    person_view,
    team_view,
    unknown_view,
    vendor_view,
)
from opsbook.render.context import RenderContext, person_anchor, team_anchor, vendor_anchor
from opsbook.render.rota import (
    rota_calendar_path,
    rota_link,
    rota_script_path,
    rota_table_view,
    rotation_for,
    team_name,
)

TEMPLATES = Path(__file__).parent / "templates"

# Badge colours for levels whose matrix entry sets none: most severe first.
DEFAULT_LEVEL_COLOURS = ("#b71c1c", "#e65100", "#f9a825", "#1565c0", "#546e7a")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_NAMED_COLOUR = re.compile(r"^[a-zA-Z]{3,20}$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")


@cache
def environment() -> ImmutableSandboxedEnvironment:
    """Templates are ours, values come from content: sandboxed and autoescaped, always."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.filters["md_text"] = markdown_text
    env.filters["code_spans"] = code_spans
    return env


def render_template(name: str, **values: Any) -> str:
    """Render one template; blank lines are dropped so the HTML is one Markdown block."""
    html = environment().get_template(name).render(**values)
    return "\n".join(line for line in html.splitlines() if line.strip())


def render_markdown(name: str, **values: Any) -> str:
    """Render a Markdown page template; blank lines are kept (they separate blocks)."""
    return environment().get_template(name).render(**values)


def markdown_text(value: object) -> Markup:
    """Text for a Markdown line (headings of generated pages): HTML-escaped, and Markdown's
    special characters backslash-escaped so a title cannot turn into a link or emphasis."""
    escaped = str(Markup.escape(str(value)))
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", escaped))


_CODE_SPAN = re.compile(r"`([^`]+)`")


def code_spans(value: object) -> Markup:
    """Plain text with `backtick` spans shown as code (rule texts are written that way)."""
    escaped = str(Markup.escape(str(value)))
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


# --- severity levels -------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelView:
    id: str
    aliases: tuple[str, ...]
    summary: str
    colour: str
    text_colour: str
    acknowledge: str
    respond: str
    update_every: str
    resolve: str
    page: bool


def safe_colour(value: str | None, rank: int) -> str:
    """A colour from the matrix, if it is a plain CSS colour; content never writes CSS."""
    if value and (_HEX_COLOUR.match(value.strip()) or _NAMED_COLOUR.match(value.strip())):
        return value.strip()
    return DEFAULT_LEVEL_COLOURS[min(rank, len(DEFAULT_LEVEL_COLOURS) - 1)]


def readable_text_colour(background: str) -> str:
    """Black or white text, whichever contrasts more with a hex background."""
    if not _HEX_COLOUR.match(background):
        return "#ffffff"
    digits = background[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if luminance > 0.179 else "#ffffff"


def _duration(value: Duration | None) -> str:
    if value is None:
        return "—"
    if value.business_day:
        return "next business day"
    return "immediately" if value.minutes == 0 else value.canonical


def level_view(level: SeverityLevel) -> LevelView:
    colour = safe_colour(level.color, level.rank)
    return LevelView(
        level.id, tuple(level.aliases), level.summary, colour, readable_text_colour(colour),
        _duration(level.acknowledge), _duration(level.respond), _duration(level.update_every),
        _duration(level.resolve), level.page,
    )


def find_level(context: RenderContext, name: str) -> LevelView | None:
    matrix = context.project.matrix
    level = matrix.lookup(name) if matrix and name else None
    return level_view(level) if level else None


def severity_table(context: RenderContext) -> str:
    matrix = context.project.matrix
    if matrix is None:
        return notice("no severity matrix in this handbook (a page with kind: severity-matrix)")
    return render_template("severity_table.html",
                           levels=[level_view(level) for level in matrix.levels])


def severity_badge(level: LevelView | None, written: str = "") -> str:
    """The level's name on its colour (the header card adds the level's meaning next to it)."""
    return render_template("badge.html", level=level, written=written)


# --- contacts --------------------------------------------------------------------------------


def contact_view(context: RenderContext, contact_id: str) -> ContactView:
    """A person, team or vendor by id; people first, like the escalation policy resolves."""
    book = context.project.contacts
    if contact_id in book.people:
        return person_view(book.people[contact_id], context.redact,
                           context.contact_href("person", contact_id))
    if contact_id in book.teams:
        return team_view(book.teams[contact_id], book, context.redact,
                         context.contact_href("team", contact_id))
    if contact_id in book.vendors:
        return vendor_view(book.vendors[contact_id], context.contact_href("vendor", contact_id))
    return unknown_view(contact_id)


@dataclass(frozen=True)
class StepView:
    when: str
    contacts: tuple[ContactView, ...]


def ladder_steps(context: RenderContext, team: Team) -> list[StepView]:
    steps = []
    for step in team.escalation:
        when = "Immediately" if step.after.minutes == 0 else f"After {step.after.canonical}"
        steps.append(StepView(when, tuple(contact_view(context, i) for i in step.notify)))
    return steps


def contact_card(context: RenderContext, contact_id: str) -> str:
    contact = contact_view(context, contact_id)
    if contact.kind == "unknown":
        return notice(f'no person, team or vendor "{contact_id}" in the contacts file')
    team = context.project.contacts.teams.get(contact_id) if contact.kind == "team" else None
    steps = ladder_steps(context, team) if team else []
    oncall = oncall_widget(context, team.id) if team else ""
    return render_template("contact_card.html", contact=contact, steps=steps,
                           oncall=Markup(oncall))


def escalation_ladder(context: RenderContext, team_id: str) -> str:
    team = context.project.contacts.teams.get(team_id)
    if team is None:
        return notice(f'no team "{team_id}" in the contacts file')
    return render_template(
        "ladder.html",
        team=team_view(team, context.project.contacts, context.redact),
        steps=ladder_steps(context, team),
        anchor=team_anchor(team.id),
        oncall=Markup(oncall_widget(context, team.id, below=True)),
        rota=Markup(rota_table(context, team.id)),
    )


def team_for_service(context: RenderContext, service: str) -> Team | None:
    """The team a contacts file names for ``service``, else the team owning most of its
    runbooks."""
    book = context.project.contacts
    team = book.team_for_service(service)
    if team is not None:
        return team
    owners = Counter(r.owner for r in context.project.runbooks if r.service == service)
    for owner, _count in owners.most_common():
        if owner in book.teams:
            return book.teams[owner]
    return None


def who_to_call(context: RenderContext, service: str) -> str:
    team = team_for_service(context, service)
    if team is None:
        return notice(f'no team is on call for service "{service}"')
    return render_template(
        "who_to_call.html",
        service=service,
        team=team_view(team, context.project.contacts, context.redact,
                       context.contact_href("team", team.id)),
        steps=ladder_steps(context, team),
        oncall=Markup(oncall_widget(context, team.id)),
        calendar_href=(context.href(rota_calendar_path(team.id))
                       if rotation_for(context, team.id) else None),
    )


# --- rotations -------------------------------------------------------------------------------


def oncall_widget(context: RenderContext, team_id: str, *, below: bool = False) -> str:
    """"On call now" for a team with a rotation ("" for one without): a placeholder the
    site's ``oncall.js`` fills from ``oncall/TEAM.js``, loaded by the element itself. Without
    script it links to the team's rota (``below``: the rota table follows it)."""
    if rotation_for(context, team_id) is None:
        return ""

    def render() -> str:
        return render_template(
            "oncall.html", team=team_id, team_name=team_name(context, team_id), below=below,
            href=None if below else rota_link(context, team_id),
            data_href=context.href(rota_script_path(team_id)),
        )

    return context.memoised(("oncall", team_id, below), render)


ROTA_PRINT_SLOT = '<div class="ob-rota-print" data-ob-team="{team}"></div>'
"""An empty element in each runbook's header card where a print document puts the team's
rota table (:func:`opsbook.pdf.compose.fill_rota_slots`): the site does not carry it."""


def rota_print_slot(context: RenderContext, team_id: str) -> str:
    if rotation_for(context, team_id) is None:
        return ""
    return ROTA_PRINT_SLOT.format(team=Markup.escape(team_id))


def rota_table(
    context: RenderContext,
    team_id: str,
    first_day: dt.date | None = None,
    *,
    stamp_label: str = "built",
    calendar: bool = True,
) -> str:
    """The team's rota for the next eight weeks from ``first_day`` (the build date), with the
    dates it is valid for; "" for a team without a rotation."""
    rotation = rotation_for(context, team_id)
    if rotation is None:
        return ""
    day = first_day or context.project.config.today
    return render_template(
        "rota_table.html",
        table=rota_table_view(context, rotation, day),
        stamp_label=stamp_label,
        stamp=day.isoformat(),
        calendar_href=context.href(rota_calendar_path(team_id)) if calendar else None,
    )


def contacts_directory(context: RenderContext) -> str:
    people = [
        person_view(person, context.redact) for person in context.project.contacts.people.values()
    ]
    return render_template("contacts_directory.html", people=people, anchor=person_anchor)


def vendor_directory(context: RenderContext) -> str:
    vendors = [vendor_view(v) for v in context.project.contacts.vendors.values()]
    return render_template("vendor_directory.html", vendors=vendors, anchor=vendor_anchor)


def notice(message: str) -> str:
    """A visible note where a macro could not render (the check reports the cause)."""
    return render_template("notice.html", message=message)


# --- runbooks --------------------------------------------------------------------------------


def review_view(context: RenderContext, runbook: Runbook) -> ReviewStatus:
    config = context.project.config
    return review_status(runbook, config.review_every, config.today)


def overdue_reviews_list(context: RenderContext) -> str:
    """The home page's list of runbooks overdue for review, with owners: loud, never blocking."""
    overdue = overdue_reviews(context.project)
    rows = [
        {
            "title": status.runbook.title,
            "href": context.href(
                document_src_uri(context.project.config, status.runbook.origin.document.path)
            ),
            "owner": _owner_name(context, status.runbook.owner),
            "due": status.next_review.isoformat() if status.next_review else "",
            "days": status.days_overdue,
        }
        for status in overdue
    ]
    return render_template("overdue_reviews.html", rows=rows,
                           today=context.project.config.today.isoformat())


def _owner_name(context: RenderContext, owner: str | None) -> str:
    team = context.project.contacts.teams.get(owner or "")
    return team.name if team is not None else (owner or "no owner")


def runbook_header(
    context: RenderContext,
    runbook: Runbook,
    *,
    pdf_href: str | None = None,
    ladder: str | None = None,
) -> str:
    """The card on top of every runbook page: severity, owner and who to call, alerts, review
    dates. ``pdf_href`` (relative to the page) adds a "Download PDF" link. ``ladder`` replaces
    the rendered escalation ladder (the site passes a placeholder and fills it in later)."""
    level = find_level(context, runbook.severity)
    return render_template(
        "runbook_header.html",
        runbook=runbook,
        level=level,
        badge=Markup(context.memoised(
            ("badge", runbook.severity), lambda: severity_badge(level, runbook.severity),
            links=False,
        )),
        owner_html=Markup(context.memoised(("owner", runbook.owner),
                                           lambda: runbook_owner(context, runbook.owner))),
        ladder=Markup(runbook_ladder(context, runbook) if ladder is None else ladder),
        oncall=Markup(oncall_widget(context, runbook.owner)),
        rota_slot=Markup(rota_print_slot(context, runbook.owner)),
        service_href=context.href(service_page(runbook.service)) if runbook.service else None,
        review=review_view(context, runbook),
        pdf_href=pdf_href,
    )


def runbook_search_summary(context: RenderContext, runbook: Runbook) -> str:
    """One line with what people search a runbook by: severity, service, owning team and
    alerts. The site lets search index this line, then shows the header card in its place."""
    level = find_level(context, runbook.severity)
    team = context.project.contacts.teams.get(runbook.owner)
    return render_template(
        "runbook_summary.html",
        severity=level.id if level else runbook.severity,
        service=runbook.service,
        owner=team.name if team else runbook.owner,
        alerts=runbook.alerts,
    )


def runbook_owner(context: RenderContext, owner_id: str) -> str:
    """The "Owner" line of a header card: the team, its channel and e-mail."""
    book = context.project.contacts
    team = book.teams.get(owner_id)
    owner = (
        team_view(team, book, context.redact, context.contact_href("team", team.id),
                  with_members=False)
        if team else unknown_view(owner_id)
    )
    return render_template("runbook_owner.html", owner=owner)


def runbook_ladder(context: RenderContext, runbook: Runbook) -> str:
    """"Who to call" for a runbook: its owner's escalation ladder (the same for every runbook
    of a team, so it is rendered once per team and link base)."""

    def render() -> str:
        team = context.project.contacts.teams.get(runbook.owner)
        return render_template(
            "runbook_ladder.html",
            steps=ladder_steps(context, team) if team else [],
            unknown_owner=team is None,
            owner=runbook.owner,
        )

    return context.memoised(("ladder", runbook.owner), render)


# --- macro calls -----------------------------------------------------------------------------


def render_call(context: RenderContext, call: MacroCall) -> str:
    """Expand one macro call found by :func:`opsbook.model.macros.find_macro_calls`."""
    if call.problem is not None:
        return notice(f"{call.text}: {call.problem}")
    arguments = call.arguments
    if call.name == "severity_table":
        return severity_table(context)
    if call.name == "contacts_directory":
        return contacts_directory(context)
    if call.name == "vendor_directory":
        return vendor_directory(context)
    if call.name == "contact_card":
        return contact_card(context, arguments[0])
    if call.name == "escalation_ladder":
        return escalation_ladder(context, arguments[0])
    if call.name == "who_to_call":
        return who_to_call(context, arguments[0])
    if call.name == "overdue_reviews":
        return overdue_reviews_list(context)
    return notice(f'{call.text}: unknown macro "{call.name}"')  # pragma: no cover
