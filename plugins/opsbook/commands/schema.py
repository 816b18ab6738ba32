"""`opsbook schema [KIND]`: the JSON Schema of a kind of file, for editors."""

from __future__ import annotations

import argparse
import json

from opsbook.commands.common import EXIT_CLEAN, Subcommands, UsageError


def register(subcommands: Subcommands) -> None:
    schema = subcommands.add_parser("schema", help="JSON Schema of a kind (or all kinds)")
    schema.add_argument("kind", nargs="?")
    schema.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsbook.model.project import KIND_SPECS
    from opsbook.model.schema import json_schema

    if args.kind is None:
        schemas = {kind: json_schema(spec, kind) for kind, spec in KIND_SPECS.items()}
        print(json.dumps(schemas, indent=2))
        return EXIT_CLEAN
    spec = KIND_SPECS.get(args.kind)
    if spec is None:
        raise UsageError(f"unknown kind {args.kind!r}; kinds: {', '.join(sorted(KIND_SPECS))}")
    print(json.dumps(json_schema(spec, args.kind), indent=2))
    return EXIT_CLEAN
