"""OB4xx: macro calls in pages that the site cannot expand.

The call sites are found by :func:`opsbook.model.macros.find_macro_calls`, the same function the
MkDocs plugin uses to expand them, so a call this check accepts is one the site renders.
"""

from __future__ import annotations

from collections.abc import Iterator

from opsbook.checks.rule import Family, Input, Rule
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.model.macros import MACROS, argument_problems, find_macro_calls, known_ids
from opsbook.model.project import Project

UNKNOWN_MACRO = Rule(
    "OB401", "unknown-macro", Level.ERROR,
    "A line calls a macro that opsbook does not have.",
    "Page text is never run as a template: a call opsbook cannot expand is shown literally, "
    "so the reader sees `{{ ... }}` where a table of names and numbers should be.",
    (
        '# On call\n'
        '\n'
        '{{ escalation_table("payments") }}\n'
    ),
    (
        '# On call\n'
        '\n'
        '{{ escalation_ladder("payments") }}\n'
    ),
    "use one of: " + ", ".join(spec.signature for spec in MACROS.values())
    + " (or put the line in a code block to show it literally)",
    example_path='docs/oncall.md',
)
UNKNOWN_ARGUMENT = Rule(
    "OB402", "unknown-macro-argument", Level.ERROR,
    "A macro names a person, team, vendor or service that is not in the handbook, or its "
    "arguments are not quoted text or not as many as it takes.",
    "The rendered card or ladder would be empty exactly where someone looks for who to call.",
    (
        '# On call\n'
        '\n'
        '{{ escalation_ladder("paymnets") }}\n'
    ),
    (
        '# On call\n'
        '\n'
        '{{ escalation_ladder("payments") }}\n'
    ),
    "use an id from the contacts file (or a service a team or runbook names)",
    reads=frozenset({Input.CONTACTS, Input.RUNBOOK}),  # runbooks also define services
    example_path='docs/oncall.md',
)

RULES = (UNKNOWN_MACRO, UNKNOWN_ARGUMENT)


def check_macros(project: Project) -> Iterator[Diagnostic]:
    if not project.config.site:
        return  # loose Markdown is not rendered by opsbook, so there is nothing to expand
    known = None
    for document in project.documents:
        if document.text is None or "{{" not in document.text:
            continue
        start = document.body_start
        for call in find_macro_calls(document.lines[start - 1 :], first_line=start):
            position = Position(call.line, call.column)
            if call.problem is not None:
                if call.unknown_name or call.spec is None:
                    yield UNKNOWN_MACRO.at(document.display_path, position, call.problem)
                else:
                    yield UNKNOWN_ARGUMENT.at(document.display_path, position, call.problem,
                                              f"write it as `{call.spec.example}`")
                continue
            known = known or known_ids(project)
            for problem in argument_problems(call, known):
                yield UNKNOWN_ARGUMENT.at(document.display_path, position, problem)


FAMILY = Family("OB4", "Macros", RULES, check_macros)
