"""`opsbook check`: the handbook (or the given files) against every rule."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.commands.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    Subcommands,
    UsageError,
    add_today,
    config_file,
    rule_list,
)

if TYPE_CHECKING:
    from opsbook.model.project import Project


def register(subcommands: Subcommands) -> None:
    check = subcommands.add_parser("check", help="check the handbook (or the given files)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    check.add_argument("--format", choices=("text", "github", "json", "sarif"), default="text")
    check.add_argument("--config", type=Path,
                       help="mkdocs.yml or properdocs.yml (default: the one in .)")
    check.add_argument("--select", type=rule_list, default=[], metavar="IDS",
                       help="only these rules or families (OB101,OB2)")
    check.add_argument("--ignore", type=rule_list, default=[], metavar="IDS",
                       help="skip these rules or families")
    add_today(check, "date for review deadlines")
    check.add_argument("--fail-on", choices=("error", "warning"),
                       help="lowest level that makes the exit code 1 (default: the plugin's "
                       "`fail_on` option, `error`)")
    check.add_argument("--output", "-o", type=Path, help="write the report to a file")
    check.add_argument("--fix", action="store_true",
                       help="repair findings in place, then report what is left; for now it "
                            "repairs only OB501 (mojibake: UTF-8 read as Windows-1252 or Mac "
                            "Roman) and changes no other byte")
    check.add_argument("--site", type=Path, metavar="DIR",
                       help="also verify the site built in DIR: every runbook page must carry "
                       "opsbook's marker (a build that skipped the plugin fails)")
    check.add_argument("--changed-since", metavar="REF",
                       help="only findings in files changed since the git revision REF, and "
                       "findings elsewhere that those changes cause")
    check.add_argument("--no-cache", action="store_true",
                       help="neither use nor refresh the check cache in .cache/opsbook/ "
                       "(same findings, slower on a large handbook)")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import gc

    from opsbook.diagnostics import Level
    from opsbook.report import FORMATTERS, Summary, markdown_summary
    from opsbook.run import check_paths
    from opsbook.settings import NotAnOpsbookSite

    # A check builds millions of small objects that all live until it ends and form almost no
    # reference cycles: the cyclic collector would rescan them again and again for nothing
    # (a quarter of the CPU time at 10,000 runbooks). This process exits right after.
    gc.disable()
    missing = [path for path in args.paths if not path.exists() and not path.is_symlink()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    site_config = config_file(args.config, required=not args.paths)
    if site_config is not None:
        from opsbook.engine import mkdocs_2_problem

        # The check needs no engine, but a build with MkDocs 2 would skip opsbook entirely.
        engine_problem = mkdocs_2_problem()
        if engine_problem:
            print(f"opsbook: warning: {engine_problem}", file=sys.stderr)
    changes = None
    if args.changed_since is not None:
        from opsbook.run import ChangesError, git_changes

        start = site_config.parent if site_config is not None else Path.cwd()
        try:
            changes = git_changes(args.changed_since, start)
        except ChangesError as error:
            raise UsageError(str(error)) from None

    check = partial(check_paths, list(args.paths), select=tuple(args.select),
                    ignore=tuple(args.ignore), today=args.today, changes=changes,
                    cache=not args.no_cache)
    try:
        result = check(site_config)
    except NotAnOpsbookSite:
        if args.config is not None or not args.paths:
            raise
        # Files named in a folder whose mkdocs.yml is an ordinary MkDocs site (no opsbook
        # plugin) are loose Markdown, checked with every rule that applies to free text. The
        # site is read only once: load_config refuses it before any checking starts.
        result = check(None)
    if args.fix:
        from opsbook.fix import fix_findings

        if fix_findings(result, site_config):
            try:
                result = check(site_config)
            except NotAnOpsbookSite:
                result = check(None)
    summary = Summary.of(result.diagnostics, result.files_checked)
    output = FORMATTERS[args.format](result.diagnostics, summary)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
        print(summary.line(), file=sys.stderr)
    else:
        sys.stdout.write(output)
    if args.format == "github":
        _write_step_summary(markdown_summary(result.diagnostics, summary))
    fail_on = Level(args.fail_on) if args.fail_on else result.fail_on
    failed = any(d.level.fails(fail_on) for d in result.diagnostics)
    if args.site is not None and _site_problems(args, site_config, result.projects):
        failed = True
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _site_problems(
    args: argparse.Namespace, site_config: Path | None, projects: list[Project]
) -> int:
    """``check --site DIR``: report runbook pages built without opsbook; how many."""
    from opsbook.run import load_site
    from opsbook.site.marker import check_site_pages

    if site_config is None:
        raise UsageError("--site needs the handbook's mkdocs.yml or properdocs.yml")
    if not args.site.is_dir():
        raise UsageError(f"--site {args.site}: no such folder (build the site first)")
    project = next((item for item in projects if item.config.site), None)
    if project is None or args.paths or args.changed_since:
        project = load_site(site_config, args.today)
    problems = check_site_pages(project, args.site)
    for problem in problems:
        print(f"{args.site / problem.path}: error: {problem.message}", file=sys.stderr)
        if args.format == "github":
            print(f"::error file={problem.source},title=opsbook site::{problem.message}")
    if problems:
        print(f"opsbook: {len(problems)} runbook page(s) in {args.site} built without opsbook; "
              "build with MkDocs 1.x or ProperDocs and the opsbook plugin", file=sys.stderr)
    return len(problems)


def _write_step_summary(text: str) -> None:
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
