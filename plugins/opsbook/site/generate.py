"""Which pages and files the plugin adds to the site, and what goes in them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from opsbook.model.project import Project
from opsbook.model.runbook import Runbook
from opsbook.render import pages
from opsbook.render.context import RenderContext
from opsbook.site.urls import (
    ALERTS_INDEX,
    RULES_PAGE,
    RUNBOOKS_BY_SERVICE,
    RUNBOOKS_BY_SEVERITY,
    alert_redirect,
    service_page,
)


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    render: Callable[[RenderContext], pages.PageSource]
    """The page's source, given a context whose links are relative to this page."""
    group: str  # "index", "service" or "reference": where the navigation puts it


@dataclass(frozen=True)
class AlertRedirect:
    src_uri: str  # path of the file in the site: alerts/<Alert>.html or alerts/<Alert>/index.html
    alert: str
    runbook: Runbook

    @property
    def url(self) -> str:
        return self.src_uri.removesuffix("index.html")


def _rule_catalogue(_context: RenderContext) -> pages.PageSource:
    from opsbook.checks import ALL_RULES

    return pages.rules_page(ALL_RULES)


def planned_pages(project: Project, alert_pages: bool = False) -> list[GeneratedPage]:
    context = RenderContext(project)
    planned = [
        GeneratedPage(RUNBOOKS_BY_SERVICE, pages.runbooks_by_service_page, "index"),
        GeneratedPage(RUNBOOKS_BY_SEVERITY, pages.runbooks_by_severity_page, "index"),
        GeneratedPage(ALERTS_INDEX, partial(pages.alerts_index_page, alert_pages=alert_pages),
                      "index"),
    ]
    seen: set[str] = set()
    for service in pages.services(context):
        src_uri = service_page(service)
        if src_uri not in seen:  # two spellings of one service share a page
            seen.add(src_uri)
            planned.append(GeneratedPage(
                src_uri, partial(pages.service_page_source, service=service), "service"
            ))
    planned.append(GeneratedPage(RULES_PAGE, _rule_catalogue, "reference"))
    return planned


def planned_redirects(project: Project, directory_urls: bool) -> list[AlertRedirect]:
    redirects: dict[str, AlertRedirect] = {}
    for runbook in project.runbooks:
        for alert in runbook.alerts:
            src_uri = alert_redirect(alert, directory_urls)
            if src_uri and src_uri.lower() not in redirects:  # the first claim wins (OB305)
                redirects[src_uri.lower()] = AlertRedirect(src_uri, alert, runbook)
    return list(redirects.values())
