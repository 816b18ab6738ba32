"""Generated pages: runbooks by service, by severity and by alert, one page per service, the
stable per-alert redirect, and the rule catalogue.

Pages come out as Markdown sources (headings in Markdown so they reach the table of contents
and search; listings as HTML), to be added to the site as generated files. Links are resolved
with the context's linker against the page being generated.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from opsbook.checks.rule import Rule
from opsbook.model.runbook import Runbook
from opsbook.render.context import RenderContext
from opsbook.render.fragments import (
    LevelView,
    find_level,
    markdown_text,
    render_markdown,
    render_template,
    review_view,
    severity_badge,
    team_for_service,
    who_to_call,
)
from opsbook.site.urls import ALERTS_INDEX, document_src_uri, service_page


@dataclass(frozen=True)
class RunbookRow:
    id: str
    title: str
    summary: str
    href: str | None
    service: str
    service_href: str | None
    badge: Markup
    alerts: tuple[str, ...]
    owner: str
    last_reviewed: str
    overdue: bool


def _sort_key(context: RenderContext, runbook: Runbook) -> tuple[int, str, str]:
    matrix = context.project.matrix
    level = matrix.lookup(runbook.severity) if matrix and runbook.severity else None
    return (level.rank if level else 999, runbook.title.lower(), runbook.id)


def runbook_row(context: RenderContext, runbook: Runbook, levels: dict[str, LevelView | None]
                ) -> RunbookRow:
    if runbook.severity not in levels:
        levels[runbook.severity] = find_level(context, runbook.severity)
    page = document_src_uri(context.project.config, runbook.origin.document.path)
    team = context.project.contacts.teams.get(runbook.owner)
    review = review_view(context, runbook)
    return RunbookRow(
        runbook.id,
        runbook.title,
        runbook.summary,
        context.href(page),
        runbook.service,
        context.href(service_page(runbook.service)) if runbook.service else None,
        Markup(severity_badge(levels[runbook.severity], runbook.severity)),
        tuple(runbook.alerts),
        team.name if team else runbook.owner,
        runbook.last_reviewed.isoformat() if runbook.last_reviewed else "never",
        review.overdue,
    )


def _rows(context: RenderContext, runbooks: Iterable[Runbook]) -> list[RunbookRow]:
    levels: dict[str, LevelView | None] = {}
    ordered = sorted(runbooks, key=lambda runbook: _sort_key(context, runbook))
    return [runbook_row(context, runbook, levels) for runbook in ordered]


def runbook_table(context: RenderContext, runbooks: Iterable[Runbook],
                  show_service: bool = True) -> str:
    return render_template("runbook_table.html", rows=_rows(context, runbooks),
                           show_service=show_service)


def services(context: RenderContext) -> list[str]:
    """Every service a runbook or a team names, sorted."""
    named = {runbook.service for runbook in context.project.runbooks if runbook.service}
    for team in context.project.contacts.teams.values():
        named.update(team.services)
    return sorted(named, key=str.lower)


def _frontmatter(title: str, heading: str) -> str:
    """Frontmatter with the short title the navigation shows, then the page's own heading."""
    # JSON is valid YAML, and quoting this way cannot be broken by the title's text.
    return f"---\ntitle: {json.dumps(title)}\n---\n\n# {markdown_text(heading)}\n\n"


def runbooks_by_service_page(context: RenderContext) -> str:
    by_service: dict[str, list[Runbook]] = defaultdict(list)
    for runbook in context.project.runbooks:
        by_service[runbook.service].append(runbook)
    sections = []
    for service in services(context):
        team = team_for_service(context, service)
        sections.append({
            "service": service,
            "href": context.href(service_page(service)),
            "team": team.name if team else "",
            "team_href": context.contact_href("team", team.id) if team else None,
            "table": Markup(runbook_table(context, by_service.get(service, []), False)),
            "count": len(by_service.get(service, [])),
        })
    body = render_markdown("pages/by_service.md", sections=sections,
                           total=len(context.project.runbooks),
                           alerts_href=context.href(ALERTS_INDEX))
    return _frontmatter("By service", "Runbooks by service") + body + "\n"


def runbooks_by_severity_page(context: RenderContext) -> str:
    matrix = context.project.matrix
    levels = list(matrix.levels) if matrix else []
    grouped: dict[str, list[Runbook]] = defaultdict(list)
    unknown: list[Runbook] = []
    for runbook in context.project.runbooks:
        level = matrix.lookup(runbook.severity) if matrix and runbook.severity else None
        (grouped[level.id] if level else unknown).append(runbook)
    sections = []
    for level in levels:
        view = find_level(context, level.id)
        sections.append({
            "title": f"{level.id}: {level.summary}" if level.summary else level.id,
            "table": Markup(runbook_table(context, grouped.get(level.id, []))),
            "count": len(grouped.get(level.id, [])),
            "badge": Markup(severity_badge(view)),
        })
    if unknown:
        sections.append({
            "title": "Not in the severity matrix",
            "table": Markup(runbook_table(context, unknown)),
            "count": len(unknown),
            "badge": Markup(""),
        })
    body = render_markdown("pages/by_severity.md", sections=sections)
    return _frontmatter("By severity", "Runbooks by severity") + body + "\n"


@dataclass(frozen=True)
class AlertRow:
    alert: str
    runbook: RunbookRow


def alerts_index_page(context: RenderContext) -> str:
    levels: dict[str, LevelView | None] = {}
    rows = [
        AlertRow(alert, runbook_row(context, runbook, levels))
        for runbook in context.project.runbooks
        for alert in runbook.alerts
    ]
    rows.sort(key=lambda row: (row.alert.lower(), row.runbook.id))
    body = render_markdown("pages/alerts.md", rows=rows)
    return _frontmatter("By alert", "Runbooks by alert") + body + "\n"


def service_page_source(context: RenderContext, service: str) -> str:
    runbooks = [r for r in context.project.runbooks if r.service == service]
    body = render_markdown(
        "pages/service.md",
        service=service,
        who=Markup(who_to_call(context, service)),
        table=Markup(runbook_table(context, runbooks, False)),
        count=len(runbooks),
    )
    return _frontmatter(service, f"Service {service}") + body + "\n"


def alert_redirect_html(alert: str, runbook_title: str, href: str) -> str:
    """A static page at ``alerts/<Alert>/`` that forwards to the runbook, without script."""
    return render_template("alert_redirect.html", alert=alert, title=runbook_title,
                           href=href) + "\n"


@dataclass(frozen=True)
class RuleView:
    id: str
    name: str
    level: str
    summary: str
    why: str
    bad: str
    good: str
    fix: str
    family: str


FAMILIES = {
    "OB0": "Loading files",
    "OB1": "Contacts",
    "OB2": "Severity levels",
    "OB3": "Runbooks",
    "OB4": "Macros",
    "OB5": "Text",
    "OB6": "Code blocks",
    "OB9": "Suppressions",
}


def rules_page(rules: Iterable[Rule]) -> str:
    """The rule catalogue, one section per rule (ruff's rule pages are the model)."""
    families: dict[str, list[RuleView]] = defaultdict(list)
    for rule in sorted(rules, key=lambda rule: rule.id):
        family = FAMILIES.get(rule.id[:3], f"{rule.id[:3]}xx")
        families[family].append(RuleView(
            rule.id, rule.name, rule.level.value, rule.summary, rule.why, rule.bad, rule.good,
            rule.fix, family,
        ))
    body = render_markdown("pages/rules.md", families=families)
    return _frontmatter("Checker rules", "Checker rules") + body + "\n"
