"""opsbook's checks: pure functions from the content model to diagnostics.

One module per rule family; none of them reads files or imports MkDocs. Each module declares its
rules once and ends with a :class:`Family`; :data:`FAMILIES` is the registry everything else
derives from (the rule catalogue, `opsbook rule`, SARIF, `--select`, what `--changed-since`
re-checks). :func:`run_checks` is the single entry point used by the CLI, the MkDocs plugin and
the PDF builder.
"""

from __future__ import annotations

from collections.abc import Iterable

from opsbook.checks import (
    alerts,
    code,
    contacts,
    load,
    macros,
    ownership,
    rotations,
    runbooks,
    severity,
    suppressions,
    text,
)
from opsbook.checks.rule import ALL_INPUTS, Family, Input, Rule
from opsbook.diagnostics import Diagnostic, sort_diagnostics
from opsbook.model.project import Project

FAMILIES: tuple[Family, ...] = (
    load.FAMILY,
    text.FAMILY,
    contacts.FAMILY,
    severity.FAMILY,
    runbooks.FAMILY,
    ownership.FAMILY,
    macros.FAMILY,
    code.FAMILY,
    rotations.FAMILY,
    alerts.FAMILY,
    suppressions.FAMILY,  # applied last, to what the others found
)
ALL_RULES: tuple[Rule, ...] = tuple(
    sorted((rule for family in FAMILIES for rule in family.rules), key=lambda rule: rule.id)
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}

__all__ = [
    "ALL_INPUTS",
    "ALL_RULES",
    "FAMILIES",
    "RULES_BY_ID",
    "Family",
    "Input",
    "Rule",
    "family_title",
    "rule_inputs",
    "rule_matches",
    "run_checks",
]


def rule_matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """`OB1` selects the contacts family, `OB101` one rule, `ALL` everything."""
    return any(
        pattern.upper() == "ALL" or rule_id.startswith(pattern.upper()) for pattern in patterns
    )


def rule_inputs(rule_id: str) -> frozenset[Input]:
    """The kinds of other files a rule's verdict reads; an unknown id is assumed to read all
    of them (always correct, only slower)."""
    rule = RULES_BY_ID.get(rule_id)
    return rule.reads if rule is not None else ALL_INPUTS


def family_title(rule: Rule) -> str:
    for family in FAMILIES:
        if rule in family.rules:
            return family.title
    return rule.family  # pragma: no cover - every declared rule is in a family


def _wanted(family: Family, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Whether any rule of ``family`` can survive the selection (only worth asking for a family
    that starts a process)."""
    return any(
        (not select or rule_matches(rule.id, select)) and not rule_matches(rule.id, ignore)
        for rule in family.rules
    )


def run_checks(
    project: Project,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> list[Diagnostic]:
    """Every diagnostic for ``project``, suppressions applied, in a stable order."""
    select = tuple(select)
    ignore = tuple(ignore) + tuple(project.config.ignore)
    found: list[Diagnostic] = []
    for family in FAMILIES:
        if family.check is None:
            continue
        if family.starts_process and not _wanted(family, select, ignore):
            continue
        found.extend(family.check(project))
    found = suppressions.apply_suppressions(found, project.documents, report_unused=True)
    kept = [
        diagnostic
        for diagnostic in found
        if (not select or rule_matches(diagnostic.rule, select))
        and not rule_matches(diagnostic.rule, ignore)
    ]
    return sort_diagnostics(kept)
