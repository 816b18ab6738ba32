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
runbook; whether it calls macros) and its findings. JSON, never pickle: the cache lives in the
handbook's folder, where anyone who can open a pull request can put a file, and loading it must
not run code. A file that does not parse as the expected shape is ignored.

How a warm check stays exact. A file whose stat is unchanged (and was not modified within the
last two seconds before the cached run started, when a stat could miss an edit) is taken as
unchanged; otherwise its bytes are hashed and compared. Then, from the rule registry:

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
  as JSON text decoded one by one when asked for), so a warm check parses no YAML. When such
  an alert came to be answered by any runbook or stopped being, what belongs to no alert
  (OB708 counts answered alerts only) is worked out again from every rule;
- other rules that read runbooks (a macro naming a service): when the set of services changes,
  the whole site is checked again; a re-checked file with such a finding the narrow scope
  cannot vouch for also sends the check to the whole site.

Concurrent runs: the file is written to a temporary name and renamed over the old one, so a
reader sees one whole run's cache or another's, never a mix; the last writer wins.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
    alert_rule_paths,
    load_rule_file,
    outside_rule_file,
    rule_file_from,
)
from opsbook.model.project import Project, build_project
from opsbook.run.request import CheckRequest, CheckRun
from opsbook.run.scope import vouched_for
from opsbook.settings import OpsbookConfig

CACHE_DIR_ENV = "OPSBOOK_CACHE_DIR"
FORMAT = 2
CONTEXT_KINDS = frozenset({"severity-matrix", "contacts", "rotations"})
"""Kinds of file whose content other files' findings read (a rotation's OB809 and OB811
compare it with the other rotation files): a change to one re-checks the whole site."""
RACY_NS = 2_000_000_000
"""A file modified this close to the start of the run that cached it may have changed again
within the file system's timestamp granularity: its stat alone is not trusted."""

Stat = tuple[int, int, int]  # size, mtime in ns, inode


@dataclass
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


def digest_of(data: bytes | LoadProblem) -> str:
    if isinstance(data, LoadProblem):
        return "unreadable"  # never equal to a hash: re-read every time
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
    names: set[str] = set()
    alerts: set[str] = set()
    service = ""
    for runbook in part.runbooks:
        names.add(runbook.id.lower())
        names.update(alert.lower() for alert in runbook.alerts)
        alerts.update(alert.strip().lower() for alert in runbook.alerts)
        service = service or runbook.service
    return FileFacts(
        stat or (-1, -1, -1), digest_of(data), part.document_kind(document),
        tuple(sorted(names)), service, document.text is not None and "{{" in document.text,
        alerts=tuple(sorted(alerts)),
    )


def load_with_facts(
    config: OpsbookConfig, path: Path, shown: str
) -> tuple[Document, Project, FileFacts]:
    """One file loaded the way :func:`load_document` loads it (a link out of a site's project
    is not read), with its cache facts."""
    stat = stat_of(path)
    root = config.root if config.site else None
    target = outside_target(path, root) if root is not None and os.path.islink(path) else None
    data = outside_problem(path, target) if target is not None else read_source(path)
    if isinstance(data, LoadProblem):
        document = Document(path, shown, None, problems=[data])
    else:
        document = parse_document(path, shown, data)
    part = build_project(config, [document])
    return document, part, facts_of(part, document, data, stat)


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

    def load(self, base: Path | None, directory: Path | None) -> StoredRules:
        """The rule files, each parsed or (kept in ``directory`` by its hash) read back in the
        stored form; a parsed one is then kept there."""
        by_path = dict(zip(self.paths, zip(self.data, self.digests, strict=True), strict=True))

        def load_file(path: Path, shown: str) -> StoredRuleFile | AlertRuleFile:
            data, digest = by_path[path]
            if data is None or isinstance(data, LoadProblem):
                return load_rule_file(path, shown, self.config.root) if data is None \
                    else rule_file_from(path, shown, data)
            place = None if directory is None else directory / f"rules-{_rules_key(digest)}.json"
            kept = None if place is None else read_stored_rules(place)
            if kept is None:
                kept = StoredRuleFile.of(rule_file_from(path, shown, data))
                if place is not None:
                    _write_json(place, kept.to_json())
            return kept

        return StoredRules.load(self.config, base, (self.paths, self.unmatched), load_file)


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


def read_stored_rules(path: Path) -> StoredRuleFile | None:
    try:
        with path.open("rb") as handle:
            return StoredRuleFile.from_json(json.loads(handle.read()))
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


def _encode_facts(fact: FileFacts) -> list[Any]:
    return [list(fact.stat), fact.digest, fact.kind, list(fact.names), fact.service, fact.macros,
            [_encode_diagnostic(d) for d in fact.findings], list(fact.alerts)]


ALERTS = 7  # where an encoded entry keeps FileFacts.alerts


def _decode_facts(raw: list[Any]) -> FileFacts:
    (size, mtime, inode), digest, kind, names, service, macros, findings, alerts = raw
    return FileFacts(
        (int(size), int(mtime), int(inode)), str(digest), None if kind is None else str(kind),
        tuple(str(name) for name in names), str(service), bool(macros),
        [_decode_diagnostic(item) for item in findings], tuple(str(alert) for alert in alerts),
    )


@dataclass
class Manifest:
    """A cache file. Its entries stay as JSON decoded them until one is used: a warm check of
    10,000 files that changed one touches a handful."""

    started_ns: int  # when the run that wrote it began
    codeowners: str
    has_matrix: bool
    other: list[Diagnostic]  # findings about no site file (CODEOWNERS, rule files)
    raw: dict[str, list[Any]]  # path -> encoded FileFacts
    alert_rules: str = ""  # alert_rules_digest of the run

    def facts(self, path: str) -> FileFacts | None:
        raw = self.raw.get(path)
        return None if raw is None else _decode_facts(raw)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "started_ns": self.started_ns, "codeowners": self.codeowners,
            "has_matrix": self.has_matrix,
            "other": [_encode_diagnostic(d) for d in self.other], "files": self.raw,
            "alert_rules": self.alert_rules,
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a cache file of this format")
        files = data["files"]
        if not isinstance(files, dict) or not all(
            isinstance(raw, list) and len(raw) == 8 for raw in files.values()
        ):
            raise ValueError("not a cache file of this format")
        return cls(int(data["started_ns"]), str(data["codeowners"]), bool(data["has_matrix"]),
                   [_decode_diagnostic(item) for item in data["other"]], files,
                   str(data.get("alert_rules", "")))


def read_manifest(path: Path) -> Manifest | None:
    try:
        with path.open("rb") as handle:
            return Manifest.from_json(json.loads(handle.read()))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, half-written by a crashed run, or not ours: check cold


def write_manifest(path: Path, manifest: Manifest) -> None:
    _write_json(path, manifest.to_json())


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
    rule_files: RuleFiles | None = None,
) -> None:
    """Write the manifest of a whole-site run: ``facts`` and ``shown`` (the display path) for
    every index of ``files``, and the run's findings; ``rule_files``: the rule files as the run
    read them (read again when not given)."""
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    raw: dict[str, list[Any]] = {}
    for index, file in enumerate(files):
        fact = facts[index]
        fact.findings = by_path.pop(shown[index], [])
        raw[str(file)] = _encode_facts(fact)
    other = [d for found in by_path.values() for d in found]
    has_matrix = any(fact.kind == "severity-matrix" for fact in facts.values())
    if rule_files is None:
        rule_files = RuleFiles.read(config)
    write_manifest(path, Manifest(started_ns, codeowners_digest(config), has_matrix, other, raw,
                                  "" if rule_files is None else rule_files.digest))
    _forget_other_rule_files(path.parent, rule_files)


def _forget_other_rule_files(directory: Path, rule_files: RuleFiles | None) -> None:
    """Stored rule files of contents the site no longer has are deleted (another handbook
    sharing the directory only loses speed)."""
    current = {f"rules-{_rules_key(digest)}.json"
               for digest in (rule_files.digests if rule_files is not None else ())}
    try:
        for stale in directory.glob("rules-*.json"):
            if stale.name not in current:
                stale.unlink(missing_ok=True)
    except OSError:
        pass


def _fresh(path: Path, raw: list[Any], started_ns: int) -> tuple[bool, list[Any] | None]:
    """Whether the file still holds what ``raw`` (its cached entry) was made from, and the
    entry with a new stat when only its stat changed."""
    stat = stat_of(path)
    if stat is None:
        return False, None
    cached = raw[0]
    if (stat[0] == cached[0] and stat[1] == cached[1] and stat[2] == cached[2]
            and stat[1] < started_ns - RACY_NS):
        return True, None
    if digest_of(read_source(path)) != raw[1]:
        return False, None
    return True, [list(stat), *raw[1:]]


def _findings(raw: list[Any]) -> list[Diagnostic]:
    return [_decode_diagnostic(item) for item in raw[6]] if raw[6] else []


def check_warm(
    path: Path, config: OpsbookConfig, request: CheckRequest, files: Sequence[Path],
    started_ns: int, rule_files: RuleFiles | None = None,
) -> CheckRun | None:
    """The whole-site check from the manifest at ``path`` and the files that changed since;
    None when there is no usable manifest or the change needs the whole site checked.
    ``rule_files``: the rule files as read for this run (read here when not given)."""
    manifest = read_manifest(path)
    if manifest is None or not manifest.has_matrix:
        return None  # no matrix: OB206 lands on the site's first runbook, whichever it is
    if codeowners_digest(config) != manifest.codeowners:
        return None
    if rule_files is None:
        rule_files = RuleFiles.read(config)
    if ("" if rule_files is None else rule_files.digest) != manifest.alert_rules:
        return None  # a rule file changed, came or went: every runbook may read it
    keys = [str(file) for file in files]
    entries: dict[int, list[Any]] = {}  # unchanged files: index -> cached entry
    changed: list[int] = []
    refreshed = False
    for index, key in enumerate(keys):
        raw = manifest.raw.get(key)
        same, updated = (False, None) if raw is None else _fresh(files[index], raw,
                                                                    manifest.started_ns)
        if not same:
            changed.append(index)
            continue
        assert raw is not None
        if updated is not None:
            raw, refreshed = updated, True
        entries[index] = raw
    gone = manifest.raw.keys() - set(keys)
    if not changed and not gone:
        found = [d for raw in entries.values() for d in _findings(raw)] + manifest.other
        if refreshed:  # hashed again only because of their stat: not next time
            write_manifest(path, replace(manifest, started_ns=started_ns,
                                         raw={keys[i]: entries[i] for i in range(len(keys))}))
        return CheckRun(sort_diagnostics(found), len(files), [], config.fail_on)
    return _recheck(path, manifest, config, request, files, keys, entries, changed, gone,
                    started_ns, rule_files)


def _recheck(
    path: Path, manifest: Manifest, config: OpsbookConfig, request: CheckRequest,
    files: Sequence[Path], keys: list[str], entries: dict[int, list[Any]], changed: list[int],
    gone: Iterable[str], started_ns: int, rule_files: RuleFiles | None,
) -> CheckRun | None:
    fallback = config.root if config.site else None
    before = [_decode_facts(manifest.raw[key]) for key in gone]
    loaded: dict[int, Document] = {}
    facts: dict[int, FileFacts] = {}
    for index in changed:
        raw = manifest.raw.get(keys[index])
        if raw is not None:
            before.append(_decode_facts(raw))
        shown = display_path_for(files[index], request.base, fallback)
        document, _part, fact = load_with_facts(config, files[index], shown)
        loaded[index] = document
        facts[index] = fact
    after = list(facts.values())
    if any(fact.kind in CONTEXT_KINDS for fact in (*before, *after)):
        return None  # the matrix, contacts or a rota changed: other files read them
    services_before = {raw[4] for raw in manifest.raw.values()} - {""}
    services_after = ({raw[4] for raw in entries.values()}
                      | {fact.service for fact in after}) - {""}
    if services_before != services_after:
        return None  # a macro elsewhere may name a service that came or went

    # Unchanged files that share a name with a changed runbook are re-checked, beside every
    # file that claims one of their names (or one of the alerts a changed runbook claims or
    # claimed: the first of them answers the alert).
    terms = {name for fact in (*before, *after) for name in fact.names}
    claimed = {alert for fact in (*before, *after) for alert in fact.alerts}
    affected = [index for index, raw in entries.items() if not terms.isdisjoint(raw[3])]
    terms.update(name for index in affected for name in entries[index][3])
    wanted_indices = set(changed) | set(affected)
    extra = [index for index, raw in entries.items()
             if index not in wanted_indices
             and (raw[2] in CONTEXT_KINDS or not terms.isdisjoint(raw[3])
                  or not claimed.isdisjoint(raw[ALERTS]))]
    for index in (*affected, *extra):
        shown = display_path_for(files[index], request.base, fallback)
        document, _part, fact = load_with_facts(config, files[index], shown)
        if fact.digest != entries[index][1]:
            return None  # changed while we looked: start again from the files
        loaded[index] = document
        if index in wanted_indices:
            facts[index] = fact
    project = build_project(config, [loaded[index] for index in sorted(loaded)])
    if config.site:
        project.codeowners = find_codeowners(config.root, request.base, fallback)
    wanted = {loaded[index].display_path: index for index in wanted_indices}
    other = manifest.other
    renewed = None
    if rule_files is not None:
        alert_rules, renewed = _alert_part(path, config, request, rule_files, entries, before,
                                           after, claimed, project)
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
    raw_entries = {keys[index]: entries[index] for index in entries}
    raw_entries.update((keys[index], _encode_facts(facts[index])) for index in wanted_indices)
    write_manifest(path, replace(manifest, started_ns=started_ns, raw=raw_entries,
                                 other=other))
    everything = [d for index, raw in entries.items() if index not in wanted_indices
                  for d in _findings(raw)]
    everything += found + other
    return CheckRun(sort_diagnostics(everything), len(files), [], config.fail_on)


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
    path: Path, config: OpsbookConfig, request: CheckRequest, rule_files: RuleFiles,
    entries: dict[int, list[Any]], before: list[FileFacts], after: list[FileFacts],
    claimed: set[str], project: Project,
) -> tuple[AlertRules, Callable[[Diagnostic], bool]]:
    """The alert rules for a re-check, scoped to the alerts whose findings on the rule files
    can have changed: those a changed runbook claims or claimed (every claimant of them is in
    ``project``). When one of them came to be answered or stopped being answered by any
    runbook, what belongs to no alert (OB708 counts only answered alerts) is renewed too, from
    every rule. Also: which findings of the manifest the re-check renews."""
    # The rules of every alert a loaded runbook answers: OB704 asks whether they exist.
    keep = claimed | {alert.strip().lower() for runbook in project.runbooks
                      for alert in runbook.alerts}
    stored = rule_files.load(request.base, path.parent)
    alerts = claimed & stored.defined()

    def answered_by_unchanged(alert: str) -> bool:
        return any(alert in raw[ALERTS] for raw in entries.values())

    first = any(
        any(alert in fact.alerts for fact in before) != any(alert in fact.alerts for fact in after)
        and not answered_by_unchanged(alert)
        for alert in alerts
    )
    answered: frozenset[str] = frozenset()
    if first:
        answered = frozenset({alert for raw in entries.values() for alert in raw[ALERTS]}
                             | {alert for fact in after for alert in fact.alerts})
    scope = AlertScope(frozenset(alerts), answered, first)
    alert_rules = stored.rules(keep | alerts_to_keep(stored, scope, project))
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
