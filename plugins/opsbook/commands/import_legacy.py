"""`opsbook import LEGACY.md... --output DIR`: a legacy handbook as a starting opsbook site."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsbook.commands.common import EXIT_CLEAN, Subcommands, add_write_options


def register(subcommands: Subcommands) -> None:
    legacy = subcommands.add_parser(
        "import", help="turn a legacy Markdown handbook into an opsbook site",
        description="Read legacy handbooks and write a site: severity matrix, contact sheet, "
        "runbook drafts, a template page and, as written, everything else. `opsbook check` "
        "in the output then lists the blanks to fill in and the conflicts to decide.")
    legacy.add_argument("inputs", nargs="+", type=Path, metavar="LEGACY.md")
    legacy.add_argument("--output", "-o", type=Path, required=True, metavar="DIR")
    legacy.add_argument("--team", default="On-call", metavar="NAME",
                        help="name of the team that owns the runbook drafts")
    add_write_options(legacy)
    legacy.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.adopt.command import run_import

    print(run_import(args.inputs, args.output, team=args.team, force=args.force,
                     dry_run=args.dry_run, today=args.today), end="")
    return EXIT_CLEAN
