"""A small progress display on stderr: a redrawn line on a terminal, plain lines otherwise."""

from __future__ import annotations

import re
import sys
import threading
import time
from typing import TextIO

_PAGE = re.compile(r"Creating layout - Page (\d+)")


class ProgressDisplay:
    def __init__(self, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.handbook_pages = 0
        self.handbook_busy = False
        self.handbook_writing = False
        self.started = time.perf_counter()
        self._last_draw = 0.0

    def step(self, text: str) -> None:
        """A stage of the run, on its own line."""
        with self.lock:
            self._clear()
            self.stream.write(f"opsbook pdf: {text}\n")
            self.stream.flush()

    def start(self, total: int, handbook: bool) -> None:
        self.total, self.done, self.handbook_busy = total, 0, handbook
        self.started = time.perf_counter()
        self._draw(force=True)

    def layout(self, job: str, message: str) -> None:
        """WeasyPrint progress forwarded from a worker: count the handbook's pages."""
        if job == "handbook" and "Creating PDF" in message:
            self.handbook_writing = True
            self._draw()
            return
        match = _PAGE.search(message)
        if job == "handbook" and match:
            page = int(match.group(1))
            if not self.live and page > self.handbook_pages and page % 25 == 0:
                self.step(f"handbook: laying out page {page}")
            self.handbook_pages = max(self.handbook_pages, page)
            self._draw()

    def finished(self, job: str, pages: int, failed: bool) -> None:
        self.done += 1
        if job == "handbook":
            self.handbook_busy = False
            self.handbook_pages = pages
        if not self.live:
            state = "FAILED" if failed else f"{pages} page{'s' if pages != 1 else ''}"
            self.step(f"[{self.done}/{self.total}] {job}: {state}")
        else:
            self._draw(force=True)

    def close(self) -> None:
        with self.lock:
            self._clear()

    def _clear(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")

    def _draw(self, force: bool = False) -> None:
        if not self.live:
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        filled = int(self.width * self.done / self.total) if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        handbook = ""
        if self.handbook_busy:
            if self.handbook_writing:
                handbook = f" · handbook: writing {self.handbook_pages} pages"
            elif self.handbook_pages:
                handbook = f" · handbook: laying out page {self.handbook_pages}"
            else:
                handbook = " · handbook: starting"
        line = (f"opsbook pdf: [{bar}] {self.done}/{self.total} PDFs{handbook}"
                f" · {now - self.started:.0f}s")
        with self.lock:
            self.stream.write("\r\033[K" + line)
            self.stream.flush()
