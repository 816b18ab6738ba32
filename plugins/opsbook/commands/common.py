"""What every command shares: exit codes, the usage error, argument types, finding mkdocs.yml.

Exit codes: 0 clean, 1 findings at or above the `fail_on` level (errors unless the handbook
says otherwise), 2 usage or configuration error, 141 (as a shell reports SIGPIPE) when the
program reading the output closed it early (`opsbook rules | head`).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141

Subcommands = Any  # argparse's private _SubParsersAction


class UsageError(Exception):
    """A wrong invocation: exit code 2 and one line, never a traceback."""


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def rule_list(value: str) -> list[str]:
    return [item.strip().upper() for item in value.split(",") if item.strip()]


def add_today(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--today", type=parse_date,
                        help=f"{what} (YYYY-MM-DD; default: $OPSBOOK_TODAY, else today)")


def add_write_options(parser: argparse.ArgumentParser) -> None:
    """What every command that writes a handbook's files takes."""
    parser.add_argument("--force", action="append", default=[], metavar="PATH",
                        help="replace this existing file (relative to the target directory; "
                        "repeat for several)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be written; write nothing")
    parser.add_argument("--today", type=parse_date, metavar="DATE",
                        help="date written as the runbooks' last review (default: "
                        "$OPSBOOK_TODAY, else today)")


def config_file(explicit: Path | None, required: bool = True) -> Path | None:
    """The handbook's mkdocs.yml: ``explicit``, else the one in the current directory."""
    from opsbook.run import resolve_config

    found = resolve_config(explicit)
    if explicit is not None and not explicit.is_file():
        raise UsageError(f"config file {explicit} not found")
    if found is None and required:
        raise UsageError(
            "no mkdocs.yml or properdocs.yml here; pass --config or run from the handbook's root"
        )
    return found


def site_config_file(explicit: Path | None) -> Path:
    found = config_file(explicit, required=True)
    assert found is not None  # required=True raises instead
    return found
