"""Markdown conversion of a `mkdocs build`'s pages on the spare cores, with the same output.

MkDocs converts the Markdown of every page in one process, one page after the other, and that
conversion is half of a build. Here forked workers convert pages ahead of MkDocs, from the end
of the build order backwards, while MkDocs converts from the front: each page is converted
once, by whichever side reaches it first. A worker converts with MkDocs' own ``Page.render``
(the same extensions, the same link resolution) and hands back what a render sets on the page:
the HTML, the table of contents, the title, the anchors it holds and the links to other
anchors, and the log records it emitted (replayed, so a warning still shows at that page and
still counts for ``--strict``).

Only what can be known in advance is taken: a page whose final Markdown (after every plugin's
``on_page_markdown``) is byte for byte the text the worker converted. When MkDocs reaches such
a page, the plugin lets MkDocs render an empty text (cheap) and puts the worker's result in
its place before any other plugin sees the page. Anything else (a page with macros, a page a
worker could not convert, one that raised a Python warning) is converted by MkDocs as usual.

Used only for a `build` on a POSIX system with a spare core (``OPSBOOK_JOBS`` caps the
processes; ``OPSBOOK_JOBS=1`` turns this off), with no other plugin that hooks the reading of
pages (``on_pre_page``, ``on_page_read_source``, ``on_page_markdown``): what they would do to a
page cannot be known in advance.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from opsbook.site.background import can_fork

log = logging.getLogger("mkdocs.plugins.opsbook")

PARALLEL_FROM = 24
"""Fewer candidate pages than this are converted by MkDocs alone: a worker would not pay off."""

READING_EVENTS = ("pre_page", "page_read_source", "page_markdown")
"""Events through which another plugin could change a page's Markdown in ways not knowable
before MkDocs reaches the page."""

FREE, MAIN = 0, 1  # a page's claim: nobody yet, MkDocs itself; a worker's is 2 + its number

Prepare = Callable[[str, Page, Any, Files], "str | None"]
"""The page's Markdown as opsbook's own ``on_page_markdown`` leaves it; None: not knowable."""


def digest(markdown: str) -> bytes:
    return hashlib.blake2b(markdown.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class Converted:
    """What ``Page.render`` set on a page, as a worker found it."""

    digest: bytes  # of the Markdown converted
    content: str
    toc: Any
    title: str | None
    anchors: set[str] | None
    links: dict[str, dict[str, str]] | None  # src_uri of the linked page → anchor → link
    records: list[logging.LogRecord]

    def resolves(self, files: Files) -> bool:
        return all(src_uri in files for src_uri in self.links or ())

    def apply(self, page: Page, files: Files) -> str:
        """Set what a render sets on ``page`` (just rendered from an empty text); replay the
        log records; return the HTML."""
        links: dict[File, dict[str, str]] = {}
        for src_uri, anchors in (self.links or {}).items():
            target = files.get_file_from_path(src_uri)
            if target is not None:  # always (see resolves)
                links[target] = anchors
        page.toc = self.toc
        page.present_anchor_ids = self.anchors
        if page.links_to_anchors is not None:  # MkDocs keeps them only when it validates them
            page.links_to_anchors = links
        if page.title != self.title:
            page.title = self.title  # the first heading, where there is no `title:`
        for record in self.records:
            logging.getLogger(record.name).handle(record)
        return self.content


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _capture_logging() -> _Capture:
    """In a worker: every record any logger emits is kept, not shown; the parent replays them
    through its own loggers, which apply their filters and handlers as if it had emitted them."""
    capture = _Capture()
    root = logging.getLogger()
    loggers = [root, *(item for item in root.manager.loggerDict.values()
                       if isinstance(item, logging.Logger))]
    for logger in loggers:
        logger.handlers = []
        logger.filters = []
        logger.propagate = True
    root.addHandler(capture)
    return capture


def _portable(record: logging.LogRecord) -> logging.LogRecord | None:
    """``record`` with its message formatted (its arguments need not survive a pipe)."""
    if record.exc_info or record.exc_text or record.stack_info:
        return None
    record.msg, record.args = record.getMessage(), None
    return record


def convert_page(file: File, config: Any, files: Files, prepare: Prepare,
                 capture: _Capture) -> Converted | None:
    """Read and render one page as MkDocs would; None where the result may differ."""
    page = file.page if file.page is not None else Page(None, file, config)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page.read_source(config)
        if page.markdown is None:
            return None
        markdown = prepare(page.markdown, page, config, files)
        if markdown is None:
            return None
        page.markdown = markdown
        capture.records = []
        page.render(config, files)
    if caught or page.content is None:
        return None  # a warning is shown once per place: let MkDocs meet it itself
    records = [_portable(record) for record in capture.records]
    kept = [record for record in records if record is not None]
    if len(kept) != len(records):
        return None
    links = None
    if page.links_to_anchors is not None:
        links = {target.src_uri: dict(anchors)
                 for target, anchors in page.links_to_anchors.items()}
    return Converted(digest(markdown), page.content, page.toc, page.title,
                     page.present_anchor_ids, links, kept)


@dataclass
class _Shared:
    lock: Any
    claims: Any  # one byte per page: FREE, MAIN or 2 + worker
    front: Any  # pages before this index are MkDocs' own
    back: Any  # workers take the next page below this index

    def take_for_worker(self, worker: int) -> int | None:
        with self.lock:
            index = self.back.value - 1
            while index >= self.front.value and self.claims[index] != FREE:
                index -= 1
            if index < self.front.value:
                return None
            self.claims[index] = 2 + worker
            self.back.value = index
            return int(index)

    def take_for_main(self, index: int) -> int:
        """Claim ``index`` for MkDocs if it is free; who has it."""
        with self.lock:
            if self.claims[index] == FREE:
                self.claims[index] = MAIN
                self.front.value = max(self.front.value, index + 1)
            return int(self.claims[index])


def _serve(worker: int, shared: _Shared, pages: Sequence[File], config: Any, files: Files,
           prepare: Prepare, sender: Connection) -> None:
    # The objects inherited from the build stay out of the worker's garbage collections,
    # which would otherwise touch (and so copy) every one of them.
    gc.freeze()
    capture = _capture_logging()
    try:
        while (index := shared.take_for_worker(worker)) is not None:
            try:
                result: Converted | None = convert_page(pages[index], config, files, prepare,
                                                        capture)
            except Exception:  # MkDocs converts it, and reports the error properly
                result = None
            try:
                sender.send((index, result))
            except (TypeError, AttributeError, ValueError, RecursionError):  # cannot be pickled
                sender.send((index, None))
    finally:
        sender.close()


class Preconversion:
    """Workers converting ``pages`` (in MkDocs' build order) from the back."""

    def __init__(self, pages: Sequence[File], config: Any, files: Files, prepare: Prepare,
                 workers: int) -> None:
        context = multiprocessing.get_context("fork")
        self._index = {page.src_uri: index for index, page in enumerate(pages)}
        self._shared = _Shared(context.Lock(), context.RawArray("b", len(pages)),
                               context.RawValue("i", 0), context.RawValue("i", len(pages)))
        self._results: dict[int, Converted | None] = {}
        self._receivers: dict[Connection, int] = {}  # open pipe → its worker
        self._processes: list[Any] = []
        self.used = 0  # pages whose conversion by a worker went into the site
        self.pages = len(pages)
        for worker in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_serve, args=(worker, self._shared, pages, config, files, prepare, sender),
                name=f"opsbook-convert-{worker}", daemon=True,
            )
            try:
                process.start()
            except OSError as error:  # no processes left: MkDocs converts the rest
                log.debug("opsbook: converting in-process (%s)", error)
                receiver.close()
            else:
                self._processes.append(process)
                self._receivers[receiver] = worker
            sender.close()  # so a worker's end of the pipe is its own, and EOF means it exited

    @property
    def started(self) -> bool:
        return bool(self._processes)

    def take(self, src_uri: str, markdown: str, files: Files) -> Converted | None:
        """The worker's conversion of this page if one has it and it converted ``markdown``;
        None: MkDocs converts the page itself."""
        index = self._index.get(src_uri)
        if index is None:
            return None
        # A pipe holds a few pages: emptied at every page, so the workers never wait on it.
        self._receive(0)
        owner = self._shared.take_for_main(index)
        if owner == MAIN:
            return None
        result = self._wait(index, owner - 2)
        if result is None or result.digest != digest(markdown) or not result.resolves(files):
            return None
        self.used += 1
        return result

    def _wait(self, index: int, worker: int) -> Converted | None:
        while index not in self._results:
            if worker not in self._receivers.values():
                return None  # that worker is gone
            self._receive(None)
        return self._results.pop(index)

    def _receive(self, timeout: float | None) -> None:
        """Take in the results that are ready (waiting up to ``timeout`` for one)."""
        for ready in wait(list(self._receivers), timeout):
            assert isinstance(ready, Connection)
            try:
                while True:
                    done, result = ready.recv()
                    self._results[done] = result
                    if not ready.poll():
                        break
            except (EOFError, OSError):
                ready.close()
                del self._receivers[ready]

    def close(self) -> None:
        """Stop the workers (all pages are claimed by now, or the build failed)."""
        log.debug("opsbook: %d of %d pages converted by %d workers", self.used, self.pages,
                  len(self._processes))
        for receiver in self._receivers:
            receiver.close()
        self._receivers = {}
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self._processes = []
        self._results = {}


def reading_hooks(plugins: Any, own: object) -> list[str]:
    """Names of other plugins that hook the reading of pages (see READING_EVENTS)."""
    found = []
    for name, plugin in plugins.items():
        if plugin is own:
            continue
        if any(callable(getattr(plugin, f"on_{event}", None)) for event in READING_EVENTS):
            found.append(str(name))
    return found


def start(pages: Sequence[File], config: Any, files: Files, prepare: Prepare, jobs: int,
          own: object) -> Preconversion | None:
    """Workers for ``pages`` when that is possible and worth it; None otherwise."""
    if jobs < 2 or len(pages) < PARALLEL_FROM or not can_fork():
        return None
    others = reading_hooks(config.plugins, own)
    if others:
        log.debug("opsbook: pages converted in one process (plugins %s read pages)",
                  ", ".join(others))
        return None
    conversion = Preconversion(pages, config, files, prepare, min(jobs - 1, len(pages)))
    return conversion if conversion.started else None
