"""The whole-site check of `mkdocs serve`, kept in memory from one build to the next.

`mkdocs serve` loads the whole site again on every save (it renders every file), and used to
check all of it again too. :class:`LiveCheck` keeps the last check's manifest (the check
cache's, :mod:`opsbook.run.cache`, held in memory rather than written to disk) and re-checks
only what an edit can change, with the cache's own logic (:func:`opsbook.run.cache.recheck`):
the edited files, those sharing a name or an alert with them, and the whole site when a
context file (matrix, contacts, rotations), CODEOWNERS, a rule file or the set of services
changed. The findings are a whole-site check's.

What changed is told by the bytes each file was parsed from in this build (their hash), not
by its stat: the load that renders the site is the one that is checked, so no edit can slip in
between, and no timestamp has to be trusted. A file whose bytes are unchanged is not parsed
again either: its document is the last build's (documents are never changed after loading).
The rule files of `alert_rules` are parsed from the very bytes whose hash the check goes by,
each once while its bytes stay the same; a re-check takes their rules from those parses.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from opsbook.checks import run_checks
from opsbook.diagnostics import Diagnostic, sort_diagnostics
from opsbook.load.document import Document
from opsbook.model.alerts import AlertRuleFile, StoredRuleFile, load_rule_file, rule_file_from
from opsbook.model.project import Project, load_project, site_files
from opsbook.model.runbook import Runbook
from opsbook.run.cache import (
    UNREADABLE,
    FileFacts,
    Manifest,
    RuleFiles,
    Stat,
    codeowners_digest,
    context_holds,
    digest_of,
    document_from,
    facts_from,
    manifest_of,
    now_ns,
    read_file,
    recheck,
)
from opsbook.run.request import CheckRequest
from opsbook.settings import OpsbookConfig


class LiveCheck:
    """:meth:`load` the site, then :meth:`check` the project it gave; one instance lives as
    long as the `mkdocs serve` process (the plugin instance)."""

    def __init__(self) -> None:
        self._manifest: Manifest | None = None
        self._key = ""  # the configuration and base the manifest was made with
        self._rules: dict[str, StoredRuleFile] = {}  # parsed rule files, by hash
        # Of the last load: the site's files, each one's hash and stat (by path), the rule
        # files and CODEOWNERS as they were before any file was read, and when it began.
        self._files: list[Path] = []
        self._read: dict[str, tuple[str, Stat | None]] = {}
        self._documents: dict[str, tuple[str, Document]] = {}  # path -> hash, document
        # Rule files parsed (for the site and the checks), by path, display path and hash.
        self._parsed: dict[tuple[Path, str, str], AlertRuleFile] = {}
        self._rule_files: RuleFiles | None = None
        self._codeowners = ""
        self._started = 0
        self._base: Path | None = None
        self._config: OpsbookConfig | None = None
        self.whole = False  # whether the last check checked the whole site (for tests)

    def load(self, config: OpsbookConfig, base: Path | None = None) -> Project:
        """Every file of the site, loaded (as :func:`opsbook.run.load_configured` does), each
        one's hash noted for :meth:`check`."""
        self._started = now_ns()
        # Read before the site: a rule file or CODEOWNERS edited meanwhile is then one the
        # next check sees as changed, never one whose old findings are kept.
        self._rule_files = RuleFiles.read(config)
        self._codeowners = codeowners_digest(config) if config.site else ""
        self._files = site_files(config)
        self._read = {}
        self._base, self._config = base, config
        read, kept = self._read, self._documents
        documents: dict[str, tuple[str, Document]] = {}

        def load_file(path: Path, shown: str, _root: Path | None) -> Document:
            key = os.fspath(path)
            data, stat = read_file(config, path)
            digest = digest_of(data)
            held = kept.get(key)
            if (held is not None and held[0] == digest != UNREADABLE
                    and held[1].display_path == shown):
                document = held[1]
            else:
                document = document_from(path, shown, data)
            read[key] = (digest, stat)
            documents[key] = (digest, document)
            return document

        parsed: dict[tuple[Path, str, str], AlertRuleFile] = {}
        rule_files = self._rule_files
        by_path = {} if rule_files is None else dict(zip(
            rule_files.paths, zip(rule_files.data, rule_files.digests, strict=True), strict=True))

        def load_rules(path: Path, shown: str) -> AlertRuleFile:
            data, digest = by_path.get(path, (None, ""))
            if not isinstance(data, bytes):  # not read (a link out of the project), unreadable
                return load_rule_file(path, shown, config.root) if data is None \
                    else rule_file_from(path, shown, data)
            key = (path, shown, digest)
            rule_file = parsed[key] = self._parsed.get(key) or rule_file_from(path, shown, data)
            return rule_file

        project = load_project(config, self._files, base, load_rules, load_file)
        self._documents, self._parsed = documents, parsed
        return project

    def check(self, project: Project) -> list[Diagnostic]:
        """The findings of a whole-site check of ``project`` (what :meth:`load` gave)."""
        config = project.config
        if config is not self._config:
            raise ValueError("LiveCheck.check: not the project LiveCheck.load gave")
        key = repr((config, self._base))
        request = CheckRequest(base=self._base)
        keys = [os.fspath(path) for path in self._files]
        documents = {os.fspath(document.path): document for document in project.documents}
        runbooks: dict[int, list[Runbook]] = {}
        for runbook in project.runbooks:
            runbooks.setdefault(id(runbook.origin.document), []).append(runbook)

        def facts(index: int) -> FileFacts:
            document = documents[keys[index]]
            digest, stat = self._read[keys[index]]
            return facts_from(project, document, runbooks.get(id(document), ()), digest, stat)

        def load(index: int) -> tuple[Document, FileFacts]:
            return documents[keys[index]], facts(index)

        manifest = self._manifest
        if (manifest is not None and key == self._key
                and manifest.codeowners == self._codeowners
                and context_holds(manifest, config, self._rule_files)):
            rows, entries, changed, gone = self._changed(manifest, keys)
            self.whole = False
            if not changed and not gone:
                found = [d for row in manifest.findings for d in manifest.row_findings(row)]
                return sort_diagnostics(found + manifest.other)
            read_rules = None
            if self._rule_files is not None:
                self._keep_rules(self._rule_files)
                read_rules = partial(self._rule_files.read_rules, self._base, None,
                                     kept_in=self._rules)
            rechecked = recheck(manifest, config, request, keys, rows, entries, {}, changed,
                                gone, self._started, load, read_rules)
            if rechecked is not None:
                rechecked.journal = {}  # only a manifest file's journal needs one
                self._manifest = rechecked
                return list(rechecked.diagnostics)
        self.whole = True
        found = run_checks(project)
        self._manifest = manifest_of(
            config, self._files, {index: facts(index) for index in range(len(keys))},
            {index: documents[key].display_path for index, key in enumerate(keys)}, found,
            self._started, self._rule_files,
        )
        self._manifest.codeowners = self._codeowners
        self._key = key
        if self._rule_files is not None:  # the parsed rule files the site still has
            names = self._rule_files.stored_names()
            self._rules = {name: kept for name, kept in self._rules.items() if name in names}
        return found

    def _keep_rules(self, rule_files: RuleFiles) -> None:
        """The stored form of each rule file a re-check may read, from this load's parse of
        its bytes (a rule file parsed here is not parsed again for the check)."""
        for (path, _shown, digest), rule_file in self._parsed.items():
            name = rule_files.stored_name(path, digest)
            if name is not None and name not in self._rules:
                self._rules[name] = StoredRuleFile.of(rule_file)

    def _changed(self, manifest: Manifest, keys: list[str]
                 ) -> tuple[range | list[int | None], dict[int, int], list[int], list[int]]:
        """Each file's row in ``manifest`` (None: new), the unchanged ones (index -> row), the
        changed ones and the rows gone. A file that could not be read counts as changed every
        time: its problem is not told by a hash."""
        rows: range | list[int | None]
        if keys == manifest.paths:
            rows = range(len(keys))
        else:
            where = {key: row for row, key in enumerate(manifest.paths)}
            rows = [where.get(key) for key in keys]
        entries: dict[int, int] = {}
        changed: list[int] = []
        digests = manifest.digests
        for index, row in enumerate(rows):
            digest = self._read[keys[index]][0]
            if row is not None and digest != UNREADABLE and digests[row] == digest:
                entries[index] = row
            else:
                changed.append(index)
        gone = sorted(set(range(len(manifest.paths))) - {row for row in rows if row is not None})
        return rows, entries, changed, gone

