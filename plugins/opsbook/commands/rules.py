"""`opsbook rules` lists every rule; `opsbook rule ID` explains one (like `ruff rule`)."""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

from opsbook.commands.common import EXIT_CLEAN, Subcommands, UsageError

if TYPE_CHECKING:
    from opsbook.checks.rule import Rule


def register(subcommands: Subcommands) -> None:
    listing = subcommands.add_parser("rules", help="list every rule")
    listing.set_defaults(handler=run_list)
    one = subcommands.add_parser(
        "rule", help="explain one rule: what it finds, why, a bad and a good example, the fix")
    one.add_argument("id", metavar="ID", help="a rule id (OB110) or name (placeholder-contact-"
                     "in-text)")
    one.set_defaults(handler=run_explain)


def run_list(args: argparse.Namespace) -> int:
    from opsbook.checks import ALL_RULES

    for rule in ALL_RULES:
        print(f"{rule.id}  {rule.level.value:<7}  {rule.name:<32} {rule.summary}")
    return EXIT_CLEAN


def run_explain(args: argparse.Namespace) -> int:
    from opsbook.checks import ALL_RULES, family_title

    wanted = args.id.strip()
    rule = next((r for r in ALL_RULES if wanted.upper() == r.id or wanted == r.name), None)
    if rule is None:
        import difflib

        names = [r.id for r in ALL_RULES] + [r.name for r in ALL_RULES]
        # An id typed short (OB11) means a rule it begins; otherwise the nearest spelling.
        close = [r.id for r in ALL_RULES if r.id.startswith(wanted.upper())][:1] \
            or difflib.get_close_matches(wanted, names, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else "; `opsbook rules` lists them"
        raise UsageError(f"no rule {wanted!r}{hint}")
    print(explain(rule, family_title(rule)))
    return EXIT_CLEAN


def _block(text: str) -> str:
    return textwrap.indent(text.rstrip("\n"), "    ")


def explain(rule: Rule, family: str) -> str:
    """The rule as a terminal page, in the order of its catalogue entry on the site."""
    from opsbook.checks.examples import example_caption

    return "\n".join([
        f"{rule.name} ({rule.id})",
        "",
        f"Family: {family}; level: {rule.level.value}.",
        "",
        "## What it does",
        rule.summary,
        "",
        "## Why is this bad?",
        textwrap.fill(rule.why, 88),
        "",
        f"## Example ({example_caption(rule)})",
        _block(rule.bad),
        "",
        "Use instead:",
        _block(rule.good),
        "",
        "## Fix",
        rule.fix,
    ])
