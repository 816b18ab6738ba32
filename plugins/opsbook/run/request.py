"""What a check is asked to do, and what it found: one request type and one result type for
every way opsbook checks (the whole site, a few files, a change set, loose files)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.diagnostics import Diagnostic, Level

if TYPE_CHECKING:
    from opsbook.model.project import Project
    from opsbook.run.changes import ChangeSet


@dataclass(frozen=True)
class CheckRequest:
    """Which files, in which configuration, against which rules, on which date.

    No ``paths``: the whole site of ``config_file``. Paths inside the site are checked in its
    context (matrix, contacts) and only their findings reported; paths outside it (or with no
    ``config_file``) are loose Markdown. ``changes`` keeps only what that change set is
    responsible for (see :mod:`opsbook.run.changes`).
    """

    paths: tuple[Path, ...] = ()
    config_file: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    today: dt.date | None = None
    changes: ChangeSet | None = None
    jobs: int | None = None  # worker processes for a large site (None: one per core)
    base: Path | None = None  # paths are shown relative to this (None: the working directory)
    cache: bool = False  # use and refresh the check cache (see opsbook.run.cache)


@dataclass
class CheckRun:
    """The findings of a check, how many files they cover, and the projects it loaded (none
    when a large site was checked in chunks, whose documents are dropped as it goes)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    projects: list[Project] = field(default_factory=list)
    fail_on: Level = Level.ERROR  # the site's `fail_on` option; loose files fail on errors
    narrow: bool = False  # answered from a narrow scope (for tests and benchmarks)

    @property
    def failed(self) -> bool:
        return any(d.level.fails(self.fail_on) for d in self.diagnostics)

    def add(self, other: CheckRun) -> None:
        """Fold in the findings of another part of the same request (the site, loose files)."""
        self.diagnostics.extend(other.diagnostics)
        self.files_checked += other.files_checked
        self.projects.extend(other.projects)
        self.narrow = self.narrow or other.narrow
