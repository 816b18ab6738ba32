"""Work a `mkdocs build` does beside the rendering instead of before it.

What opsbook computes from the loaded model (the checks, the generated index pages, the
runbook header cards) is not needed until MkDocs reaches the pages that show it, and MkDocs
first converts the Markdown of every page. On a machine with a spare core a forked worker does
opsbook's share meanwhile, so the build takes about as long as the longer of the two, not
their sum. The worker's result comes back through a pipe (plain data: diagnostics and HTML).

A worker is forked only where that is safe and cheap: a POSIX system, a `build` (not
`serve`, which runs threads), and no other thread in the process. Anywhere else, and whenever
the worker fails, the same function simply runs in the process itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar, cast

log = logging.getLogger("mkdocs.plugins.opsbook")

T = TypeVar("T")


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def _work(job: Callable[[], Any], sender: Connection) -> None:
    try:
        result = (True, job())
    except BaseException:  # the parent does the work itself and reports properly
        result = (False, None)
    try:
        sender.send(result)
    finally:
        sender.close()


class Background(Generic[T]):
    """``job()``, in a forked worker when ``background`` allows it; :meth:`result` waits for
    it (once) and falls back to running ``job()`` here if the worker failed."""

    def __init__(self, job: Callable[[], T], background: bool) -> None:
        self._job = job
        self._done = False
        self._result: T | None = None
        self._process: Any = None
        self._receiver: Connection | None = None
        if background and can_fork():
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(job, sender), name="opsbook-worker",
                                      daemon=True)
            try:
                process.start()
            except OSError as error:  # no processes left: work here instead
                log.debug("opsbook: working in-process (%s)", error)
                receiver.close()
            else:
                self._process, self._receiver = process, receiver
            sender.close()
        if self._process is None:
            self._finish(job())

    @property
    def pending(self) -> bool:
        return not self._done

    def result(self) -> T:
        if not self._done:
            ok, value = False, None
            if self._receiver is not None:
                try:
                    ok, value = self._receiver.recv()
                except (EOFError, OSError, ValueError):
                    ok = False
            self._reap(terminate=False)
            self._finish(cast(T, value) if ok else self._job())
        return cast(T, self._result)

    def cancel(self) -> None:
        """Stop and reap the worker (a build that failed elsewhere no longer needs it)."""
        self._reap(terminate=True)

    def _finish(self, value: T) -> None:
        self._result, self._done = value, True

    def _reap(self, terminate: bool) -> None:
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._process is not None:
            if terminate and self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
