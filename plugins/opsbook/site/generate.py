"""Which pages and files the plugin adds to the site, and what goes in them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from opsbook.diagnostics import Diagnostic, Level
from opsbook.load.document import Document
from opsbook.model.project import Project
from opsbook.model.runbook import Runbook
from opsbook.model.urls import (
    ALERTS_INDEX,
    RULES_PAGE,
    RUNBOOKS_BY_SERVICE,
    RUNBOOKS_BY_SEVERITY,
    alert_redirect,
    service_page,
)
from opsbook.render import fragments, pages
from opsbook.render.context import RenderContext
from opsbook.site.links import page_linker


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


@dataclass
class SiteWork:
    """Everything opsbook computes for one build from the model: plain data, so a worker
    process can hand it back."""

    diagnostics: list[Diagnostic]
    pages: dict[str, pages.PageSource]  # generated page src_uri → source
    cards: dict[str, str]  # runbook page src_uri → header card HTML
    summaries: dict[str, str]  # runbook page src_uri → the line search indexes for it


def page_context(context: RenderContext, files: Files, page: File) -> RenderContext:
    """``context`` linking relative to ``page`` (pages in one folder share rendered pieces)."""
    return context.on_page(page_linker(files, page), link_base=page.url.rpartition("/")[0])


class RenderMemo:
    """The generated pages, cards and summaries of the last build of a `mkdocs serve`, and
    what they were rendered from: a save that changes none of it (a runbook's body, most
    often) renders none of them again.

    They are rendered from the model alone (never a runbook's body), the body-derived anchors
    of the contacts directory and ladders, the configuration and the site's files. So the key
    holds each runbook's frontmatter text, every other file's whole text, the rule files (the
    objects LiveCheck keeps while their bytes are unchanged), the anchors, the
    configuration, every file's URL and what the build asks for."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._kept: tuple[dict[str, pages.PageSource], dict[str, str], dict[str, str]] | None = None

    def get(self, key: tuple[Any, ...]
            ) -> tuple[dict[str, pages.PageSource], dict[str, str], dict[str, str]] | None:
        return self._kept if key == self._key else None

    def keep(self, key: tuple[Any, ...],
             work: tuple[dict[str, pages.PageSource], dict[str, str], dict[str, str]]) -> None:
        self._key, self._kept = key, work


def _head(text: str, lines: int) -> str:
    """The first ``lines`` lines of ``text``."""
    if lines <= 0:
        return ""
    at = -1
    for _ in range(lines):
        at = text.find("\n", at + 1)
        if at < 0:
            return text
    return text[:at]


def _rendered_from(document: Document, kind: str | None) -> str:
    """What of ``document`` the rendering reads: a runbook's frontmatter, any other file whole
    (a contacts sheet's body may hold macros; its page is MkDocs' to render anyway)."""
    if document.text is None:
        return "\0unreadable"
    if kind == "runbook":
        return _head(document.text, document.body_start - 1)
    return document.text


def render_key(
    project: Project, context: RenderContext, files: Files, generated: list[GeneratedPage],
    runbooks: dict[str, Runbook], pdf_links: bool, with_summaries: bool,
) -> tuple[Any, ...]:
    """Everything :func:`site_work` renders from (see :class:`RenderMemo`)."""
    stamp = hashlib.blake2b(digest_size=16)
    for document in project.documents:
        kind = project.document_kind(document)
        stamp.update(f"{document.display_path}\0{document.path}\0{kind}\0".encode(
            "utf-8", "surrogateescape"))
        stamp.update(_rendered_from(document, kind).encode("utf-8", "surrogateescape"))
        stamp.update(b"\0\0")
    rules = project.alert_rules
    return (
        stamp.hexdigest(), repr(project.config), context.redact, context.directory_urls,
        sorted(context.anchors.items()),
        None if rules is None else (tuple(rules.files), repr(rules.unmatched),
                                    rules.config_display_path),
        tuple((file.src_uri, file.url) for file in files),
        tuple((page.src_uri, page.group, repr(page.render)) for page in generated),
        tuple((src_uri, runbook.origin.display_path) for src_uri, runbook in runbooks.items()),
        pdf_links, with_summaries,
    )


def site_work(
    project: Project,
    context: RenderContext,
    files: Files,
    generated: list[GeneratedPage],
    runbooks: dict[str, Runbook],
    checker: Callable[[Project], list[Diagnostic]],
    pdf_links: bool,
    with_summaries: bool = False,
    memo: RenderMemo | None = None,
) -> SiteWork:
    """Check the handbook, render the generated pages and every runbook's header card (and,
    ``with_summaries``, the line search indexes in the card's place).
    ``pdf_links``: the build writes PDFs (unless a finding is an error), so cards link them.
    ``memo``: the last build's, reused when rendered from the same (`mkdocs serve`)."""
    diagnostics = checker(project)
    pdf_links = pdf_links and not any(d.level is Level.ERROR for d in diagnostics)
    key = None
    if memo is not None:
        key = render_key(project, context, files, generated, runbooks, pdf_links,
                         with_summaries)
        kept = memo.get(key)
        if kept is not None:
            return SiteWork(diagnostics, *kept)
    sources = {}
    for page in generated:
        page_file = files.get_file_from_path(page.src_uri)
        if page_file is not None:
            sources[page.src_uri] = page.render(context.on_page(page_linker(files, page_file)))
    cards, summaries = {}, {}
    for src_uri, runbook in runbooks.items():
        runbook_file = files.get_file_from_path(src_uri)
        if runbook_file is None:
            continue
        pdf_href = None
        if pdf_links:
            pdf_href = get_relative_url(f"pdf/runbooks/{runbook.id}.pdf", runbook_file.url)
        cards[src_uri] = fragments.runbook_header(
            page_context(context, files, runbook_file), runbook, pdf_href=pdf_href
        )
        if with_summaries:
            summaries[src_uri] = fragments.runbook_search_summary(context, runbook)
    if memo is not None and key is not None:
        memo.keep(key, (sources, cards, summaries))
    return SiteWork(diagnostics, sources, cards, summaries)
