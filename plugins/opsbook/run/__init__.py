"""Running checks: which files, in which scope, on how many cores.

One request (:class:`CheckRequest`) and one result (:class:`CheckRun`) for every adapter (the
CLI's commands, the MkDocs plugin, the PDF builder, the scaffold, the benchmarks); the ways of
checking a site are strategies behind :func:`check` (see :mod:`opsbook.run.checking`), all of them
giving the findings of the plain path.
"""

from __future__ import annotations

from opsbook.run.changes import ChangesError, ChangeSet, git_changes
from opsbook.run.checking import (
    check,
    check_paths,
    check_project,
    load_configured,
    load_site,
    resolve_config,
    site_config,
)
from opsbook.run.request import CheckRequest, CheckRun

__all__ = [
    "ChangeSet",
    "ChangesError",
    "CheckRequest",
    "CheckRun",
    "check",
    "check_paths",
    "check_project",
    "git_changes",
    "load_configured",
    "load_site",
    "resolve_config",
    "site_config",
]
