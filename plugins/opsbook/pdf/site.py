"""PDFs and the site engine: printing during a build, and building the site for `opsbook pdf`.

The plugin owns one :class:`SitePdf`. With the plugin option ``pdf.enabled`` it captures every
rendered page, links each runbook page to its PDF, and writes ``pdf/`` into the built site
after the build. ``opsbook pdf`` uses the same capture on a build into a scratch directory, so
both ways print exactly what the site shows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsbook.diagnostics import Diagnostic, Level
from opsbook.model.project import Project
from opsbook.pdf.capture import PageCollector
from opsbook.pdf.compose import BuiltSite, PrintError, PrintSettings
from opsbook.pdf.revision import git_revision

log = logging.getLogger("mkdocs.plugins.opsbook")

PDF_DIR = "pdf"


def site_stylesheets(mkdocs_config: Any, site_dir: Path) -> tuple[Path, ...]:
    """The site's own local stylesheets (``extra_css``: opsbook's cards, a handbook's custom
    styles); remote ones are skipped, printing never uses the network."""
    found: list[Path] = []
    root = site_dir.resolve()
    for entry in mkdocs_config.extra_css or []:
        href = str(getattr(entry, "path", entry))
        if "://" in href or href.startswith("//"):
            continue
        path = (root / href.lstrip("/")).resolve()
        if path.is_relative_to(root) and path.is_file():
            found.append(path)
    return tuple(found)


def built_site(collector: PageCollector, mkdocs_config: Any,
               project: Project | None = None, inputs: str | None = None) -> BuiltSite:
    """The pages of the build; with ``project`` (or its ``inputs``), keyed by their sources
    too."""
    from opsbook.pdf.sources import site_inputs

    if inputs is None:
        inputs = site_inputs(project, mkdocs_config) if project is not None else ""
    site_dir = Path(mkdocs_config.site_dir).resolve()
    return BuiltSite(collector.by_source(), site_dir, site_stylesheets(mkdocs_config, site_dir),
                     inputs)


Unneeded = Callable[[Any, dict[str, Any], str], Collection[Path]]
"""(MkDocs config, the plugin's `pdf` options, the site's inputs) -> the sources of pages no
PDF of this run reads (opsbook.pdf.printing.pages_not_needed)."""


def _may_leave_unrendered(mkdocs_config: Any) -> bool:
    """Whether leaving pages unrendered changes nothing else of the build: an anchor other
    pages link to in an unrendered page would be missing, which MkDocs reports at INFO level
    unless told otherwise (and a warning fails a strict build)."""
    if mkdocs_config.get("strict"):
        return False
    validation: Any = mkdocs_config.get("validation") or {}
    links: Any = validation.get("links") or {} if hasattr(validation, "get") else {}
    level = links.get("anchors", logging.INFO) if hasattr(links, "get") else logging.WARNING
    return isinstance(level, int) and level <= logging.INFO


def error_count(diagnostics: list[Diagnostic]) -> int:
    return sum(diagnostic.level is Level.ERROR for diagnostic in diagnostics)


def settings_for(
    project: Project, mkdocs_config: Any, options: dict[str, Any], *,
    paper: str | None = None, today: dt.date | None = None, unverified: int = 0,
) -> PrintSettings:
    return PrintSettings(
        paper=paper or str(options.get("paper") or "a4"),
        site_name=str(mkdocs_config.site_name or "Handbook"),
        company=str(options.get("company") or ""),
        printed_on=today or project.config.today,
        revision=git_revision(project.config.root),
        site_url=str(mkdocs_config.site_url or ""),
        unverified=unverified,
        redact=project.config.redact or _redacting(mkdocs_config),
    )


def _redacting(mkdocs_config: Any) -> bool:
    """Whether the site was built with redaction on (``opsbook pdf --redact`` sets it on the
    build's plugin, not on the project the command loaded)."""
    plugins: Any = getattr(mkdocs_config, "plugins", None)
    plugin: Any = plugins.get("opsbook") if hasattr(plugins, "get") else None
    options: Any = getattr(plugin, "config", None)
    return bool(options.get("redact")) if hasattr(options, "get") else False


class SitePdf:
    """The PDF part of one MkDocs build."""

    def __init__(self) -> None:
        self.write_into_site = False  # `pdf.enabled` on a `mkdocs build`
        self.collector: PageCollector | None = None
        self.options: dict[str, Any] = {}
        self.errors = 0

    def configure(self, options: Any, command: str) -> None:
        """Read the plugin's ``pdf`` options (from ``on_config``)."""
        self.options = dict(options or {})
        # Under `mkdocs serve` every save would re-print the whole handbook: too slow to be
        # useful, so the preview has no PDFs (and no links to them).
        self.write_into_site = bool(self.options.get("enabled")) and command != "serve"
        self.collector = PageCollector() if self.write_into_site else None

    def set_findings(self, diagnostics: list[Diagnostic]) -> None:
        self.errors = error_count(diagnostics)

    @property
    def active(self) -> bool:
        """Whether this build writes PDFs: never with error-level findings on record."""
        return self.write_into_site and not self.errors

    def collect(self, page: Any) -> None:
        if self.collector is not None:
            self.collector.collect(page)

    def write(self, project: Project | None, mkdocs_config: Any) -> None:
        """Print every PDF into ``<site_dir>/pdf/`` (from ``on_post_build``)."""
        if not self.write_into_site or project is None or self.collector is None:
            return
        if self.errors:
            log.warning(
                "opsbook: PDFs not written: %d error-level finding%s; a placeholder contact "
                "must never reach paper", self.errors, "s" if self.errors != 1 else "")
            return
        import tempfile

        from opsbook.engine import plugin_error
        from opsbook.pdf.engine import available_cores
        from opsbook.pdf.printing import plan_print, print_plan

        site_dir = Path(mkdocs_config.site_dir)
        settings = settings_for(project, mkdocs_config, self.options)
        try:
            plan = plan_print(project, built_site(self.collector, mkdocs_config, project),
                              settings, site_dir / PDF_DIR)
        except PrintError as error:
            raise plugin_error(f"opsbook: cannot print: {error}") from None
        # The parts of the handbook are laid out in a scratch directory: the site is
        # published as it is, and MkDocs empties it before each build anyway.
        with tempfile.TemporaryDirectory(prefix="opsbook-pdf-") as scratch:
            run = print_plan(plan, available_cores(), state_dir=Path(scratch))
        for failure in run.failures:
            log.error("opsbook: PDF %s failed: %s", failure.name, failure.error)
        if run.failures:
            raise plugin_error(f"opsbook: {len(run.failures)} PDF(s) could not be written")
        log.info("opsbook: wrote %d PDFs (%d pages) to %s in %.1f s",
                 len(run.results), run.pages, site_dir / PDF_DIR, run.seconds)


# -- the site build behind `opsbook pdf` ----------------------------------------------------
@dataclass
class SiteBuild:
    site: BuiltSite
    mkdocs_config: Any
    options: dict[str, Any]  # the plugin's `pdf` options


# What Material's search takes out of every page it indexes (its on_page_context).
_SEARCH_ATTRIBUTE = re.compile(r'\s?data-search-\w+="[^"]+"')


def _without_search(mkdocs_config: Any) -> bool:
    """Turn Material's search off in a build made for printing: it indexes every page (a
    sixth of the build) for a search box of a scratch site nobody opens. Whether it was on."""
    plugins: Any = mkdocs_config.plugins
    for plugin in plugins.values():
        options: Any = getattr(plugin, "config", None)
        if (type(plugin).__module__.startswith("material.plugins.search")
                and hasattr(options, "get") and options.get("enabled", False)):
            options["enabled"] = False
            return True
    return False


# What the theme's templates make of each page in a build made for printing: nobody opens
# that scratch site, and the PDFs are made from the pages' content, which no template changes.
_UNTHEMED = "<!doctype html><title>opsbook pdf</title><p>Printed from page content only.</p>\n"


def _capture_plugin(collector: PageCollector, search_off: bool = False,
                    unthemed: bool = False) -> Any:
    """A plugin that only records rendered pages; added to a build made for printing, so
    `opsbook pdf` needs nothing from the opsbook plugin but its configuration. With
    ``search_off``, it takes out of each page what the search plugin would have, so the pages
    are those of the site. With ``unthemed``, every template of the theme (pages, sitemap,
    404) writes a placeholder: laying a page into Material's templates was a fifth of the
    build, for HTML files nothing reads (``page.content`` is captured, not the file)."""
    from opsbook.engine import engine_module

    base_plugin: Any = engine_module("plugins").BasePlugin

    class CapturePages(base_plugin):  # type: ignore[misc]
        def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
            if not unthemed:
                return env
            import jinja2

            return jinja2.Environment(loader=jinja2.FunctionLoader(lambda _name: _UNTHEMED),
                                      autoescape=True)

        def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
            if search_off and page.content and "data-search-" in page.content:
                page.content = _SEARCH_ATTRIBUTE.sub("", page.content)
            collector.collect(page)
            return output

    plugin = CapturePages()
    plugin.load_config({})
    return plugin


class SiteBuildError(Exception):
    """The engine could not build the site (the message says why)."""


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def build_site(
    config_file: Path, site_dir: Path, *, redact: bool = False, allow_findings: bool = False,
    search: bool = False, theme: bool = False, findings: list[Diagnostic] | None = None,
    project: Project | None = None, unneeded: Unneeded | None = None,
) -> SiteBuild:
    """Build the site with the engine's own API (MkDocs 1.x or ProperDocs, see
    :mod:`opsbook.engine`) into ``site_dir`` and capture its pages; without its search index
    unless ``search`` (the pages are the same), the theme's templates written as placeholders
    unless ``theme`` (the captured pages are the same). ``findings``: the caller's check of
    the same handbook, which the plugin then reports instead of checking it again.
    ``project``: the caller's model of the handbook, to key the pages by their sources
    (:mod:`opsbook.pdf.sources`); ``unneeded``: which runbook pages to leave unrendered (their
    Markdown is not converted; they are captured marked incomplete), asked once the config
    is loaded."""
    from opsbook.engine import EngineError, engine_exception, engine_module
    from opsbook.pdf.sources import site_inputs

    try:
        build = engine_module("commands.build", config_file).build
        load_config = engine_module("config", config_file).load_config
        engine_error = engine_exception()
    except EngineError as error:
        raise SiteBuildError(str(error)) from None
    try:
        mkdocs_config = load_config(config_file=str(config_file), site_dir=str(site_dir))
    except engine_error as error:
        raise SiteBuildError(str(error)) from None
    plugin = mkdocs_config.plugins.get("opsbook")
    if plugin is None:
        raise SiteBuildError(f"{config_file}: the opsbook plugin is not enabled")
    if allow_findings:
        plugin.config["strict"] = False  # the findings were reported, and pages get stamped
    if redact:
        plugin.config["redact"] = True  # applied by the shared render layer, site and paper
    # MkDocs keeps plugin instances for the process: given findings are this build's only.
    plugin.findings_given = findings
    options = dict(plugin.config.get("pdf") or {})
    # This build only feeds `opsbook pdf`: it must not also print into its own site.
    plugin.config["pdf"]["enabled"] = False
    inputs = site_inputs(project, mkdocs_config) if project is not None else ""
    unrendered: frozenset[Path] = frozenset()
    if unneeded is not None and _may_leave_unrendered(mkdocs_config):
        unrendered = frozenset(unneeded(mkdocs_config, options, inputs))
    plugin.print_unrendered = unrendered
    collector = PageCollector(unrendered=unrendered)
    search_off = not search and _without_search(mkdocs_config)
    mkdocs_config.plugins["opsbook/pdf-capture"] = _capture_plugin(
        collector, search_off, unthemed=not theme)
    mkdocs_config.plugins.on_startup(command="build", dirty=False)
    try:
        # The findings were listed already (or printing was refused before this point).
        with _quiet("mkdocs.plugins.opsbook"):
            build(mkdocs_config)
    except engine_error as error:
        raise SiteBuildError(str(error) or type(error).__name__) from None
    except Exception as error:  # a plugin or theme failing mid-build: say so, no traceback
        raise SiteBuildError(f"{type(error).__name__}: {error}") from None
    finally:
        plugin.findings_given = None
        plugin.print_unrendered = frozenset()
        mkdocs_config.plugins.on_shutdown()
    return SiteBuild(built_site(collector, mkdocs_config, inputs=inputs), mkdocs_config, options)
