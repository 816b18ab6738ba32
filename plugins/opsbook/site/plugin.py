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
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from html import escape as html_escape
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from opsbook.diagnostics import Diagnostic, Level
from opsbook.load.confine import outside_target, strip_refused_includes
from opsbook.model.project import Project
from opsbook.model.runbook import Runbook
from opsbook.pdf.site import SitePdf
from opsbook.render import fragments
from opsbook.render.context import RenderContext
from opsbook.render.expand import Stash, restore_calls, stash_calls
from opsbook.run import load_configured
from opsbook.run.chunks import jobs_wanted
from opsbook.run.live import LiveCheck
from opsbook.settings import ConfigError, OpsbookConfig, config_from_plugin, written_site_url
from opsbook.settings.mkdocs import OpsbookPluginConfig
from opsbook.site import convert, search
from opsbook.site.assets import register_assets
from opsbook.site.background import Background
from opsbook.site.files import (
    add_assets,
    add_generated_pages,
    add_runbook_files,
    alert_redirects,
    drop_unusable,
    runbook_pages,
)
from opsbook.site.generate import (
    GeneratedPage,
    RenderMemo,
    SiteWork,
    page_context,
    site_work,
)
from opsbook.site.marker import add_marker
from opsbook.site.oncall import CalendarMemo, add_rota_files
from opsbook.site.templates import CompiledTemplates
from opsbook.site.navigation import SERVICES_IN_NAV_UNPRUNED, add_runbook_section

log = logging.getLogger("mkdocs.plugins.opsbook")


def _published_site_url(config: Any) -> str:
    """The site's published address: `mkdocs serve` (``--clean`` too) gives plugins the dev
    server's instead, against which every alert's runbook_url would look wrong (OB706)."""
    site_url = str(config.site_url or "")
    address = getattr(config, "dev_addr", None)
    if address is None or not config.config_file_path:
        return site_url
    if urlsplit(site_url).netloc == f"{address.host}:{address.port}":
        return written_site_url(Path(config.config_file_path))
    return site_url


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
        self.checks: Background[list[Diagnostic]] | None = None  # a build's, in a worker
        self._checks_wanted = False  # a build whose checks are still to be started
        # Markdown converted by workers on the spare cores, and the pages waiting for theirs.
        self.conversion: convert.Preconversion | None = None
        self.converted: dict[str, tuple[convert.Converted, str]] = {}
        self._light_search = False  # Material's search may read lighter pages (site/search.py)
        self._full_content: str | None = None  # the page as rendered, while search reads it
        self._generated_uris: set[str] = set()
        self._reported = False
        self.redirects: list[tuple[str, str]] = []  # path in site_dir, HTML
        self.left_out: list[Diagnostic] = []  # files outside the project the checks missed
        self.dirty = False  # `mkdocs serve --dirty`: rebuild only the pages an edit affects
        self._cards_built: dict[str, str] = {}  # header cards of the pages in site_dir now
        self._pages_built: set[str] = set()
        # Title and metadata of every page as last rendered: a dirty build does not read the
        # pages it does not render, and the navigation of those it does names them all.
        self._seen: dict[str, tuple[str | None, dict[str, Any]]] = {}
        # `serve`: the last check, kept so that a save re-checks only what it can change
        # (and parses only the files and rule files it changed).
        self._live: LiveCheck | None = None
        self._rendered: RenderMemo | None = None  # `serve`: the last build's generated pages
        self._templates = CompiledTemplates()  # `serve`: the theme's templates, compiled once
        self._calendars: CalendarMemo = {}  # `serve`: each team's iCalendar feed
        # Findings a caller already has for this build's handbook (`opsbook pdf` checks it
        # before it builds the site to print): reported instead of checking a second time.
        self.findings_given: list[Diagnostic] | None = None
        # Runbooks (by source file) whose pages no PDF of `opsbook pdf` reads this time, in
        # the build it makes to print: their Markdown is not converted (opsbook.pdf.site).
        self.print_unrendered: frozenset[Path] = frozenset()
        self._unrendered: set[str] = set()  # their src_uris in this build

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.command = command
        self.dirty = dirty

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path).parent.resolve()
        try:
            self.opsbook = config_from_plugin(
                self.config, root, Path(config.docs_dir), _published_site_url(config)
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
        self.opsbook = replace(self.opsbook, directory_urls=bool(config.use_directory_urls))
        if self.command == "serve":
            if self._live is None:
                self._live = LiveCheck()
            self.project = self._live.load(self.opsbook, base=self._root)
        else:
            self.project = load_configured(self.opsbook, base=self._root)
        self._cancel_work()
        add_runbook_files(files, config, self.opsbook)
        # OB010: whatever MkDocs found through a link leading out of the project is left out.
        self.left_out = drop_unusable(files, config, self.project, self._root)
        self.runbooks = runbook_pages(files, self.project)
        self._unrendered = {
            uri for uri, runbook in self.runbooks.items()
            if self.print_unrendered and runbook.origin.document.path.resolve()
            in self.print_unrendered}
        self.context = RenderContext.for_project(
            self.project, directory_urls=bool(config.use_directory_urls)
        )
        add_rota_files(files, config, self.project, self.context,
                       self._calendars if self.command == "serve" else None)
        self.stashes = {}
        self.summaries = {}
        self.generated = add_generated_pages(files, config, self.project,
                                             self.config.alert_pages)
        self._generated_uris = {page.src_uri for page in self.generated}
        self.redirects = (
            alert_redirects(files, self.project, bool(config.use_directory_urls))
            if self.config.alert_pages else []
        )
        add_assets(files, config)
        # A build reports at the end, so generated pages and header cards can be made by a
        # worker while MkDocs converts Markdown, and the checks by another (_start_checks);
        # `serve` and PDF printing need the findings before any page is rendered.
        background = self.command == "build" and not self.pdf.write_into_site
        if self.command == "serve" and self._rendered is None:
            self._rendered = RenderMemo()
        self.work = Background(
            partial(site_work, self.project, self.context, files, self.generated,
                    dict(self.runbooks), _no_checks if background else self._checker(),
                    self.pdf.write_into_site, with_summaries=background,
                    memo=self._rendered if self.command == "serve" else None),
            background,
        )
        self._checks_wanted = background
        self._reported = False
        if not background:
            self._report()
        if self.dirty:
            self._mark_affected(files)
        return files

    def _mark_affected(self, files: Files) -> None:
        """A dirty build re-renders only pages whose source is newer than their output. Also
        affected by an edit here: runbook pages whose header card changed (it shows contacts,
        levels, owners from other files) and pages with macros (they show the matrix and the
        contacts). Their output is removed, so MkDocs renders them again. Generated pages are
        always rendered again (MkDocs counts text it was given as changed). A page added or
        removed changes the navigation of every page: then all are rendered again."""
        assert self.work is not None
        cards = self.work.result().cards
        stale = [uri for uri, card in cards.items()
                 if uri in self._cards_built and self._cards_built[uri] != card]
        pages = {listed.src_uri for listed in files.documentation_pages()}
        if self._pages_built and pages != self._pages_built:
            stale = list(pages)
        self._pages_built = pages
        for listed in files.documentation_pages():
            if listed.src_uri in self.runbooks or listed.src_uri in self._generated_uris:
                continue
            if listed.abs_src_path and _has_macro(Path(listed.abs_src_path)):
                stale.append(listed.src_uri)
        for src_uri in stale:
            page_file = files.get_file_from_path(src_uri)
            if page_file is not None:
                Path(page_file.abs_dest_path).unlink(missing_ok=True)
        self._cards_built = dict(cards)

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        self._stop_conversion()  # every page is converted by now
        self._start_checks()
        if self.command == "serve" and env.bytecode_cache is None:
            self._templates.attach(env)
        if self.dirty:
            for listed in files.documentation_pages():
                page = listed.page
                if page is not None and page.markdown is None and listed.src_uri in self._seen:
                    page.title, meta = self._seen[listed.src_uri]
                    page.meta = dict(meta)
            _forget_search_entries(config, {f.url for f in files.documentation_pages()
                                            if f.is_modified()})
        return env

    def on_page_read_source(self, *, page: Page, config: Any) -> str | None:
        """The text of a generated page (computed with the rest of opsbook's work)."""
        if self.work is None or page.file.src_uri not in self._generated_uris:
            return None
        source = self.work.result().pages.get(page.file.src_uri)
        if source is None:
            return None
        # A copy: the page's macros are merged into it, and `serve` keeps the source.
        self.stashes[page.file.src_uri] = Stash(source.stash.nonce, dict(source.stash.fragments))
        return source.markdown

    def _on_nav_runbooks(self, nav: Navigation, *, config: Any, files: Files) -> Navigation:
        def group(name: str) -> list[str]:
            return [page.src_uri for page in self.generated if page.group == name]

        # With Material's navigation.prune, a page carries only the open part of the
        # navigation, so every service can be listed; without it, each one adds to every page.
        pruned = "navigation.prune" in (config.theme.get("features") or [])
        return add_runbook_section(
            nav, files, group("index"), group("service"), group("reference"),
            service_limit=None if pruned else SERVICES_IN_NAV_UNPRUNED,
        )

    @event_priority(-100)  # the files and the navigation are final
    def _on_nav_convert(self, nav: Navigation, *, config: Any, files: Files) -> Navigation:
        """A build converts the Markdown of its pages on every core it may use."""
        self._stop_conversion()
        self._light_search = search.can_lighten(config.plugins, own=self)
        if self.command == "build" and not self.dirty:
            pages = [listed for listed in files.documentation_pages()
                     if listed.src_uri not in self._generated_uris and listed.abs_src_path
                     and listed.src_uri not in self._unrendered]
            self.conversion = convert.start(pages, config, files, self._known_markdown,
                                            jobs_wanted(), own=self)
        if self.conversion is None:
            self._start_checks()
        return nav

    def _start_checks(self) -> None:
        """A build's checks, in a worker: their findings are needed only at the end, so they
        start once the pages' Markdown is converted where workers convert it (they would
        compete for the same cores), else as soon as the files are known."""
        if self._checks_wanted and self.project is not None:
            self._checks_wanted = False
            given = self.findings_given is not None
            self.checks = Background(partial(self._checker(), self.project), not given)
            if not self.checks.pending:
                self._report()

    def _checker(self) -> Callable[[Project], list[Diagnostic]]:
        if self.findings_given is not None:
            return partial(_given_findings, list(self.findings_given))
        if self._live is not None and self.command == "serve":
            return self._live.check
        return _run_checks

    on_nav = CombinedEvent(_on_nav_runbooks, _on_nav_convert)

    def _stop_conversion(self) -> None:
        if self.conversion is not None:
            self.conversion.close()
            self.conversion = None
        self.converted = {}

    def _known_markdown(self, markdown: str, page: Page, config: Any, files: Files) -> str | None:
        """What :meth:`_on_page_markdown` makes of ``markdown``, where that is known before the
        build reaches the page (a page with macros is expanded afresh each time)."""
        markdown = self._clean_markdown(markdown, page)
        return None if "{{" in markdown else markdown

    def _clean_markdown(self, markdown: str, page: Page) -> str:
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
        return markdown

    def _on_page_markdown(self, markdown: str, *, page: Page, config: Any, files: Files) -> str:
        if page.file.src_uri in self._unrendered:
            return ""  # no PDF reads it (print_unrendered); nothing else reads its content
        markdown = self._clean_markdown(markdown, page)
        if "{{" not in markdown or self.context is None:
            return markdown
        context = self._page_context(files, page)
        expanded, stash = stash_calls(markdown, lambda call: fragments.render_call(context, call))
        held = self.stashes.get(page.file.src_uri)
        self.stashes[page.file.src_uri] = held.merge(stash) if held else stash
        return expanded

    @event_priority(-100)  # after every other change to the page's Markdown
    def _on_page_markdown_converted(self, markdown: str, *, page: Page, config: Any,
                                    files: Files) -> str:
        """A page a worker has converted already is rendered from an empty text."""
        if self.conversion is None:
            return markdown
        converted = self.conversion.take(page.file.src_uri, markdown, files)
        if converted is None:
            return markdown
        self.converted[page.file.src_uri] = (converted, markdown)
        return ""

    on_page_markdown = CombinedEvent(_on_page_markdown, _on_page_markdown_converted)

    @event_priority(1000)  # before anything else reads the rendered page
    def _on_page_content_converted(self, html: str, *, page: Page, config: Any,
                                   files: Files) -> str:
        """The worker's HTML, table of contents, title and anchors for the empty render."""
        held = self.converted.pop(page.file.src_uri, None)
        if held is None:
            return html
        converted, page.markdown = held
        return converted.apply(page, files)

    @event_priority(50)  # before other plugins read the page (search, PDF)
    def _on_page_content(self, html: str, *, page: Page, config: Any, files: Files) -> str:
        stash = self.stashes.pop(page.file.src_uri, None)
        if stash is not None:
            html = restore_calls(html, stash)
        runbook = self.runbooks.get(page.file.src_uri)
        if runbook is not None and self.context is not None:
            summary = self.work.result().summaries.get(page.file.src_uri) \
                if self.work is not None else None
            if summary is None:  # made here, page by page, where the worker made none
                summary = fragments.runbook_search_summary(self.context, runbook)
            self.summaries[page.file.src_uri] = summary
            html = summary + "\n" + html
        return html

    on_page_content = CombinedEvent(_on_page_content_converted, _on_page_content)

    @event_priority(10)  # right before the search plugin (0) reads the page
    def _on_page_context_search(self, context: Any, *, page: Page, config: Any,
                                nav: Navigation) -> Any:
        """Material's search reads the page without its code blocks' token spans (same index,
        less parsing; see :mod:`opsbook.site.search`); the page is put back right after."""
        self._full_content = None
        if self._light_search and page.content:
            light = search.lighter(page.content)
            if light is not None:
                self._full_content = page.content
                page.content = light
        return context

    @event_priority(-100)  # after the search plugin has indexed the page
    def _on_page_context(self, context: Any, *, page: Page, config: Any,
                         nav: Navigation) -> Any:
        """Swap a runbook's one-line summary for its header card. Search indexes the line
        (severity, service, owner, alerts: what people search for); the card's escalation
        ladder is the same on every runbook of a team and is indexed once, on the contacts
        page, so "Grace" does not match every runbook and the index stays small."""
        if self._full_content is not None:
            page.content, self._full_content = self._full_content, None
        if self.dirty:
            self._seen[page.file.src_uri] = (page.title, dict(page.meta))
        summary = self.summaries.pop(page.file.src_uri, None)
        if summary is not None and self.work is not None and page.content:
            card = self.work.result().cards.get(page.file.src_uri)
            if card is not None:
                page.content = page.content.replace(summary, card, 1)
        return context

    on_page_context = CombinedEvent(_on_page_context_search, _on_page_context)

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
        self._start_checks()
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
        if self.opsbook.alert_rules:  # an edited rule file changes the alert index and checks
            from opsbook.model.alerts import alert_rule_paths

            for path in alert_rule_paths(self.opsbook)[0]:
                server.watch(str(path))
        return server

    @property
    def _root(self) -> Path:
        assert self.opsbook is not None
        return self.opsbook.root

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_conversion()
        self._cancel_work()

    def _cancel_work(self) -> None:
        for work in (self.work, self.checks):
            if work is not None:
                work.cancel()
        self.checks = None
        self._checks_wanted = False

    def _report(self) -> None:
        assert self.work is not None
        self._reported = True
        found = self.checks.result() if self.checks is not None else \
            self.work.result().diagnostics
        self.diagnostics = [*found, *self.left_out]
        self.pdf.set_findings(self.diagnostics)
        assert self.opsbook is not None
        fail_on = self.opsbook.fail_on
        failing = 0
        for diagnostic in self.diagnostics:
            text = (
                f"{diagnostic.path}:{diagnostic.line}: {diagnostic.rule} {diagnostic.message}"
                f" — {diagnostic.hint}"
            )
            if not diagnostic.level.fails(fail_on):
                # Below `fail_on` (by default: warnings such as an overdue review) is shown but
                # never stops a build, not even `mkdocs build --strict`, which aborts on any
                # warning MkDocs logs.
                log.info(text)
            elif diagnostic.level is Level.ERROR:
                failing += 1
                log.error(text)
            else:
                failing += 1
                log.warning(text)
        if failing and self.config.strict and self.command != "serve":
            plural = "s" if failing != 1 else ""
            what = "error-level" if fail_on is Level.ERROR else "error- or warning-level"
            raise PluginError(
                f"opsbook: {failing} {what} finding{plural} (fail_on: {fail_on.value}); "
                "fix them or run `opsbook check` for details"
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


def _no_checks(_project: Project) -> list[Diagnostic]:
    return []


def _given_findings(findings: list[Diagnostic], _project: Project) -> list[Diagnostic]:
    return findings


def _run_checks(project: Project) -> list[Diagnostic]:
    from opsbook.run import check_project

    return check_project(project)


def _has_macro(path: Path) -> bool:
    try:
        return b"{{" in path.read_bytes()
    except OSError:
        return True


def _forget_search_entries(config: Any, urls: set[str]) -> None:
    """Material's search keeps the last build's index under `--dirty` and replaces only the
    entries of the first page rendered again; drop those of every page about to be rendered
    again, so none is listed twice."""
    for plugin in config.plugins.values():
        previous: Any = getattr(plugin, "search_index_prev", None)
        entries = getattr(previous, "entries", None)
        if isinstance(entries, list):
            previous.entries = [entry for entry in entries
                                if str(entry.get("location", "")).split("#")[0] not in urls]
