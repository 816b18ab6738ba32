"""`opsbook lookup ALERT`: which runbook answers an alert, and where it is published."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from opsbook.commands.common import EXIT_CLEAN, EXIT_FINDINGS, Subcommands, site_config_file


def register(subcommands: Subcommands) -> None:
    lookup = subcommands.add_parser("lookup", help="which runbook answers an alert")
    lookup.add_argument("alert")
    lookup.add_argument("--config", type=Path)
    lookup.add_argument("--json", action="store_true")
    lookup.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.model.urls import runbook_url
    from opsbook.run import load_site

    project = load_site(site_config_file(args.config))
    runbook = project.runbook_for_alert(args.alert)
    if runbook is None:
        print(f"opsbook: no runbook answers alert {args.alert!r}", file=sys.stderr)
        return EXIT_FINDINGS
    url = runbook_url(project.config, runbook)
    if args.json:
        print(json.dumps({"alert": args.alert, "runbook": runbook.id,
                          "path": runbook.origin.display_path, "url": url}))
    else:
        print(f"{runbook.origin.display_path}\t{url}\t{runbook.title}")
    return EXIT_CLEAN
