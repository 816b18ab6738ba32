"""`opsbook eval LABELS DIR`: score the checks on a labelled directory (see opsbook.evaluate)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from opsbook.commands.common import Subcommands, parse_date

EXIT_MET = 0
EXIT_BELOW = 1
EXIT_BAD_INPUT = 2


def _ratio(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a ratio between 0 and 1")
    return number


def register(subcommands: Subcommands) -> None:
    from opsbook.evaluate import FAMILIES

    parser = subcommands.add_parser(
        "eval", help="score the checks on a labelled directory (precision/recall per family)",
        description="Check every handbook file of DIR together and score the findings per rule "
        "family against LABELS (a labels.yaml). Exit 0 unless a --min-precision/--min-recall "
        "threshold is missed (1); 2 on bad input.",
    )
    parser.add_argument("labels", type=Path, metavar="LABELS")
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--min-precision", type=_ratio, metavar="RATIO")
    parser.add_argument("--min-recall", type=_ratio, metavar="RATIO")
    parser.add_argument("--family", action="append", choices=FAMILIES, default=None,
                        help="score only this family (repeatable; default: all)")
    parser.add_argument("--today", type=parse_date,
                        help="date for date-dependent rules (YYYY-MM-DD)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.evaluate import (
        FAMILIES,
        LabelsError,
        evaluate_directory,
        format_json,
        format_text,
    )

    if not args.directory.is_dir():
        print(f"opsbook: {args.directory} is not a directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.labels.is_file():
        print(f"opsbook: labels file {args.labels} not found", file=sys.stderr)
        return EXIT_BAD_INPUT
    families = tuple(args.family) if args.family else FAMILIES
    try:
        evaluation = evaluate_directory(args.labels, args.directory, args.today, families)
    except LabelsError as error:
        print(f"opsbook: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    output = format_json(evaluation) if args.format == "json" else format_text(evaluation)
    sys.stdout.write(output)
    failures = evaluation.failures(args.min_precision, args.min_recall)
    for failure in failures:
        print(f"opsbook: below threshold: {failure}", file=sys.stderr)
    return EXIT_BELOW if failures else EXIT_MET
