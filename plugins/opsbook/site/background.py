"""The checks of a `mkdocs build`, run next to the rendering instead of before it.

The checks read only the loaded model and MkDocs never waits on them until the end of the
build, so on a machine with a spare core a forked worker runs them while MkDocs renders pages:
the build takes as long as the longer of the two, not their sum. Findings are reported (and
fail the build) when the worker is collected, in ``on_post_build``.

A worker is forked only where that is safe and cheap: a POSIX system, a `build` (not `serve`,
which runs threads), and no other thread in the process. Anywhere else, and whenever the
worker fails, the checks simply run in the process itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from opsbook.diagnostics import Diagnostic
from opsbook.model.project import Project

log = logging.getLogger("mkdocs.plugins.opsbook")

Checker = Callable[[Project], list[Diagnostic]]


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def _work(checker: Checker, project: Project, sender: Connection) -> None:
    try:
        found: list[Diagnostic] | None = checker(project)
    except BaseException:  # the parent checks in-process and reports properly
        found = None
    sender.send(found)
    sender.close()


class PendingChecks:
    """Checks under way; :meth:`result` waits for them (at most once)."""

    def __init__(self, checker: Checker, project: Project, background: bool) -> None:
        self._checker = checker
        self._project = project
        self._result: list[Diagnostic] | None = None
        self._process: Any = None
        self._receiver: Connection | None = None
        if background and can_fork():
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(checker, project, sender),
                                      name="opsbook-checks", daemon=True)
            try:
                process.start()
            except OSError as error:  # no processes left: check here instead
                log.debug("opsbook: checking in-process (%s)", error)
                receiver.close()
            else:
                self._process, self._receiver = process, receiver
            sender.close()
        if self._process is None:
            self._result = checker(project)

    @property
    def pending(self) -> bool:
        return self._result is None

    def result(self) -> list[Diagnostic]:
        if self._result is None:
            found = None
            if self._receiver is not None:
                try:
                    found = self._receiver.recv()
                except (EOFError, OSError):
                    found = None
            self._reap(terminate=False)
            self._result = found if found is not None else self._checker(self._project)
        return self._result

    def cancel(self) -> None:
        """Stop and reap the worker (a build that failed elsewhere no longer needs it)."""
        self._reap(terminate=True)

    def _reap(self, terminate: bool) -> None:
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._process is not None:
            if terminate and self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
