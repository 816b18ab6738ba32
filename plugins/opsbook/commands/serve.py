"""`opsbook serve`: the handbook's live preview, with whichever engine is installed.

It finds ``properdocs.yml`` or ``mkdocs.yml`` like the other commands and hands over to
``properdocs serve`` or ``mkdocs serve`` (see :mod:`opsbook.engine`), which run the opsbook
plugin: findings in the log, re-checked on every save.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from opsbook.commands.common import Subcommands, site_config_file


def register(subcommands: Subcommands) -> None:
    serve = subcommands.add_parser("serve", help="preview the handbook (MkDocs 1.x or ProperDocs)")
    serve.add_argument("--config", type=Path)
    serve.add_argument("--dev-addr", "-a", default="127.0.0.1:8000", metavar="HOST:PORT")
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.engine import choose_engine, installed_version

    config_file = site_config_file(args.config)
    engine = choose_engine(
        config_file, installed_version("mkdocs"), installed_version("properdocs")
    )
    argv = [sys.executable, "-m", engine.name, "serve", "-f", str(config_file),
            "-a", args.dev_addr]
    print(f"opsbook: {engine.display_name} {engine.version} serves {config_file} on "
          f"http://{args.dev_addr}/", file=sys.stderr, flush=True)
    # The engine takes over this process: Ctrl-C and signals reach it directly.
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover (execv does not return)
