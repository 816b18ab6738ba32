"""What to print and where: the jobs for one run, shared by `opsbook pdf` and `mkdocs build`."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from opsbook.model.project import Project
from opsbook.model.runbook import Runbook
from opsbook.pdf.assemble import LaidOutPart, assemble, page_numbers
from opsbook.pdf.capture import RenderedPage
from opsbook.pdf.compose import (
    BuiltSite,
    HandbookPart,
    HandbookPlan,
    HandbookWriter,
    PrintError,
    PrintSettings,
    ServiceGroup,
    fill_page_numbers,
    handbook_parts,
    owning_team,
    page_refs,
    plan_handbook,
    printed_rotas,
    runbook_html,
    runbook_page,
)
from opsbook.pdf.engine import (
    STYLESHEET,
    Printer,
    PrintJob,
    PrintResult,
    Progress,
)
from opsbook.pdf.reuse import Reuse
from opsbook.pdf.rewrite import site_path
from opsbook.pdf.sources import runbook_sources

HANDBOOK_JOB = "handbook"
HANDBOOK_FILE = "handbook.pdf"
RUNBOOKS_DIR = "runbooks"
RUNBOOKS_ANCHOR = "obp-runbooks"  # the contents' "Runbooks" entry


def pdf_file_name(runbook_id: str) -> str:
    """A file name for a runbook id that cannot leave the output directory."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", runbook_id).strip(".-") or "runbook"
    return f"{safe}.pdf"


def runbook_pdf_path(runbook_id: str) -> str:
    """Where a runbook's PDF lives below the output directory (``runbooks/<id>.pdf``)."""
    return f"{RUNBOOKS_DIR}/{pdf_file_name(runbook_id)}"


@dataclass(frozen=True)
class PrintRun:
    results: list[PrintResult]
    seconds: float

    @property
    def failures(self) -> list[PrintResult]:
        return [result for result in self.results if result.error]

    @property
    def pages(self) -> int:
        return sum(result.pages for result in self.results)

    @property
    def printed(self) -> list[PrintResult]:
        """The PDFs written by this run (the others were still current)."""
        return [result for result in self.results if not result.reused and not result.error]

    def result(self, name: str) -> PrintResult | None:
        return next((result for result in self.results if result.name == name), None)


@dataclass(frozen=True)
class RunbookPrint:
    """One runbook to print; its print document is made only when it is needed (a warm run
    knows most runbooks' PDFs are current from their sources alone)."""

    runbook: Runbook
    page: RenderedPage
    team: str  # the owning team's display name
    output: Path  # its own PDF
    sources: str  # the hash of its sources (opsbook.pdf.sources), "" when unknown


@dataclass(frozen=True)
class PrintPlan:
    """Everything one run may print, before anything is laid out."""

    site: BuiltSite
    settings: PrintSettings
    output_dir: Path
    wanted: list[RunbookPrint]
    handbook: HandbookPlan | None
    rotas: Mapping[str, str] = field(default_factory=dict)

    def job(self, item: RunbookPrint) -> PrintJob:
        """A runbook's job: its own PDF's document, "page x of y" left to be stamped (see
        :func:`print_plan`)."""
        if not item.page.complete:
            raise PrintError(
                f"runbook {item.runbook.id!r}: its sources changed while it was printed "
                "(its page was left unrendered as its PDF was current); print again")
        html = runbook_html(item.runbook, item.page, self.settings, self.site, self.rotas,
                            team=item.team, numbered_later=True)
        return PrintJob(item.runbook.id, html, item.output, self.site.site_dir,
                        self.site.stylesheets)

    @property
    def runbooks(self) -> list[PrintJob]:
        """Every wanted runbook's job, its document made now."""
        return [self.job(item) for item in self.wanted]

    @property
    def documents(self) -> int:
        return len(self.wanted) + (1 if self.handbook is not None else 0)


def plan_print(
    project: Project,
    site: BuiltSite,
    settings: PrintSettings,
    output_dir: Path,
    *,
    handbook: bool = True,
    runbook_ids: Sequence[str] | None = None,
) -> PrintPlan:
    """The handbook (if asked) and the runbooks (all, or those named), each runbook keyed
    by its sources when the site's are known (``site.inputs``)."""
    wanted = set(runbook_ids) if runbook_ids is not None else None
    rotas = printed_rotas(project, settings)
    sources = _sources(project, site.inputs, settings, rotas)
    items = []
    for runbook in project.runbooks:
        if wanted is not None and runbook.id not in wanted:
            continue
        page = runbook_page(runbook, site.pages)
        items.append(RunbookPrint(runbook, page, owning_team(project, runbook),
                                  output_dir / runbook_pdf_path(runbook.id),
                                  sources.get(runbook.id, "")))
    book = plan_handbook(project, site.pages, rotas) if handbook else None
    return PrintPlan(site, settings, output_dir, items, book, rotas)


def _sources(project: Project, inputs: str, settings: PrintSettings,
             rotas: Mapping[str, str]) -> dict[str, str]:
    """Each runbook's sources hash (opsbook.pdf.sources); none when ``inputs`` is unknown.
    The page's place in the site (file, address) follows from its path and the config."""
    if not inputs:
        return {}
    extra = json.dumps(rotas, sort_keys=True)
    return {
        runbook.id: runbook_sources(
            inputs, settings, f"{runbook.origin.document.path.resolve()}\0"
            f"{owning_team(project, runbook)}\0{extra}", runbook.origin.document.text)
        for runbook in project.runbooks
    }


def pages_not_needed(project: Project, inputs: str, settings: PrintSettings, output_dir: Path,
                     runbook_ids: Sequence[str] | None = None) -> set[Path]:
    """The source files of the runbooks whose pages a print into ``output_dir`` will not
    read: not asked for, or with a PDF (and its laid-out part) current by its sources alone.
    Known before the site is built, so that the build can leave them unrendered."""
    wanted = set(runbook_ids) if runbook_ids is not None else None
    sources = _sources(project, inputs, settings, printed_rotas(project, settings)) \
        if inputs else {}
    reuse = Reuse(output_dir, ())
    skipped = set()
    for runbook in project.runbooks:
        if wanted is None or runbook.id in wanted:
            entry = reuse.current_by_sources(output_dir / runbook_pdf_path(runbook.id),
                                             sources.get(runbook.id, ""))
            if entry is None or not reuse.has_part(str(entry.get("key"))):
                continue
        skipped.add(runbook.origin.document.path.resolve())
    return skipped


# At most this many rounds of laying out parts whose page numbers moved; two settle them on a
# cold run (everything, then the contents, the alert index and pages that show numbers).
MAX_ROUNDS = 6

Layouts = dict[str, tuple[str, dict[str, Any]]]
"""Laid-out documents by name: (their key, their layout data)."""


def print_plan(
    plan: PrintPlan,
    workers: int,
    *,
    on_queued: Callable[[int], None] | None = None,
    on_done: Callable[[PrintResult], None] | None = None,
    on_progress: Progress | None = None,
    state_dir: Path | None = None,
    printer: Printer | None = None,
) -> PrintRun:
    """Print what ``plan`` asks for, laying out only what changed since the last run in the
    same output directory, on ``workers`` processes (those of ``printer`` when given: started
    early, they were set up while the site was built).

    Each runbook is laid out ONCE: the layout is kept as a part (without "page x of y") and
    written, with its own "page x of y", outline and links stamped on, as the runbook's PDF;
    the handbook uses the same part, numbered as pages of the handbook. The handbook's other
    parts (front matter, each site page, the alert index; see :func:`handbook_parts`) are laid
    out on their own too; all are put together with pikepdf. A part that shows page numbers of
    others (contents, alert index, "(p. 12)" after a site page's internal links) has them
    written into its HTML, so they are part of its key; such parts are laid out in rounds
    until they show the numbers the assembled document has. A warm run starts from the last
    run's numbers and usually lays out only what changed.
    """
    started = time.perf_counter()
    reuse = Reuse(plan.output_dir, (*plan.site.stylesheets, STYLESHEET), state_dir,
                  site_dir=plan.site.site_dir)
    results: list[PrintResult] = []
    runbook_jobs: list[PrintJob] = []
    keys: dict[str, str] = {}
    runbooks: Layouts = {}
    sources: dict[str, str] = {}
    for item in plan.wanted:
        name, output = item.runbook.id, item.output
        sources[name] = item.sources
        # Sources unchanged: the key they made last time, without making the document.
        entry = reuse.current_by_sources(output, item.sources)
        key = str(entry["key"]) if entry is not None else ""
        kept = reuse.part(key) if entry is not None else None
        job = None
        if kept is None:
            job = plan.job(item)
            key = reuse.key(job.html)
            entry = reuse.current(output, key)
            kept = reuse.part(key) if entry is not None else None
        keys[name] = key
        if entry is not None and kept is not None:
            reuse.note_sources(output, item.sources)
            results.append(PrintResult(name, output, int(entry.get("pages", 0)), reused=True))
            runbooks[name] = (key, kept)
        elif job is not None:
            runbook_jobs.append(replace(job, output=reuse.part_path(key), part=True,
                                        standalone=output))

    def finished(result: PrintResult) -> None:
        if (not result.error and result.layout is not None and result.name in keys
                and not result.name.startswith(PART)):
            key = keys[result.name]
            reuse.keep_part(key, result.layout)
            reuse.record(result.output, key, result.pages, sources.get(result.name, ""))
            runbooks[result.name] = (key, result.layout)
        if on_done:
            on_done(result)

    with contextlib.ExitStack() as stack:
        if printer is None:
            printer = stack.enter_context(Printer(max(1, workers), on_progress))
        if plan.handbook is None:
            if on_queued:
                on_queued(len(runbook_jobs))
            results += printer.map(runbook_jobs, finished)
        else:
            results += _print_handbook(plan, plan.handbook, reuse, printer, runbook_jobs,
                                       finished, on_queued, runbooks)
    reuse.save(prune_parts=plan.handbook is not None)
    return PrintRun(results, time.perf_counter() - started)


PART = "handbook:"


def _print_handbook(
    plan: PrintPlan,
    book: HandbookPlan,
    reuse: Reuse,
    printer: Printer,
    runbook_jobs: list[PrintJob],
    finished: Callable[[PrintResult], None],
    on_queued: Callable[[int], None] | None,
    runbooks: Layouts,
) -> list[PrintResult]:
    started, started_cpu = time.perf_counter(), time.process_time()
    writer = HandbookWriter(book, plan.settings, plan.site)
    parts = handbook_parts(book)
    # The runbooks' parts are their own layouts (``runbooks``, filled in as they are laid
    # out); the other parts are laid out from the handbook's template.
    sources = {part.name: writer.html(part) for part in parts if not part.groups}
    refs = {name: page_refs(html) for name, html in sources.items()}
    laid_out: Layouts = {}  # part name -> (key, layout)
    numbers = dict(reuse.page_numbers)
    results: list[PrintResult] = []
    failures: list[PrintResult] = []
    pending_runbooks = runbook_jobs
    rounds = 0
    while True:
        rounds += 1
        jobs: list[PrintJob] = []
        job_keys: dict[str, str] = {}
        for index, part in enumerate(parts):
            if part.groups:
                continue
            if (index == len(parts) - 1 and index and part.name not in laid_out
                    and refs[part.name] - numbers.keys() and (jobs or pending_runbooks)):
                continue  # the last part (alert index) waits for every page it names
            html = fill_page_numbers(sources[part.name], numbers)
            key = reuse.key(html)
            if part.name in laid_out and laid_out[part.name][0] == key:
                continue
            kept = reuse.part(key)
            if kept is not None:
                laid_out[part.name] = (key, kept)
                continue
            job_keys[PART + part.name] = key
            jobs.append(PrintJob(PART + part.name, html, reuse.part_path(key),
                                 plan.site.site_dir, plan.site.stylesheets, part=True))
        todo = jobs + pending_runbooks
        pending_runbooks = []
        if not todo:
            break
        if on_queued:
            on_queued(len(todo))
        for result in printer.map(todo, finished):
            if result.name in job_keys:
                if result.error or result.layout is None:
                    failures.append(result)
                    continue
                reuse.keep_part(job_keys[result.name], result.layout)
                laid_out[result.name.removeprefix(PART)] = (job_keys[result.name], result.layout)
            else:
                results.append(result)
                if result.error:
                    failures.append(result)
        if failures:
            break
        numbers = page_numbers(_in_order(parts, laid_out, runbooks, reuse, estimate=True))
        if rounds >= MAX_ROUNDS:
            break
    output = plan.output_dir / HANDBOOK_FILE
    if failures:
        first = failures[0]
        return [*results, PrintResult(HANDBOOK_JOB, output, error=f"{first.name}: {first.error}")]
    ordered = _in_order(parts, laid_out, runbooks, reuse)
    reuse.page_numbers = numbers
    reuse.used_parts |= {key for key, _layout in (*laid_out.values(), *runbooks.values())}
    inside = _inside(book, plan.settings.site_url)
    digest = hashlib.sha256(_version("pikepdf").encode())
    digest.update(json.dumps([plan.settings.site_url, inside.pages], sort_keys=True).encode())
    for laid in ordered:  # the parts, and how each is placed (outline entries, anchors)
        digest.update(json.dumps([laid.pdf.name, laid.layout], sort_keys=True).encode())
    key = digest.hexdigest()[:40]
    entry = reuse.current(output, key)
    if entry is not None:
        results.append(PrintResult(HANDBOOK_JOB, output, int(entry.get("pages", 0)),
                                   reused=True))
        return results
    try:
        pages = assemble(ordered, output, printer.footer_sample, inside)
    except Exception as error:  # a damaged kept part: say which, never a traceback
        return [*results, PrintResult(HANDBOOK_JOB, output,
                                      error=f"{type(error).__name__}: {error}")]
    reuse.record(output, key, pages)
    result = PrintResult(HANDBOOK_JOB, output, pages, time.perf_counter() - started,
                         time.process_time() - started_cpu)
    finished(result)
    return [*results, result]


@dataclass(frozen=True)
class _Inside:
    """The anchor in the handbook of a web address of the published site: a runbook's links
    to other pages point there in its own PDF, and so in its pages of the handbook; those to
    pages the handbook holds go to them (what a link written as ``#anchor`` would do)."""

    site_url: str
    pages: dict[str, str]  # site path of a printed page -> its anchor

    def __call__(self, url: str) -> str | None:
        prefix = self.site_url.rstrip("/") + "/"
        if not self.site_url or not url.startswith(prefix):
            return None
        path, _, fragment = url[len(prefix):].partition("#")
        anchor = self.pages.get(site_path(path))
        if anchor is None:
            return None
        return f"{anchor}--{fragment}" if fragment else anchor


def _inside(book: HandbookPlan, site_url: str) -> _Inside:
    pages = {site_path(section.page.url): section.anchor for section in book.sections}
    pages.update({site_path(entry.page.url): entry.anchor for entry in book.runbooks})
    return _Inside(site_url, pages)


def _in_order(parts: list[HandbookPart], laid_out: Layouts, runbooks: Layouts, reuse: Reuse,
              *, estimate: bool = False) -> list[LaidOutPart]:
    """The parts laid out so far, in document order, up to the first one not laid out yet.

    With ``estimate``, the alert index (the last part, whose length moves no page number)
    stands in with one page until it is laid out, so that the page numbers it shows are known
    before it is."""
    ordered = []
    for part in parts:
        if part.groups:
            _group, (entry,), _opens = part.groups[0]
            found = runbooks.get(entry.runbook.id)
            if found is None:
                break
            key, layout = found
            ordered.append(LaidOutPart(part.name, reuse.part_path(key),
                                       in_handbook(layout, part)))
        elif part.name in laid_out:
            key, layout = laid_out[part.name]
            ordered.append(LaidOutPart(part.name, reuse.part_path(key), layout))
        elif estimate and part.alerts:
            ordered.append(LaidOutPart(part.name, Path(), {
                "sizes": [[0, 0]], "anchors": {"obp-alerts": [0, 0, 0]}, "links": [],
                "bookmarks": []}))
        else:
            break
    return ordered


def service_label(group: ServiceGroup) -> str:
    """A service's entry in the handbook's outline and contents."""
    return f"{group.service} — owned by {group.team}" if group.team else group.service


def in_handbook(layout: dict[str, Any], part: HandbookPart) -> dict[str, Any]:
    """A runbook's own layout as its part of the handbook: its outline one level below its
    service's entry, itself below "Runbooks" (the first runbook of a service opens the
    service's entry and anchor, the very first one those of "Runbooks")."""
    group, (entry,), opens_group = part.groups[0]
    index, x, y = layout["anchors"].get(entry.anchor, [0, 0, 0])
    anchors = dict(layout["anchors"])
    opened: list[list[Any]] = []
    if part.opens_runbooks:
        anchors.setdefault(RUNBOOKS_ANCHOR, [index, x, y])
        opened.append([index, 1, "Runbooks", x, y, "open"])
    if opens_group:
        anchors.setdefault(group.anchor, [index, x, y])
        opened.append([index, 2, service_label(group), x, y, "open"])
    bookmarks = [[page, level + 2, label, bx, by, state]
                 for page, level, label, bx, by, state in layout["bookmarks"]]
    return {**layout, "anchors": anchors, "bookmarks": opened + bookmarks}


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
