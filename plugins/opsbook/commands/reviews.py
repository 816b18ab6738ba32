"""`opsbook reviews`: the runbooks overdue for review, with their owners."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from opsbook.commands.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    Subcommands,
    add_today,
    site_config_file,
)


def register(subcommands: Subcommands) -> None:
    reviews = subcommands.add_parser(
        "reviews", help="runbooks overdue for review, with their owners")
    reviews.add_argument("--config", type=Path)
    add_today(reviews, "date to measure against")
    reviews.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    reviews.add_argument("--output", "-o", type=Path, help="write the list to a file")
    reviews.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every runbook is reviewed in time, 1 when some are overdue (so a scheduled
    job can tell), 2 on a usage error."""
    from opsbook.model.review import overdue_reviews
    from opsbook.report.reviews import REVIEW_FORMATS
    from opsbook.run import load_site

    project = load_site(site_config_file(args.config), args.today)
    overdue = overdue_reviews(project)
    output = REVIEW_FORMATS[args.format](project, overdue)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return EXIT_FINDINGS if overdue else EXIT_CLEAN
