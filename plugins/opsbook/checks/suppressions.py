"""`<!-- opsbook: disable OB105 -->` (next line) and `<!-- opsbook: disable-file OB105 -->`.

A suppression that suppresses nothing is itself reported (OB901), so they do not outlive the
problem they excused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from opsbook.checks.rule import ALL_INPUTS, Family, Rule
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.load.document import Document

UNUSED_SUPPRESSION = Rule(
    "OB901", "unused-suppression", Level.WARNING,
    "A `disable` comment suppresses nothing.",
    "Suppressions outlive the problem they excused and then hide the next one.",
    (
        '# On call\n'
        '\n'
        '<!-- opsbook: disable OB110 -->\n'
        'Phone: +1 202-555-0100\n'
    ),
    (
        '# On call\n'
        '\n'
        'Phone: +1 202-555-0100\n'
    ),
    "remove the comment",
    reads=ALL_INPUTS,  # a suppression turns unused when the finding it hid goes away
    example_path='handbook.md',
)

RULES = (UNUSED_SUPPRESSION,)

_DIRECTIVE = re.compile(r"<!--\s*opsbook:\s*(disable-file|disable)\s+([A-Z0-9,\s]+?)\s*-->")


@dataclass
class Suppression:
    path: str
    line: int  # the comment's line
    rules: tuple[str, ...]
    whole_file: bool
    used: set[str]


def find_suppressions(document: Document) -> list[Suppression]:
    text = document.text
    if text is None or "opsbook:" not in text:
        return []
    found = []
    for number, line in enumerate(document.lines, start=1):
        for match in _DIRECTIVE.finditer(line):
            rules = tuple(rule for rule in re.split(r"[,\s]+", match.group(2)) if rule)
            found.append(
                Suppression(document.display_path, number, rules,
                            match.group(1) == "disable-file", set())
            )
    return found


def apply_suppressions(
    diagnostics: Iterable[Diagnostic], documents: Iterable[Document], report_unused: bool
) -> list[Diagnostic]:
    by_path: dict[str, list[Suppression]] = {}
    for document in documents:
        suppressions = find_suppressions(document)
        if suppressions:
            by_path[document.display_path] = suppressions
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        suppressed = False
        for suppression in by_path.get(diagnostic.path, ()):
            if diagnostic.rule not in suppression.rules:
                continue
            if suppression.whole_file or diagnostic.line in (suppression.line,
                                                             suppression.line + 1):
                suppression.used.add(diagnostic.rule)
                suppressed = True
        if not suppressed:
            kept.append(diagnostic)
    if report_unused:
        for suppressions in by_path.values():
            for suppression in suppressions:
                for rule in suppression.rules:
                    if rule not in suppression.used:
                        kept.append(UNUSED_SUPPRESSION.at(
                            suppression.path, Position(suppression.line, 1),
                            f"suppression of {rule} suppresses nothing",
                        ))
    return kept


FAMILY = Family("OB9", "Suppressions", RULES, None)
