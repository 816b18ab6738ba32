"""Loading a handbook the way the CLI sees it: a site configured by mkdocs.yml, loose files
(e.g. a legacy handbook), or both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.diagnostics import Diagnostic, Level
from opsbook.load.document import resolve_folders
from opsbook.model.project import Project, expand_paths, load_project, site_files
from opsbook.settings import OpsbookConfig, find_config, load_config

if TYPE_CHECKING:
    from opsbook.changes import ChangeSet


@dataclass
class CheckRun:
    diagnostics: list[Diagnostic]
    files_checked: int
    projects: list[Project]
    fail_on: Level = Level.ERROR  # the site's `fail_on` option; loose files fail on errors

    @property
    def failed(self) -> bool:
        return any(d.level.fails(self.fail_on) for d in self.diagnostics)


def _is_within(path: Path, root: Path) -> bool:
    try:
        resolve_folders(path).relative_to(root.resolve())
    except ValueError:
        return False
    return True


def load_site(config_file: Path, today: dt.date | None = None) -> Project:
    config = load_config(config_file)
    if today:
        config = replace(config, today=today)
    return load_project(config, site_files(config))


def resolve_config(config_path: Path | None) -> Path | None:
    if config_path is not None:
        return config_path
    return find_config(Path.cwd())


def check_paths(
    paths: list[Path],
    config_file: Path | None,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    today: dt.date | None = None,
    changes: ChangeSet | None = None,
) -> CheckRun:
    """Check the site (no paths), or the given paths: files inside the site are checked in
    its context (matrix, contacts) and only their findings reported; files outside it are
    checked as loose Markdown with every rule that applies to free text. With ``changes``,
    only what that change set is responsible for is reported (see :mod:`opsbook.changes`)."""
    from opsbook.checks import run_checks

    diagnostics: list[Diagnostic] = []
    projects: list[Project] = []
    files_checked = 0
    inside: list[Path] = []
    outside: list[Path] = []
    if config_file is not None:
        root = config_file.parent
        for path in paths:
            (inside if _is_within(path, root) else outside).append(path)
    else:
        outside = list(paths)
    fast = None
    fail_on = Level.ERROR
    if config_file is not None and (inside or not paths):
        fail_on = load_config(config_file).fail_on
    if config_file is not None and changes is None and (inside or not paths):
        # Large sites in chunks on every core, or a few files without the rest of the site:
        # the same findings as below (see opsbook.scale), faster and in bounded memory.
        from opsbook.scale import check_site_fast

        fast = check_site_fast(config_file, inside, select, ignore, today)
        if fast is not None:
            diagnostics.extend(fast.diagnostics)
            files_checked += fast.files_checked
    if config_file is not None and (inside or not paths) and fast is None:
        changed_count = None
        if changes is None:
            project = load_site(config_file, today)
            found = run_checks(project, select, ignore)
        else:
            from opsbook.changes import check_site_changes

            changed = check_site_changes(config_file, changes, select, ignore, today)
            project, found = changed.project, changed.diagnostics
            changed_count = changed.files_checked
        projects.append(project)
        if inside:
            # Folders resolved, file names not: a symlink loop given as a path (or met in the
            # site) cannot make resolving raise, and a symlinked page is matched by its own name.
            wanted = {resolve_folders(file) for file in expand_paths(inside)}
            shown = {
                document.display_path
                for document in project.documents
                if resolve_folders(document.path) in wanted
            }
            found = [d for d in found if d.path in shown]
            files_checked += len(shown)
        else:
            files_checked += len(project.documents) if changed_count is None else changed_count
        diagnostics.extend(found)
    if outside:
        files = expand_paths(outside)
        loose = OpsbookConfig.for_loose_files(Path.cwd())
        if today:
            loose = replace(loose, today=today)
        project = load_project(loose, files)
        projects.append(project)
        found = run_checks(project, select, ignore)
        if changes is not None:
            from opsbook.changes import keep_changed

            found = keep_changed(found, project, changes)
        diagnostics.extend(found)
        files_checked += len(files)
    return CheckRun(diagnostics, files_checked, projects, fail_on)
