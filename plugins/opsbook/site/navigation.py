"""The navigation: runbooks reached through index and service pages, never listed one by one.

A Material page renders the whole navigation into its HTML, so listing every runbook in it
makes the site grow with the square of the number of runbooks (1,000 runbooks: 30 s, 327 MB).
Runbook pages stay out of the navigation; a "Runbooks" section holds the index pages and one
page per service, and those pages do the listing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

SERVICES_IN_NAV_UNPRUNED = 20
"""Without Material's navigation.prune, beyond this many services the navigation links only
the "by service" index (every service entry is repeated on every page)."""


def _pages(items: Iterable[Any]) -> list[Page]:
    found: list[Page] = []
    for item in items:
        if isinstance(item, Page):
            found.append(item)
        elif isinstance(item, Section):
            found.extend(_pages(item.children))
    return found


def _link_structure(items: Sequence[Any], parent: Section | None = None) -> None:
    for item in items:
        item.parent = parent
        if isinstance(item, Section):
            _link_structure(item.children, item)


def _pages_of(files: Files, src_uris: Iterable[str]) -> list[Page]:
    found = []
    for src_uri in src_uris:
        file = files.get_file_from_path(src_uri)
        if file is not None and file.page is not None:
            found.append(file.page)
    return found


def add_runbook_section(
    nav: Navigation,
    files: Files,
    index_pages: Sequence[str],
    service_pages: Sequence[str],
    reference_pages: Sequence[str],
    service_limit: int | None = SERVICES_IN_NAV_UNPRUNED,
) -> Navigation:
    """Append "Runbooks" (indexes, then services) and the reference pages to ``nav``, unless
    the site's own ``nav:`` already places any of them."""
    ours = {*index_pages, *service_pages, *reference_pages}
    if any(page.file.src_uri in ours for page in nav.pages):
        return nav
    children: list[Any] = list(_pages_of(files, index_pages))
    services = _pages_of(files, service_pages)
    if services and (service_limit is None or len(services) <= service_limit):
        children.append(Section("Services", list(services)))
    items = list(nav.items)
    if children:
        items.append(Section("Runbooks", children))
    items.extend(_pages_of(files, reference_pages))
    _link_structure(items)
    pages = _pages(items)
    for previous, page, following in zip([None, *pages[:-1]], pages, [*pages[1:], None],
                                         strict=True):
        page.previous_page, page.next_page = previous, following
    return Navigation(items, pages)
