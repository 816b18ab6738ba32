"""What a render function needs besides the model: how to link, and what to hide."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from opsbook.model.macros import find_macro_calls
from opsbook.model.project import Project
from opsbook.model.redact import redacted_project
from opsbook.model.urls import document_src_uri

Linker = Callable[[str], "str | None"]
"""Maps a target in the site's file tree (``contacts.md#ob-team-payments``,
``runbooks/db/failover.md``) to an href relative to the page being rendered, or None when the
target is not in the site. The MkDocs plugin resolves through MkDocs' own files; the PDF
builder and the tests pass their own."""


def keep_target(target: str) -> str | None:
    return target


def person_anchor(person_id: str) -> str:
    return f"ob-person-{person_id}"


def team_anchor(team_id: str) -> str:
    return f"ob-team-{team_id}"


def vendor_anchor(vendor_id: str) -> str:
    return f"ob-vendor-{vendor_id}"


@dataclass(frozen=True)
class RenderContext:
    project: Project
    link: Linker = keep_target
    redact: bool = False
    anchors: Mapping[str, str] = field(default_factory=dict)
    """``person:amara`` → ``contacts.md#ob-person-amara``: where each contact's directory
    entry is rendered, found from the macro calls of the handbook's pages."""
    directory_urls: bool = True
    """The site's URL style (MkDocs' ``use_directory_urls``; off under the offline plugin)."""
    link_base: str | None = None
    """Pages with the same link base get the same hrefs from ``link`` (the plugin passes the
    page's directory), so fragments rendered for one can be reused for the others."""
    memo: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False)

    @classmethod
    def for_project(
        cls,
        project: Project,
        link: Linker = keep_target,
        redact: bool | None = None,
        directory_urls: bool = True,
    ) -> RenderContext:
        redact = project.config.redact if redact is None else redact
        if redact:
            # The one place the render layer gets its contacts: with redaction on, every page,
            # card, ladder and PDF renders from a copy without personal numbers and addresses.
            project = redacted_project(project)
        return cls(project, link, redact, directory_anchors(project), directory_urls)

    def on_page(self, link: Linker, link_base: str | None = None) -> RenderContext:
        """The same context, linking relative to another page (the memo is shared)."""
        return replace(self, link=link, link_base=link_base)

    def memoised(
        self, key: tuple[Any, ...], render: Callable[[], str], links: bool = True
    ) -> str:
        """``render()``, reused across pages that share a link base (or across all pages,
        when the fragment has no links: ``links=False``)."""
        if links and self.link_base is None:
            return render()
        full_key = (self.link_base if links else None, *key)
        found = self.memo.get(full_key)
        if found is None:
            found = self.memo[full_key] = render()
        return found

    def href(self, target: str | None) -> str | None:
        return self.link(target) if target else None

    def contact_href(self, kind: str, contact_id: str) -> str | None:
        return self.href(self.anchors.get(f"{kind}:{contact_id}"))


def directory_anchors(project: Project) -> dict[str, str]:
    """Where the contacts directory, vendor directory and each team's ladder are rendered, so
    names elsewhere can link to them. The first page that renders an entry owns its anchor."""
    anchors: dict[str, str] = {}
    book = project.contacts
    for document in project.documents:
        if document.text is None or "{{" not in document.text:
            continue
        page = document_src_uri(project.config, document.path)
        if page is None:
            continue
        start = document.body_start
        for call in find_macro_calls(document.lines[start - 1 :], start):
            if call.problem:
                continue
            if call.name == "contacts_directory":
                for person_id in book.people:
                    anchors.setdefault(f"person:{person_id}", f"{page}#{person_anchor(person_id)}")
            elif call.name == "vendor_directory":
                for vendor_id in book.vendors:
                    anchors.setdefault(f"vendor:{vendor_id}", f"{page}#{vendor_anchor(vendor_id)}")
            elif call.name == "escalation_ladder":
                team_id = call.arguments[0]
                anchors.setdefault(f"team:{team_id}", f"{page}#{team_anchor(team_id)}")
    return anchors
