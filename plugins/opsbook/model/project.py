"""A handbook: every loaded file, sorted into the content model."""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from opsbook.load.codeowners import CodeOwners, find_codeowners
from opsbook.load.document import (
    Document,
    display_path_for,
    forget_resolved_folders,
    is_below,
    load_document,
)
from opsbook.model.alerts import AlertRuleFile, AlertRules, load_alert_rules
from opsbook.model.contacts import CONTACTS_SPEC, ContactBook, build_contact_sheet
from opsbook.model.origin import Origin
from opsbook.model.rotations import ROTATIONS_SPEC, Rotation, build_rotations
from opsbook.model.runbook import RUNBOOK_SPEC, TEMPLATE_SPEC, Runbook, build_runbook
from opsbook.model.schema import ObjectSpec, SchemaProblem, validate_object
from opsbook.model.severity import SEVERITY_MATRIX_SPEC, SeverityMatrix, build_severity_matrix
from opsbook.settings import OpsbookConfig

KIND_SPECS: dict[str, ObjectSpec] = {
    "severity-matrix": SEVERITY_MATRIX_SPEC,
    "contacts": CONTACTS_SPEC,
    "runbook": RUNBOOK_SPEC,
    "template": TEMPLATE_SPEC,
    "rotations": ROTATIONS_SPEC,
}

_NO_FRONTMATTER = SchemaProblem(
    "OB007",
    (),
    "file under the runbooks directory has no frontmatter, so it is not a runbook "
    "(id, title, service, owner, severity and last_reviewed are missing)",
    "start the file with a `---` block (`opsbook new runbook ID` writes one), "
    "or move it out of the runbooks directory",
)

MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass
class Project:
    config: OpsbookConfig
    documents: list[Document] = field(default_factory=list)
    matrices: list[SeverityMatrix] = field(default_factory=list)
    contacts: ContactBook = field(default_factory=ContactBook)
    runbooks: list[Runbook] = field(default_factory=list)
    # On-call rotations, from contacts sheets and `kind: rotations` files, in path order.
    rotations: list[Rotation] = field(default_factory=list)
    schema_problems: list[tuple[Document, SchemaProblem]] = field(default_factory=list)
    unknown_kinds: list[Document] = field(default_factory=list)
    # GitHub's CODEOWNERS for the repository, when it has one (site projects only).
    codeowners: CodeOwners | None = None
    # Paths (as shown) whose findings the caller keeps, when it keeps only some (see
    # opsbook.run.scope); checks may skip work whose findings can only land elsewhere.
    wanted_paths: frozenset[str] | None = None
    # Each document's effective kind, by id(document), as build_project found it: several
    # checks ask again, and the answer costs path arithmetic for every file under runbooks/.
    kinds: dict[int, str | None] = field(default_factory=dict)
    # The Prometheus rule files of the `alert_rules` option, when the site has any (loaded
    # by load_project and the narrow scope; None: not configured, or not loaded).
    alert_rules: AlertRules | None = None

    def wants(self, display_path: str) -> bool:
        return self.wanted_paths is None or display_path in self.wanted_paths

    @property
    def matrix(self) -> SeverityMatrix | None:
        """The matrix; with several (an error), the first by path, whatever the load order."""
        if not self.matrices:
            return None
        return min(self.matrices, key=lambda matrix: matrix.origin.display_path)

    def runbook_for_alert(self, alert: str) -> Runbook | None:
        wanted = alert.strip().lower()
        for runbook in self.runbooks:
            if any(name.lower() == wanted for name in runbook.alerts):
                return runbook
        return None

    def rotation_for(self, team: str) -> Rotation | None:
        """The team's rotation (the first, if several name the team)."""
        return next((rotation for rotation in self.rotations if rotation.team == team), None)

    def document_kind(self, document: Document) -> str | None:
        key = id(document)
        if key in self.kinds:
            return self.kinds[key]
        return effective_kind(document, self.config)


def effective_kind(document: Document, config: OpsbookConfig) -> str | None:
    """The kind a file declares, or `runbook` for files under the runbooks directory."""
    declared = document.kind
    if declared:
        return declared
    if (document.data is not None or _lacks_frontmatter(document)) and config.site and is_below(
        document.path, config.runbooks_dir
    ):
        return "runbook"
    return None


def _lacks_frontmatter(document: Document) -> bool:
    """Readable text with no `---` block at all (an empty file, or Markdown only)."""
    return document.text is not None and not document.frontmatter.present


def iter_markdown_files(directory: Path) -> Iterator[Path]:
    """Markdown files below ``directory``, sorted, hidden folders skipped, symlinks to folders
    not followed (so a symlink loop cannot hang the walk)."""
    found: list[Path] = []
    for current, folders, files in os.walk(directory, followlinks=False):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        folder = Path(current)
        for name in files:
            if name.endswith(MARKDOWN_SUFFIXES) and not name.startswith("."):
                found.append(folder / name)
    yield from sorted(found, key=_PATH_ORDER)


# Paths sort by their parts; comparing the cached ``parts`` tuples is what `Path.__lt__` does on
# POSIX, five times faster over the 10,000 files of a large handbook. (Windows compares
# case-folded parts: the paths' own ordering is kept there.)
_PATH_ORDER = operator.attrgetter("parts") if os.name == "posix" else None


def site_files(config: OpsbookConfig) -> list[Path]:
    """The site's Markdown files, plus every link in its folders (to a file of any kind, or
    to a folder) that leads outside the project: loading one reports it and reads nothing."""
    if os.name == "posix":
        return [Path(name) for name in site_file_names(config)]
    from opsbook.load.confine import escaping_links, outside_target

    files: list[Path] = []
    for directory in (config.docs_dir, config.runbooks_dir):
        if directory.is_symlink() and outside_target(directory, config.root) is not None:
            files.append(directory)  # the whole folder lives elsewhere: reported, not read
        elif directory.is_dir():
            files.extend(iter_markdown_files(directory))
            files.extend(escaping_links(directory, config.root))
    return sorted(dict.fromkeys(files), key=_PATH_ORDER)


@dataclass
class Listing:
    """The site's files as :func:`site_files` lists them (as names), and what the listing
    read: each folder with its stat, taken before the folder was read (a file added, removed
    or renamed since, or a change of the folder's mode, changes its ctime), and whether a
    symbolic link was met (a link's target can move without any folder of the site
    changing)."""

    names: list[str]
    folders: list[tuple[str, int, int]]  # path, ctime in ns, inode
    links: bool


def site_listing(config: OpsbookConfig) -> Listing:
    """:func:`site_files` as a :class:`Listing` (POSIX): one pass over the folders, no `Path`
    per file — a warm check of 10,000 files compares names and stats."""
    from opsbook.load.confine import outside_target

    names: list[str] = []
    folders: list[tuple[str, int, int]] = []
    links = False

    def stat_folder(folder: str) -> bool:
        try:
            info = os.stat(folder)
        except OSError:
            return False
        folders.append((folder, info.st_ctime_ns, info.st_ino))
        return True

    for directory in (config.docs_dir, config.runbooks_dir):
        stat_folder(str(directory.parent))  # where the folder would appear, or go
        if directory.is_symlink():
            links = True
            if outside_target(directory, config.root) is not None:
                names.append(str(directory))  # the whole folder lives elsewhere: not read
                continue
        if not directory.is_dir():
            continue
        # What os.walk (no links followed) and escaping_links find: Markdown files in the
        # folders (hidden ones skipped) and links that lead outside the project.
        pending = [str(directory)]
        while pending:
            folder = pending.pop()
            if not stat_folder(folder):
                continue
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue  # as os.walk does (made readable, its ctime changes)
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                link = entry.is_symlink()
                if link:
                    links = True
                    if outside_target(Path(entry.path), config.root) is not None:
                        names.append(entry.path)
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if not link:
                        pending.append(entry.path)
                elif name.endswith(MARKDOWN_SUFFIXES):
                    names.append(entry.path)
    # Sorted by their parts, as the Paths are: with "/" as the lowest character, absolute
    # normalised paths compare as their parts do.
    return Listing(sorted(dict.fromkeys(names), key=_by_parts), folders, links)


def site_file_names(config: OpsbookConfig) -> list[str]:
    """:func:`site_files` as strings, in the same order (POSIX)."""
    return site_listing(config).names


def _by_parts(name: str) -> str:
    return name.replace("/", "\0")


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given (any extension), directories expanded to their Markdown files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(iter_markdown_files(path))
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def load_project(
    config: OpsbookConfig, files: Iterable[Path], base: Path | None = None,
    load_rule_file: Callable[[Path, str], AlertRuleFile] | None = None,
    load_file: Callable[[Path, str, Path | None], Document] = load_document,
) -> Project:
    """The project of ``files``; ``load_rule_file`` loads each rule file of `alert_rules`
    (default: parsed afresh; `mkdocs serve` keeps them between builds, opsbook.run.live);
    ``load_file`` each file, as :func:`load_document` does (`mkdocs serve` also notes the
    bytes it read, opsbook.run.live)."""
    fallback = config.root if config.site else None
    forget_resolved_folders()  # folders may have moved since the last load (mkdocs serve)
    documents = [load_file(path, display_path_for(path, base, fallback), fallback)
                 for path in files]
    project = build_project(config, documents)
    if config.site:
        project.codeowners = find_codeowners(config.root, base, fallback)
        if config.alert_rules:
            project.alert_rules = load_alert_rules(config, base, load_file=load_rule_file)
    return project


def document_order(document: Document) -> tuple[tuple[str, ...], str]:
    """The order of a project's documents (see build_project)."""
    return PurePosixPath(document.display_path).parts, str(document.path)


def build_project(config: OpsbookConfig, documents: list[Document]) -> Project:
    # In path order whatever order the files came in (`opsbook check b.md a.md`, a fuzzer's
    # shuffle): rules that keep the first of two (duplicate ids, "also used by", the runbook
    # that reports a missing matrix) then give the same output for the same files.
    documents = sorted(documents, key=document_order)
    project = Project(config, documents)
    for document in documents:
        kind = project.kinds[id(document)] = effective_kind(document, config)
        if kind is None:
            continue
        if document.data is None:
            # Broken frontmatter was reported by the loader; none at all under runbooks/ is
            # reported here, or an empty or truncated runbook would pass without a word.
            if kind == "runbook" and _lacks_frontmatter(document):
                project.schema_problems.append((document, _NO_FRONTMATTER))
            continue
        spec = KIND_SPECS.get(kind)
        if spec is None:
            project.unknown_kinds.append(document)
            continue
        data = dict(document.data)
        data.setdefault("kind", kind)
        result = validate_object(spec, data)
        project.schema_problems.extend((document, problem) for problem in result.problems)
        origin = Origin(document)
        if kind == "severity-matrix":
            project.matrices.append(build_severity_matrix(result.values, origin))
        elif kind == "contacts":
            project.contacts.sheets.append(build_contact_sheet(result.values, origin))
            project.rotations.extend(build_rotations(result.values.get("rotations", []), origin))
        elif kind == "rotations":
            project.rotations.extend(build_rotations(result.values.get("rotations", []), origin))
        elif kind == "runbook":
            runbook = build_runbook(result.values, origin)
            if runbook is not None:
                project.runbooks.append(runbook)
    return project
