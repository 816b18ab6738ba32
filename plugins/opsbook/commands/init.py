"""`opsbook init [DIR]`: start a handbook, or add opsbook to an existing MkDocs site."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsbook.commands.common import EXIT_CLEAN, Subcommands, add_write_options


def register(subcommands: Subcommands) -> None:
    init = subcommands.add_parser(
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
    init.add_argument("--install", metavar="SPEC",
                      help="what the generated CI workflows pip-install (default: this opsbook "
                      "as CI can fetch it: its git URL and commit when installed from git, else "
                      "opsbook==VERSION)")
    add_write_options(init)
    init.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.adopt.command import run_init

    print(run_init(args.directory, team=args.team, levels=args.levels, timezone=args.timezone,
                   force=args.force, dry_run=args.dry_run, today=args.today,
                   install=args.install), end="")
    return EXIT_CLEAN
