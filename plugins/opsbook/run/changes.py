"""`opsbook check --changed-since REF`: report what a change set is responsible for.

A large legacy handbook can adopt opsbook gradually: CI fails only on findings a pull
request is responsible for, not on years of old ones. The rule:

1. **Changed files** are those in ``git diff REF...HEAD`` (what the branch changed since it
   left REF) plus uncommitted changes and untracked files. Every finding *in* a changed file
   is reported.
2. A finding in an **unchanged file** is reported when the change can have caused it:
   - it points at a changed file (its ``related`` locations), e.g. a severity table that
     disagrees with the matrix just edited;
   - its rule reads a kind of file that changed (each rule's ``reads``): an edited or deleted
     contacts file re-reports every unknown-owner and unknown-contact finding, an edited
     severity matrix every unknown-severity and disagreeing-table finding, an edited
     CODEOWNERS every ownership finding;
   - it is a collision (duplicate runbook id, alert answered twice) with a changed runbook.
3. A changed ``mkdocs.yml`` changes how every file is checked: everything is reported.

Speed: a check of a whole 10,000-runbook handbook costs seconds, most of it loading files.
When only runbooks changed, the check runs in the **narrow scope** of :mod:`opsbook.run.scope`
around the changed files, with the site's pages added (a deleted runbook can leave a page
naming a service nobody defines): collisions are still seen, and a finding the narrow scope
cannot vouch for sends the check to the whole handbook.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.checks import ALL_INPUTS, RULES_BY_ID, Input, rule_inputs, run_checks
from opsbook.diagnostics import Diagnostic
from opsbook.load.codeowners import CODEOWNERS_LOCATIONS
from opsbook.load.document import resolve_folders
from opsbook.model.project import MARKDOWN_SUFFIXES, Project, load_project, site_files
from opsbook.run.request import CheckRequest, CheckRun
from opsbook.run.scope import collision_keys, is_below, narrow_project, vouched_for
from opsbook.settings import OpsbookConfig

if TYPE_CHECKING:
    import subprocess


class ChangesError(Exception):
    """The change set cannot be computed (no git, no repository, unknown ref): exit 2."""


@dataclass(frozen=True)
class ChangeSet:
    """Files changed since ``ref``: committed on the branch, staged, unstaged or untracked.

    Paths are absolute and resolved; deleted files are included (they no longer exist).
    """

    ref: str
    root: Path
    changed: frozenset[Path]

    def touches(self, path: Path) -> bool:
        return resolve_folders(path) in self.changed

    @property
    def deleted(self) -> frozenset[Path]:
        return frozenset(path for path in self.changed if not os.path.lexists(path))


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    import subprocess  # only for --changed-since: not on the path of every check

    try:
        return subprocess.run(
            ["git", *args], cwd=root, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise ChangesError("--changed-since needs git, which is not installed") from None


def _names(output: bytes, root: Path) -> set[Path]:
    """Paths from ``git … -z`` output (relative to ``root``), made absolute."""
    names = output.decode("utf-8", errors="surrogateescape").split("\0")
    # Folders resolved, not the file name: a changed symlink loop or dangling link is the
    # file that changed (and Path.resolve raises on a loop).
    return {resolve_folders(root / name) for name in names if name}


def git_changes(ref: str, start: Path) -> ChangeSet:
    """What changed since ``ref`` in the repository holding ``start``: three git calls."""
    if ref.startswith("-"):
        raise ChangesError(f"--changed-since: {ref!r} is not a git revision")
    located = _git(start, "rev-parse", "--show-toplevel", "--verify", "--quiet",
                   f"{ref}^{{commit}}")
    lines = located.stdout.decode(errors="surrogateescape").splitlines()
    if not lines:
        raise ChangesError(f"--changed-since needs a git repository; {start} is not in one")
    root = Path(lines[0]).resolve()
    if located.returncode != 0 or len(lines) < 2:
        raise ChangesError(
            f"--changed-since: unknown revision {ref!r}; fetch it first (in GitHub Actions: "
            "actions/checkout with fetch-depth: 0)"
        )
    commit = lines[1].strip()
    # The working tree against the merge base: committed on the branch, staged and unstaged.
    diffed = _git(root, "diff", "--name-only", "-z", "--no-renames", "--merge-base", commit)
    if diffed.returncode != 0:
        if _git(root, "merge-base", commit, "HEAD").returncode != 0:
            raise ChangesError(
                f"--changed-since: {ref!r} and HEAD share no history (a shallow clone?); "
                "fetch more history (in GitHub Actions: actions/checkout with fetch-depth: 0)"
            )
        message = diffed.stderr.decode(errors="replace").strip()
        raise ChangesError(f"--changed-since: git diff failed: {message}")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    if untracked.returncode != 0:
        message = untracked.stderr.decode(errors="replace").strip()
        raise ChangesError(f"--changed-since: git ls-files failed: {message}")
    changed = _names(diffed.stdout, root) | _names(untracked.stdout, root)
    return ChangeSet(ref, root, frozenset(changed))


def _is_site_markdown(path: Path, config: OpsbookConfig) -> bool:
    directories = (config.docs_dir.resolve(), config.runbooks_dir.resolve())
    return path.suffix in MARKDOWN_SUFFIXES and any(is_below(path, d) for d in directories)


def _codeowners_paths(changes: ChangeSet) -> set[Path]:
    return {resolve_folders(changes.root / location) for location in CODEOWNERS_LOCATIONS}


def changed_kinds(project: Project, changes: ChangeSet, config: OpsbookConfig) -> set[str]:
    """The kinds of file the change set touched (deleted pages count as every kind)."""
    kinds: set[str] = set()
    for document in project.documents:
        if changes.touches(document.path):
            kind = project.document_kind(document)
            if kind in ALL_INPUTS:
                kinds.add(kind)
    runbooks_dir = config.runbooks_dir.resolve()
    for path in changes.deleted:
        if not _is_site_markdown(path, config):
            continue
        # A deleted runbook can only matter as a runbook; any other deleted page could have
        # been the contacts file or the matrix, which is gone now.
        kinds |= {Input.RUNBOOK} if is_below(path, runbooks_dir) else set(ALL_INPUTS)
    if changes.changed & _codeowners_paths(changes):
        kinds.add(Input.CODEOWNERS)
    if config.alert_rules and any(_is_alert_rule_file(path, config) for path in changes.changed):
        kinds.add(Input.ALERT_RULES)
    return kinds


def _is_alert_rule_file(path: Path, config: OpsbookConfig) -> bool:
    """Whether ``path`` (changed, maybe deleted) is or was one of the `alert_rules` files."""
    try:
        relative = path.relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return False
    # fnmatch's `*` also crosses folders: a path is taken for a rule file a little too
    # readily, which only reports a little more.
    return any(fnmatch.fnmatchcase(relative, pattern)
               or fnmatch.fnmatchcase(relative, pattern.replace("**/", ""))
               for pattern in config.alert_rules)


def changed_display_paths(project: Project, changes: ChangeSet) -> set[str]:
    """The paths, as diagnostics print them, of the project's files in the change set."""
    shown = {document.display_path for document in project.documents
             if changes.touches(document.path)}
    if project.codeowners is not None and changes.touches(project.codeowners.path):
        shown.add(project.codeowners.display_path)
    if project.alert_rules is not None:
        shown.update(rule_file.display_path for rule_file in project.alert_rules.files
                     if changes.touches(rule_file.path))
    return shown


def relevant(
    diagnostics: list[Diagnostic], project: Project, changes: ChangeSet, kinds: set[str]
) -> list[Diagnostic]:
    """The findings the change set is responsible for (the rule in the module docstring)."""
    changed_paths = changed_display_paths(project, changes)
    changed_runbooks = [r for r in project.runbooks if r.origin.display_path in changed_paths]
    ids, alerts = collision_keys(changed_runbooks)
    runbooks_at = {runbook.origin.display_path: runbook for runbook in project.runbooks}
    kept = []
    for diagnostic in diagnostics:
        inputs = rule_inputs(diagnostic.rule)
        if (
            diagnostic.path in changed_paths
            or any(related.path in changed_paths for related in diagnostic.related)
            or inputs & (kinds - {Input.RUNBOOK})
        ):
            kept.append(diagnostic)
        elif Input.RUNBOOK in inputs and Input.RUNBOOK in kinds:
            if not _collision(diagnostic.rule):
                kept.append(diagnostic)  # e.g. a page naming a service a runbook dropped
                continue
            other = runbooks_at.get(diagnostic.path)
            if other is not None and (
                other.id in ids or any(alert.lower() in alerts for alert in other.alerts)
            ):
                kept.append(diagnostic)
    return kept


def _collision(rule_id: str) -> bool:
    rule = RULES_BY_ID.get(rule_id)
    return rule is not None and rule.collision


def _narrow(
    config: OpsbookConfig, changes: ChangeSet, request: CheckRequest
) -> tuple[Project, list[Diagnostic], set[str]] | None:
    """The check in the narrow scope, or None when the change set needs the whole handbook."""
    runbooks_dir = config.runbooks_dir.resolve()
    docs_dir = config.docs_dir.resolve()
    if is_below(runbooks_dir, docs_dir) or is_below(docs_dir, runbooks_dir):
        return None  # pages and runbooks share a folder: there is no smaller context
    files = site_files(config)
    targets = [index for index, path in enumerate(files) if changes.touches(path)]
    pages = [index for index, path in enumerate(files) if is_below(path, config.docs_dir)]
    project = narrow_project(config, files, targets, request.base, also=pages)
    if project is None:
        return None
    kinds = changed_kinds(project, changes, config)
    if not kinds <= {Input.RUNBOOK}:
        return None  # contacts, matrix or CODEOWNERS changed: every runbook may be affected
    if project.alert_rules is not None:
        if Input.RUNBOOK in kinds:
            # What a runbook answered before the change is not known here, and the rule
            # files' findings read every runbook answering their alerts: the whole handbook.
            return None
        # Only pages changed: the rule files' findings cannot have; the runbooks' side of the
        # alert rules (OB704) reads the rule files alone, which are loaded whole.
        project.wanted_paths = frozenset(document.display_path
                                         for document in project.documents)
    found = run_checks(project, request.select, request.ignore)
    if not vouched_for(found):
        return None
    return project, found, kinds


def check_changed(config: OpsbookConfig, request: CheckRequest) -> CheckRun:
    """Check the site of ``config``; keep what ``request.changes`` is responsible for."""
    changes = request.changes
    assert changes is not None  # the caller picks this strategy for a change set only
    select, ignore = request.select, request.ignore
    if request.config_file is not None and changes.touches(request.config_file):
        # The configuration decides how every file is checked: report everything.
        project = load_project(config, site_files(config), request.base)
        found = run_checks(project, select, ignore)
        return CheckRun(found, len(project.documents), [project], config.fail_on)
    narrow = _narrow(config, changes, request)
    if narrow is not None:
        project, found, kinds = narrow
    else:
        project = load_project(config, site_files(config), request.base)
        kinds = changed_kinds(project, changes, config)
        found = run_checks(project, select, ignore)
    kept = relevant(found, project, changes, kinds)
    # Files checked: the changed ones, and the unchanged ones reported because of them.
    shown = changed_display_paths(project, changes) | {d.path for d in kept}
    return CheckRun(kept, len(shown), [project], config.fail_on, narrow=narrow is not None)


def keep_changed(diagnostics: list[Diagnostic], project: Project,
                 changes: ChangeSet) -> list[Diagnostic]:
    """For loose files (no site, no cross-file rules): findings in changed files only."""
    changed_paths = {d.display_path for d in project.documents if changes.touches(d.path)}
    return [
        d for d in diagnostics
        if d.path in changed_paths or any(r.path in changed_paths for r in d.related)
    ]
