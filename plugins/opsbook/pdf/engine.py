"""WeasyPrint, behind one function per PDF, run in parallel across processes.

This is the only module that imports WeasyPrint, and only inside the functions that lay out
a document, so the rest of opsbook never pays for it. Layout is CPU-bound and
single-threaded, so several documents are laid out at once in worker processes, the largest
first (the handbook's front matter), runbooks fill the other cores. A runbook's worker also
writes its own PDF from the same layout (PrintJob.standalone). Workers forward
WeasyPrint's page-by-page progress to the parent through a queue.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from opsbook.pdf.compose import TEMPLATES

STYLESHEET = TEMPLATES / "print.css"


@dataclass(frozen=True)
class PrintJob:
    name: str  # "handbook" or a runbook id
    html: str
    output: Path
    site_dir: Path  # the only directory resources may be read from
    stylesheets: tuple[Path, ...] = ()  # the site's own CSS, applied before print.css
    # A part of a larger document (see opsbook.pdf.printing): its anchors, internal links and
    # bookmarks are returned as data instead of being written, since they only make sense in
    # the assembled document.
    part: bool = False
    # With ``part``: the same layout also written as a document of its own at this path, with
    # "page x of y", outline, links and destinations added (opsbook.pdf.assemble). A runbook
    # is laid out once, for its own PDF and as its part of the handbook.
    standalone: Path | None = None


@dataclass(frozen=True)
class PrintResult:
    name: str
    output: Path
    pages: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the process that laid it out (load-independent)
    error: str | None = None
    layout: dict[str, Any] | None = None  # a part's anchors, links, bookmarks, page sizes
    reused: bool = False  # the output of an earlier run was still valid: nothing laid out


Progress = Callable[[str, str], None]
"""Called with (job name, WeasyPrint progress message) while a document is laid out."""


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@cache
def _fonts() -> Any:
    """One font configuration per process (fontconfig set-up is the slow part)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _stylesheet(path: Path, site_dir: Path) -> Any:
    """A stylesheet parsed once per process, not once per document."""
    from weasyprint import CSS

    return CSS(filename=str(path), font_config=_fonts(), url_fetcher=_fetcher(site_dir))


def _stylesheets(job: PrintJob) -> list[Any]:
    # Passed as "user" stylesheets: they rank below the document's own inline style (per
    # document @page content, badge colours) and, among themselves, later wins — so
    # print.css, last, overrides the site's screen layout where both set a property.
    site_dir = job.site_dir.resolve()
    return [_stylesheet(path.resolve(), site_dir) for path in (*job.stylesheets, STYLESHEET)]


def _fetcher(site_dir: Path) -> Any:
    """A URL fetcher that reads files of the built site and nothing else: printing never
    touches the network, and page content cannot pull in arbitrary local files."""
    from weasyprint import URLFetcher

    allowed = (site_dir.resolve(), STYLESHEET.parent.resolve())

    class SiteOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if any(path.is_relative_to(root) for root in allowed):
                    return super().fetch(url, headers)
            raise ValueError(f"not fetched while printing (outside the built site): {url}")

    return SiteOnlyFetcher(allowed_protocols=("file", "data"))


def render_job(job: PrintJob) -> PrintResult:
    """Lay out one document and write it atomically; never raises."""
    # A laid-out handbook is millions of live objects; each full collection walks all of
    # them while freeing almost nothing (the boxes are not garbage until the PDF is
    # written). Collecting after the job instead saves ~20 % of a large handbook's time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _render(job)
    finally:
        if collecting:
            gc.enable()


def _render(job: PrintJob) -> PrintResult:
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        from weasyprint import HTML

        fonts = _fonts()
        html = HTML(
            string=job.html, base_url=job.site_dir.resolve().as_uri() + "/",
            url_fetcher=_fetcher(job.site_dir),
        )
        _current_job[0] = job.name
        document = html.render(stylesheets=_stylesheets(job), font_config=fonts)
        layout = _take_layout(document) if job.part else None
        job.output.parent.mkdir(parents=True, exist_ok=True)
        partial = job.output.with_name(f".{job.output.name}.{os.getpid()}.partial")
        try:
            document.write_pdf(partial)
            partial.replace(job.output)
        finally:
            partial.unlink(missing_ok=True)
        if job.standalone is not None and layout is not None:
            from opsbook.pdf.assemble import LaidOutPart, assemble

            assemble([LaidOutPart(job.name, job.output, layout)], job.standalone,
                     footer_sample)
    except Exception as error:  # one broken document must not stop the others
        return PrintResult(job.name, job.standalone or job.output,
                           error=f"{type(error).__name__}: {error}")
    return PrintResult(job.name, job.standalone or job.output, len(document.pages),
                       time.perf_counter() - started, time.process_time() - started_cpu,
                       layout=layout)


@cache  # one per page size and process: every runbook's own PDF is stamped with it
def footer_sample(width: float, height: float, text: str) -> bytes:
    """A one-page PDF of ``width`` x ``height`` CSS pixels that shows only ``text`` in the
    "page x of y" footer of print.css: where, in which font, size and colour WeasyPrint sets
    that footer (the handbook's parts are laid out without it; see opsbook.pdf.assemble)."""
    from weasyprint import HTML

    from opsbook.pdf.compose import css_string

    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>@page { "
            f"size: {width:.4f}px {height:.4f}px; @bottom-left {{ content: none; }} "
            "@top-right { content: none; } @top-center { content: none; } "
            f"@bottom-right {{ content: {css_string(text)}; }} }}</style></head><body></body>"
            "</html>")
    styles = [_stylesheet(STYLESHEET.resolve(), STYLESHEET.parent.resolve())]
    document = HTML(string=html, url_fetcher=_fetcher(STYLESHEET.parent)).render(
        stylesheets=styles, font_config=_fonts())
    return bytes(document.write_pdf())


def _take_layout(document: Any) -> dict[str, Any]:
    """What the assembled document needs from one part, in CSS pixels from each page's top
    left (anchors and bookmarks are points, links rectangles); the part's own PDF is written
    without them (its links would point nowhere)."""
    anchors: dict[str, list[float]] = {}
    links: list[list[Any]] = []
    bookmarks: list[list[Any]] = []
    sizes: list[list[float]] = []
    for index, page in enumerate(document.pages):
        sizes.append([page.width, page.height])
        for name, (x, y, _right, _bottom) in page.anchors.items():
            anchors.setdefault(name, [index, x, y])
        kept = []
        for link in page.links:
            kind, target, (left, top, right, bottom), _box = link
            if kind == "internal":
                links.append([index, target, left, top, right, bottom])
            else:
                kept.append(link)
        page.links[:] = kept
        for level, label, (x, y), state in page.bookmarks:
            bookmarks.append([index, level, label, x, y, state])
        page.anchors.clear()
        page.bookmarks.clear()
    return {"sizes": sizes, "anchors": anchors, "links": links, "bookmarks": bookmarks}


# -- progress forwarding ---------------------------------------------------------------------
_current_job = [""]


class _QueueHandler(logging.Handler):
    def __init__(self, sink: Any) -> None:
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # progress is best effort
            self.sink.put_nowait((_current_job[0], record.getMessage()))


def _quiet_weasyprint() -> None:
    # WeasyPrint warns about CSS it ignores (Material's screen styles); printing goes on.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def _install_progress(sink: Any) -> None:
    _quiet_weasyprint()
    logger = logging.getLogger("weasyprint.progress")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        if isinstance(handler, _QueueHandler):
            logger.removeHandler(handler)
    logger.addHandler(_QueueHandler(sink))


def _ready() -> None:
    """A job that does nothing: the workers are started and set up."""


def _worker_init(sink: Any) -> None:
    _install_progress(sink)
    _fonts()
    _stylesheet(STYLESHEET.resolve(), STYLESHEET.parent.resolve())
    # Everything alive now (opsbook, WeasyPrint and their caches, the font set-up) lives as
    # long as the worker: out of the collector's sight, a full collection after a document
    # walks only what that document left (a third of the time, measured on runbooks).
    gc.collect()
    gc.freeze()


class Printer:
    """Lays out jobs on ``workers`` processes (in this process when 1) until closed; jobs
    can be submitted in several waves, the pool stays up between them."""

    def __init__(self, workers: int, on_progress: Progress | None = None) -> None:
        self.workers = max(1, workers)
        self.sink: Any = (get_context("fork").Queue() if self.workers > 1
                          else queue.SimpleQueue())
        self.stop = threading.Event()
        self.pump = threading.Thread(target=_pump, args=(self.sink, self.stop, on_progress),
                                     daemon=True)
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Printer:
        self.pump.start()
        if self.workers == 1:
            _install_progress(self.sink)
        else:
            # fork: workers start with opsbook already imported and no pickling of modules.
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("fork"),
                initializer=_worker_init, initargs=(self.sink,),
            )
            # Forked workers all start on the first job: start them, and their set-up, now.
            self.pool.submit(_ready)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.stop.set()
        self.pump.join(timeout=2)
        if self.workers == 1:
            _remove_progress()

    def footer_sample(self, width: float, height: float, text: str) -> bytes:
        """:func:`footer_sample`, set by a worker when there are some: they have WeasyPrint
        loaded and its fonts set up, which would take this process a second."""
        if self.pool is None:
            return footer_sample(width, height, text)
        return self.pool.submit(footer_sample, width, height, text).result()

    def map(self, jobs: Iterable[PrintJob],
            on_done: Callable[[PrintResult], None] | None = None) -> list[PrintResult]:
        """Lay out ``jobs``, the largest first (the longest ones must not start last)."""
        ordered = sorted(jobs, key=lambda job: len(job.html), reverse=True)
        results: list[PrintResult] = []
        if self.pool is None:
            for job in ordered:
                result = render_job(job)
                results.append(result)
                if on_done:
                    on_done(result)
            return results
        futures: list[Future[PrintResult]] = [self.pool.submit(render_job, job)
                                              for job in ordered]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_done:
                on_done(result)
        return results


def render_all(
    jobs: Iterable[PrintJob],
    workers: int,
    on_progress: Progress | None = None,
    on_done: Callable[[PrintResult], None] | None = None,
) -> list[PrintResult]:
    """Render every job, the largest first; ``workers`` > 1 uses that many processes."""
    ordered = list(jobs)
    with Printer(min(workers, max(1, len(ordered))), on_progress) as printer:
        return printer.map(ordered, on_done)


def _remove_progress() -> None:
    logger = logging.getLogger("weasyprint.progress")
    for handler in list(logger.handlers):
        if isinstance(handler, _QueueHandler):
            logger.removeHandler(handler)


def _pump(sink: Any, stop: threading.Event, on_progress: Progress | None) -> None:
    while not stop.is_set():
        try:
            name, message = sink.get(timeout=0.1)
        except (queue.Empty, EOFError, OSError):
            continue
        if on_progress:
            on_progress(name, message)
