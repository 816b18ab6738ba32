"""`opsbook new runbook ID`: a runbook that passes the checks, ready to fill in."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsbook.commands.common import (
    EXIT_CLEAN,
    Subcommands,
    UsageError,
    parse_date,
    site_config_file,
)


def register(subcommands: Subcommands) -> None:
    new = subcommands.add_parser("new", help="scaffold a new file")
    new.set_defaults(handler=_no_kind)
    kinds = new.add_subparsers(dest="new_kind", metavar="KIND")
    runbook = kinds.add_parser("runbook", help="a runbook that passes the checks")
    runbook.add_argument("id")
    runbook.add_argument("--service", help="service (default: the id's first word)")
    runbook.add_argument("--owner", help="owning team id (default: the service's team)")
    runbook.add_argument("--severity", help="severity (default: the least severe level)")
    runbook.add_argument("--title", help="title (default: from the id)")
    runbook.add_argument("--config", type=Path)
    runbook.add_argument("--today", type=parse_date, metavar="DATE",
                         help="its last review date (default: $OPSBOOK_TODAY, else today)")
    runbook.set_defaults(handler=run_runbook)


def _no_kind(args: argparse.Namespace) -> int:
    raise UsageError("usage: opsbook new runbook ID")


def run_runbook(args: argparse.Namespace) -> int:
    from opsbook.scaffold import scaffold_runbook
    from opsbook.settings import today_from_environment

    path = scaffold_runbook(
        site_config_file(args.config), args.id, service=args.service, owner=args.owner,
        severity=args.severity, title=args.title, today=args.today or today_from_environment(),
    )
    print(path)
    return EXIT_CLEAN
