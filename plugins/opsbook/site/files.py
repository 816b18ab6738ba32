"""What the plugin does to MkDocs' file list: one function per change, called from on_files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import get_relative_url

from opsbook.diagnostics import Diagnostic, Position
from opsbook.load.confine import below_any, leaves_through_links, outside_target
from opsbook.load.document import is_below
from opsbook.model.project import Project, iter_markdown_files
from opsbook.model.runbook import Runbook
from opsbook.model.urls import RUNBOOKS_URL_PREFIX, document_src_uri
from opsbook.render.pages import alert_redirect_html
from opsbook.settings import OpsbookConfig
from opsbook.site.assets import asset_files
from opsbook.site.generate import GeneratedPage, planned_pages, planned_redirects


def add_runbook_files(files: Files, config: Any, settings: OpsbookConfig) -> None:
    """Runbooks outside docs_dir become pages where they are (uncopied, watched by serve)."""
    runbooks_dir = settings.runbooks_dir
    if not runbooks_dir.is_dir() or is_below(runbooks_dir, Path(config.docs_dir)):
        return
    for path in iter_markdown_files(runbooks_dir):
        src_uri = "/".join((RUNBOOKS_URL_PREFIX, *path.relative_to(runbooks_dir).parts))
        files.append(File.generated(config, src_uri, abs_src_path=str(path)))


def drop_unusable(files: Files, config: Any, project: Project, root: Path) -> list[Diagnostic]:
    """Leave out what must not be published; return the OB010 findings the checks could not
    see (files reached through a link inside a linked folder).

    A file opsbook could not read as text (binary, not UTF-8, over the size limit, a dangling
    link or a FIFO) is reported by the checks; left in, MkDocs would stop on it with a traceback
    (`mkdocs serve`, `strict: false`) or block reading it. A link to a file or folder outside
    the project is reported too (OB010) and never published: whatever MkDocs found through it is
    left out, in strict and non-strict builds alike."""
    unusable = below_any(tuple(os.path.normpath(document.path.absolute())
                               for document in project.documents if document.text is None))
    # The handbook's own folders (theme files and opsbook's assets live elsewhere).
    content = below_any((os.path.normpath(Path(config.docs_dir).absolute()),
                         os.path.normpath(project.config.runbooks_dir.absolute())))
    folders: dict[str, bool] = {}
    left_out: list[Diagnostic] = []
    for listed in list(files):
        if not listed.abs_src_path:
            continue
        source = os.path.normpath(listed.abs_src_path)
        if unusable(source):
            files.remove(listed)
        elif content(source) and leaves_through_links(source, root, folders):
            files.remove(listed)  # e.g. through a link inside a linked folder
            left_out.append(_left_out(root, Path(source)))
    return left_out


def _left_out(root: Path, source: Path) -> Diagnostic:
    from opsbook.checks.load import OUTSIDE_PROJECT

    try:
        shown = source.relative_to(root).as_posix()
    except ValueError:
        shown = source.as_posix()
    return OUTSIDE_PROJECT.at(
        shown, Position(1, 1),
        f"is outside the project ({outside_target(source, root)}): left out of the site",
    )


def runbook_pages(files: Files, project: Project) -> dict[str, Runbook]:
    """src_uri → runbook for every runbook that is a page of the site; the generated indexes
    list them, so they leave the navigation."""
    found: dict[str, Runbook] = {}
    for runbook in project.runbooks:
        src_uri = document_src_uri(project.config, runbook.origin.document.path)
        page = files.get_file_from_path(src_uri) if src_uri else None
        if page is not None and src_uri is not None:
            found[src_uri] = runbook
            if page.inclusion.is_in_nav():
                page.inclusion = InclusionLevel.NOT_IN_NAV
    return found


def add_generated_pages(files: Files, config: Any, project: Project,
                        alert_pages: bool) -> list[GeneratedPage]:
    """The index pages opsbook writes, unless the handbook has its own page of that name.
    Their text is produced later, with the rest of opsbook's work."""
    generated = [page for page in planned_pages(project, alert_pages)
                 if page.src_uri not in files]
    for page in generated:
        files.append(File.generated(config, page.src_uri, content="",
                                    inclusion=InclusionLevel.NOT_IN_NAV))
    return generated


def alert_redirects(files: Files, project: Project, directory_urls: bool) -> list[tuple[str, str]]:
    """(path in site_dir, HTML) of the forwarding page of every alert (option alert_pages)."""
    redirects = []
    for redirect in planned_redirects(project, directory_urls):
        target = files.get_file_from_path(
            document_src_uri(project.config, redirect.runbook.origin.document.path) or ""
        )
        if target is not None and redirect.src_uri not in files:
            html = alert_redirect_html(redirect.alert, redirect.runbook.title,
                                       get_relative_url(target.url, redirect.url))
            redirects.append((redirect.src_uri, html))
    return redirects


def add_assets(files: Files, config: Any) -> None:
    for asset in asset_files(config):
        if asset.src_uri not in files:
            files.append(asset)
