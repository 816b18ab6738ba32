"""The whole site in chunks, on several cores: the findings of a plain check of a large site,
faster and in bounded memory.

The site's files are cut into chunks of :data:`CHUNK_FILES` (in site order), dealt round-robin
to worker processes. Checking a chunk needs a few files beyond its own: the severity matrix and
contact sheets, the first runbook claiming each id and alert name the chunk uses (so a
collision names the same first file as in a plain check, OB302/OB305), and — for chunks that
call macros — one runbook per service (the services OB402 accepts). The workers first load
their chunks and report those facts; the parent tells each worker which other files its chunks
need; each chunk is then checked with the ordinary :func:`run_checks` on its files plus those,
and only the chunk's own findings are kept. A chunk's documents are dropped once checked, so
memory stays bounded, and the number of workers never changes the result. One difference from
a single pass: shell blocks are parsed (``bash -n``) one batch per chunk, so a block whose
unclosed quote a block in another chunk happens to close is reported, as it is when checked
alone.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.diagnostics import Diagnostic, sort_diagnostics
from opsbook.load.codeowners import CodeOwners, find_codeowners
from opsbook.load.document import display_path_for, forget_resolved_folders
from opsbook.model.alerts import AlertScope, StoredRules
from opsbook.model.project import Project, document_order
from opsbook.run.cache import FileFacts, RuleFiles, alerts_to_keep, load_with_facts
from opsbook.settings import OpsbookConfig

CHUNK_FILES = 500
"""Files per chunk: small enough to bound memory (a worker holds one chunk's files, checked),
large enough that the few extra files each chunk loads (matrix, contacts, collision partners)
cost about 2%."""

CHUNKED_FROM = 2000
"""Sites with fewer files are checked in one pass: a worker process costs more than it saves."""

def jobs_wanted() -> int:
    """Worker processes: ``OPSBOOK_JOBS`` if set, else one per CPU this process may use."""
    value = os.environ.get("OPSBOOK_JOBS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


Order = tuple[tuple[str, ...], str]  # see document_order


@dataclass(frozen=True, slots=True)  # one per runbook, all of them in the parent
class RunbookFacts:
    index: int  # position of its file in the site's file list
    order: Order  # its place in a project, which decides the "first" of two claims
    id: str
    alerts: tuple[str, ...]  # lower-cased, as collisions compare them
    service: str


@dataclass
class ShardFacts:
    """What one worker learnt while loading its chunks."""

    context: list[tuple[int, str]] = field(default_factory=list)  # (index, kind)
    runbooks: list[RunbookFacts] = field(default_factory=list)
    macro_chunks: set[int] = field(default_factory=set)  # chunks whose files call macros
    files: dict[int, tuple[str, FileFacts]] = field(default_factory=dict)  # for the cache


def merge_projects(config: OpsbookConfig, parts: Iterable[Project]) -> Project:
    """One project from one-file projects: what :func:`build_project` on their documents
    builds, since it puts them in :func:`document_order` and reads each on its own."""
    merged = Project(config)
    for part in sorted(parts, key=lambda part: document_order(part.documents[0])):
        merged.documents.extend(part.documents)
        merged.matrices.extend(part.matrices)
        merged.contacts.sheets.extend(part.contacts.sheets)
        merged.runbooks.extend(part.runbooks)
        merged.rotations.extend(part.rotations)
        merged.schema_problems.extend(part.schema_problems)
        merged.unknown_kinds.extend(part.unknown_kinds)
        merged.kinds.update(part.kinds)
    return merged


class Shard:
    """The chunks one process checks, and the files it has loaded for them."""

    def __init__(
        self, config: OpsbookConfig, files: list[Path], chunks: list[int],
        select: tuple[str, ...], ignore: tuple[str, ...], base: Path | None,
        alert_rules: StoredRules | None = None,
    ) -> None:
        self.config = config
        self.files = files
        self.chunks = chunks
        self.select = select
        self.ignore = ignore
        self.base = base
        self.fallback = config.root if config.site else None
        # The rule files of `alert_rules`, read once (by the parent, while the workers load
        # their files) in their compact stored form: every chunk's runbooks are compared with
        # the rules of the alerts they answer.
        self.alert_rules = alert_rules
        self.parts: dict[int, Project] = {}  # file index -> one-file project
        self.file_facts: dict[int, tuple[str, FileFacts]] = {}
        self._codeowners: CodeOwners | None = None
        self._codeowners_found = False

    def chunk_indices(self, chunk: int) -> range:
        return range(chunk * CHUNK_FILES, min(len(self.files), (chunk + 1) * CHUNK_FILES))

    def part(self, index: int) -> Project:
        part = self.parts.get(index)
        if part is None:
            path = self.files[index]
            shown = display_path_for(path, self.base, self.fallback)
            _document, part, facts = load_with_facts(self.config, path, shown)
            known = self.file_facts.get(index)
            if known is not None and known[1].digest != facts.digest:
                raise ChangedWhileChecking(path)  # its facts planned this check: not its text
            self.parts[index] = part
            self.file_facts.setdefault(index, (shown, facts))
        return part

    def facts(self) -> ShardFacts:
        facts = ShardFacts()
        # Files are loaded again when their chunk is checked (a fifth of the work of loading
        # and checking one): a worker holding all its files until every worker knows its
        # facts held the whole site between them. Only the first chunk it checks is kept.
        kept = set(self.chunk_indices(self.chunks[0])) if self.chunks else set()
        for chunk in self.chunks:
            for index in self.chunk_indices(chunk):
                part = self.part(index)
                document = part.documents[0]
                order = document_order(document)
                if part.matrices:
                    facts.context.append((index, "severity-matrix"))
                if part.contacts.sheets:
                    facts.context.append((index, "contacts"))
                elif part.rotations:
                    # OB809 and OB811 compare every rotation with the others: a rotations
                    # file goes into each chunk like the contacts.
                    facts.context.append((index, "rotations"))
                for runbook in part.runbooks:
                    intern = sys.intern  # (see facts_of)
                    facts.runbooks.append(RunbookFacts(
                        index, (tuple(map(intern, order[0])), order[1]), intern(runbook.id),
                        tuple(intern(alert.lower()) for alert in runbook.alerts),
                        intern(runbook.service),
                    ))
                if document.text is not None and "{{" in document.text:
                    facts.macro_chunks.add(chunk)
                facts.files[index] = self.file_facts[index]
                if index not in kept:
                    del self.parts[index]
        return facts

    @property
    def codeowners(self) -> CodeOwners | None:
        if not self._codeowners_found:
            self._codeowners_found = True
            if self.config.site:
                self._codeowners = find_codeowners(self.config.root, self.base, self.fallback)
        return self._codeowners

    def check(self, plan: dict[int, list[int]],
              scopes: dict[int, AlertScope] | None = None) -> list[Diagnostic]:
        """Check each chunk with the extra files ``plan`` names for it (and the part of the
        rule files' findings ``scopes`` gives it)."""
        from opsbook.checks import run_checks

        found: list[Diagnostic] = []
        later_extras = [set(plan[chunk]) for chunk in self.chunks]
        for position, chunk in enumerate(self.chunks):
            own = self.chunk_indices(chunk)
            indices = sorted({*own, *plan[chunk]})
            project = merge_projects(self.config, (self.part(index) for index in indices))
            project.codeowners = self.codeowners
            own_paths = {self.part(index).documents[0].display_path for index in own}
            wanted = set(own_paths)
            if self.alert_rules is not None:
                scope = scopes.get(chunk) if scopes is not None else None
                keep = None if scope is None else alerts_to_keep(self.alert_rules, scope, project)
                rules = self.alert_rules.rules(keep)
                rules.scope = scope
                project.alert_rules = rules
                wanted.add(rules.config_display_path)
                wanted.update(rule_file.display_path for rule_file in rules.files)
            project.wanted_paths = frozenset(wanted)
            loaded_paths = {document.display_path for document in project.documents}
            found.extend(
                diagnostic for diagnostic in run_checks(project, self.select, self.ignore)
                # A finding about an extra file belongs to that file's own chunk; one about
                # no loaded file (CODEOWNERS) comes from every chunk and is de-duplicated.
                if diagnostic.path in own_paths or diagnostic.path not in loaded_paths
            )
            still_needed = set().union(*later_extras[position + 1 :])
            for index in indices:
                if index not in still_needed:
                    del self.parts[index]  # checked: release its text, blocks and model
        return found


def plan_extras(
    facts: list[ShardFacts], chunk_count: int, site: bool
) -> dict[int, list[int]] | None:
    """For every chunk, the other files its check needs; None when the site has runbooks but
    no severity matrix (OB206 is then reported on the site's first runbook, which only a
    whole-site pass knows)."""
    context = sorted({index for shard in facts for index, _kind in shard.context})
    has_matrix = any(kind == "severity-matrix" for shard in facts for _i, kind in shard.context)
    runbooks = sorted((r for shard in facts for r in shard.runbooks), key=lambda r: r.order)
    if site and runbooks and not has_matrix:
        return None
    macro_chunks = set().union(*(shard.macro_chunks for shard in facts))
    first_id: dict[str, int] = {}
    first_alert: dict[str, int] = {}
    first_service: dict[str, int] = {}
    for runbook in runbooks:
        first_id.setdefault(runbook.id, runbook.index)
        for alert in runbook.alerts:
            first_alert.setdefault(alert, runbook.index)
        if runbook.service:
            first_service.setdefault(runbook.service, runbook.index)
    by_chunk: dict[int, list[RunbookFacts]] = {}
    for runbook in runbooks:
        by_chunk.setdefault(runbook.index // CHUNK_FILES, []).append(runbook)
    plan: dict[int, list[int]] = {}
    for chunk in range(chunk_count):
        extras = set(context)
        for runbook in by_chunk.get(chunk, ()):
            extras.add(first_id[runbook.id])
            extras.update(first_alert[alert] for alert in runbook.alerts)
        if chunk in macro_chunks:
            extras.update(first_service.values())  # every service a macro may name
        plan[chunk] = sorted(index for index in extras if index // CHUNK_FILES != chunk)
    return plan


def alert_scopes(
    facts: list[ShardFacts], chunk_count: int, rules: StoredRules | None
) -> dict[int, AlertScope] | None:
    """Which chunk reports the findings on the rule files of which alert: the chunk holding
    the runbook that answers it (the first claim), so no chunk needs runbooks of others;
    alerts nobody answers, and what belongs to no alert, go to the first chunk."""
    if rules is None:
        return None
    defined = rules.defined()
    first_alert: dict[str, tuple[Order, int]] = {}
    for shard in facts:
        for runbook in shard.runbooks:
            for alert in runbook.alerts:
                key = alert.strip()
                if key in defined and (key not in first_alert
                                       or runbook.order < first_alert[key][0]):
                    first_alert[key] = (runbook.order, runbook.index)
    report: dict[int, set[str]] = {chunk: set() for chunk in range(chunk_count)}
    for name in defined:
        found = first_alert.get(name)
        report[found[1] // CHUNK_FILES if found is not None else 0].add(name)
    answered = frozenset(first_alert)
    return {chunk: AlertScope(frozenset(names), answered, chunk == 0)
            for chunk, names in report.items()}


class ChangedWhileChecking(Exception):
    """A file's bytes changed between the two times a chunked check read it."""


def _serve_rules(connection: Any, load_rules: Callable[[], StoredRules | None]) -> None:
    """A short-lived process that reads the rule files: the garbage of parsing them (YAML's
    nodes, ~20 MB for 20,000 rules) leaves with it instead of staying in the parent's heap
    while the workers check."""
    try:
        connection.send(("rules", load_rules()))
    except BaseException:
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


def _serve(connection: Any, shard: Shard) -> None:
    """A worker process: load, report facts, receive the plan (and the rule files), check,
    report findings."""
    try:
        connection.send(("facts", shard.facts()))
        plan, scopes, shard.alert_rules = connection.recv()
        connection.send(("found", shard.check(plan, scopes)))
    except BaseException:  # reported to the parent, which checks in one process instead
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


class _WorkerFailed(Exception):
    pass


def _receive(connection: Any) -> Any:
    try:
        kind, payload = connection.recv()
    except EOFError:
        raise _WorkerFailed("a worker process ended unexpectedly") from None
    if kind == "error":
        raise _WorkerFailed(payload)
    return payload


def _check_in_processes(
    shards: list[Shard], chunk_count: int, site: bool,
    load_rules: Callable[[], StoredRules | None],
) -> tuple[list[Diagnostic], list[ShardFacts]] | None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers = []
    try:
        for shard in shards:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_serve, args=(child_end, shard), daemon=True)
            process.start()
            child_end.close()
            workers.append((process, parent_end))
        # The rule files are read while the workers load their files.
        reader_end, child_end = context.Pipe()
        reader = context.Process(target=_serve_rules, args=(child_end, load_rules), daemon=True)
        reader.start()
        child_end.close()
        try:
            rules = _receive(reader_end)
        finally:
            reader_end.close()
            reader.join()
        facts = [_receive(connection) for _process, connection in workers]
        plan = plan_extras(facts, chunk_count, site)
        if plan is None:
            return None
        scopes = alert_scopes(facts, chunk_count, rules)
        for shard, (_process, connection) in zip(shards, workers, strict=True):
            connection.send(({chunk: plan[chunk] for chunk in shard.chunks},
                             None if scopes is None else
                             {chunk: scopes[chunk] for chunk in shard.chunks}, rules))
        del rules  # the workers have them
        found: list[Diagnostic] = []
        for _process, connection in workers:
            found.extend(_receive(connection))
        return found, facts
    finally:
        for process, connection in workers:
            connection.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


@dataclass
class Chunked:
    """A whole-site check in chunks: its findings, and every file's display path and cache
    facts by index."""

    diagnostics: list[Diagnostic]
    files: dict[int, tuple[str, FileFacts]]


def _gathered(found: list[Diagnostic], facts: list[ShardFacts]) -> Chunked:
    files: dict[int, tuple[str, FileFacts]] = {}
    for shard in facts:
        files.update(shard.files)
    return Chunked(sort_diagnostics(found), files)


def check_in_chunks(
    config: OpsbookConfig,
    files: list[Path],
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    base: Path | None = None,
    jobs: int | None = None,
    load_rules: Callable[[], StoredRules | None] | None = None,
) -> Chunked | None:
    """The findings of ``run_checks`` on the site made of ``files`` (in site order), checked in
    chunks on ``jobs`` processes; None when the site is too small to gain from it, has no
    severity matrix (the caller then checks it in one pass), or a file changed during the
    check. ``load_rules``: how the site's rule files are read (parsed by default)."""
    if len(files) < CHUNKED_FROM:
        return None
    forget_resolved_folders()  # as every load does
    chunk_count = -(-len(files) // CHUNK_FILES)
    jobs = max(1, min(jobs or jobs_wanted(), chunk_count))
    if load_rules is None:
        def load_rules() -> StoredRules | None:
            rule_files = RuleFiles.read(config)
            return None if rule_files is None else rule_files.load(base, None)
    if jobs > 1 and hasattr(os, "fork"):
        from opsbook import checks  # noqa: F401  (imported once, before the workers fork)

        shards = [
            Shard(config, files, list(range(worker, chunk_count, jobs)), select, ignore, base)
            for worker in range(jobs)
        ]
        try:
            answer = _check_in_processes(shards, chunk_count, config.site, load_rules)
        except _WorkerFailed:
            pass  # e.g. out of memory: the single-process path below decides
        else:
            return None if answer is None else _gathered(*answer)
    rules = load_rules()
    shard = Shard(config, files, list(range(chunk_count)), select, ignore, base, rules)
    try:
        shard_facts = shard.facts()
        plan = plan_extras([shard_facts], chunk_count, config.site)
        if plan is None:
            return None
        scopes = alert_scopes([shard_facts], chunk_count, rules)
        return _gathered(shard.check(plan, scopes), [shard_facts])
    except ChangedWhileChecking:
        return None


def check_site_in_chunks(
    config: OpsbookConfig,
    files: list[Path],
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    base: Path | None = None,
    jobs: int | None = None,
) -> list[Diagnostic] | None:
    """:func:`check_in_chunks`, the findings only."""
    chunked = check_in_chunks(config, files, select, ignore, base, jobs)
    return None if chunked is None else chunked.diagnostics
