"""What a runbook's print document is made from, hashed before it is made.

A warm ``opsbook pdf`` reuses a runbook's PDF when its print document is the same as last
time (:mod:`opsbook.pdf.reuse`); making that document to compare it (rendering the page,
rewriting it, wrapping it in the print template) was most of a warm run. The document is a
function of its *sources*: this runbook's Markdown; every other file the site build reads
(the config, every file of ``docs_dir`` and of the theme's ``custom_dir``, every file the
model loaded, the alert rule files), of which the other runbooks count by their frontmatter
only (a macro may read another runbook's metadata, no page reads another one's body); the
code that renders and prints (opsbook's own files, the versions of the site engine, its theme
and Markdown extensions); the day the site build takes as today; and the print settings. So
the manifest records, beside a PDF's key, the hash of its sources: the same hash means the
same key, without making the document, and the site build behind the command leaves that
runbook's page unrendered (:func:`opsbook.pdf.printing.pages_not_needed`).

Where a site can read sources this cannot list (a plugin or Markdown extension outside the
ones below, MkDocs ``hooks``, an ``INHERIT``ed config, ``!ENV`` values in the config,
``pymdownx.snippets`` includes), :func:`site_inputs` is "" and every page is rendered and
every document made and compared, as before.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import opsbook
from opsbook.model.project import Project
from opsbook.settings import today_from_environment

# Plugins whose effect on a page's content depends on nothing but the sources above.
KNOWN_PLUGINS = frozenset({"search", "material/search", "offline", "material/offline",
                           "opsbook", "opsbook/pdf-capture"})
# Markdown extensions that read nothing but the page (and their options in the config).
_READS_FILES = frozenset({"pymdownx.snippets", "markdown.extensions.snippets"})
_KNOWN_PREFIXES = ("pymdownx.", "markdown.extensions.", "material.extensions.")
_BUILTIN_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code",
    "footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists",
    "smarty", "tables", "toc", "wikilinks"})
# What renders a page besides opsbook: their versions count (phonenumbers formats the numbers
# on the header card, tzdata decides the rota's local times).
DISTRIBUTIONS = ("mkdocs", "properdocs", "mkdocs-material", "markdown", "pymdown-extensions",
                 "pygments", "jinja2", "markupsafe", "pyyaml", "phonenumbers", "tzdata")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


@cache
def code_digest() -> str:
    """opsbook's own files (code, templates, stylesheets), so an edited checkout counts as a
    new version, and the versions of what renders pages with it."""
    digest = hashlib.sha256(sys.version.encode() + b"\0")
    for name in DISTRIBUTIONS:
        digest.update(f"{name}={_version(name)}\0".encode())
    root = Path(opsbook.__file__).parent
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _understood(mkdocs_config: Any) -> bool:
    """Whether every source the site build may read is one :func:`site_inputs` lists."""
    if mkdocs_config.get("INHERIT") or mkdocs_config.get("hooks"):
        return False
    config_file = mkdocs_config.config_file_path
    try:
        if config_file and "!ENV" in Path(config_file).read_text(encoding="utf-8"):
            return False  # a value from the environment: the same file, another config
    except (OSError, UnicodeDecodeError):
        return False
    if any(name not in KNOWN_PLUGINS for name in mkdocs_config.plugins):
        return False
    for extension in mkdocs_config.markdown_extensions or []:
        name = extension if isinstance(extension, str) else type(extension).__module__
        if name in _READS_FILES:
            return False
        if name not in _BUILTIN_EXTENSIONS and not name.startswith(_KNOWN_PREFIXES):
            return False
    return True


def _files_below(directory: Path) -> Iterable[Path]:
    for folder, subfolders, files in os.walk(directory):
        subfolders.sort()
        for name in sorted(files):
            yield Path(folder, name)


def site_inputs(project: Project, mkdocs_config: Any) -> str:
    """The hash of every source of the site build but the runbooks' bodies; "" when the site
    may read sources this cannot list."""
    if not _understood(mkdocs_config):
        return ""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(f"{today_from_environment().isoformat()}\0{project.config!r}\0".encode())
    runbooks = {runbook.origin.document.path.resolve(): runbook for runbook in project.runbooks}
    seen: set[Path] = set()

    def add(path: Path, data: bytes | None = None) -> None:
        path = path.resolve()
        if path in seen:
            return
        seen.add(path)
        runbook = runbooks.get(path)
        if runbook is not None:  # its path and frontmatter; its body is its own key's
            document = runbook.origin.document
            lines = (document.text or "").split("\n")[: document.body_start - 1]
            data = "\n".join(lines).encode("utf-8", "surrogatepass")
        elif data is None:
            try:
                data = path.read_bytes()
            except OSError:
                data = b"\0missing"
        digest.update(f"{path}\0{len(data)}\0".encode() + data)

    config_file = mkdocs_config.config_file_path
    if config_file:
        add(Path(config_file))
    for path in _files_below(Path(mkdocs_config.docs_dir)):
        add(path)
    # The theme's own files count by its version; a custom_dir's by their bytes (a stylesheet
    # of extra_css may live there, and print documents are laid out with it).
    custom_dir = getattr(mkdocs_config.theme, "custom_dir", None)
    if custom_dir:
        for path in _files_below(Path(custom_dir)):
            add(path)
    for document in project.documents:
        add(document.path, (document.text or "").encode("utf-8", "surrogatepass"))
    for path in sorted(runbooks):
        add(path)
    if project.alert_rules is not None:
        for rule_file in project.alert_rules.files:
            add(rule_file.path)
    if project.codeowners is not None:
        add(project.codeowners.path)
    return digest.hexdigest()


def runbook_sources(inputs: str, settings: object, extra: str, text: str | None) -> str:
    """The hash of one runbook's sources: the site's (``inputs``), the print settings, what
    the print document adds from the model (``extra``: its team, the printed rotas) and its
    own Markdown. "" when ``inputs`` is (unknown sources)."""
    if not inputs:
        return ""
    digest = hashlib.sha256(f"{inputs}\0{settings!r}\0{extra}\0".encode())
    digest.update((text or "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:40]
