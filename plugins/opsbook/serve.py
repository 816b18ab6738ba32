"""`opsbook serve`: the handbook's live preview, with whichever engine is installed.

It finds ``properdocs.yml`` or ``mkdocs.yml`` like the other commands and hands over to
``properdocs serve`` or ``mkdocs serve`` (see :mod:`opsbook.engine`), which run the opsbook
plugin: findings in the log, re-checked on every save.
"""

from __future__ import annotations

import argparse
import os
import sys


def command_serve(args: argparse.Namespace) -> int:
    from opsbook.cli import _config_file
    from opsbook.engine import choose_engine, installed_version

    config_file = _config_file(args.config)
    assert config_file is not None
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
