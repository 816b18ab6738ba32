"""`opsbook pdf`: check, build the site into a scratch directory, print.

Refuses to print a handbook with error-level findings — a placeholder phone number must
never reach paper — unless ``--allow-findings``, which stamps every page UNVERIFIED.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.commands.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
    Subcommands,
    UsageError,
    add_today,
    site_config_file,
)

if TYPE_CHECKING:
    from opsbook.diagnostics import Diagnostic
    from opsbook.model.project import Project
    from opsbook.pdf.progress import ProgressDisplay


def register(subcommands: Subcommands) -> None:
    pdf = subcommands.add_parser("pdf", help="print runbooks and the handbook to PDF")
    pdf.add_argument("--runbook", metavar="ID", help="only this runbook")
    pdf.add_argument("--output", "-o", type=Path, default=Path("pdf"), metavar="DIR")
    pdf.add_argument("--paper", choices=("a4", "letter"))
    pdf.add_argument("--config", type=Path)
    pdf.add_argument("--allow-findings", action="store_true",
                     help="print despite error-level findings (pages stamped UNVERIFIED)")
    pdf.add_argument("--redact", action="store_true",
                     help="replace personal phone numbers and e-mails")
    pdf.add_argument("--jobs", "-j", type=int, metavar="N",
                     help="PDFs laid out at once (default: one per CPU core)")
    add_today(pdf, "date printed and used for review deadlines")
    pdf.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.diagnostics import Level
    from opsbook.pdf.progress import ProgressDisplay
    from opsbook.report import FORMATTERS, Summary
    from opsbook.run import load_site

    config_file = site_config_file(args.config)
    from opsbook.engine import use_engine

    use_engine(config_file)  # before anything imports an engine: MkDocs 1.x or ProperDocs
    progress = ProgressDisplay()
    project = load_site(config_file, args.today)
    if args.runbook and args.runbook not in {runbook.id for runbook in project.runbooks}:
        known = ", ".join(sorted(runbook.id for runbook in project.runbooks)) or "none"
        raise UsageError(f"no runbook with id {args.runbook!r} (runbooks: {known})")

    from opsbook.run import check_project

    diagnostics = check_project(project)
    errors = [d for d in diagnostics if d.level is Level.ERROR]
    if errors:
        report = FORMATTERS["text"](errors, Summary.of(errors, len(project.documents)))
        sys.stderr.write(report)
        if not args.allow_findings:
            print(
                f"opsbook pdf: refusing to print: {len(errors)} error-level finding"
                f"{'s' if len(errors) != 1 else ''} (a placeholder contact must never reach "
                "paper); fix them, or pass --allow-findings to print pages stamped UNVERIFIED",
                file=sys.stderr,
            )
            return EXIT_FINDINGS
        progress.step("printing anyway (--allow-findings): every page is stamped UNVERIFIED")
    return _print(args, config_file, project, diagnostics, progress)


def _print(
    args: argparse.Namespace,
    config_file: Path,
    project: Project,
    diagnostics: list[Diagnostic],
    progress: ProgressDisplay,
) -> int:
    from opsbook.diagnostics import Level
    from opsbook.pdf.compose import PrintError
    from opsbook.pdf.engine import Printer, available_cores
    from opsbook.pdf.printing import HANDBOOK_JOB, pages_not_needed, plan_print, print_plan
    from opsbook.pdf.site import SiteBuildError, build_site, settings_for

    unverified = sum(1 for d in diagnostics if d.level is Level.ERROR)
    output_dir: Path = args.output
    if output_dir.exists() and not output_dir.is_dir():
        print(f"opsbook pdf: {output_dir} exists and is not a directory", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    workers = args.jobs if getattr(args, "jobs", None) else available_cores()
    processes = max(1, workers)
    # The layout processes start now: they load WeasyPrint and set up its fonts (a second)
    # while this one builds the site.
    with tempfile.TemporaryDirectory(prefix="opsbook-pdf-") as scratch, \
            Printer(processes) as printer:
        progress.step("building the site")
        try:
            build = build_site(
                config_file, Path(scratch) / "site", redact=args.redact,
                allow_findings=bool(unverified), findings=diagnostics, project=project,
                # Pages of runbooks whose PDFs are current by their sources (or not asked
                # for) are left unrendered: a warm run converts only what changed.
                unneeded=lambda mkdocs_config, options, inputs: pages_not_needed(
                    project, inputs,
                    settings_for(project, mkdocs_config, options, paper=args.paper,
                                 today=args.today, unverified=unverified),
                    output_dir, [args.runbook] if args.runbook else None))
        except (SiteBuildError, PrintError) as error:
            print(f"opsbook pdf: the site does not build: {error}", file=sys.stderr)
            return EXIT_FINDINGS
        settings = settings_for(project, build.mkdocs_config, build.options,
                                paper=args.paper, today=args.today, unverified=unverified)
        try:
            plan = plan_print(
                project, build.site, settings, output_dir,
                handbook=not args.runbook,
                runbook_ids=[args.runbook] if args.runbook else None,
            )
        except PrintError as error:
            print(f"opsbook pdf: {error}", file=sys.stderr)
            return EXIT_FINDINGS
        progress.step(
            f"printing {_describe(plan.documents, not args.runbook)} on "
            f"{settings.paper.upper()} paper with {processes} process"
            f"{'es' if processes > 1 else ''} (only what changed since the last run in "
            f"{output_dir})"
        )
        progress.start()
        try:
            try:
                run = print_plan(
                    plan, workers, printer=printer, on_queued=progress.queued,
                    on_done=lambda result: progress.finished(result.name, result.pages,
                                                             bool(result.error)),
                )
            finally:
                progress.close()
        except PrintError as error:  # a runbook changed while it was printed
            print(f"opsbook pdf: {error}", file=sys.stderr)
            return EXIT_FINDINGS
    for failure in run.failures:
        print(f"opsbook pdf: {failure.name}: could not print: {failure.error}", file=sys.stderr)
    handbook = run.result(HANDBOOK_JOB)
    runbooks = [r for r in run.results if r.name != HANDBOOK_JOB and not r.error]
    summary = []
    if handbook and not handbook.error:
        state = "unchanged" if handbook.reused else f"{handbook.seconds:.1f} s"
        summary.append(f"{handbook.output} ({handbook.pages} pages, {state})")
    if runbooks:
        reprinted = sum(not r.reused for r in runbooks)
        summary.append(
            f"{len(runbooks)} runbook PDF{'s' if len(runbooks) != 1 else ''} in "
            f"{output_dir / 'runbooks'} ({sum(r.pages for r in runbooks)} pages, "
            f"{reprinted} printed, {len(runbooks) - reprinted} unchanged)"
        )
    progress.step(f"wrote {' and '.join(summary) or 'nothing'}"
                  f" in {time.perf_counter() - started:.1f} s")
    return EXIT_FINDINGS if run.failures else EXIT_CLEAN


def _describe(jobs: int, handbook: bool) -> str:
    runbooks = jobs - 1 if handbook else jobs
    text = f"{runbooks} runbook{'s' if runbooks != 1 else ''}"
    return f"the handbook and {text}" if handbook else text
