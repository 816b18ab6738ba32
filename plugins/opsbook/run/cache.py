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
  the whole site is checked again, and so it is when a changed runbook claims (or claimed) an
  alert they define; the findings on the rule files are kept with those about no site file;
- other rules that read runbooks (a macro naming a service): when the set of services changes,
  the whole site is checked again; a re-checked file with such a finding the narrow scope
  cannot vouch for also sends the check to the whole site.

Concurrent runs: the file is written to a temporary name and renamed over the old one, so a
reader sees one whole run's cache or another's, never a mix; the last writer wins.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from opsbook import __version__
from opsbook.checks import run_checks
from opsbook.checks.alerts import PER_ALERT, UNKNOWN_SEVERITY_LABEL, alert_at
from opsbook.diagnostics import Diagnostic, Level, Related, sort_diagnostics
from opsbook.load.codeowners import CODEOWNERS_LOCATIONS, find_codeowners, repository_root
from opsbook.load.confine import outside_problem, outside_target
from opsbook.load.document import Document, display_path_for, parse_document, read_source
from opsbook.load.problems import LoadProblem
from opsbook.model.alerts import alert_rule_paths, load_alert_rules
from opsbook.model.project import Project, build_project
from opsbook.run.request import CheckRequest, CheckRun
from opsbook.run.scope import vouched_for
from opsbook.settings import OpsbookConfig

CACHE_DIR_ENV = "OPSBOOK_CACHE_DIR"
FORMAT = 1
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
    service = ""
    for runbook in part.runbooks:
        names.add(runbook.id.lower())
        names.update(alert.lower() for alert in runbook.alerts)
        service = service or runbook.service
    return FileFacts(
        stat or (-1, -1, -1), digest_of(data), part.document_kind(document),
        tuple(sorted(names)), service, document.text is not None and "{{" in document.text,
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


def alert_rules_digest(config: OpsbookConfig) -> str:
    """A hash of the rule files `alert_rules` matches (names and bytes); "" without any."""
    if not (config.site and config.alert_rules):
        return ""
    paths, unmatched = alert_rule_paths(config)
    stamp = hashlib.blake2b(repr(unmatched).encode(), digest_size=16)
    for path in paths:
        stamp.update(f"\0{path}\0".encode("utf-8", "surrogateescape"))
        stamp.update(digest_of(read_source(path)).encode())
    return stamp.hexdigest()


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
            [_encode_diagnostic(d) for d in fact.findings]]


def _decode_facts(raw: list[Any]) -> FileFacts:
    (size, mtime, inode), digest, kind, names, service, macros, findings = raw
    return FileFacts(
        (int(size), int(mtime), int(inode)), str(digest), None if kind is None else str(kind),
        tuple(str(name) for name in names), str(service), bool(macros),
        [_decode_diagnostic(item) for item in findings],
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
            isinstance(raw, list) and len(raw) == 7 for raw in files.values()
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
    """Atomically (a temporary file renamed over the old one); silently skipped when the
    directory cannot be written: a cache must never fail a check."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# opsbook's check cache: safe to delete\n*\n", encoding="utf-8")
        text = json.dumps(manifest.to_json(), separators=(",", ":"))
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
) -> None:
    """Write the manifest of a whole-site run: ``facts`` and ``shown`` (the display path) for
    every index of ``files``, and the run's findings."""
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
    write_manifest(path, Manifest(started_ns, codeowners_digest(config), has_matrix, other, raw,
                                  alert_rules_digest(config)))


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
    started_ns: int,
) -> CheckRun | None:
    """The whole-site check from the manifest at ``path`` and the files that changed since;
    None when there is no usable manifest or the change needs the whole site checked."""
    manifest = read_manifest(path)
    if manifest is None or not manifest.has_matrix:
        return None  # no matrix: OB206 lands on the site's first runbook, whichever it is
    if codeowners_digest(config) != manifest.codeowners:
        return None
    if alert_rules_digest(config) != manifest.alert_rules:
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
                    started_ns)


def _recheck(
    path: Path, manifest: Manifest, config: OpsbookConfig, request: CheckRequest,
    files: Sequence[Path], keys: list[str], entries: dict[int, list[Any]], changed: list[int],
    gone: Iterable[str], started_ns: int,
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
    # file that claims one of their names.
    terms = {name for fact in (*before, *after) for name in fact.names}
    alert_rules = load_alert_rules(config, request.base) if config.site and config.alert_rules \
        else None
    # Alerts of the rule files that a changed runbook claims or claimed: their findings on the
    # rule files are checked again (all their claimants are loaded below), the others kept.
    alerts = terms.intersection(alert_rules.by_name()) if alert_rules is not None else set()
    if alerts and any(d.rule == UNKNOWN_SEVERITY_LABEL.id for d in manifest.other):
        return None  # reported once per value and file, across alerts: only a whole pass
    affected = [index for index, raw in entries.items() if not terms.isdisjoint(raw[3])]
    terms.update(name for index in affected for name in entries[index][3])
    wanted_indices = set(changed) | set(affected)
    extra = [index for index, raw in entries.items()
             if index not in wanted_indices
             and (raw[2] in CONTEXT_KINDS or not terms.isdisjoint(raw[3]))]
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
    project.alert_rules = alert_rules
    wanted = {loaded[index].display_path: index for index in wanted_indices}
    rule_paths = ({rule_file.display_path for rule_file in alert_rules.files}
                  if alert_rules is not None else set())
    project.wanted_paths = frozenset(wanted) | (frozenset(rule_paths) if alerts else frozenset())
    checked = run_checks(project, request.select, request.ignore)
    found = [d for d in checked if d.path in wanted]
    if not vouched_for(found):
        return None
    other = manifest.other
    if alerts:
        assert alert_rules is not None

        def renewed(d: Diagnostic) -> bool:
            return (d.path in rule_paths and d.rule in PER_ALERT
                    and alert_at(alert_rules, d.path, d.line) in alerts)

        fresh = [d for d in checked if d.path in rule_paths]
        if any(d.rule == UNKNOWN_SEVERITY_LABEL.id for d in fresh):
            return None
        other = [d for d in other if not renewed(d)] + [d for d in fresh if renewed(d)]
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


def now_ns() -> int:
    return time.time_ns()
