"""opsbook's mark on a built runbook page, and the check that every runbook page has it.

The plugin puts ``<meta name="opsbook-runbook" content="ID">`` in the ``<head>`` of each runbook
page it renders. A build by an engine that did not run the plugin (MkDocs 2, Zensical, a
misconfigured ``plugins:`` list) publishes the runbooks without their checks and header cards
and without this mark, so ``opsbook check --site DIR`` fails on such a site in CI.

No MkDocs import: the check runs wherever the site was built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsbook.model.project import Project

MARKER_NAME = "opsbook-runbook"

_HEAD_END = re.compile(r"</head\s*>", re.I)
_MARKER = re.compile(
    r"""<meta\s+name=["']?opsbook-runbook["']?\s+content=["']([^"'>]*)["']\s*/?>""", re.I
)


def marker_tag(runbook_id: str) -> str:
    return f'<meta name="{MARKER_NAME}" content="{escape(runbook_id)}">'


def add_marker(html: str, runbook_id: str) -> str:
    """``html`` with the runbook's marker at the end of its head (or first, with no head)."""
    tag = marker_tag(runbook_id)
    match = _HEAD_END.search(html)
    if match is None:
        return tag + "\n" + html
    return html[: match.start()] + tag + "\n" + html[match.start() :]


def markers_in(html: str) -> set[str]:
    """The runbook ids the page is marked with (unescaped as a browser reads them)."""
    from html import unescape

    return {unescape(found) for found in _MARKER.findall(html)}


@dataclass(frozen=True)
class SiteProblem:
    path: str  # the page (or where it should be), relative to the site folder
    runbook: str  # the runbook's id
    source: str  # the runbook's file, as diagnostics show it
    message: str


def page_candidates(src_uri: str) -> tuple[str, str]:
    """Where an engine writes the page of ``src_uri`` (``runbooks/db/failover.md``): with
    directory URLs ``runbooks/db/failover/index.html``, without ``runbooks/db/failover.html``."""
    source = PurePosixPath(src_uri)
    stem = source.with_suffix("")
    if source.stem == "index":
        return str(stem.with_suffix(".html")), str(stem.with_suffix(".html"))
    return str(stem / "index.html"), str(stem.with_suffix(".html"))


def check_built_site(site: Path, runbooks: list[tuple[str, str, str]]) -> list[SiteProblem]:
    """Every runbook ``(id, src_uri, shown path)`` has its page in ``site`` and the page
    carries that runbook's marker."""
    problems: list[SiteProblem] = []
    for runbook_id, src_uri, shown in runbooks:
        candidates = page_candidates(src_uri)
        page = next((name for name in candidates if (site / name).is_file()), None)
        if page is None:
            problems.append(SiteProblem(
                candidates[0], runbook_id, shown,
                f"runbook {runbook_id!r} ({shown}) has no page in the built site",
            ))
            continue
        try:
            html = (site / page).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            problems.append(SiteProblem(page, runbook_id, shown,
                                        f"cannot read the page: {error.strerror}"))
            continue
        if runbook_id not in markers_in(html):
            problems.append(SiteProblem(
                page, runbook_id, shown,
                f"runbook {runbook_id!r} was published without opsbook (no opsbook marker): "
                "the engine that built this site did not run the opsbook plugin, so its "
                "checks, header cards and PDFs are missing",
            ))
    return problems


def check_site_pages(project: Project, site: Path) -> list[SiteProblem]:
    """:func:`check_built_site` for every runbook of ``project`` that the site publishes."""
    from opsbook.model.urls import document_src_uri

    runbooks = []
    for runbook in project.runbooks:
        src_uri = document_src_uri(project.config, runbook.origin.document.path)
        if src_uri is not None:
            runbooks.append((runbook.id, src_uri, runbook.origin.display_path))
    return check_built_site(site, runbooks)
