"""The `opsbook` MkDocs plugin: an adapter that hooks MkDocs events and delegates.

It loads the handbook with the library, runs the same checks as `opsbook check`, logs the
findings through MkDocs' logger and fails the build on error-level findings; it pulls
runbooks into the site without copying them and watches them under `mkdocs serve`; it adds
the generated index pages, expands macro calls and puts a header card on every runbook page.
Everything it shows is rendered by :mod:`opsbook.render`.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from html import escape as html_escape
from pathlib import Path
from typing import Any, Literal

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from opsbook.config import ConfigError, OpsbookConfig, config_from_plugin
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.load.confine import (
    below_any,
    leaves_through_links,
    outside_target,
    strip_refused_includes,
)
from opsbook.model.project import Project, iter_markdown_files, load_project, site_files
from opsbook.model.runbook import Runbook
from opsbook.pdf.site import SitePdf
from opsbook.render import fragments
from opsbook.render.context import RenderContext
from opsbook.render.expand import Stash, restore_calls, stash_calls
from opsbook.render.pages import alert_redirect_html
from opsbook.site.assets import asset_files, register_assets
from opsbook.site.background import Background
from opsbook.site.config import OpsbookPluginConfig
from opsbook.site.marker import add_marker
from opsbook.site.generate import (
    GeneratedPage,
    SiteWork,
    page_context,
    planned_pages,
    planned_redirects,
    site_work,
)
from opsbook.site.navigation import SERVICES_IN_NAV_UNPRUNED, add_runbook_section
from opsbook.site.urls import RUNBOOKS_URL_PREFIX, document_src_uri

log = logging.getLogger("mkdocs.plugins.opsbook")


class OpsbookPlugin(BasePlugin[OpsbookPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command: str = "build"
        self.opsbook: OpsbookConfig | None = None
        self.project: Project | None = None
        self.context: RenderContext | None = None
        self.diagnostics: list[Diagnostic] = []
        self.runbooks: dict[str, Runbook] = {}  # src_uri → runbook
        self.generated: list[GeneratedPage] = []
        self.stashes: dict[str, Stash] = {}  # src_uri → macro output waiting for its page
        self.summaries: dict[str, str] = {}  # src_uri → search line waiting for its card
        self.pdf = SitePdf()  # `pdf.enabled`: capture rendered pages, print to site/pdf/
        self.work: Background[SiteWork] | None = None
        self._generated_uris: set[str] = set()
        self._reported = False
        self.redirects: list[tuple[str, str]] = []  # path in site_dir, HTML
        self.left_out: list[Diagnostic] = []  # files outside the project the checks missed

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.command = command

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path).parent.resolve()
        try:
            self.opsbook = config_from_plugin(
                self.config, root, Path(config.docs_dir), str(config.site_url or "")
            )
        except ConfigError as error:
            raise PluginError(str(error)) from None
        register_assets(config)
        _confine_snippets(config, root)
        self.pdf.configure(self.config.pdf, self.command)
        return config

    def on_files(self, files: Files, *, config: Any) -> Files:
        """Check the handbook; add runbooks (outside docs_dir) as pages, uncopied; add the
        generated pages, the per-alert redirects and the plugin's assets."""
        assert self.opsbook is not None
        self.opsbook.directory_urls = bool(config.use_directory_urls)  # final by now
        self.project = load_project(self.opsbook, site_files(self.opsbook), base=self._root)
        if self.work is not None:
            self.work.cancel()
        runbooks_dir = self.opsbook.runbooks_dir
        if runbooks_dir.is_dir() and not _is_below(runbooks_dir, Path(config.docs_dir)):
            for path in iter_markdown_files(runbooks_dir):
                src_uri = "/".join(
                    (RUNBOOKS_URL_PREFIX, *path.relative_to(runbooks_dir).parts)
                )
                files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        # A file opsbook could not read as text (binary, not UTF-8, over the size limit, a
        # dangling link or a FIFO) is reported by the checks; left in, MkDocs would stop on it
        # with a traceback (`mkdocs serve`, `strict: false`) or block reading it. A link to a
        # file or folder outside the project is reported too (OB010) and never published:
        # whatever MkDocs found through it is left out, in strict and non-strict builds alike.
        unusable = below_any(tuple(os.path.normpath(document.path.absolute())
                                   for document in self.project.documents
                                   if document.text is None))
        # The handbook's own folders (theme files and opsbook's assets live elsewhere).
        content = below_any((os.path.normpath(Path(config.docs_dir).absolute()),
                             os.path.normpath(runbooks_dir.absolute())))
        folders: dict[str, bool] = {}
        self.left_out = []
        for listed in list(files):
            if not listed.abs_src_path:
                continue
            source = os.path.normpath(listed.abs_src_path)
            if unusable(source):
                files.remove(listed)
            elif content(source) and leaves_through_links(source, self._root, folders):
                files.remove(listed)  # e.g. through a link inside a linked folder
                self.left_out.append(_left_out(self._root, Path(source)))
        self.runbooks = {}
        for runbook in self.project.runbooks:
            runbook_uri = document_src_uri(self.opsbook, runbook.origin.document.path)
            runbook_file = files.get_file_from_path(runbook_uri) if runbook_uri else None
            if runbook_file is not None and runbook_uri is not None:
                self.runbooks[runbook_uri] = runbook
                if runbook_file.inclusion.is_in_nav():
                    runbook_file.inclusion = InclusionLevel.NOT_IN_NAV  # the indexes list it
        self.context = RenderContext.for_project(
            self.project, directory_urls=bool(config.use_directory_urls)
        )
        self.stashes = {}
        self.summaries = {}
        self.generated = [
            page for page in planned_pages(self.project, self.config.alert_pages)
            if page.src_uri not in files
        ]
        self._generated_uris = {page.src_uri for page in self.generated}
        for page in self.generated:  # their text comes from the work below, when read
            files.append(File.generated(config, page.src_uri, content="",
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        self.redirects = []
        if self.config.alert_pages:
            for redirect in planned_redirects(self.project, bool(config.use_directory_urls)):
                target = files.get_file_from_path(
                    document_src_uri(self.opsbook, redirect.runbook.origin.document.path) or ""
                )
                if target is not None and redirect.src_uri not in files:
                    html = alert_redirect_html(redirect.alert, redirect.runbook.title,
                                               get_relative_url(target.url, redirect.url))
                    self.redirects.append((redirect.src_uri, html))
        for asset in asset_files(config):
            if asset.src_uri not in files:
                files.append(asset)
        # A build reports at the end, so checks, generated pages and header cards can be
        # done by a worker while MkDocs converts Markdown; `serve` and PDF printing need the
        # findings before any page is rendered.
        background = self.command == "build" and not self.pdf.write_into_site
        self.work = Background(
            partial(site_work, self.project, self.context, files, self.generated,
                    dict(self.runbooks), _run_checks, self.pdf.write_into_site),
            background,
        )
        self._reported = False
        if not self.work.pending:
            self._report()
        return files

    def on_page_read_source(self, *, page: Page, config: Any) -> str | None:
        """The text of a generated page (computed with the rest of opsbook's work)."""
        if self.work is None or page.file.src_uri not in self._generated_uris:
            return None
        source = self.work.result().pages.get(page.file.src_uri)
        if source is None:
            return None
        self.stashes[page.file.src_uri] = source.stash
        return source.markdown

    def on_nav(self, nav: Navigation, *, config: Any, files: Files) -> Navigation:
        def group(name: str) -> list[str]:
            return [page.src_uri for page in self.generated if page.group == name]

        # With Material's navigation.prune, a page carries only the open part of the
        # navigation, so every service can be listed; without it, each one adds to every page.
        pruned = "navigation.prune" in (config.theme.get("features") or [])
        return add_runbook_section(
            nav, files, group("index"), group("service"), group("reference"),
            service_limit=None if pruned else SERVICES_IN_NAV_UNPRUNED,
        )

    def on_page_markdown(self, markdown: str, *, page: Page, config: Any, files: Files) -> str:
        if "8<-" in markdown:
            # Before pymdownx.snippets reads the page: an include of a file outside the
            # project is dropped here (and reported by the checks, OB010).
            markdown, _refused = strip_refused_includes(markdown)
        if "title" in page.meta:
            # Frontmatter is data, but MkDocs takes a `title:` as HTML (the <h1>, the nav, search
            # results): `<script>` in a runbook title would run. Escaped, it reads as written.
            page.meta["title"] = html_escape(str(page.meta["title"]), quote=False)
        if "kind" in page.meta and not isinstance(page.meta.get("template", ""), str):
            # A contact template's `template: true` is opsbook's flag, but MkDocs reads a
            # page's `template:` as the theme file to render it with (and fails on a boolean).
            del page.meta["template"]
        if "{{" not in markdown or self.context is None:
            return markdown
        context = self._page_context(files, page)
        expanded, stash = stash_calls(markdown, lambda call: fragments.render_call(context, call))
        held = self.stashes.get(page.file.src_uri)
        self.stashes[page.file.src_uri] = held.merge(stash) if held else stash
        return expanded

    @event_priority(50)  # before other plugins read the page (search, PDF)
    def on_page_content(self, html: str, *, page: Page, config: Any, files: Files) -> str:
        stash = self.stashes.pop(page.file.src_uri, None)
        if stash is not None:
            html = restore_calls(html, stash)
        runbook = self.runbooks.get(page.file.src_uri)
        if runbook is not None and self.context is not None:
            summary = fragments.runbook_search_summary(self.context, runbook)
            self.summaries[page.file.src_uri] = summary
            html = summary + "\n" + html
        return html

    @event_priority(-100)  # after the search plugin has indexed the page
    def on_page_context(self, context: Any, *, page: Page, config: Any, nav: Navigation) -> Any:
        """Swap a runbook's one-line summary for its header card. Search indexes the line
        (severity, service, owner, alerts: what people search for); the card's escalation
        ladder is the same on every runbook of a team and is indexed once, on the contacts
        page, so "Grace" does not match every runbook and the index stays small."""
        summary = self.summaries.pop(page.file.src_uri, None)
        if summary is not None and self.work is not None and page.content:
            card = self.work.result().cards.get(page.file.src_uri)
            if card is not None:
                page.content = page.content.replace(summary, card, 1)
        return context

    def _page_context(self, files: Files, page: Page) -> RenderContext:
        assert self.context is not None
        return page_context(self.context, files, page.file)

    def on_post_page(self, output: str, *, page: Page, config: Any) -> str:
        self.pdf.collect(page)  # the page exactly as rendered, for the PDFs
        runbook = self.runbooks.get(page.file.src_uri)
        if runbook is not None:
            # What `opsbook check --site` looks for: this page was built with opsbook.
            output = add_marker(output, runbook.id)
        return output

    def on_post_build(self, *, config: Any) -> None:
        """Report the findings of checks that ran beside the rendering; write the per-alert
        pages (option ``alert_pages``): plain files, not MkDocs pages, so they need no
        Markdown, theme or search entry."""
        if self.work is not None and not self._reported:
            self._report()
        site = Path(config.site_dir)
        made: set[Path] = set()
        for src_uri, html in self.redirects:
            path = site / src_uri
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_text(html, encoding="utf-8")
        self.pdf.write(self.project, config)

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        assert self.opsbook is not None
        if self.opsbook.runbooks_dir.is_dir():
            server.watch(str(self.opsbook.runbooks_dir))
        return server

    @property
    def _root(self) -> Path:
        assert self.opsbook is not None
        return self.opsbook.root

    def on_build_error(self, *, error: Exception) -> None:
        if self.work is not None:
            self.work.cancel()

    def _report(self) -> None:
        assert self.work is not None
        self._reported = True
        self.diagnostics = [*self.work.result().diagnostics, *self.left_out]
        self.pdf.set_findings(self.diagnostics)
        errors = 0
        for diagnostic in self.diagnostics:
            text = (
                f"{diagnostic.path}:{diagnostic.line}: {diagnostic.rule} {diagnostic.message}"
                f" — {diagnostic.hint}"
            )
            if diagnostic.level is Level.ERROR:
                errors += 1
                log.error(text)
            else:
                log.warning(text)
        if errors and self.config.strict and self.command != "serve":
            raise PluginError(
                f"opsbook: {errors} error-level finding{'s' if errors != 1 else ''}; "
                "fix them or run `opsbook check` for details"
            )


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


SNIPPETS = "pymdownx.snippets"


def _confine_snippets(config: Any, root: Path) -> None:
    """pymdownx.snippets may read only files inside the project: each base path outside it is
    dropped, the extension's own check that an include stays below its base path is forced on
    (it also covers includes inside included files), and nothing is downloaded."""
    if SNIPPETS not in config.markdown_extensions:
        return
    options = config.mdx_configs.setdefault(SNIPPETS, {})
    bases = options.get("base_path", ["."])
    kept: list[str] = []
    for base in [bases] if isinstance(bases, str) else list(bases):
        absolute = os.path.abspath(str(base))  # as the extension resolves it
        if outside_target(Path(absolute), root) is None:
            kept.append(absolute)
        else:
            log.error("OB010 pymdownx.snippets base_path %r is outside the project (%s): not "
                      "used — name folders inside the project", base, root)
    options["base_path"] = kept or [str(root)]
    options["restrict_base_path"] = True
    if options.get("url_download"):
        log.error("OB010 pymdownx.snippets url_download: a handbook includes nothing from the "
                  "network — turned off")
    options["url_download"] = False


def _run_checks(project: Project) -> list[Diagnostic]:
    from opsbook.checks import run_checks

    return run_checks(project)


def _is_below(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True
