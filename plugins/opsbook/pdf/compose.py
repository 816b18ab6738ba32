"""Print documents: the handbook and one document per runbook, as HTML for WeasyPrint.

Pure functions over the content model and the pages MkDocs rendered. What goes where is
decided by :func:`plan_handbook` and :func:`handbook_parts`; :class:`HandbookWriter` and
:func:`runbook_html` wrap the rewritten pages in the print templates of this package. A
runbook has one print document, which is both its own PDF and its part of the handbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any

from opsbook.model.project import Project
from opsbook.model.runbook import Runbook
from opsbook.pdf.capture import RenderedPage
from opsbook.pdf.revision import Revision
from opsbook.pdf.rewrite import LinkTargets, page_anchor, rewrite_page, site_path

TEMPLATES = Path(__file__).parent / "templates"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}


class PrintError(Exception):
    """The handbook cannot be printed as asked (reported without a traceback)."""


@dataclass(frozen=True)
class PrintSettings:
    paper: str  # "a4" | "letter"
    site_name: str
    company: str
    printed_on: dt.date
    revision: Revision
    site_url: str = ""
    unverified: int = 0  # error-level findings printed anyway (--allow-findings)
    redact: bool = False  # personal numbers withheld (the rota tables added on paper too)

    @property
    def printed_line(self) -> str:
        where = self.site_url or "the site"
        return (f"Printed {self.printed_on.isoformat()} rev {self.revision.short_label}"
                f" — check {where} for the latest")

    @property
    def stamp(self) -> str:
        if not self.unverified:
            return ""
        plural = "s" if self.unverified != 1 else ""
        return f"UNVERIFIED — printed despite {self.unverified} error-level finding{plural}"


@dataclass(frozen=True)
class BuiltSite:
    """The output of one site build that PDFs are made from."""

    pages: dict[Path, RenderedPage]  # by resolved source file
    site_dir: Path
    stylesheets: tuple[Path, ...] = ()  # the site's own local CSS files (extra_css)
    # The hash of every source of the build but the runbooks' bodies, "" when unknown
    # (opsbook.pdf.sources.site_inputs): a runbook's print document is keyed by its sources.
    inputs: str = ""


@dataclass(frozen=True)
class Section:
    """One site page in the handbook (severity levels, contacts, templates, guides)."""

    kind: str  # severity | contacts | templates | page
    page: RenderedPage

    @property
    def anchor(self) -> str:
        return page_anchor(self.page.src_uri)


@dataclass(frozen=True)
class RunbookEntry:
    runbook: Runbook
    page: RenderedPage

    @property
    def anchor(self) -> str:
        return page_anchor(self.page.src_uri)


@dataclass(frozen=True)
class ServiceGroup:
    service: str
    team: str  # the owning team's display name, "" when unknown
    runbooks: list[RunbookEntry] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "svc-" + page_anchor(self.service).removeprefix("p-")


@dataclass(frozen=True)
class HandbookPlan:
    sections: list[Section]
    services: list[ServiceGroup]
    rotas: Mapping[str, str] = field(default_factory=dict)  # team id → printed rota table

    @property
    def runbooks(self) -> list[RunbookEntry]:
        return [entry for group in self.services for entry in group.runbooks]

    def alerts(self) -> list[tuple[str, RunbookEntry]]:
        return sorted(
            ((alert, entry) for entry in self.runbooks for alert in entry.runbook.alerts),
            key=lambda item: (item[0].lower(), item[1].runbook.title),
        )


def runbook_page(runbook: Runbook, pages: dict[Path, RenderedPage]) -> RenderedPage:
    page = pages.get(runbook.origin.document.path.resolve())
    if page is None:
        raise PrintError(
            f"runbook {runbook.id!r} ({runbook.origin.display_path}) is not a page of the site"
        )
    return page


def owning_team(project: Project, runbook: Runbook) -> str:
    """The display name of the team that owns a runbook (or its service), "" when unknown."""
    contacts = project.contacts
    team = contacts.teams.get(runbook.owner) or contacts.team_for_service(runbook.service)
    return team.name if team else ""


def plan_handbook(project: Project, pages: dict[Path, RenderedPage],
                  rotas: Mapping[str, str] | None = None) -> HandbookPlan:
    """Order the handbook: home page, severity matrix, contacts, communication templates,
    other pages in navigation order, then runbooks grouped by service."""
    runbook_sources = {runbook.origin.document.path.resolve() for runbook in project.runbooks}
    kinds: dict[Path, str] = {}
    for document in project.documents:
        kind = project.document_kind(document)
        order = {"severity-matrix": "severity", "contacts": "contacts", "template": "templates"}
        if kind in order:
            kinds[document.path.resolve()] = order[kind]
    project_sources = {document.path.resolve() for document in project.documents}
    rank = {"home": 0, "severity": 1, "contacts": 2, "templates": 3, "page": 4}
    sections: list[Section] = []
    for source, page in pages.items():
        if source in runbook_sources or source not in project_sources:
            continue  # runbooks come later; generated pages (indexes) are site navigation
        kind = kinds.get(source, "page")
        sections.append(Section(kind, page))
    sections.sort(key=lambda s: (
        rank["home"] if s.page.url in ("", "index.html") and s.kind == "page"
        else rank[s.kind],
        s.page.nav_position, s.page.src_uri,
    ))
    groups: dict[str, ServiceGroup] = {}
    for runbook in sorted(project.runbooks, key=lambda r: (r.service, r.title.lower(), r.id)):
        if runbook.service not in groups:
            groups[runbook.service] = ServiceGroup(runbook.service, owning_team(project, runbook))
        groups[runbook.service].runbooks.append(
            RunbookEntry(runbook, runbook_page(runbook, pages))
        )
    return HandbookPlan(sections, list(groups.values()), dict(rotas or {}))


_ROTA_SLOT = re.compile(r'<div class="ob-rota-print" data-ob-team="([^"<>]*)"></div>')
# "On call now" needs a clock and a script: paper leaves it out (its <script src> would also
# name the build's scratch directory, and a print document must read the same every run).
_ONCALL = re.compile(r'<div class="ob-oncall" data-ob-team="[^"<>]*">.*?</div>\n?', re.S)


def printed_rotas(project: Project, settings: PrintSettings) -> dict[str, str]:
    """Each team's rota for the eight weeks from the print date, as paper shows it under a
    runbook's header card. Its text (names, numbers, dates) is part of the print document, so
    a change to the rotation, the contacts or the date prints the runbook again."""
    if not project.rotations:
        return {}
    from opsbook.render.context import RenderContext
    from opsbook.render.fragments import rota_table

    context = RenderContext.for_project(project, redact=settings.redact or None)
    return {
        team: rota_table(context, team, settings.printed_on, stamp_label="printed",
                         calendar=False)
        for team in dict.fromkeys(rotation.team for rotation in project.rotations)
    }


def fill_rota_slots(html: str, rotas: Mapping[str, str]) -> str:
    """Put each team's printed rota in the empty slot the site leaves in a header card, and
    drop the "On call now" placeholders."""
    if 'class="ob-oncall"' in html:
        html = _ONCALL.sub("", html)
    if 'class="ob-rota-print"' not in html:
        return html
    return _ROTA_SLOT.sub(
        lambda match: f'<div class="ob-rota-print">{rotas.get(unescape(match.group(1)), "")}'
                      "</div>",
        html,
    )


def _rewritten(page: RenderedPage, targets: LinkTargets) -> str:
    return rewrite_page(page.html, page.url, page_anchor(page.src_uri), targets)


def _has_own_title(page: RenderedPage) -> bool:
    # MkDocs themes show the page title only when the content has no h1 of its own.
    return "<h1" in page.html


@dataclass(frozen=True)
class HandbookPart:
    """What one separately laid-out piece of the handbook holds. Every part starts on a new
    page in the whole document too, so laying the parts out one by one breaks pages where the
    whole document would."""

    name: str
    front: bool = False  # cover and contents
    sections: tuple[Section, ...] = ()
    # (service, its runbooks in this part, whether this part opens the service)
    groups: tuple[tuple[ServiceGroup, tuple[RunbookEntry, ...], bool], ...] = ()
    opens_runbooks: bool = False  # the "Runbooks" title
    alerts: bool = False


def handbook_parts(plan: HandbookPlan) -> list[HandbookPart]:
    """The handbook in document order: front matter, one part per site page, one per
    runbook (laid out as the runbook's own document; the first of a service opens the
    service's outline entry and anchor), the alert index."""
    parts = [HandbookPart("front", front=True)]
    parts += [HandbookPart(f"page:{section.anchor}", sections=(section,))
              for section in plan.sections]
    first = True
    for group in plan.services:
        for index, entry in enumerate(group.runbooks):
            parts.append(HandbookPart(f"runbook:{entry.runbook.id}",
                                      groups=((group, (entry,), index == 0),),
                                      opens_runbooks=first))
            first = False
    if plan.alerts():
        parts.append(HandbookPart("alerts", alerts=True))
    return parts


class HandbookWriter:
    """The print HTML of the handbook's parts that are not runbooks (those are laid out as
    the runbooks' own documents, see :func:`runbook_html`); pages are rewritten once."""

    def __init__(self, plan: HandbookPlan, settings: PrintSettings, site: BuiltSite) -> None:
        self.plan, self.settings = plan, settings
        anchors = {site_path(s.page.url): s.anchor for s in plan.sections}
        anchors.update({site_path(e.page.url): e.anchor for e in plan.runbooks})
        targets = LinkTargets(anchors, settings.site_url, site.site_dir)
        pages = [(s.anchor, s.page) for s in plan.sections]
        self.body = {anchor: fill_rota_slots(_rewritten(page, targets), plan.rotas)
                     for anchor, page in pages}
        self.own_title = {anchor for anchor, page in pages if _has_own_title(page)}

    def html(self, part: HandbookPart, *, numbered_later: bool = True) -> str:
        """The part's document (front matter, site pages, alert index; not its runbooks).
        Page numbers of links are left out (see :func:`fill_page_numbers`); "page x of y"
        too when ``numbered_later``."""
        return _render(
            "handbook.html", settings=self.settings, title=self.settings.site_name,
            plan=self.plan, part=part, body=self.body, own_title=self.own_title,
            numbered_later=numbered_later, plain_first_page=part.front,
        )


_LOCAL_LINK = re.compile(r'<a\b[^>]*?\shref="#([^"]+)"[^>]*>')
# Permalinks next to headings are not printed (print.css): they show no page number.
_HIDDEN_LINK = re.compile(r'\sclass="[^"]*\bheaderlink\b')


def page_refs(html: str) -> set[str]:
    """The anchors a document links to with a page number shown (in the handbook)."""
    return {unescape(match.group(1)) for match in _LOCAL_LINK.finditer(html)
            if not _HIDDEN_LINK.search(match.group(0))}


def fill_page_numbers(html: str, numbers: Mapping[str, int]) -> str:
    """Write each local link's page number into it (``data-page``, shown by print.css);
    links to anchors with no known page get none."""

    def fill(match: re.Match[str]) -> str:
        tag = match.group(0)
        number = numbers.get(unescape(match.group(1)))
        if number is None or _HIDDEN_LINK.search(tag):
            return tag
        end = -2 if tag.endswith("/>") else -1
        return f'{tag[:end]} data-page="{number}"{tag[end:]}'

    return _LOCAL_LINK.sub(fill, html)


def runbook_html(
    runbook: Runbook, page: RenderedPage, settings: PrintSettings, site: BuiltSite,
    rotas: Mapping[str, str] | None = None, *, team: str = "", numbered_later: bool = False,
) -> str:
    """A runbook's print document: its own PDF, and the same layout is its part of the
    handbook. ``team`` is the owning team's name (shown with the service, as the handbook
    groups runbooks); with ``numbered_later`` "page x of y" is left out, to be stamped on
    each of the two documents (opsbook.pdf.assemble)."""
    entry = RunbookEntry(runbook, page)
    targets = LinkTargets({site_path(page.url): entry.anchor}, settings.site_url, site.site_dir)
    return _render(
        "runbook.html",
        settings=settings,
        title=runbook.title,
        entry=entry,
        team=team,
        body={entry.anchor: fill_rota_slots(_rewritten(page, targets), rotas or {})},
        own_title={entry.anchor} if _has_own_title(page) else set(),
        numbered_later=numbered_later, plain_first_page=True,
    )


def css_string(value: str) -> str:
    """A CSS string literal; safe inside a ``<style>`` element."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
        .replace("<", "\\3C ").replace(">", "\\3E ")
    )
    return f'"{escaped}"'


@cache
def _environment() -> Any:
    import jinja2  # a dependency of the site already; loaded only when printing
    import jinja2.sandbox
    import markupsafe

    # Templates are ours, values come from content: sandboxed like the site's macros, so no
    # value can reach Python attributes or the file system even through a template mistake.
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["css_string"] = lambda value: markupsafe.Markup(css_string(value))
    environment.filters["html"] = markupsafe.Markup
    environment.globals["paper_sizes"] = PAPER_SIZES
    return environment


def _render(template: str, **context: Any) -> str:
    return str(_environment().get_template(template).render(**context))
