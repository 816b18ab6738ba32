"""What to print and where: the jobs for one run, shared by `opsbook pdf` and `mkdocs build`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsbook.model.project import Project
from opsbook.pdf.assemble import LaidOutPart, assemble, page_numbers
from opsbook.pdf.compose import (
    BuiltSite,
    HandbookPart,
    HandbookPlan,
    HandbookWriter,
    PrintSettings,
    fill_page_numbers,
    handbook_parts,
    page_refs,
    plan_handbook,
    printed_rotas,
    runbook_html,
    runbook_page,
    whole_handbook,
)
from opsbook.pdf.engine import (
    STYLESHEET,
    Printer,
    PrintJob,
    PrintResult,
    Progress,
    footer_sample,
    render_all,
)
from opsbook.pdf.reuse import Reuse

HANDBOOK_JOB = "handbook"
HANDBOOK_FILE = "handbook.pdf"
RUNBOOKS_DIR = "runbooks"


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
class PrintPlan:
    """Everything one run may print, before anything is laid out."""

    site: BuiltSite
    settings: PrintSettings
    output_dir: Path
    runbooks: list[PrintJob]
    handbook: HandbookPlan | None

    @property
    def documents(self) -> int:
        return len(self.runbooks) + (1 if self.handbook is not None else 0)


def plan_print(
    project: Project,
    site: BuiltSite,
    settings: PrintSettings,
    output_dir: Path,
    *,
    handbook: bool = True,
    runbook_ids: Sequence[str] | None = None,
) -> PrintPlan:
    """The handbook (if asked) and the runbooks (all, or those named)."""
    wanted = set(runbook_ids) if runbook_ids is not None else None
    rotas = printed_rotas(project, settings)
    jobs = []
    for runbook in project.runbooks:
        if wanted is not None and runbook.id not in wanted:
            continue
        page = runbook_page(runbook, site.pages)
        jobs.append(PrintJob(runbook.id, runbook_html(runbook, page, settings, site, rotas),
                             output_dir / runbook_pdf_path(runbook.id), site.site_dir,
                             site.stylesheets))
    book = plan_handbook(project, site.pages, rotas) if handbook else None
    return PrintPlan(site, settings, output_dir, jobs, book)


def plan_jobs(
    project: Project,
    site: BuiltSite,
    settings: PrintSettings,
    output_dir: Path,
    *,
    handbook: bool = True,
    runbook_ids: Sequence[str] | None = None,
) -> list[PrintJob]:
    """One whole document per PDF, the handbook laid out in one piece (no reuse, no parts):
    what :func:`print_plan` makes, the plain way; for tests that inspect a whole layout."""
    plan = plan_print(project, site, settings, output_dir, handbook=handbook,
                      runbook_ids=runbook_ids)
    jobs = list(plan.runbooks)
    if plan.handbook is not None:
        html = HandbookWriter(plan.handbook, settings, site).html(
            whole_handbook(plan.handbook), numbered_later=False)
        jobs.insert(0, PrintJob(HANDBOOK_JOB, html, output_dir / HANDBOOK_FILE, site.site_dir,
                                site.stylesheets))
    return jobs


# At most this many rounds of laying out parts whose page numbers moved; two or three settle
# them (a cold run: site pages, then runbooks, then contents and alert index).
MAX_ROUNDS = 6


def print_plan(
    plan: PrintPlan,
    workers: int,
    *,
    on_queued: Callable[[int], None] | None = None,
    on_done: Callable[[PrintResult], None] | None = None,
    on_progress: Progress | None = None,
    state_dir: Path | None = None,
) -> PrintRun:
    """Print what ``plan`` asks for, laying out only what changed since the last run in the
    same output directory, on ``workers`` processes.

    The handbook is laid out in parts (see :func:`handbook_parts`) that are kept between runs
    and put together with pypdf. A part shows page numbers of other parts (contents, alert
    index, "(p. 12)" after internal links); they are written into its HTML, so they are part
    of its key. Parts are laid out in rounds until every part was laid out with the page
    numbers the assembled document has: a cold run lays out the front matter and site pages
    first (whose page numbers the runbooks' header cards show), then the runbooks, then
    whatever shows numbers that moved; a warm run starts from the last run's numbers and
    usually lays out only the parts that changed.
    """
    started = time.perf_counter()
    reuse = Reuse(plan.output_dir, (*plan.site.stylesheets, STYLESHEET), state_dir)
    results: list[PrintResult] = []
    runbook_jobs: list[PrintJob] = []
    keys: dict[str, str] = {}
    for job in plan.runbooks:
        key = reuse.key(job.html)
        keys[job.name] = key
        entry = reuse.current(job.output, key)
        if entry is not None:
            results.append(PrintResult(job.name, job.output, int(entry.get("pages", 0)),
                                       reused=True))
        else:
            runbook_jobs.append(job)

    def finished(result: PrintResult) -> None:
        if not result.error and result.name in keys and not result.name.startswith(PART):
            reuse.record(result.output, keys[result.name], result.pages)
        if on_done:
            on_done(result)

    workers = max(1, workers)
    with Printer(workers, on_progress) as printer:
        if plan.handbook is None:
            if on_queued:
                on_queued(len(runbook_jobs))
            results += printer.map(runbook_jobs, finished)
        else:
            known = {result.name: result.pages for result in results if result.reused}
            results += _print_handbook(plan, plan.handbook, reuse, printer, runbook_jobs,
                                       finished, on_queued, known)
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
    runbook_pages: dict[str, int] | None = None,
) -> list[PrintResult]:
    started, started_cpu = time.perf_counter(), time.process_time()
    # Pages of each runbook's own PDF: until its part of the handbook is laid out, the part
    # is taken to be as long (it usually is), so that a cold run lays out the contents and
    # the alert index once with the runbooks' page numbers instead of once per round.
    runbook_pages = dict(runbook_pages or {})
    writer = HandbookWriter(book, plan.settings, plan.site)
    parts = handbook_parts(book)
    sources = {part.name: writer.html(part) for part in parts}
    refs = {name: page_refs(html) for name, html in sources.items()}
    laid_out: dict[str, tuple[str, dict[str, Any]]] = {}  # part name -> (key, layout)
    numbers = dict(reuse.page_numbers)
    results: list[PrintResult] = []
    failures: list[PrintResult] = []
    cold = reuse.cold or not numbers
    rounds = 0
    pending_runbooks = runbook_jobs
    while True:
        rounds += 1
        jobs: list[PrintJob] = []
        job_keys: dict[str, str] = {}
        for index, part in enumerate(parts):
            if cold and rounds == 1 and part.groups:
                break  # the front matter and site pages first: the runbooks show their pages
            if (index == len(parts) - 1 and index and part.name not in laid_out
                    and refs[part.name] - numbers.keys() and jobs):
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
        if not todo and not (cold and rounds == 1):
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
                if not result.error:
                    runbook_pages[result.name] = result.pages
        if failures:
            break
        numbers = page_numbers(_in_order(parts, laid_out, reuse, runbook_pages))
        if rounds >= MAX_ROUNDS:
            break
    output = plan.output_dir / HANDBOOK_FILE
    if failures:
        first = failures[0]
        return [*results, PrintResult(HANDBOOK_JOB, output, error=f"{first.name}: {first.error}")]
    ordered = _in_order(parts, laid_out, reuse)
    reuse.page_numbers = numbers
    reuse.used_parts = {key for key, _layout in laid_out.values()}
    key = reuse.key("\0".join(part.pdf.name for part in ordered) + _version("pypdf"))
    entry = reuse.current(output, key)
    if entry is not None:
        results.append(PrintResult(HANDBOOK_JOB, output, int(entry.get("pages", 0)),
                                   reused=True))
        return results
    try:
        pages = assemble(ordered, output, footer_sample)
    except Exception as error:  # a damaged kept part: say which, never a traceback
        return [*results, PrintResult(HANDBOOK_JOB, output,
                                      error=f"{type(error).__name__}: {error}")]
    reuse.record(output, key, pages)
    result = PrintResult(HANDBOOK_JOB, output, pages, time.perf_counter() - started,
                         time.process_time() - started_cpu)
    finished(result)
    return [*results, result]


def _in_order(parts: list[HandbookPart], laid_out: dict[str, tuple[str, dict[str, Any]]],
              reuse: Reuse, runbook_pages: dict[str, int] | None = None) -> list[LaidOutPart]:
    """The parts laid out so far, in document order, up to the first one not laid out yet.

    With ``runbook_pages``, a runbook's part not laid out yet stands in with as many pages as
    the runbook's own PDF and the anchors it opens with (the runbook, its service, the
    "Runbooks" title): page numbers estimated from it are only used to lay out the parts
    that show them, which are laid out again if the estimate was wrong."""
    ordered = []
    for part in parts:
        if part.name in laid_out:
            key, layout = laid_out[part.name]
            ordered.append(LaidOutPart(part.name, reuse.part_path(key), layout))
            continue
        estimate = _estimated_layout(part, runbook_pages or {})
        if estimate is None:
            break
        ordered.append(LaidOutPart(part.name, Path(), estimate))
    return ordered


def _estimated_layout(part: HandbookPart, runbook_pages: dict[str, int]) -> dict[str, Any] | None:
    """A stand-in layout for a runbook's part, from the page count of its own PDF, or for the
    alert index, the last part (its length moves no page number); None for other parts or
    when that PDF was not printed in this run."""
    if part.alerts and not part.groups:
        return {"sizes": [[0, 0]], "anchors": {"obp-alerts": [0, 0, 0]}, "links": [],
                "bookmarks": []}
    if len(part.groups) != 1 or len(part.groups[0][1]) != 1:
        return None
    group, (entry,), opens_group = part.groups[0]
    pages = runbook_pages.get(entry.runbook.id, 0)
    if pages < 1:
        return None
    anchors: dict[str, list[float]] = {}
    if part.opens_runbooks:
        anchors["obp-runbooks"] = [0, 0, 0]
    if opens_group:
        anchors[group.anchor] = [0, 0, 0]
    anchors[entry.anchor] = [0, 0, 0]
    return {"sizes": [[0, 0]] * pages, "anchors": anchors, "links": [], "bookmarks": []}


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def run_jobs(
    jobs: list[PrintJob],
    workers: int,
    on_progress: Progress | None = None,
    on_done: Callable[[PrintResult], None] | None = None,
) -> PrintRun:
    started = time.perf_counter()
    results = render_all(jobs, workers, on_progress, on_done)
    return PrintRun(results, time.perf_counter() - started)
