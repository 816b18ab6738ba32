"""Pages as MkDocs rendered them, captured for printing.

The PDFs are made from the same HTML the site shows, so macros, header cards and tables can
never differ between screen and paper. MkDocs hands every page to the plugin's
``on_post_page`` hook after all ``on_page_content`` hooks ran; the collector keeps the
article HTML (``page.content``), the title and the page URL. Nothing here imports MkDocs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RenderedPage:
    src_uri: str  # path inside the site's file tree: "severity.md", "runbooks/db/x.md"
    url: str  # page URL relative to the site root: "severity/", "" for the home page
    title: str
    html: str  # the rendered article body, as the site shows it below the page title
    source: Path | None  # the Markdown file it came from, resolved
    nav_position: int  # place in the site navigation; pages outside it sort last
    # False: the build left it unrendered (``html`` is not the page's), as no PDF needs it
    # (opsbook.pdf.printing.pages_not_needed).
    complete: bool = True


NOT_IN_NAV = 1_000_000_000


def _nav_position(page: Any) -> int:
    """Count the pages before this one in the navigation (MkDocs links them in nav order)."""
    if page.previous_page is None and page.next_page is None:
        return NOT_IN_NAV
    position = 0
    current = page.previous_page
    while current is not None:
        position += 1
        current = current.previous_page
    return position


def rendered_page(page: Any, unrendered: frozenset[Path] = frozenset()) -> RenderedPage:
    """Capture an MkDocs page after rendering (``unrendered``: sources the build did not
    render)."""
    source = page.file.abs_src_path
    path = Path(source).resolve() if source else None
    return RenderedPage(
        src_uri=str(page.file.src_uri),
        url=str(page.url),
        title=str(page.title or ""),
        html=str(page.content or ""),
        source=path,
        nav_position=_nav_position(page),
        complete=path not in unrendered,
    )


@dataclass
class PageCollector:
    """Collects rendered pages during one MkDocs build."""

    pages: dict[str, RenderedPage] = field(default_factory=dict)
    unrendered: frozenset[Path] = frozenset()  # sources the build leaves unrendered

    def collect(self, page: Any) -> None:
        captured = rendered_page(page, self.unrendered)
        self.pages[captured.src_uri] = captured

    def by_source(self) -> dict[Path, RenderedPage]:
        return {page.source: page for page in self.pages.values() if page.source is not None}
