"""`opsbook check`: the handbook (or the given files) against every rule."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from opsbook.commands.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    Subcommands,
    UsageError,
    add_today,
    config_file,
    rule_list,
)


def register(subcommands: Subcommands) -> None:
    check = subcommands.add_parser("check", help="check the handbook (or the given files)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    check.add_argument("--format", choices=("text", "github", "json", "sarif"), default="text")
    check.add_argument("--config", type=Path, help="mkdocs.yml (default: ./mkdocs.yml)")
    check.add_argument("--select", type=rule_list, default=[], metavar="IDS",
                       help="only these rules or families (OB101,OB2)")
    check.add_argument("--ignore", type=rule_list, default=[], metavar="IDS",
                       help="skip these rules or families")
    add_today(check, "date for review deadlines")
    check.add_argument("--fail-on", choices=("error", "warning"),
                       help="lowest level that makes the exit code 1 (default: the plugin's "
                       "`fail_on` option, `error`)")
    check.add_argument("--output", "-o", type=Path, help="write the report to a file")
    check.add_argument("--changed-since", metavar="REF",
                       help="only findings in files changed since the git revision REF, and "
                       "findings elsewhere that those changes cause")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import gc

    from opsbook.diagnostics import Level
    from opsbook.report import FORMATTERS, Summary, markdown_summary
    from opsbook.settings import NotAnOpsbookSite
    from opsbook.workspace import check_paths

    # A check builds millions of small objects that all live until it ends and form almost no
    # reference cycles: the cyclic collector would rescan them again and again for nothing
    # (a quarter of the CPU time at 10,000 runbooks). This process exits right after.
    gc.disable()
    missing = [path for path in args.paths if not path.exists() and not path.is_symlink()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    site_config = config_file(args.config, required=not args.paths)
    changes = None
    if args.changed_since is not None:
        from opsbook.changes import ChangesError, git_changes

        start = site_config.parent if site_config is not None else Path.cwd()
        try:
            changes = git_changes(args.changed_since, start)
        except ChangesError as error:
            raise UsageError(str(error)) from None

    check = partial(check_paths, list(args.paths), select=tuple(args.select),
                    ignore=tuple(args.ignore), today=args.today, changes=changes)
    try:
        result = check(site_config)
    except NotAnOpsbookSite:
        if args.config is not None or not args.paths:
            raise
        # Files named in a folder whose mkdocs.yml is an ordinary MkDocs site (no opsbook
        # plugin) are loose Markdown, checked with every rule that applies to free text. The
        # site is read only once: load_config refuses it before any checking starts.
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
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _write_step_summary(text: str) -> None:
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
