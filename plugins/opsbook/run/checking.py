"""One entry point for every check of a handbook: :func:`check` takes a :class:`CheckRequest`
and answers a :class:`CheckRun`.

A site is checked by the first strategy that accepts the request, else by the plain path
(:func:`run_checks` over every loaded file); each gives the plain path's findings:

- a change set: :func:`opsbook.run.changes.check_changed` (narrow scope, else the whole site,
  then only what the change is responsible for);
- a large site: :func:`check_fast`, the whole site in chunks on every core
  (:mod:`opsbook.run.chunks`), or a few files of it in the narrow scope
  (:mod:`opsbook.run.scope`).

Files outside the site are loose Markdown, checked with every rule that applies to free text.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from opsbook.checks import run_checks
from opsbook.diagnostics import Diagnostic
from opsbook.load.document import resolve_folders
from opsbook.model.alerts import (
    AlertRuleFile,
    StoredRules,
)
from opsbook.model.project import (
    Project,
    expand_paths,
    load_project,
    site_files,
    site_listing,
)
from opsbook.run.cache import (
    RuleFiles,
    cache_file,
    check_warm,
    now_ns,
    record,
    rules_answered,
)
from opsbook.run.changes import ChangeSet, check_changed, keep_changed
from opsbook.run.chunks import check_in_chunks
from opsbook.run.request import CheckRequest, CheckRun
from opsbook.run.scope import (
    SiteFiles,
    indices_of,
    narrow_project,
    site_file_list,
    vouched_for,
)
from opsbook.settings import OpsbookConfig, find_config, load_config

FEW_FILES = 50
"""At most this many files are checked without the rest of the site; more, and a whole-site
check (which loads every file once) is about as fast."""

NARROW_FROM = 200
"""Sites with fewer files are loaded whole even to check one file: it takes milliseconds."""

Strategy = Callable[[OpsbookConfig, CheckRequest, "set[Path] | None"], "CheckRun | None"]
"""A way to check a site: the configuration, the request, and the site files wanted (folders
resolved; None: the whole site). None when it declines (the next way is tried)."""


def site_config(config_file: Path, today: dt.date | None = None) -> OpsbookConfig:
    config = load_config(config_file)
    return replace(config, today=today) if today else config


def load_site(config_file: Path, today: dt.date | None = None) -> Project:
    return load_configured(site_config(config_file, today))


def load_configured(
    config: OpsbookConfig, base: Path | None = None,
    load_rule_file: Callable[[Path, str], AlertRuleFile] | None = None,
) -> Project:
    """Every file of the site ``config`` describes, loaded (to render it, or to check it)."""
    return load_project(config, site_files(config), base, load_rule_file)


def check_project(
    project: Project, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()
) -> list[Diagnostic]:
    """The findings of a project its caller has loaded anyway (the MkDocs plugin and the PDF
    builder render what they load)."""
    return run_checks(project, select, ignore)


def resolve_config(config_path: Path | None) -> Path | None:
    if config_path is not None:
        return config_path
    return find_config(Path.cwd())


def check_fast(
    config: OpsbookConfig, request: CheckRequest, wanted: set[Path] | None
) -> CheckRun | None:
    """A large site: the whole of it in chunks, or the wanted files without the rest."""
    if request.changes is not None:
        return None
    if wanted is None:
        return check_whole(config, request)
    files = site_file_list(config)
    if len(files) < NARROW_FROM:
        return None
    return check_few_files(config, files, wanted, request)


def check_whole(config: OpsbookConfig, request: CheckRequest) -> CheckRun | None:
    """The whole site: from the cache and what changed since, else in chunks (which leaves a
    cache for the next run)."""
    started = now_ns()
    stored = cache_file(config, request) if request.cache else None
    rule_files = RuleFiles.read(config) if stored is not None else None
    listing = None
    if os.name == "posix":
        if stored is not None:
            # The files listed from the manifest when their folders did not change.
            warm = check_warm(stored, config, request, None, started, rule_files)
            if warm is not None:
                return warm
        listing = site_listing(config)
        files = [Path(name) for name in listing.names]
    else:
        files = site_files(config)
        if stored is not None:
            warm = check_warm(stored, config, request, files, started, rule_files)
            if warm is not None:
                return warm
    load_rules = None
    if stored is not None:
        def load_rules() -> StoredRules | None:
            # Parsed from the bytes the cache's key is made of, and kept by their hash for the
            # warm checks to come.
            return None if rule_files is None else rule_files.load(request.base, stored.parent)
    chunked = check_in_chunks(
        config, files, request.select, request.ignore, request.base, request.jobs, load_rules
    )
    if chunked is None:
        return None
    if stored is not None:
        facts = {index: fact for index, (_shown, fact) in chunked.files.items()}
        shown = {index: path for index, (path, _fact) in chunked.files.items()}
        record(stored, config, files, facts, shown, chunked.diagnostics, started, rule_files,
               listing)
    return CheckRun(chunked.diagnostics, len(files), [], config.fail_on)


def check_few_files(
    config: OpsbookConfig, files: SiteFiles, wanted: set[Path], request: CheckRequest
) -> CheckRun | None:
    """The findings of a whole-site check (``files``, in site order) in the ``wanted`` files,
    from the narrow scope around them; None when that cannot be trusted or would not pay."""
    targets = indices_of(files, wanted)
    if len(targets) > FEW_FILES:
        return None
    if config.alert_rules and len(targets) < len(wanted):
        return None  # a rule file asked for: its findings compare it with every runbook
    rule_files = RuleFiles.read(config)  # None without `alert_rules`, when none is asked for
    project = narrow_project(config, files, targets, request.base,
                             alert_rules=None if rule_files is None
                             else partial(rules_answered, rule_files, request))
    if project is None:
        return None
    shown = frozenset(document.display_path for document in project.documents
                      if resolve_folders(document.path) in wanted)
    project.wanted_paths = shown
    found = [d for d in run_checks(project, request.select, request.ignore) if d.path in shown]
    if not vouched_for(found):
        return None  # e.g. OB402: the service may be named by a runbook left out
    return CheckRun(found, len(shown), [], config.fail_on, narrow=True)


def check_changed_since(
    config: OpsbookConfig, request: CheckRequest, wanted: set[Path] | None
) -> CheckRun | None:
    return None if request.changes is None else check_changed(config, request)


STRATEGIES: tuple[Strategy, ...] = (check_changed_since, check_fast)


def check_plain(
    config: OpsbookConfig, request: CheckRequest, wanted: set[Path] | None
) -> CheckRun:
    project = load_project(config, site_files(config), request.base)
    found = run_checks(project, request.select, request.ignore)
    return CheckRun(found, len(project.documents), [project], config.fail_on)


def _is_within(path: Path, root: Path) -> bool:
    try:
        resolve_folders(path).relative_to(root.resolve())
    except ValueError:
        return False
    return True


def check_site(request: CheckRequest, config_file: Path, inside: list[Path]) -> CheckRun:
    config = site_config(config_file, request.today)
    # Folders resolved, file names not: a symlink loop given as a path (or met in the site)
    # cannot make resolving raise, and a symlinked page is matched by its own name.
    wanted = {resolve_folders(file) for file in expand_paths(inside)} if inside else None
    for strategy in STRATEGIES:
        run = strategy(config, request, wanted)
        if run is not None:
            break
    else:
        run = check_plain(config, request, wanted)
    if wanted is not None and run.projects:
        project = run.projects[0]
        shown = {document.display_path for document in project.documents
                 if resolve_folders(document.path) in wanted}
        if project.alert_rules is not None:
            shown.update(rule_file.display_path for rule_file in project.alert_rules.files
                         if resolve_folders(rule_file.path) in wanted)
        run.diagnostics = [d for d in run.diagnostics if d.path in shown]
        run.files_checked = len(shown)
    return run


def check_loose(request: CheckRequest, paths: list[Path]) -> CheckRun:
    files = expand_paths(paths)
    loose = OpsbookConfig.for_loose_files(Path.cwd())
    if request.today:
        loose = replace(loose, today=request.today)
    project = load_project(loose, files)
    found = run_checks(project, request.select, request.ignore)
    if request.changes is not None:
        found = keep_changed(found, project, request.changes)
    return CheckRun(found, len(files), [project])


def check(request: CheckRequest) -> CheckRun:
    """Check what ``request`` asks for (see :class:`CheckRequest`)."""
    inside: list[Path] = []
    outside: list[Path] = []
    if request.config_file is not None:
        root = request.config_file.parent
        for path in request.paths:
            (inside if _is_within(path, root) else outside).append(path)
    else:
        outside = list(request.paths)
    result = CheckRun()
    if request.config_file is not None and (inside or not request.paths):
        site = check_site(request, request.config_file, inside)
        result.add(site)
        result.fail_on = site.fail_on
    if outside:
        result.add(check_loose(request, outside))
    return result


def check_paths(
    paths: list[Path],
    config_file: Path | None,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    today: dt.date | None = None,
    changes: ChangeSet | None = None,
    cache: bool = False,
) -> CheckRun:
    """:func:`check` with the request spelled out as arguments."""
    return check(CheckRequest(tuple(paths), config_file, select, ignore, today, changes,
                              cache=cache))

