"""`opsbook check --changed-since REF`: report what a change set is responsible for.

A large legacy handbook can adopt opsbook gradually: CI fails only on findings a pull
request is responsible for, not on years of old ones. The rule:

1. **Changed files** are those in ``git diff REF...HEAD`` (what the branch changed since it
   left REF) plus uncommitted changes and untracked files. Every finding *in* a changed file
   is reported.
2. A finding in an **unchanged file** is reported when the change can have caused it:
   - it points at a changed file (its ``related`` locations), e.g. a severity table that
     disagrees with the matrix just edited;
   - its rule reads a kind of file that changed (:data:`RULE_INPUTS`): an edited or deleted
     contacts file re-reports every unknown-owner and unknown-contact finding, an edited
     severity matrix every unknown-severity and disagreeing-table finding, an edited
     CODEOWNERS every ownership finding;
   - it is a collision (duplicate runbook id, alert answered twice) with a changed runbook.
3. A changed ``mkdocs.yml`` changes how every file is checked: everything is reported.

Speed: a check of a whole 10,000-runbook handbook costs seconds, most of it loading files.
When only runbooks changed, the check runs in a **narrow scope**: the site's pages (where the
contacts and the severity matrix live), the changed runbooks, and the unchanged runbooks that
mention one of their ids or alert names (found with one ``git grep``), so collisions are still
seen. A narrow check that reports a finding whose truth depends on runbooks outside the
scope (a macro naming a service only another runbook defines) is redone on the whole
handbook, so the narrow scope can make the check faster but never change its answer.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from opsbook.config import OpsbookConfig, load_config
from opsbook.diagnostics import Diagnostic
from opsbook.load.codeowners import CODEOWNERS_LOCATIONS
from opsbook.load.document import resolve_folders
from opsbook.model.project import (
    MARKDOWN_SUFFIXES,
    Project,
    iter_markdown_files,
    load_project,
    site_files,
)
from opsbook.model.runbook import Runbook


class ChangesError(Exception):
    """The change set cannot be computed (no git, no repository, unknown ref): exit 2."""


# Kinds of file one file's findings can depend on. "codeowners" is GitHub's CODEOWNERS.
CONTACTS = "contacts"
MATRIX = "severity-matrix"
RUNBOOK = "runbook"
CODEOWNERS = "codeowners"
ALL_INPUTS = frozenset({CONTACTS, MATRIX, RUNBOOK, CODEOWNERS})
NO_INPUTS: frozenset[str] = frozenset()

# For every rule: the kinds of *other* files its verdict on a file reads. A rule missing here
# is assumed to read everything (correct, only slower and less precise): add new rules here.
RULE_INPUTS: dict[str, frozenset[str]] = {
    **{f"OB00{n}": NO_INPUTS for n in range(1, 10)},  # loading: the file alone
    "OB010": NO_INPUTS,  # a link or an include leading out of the project: the file alone
    "OB101": NO_INPUTS, "OB102": NO_INPUTS, "OB103": NO_INPUTS, "OB104": NO_INPUTS,
    "OB105": frozenset({CONTACTS}),  # names a person or team defined in some contacts file
    "OB106": frozenset({CONTACTS}),
    "OB107": NO_INPUTS,
    "OB108": frozenset({CONTACTS}),  # the person notified may be in another sheet
    "OB109": frozenset({CONTACTS}),  # duplicates across sheets
    "OB110": NO_INPUTS,
    "OB201": frozenset({MATRIX}),
    "OB202": NO_INPUTS, "OB203": NO_INPUTS,
    "OB204": frozenset({MATRIX}),
    "OB205": frozenset({MATRIX}),  # only applies while there is no matrix
    "OB206": frozenset({MATRIX}),
    "OB207": NO_INPUTS,  # escalations are compared within a page
    "OB301": NO_INPUTS,
    "OB302": frozenset({RUNBOOK}),
    "OB303": frozenset({CONTACTS}),
    "OB304": NO_INPUTS,
    "OB305": frozenset({RUNBOOK}),
    "OB306": frozenset({CODEOWNERS}),
    "OB401": NO_INPUTS,
    "OB402": frozenset({CONTACTS, RUNBOOK}),  # services are also defined by runbooks
    "OB501": NO_INPUTS, "OB502": NO_INPUTS, "OB503": NO_INPUTS,
    "OB601": NO_INPUTS,
    "OB901": ALL_INPUTS,  # a suppression turns unused when the finding it hid goes away
}
# Rules that compare runbooks with each other by id or alert name. In the narrow scope the
# other half of a collision is loaded (it mentions the same name), so these stay exact.
COLLISION_RULES = frozenset({"OB302", "OB305"})


def rule_inputs(rule: str) -> frozenset[str]:
    return RULE_INPUTS.get(rule, ALL_INPUTS)


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


@dataclass
class ChangedCheck:
    project: Project
    diagnostics: list[Diagnostic]
    files_checked: int
    narrow: bool  # whether the narrow scope answered (for tests and benchmarks)


def _is_below(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def _is_site_markdown(path: Path, config: OpsbookConfig) -> bool:
    directories = (config.docs_dir.resolve(), config.runbooks_dir.resolve())
    return path.suffix in MARKDOWN_SUFFIXES and any(_is_below(path, d) for d in directories)


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
        kinds |= {RUNBOOK} if _is_below(path, runbooks_dir) else ALL_INPUTS
    if changes.changed & _codeowners_paths(changes):
        kinds.add(CODEOWNERS)
    return kinds


def _collision_keys(runbooks: Iterable[Runbook]) -> tuple[set[str], set[str]]:
    """Ids and (lower-cased) alert names: what two runbooks can collide on."""
    ids: set[str] = set()
    alerts: set[str] = set()
    for runbook in runbooks:
        ids.add(runbook.id)
        alerts.update(alert.lower() for alert in runbook.alerts)
    return ids, alerts


def changed_display_paths(project: Project, changes: ChangeSet) -> set[str]:
    """The paths, as diagnostics print them, of the project's files in the change set."""
    shown = {document.display_path for document in project.documents
             if changes.touches(document.path)}
    if project.codeowners is not None and changes.touches(project.codeowners.path):
        shown.add(project.codeowners.display_path)
    return shown


def relevant(
    diagnostics: list[Diagnostic], project: Project, changes: ChangeSet, kinds: set[str]
) -> list[Diagnostic]:
    """The findings the change set is responsible for (the rule in the module docstring)."""
    changed_paths = changed_display_paths(project, changes)
    changed_runbooks = [r for r in project.runbooks if r.origin.display_path in changed_paths]
    ids, alerts = _collision_keys(changed_runbooks)
    runbooks_at = {runbook.origin.display_path: runbook for runbook in project.runbooks}
    kept = []
    for diagnostic in diagnostics:
        inputs = rule_inputs(diagnostic.rule)
        if (
            diagnostic.path in changed_paths
            or any(related.path in changed_paths for related in diagnostic.related)
            or inputs & (kinds - {RUNBOOK})
        ):
            kept.append(diagnostic)
        elif RUNBOOK in inputs and RUNBOOK in kinds:
            if diagnostic.rule not in COLLISION_RULES:
                kept.append(diagnostic)  # e.g. a page naming a service a runbook dropped
                continue
            other = runbooks_at.get(diagnostic.path)
            if other is not None and (
                other.id in ids or any(alert.lower() in alerts for alert in other.alerts)
            ):
                kept.append(diagnostic)
    return kept


def _neighbours(
    terms: set[str], changes: ChangeSet, runbooks_dir: Path, exclude: set[Path]
) -> list[Path]:
    """Unchanged Markdown files under ``runbooks_dir`` whose text mentions any of ``terms``
    (case-insensitive): the only runbooks that can collide with the changed ones."""
    terms = {term for term in terms if term.strip()}
    if not terms or not runbooks_dir.is_dir() or not _is_below(runbooks_dir, changes.root):
        return []
    pathspec = runbooks_dir.relative_to(changes.root).as_posix() or "."
    result = _git(
        changes.root, "grep", "-l", "-z", "-i", "-F", "--untracked", "-f", "-",
        "--", pathspec, stdin="\n".join(sorted(terms)).encode(),
    )
    if result.returncode not in (0, 1):  # 1: nothing matched
        message = result.stderr.decode(errors="replace").strip()
        raise ChangesError(f"--changed-since: git grep failed: {message}")
    found = _names(result.stdout, changes.root)
    return sorted(
        path for path in found
        if path.suffix in MARKDOWN_SUFFIXES and path not in exclude
        and _is_below(path, runbooks_dir) and not _is_hidden(path, runbooks_dir)
    )


def _is_hidden(path: Path, directory: Path) -> bool:
    """Whether a folder or file below ``directory`` is hidden (the site walk skips those)."""
    return any(part.startswith(".") for part in path.relative_to(directory).parts)


def _changed_site_files(config: OpsbookConfig, changes: ChangeSet) -> list[Path]:
    """Changed Markdown files that exist and that the site would load, sorted like
    :func:`site_files` sorts them."""
    found = set()
    for path in changes.changed:
        if path.suffix not in MARKDOWN_SUFFIXES or not os.path.lexists(path):
            continue  # (a link that cannot be read is loaded, and reported, like in a full check)
        for directory in (config.docs_dir.resolve(), config.runbooks_dir.resolve()):
            if _is_below(path, directory) and not _is_hidden(path, directory):
                found.add(path)
    return sorted(found)


def _needs_whole_handbook(diagnostics: list[Diagnostic]) -> bool:
    """A narrow-scope finding that could be an artefact of the runbooks left out."""
    return any(
        RUNBOOK in rule_inputs(d.rule) and d.rule not in COLLISION_RULES and d.rule != "OB901"
        for d in diagnostics
    )


def _check_narrow(
    config: OpsbookConfig,
    changes: ChangeSet,
    changed_site: list[Path],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    base: Path | None,
) -> tuple[Project, list[Diagnostic], set[str]] | None:
    """The check in the narrow scope, or None when the change set needs the whole handbook."""
    from opsbook.checks import run_checks

    runbooks_dir = config.runbooks_dir.resolve()
    docs_dir = config.docs_dir.resolve()
    if _is_below(runbooks_dir, docs_dir) or _is_below(docs_dir, runbooks_dir):
        return None  # pages and runbooks share a folder: there is no smaller context
    pages = list(iter_markdown_files(config.docs_dir)) if config.docs_dir.is_dir() else []
    changed_runbooks = [path for path in changed_site if _is_below(path, runbooks_dir)]
    files = sorted({*pages, *changed_runbooks})
    project = load_project(config, files, base)
    kinds = changed_kinds(project, changes, config)
    if not kinds <= {RUNBOOK}:
        return None  # contacts, matrix or CODEOWNERS changed: every runbook may be affected
    changed = [r for r in project.runbooks if changes.touches(r.origin.document.path)]
    ids, alerts = _collision_keys(changed)
    extra = _neighbours(ids | alerts, changes, runbooks_dir, set(files))
    if extra:
        project = load_project(config, sorted({*files, *extra}), base)
    found = run_checks(project, select, ignore)
    if _needs_whole_handbook(found):
        return None
    return project, found, kinds


def check_site_changes(
    config_file: Path,
    changes: ChangeSet,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    today: dt.date | None = None,
    base: Path | None = None,
) -> ChangedCheck:
    """Check the site configured by ``config_file``; keep what ``changes`` is responsible for."""
    from opsbook.checks import run_checks

    config = load_config(config_file)
    if today:
        config = replace(config, today=today)
    if changes.touches(config_file):
        # The configuration decides how every file is checked: report everything.
        project = load_project(config, site_files(config), base)
        found = run_checks(project, select, ignore)
        return ChangedCheck(project, found, len(project.documents), narrow=False)
    changed_site = _changed_site_files(config, changes)
    narrow = _check_narrow(config, changes, changed_site, select, ignore, base)
    if narrow is not None:
        project, found, kinds = narrow
    else:
        project = load_project(config, site_files(config), base)
        kinds = changed_kinds(project, changes, config)
        found = run_checks(project, select, ignore)
    kept = relevant(found, project, changes, kinds)
    # Files checked: the changed ones, and the unchanged ones reported because of them.
    shown = changed_display_paths(project, changes) | {d.path for d in kept}
    return ChangedCheck(project, kept, len(shown), narrow=narrow is not None)


def keep_changed(diagnostics: list[Diagnostic], project: Project,
                 changes: ChangeSet) -> list[Diagnostic]:
    """For loose files (no site, no cross-file rules): findings in changed files only."""
    changed_paths = {d.display_path for d in project.documents if changes.touches(d.path)}
    return [
        d for d in diagnostics
        if d.path in changed_paths or any(r.path in changed_paths for r in d.related)
    ]
