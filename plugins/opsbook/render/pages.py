"""Generated pages: runbooks by service, by severity and by alert, one page per service, the
stable per-alert redirect, and the rule catalogue.

Pages come out as Markdown sources (headings in Markdown so they reach the table of contents
and search; listings as HTML), to be added to the site as generated files. Links are resolved
with the context's linker against the page being generated.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

from opsbook.model.alerts import SEVERITY_LABELS, AlertRule
from opsbook.model.runbook import Runbook
from opsbook.model.urls import ALERTS_INDEX, document_src_uri, service_page
from opsbook.render.context import RenderContext
from opsbook.render.expand import Stash
from opsbook.render.fragments import (
    find_level,
    level_view,
    markdown_text,
    render_markdown,
    render_template,
    review_view,
    severity_badge,
    team_for_service,
    who_to_call,
)

if TYPE_CHECKING:  # the checks are imported only where the catalogue is rendered
    from opsbook.checks.rule import Rule


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


def runbook_row(context: RenderContext, runbook: Runbook, badges: dict[str, Markup],
                services: dict[str, str | None] | None = None) -> RunbookRow:
    """One runbook in an index table; ``badges`` caches the badge per written severity,
    ``services`` the link to each service page (both repeat on every row)."""
    badge = badges.get(runbook.severity)
    if badge is None:
        level = find_level(context, runbook.severity)
        badge = badges[runbook.severity] = Markup(severity_badge(level, runbook.severity))
    services = {} if services is None else services
    if runbook.service and runbook.service not in services:
        services[runbook.service] = context.href(service_page(runbook.service))
    page = document_src_uri(context.project.config, runbook.origin.document.path)
    team = context.project.contacts.teams.get(runbook.owner)
    review = review_view(context, runbook)
    return RunbookRow(
        runbook.id,
        runbook.title,
        runbook.summary,
        context.href(page),
        runbook.service,
        services.get(runbook.service) if runbook.service else None,
        badge,
        tuple(runbook.alerts),
        team.name if team else runbook.owner,
        runbook.last_reviewed.isoformat() if runbook.last_reviewed else "never",
        review.overdue,
    )


def _rows(context: RenderContext, runbooks: Iterable[Runbook]) -> list[RunbookRow]:
    badges: dict[str, Markup] = {}
    services: dict[str, str | None] = {}
    ordered = sorted(runbooks, key=lambda runbook: _sort_key(context, runbook))
    return [runbook_row(context, runbook, badges, services) for runbook in ordered]


def runbook_table(context: RenderContext, runbooks: Iterable[Runbook],
                  show_service: bool = True) -> str:
    rows = [vars(row) for row in _rows(context, runbooks)]
    return render_template("runbook_table.html", rows=rows, show_service=show_service)


def services(context: RenderContext) -> list[str]:
    """Every service a runbook or a team names, sorted."""
    named = {runbook.service for runbook in context.project.runbooks if runbook.service}
    for team in context.project.contacts.teams.values():
        named.update(team.services)
    return sorted(named, key=str.lower)


@dataclass(frozen=True)
class PageSource:
    """A generated page: Markdown with tokens where its HTML blocks go (``stash``), so large
    listings never pass through the Markdown parser. Restore them with
    :func:`opsbook.render.expand.restore_calls` after conversion."""

    markdown: str
    stash: Stash

    def html_inline(self) -> str:
        """The Markdown with the HTML blocks put back (for tools that convert it whole)."""
        text = self.markdown
        for token, html in self.stash.fragments.items():
            text = text.replace(token, html)
        return text


def _page(
    template: str, title: str, heading: str, searchable: bool = False, **values: object
) -> PageSource:
    stash = Stash()
    body = render_markdown(template, hold=stash.keep, **values)
    return PageSource(_frontmatter(title, heading, searchable) + body + "\n", stash)


def _frontmatter(title: str, heading: str, searchable: bool) -> str:
    """Frontmatter with the short title the navigation shows, then the page's own heading.

    Listing pages stay out of the search index: every runbook they list is found on its own
    page (whose header card names its alerts, service and owner), and indexing thousands of
    rows again would slow the build and push the runbooks down the results."""
    # JSON is valid YAML, and quoting this way cannot be broken by the title's text.
    search = "" if searchable else "search:\n  exclude: true\n"
    return f"---\ntitle: {json.dumps(title)}\n{search}---\n\n# {markdown_text(heading)}\n\n"


def runbooks_by_service_page(context: RenderContext) -> PageSource:
    """Every service with its on-call team and how many runbooks it has, by severity; each
    service's own page lists the runbooks (so no runbook is listed twice here)."""
    by_service: dict[str, list[Runbook]] = defaultdict(list)
    for runbook in context.project.runbooks:
        by_service[runbook.service].append(runbook)
    matrix = context.project.matrix
    levels = [level_view(level) for level in matrix.levels] if matrix else []
    rows = []
    for service in services(context):
        team = team_for_service(context, service)
        counts: dict[str, int] = defaultdict(int)
        for runbook in by_service.get(service, []):
            level = matrix.lookup(runbook.severity) if matrix and runbook.severity else None
            counts[level.id if level else ""] += 1
        rows.append({
            "service": service,
            "href": context.href(service_page(service)),
            "team": team.name if team else "",
            "team_href": context.contact_href("team", team.id) if team else None,
            "channel": team.channel if team else "",
            "count": len(by_service.get(service, [])),
            "counts": [counts.get(level.id, 0) for level in levels],
        })
    table = render_template("services_table.html", rows=rows, levels=levels,
                            badges=[Markup(severity_badge(level)) for level in levels])
    return _page("pages/by_service.md", "By service", "Runbooks by service",
                 table=Markup(table), total=len(context.project.runbooks),
                 alerts_href=context.href(ALERTS_INDEX))


def runbooks_by_severity_page(context: RenderContext) -> PageSource:
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
    return _page("pages/by_severity.md", "By severity", "Runbooks by severity",
                 sections=sections)


_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]*$")


@dataclass(frozen=True)
class AlertRow:
    alert: str
    runbook: RunbookRow | None  # None: a rule file defines the alert, no runbook answers it


@dataclass(frozen=True)
class AlertRuleView:
    """One alerting rule as the alert index shows it."""

    expr: str
    duration: str
    labels: tuple[tuple[str, str], ...]  # severity-like labels first


def _rule_views(rules: list[AlertRule]) -> list[AlertRuleView]:
    views = []
    for rule in rules:
        labels = sorted(rule.labels.items(),
                        key=lambda item: (item[0] not in SEVERITY_LABELS, item[0]))
        views.append(AlertRuleView(rule.expr.strip(), rule.duration, tuple(labels)))
    return views


def alerts_index_page(context: RenderContext, alert_pages: bool = False) -> PageSource:
    """Every alert with its runbook. Each row's id is the alert name, and a small script sends
    ``alerts/#<AlertName>`` on to the runbook, so an alert's ``runbook_url`` has a stable
    address that costs no file per alert; ``alert_pages`` describes the per-alert pages
    instead, when the site writes them. With rule files (`alert_rules`), each alert also shows
    its rules' expressions and labels, and alerts no runbook answers are listed too."""
    badges: dict[str, Markup] = {}
    service_links: dict[str, str | None] = {}
    rows = [
        AlertRow(alert, runbook_row(context, runbook, badges, service_links))
        for runbook in context.project.runbooks
        for alert in runbook.alerts
    ]
    alert_rules = context.project.alert_rules
    by_name = alert_rules.by_name() if alert_rules is not None else {}
    answered = {row.alert.strip().lower() for row in rows}
    rows.extend(AlertRow(rules[0].name, None) for name, rules in by_name.items()
                if name not in answered)
    rows.sort(key=lambda row: (row.alert.lower(), row.runbook.id if row.runbook else ""))
    index = "alerts/" if context.directory_urls else "alerts/index.html"
    pattern = f"{index}#<AlertName>"
    if alert_pages:
        pattern = "alerts/<AlertName>/" if context.directory_urls else "alerts/<AlertName>.html"
    seen: set[str] = set()
    anchors = []
    for row in rows:  # the first runbook claiming an alert owns its anchor (OB305)
        usable = bool(_ANCHOR.match(row.alert)) and row.alert not in seen
        seen.add(row.alert)
        anchors.append(row.alert if usable else None)
    table = render_template(
        "alerts_table.html",
        rows=[(row.alert, vars(row.runbook) if row.runbook else None, anchor,
               _rule_views(by_name.get(row.alert.strip().lower(), [])))
              for row, anchor in zip(rows, anchors, strict=True)],
        show_rules=alert_rules is not None,
    )
    return _page("pages/alerts.md", "By alert", "Runbooks by alert", pattern=pattern,
                 table=Markup(table))


def service_page_source(context: RenderContext, service: str) -> PageSource:
    runbooks = [r for r in context.project.runbooks if r.service == service]
    return _page(
        "pages/service.md", service, f"Service {service}",
        service=service,
        who=Markup(who_to_call(context, service)),
        table=Markup(runbook_table(context, runbooks, False)),
        count=len(runbooks),
    )


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
    where: str  # which file the examples are


def rules_page(rules: Iterable[Rule]) -> PageSource:
    """The rule catalogue, one section per rule (ruff's rule pages are the model)."""
    from opsbook.checks import family_title
    from opsbook.checks.examples import example_caption

    families: dict[str, list[RuleView]] = defaultdict(list)
    for rule in sorted(rules, key=lambda rule: rule.id):
        family = family_title(rule)
        families[family].append(RuleView(
            rule.id, rule.name, rule.level.value, rule.summary, rule.why, rule.bad, rule.good,
            rule.fix, family, example_caption(rule),
        ))
    def rule_html(rule: RuleView) -> Markup:
        return Markup(render_template("rule.html", rule=rule))

    return _page("pages/rules.md", "Checker rules", "Checker rules", searchable=True,
                 families=families, rule_html=rule_html)
