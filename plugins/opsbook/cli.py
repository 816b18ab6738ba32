"""The `opsbook` command line: one parser, one subcommand per module of opsbook.commands.

Exit codes (opsbook.commands.common): 0 clean, 1 findings at or above the `fail_on` level,
2 usage or configuration error. Heavy imports (MkDocs, phonenumbers, WeasyPrint) happen inside
the commands that need them, so `opsbook check` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from opsbook import __version__
from opsbook.commands import (
    alerts,
    check,
    eval_corpus,
    import_legacy,
    init,
    lookup,
    new,
    oncall,
    pdf,
    reviews,
    rules,
    schema,
    serve,
)
from opsbook.commands.common import EXIT_BROKEN_PIPE, EXIT_CLEAN, EXIT_USAGE, UsageError

COMMANDS = (
    check, new, init, import_legacy, lookup, schema, rules, reviews, serve, eval_corpus, pdf,
    alerts, oncall,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsbook", description="Check, publish and print an on-call handbook."
    )
    parser.add_argument("--version", action="version", version=f"opsbook {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_CLEAN
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from opsbook.engine import EngineError
    from opsbook.settings import ConfigError

    try:
        code: int = handler(args)
    except (UsageError, ConfigError, EngineError) as error:
        print(f"opsbook: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `opsbook rules | head`: the reader has gone, which is not an error worth a traceback.
        # Python would report the pipe again when it flushes stdout at exit; point stdout at
        # /dev/null first (the recipe of the signal module's documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
