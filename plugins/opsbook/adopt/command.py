"""The `opsbook init` and `opsbook import` commands: arguments in, a plan out, written or shown.

Both are non-interactive (nothing is read from stdin), so they run the same in CI, in a script
and at a terminal. Exit codes: 0 written (or shown with --dry-run), 2 refused or bad input —
and then nothing on disk has changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from opsbook.adopt.plan import PlannedFile, describe, normalise, write_plan
from opsbook.settings import ConfigError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def today(explicit: dt.date | None) -> dt.date:
    """--today, else OPSBOOK_TODAY, else the calendar: the date written as `last_reviewed`."""
    if explicit is not None:
        return explicit
    value = os.environ.get("OPSBOOK_TODAY", "").strip()
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"OPSBOOK_TODAY={value!r} is not a date (YYYY-MM-DD)") from None
    return dt.date.today()


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init", help="start a handbook here (or add opsbook to this MkDocs site)",
        description="Write a handbook that builds: config, severity matrix, a contact sheet "
        "to fill in, an example runbook, CI workflows, a pre-commit hook and HANDBOOK.md. "
        "Beside an existing mkdocs.yml or properdocs.yml, adds the opsbook plugin to it and "
        "changes nothing else. Never replaces a file unless --force names it.")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR")
    init.add_argument("--team", default="On-call", metavar="NAME",
                      help="team name for the site title and the contact sheet")
    init.add_argument("--levels", metavar="IDS",
                      help="severity levels, most severe first (default: SEV1,SEV2,SEV3,SEV4)")
    init.add_argument("--timezone", default="UTC", metavar="TZ",
                      help="IANA time zone of the people on call (default: UTC)")
    _common(init)

    legacy = commands.add_parser(
        "import", help="turn a legacy Markdown handbook into an opsbook site",
        description="Read legacy handbooks and write a site: severity matrix, contact sheet, "
        "runbook drafts, a template page and, as written, everything else. `opsbook check` "
        "in the output then lists the blanks to fill and the conflicts to decide.")
    legacy.add_argument("inputs", nargs="+", type=Path, metavar="LEGACY.md")
    legacy.add_argument("--output", "-o", type=Path, required=True, metavar="DIR")
    legacy.add_argument("--team", default="On-call", metavar="NAME",
                        help="name of the team that owns the runbook drafts")
    _common(legacy)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="append", default=[], metavar="PATH",
                        help="replace this existing file (relative to the target directory; "
                        "repeat for several)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be written, write nothing")
    parser.add_argument("--today", type=_date, metavar="DATE",
                        help="date written as the runbooks' last review (default: "
                        "$OPSBOOK_TODAY, else today)")


def _finish(root: Path, plan: list[PlannedFile], dry_run: bool) -> None:
    if dry_run:
        sys.stdout.write(describe(root, plan, diff=True))
        print("(dry run: nothing was written)")
        return
    summary = describe(root, plan, diff=False)
    write_plan(root, plan)
    sys.stdout.write(summary)


def command_init(args: argparse.Namespace) -> int:
    from opsbook.adopt.init import DEFAULT_LEVELS, InitOptions, parse_levels, plan_init

    root: Path = args.directory
    options = InitOptions(
        today=today(args.today), team_name=args.team,
        levels=parse_levels(args.levels) if args.levels else DEFAULT_LEVELS,
        timezone=args.timezone, force=tuple(normalise(path) for path in args.force),
    )
    plan = plan_init(root, options)
    _finish(root, plan, args.dry_run)
    if not args.dry_run:
        contacts = next(p.path for p in plan if p.path.endswith("/contacts.md"))
        print(f"\nNext: fill in the blanks of {contacts} (`opsbook check` lists them), then "
              "read HANDBOOK.md.")
    return 0


def command_import(args: argparse.Namespace) -> int:
    from opsbook.adopt.importer import import_handbooks
    from opsbook.adopt.plan import Refused, conflicts
    from opsbook.adopt.text import read_legacy

    inputs = []
    for path in args.inputs:
        if not path.is_file():
            raise ConfigError(f"{path}: no such file")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
        inputs.append((path.name, read_legacy(str(path), data)))
    root: Path = args.output
    if root.exists() and not root.is_dir():
        raise ConfigError(f"--output {root} is a file, not a directory")
    plan, report = import_handbooks(inputs, today(args.today), team_name=args.team)
    taken = conflicts(root, plan, [normalise(path) for path in args.force])
    if taken:
        raise Refused("refusing to overwrite " + ", ".join(taken) + f" in {root} (nothing was "
                      "written); import into an empty directory, or pass --force PATH for each")
    _finish(root, plan, args.dry_run)
    print()
    print(f"runbook drafts: {len(report.runbooks)}; templates: {len(report.templates)}; "
          f"people: {len(report.people)}; vendors: {len(report.vendors)}; severity levels: "
          f"{', '.join(report.levels)}")
    for conflict in report.conflicts:
        print(f"conflict to decide: {conflict}")
    print(f"left as written (not mapped): {len(report.leftovers)} sections in docs/imported/")
    print(f"\nNext: cd {root} && opsbook check   (lists the blanks to fill and the conflicts "
          "to decide)")
    return 0
