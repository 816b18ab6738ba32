"""What to print and where: the jobs for one run, shared by `opsbook pdf` and `mkdocs build`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from opsbook.model.project import Project
from opsbook.pdf.compose import (
    BuiltSite,
    PrintSettings,
    handbook_html,
    plan_handbook,
    runbook_html,
    runbook_page,
)
from opsbook.pdf.engine import PrintJob, PrintResult, Progress, render_all

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

    def result(self, name: str) -> PrintResult | None:
        return next((result for result in self.results if result.name == name), None)


def plan_jobs(
    project: Project,
    site: BuiltSite,
    settings: PrintSettings,
    output_dir: Path,
    *,
    handbook: bool = True,
    runbook_ids: Sequence[str] | None = None,
) -> list[PrintJob]:
    """One job per PDF: the handbook (if asked) and the runbooks (all, or those named)."""
    jobs: list[PrintJob] = []
    if handbook:
        plan = plan_handbook(project, site.pages)
        jobs.append(PrintJob(HANDBOOK_JOB, handbook_html(plan, settings, site),
                             output_dir / HANDBOOK_FILE, site.site_dir, site.stylesheets))
    wanted = set(runbook_ids) if runbook_ids is not None else None
    for runbook in project.runbooks:
        if wanted is not None and runbook.id not in wanted:
            continue
        page = runbook_page(runbook, site.pages)
        jobs.append(PrintJob(runbook.id, runbook_html(runbook, page, settings, site),
                             output_dir / runbook_pdf_path(runbook.id), site.site_dir,
                             site.stylesheets))
    return jobs


def run_jobs(
    jobs: list[PrintJob],
    workers: int,
    on_progress: Progress | None = None,
    on_done: Callable[[PrintResult], None] | None = None,
) -> PrintRun:
    started = time.perf_counter()
    results = render_all(jobs, workers, on_progress, on_done)
    return PrintRun(results, time.perf_counter() - started)
