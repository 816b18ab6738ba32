"""The check cache: re-checking an unchanged handbook re-reads and re-checks only what changed.

Where: ``.cache/opsbook/`` under the handbook's root (next to mkdocs.yml), so a CI job can
keep it between runs like any build cache; ``OPSBOOK_CACHE_DIR`` names another directory, and
``OPSBOOK_CACHE_DIR=off`` (or `opsbook check --no-cache`) turns it off. The directory holds a
``.gitignore`` of ``*``, so git (and `--changed-since`) never sees it. Deleting it changes
nothing but speed.

What: one JSON file per configuration, named by a digest of everything a finding can depend
on besides the files themselves — opsbook's version and the stat of its own source files, the
versions of Python and of the libraries whose data decides findings, the settings (with the
date), the selected and ignored rules, and the directory paths are shown
relative to. For every site file it holds the file's stat, a BLAKE2 hash of its bytes, the
facts other files' checks read from it (its kind; the ids, alert names and service of its
runbook; whether it calls macros) and its findings, one JSON list per fact in site order (a
warm check of 10,000 files decodes a dozen long lists, not 10,000 short ones); and the folders
the file list was read from, with their stat. A warm check that changed a few files writes
their rows to a journal beside it (``check-*.journal.json``, naming the manifest it applies
to) instead of the whole manifest again. JSON, never pickle: the cache lives in the
handbook's folder, where anyone who can open a pull request can put a file, and loading it
must not run code. A file that does not parse as the expected shape is ignored (a journal
that does not: the manifest alone, an older whole state).

How a warm check stays exact. The site's files are the manifest's when no folder they were
listed from changed (ctime and inode, taken before the folder was read; never with a
symbolic link in the site, whose target may move), else they are listed again. A file whose
stat is unchanged (and was not modified within the last two seconds before the cached run
started, when a stat could miss an edit) is taken as unchanged; otherwise its bytes are hashed
and compared. Then, from the rule registry:

- findings of rules that read no other file depend on the file alone: a changed file is
  re-checked, an unchanged one keeps its findings;
- rules that read the severity matrix, the contacts or CODEOWNERS: when one of those changed
  (or a file became or stopped being one), the whole site is checked again;
- rules that compare runbooks (``collision``): every unchanged file that shares an id or alert
  name with a changed runbook (before or after the change) is re-checked, with every other
  file claiming one of its names loaded beside it, so "first" and "second" stay right;
- the rule files of `alert_rules` (hashed like CODEOWNERS): when one changed, came or went,
  the whole site is checked again. Their findings are kept with those about no site file;
  the ones about an alert a changed runbook claims (or claimed) are worked out again, from
  every runbook claiming it (loaded beside) and the rules of that alert alone — each rule
  file's content is stored next to the manifest under its hash (``rules-*.json``, the rules
  as JSON text decoded one by one when asked for; each manifest lists those its run read, and
  only those no manifest lists are deleted), so a warm check parses no YAML. When such
  an alert came to be answered by any runbook or stopped being, what belongs to no alert
  (OB708 counts answered alerts only) is worked out again from every rule;
- other rules that read runbooks (a macro naming a service): when the set of services changes,
  the whole site is checked again; a re-checked file with such a finding the narrow scope
  cannot vouch for also sends the check to the whole site.

Concurrent runs: each file is written to a temporary name and renamed over the old one, so a
reader sees one whole run's cache or another's, never a mix; the last writer wins.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard, TypeVar

from opsbook import __version__
from opsbook.checks import run_checks
from opsbook.checks.alerts import PER_ALERT, UNMATCHED_PATTERN, is_templated
from opsbook.diagnostics import Diagnostic, Level, Related, sort_diagnostics
from opsbook.load.codeowners import CODEOWNERS_LOCATIONS, find_codeowners, repository_root
from opsbook.load.confine import outside_problem, outside_target
from opsbook.load.document import Document, display_path_for, parse_document, read_source
from opsbook.load.problems import LoadProblem
from opsbook.model.alerts import (
    AlertRuleFile,
    AlertRules,
    AlertScope,
    StoredRuleFile,
    StoredRules,
    StoredRulesError,
    alert_rule_paths,
    load_rule_file,
    outside_rule_file,
    rule_file_from,
)
from opsbook.model.project import Listing, Project, build_project, site_listing
from opsbook.model.runbook import Runbook
from opsbook.run.request import CheckRequest, CheckRun
from opsbook.run.scope import vouched_for
from opsbook.settings import OpsbookConfig

CACHE_DIR_ENV = "OPSBOOK_CACHE_DIR"
FORMAT = 5
CONTEXT_KINDS = frozenset({"severity-matrix", "contacts", "rotations"})
"""Kinds of file whose content other files' findings read (a rotation's OB809 and OB811
compare it with the other rotation files): a change to one re-checks the whole site."""
RACY_NS = 2_000_000_000
T = TypeVar("T")
"""A file modified this close to the start of the run that cached it may have changed again
within the file system's timestamp granularity: its stat alone is not trusted."""

Stat = tuple[int, int, int]  # size, mtime in ns, inode


@dataclass(slots=True)  # one per site file, in the parent of a chunked check too
class FileFacts:
    """What the cache keeps about one site file."""

    stat: Stat
    digest: str
    kind: str | None = None
    names: tuple[str, ...] = ()  # lower-cased runbook ids and alert names
    service: str = ""
    macros: bool = False
    findings: list[Diagnostic] = field(default_factory=list)
    alerts: tuple[str, ...] = ()  # the alerts its runbook answers (stripped, lower-cased)


UNREADABLE = "unreadable"
"""The digest of a file that could not be read: never equal to a hash."""


def digest_of(data: bytes | LoadProblem) -> str:
    if isinstance(data, LoadProblem):
        return UNREADABLE  # never equal to a hash: re-read every time
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stat_of(path: Path) -> Stat | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


def facts_of(part: Project, document: Document, data: bytes | LoadProblem,
             stat: Stat | None) -> FileFacts:
    """The facts of ``document``, loaded alone into ``part`` from ``data``."""
    return facts_from(part, document, part.runbooks, digest_of(data), stat)


def facts_from(project: Project, document: Document, runbooks: Iterable[Runbook], digest: str,
               stat: Stat | None) -> FileFacts:
    """The facts of ``document`` (of ``project``), whose runbooks are ``runbooks`` and whose
    bytes hash to ``digest``."""
    # Interned: a chunked check's workers send the facts of every file to the parent, and a
    # string sent twice in one message arrives as one object.
    intern = sys.intern
    names: set[str] = set()
    alerts: set[str] = set()
    service = ""
    for runbook in runbooks:
        names.add(intern(runbook.id.lower()))
        names.update(intern(alert.lower()) for alert in runbook.alerts)
        alerts.update(intern(alert.strip().lower()) for alert in runbook.alerts)
        service = service or runbook.service
    kind = project.document_kind(document)
    return FileFacts(
        stat or (-1, -1, -1), digest, None if kind is None else intern(kind),
        tuple(sorted(names)), intern(service), document.text is not None and "{{" in document.text,
        alerts=tuple(sorted(alerts)),
    )


def load_with_facts(
    config: OpsbookConfig, path: Path, shown: str
) -> tuple[Document, Project, FileFacts]:
    """One file loaded the way :func:`load_document` loads it (a link out of a site's project
    is not read), with its cache facts."""
    document, data, stat = read_document(config, path, shown)
    part = build_project(config, [document])
    return document, part, facts_of(part, document, data, stat)


def read_document(
    config: OpsbookConfig, path: Path, shown: str
) -> tuple[Document, bytes | LoadProblem, Stat | None]:
    """One file loaded as :func:`load_document` loads it, with the bytes it was parsed from
    and the file's stat taken before they were read."""
    data, stat = read_file(config, path)
    return document_from(path, shown, data), data, stat


def read_file(config: OpsbookConfig, path: Path) -> tuple[bytes | LoadProblem, Stat | None]:
    """The bytes :func:`load_document` parses (a link out of a site's project is not read),
    and the file's stat taken before they were read."""
    stat = stat_of(path)
    root = config.root if config.site else None
    target = outside_target(path, root) if root is not None and os.path.islink(path) else None
    return (outside_problem(path, target) if target is not None else read_source(path)), stat


def document_from(path: Path, shown: str, data: bytes | LoadProblem) -> Document:
    if isinstance(data, LoadProblem):
        return Document(path, shown, None, problems=[data])
    return parse_document(path, shown, data)


# --- where, and under which key ---------------------------------------------------------------


# Libraries whose data decides findings (phone number metadata, YAML parsing).
_DEPENDENCIES = ("phonenumbers", "yaml")


@functools.cache  # the source files of a running opsbook do not change under it
def _code_stamp() -> str:
    """opsbook's version, the stat of its source files, Python's version and the stat of the
    deciding libraries' entry files (found, not imported): a changed check (an upgrade, or an
    edit in a development checkout) must not reuse findings of the old one."""
    from importlib.util import find_spec

    package = Path(__file__).resolve().parent.parent
    stamp = hashlib.blake2b(f"{__version__}\0{sys.version}".encode(), digest_size=16)
    for name in _DEPENDENCIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            info = os.stat(origin) if origin else None
        except OSError:
            info = None
        stamp.update(f"\0{name}={origin}:{info and (info.st_size, info.st_mtime_ns)}".encode())
    for path in sorted(package.rglob("*.py")):
        info = path.stat()
        stamp.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}".encode())
    return stamp.hexdigest()


def cache_dir(config: OpsbookConfig) -> Path | None:
    chosen = os.environ.get(CACHE_DIR_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    return Path(chosen) if chosen else config.root / ".cache" / "opsbook"


def cache_file(config: OpsbookConfig, request: CheckRequest) -> Path | None:
    directory = cache_dir(config)
    if directory is None:
        return None
    key = hashlib.blake2b(digest_size=16)
    for part in (_code_stamp(), repr(config), repr(request.select), repr(request.ignore),
                 str(request.base or Path.cwd())):
        key.update(part.encode("utf-8", "surrogateescape"))
        key.update(b"\0")
    return directory / f"check-{key.hexdigest()}.json"


def codeowners_digest(config: OpsbookConfig) -> str:
    """A hash of the CODEOWNERS files GitHub would look at (the first one found is used)."""
    root = repository_root(config.root)
    stamp = hashlib.blake2b(digest_size=16)
    for location in CODEOWNERS_LOCATIONS:
        path = root / location
        try:
            data = path.read_bytes()
        except OSError:
            continue
        stamp.update(f"{location}\0{len(data)}\0".encode())
        stamp.update(data)
    return stamp.hexdigest()


@dataclass
class RuleFiles:
    """The rule files `alert_rules` matches, read once: their bytes decide the cache's key for
    them (:attr:`digest`) and, parsed, the alert rules a check compares the runbooks with."""

    config: OpsbookConfig
    paths: list[Path]
    unmatched: list[str]
    data: list[bytes | LoadProblem | None]  # None: a link out of the project (not read)
    digests: list[str]

    @classmethod
    def read(cls, config: OpsbookConfig) -> RuleFiles | None:
        """None when the site has no `alert_rules`."""
        if not (config.site and config.alert_rules):
            return None
        paths, unmatched = alert_rule_paths(config)
        data: list[bytes | LoadProblem | None] = [
            None if outside_rule_file(path, "", config.root) is not None else read_source(path)
            for path in paths
        ]
        return cls(config, paths, unmatched, data,
                   ["outside" if item is None else digest_of(item) for item in data])

    @property
    def digest(self) -> str:
        """A hash of the files' names and bytes (and of the patterns matching nothing)."""
        stamp = hashlib.blake2b(repr(self.unmatched).encode(), digest_size=16)
        for path, digest in zip(self.paths, self.digests, strict=True):
            stamp.update(f"\0{path}\0".encode("utf-8", "surrogateescape"))
            stamp.update(digest.encode())
        return stamp.hexdigest()

    def stored_name(self, path: Path, digest: str) -> str | None:
        """The name the rule file at ``path`` is stored (or kept in memory) under, when its
        bytes, as read here, hash to ``digest``."""
        for own, data, own_digest in zip(self.paths, self.data, self.digests, strict=True):
            if own == path and own_digest == digest and isinstance(data, bytes):
                return _rules_key(digest)
        return None

    def stored_names(self) -> set[str]:
        """The names the rule files are stored (or kept in memory) under."""
        return {_rules_key(digest) for data, digest in zip(self.data, self.digests, strict=True)
                if isinstance(data, bytes)}

    def load(self, base: Path | None, directory: Path | None, reuse: bool = False,
             kept_in: dict[str, StoredRuleFile] | None = None) -> StoredRules:
        """The rule files, each parsed (then kept in ``directory`` by its hash) or, with
        ``reuse``, read back from there. A stored file is read on trust (a warm check catches
        :class:`StoredRulesError` when a rule it needs is not what was stored); a cold check
        parses, and so mends what a bad stored file broke. ``kept_in``: parsed files by hash,
        held in memory instead (`mkdocs serve`, :mod:`opsbook.run.live`)."""
        by_path = dict(zip(self.paths, zip(self.data, self.digests, strict=True), strict=True))

        def load_file(path: Path, shown: str) -> StoredRuleFile | AlertRuleFile:
            data, digest = by_path[path]
            if data is None or isinstance(data, LoadProblem):
                return load_rule_file(path, shown, self.config.root) if data is None \
                    else rule_file_from(path, shown, data)
            key = _rules_key(digest)
            if kept_in is not None:
                held = kept_in.get(key)
                if held is None:
                    held = kept_in[key] = StoredRuleFile.of(
                        rule_file_from(path, shown, data, marks=False))
                return held
            place = None if directory is None else directory / f"rules-{key}.json"
            texts = None if directory is None else directory / f"rules-{key}.texts.json"
            kept = None
            if reuse and place is not None and texts is not None:
                kept = read_stored_rules(place, texts)
            if kept is None:
                kept = StoredRuleFile.of(rule_file_from(path, shown, data, marks=False))
                if place is not None and texts is not None:
                    _write_json(texts, kept.texts_json())  # first: its index names it
                    _write_json(place, kept.to_json())
            return kept

        return StoredRules.load(self.config, base, (self.paths, self.unmatched), load_file)

    def read_rules(self, base: Path | None, directory: Path | None,
                   make: Callable[[StoredRules], T],
                   kept_in: dict[str, StoredRuleFile] | None = None) -> T:
        """``make`` over the rule files read back from ``directory`` where they are kept there;
        when a stored file turns out not to be what was stored, over them parsed again.
        ``kept_in``: see :meth:`load`."""
        try:
            return make(self.load(base, directory, reuse=True, kept_in=kept_in))
        except StoredRulesError:
            return make(self.load(base, directory, kept_in=kept_in))


def rules_answered(rule_files: RuleFiles, request: CheckRequest, project: Project,
                   report: frozenset[str] = frozenset(),
                   answered: frozenset[str] | None = None) -> AlertRules:
    """The rule files for a check of part of a site: only the rules of the alerts its runbooks
    answer (OB704 asks whether those exist) and of the alerts in ``report`` (lower-cased), the
    only ones it reports findings on the rule files for; with ``answered`` (the alerts answered
    in the site, as far as the caller needs them), also what belongs to no alert (OB708).
    Thousands of rules are parsed once and kept in the check cache by their files' hashes, as
    a warm whole-site check keeps them, so a pre-commit hook on one runbook does not parse
    every rule file each time. ``rule_files``: the site's, read once by the caller."""
    directory = cache_dir(rule_files.config) if request.cache else None
    scope = AlertScope(report, answered or frozenset(), first=answered is not None)

    def scoped(stored: StoredRules) -> AlertRules:
        rules = stored.rules(alerts_to_keep(stored, scope, project))
        rules.scope = scope
        return rules

    return rule_files.read_rules(request.base, directory, scoped)


def unknown_labelled_beside(rule_files: RuleFiles, request: CheckRequest, project: Project,
                            alerts: Collection[str]) -> set[str]:
    """The (lower-cased) alerts with a severity label ``project``'s matrix does not know, in
    the rule files that define one of ``alerts``: whether a runbook answers them decides
    those files' OB708."""
    matrix = project.matrix
    if matrix is None:
        return set()

    def unknown(value: str) -> bool:
        return not is_templated(value) and matrix.lookup(value) is None

    def labelled(stored: StoredRules) -> set[str]:
        found: set[str] = set()
        for _path, _shown, item in stored.files:
            if isinstance(item, StoredRuleFile) and not set(item.names).isdisjoint(alerts):
                for _label, value, indices in item.severities:
                    if unknown(value):
                        found.update(item.names[index] for index in indices)
        return found

    directory = cache_dir(rule_files.config) if request.cache else None
    return rule_files.read_rules(request.base, directory, labelled)


def alerts_to_keep(rules: StoredRules, scope: AlertScope, project: Project) -> set[str]:
    """The alerts whose rules a check of ``project`` with ``scope`` reads: those it reports
    on, those its runbooks answer (OB704 asks whether they exist) and, where it reports what
    belongs to no alert, those with a severity label the matrix does not know (OB708)."""
    keep = set(scope.report) | {alert.strip().lower() for runbook in project.runbooks
                                for alert in runbook.alerts}
    matrix = project.matrix
    if scope.first and matrix is not None:
        keep |= rules.labelled(lambda value: not is_templated(value)
                               and matrix.lookup(value) is None)
    return keep


def _rules_key(digest: str) -> str:
    """A stored rule file's name: the file's hash and opsbook's (a new parser, a new key)."""
    key = hashlib.blake2b(digest_size=16)
    key.update(f"{FORMAT}\0{_code_stamp()}\0{digest}".encode())
    return key.hexdigest()


def read_stored_rules(path: Path, texts: Path) -> StoredRuleFile | None:
    """The index of a stored rule file, its rules (in ``texts``) read when asked for."""
    try:
        with path.open("rb") as handle:
            return StoredRuleFile.from_json(json.loads(handle.read()), texts)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def alert_rules_digest(config: OpsbookConfig) -> str:
    """A hash of the rule files `alert_rules` matches (names and bytes); "" without any."""
    rule_files = RuleFiles.read(config)
    return "" if rule_files is None else rule_files.digest


# --- the file on disk ------------------------------------------------------------------------


def _encode_diagnostic(d: Diagnostic) -> list[Any]:
    return [d.path, d.line, d.column, d.rule, d.level.value, d.message, d.hint,
            [[r.path, r.line, r.message] for r in d.related]]


def _decode_diagnostic(item: list[Any]) -> Diagnostic:
    path, line, column, rule, level, message, hint, related = item
    return Diagnostic(str(path), int(line), int(column), str(rule), Level(level), str(message),
                      str(hint), tuple(Related(str(p), int(n), str(m)) for p, n, m in related))


def _of_types(raw: Any, *types: type) -> TypeGuard[list[Any]]:
    """Whether ``raw`` is a list of values of ``types`` (exactly: JSON gives no subclass)."""
    return isinstance(raw, list) and set(map(type, raw)) <= set(types)


def _strs(raw: Any) -> list[str]:
    if not _of_types(raw, str):
        raise ValueError("not a cache file of this format")
    return raw


def _folders(raw: Any) -> list[Any]:
    if not (isinstance(raw, list) and len(raw) % 3 == 0 and _of_types(raw[::3], str)
            and _of_types(raw[1::3], int) and _of_types(raw[2::3], int)):
        raise ValueError("not a cache file of this format")
    return raw


def _lists_of_strs(raw: Any, count: int) -> list[list[str]]:
    """``raw`` if it is ``count`` lists of strings (str.join refuses anything else, fast)."""
    if not (_of_types(raw, list) and len(raw) == count):
        raise ValueError("not a cache file of this format")
    "".join(itertools.chain.from_iterable(raw))  # TypeError unless every item is a str
    return raw


@dataclass
class Manifest:
    """A cache file: the run's findings about no site file, and for every site file (in site
    order, one JSON list per fact: ten thousand small lists decode and encode slowly) its path,
    stat, digest and facts; findings only for the files that have some."""

    started_ns: int  # when the run that wrote it began
    codeowners: str
    has_matrix: bool
    other: list[Diagnostic]  # findings about no site file (CODEOWNERS, rule files)
    alert_rules: str = ""  # RuleFiles.digest of the run
    paths: list[str] = field(default_factory=list)
    stats: list[int] = field(default_factory=list)  # size, mtime in ns, inode: 3 per file
    digests: list[str] = field(default_factory=list)
    kinds: list[str | None] = field(default_factory=list)
    names: list[list[str]] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    macros: list[bool] = field(default_factory=list)
    alerts: list[list[str]] = field(default_factory=list)
    findings: dict[int, list[Any]] = field(default_factory=dict)  # row -> encoded findings
    # The folders the listing of ``paths`` read (path, ctime in ns, inode: 3 per folder) and
    # whether it met a link: unchanged folders and no link, and the listing is ``paths``.
    folders: list[Any] = field(default_factory=list)
    links: bool = True
    # Which manifest file this is (a journal names it), and the rows that differ from that
    # file: a warm check that changed a few files writes them to a small journal beside it
    # rather than the whole manifest again.
    id: str = ""
    journal: dict[int, list[Any]] = field(default_factory=dict)
    # The findings of the run that made it (all of them, sorted), when it was just made by a
    # warm check: never stored, the rows and ``other`` hold them.
    diagnostics: list[Diagnostic] = field(default_factory=list, compare=False)

    def add(self, path: str, fact: FileFacts) -> None:
        self.paths.append(path)
        self.stats.extend(fact.stat)
        self.digests.append(fact.digest)
        self.kinds.append(fact.kind)
        self.names.append(list(fact.names))
        self.services.append(fact.service)
        self.macros.append(fact.macros)
        self.alerts.append(list(fact.alerts))
        if fact.findings:
            self.findings[len(self.paths) - 1] = [_encode_diagnostic(d) for d in fact.findings]

    def copy_row(self, source: Manifest, row: int, stat: Stat | None = None) -> None:
        """Row ``row`` of ``source`` (with a new stat when given) as this one's next row."""
        self.paths.append(source.paths[row])
        self.stats.extend(stat if stat is not None else source.stats[3 * row : 3 * row + 3])
        self.digests.append(source.digests[row])
        self.kinds.append(source.kinds[row])
        self.names.append(source.names[row])
        self.services.append(source.services[row])
        self.macros.append(source.macros[row])
        self.alerts.append(source.alerts[row])
        if row in source.findings:
            self.findings[len(self.paths) - 1] = source.findings[row]

    def renewed(self, started_ns: int, other: list[Diagnostic]) -> Manifest:
        """An empty manifest with this one's keys, for a run that began at ``started_ns``."""
        return Manifest(started_ns, self.codeowners, self.has_matrix, other, self.alert_rules)

    def updated(self, started_ns: int, other: list[Diagnostic], facts: dict[int, FileFacts],
                restated: dict[int, Stat]) -> Manifest:
        """This manifest's files, for a run that began at ``started_ns``: rows ``facts`` names
        with those facts, rows ``restated`` names with that stat."""
        fresh = Manifest(started_ns, self.codeowners, self.has_matrix, other, self.alert_rules,
                         list(self.paths), list(self.stats), list(self.digests), list(self.kinds),
                         list(self.names), list(self.services), list(self.macros),
                         list(self.alerts), dict(self.findings), self.folders, self.links,
                         self.id, dict(self.journal))
        for row, stat in restated.items():
            fresh.stats[3 * row : 3 * row + 3] = stat
            fresh.journal[row] = fresh.row(row)
        for row, fact in facts.items():
            fresh.stats[3 * row : 3 * row + 3] = fact.stat
            fresh.digests[row] = fact.digest
            fresh.kinds[row] = fact.kind
            fresh.names[row] = list(fact.names)
            fresh.services[row] = fact.service
            fresh.macros[row] = fact.macros
            fresh.alerts[row] = list(fact.alerts)
            fresh.findings.pop(row, None)
            if fact.findings:
                fresh.findings[row] = [_encode_diagnostic(d) for d in fact.findings]
            fresh.journal[row] = fresh.row(row)
        return fresh

    def row(self, row: int) -> list[Any]:
        """Row ``row`` as a journal keeps it."""
        return [row, *self.stats[3 * row : 3 * row + 3], self.digests[row], self.kinds[row],
                self.names[row], self.services[row], self.macros[row], self.alerts[row],
                self.findings.get(row, [])]

    def apply(self, journal: Any) -> None:
        """The rows, findings and listing of a journal written for this manifest file (a
        foreign or broken journal raises, before anything is changed)."""
        if not (isinstance(journal, dict) and journal.get("format") == FORMAT
                and journal.get("base") == self.id and self.id):
            raise ValueError("not a journal of this manifest")
        count = len(self.paths)
        rows: dict[int, list[Any]] = {}
        for entry in journal["rows"]:
            (row, size, mtime, inode, digest, kind, names, service, macros, alerts,
             findings) = entry
            if not (type(row) is int and 0 <= row < count and type(size) is int
                    and type(mtime) is int and type(inode) is int and isinstance(digest, str)
                    and (kind is None or isinstance(kind, str)) and isinstance(service, str)
                    and type(macros) is bool and isinstance(findings, list)):
                raise ValueError("not a journal of this manifest")
            _lists_of_strs([names, alerts], 2)
            for item in findings:
                _decode_diagnostic(item)
            rows[row] = entry
        other = [_decode_diagnostic(item) for item in journal["other"]]
        folders = _folders(journal["folders"])
        started_ns = int(journal["started_ns"])
        for row, entry in rows.items():
            (_row, size, mtime, inode, self.digests[row], self.kinds[row], self.names[row],
             self.services[row], self.macros[row], self.alerts[row], findings) = entry
            self.stats[3 * row : 3 * row + 3] = [size, mtime, inode]
            self.findings.pop(row, None)
            if findings:
                self.findings[row] = findings
        self.journal = rows
        self.other, self.folders, self.started_ns = other, folders, started_ns
        self.links = journal["links"] is not False

    def journal_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "base": self.id, "started_ns": self.started_ns,
            "other": [_encode_diagnostic(d) for d in self.other],
            "folders": self.folders, "links": self.links, "rows": list(self.journal.values()),
        }

    def facts(self, row: int) -> FileFacts:
        size, mtime, inode = self.stats[3 * row : 3 * row + 3]
        return FileFacts((size, mtime, inode), self.digests[row], self.kinds[row],
                         tuple(self.names[row]), self.services[row], self.macros[row],
                         self.row_findings(row), tuple(self.alerts[row]))

    def row_findings(self, row: int) -> list[Diagnostic]:
        return [_decode_diagnostic(item) for item in self.findings.get(row, ())]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "started_ns": self.started_ns, "codeowners": self.codeowners,
            "has_matrix": self.has_matrix, "alert_rules": self.alert_rules,
            "other": [_encode_diagnostic(d) for d in self.other],
            "paths": self.paths, "stats": self.stats, "digests": self.digests,
            "kinds": self.kinds, "names": self.names, "services": self.services,
            "macros": self.macros, "alerts": self.alerts,
            "findings": [[row, found] for row, found in self.findings.items()],
            "folders": self.folders, "links": self.links, "id": self.id,
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a cache file of this format")
        paths = _strs(data["paths"])
        count = len(paths)
        stats, kinds, macros = data["stats"], data["kinds"], data["macros"]
        names = _lists_of_strs(data["names"], count)
        alerts = _lists_of_strs(data["alerts"], count)
        if not (_of_types(stats, int) and len(stats) == 3 * count
                and _of_types(kinds, str, type(None)) and len(kinds) == count
                and _of_types(macros, bool) and len(macros) == count):
            raise ValueError("not a cache file of this format")
        digests, services = _strs(data["digests"]), _strs(data["services"])
        if not len(digests) == len(services) == count:
            raise ValueError("not a cache file of this format")
        findings: dict[int, list[Any]] = {}
        for row, found in data["findings"]:
            if type(row) is not int or not 0 <= row < count:
                raise ValueError("not a cache file of this format")
            for item in found:
                _decode_diagnostic(item)  # the shape is checked now, not when shown
            findings[row] = found
        return cls(int(data["started_ns"]), str(data["codeowners"]), bool(data["has_matrix"]),
                   [_decode_diagnostic(item) for item in data["other"]],
                   str(data["alert_rules"]), paths, stats, digests, kinds, names, services,
                   macros, alerts, findings, _folders(data["folders"]),
                   data["links"] is not False, str(data["id"]))

    def listing_holds(self) -> bool:
        """Whether the site's files are still ``paths``: no link met, and every folder read
        unchanged (and not changed within the timestamps' granularity before the run)."""
        if self.links or not self.folders:
            return False
        trusted = self.started_ns - RACY_NS
        folders = self.folders
        for at in range(0, len(folders), 3):
            try:
                info = os.stat(folders[at])
            except OSError:
                return False
            if (info.st_ctime_ns != folders[at + 1] or info.st_ino != folders[at + 2]
                    or info.st_ctime_ns >= trusted):
                return False
        return True


JOURNAL_ROWS = 500
"""At most this many rows in a journal; more, and the whole manifest is written again."""


def _journal_path(path: Path) -> Path:
    return path.with_name(path.stem + ".journal.json")


def read_manifest(path: Path) -> Manifest | None:
    try:
        with path.open("rb") as handle:
            manifest = Manifest.from_json(json.loads(handle.read()))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, half-written by a crashed run, or not ours: check cold
    try:
        with _journal_path(path).open("rb") as handle:
            manifest.apply(json.loads(handle.read()))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # none, or of another manifest file: the manifest as it is (older, still whole)
    return manifest


def write_manifest(path: Path, manifest: Manifest) -> None:
    """The rows that differ from the manifest file as a journal beside it, when they are a
    few; else the whole manifest (under a new id: a journal of the old one no longer
    applies)."""
    journal = _journal_path(path)
    if manifest.id and manifest.journal and len(manifest.journal) <= JOURNAL_ROWS:
        _write_json(journal, manifest.journal_json())
        return
    manifest.id, manifest.journal = os.urandom(8).hex(), {}
    _write_json(path, manifest.to_json())
    with contextlib.suppress(OSError):
        journal.unlink(missing_ok=True)


def _write_json(path: Path, data: Any) -> None:
    """Atomically (a temporary file renamed over the old one); silently skipped when the
    directory cannot be written: a cache must never fail a check."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# opsbook's check cache: safe to delete\n*\n", encoding="utf-8")
        text = json.dumps(data, separators=(",", ":"))
        handle, temporary = tempfile.mkstemp(prefix=".check-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


# --- a cold run leaves a manifest; a warm run uses it -----------------------------------------


def record(
    path: Path, config: OpsbookConfig, files: Sequence[Path], facts: dict[int, FileFacts],
    shown: dict[int, str], diagnostics: Iterable[Diagnostic], started_ns: int,
    rule_files: RuleFiles | None = None, listing: Listing | None = None,
) -> None:
    """Write the manifest of a whole-site run: ``facts`` and ``shown`` (the display path) for
    every index of ``files``, and the run's findings; ``rule_files``: the rule files as the run
    read them (read again when not given); ``listing``: how ``files`` were listed."""
    if rule_files is None:
        rule_files = RuleFiles.read(config)
    manifest = manifest_of(config, files, facts, shown, diagnostics, started_ns, rule_files,
                           listing)
    write_manifest(path, manifest)
    _forget_other_rule_files(path, rule_files)


def manifest_of(
    config: OpsbookConfig, files: Sequence[Path], facts: dict[int, FileFacts],
    shown: dict[int, str], diagnostics: Iterable[Diagnostic], started_ns: int,
    rule_files: RuleFiles | None, listing: Listing | None = None,
) -> Manifest:
    """The manifest of a whole-site run (see :func:`record`); ``rule_files``: as it read them
    (None: the site has no `alert_rules`)."""
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for index in range(len(files)):
        facts[index].findings = by_path.pop(shown[index], [])
    other = [d for found in by_path.values() for d in found]
    has_matrix = any(fact.kind == "severity-matrix" for fact in facts.values())
    manifest = Manifest(started_ns, codeowners_digest(config), has_matrix, other,
                        "" if rule_files is None else rule_files.digest)
    for index, file in enumerate(files):
        manifest.add(str(file), facts[index])
    if listing is not None:
        manifest.folders, manifest.links = _flat(listing), listing.links
    return manifest


def _flat(listing: Listing) -> list[Any]:
    return [value for folder in listing.folders for value in folder]


def _forget_other_rule_files(manifest: Path, rule_files: RuleFiles | None) -> None:
    """Stored rule files of contents no manifest's site has any more are deleted. Each
    manifest lists the stored rule files its run read (``check-<key>.rules``), so a second
    configuration sharing the directory (another mkdocs.yml beside the first) keeps its own."""
    directory = manifest.parent
    keys = sorted(rule_files.stored_names()) if rule_files is not None else []
    _write_json(manifest.with_suffix(".rules"), keys)
    kept: set[str] = set(keys)
    try:
        for listing in directory.glob("check-*.rules"):
            try:
                listed = json.loads(listing.read_bytes())
            except (OSError, ValueError):
                continue
            if isinstance(listed, list):
                kept.update(key for key in listed if isinstance(key, str))
        current = {f"rules-{key}{suffix}" for key in kept for suffix in (".json", ".texts.json")}
        for stale in directory.glob("rules-*.json"):
            if stale.name not in current:
                stale.unlink(missing_ok=True)
    except OSError:
        pass


def check_warm(
    path: Path, config: OpsbookConfig, request: CheckRequest,
    listed: Sequence[Path | str] | None, started_ns: int, rule_files: RuleFiles | None = None,
) -> CheckRun | None:
    """The whole-site check from the manifest at ``path`` and the files that changed since
    (``listed``: the site's files, as site_files lists them; None: the manifest's, when its
    folders did not change, else listed here — POSIX); None when there is no usable manifest
    or the change needs the whole site checked. ``rule_files``: the rule files as read for
    this run (read here when not given)."""
    manifest = read_manifest(path)
    if manifest is None or not manifest.has_matrix:
        return None
    if rule_files is None:
        rule_files = RuleFiles.read(config)
    if not context_holds(manifest, config, rule_files):
        return None
    folders: list[Any] = []
    links = True
    if listed is None:
        if manifest.listing_holds():
            listed, folders, links = manifest.paths, manifest.folders, False
        else:
            listing = site_listing(config)
            listed, folders, links = listing.names, _flat(listing), listing.links
    keys = [os.fspath(file) for file in listed]
    files = _Paths(listed)
    if keys == manifest.paths:
        rows: Sequence[int | None] = range(len(keys))
    else:
        where = {key: row for row, key in enumerate(manifest.paths)}
        rows = [where.get(key) for key in keys]
    entries: dict[int, int] = {}  # unchanged files: index -> row of the manifest
    restated: dict[int, Stat] = {}  # unchanged files whose stat changed: index -> new stat
    changed: list[int] = []
    stats, digests = manifest.stats, manifest.digests
    trusted = manifest.started_ns - RACY_NS
    for index, row in enumerate(rows):
        if row is None:
            changed.append(index)
            continue
        try:
            info = os.stat(keys[index])
        except OSError:
            changed.append(index)
            continue
        at = 3 * row
        if (info.st_size == stats[at] and info.st_mtime_ns == stats[at + 1]
                and info.st_ino == stats[at + 2] and info.st_mtime_ns < trusted):
            entries[index] = row
        elif digest_of(read_source(files[index])) == digests[row]:
            entries[index] = row
            restated[index] = (info.st_size, info.st_mtime_ns, info.st_ino)
        else:
            changed.append(index)
    gone = sorted(set(range(len(manifest.paths))) - {row for row in rows if row is not None})
    if not changed and not gone:
        found = [d for row in manifest.findings for d in manifest.row_findings(row)]
        # Hashed again only because of their stat, or listed anew: not next time.
        if restated or folders != manifest.folders or links != manifest.links:
            fresh = manifest.renewed(started_ns, manifest.other)
            for index, row in entries.items():
                fresh.copy_row(manifest, row, restated.get(index))
            fresh.folders, fresh.links = folders, links
            write_manifest(path, fresh)
        return CheckRun(sort_diagnostics(found + manifest.other), len(files), [],
                        config.fail_on)
    fallback = config.root if config.site else None

    def load(index: int) -> tuple[Document, FileFacts]:
        shown = display_path_for(files[index], request.base, fallback)
        document, _part, fact = load_with_facts(config, files[index], shown)
        return document, fact

    read_rules = None
    if rule_files is not None:
        read_rules = functools.partial(rule_files.read_rules, request.base, path.parent)
    rechecked = recheck(manifest, config, request, keys, rows, entries, restated, changed,
                        gone, started_ns, load, read_rules)
    if rechecked is None:
        return None
    rechecked.folders, rechecked.links = folders, links
    write_manifest(path, rechecked)
    return CheckRun(rechecked.diagnostics, len(files), [], config.fail_on)


def context_holds(manifest: Manifest, config: OpsbookConfig, rule_files: RuleFiles | None
                  ) -> bool:
    """Whether what every file's findings may read besides the site's files is as
    ``manifest`` found it: a matrix (without one, OB206 lands on the site's first runbook,
    whichever it is), CODEOWNERS, and the rule files (as ``rule_files`` read them: each
    runbook may read every rule file)."""
    return (manifest.has_matrix and codeowners_digest(config) == manifest.codeowners
            and ("" if rule_files is None else rule_files.digest) == manifest.alert_rules)


class _Paths:
    """The Path of a listed file, made when asked for."""

    def __init__(self, listed: Sequence[Path | str]) -> None:
        self.listed = listed

    def __getitem__(self, index: int) -> Path:
        return Path(self.listed[index])

    def __len__(self) -> int:
        return len(self.listed)


def recheck(
    manifest: Manifest, config: OpsbookConfig, request: CheckRequest, keys: list[str],
    rows: Sequence[int | None], entries: dict[int, int], restated: dict[int, Stat],
    changed: list[int], gone: list[int], started_ns: int,
    load: Callable[[int], tuple[Document, FileFacts]],
    read_rules: ReadRules | None,
) -> Manifest | None:
    """The site's files (``keys``, in site order) checked from ``manifest``: ``entries`` (index
    -> row) are unchanged (``restated``: with a new stat), ``changed`` are not, ``gone``
    (rows) are no longer there. ``load`` gives a file's document and facts, ``read_rules``
    makes the rule part from the rule files (see :meth:`RuleFiles.read_rules`). The manifest
    of the run, its :attr:`Manifest.diagnostics` the findings of a whole-site check; None when
    the change needs the whole site checked."""
    before = [manifest.facts(row) for row in gone]
    loaded: dict[int, Document] = {}
    facts: dict[int, FileFacts] = {}
    for index in changed:
        row = rows[index]
        if row is not None:
            before.append(manifest.facts(row))
        document, fact = load(index)
        loaded[index] = document
        facts[index] = fact
    after = list(facts.values())
    if any(fact.kind in CONTEXT_KINDS for fact in (*before, *after)):
        return None  # the matrix, contacts or a rota changed: other files read them
    services = manifest.services
    services_before = set(services) - {""}
    services_after = ({services[row] for row in entries.values()}
                      | {fact.service for fact in after}) - {""}
    if services_before != services_after:
        return None  # a macro elsewhere may name a service that came or went

    # Unchanged files that share a name with a changed runbook are re-checked, beside every
    # file that claims one of their names (or one of the alerts a changed runbook claims or
    # claimed: the first of them answers the alert).
    names, kinds, alerts = manifest.names, manifest.kinds, manifest.alerts
    terms = {name for fact in (*before, *after) for name in fact.names}
    claimed = {alert for fact in (*before, *after) for alert in fact.alerts}
    affected = [index for index, row in entries.items() if not terms.isdisjoint(names[row])]
    terms.update(name for index in affected for name in names[entries[index]])
    wanted_indices = set(changed) | set(affected)
    extra = [index for index, row in entries.items()
             if index not in wanted_indices
             and (kinds[row] in CONTEXT_KINDS or not terms.isdisjoint(names[row])
                  or not claimed.isdisjoint(alerts[row]))]
    for index in (*affected, *extra):
        document, fact = load(index)
        if fact.digest != manifest.digests[entries[index]]:
            return None  # changed while we looked: start again from the files
        loaded[index] = document
        if index in wanted_indices:
            facts[index] = fact
    project = build_project(config, [loaded[index] for index in sorted(loaded)])
    if config.site:
        project.codeowners = find_codeowners(config.root, request.base, config.root)
    wanted = {loaded[index].display_path: index for index in wanted_indices}
    other = manifest.other
    renewed = None
    if read_rules is not None:
        unchanged_alerts = [alerts[row] for row in entries.values()]
        alert_rules, renewed = read_rules(
            functools.partial(_alert_part, unchanged_alerts, before, after, claimed, project))
        project.alert_rules = alert_rules
        project.wanted_paths = frozenset(wanted) | alert_rules_wanted(alert_rules)
    else:
        project.wanted_paths = frozenset(wanted)
    checked = run_checks(project, request.select, request.ignore)
    found = [d for d in checked if d.path in wanted]
    if not vouched_for(found):
        return None
    if renewed is not None:
        other = [d for d in other if not renewed(d)] + [d for d in checked if renewed(d)]
    for diagnostic in found:
        facts[wanted[diagnostic.path]].findings.append(diagnostic)
    everything = found + other
    if isinstance(rows, range) and not gone:  # the same files: the columns, some rows anew
        fresh = manifest.updated(started_ns, other, {index: facts[index]
                                                     for index in wanted_indices}, restated)
        everything.extend(d for row in manifest.findings if row not in wanted_indices
                          for d in manifest.row_findings(row))
    else:
        fresh = manifest.renewed(started_ns, other)
        for index, key in enumerate(keys):
            if index in wanted_indices:
                fresh.add(key, facts[index])
            else:
                row = entries[index]
                fresh.copy_row(manifest, row, restated.get(index))
                if row in manifest.findings:
                    everything.extend(manifest.row_findings(row))
    fresh.diagnostics = sort_diagnostics(everything)
    return fresh


AlertPart = tuple[AlertRules, Callable[[Diagnostic], bool]]
"""The alert rules of a re-check, and which findings of the manifest it renews."""
ReadRules = Callable[[Callable[[StoredRules], AlertPart]], AlertPart]
"""Makes an :data:`AlertPart` from the rule files (as :meth:`RuleFiles.read_rules`)."""


def alert_rules_wanted(rules: AlertRules) -> frozenset[str]:
    """The paths whose findings a re-check with ``rules`` (scoped) renews."""
    scope = rules.scope
    if scope is None or not (scope.report or scope.first):
        return frozenset()
    paths = {rule_file.display_path for rule_file in rules.files}
    if scope.first:
        paths.add(rules.config_display_path)
    return frozenset(paths)


def _alert_part(
    unchanged: list[list[str]], before: list[FileFacts], after: list[FileFacts],
    claimed: set[str], project: Project, stored: StoredRules,
) -> tuple[AlertRules, Callable[[Diagnostic], bool]]:
    """The alert rules for a re-check, scoped to the alerts whose findings on the rule files
    can have changed: those a changed runbook claims or claimed (every claimant of them is in
    ``project``). When one of them came to be answered or stopped being answered by any
    runbook, what belongs to no alert (OB708 counts only answered alerts) is renewed too, from
    every rule. Also: which findings of the manifest the re-check renews."""
    # The rules of every alert a loaded runbook answers: OB704 asks whether they exist.
    keep = claimed | {alert.strip().lower() for runbook in project.runbooks
                      for alert in runbook.alerts}
    alerts = claimed & stored.defined()

    def answered_by_unchanged(alert: str) -> bool:
        return any(alert in answers for answers in unchanged)

    first = any(
        any(alert in fact.alerts for fact in before) != any(alert in fact.alerts for fact in after)
        and not answered_by_unchanged(alert)
        for alert in alerts
    )
    answered: frozenset[str] = frozenset()
    if first:
        answered = frozenset({alert for answers in unchanged for alert in answers}
                             | {alert for fact in after for alert in fact.alerts})
    scope = AlertScope(frozenset(alerts), answered, first)
    alert_rules = stored.rules(keep | alerts_to_keep(stored, scope, project))  # may raise
    alert_rules.scope = scope
    kept_at = {shown: stored.stored(shown) for _path, shown, _item in stored.files}
    config_path = alert_rules.config_display_path

    def renewed(d: Diagnostic) -> bool:
        if d.path in kept_at:
            if d.rule in PER_ALERT:
                kept = kept_at[d.path]
                return kept is not None and kept.alert_at(d.line) in alerts
            return first
        return first and d.path == config_path and d.rule == UNMATCHED_PATTERN.id

    return alert_rules, renewed


def now_ns() -> int:
    return time.time_ns()
