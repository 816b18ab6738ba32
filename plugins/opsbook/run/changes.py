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
   - it is a collision (duplicate runbook id, alert answered twice) with a changed runbook;
   - with rule files (``alert_rules``), it is on a rule file and about an alert a changed
     runbook claims or claimed before the change (read from git): an alert one stopped
     answering, a ``runbook_url`` that no longer opens its runbook. Findings about no alert in
     particular (an unknown severity label, reported only for answered alerts) are reported
     in the rule files defining an alert the change makes answered or unanswered.
3. A changed ``mkdocs.yml`` changes how every file is checked: everything is reported.

Speed: a check of a whole 10,000-runbook handbook costs seconds, most of it loading files.
When only runbooks changed, the check runs in the **narrow scope** of :mod:`opsbook.run.scope`
around the changed files, with the site's pages added (a deleted runbook can leave a page
naming a service nobody defines) and every runbook naming an alert the changed ones claim or
claimed: collisions are still seen, the rule files are checked for those alerts only, and a
finding the narrow scope cannot vouch for sends the check to the whole handbook. When the
change makes an alert answered or unanswered, the scope also holds every runbook naming an
alert with an unknown severity label in the rule files defining it (what their OB708 counts).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.checks import ALL_INPUTS, RULES_BY_ID, Input, rule_inputs, run_checks
from opsbook.checks.alerts import PER_ALERT, UNKNOWN_SEVERITY_LABEL, alert_at
from opsbook.diagnostics import Diagnostic
from opsbook.load.codeowners import CODEOWNERS_LOCATIONS
from opsbook.load.document import display_path_for, parse_document, resolve_folders
from opsbook.model.alerts import AlertRules
from opsbook.model.project import (
    MARKDOWN_SUFFIXES,
    Project,
    build_project,
    load_project,
    site_files,
)
from opsbook.run.cache import RuleFiles, rules_answered, unknown_labelled_beside
from opsbook.run.request import CheckRequest, CheckRun
from opsbook.run.scope import (
    collision_keys,
    indices_below,
    indices_of,
    is_below,
    narrow_project,
    site_file_list,
    vouched_for,
)
from opsbook.settings import OpsbookConfig

if TYPE_CHECKING:
    import subprocess


MAX_EXTRA_ALERTS = 64
"""Alerts with an unknown severity label the narrow scope searches the site for, at most (each
is one more name the byte scan looks for in every file)."""


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
    commit: str = ""  # what ``ref`` names; "" when not known (no earlier version is read)

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
    return ChangeSet(ref, root, frozenset(changed), commit)


def earlier_versions(changes: ChangeSet, paths: list[Path]) -> dict[Path, bytes] | None:
    """The bytes of ``paths`` (changed files) where the change set starts, at the merge base
    of its ref and HEAD; a file that did not exist there is left out. None when that cannot
    be known. Two git calls."""
    if not changes.commit:
        return None
    if not paths:
        return {}
    based = _git(changes.root, "merge-base", changes.commit, "HEAD")
    base = based.stdout.decode(errors="replace").strip()
    if based.returncode != 0 or not base:
        raise ChangesError(f"--changed-since: {changes.ref!r} and HEAD share no history")
    names: dict[str, Path] = {}
    for path in paths:
        try:
            names[path.relative_to(changes.root).as_posix()] = path
        except ValueError:
            continue  # outside the repository: git has no earlier version
    if not names:
        return {}
    if any("\n" in name for name in names):
        return None  # a name git's batch mode cannot take
    # One process for every file: each request line is answered by a header line
    # (`<object> <type> <size>`, or `<request> missing`) and, for an object, its bytes.
    requests = "".join(f"{base}:{name}\n" for name in names)
    batch = _git(changes.root, "cat-file", "--batch",
                 stdin=requests.encode("utf-8", "surrogateescape"))
    if batch.returncode != 0:
        message = batch.stderr.decode(errors="replace").strip()
        raise ChangesError(f"--changed-since: git cat-file failed: {message}")
    found: dict[Path, bytes] = {}
    output, at = batch.stdout, 0
    for name in names:
        end = output.find(b"\n", at)
        if end == -1:
            return None  # not the answer git documents: nothing is known
        header = output[at:end].split()
        at = end + 1
        if len(header) == 3 and header[2].isdigit():  # an object: its bytes, then a newline
            size = int(header[2])
            if header[1] == b"blob":  # (a folder or a submodule is no runbook)
                found[names[name]] = output[at : at + size]
            at += size + 1
    return found


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


@dataclass(frozen=True)
class AlertClaims:
    """What the changed runbooks mean for the rule files: the (lower-cased) alerts they claim
    or claimed before the change, and those of them the change makes answered or unanswered
    (which moves the findings about answered alerts only, OB708, in the files defining them)."""

    claimed: frozenset[str]
    flipped: frozenset[str]


def earlier_alerts(config: OpsbookConfig, changes: ChangeSet, paths: list[Path],
                   base: Path | None) -> set[str] | None:
    """The (lower-cased) alerts the runbooks among ``paths`` answered where the change set
    starts, read from git; None when git cannot tell."""
    versions = earlier_versions(changes, paths)
    if versions is None:
        return None
    fallback = config.root if config.site else None
    earlier = [parse_document(path, display_path_for(path, base, fallback), data)
               for path, data in versions.items()]
    return {alert.strip().lower() for runbook in build_project(config, earlier).runbooks
            for alert in runbook.alerts}


def alert_claims(project: Project, changes: ChangeSet, before: set[str]) -> AlertClaims:
    """The claims of the changed runbooks of ``project``, which holds every runbook naming one
    of the alerts in ``before`` or claimed now (the whole site, or a narrow scope searched for
    those names)."""
    now: set[str] = set()
    unchanged: set[str] = set()
    for runbook in project.runbooks:
        alerts = now if changes.touches(runbook.origin.document.path) else unchanged
        alerts.update(alert.strip().lower() for alert in runbook.alerts)
    claimed = before | now
    return AlertClaims(
        frozenset(claimed),
        frozenset(alert for alert in claimed - unchanged if (alert in before) != (alert in now)),
    )


def _caused_on_rule_file(diagnostic: Diagnostic, project: Project, claims: AlertClaims) -> bool:
    """Whether a finding on an unchanged rule file can come from the changed runbooks."""
    if diagnostic.rule in PER_ALERT:
        assert project.alert_rules is not None  # claims are made for sites with rule files
        return alert_at(project.alert_rules, diagnostic.path, diagnostic.line) in claims.claimed
    if diagnostic.rule != UNKNOWN_SEVERITY_LABEL.id or not claims.flipped:
        return False
    # OB708 counts the answered alerts of its file: only a file defining a flipped one moves.
    assert project.alert_rules is not None
    return any(rule.name.strip().lower() in claims.flipped
               for rule_file in project.alert_rules.files
               if rule_file.display_path == diagnostic.path for rule in rule_file.rules)


def relevant(
    diagnostics: list[Diagnostic], project: Project, changes: ChangeSet, kinds: set[str],
    claims: AlertClaims | None = None,
) -> list[Diagnostic]:
    """The findings the change set is responsible for (the rule in the module docstring);
    ``claims`` where the site has rule files and runbooks changed."""
    changed_paths = changed_display_paths(project, changes)
    changed_runbooks = [r for r in project.runbooks if r.origin.display_path in changed_paths]
    ids, alerts = collision_keys(changed_runbooks)
    runbooks_at = {runbook.origin.display_path: runbook for runbook in project.runbooks}
    rule_files = (set() if project.alert_rules is None else
                  {rule_file.display_path for rule_file in project.alert_rules.files})
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
            if claims is not None and diagnostic.path in rule_files:
                if _caused_on_rule_file(diagnostic, project, claims):
                    kept.append(diagnostic)
            elif not _collision(diagnostic.rule):
                kept.append(diagnostic)  # e.g. a page naming a service a runbook dropped
            else:
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
    config: OpsbookConfig, changes: ChangeSet, request: CheckRequest, earlier: set[str] | None
) -> tuple[Project, list[Diagnostic], set[str], AlertClaims | None] | None:
    """The check in the narrow scope, or None when the change set needs the whole handbook.
    ``earlier``: the alerts the changed runbooks answered before (with rule files; None when
    not known)."""
    runbooks_dir = config.runbooks_dir.resolve()
    docs_dir = config.docs_dir.resolve()
    if is_below(runbooks_dir, docs_dir) or is_below(docs_dir, runbooks_dir):
        return None  # pages and runbooks share a folder: there is no smaller context
    files = site_file_list(config)
    targets = indices_of(files, changes.changed)
    pages = indices_below(files, config.docs_dir)
    rule_files = RuleFiles.read(config)  # read once: each scope below takes its rules from it

    def scope_around(also_alerts: set[str], answered: bool) -> Project | None:
        def rules_claimed(project: Project) -> AlertRules:
            assert rule_files is not None  # asked for only when the site has `alert_rules`
            # The rules of the alerts the changed runbooks claim or claimed: every runbook
            # naming one is in the scope, so their findings on the rule files are the whole
            # site's; with ``answered``, so is whether each alert of ``also_alerts`` is
            # answered (OB708 of the files defining a flipped alert).
            report = alert_claims(project, changes, earlier or set()).claimed
            known = frozenset(alert.strip().lower() for runbook in project.runbooks
                              for alert in runbook.alerts) if answered else None
            return rules_answered(rule_files, request, project, report, known)

        return narrow_project(config, files, targets, request.base, also=pages,
                              alert_rules=rules_claimed, also_alerts=also_alerts)

    project = scope_around(earlier or set(), answered=False)
    if project is None:
        return None
    kinds = changed_kinds(project, changes, config)
    if not kinds <= {Input.RUNBOOK}:
        return None  # contacts, matrix or CODEOWNERS changed: every runbook may be affected
    claims = None
    rule_file_paths: set[str] = set()
    if project.alert_rules is not None:
        if Input.RUNBOOK in kinds:
            if earlier is None:
                return None  # which alerts' findings the change moves is not known
            claims = alert_claims(project, changes, earlier)
            if claims.flipped:
                # OB708 counts the answered alerts of a rule file: the scope must also hold
                # every runbook naming an alert with an unknown label in the files defining a
                # flipped alert (a few names; with many, the whole site is quicker).
                assert rule_files is not None  # the site has `alert_rules`
                labelled = unknown_labelled_beside(rule_files, request, project, claims.flipped)
                if len(labelled) > MAX_EXTRA_ALERTS:
                    return None
                project = scope_around(earlier | labelled, answered=True)
                if project is None:
                    return None
                claims = alert_claims(project, changes, earlier)
            assert project.alert_rules is not None  # the same site, the same rule files
            rule_file_paths = {rule_file.display_path
                               for rule_file in project.alert_rules.files}
        else:
            # Only pages changed: the rule files' findings cannot have; the runbooks' side of
            # the alert rules (OB704) reads the rule files alone.
            project.wanted_paths = frozenset(document.display_path
                                             for document in project.documents)
    found = run_checks(project, request.select, request.ignore)
    if not vouched_for(d for d in found if d.path not in rule_file_paths):
        return None
    return project, found, kinds, claims


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
    earlier = None
    if config.site and config.alert_rules:
        changed = [path for path in changes.changed if _is_site_markdown(path, config)]
        earlier = earlier_alerts(config, changes, changed, request.base)
    narrow = _narrow(config, changes, request, earlier)
    if narrow is not None:
        project, found, kinds, claims = narrow
    else:
        project = load_project(config, site_files(config), request.base)
        kinds = changed_kinds(project, changes, config)
        found = run_checks(project, select, ignore)
        claims = None
        if earlier is not None and project.alert_rules is not None and Input.RUNBOOK in kinds:
            claims = alert_claims(project, changes, earlier)
    kept = relevant(found, project, changes, kinds, claims)
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
