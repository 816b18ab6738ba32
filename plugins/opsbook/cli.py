"""The `opsbook` command line.

Exit codes: 0 clean, 1 error-level findings, 2 usage or configuration error.
Heavy imports (MkDocs, phonenumbers, WeasyPrint) happen inside the commands that need them,
so `opsbook check` starts fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook import __version__

if TYPE_CHECKING:
    from opsbook.model.project import Project

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    pass


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _rule_list(value: str) -> list[str]:
    return [item.strip().upper() for item in value.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsbook", description="Check, publish and print an on-call handbook."
    )
    parser.add_argument("--version", action="version", version=f"opsbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check the handbook (or the given files)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    check.add_argument("--format", choices=("text", "github", "json", "sarif"), default="text")
    check.add_argument("--config", type=Path,
                       help="mkdocs.yml or properdocs.yml (default: the one in .)")
    check.add_argument("--select", type=_rule_list, default=[], metavar="IDS",
                       help="only these rules or families (OB101,OB2)")
    check.add_argument("--ignore", type=_rule_list, default=[], metavar="IDS",
                       help="skip these rules or families")
    check.add_argument("--today", type=_date, help="date for review deadlines (YYYY-MM-DD)")
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

    new = commands.add_parser("new", help="scaffold a new file")
    new_kinds = new.add_subparsers(dest="new_kind", metavar="KIND")
    new_runbook = new_kinds.add_parser("runbook", help="a runbook that passes the checks")
    new_runbook.add_argument("id")
    new_runbook.add_argument("--service", help="service (default: the id's first word)")
    new_runbook.add_argument("--owner", help="owning team id (default: the service's team)")
    new_runbook.add_argument("--severity", help="severity (default: the least severe level)")
    new_runbook.add_argument("--title", help="title (default: from the id)")
    new_runbook.add_argument("--config", type=Path)
    new_runbook.add_argument("--today", type=_date, metavar="DATE",
                             help="its last review date (default: $OPSBOOK_TODAY, else today)")

    lookup = commands.add_parser("lookup", help="which runbook answers an alert")
    lookup.add_argument("alert")
    lookup.add_argument("--config", type=Path)
    lookup.add_argument("--json", action="store_true")

    schema = commands.add_parser("schema", help="JSON Schema of a kind (or all kinds)")
    schema.add_argument("kind", nargs="?")

    commands.add_parser("rules", help="list every rule")

    serve = commands.add_parser("serve", help="preview the handbook (MkDocs 1.x or ProperDocs)")
    serve.add_argument("--config", type=Path)
    serve.add_argument("--dev-addr", "-a", default="127.0.0.1:8000", metavar="HOST:PORT")

    from opsbook.eval_command import add_parser as add_eval_parser

    add_eval_parser(commands, _date)

    pdf = commands.add_parser("pdf", help="print runbooks and the handbook to PDF")
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
    pdf.add_argument("--today", type=_date, help=argparse.SUPPRESS)
    _adopt_parsers(commands)
    return parser


def _adopt_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init", help="start a handbook here (or add opsbook to this MkDocs site)",
        description="Write a handbook that builds: config, severity matrix, a contact sheet "
        "to fill in, an example runbook, CI workflows, a pre-commit hook and HANDBOOK.md. "
        "Beside an existing mkdocs.yml or properdocs.yml, add the opsbook plugin to it and "
        "change nothing else. A file that exists is never replaced unless --force names it.")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR")
    init.add_argument("--team", default="On-call", metavar="NAME",
                      help="team name, for the site title and the contact sheet")
    init.add_argument("--levels", metavar="IDS",
                      help="severity levels, most severe first (default: SEV1,SEV2,SEV3,SEV4)")
    init.add_argument("--timezone", default="UTC", metavar="TZ",
                      help="IANA time zone of the people on call (default: UTC)")
    legacy = commands.add_parser(
        "import", help="turn a legacy Markdown handbook into an opsbook site",
        description="Read legacy handbooks and write a site: severity matrix, contact sheet, "
        "runbook drafts, a template page and, as written, everything else. `opsbook check` "
        "in the output then lists the blanks to fill in and the conflicts to decide.")
    legacy.add_argument("inputs", nargs="+", type=Path, metavar="LEGACY.md")
    legacy.add_argument("--output", "-o", type=Path, required=True, metavar="DIR")
    legacy.add_argument("--team", default="On-call", metavar="NAME",
                        help="name of the team that owns the runbook drafts")
    for parser in (init, legacy):
        parser.add_argument("--force", action="append", default=[], metavar="PATH",
                            help="replace this existing file (relative to the target "
                            "directory; repeat for several)")
        parser.add_argument("--dry-run", action="store_true",
                            help="print what would be written; write nothing")
        parser.add_argument("--today", type=_date, metavar="DATE",
                            help="date written as the runbooks' last review (default: "
                            "$OPSBOOK_TODAY, else today)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_CLEAN
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from opsbook.config import ConfigError
    from opsbook.engine import EngineError

    try:
        if args.command == "check":
            return command_check(args)
        if args.command == "new":
            if args.new_kind != "runbook":
                raise UsageError("usage: opsbook new runbook ID")
            return command_new_runbook(args)
        if args.command == "init":
            from opsbook.adopt.command import run_init

            print(run_init(args.directory, team=args.team, levels=args.levels,
                           timezone=args.timezone, force=args.force, dry_run=args.dry_run,
                           today=args.today), end="")
            return EXIT_CLEAN
        if args.command == "import":
            from opsbook.adopt.command import run_import

            print(run_import(args.inputs, args.output, team=args.team, force=args.force,
                             dry_run=args.dry_run, today=args.today), end="")
            return EXIT_CLEAN
        if args.command == "lookup":
            return command_lookup(args)
        if args.command == "schema":
            return command_schema(args)
        if args.command == "rules":
            return command_rules()
        if args.command == "eval":
            from opsbook.eval_command import command_eval

            return command_eval(args)
        if args.command == "pdf":
            from opsbook.pdf.command import command_pdf

            return command_pdf(args)
        if args.command == "serve":
            from opsbook.serve import command_serve

            return command_serve(args)
    except (UsageError, ConfigError, EngineError) as error:
        print(f"opsbook: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _config_file(explicit: Path | None, required: bool = True) -> Path | None:
    from opsbook.workspace import resolve_config

    config_file = resolve_config(explicit)
    if explicit is not None and not explicit.is_file():
        raise UsageError(f"config file {explicit} not found")
    if config_file is None and required:
        raise UsageError(
            "no mkdocs.yml or properdocs.yml here; pass --config or run from the handbook's root"
        )
    return config_file


def command_check(args: argparse.Namespace) -> int:
    import gc

    from opsbook.diagnostics import Level
    from opsbook.report import FORMATTERS, Summary, markdown_summary
    from opsbook.workspace import check_paths

    # A check builds millions of small objects that all live until it ends and form almost no
    # reference cycles: the cyclic collector would rescan them again and again for nothing
    # (a quarter of the CPU time at 10,000 runbooks). This process exits right after.
    gc.disable()
    missing = [path for path in args.paths if not path.exists() and not path.is_symlink()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    config_file = _config_file(args.config, required=not args.paths)
    if config_file is not None:
        from opsbook.engine import mkdocs_2_problem

        # The check needs no engine, but a build with MkDocs 2 would skip opsbook entirely.
        engine_problem = mkdocs_2_problem()
        if engine_problem:
            print(f"opsbook: warning: {engine_problem}", file=sys.stderr)
    changes = None
    if args.changed_since is not None:
        from opsbook.changes import ChangesError, git_changes

        start = config_file.parent if config_file is not None else Path.cwd()
        try:
            changes = git_changes(args.changed_since, start)
        except ChangesError as error:
            raise UsageError(str(error)) from None
    from opsbook.config import NotAnOpsbookSite

    check = partial(check_paths, list(args.paths), select=tuple(args.select),
                    ignore=tuple(args.ignore), today=args.today, changes=changes)
    try:
        run = check(config_file)
    except NotAnOpsbookSite:
        if args.config is not None or not args.paths:
            raise
        # Files named in a folder whose mkdocs.yml is an ordinary MkDocs site (no opsbook
        # plugin) are loose Markdown, checked with every rule that applies to free text. The
        # site is read only once: load_config refuses it before any checking starts.
        run = check(None)
    if args.fix:
        from opsbook.fix import fix_findings

        if fix_findings(run, config_file):
            try:
                run = check(config_file)
            except NotAnOpsbookSite:
                run = check(None)
    summary = Summary.of(run.diagnostics, run.files_checked)
    output = FORMATTERS[args.format](run.diagnostics, summary)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
        print(summary.line(), file=sys.stderr)
    else:
        sys.stdout.write(output)
    if args.format == "github":
        _write_step_summary(markdown_summary(run.diagnostics, summary))
    has_errors = any(d.level is Level.ERROR for d in run.diagnostics)
    if args.site is not None and _site_problems(args, config_file, run.projects):
        has_errors = True
    return EXIT_FINDINGS if has_errors else EXIT_CLEAN


def _site_problems(
    args: argparse.Namespace, config_file: Path | None, projects: list[Project]
) -> int:
    """``check --site DIR``: report runbook pages built without opsbook; how many."""
    from opsbook.site.marker import check_site_pages
    from opsbook.workspace import load_site

    if config_file is None:
        raise UsageError("--site needs the handbook's mkdocs.yml or properdocs.yml")
    if not args.site.is_dir():
        raise UsageError(f"--site {args.site}: no such folder (build the site first)")
    project = next((item for item in projects if item.config.site), None)
    if project is None or args.paths or args.changed_since:
        project = load_site(config_file, args.today)
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


def command_new_runbook(args: argparse.Namespace) -> int:
    from opsbook.scaffold import scaffold_runbook

    config_file = _config_file(args.config)
    assert config_file is not None
    from opsbook.adopt.command import resolve_today

    path = scaffold_runbook(
        config_file, args.id, service=args.service, owner=args.owner,
        severity=args.severity, title=args.title, today=resolve_today(args.today),
    )
    print(path)
    return EXIT_CLEAN


def command_lookup(args: argparse.Namespace) -> int:
    from opsbook.site.urls import runbook_url
    from opsbook.workspace import load_site

    config_file = _config_file(args.config)
    assert config_file is not None
    project = load_site(config_file)
    runbook = project.runbook_for_alert(args.alert)
    if runbook is None:
        print(f"opsbook: no runbook answers alert {args.alert!r}", file=sys.stderr)
        return EXIT_FINDINGS
    url = runbook_url(project.config, runbook)
    if args.json:
        print(json.dumps({"alert": args.alert, "runbook": runbook.id,
                          "path": runbook.origin.display_path, "url": url}))
    else:
        print(f"{runbook.origin.display_path}\t{url}\t{runbook.title}")
    return EXIT_CLEAN


def command_schema(args: argparse.Namespace) -> int:
    from opsbook.model.project import KIND_SPECS
    from opsbook.model.schema import json_schema

    if args.kind is None:
        schemas = {kind: json_schema(spec, kind) for kind, spec in KIND_SPECS.items()}
        print(json.dumps(schemas, indent=2))
        return EXIT_CLEAN
    spec = KIND_SPECS.get(args.kind)
    if spec is None:
        raise UsageError(f"unknown kind {args.kind!r}; kinds: {', '.join(sorted(KIND_SPECS))}")
    print(json.dumps(json_schema(spec, args.kind), indent=2))
    return EXIT_CLEAN


def command_rules() -> int:
    from opsbook.checks import ALL_RULES

    for rule in ALL_RULES:
        print(f"{rule.id}  {rule.level.value:<7}  {rule.name:<32} {rule.summary}")
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
