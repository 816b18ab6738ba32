"""A small progress display on stderr: a bar redrawn in place on a terminal; in a log (not a
terminal, or CI) only the stages of the run, one line each."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO


def is_live(stream: TextIO) -> bool:
    """Whether a redrawn bar is welcome: a terminal that is not a CI job's log."""
    if not bool(getattr(stream, "isatty", lambda: False)()):
        return False
    return not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class ProgressDisplay:
    def __init__(self, stream: TextIO | None = None, width: int = 24,
                 live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = is_live(self.stream) if live is None else live
        self.width = width
        self.lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.pages = 0
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._shown = False

    def step(self, text: str) -> None:
        """A stage of the run, on its own line."""
        with self.lock:
            self._clear()
            self.stream.write(f"opsbook pdf: {text}\n")
            self.stream.flush()
        self._draw(force=True)

    def start(self) -> None:
        self.total = self.done = self.pages = 0
        self.started = time.perf_counter()

    def queued(self, count: int) -> None:
        """``count`` more documents (PDFs or parts of the handbook) to lay out."""
        self.total += count
        self._draw(force=True)

    def finished(self, job: str, pages: int, failed: bool) -> None:
        self.done += 1
        self.pages += pages
        self._draw(force=self.done == self.total)

    def close(self) -> None:
        with self.lock:
            self._clear()
            self._shown = False

    def _clear(self) -> None:
        if self.live and self._shown:
            self.stream.write("\r\033[K")

    def _draw(self, force: bool = False) -> None:
        if not self.live or not self.total:
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        filled = min(self.width, int(self.width * self.done / self.total))
        bar = "#" * filled + "-" * (self.width - filled)
        line = (f"opsbook pdf: [{bar}] {self.done}/{self.total} laid out, {self.pages} pages"
                f" · {now - self.started:.0f}s")
        with self.lock:
            self.stream.write("\r\033[K" + line)
            self.stream.flush()
            self._shown = True
