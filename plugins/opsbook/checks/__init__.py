"""opsbook's checks: pure functions from the content model to diagnostics.

One module per rule family; none of them reads files or imports MkDocs. :func:`run_checks` is
the single entry point used by the CLI, the MkDocs plugin and the PDF builder.
"""

from __future__ import annotations

from collections.abc import Iterable

from opsbook.checks import (
    code,
    contacts,
    load,
    macros,
    ownership,
    runbooks,
    severity,
    suppressions,
    text,
)
from opsbook.checks.rule import Rule
from opsbook.diagnostics import Diagnostic, sort_diagnostics
from opsbook.model.project import Project

ALL_RULES: tuple[Rule, ...] = (
    *load.RULES,
    *contacts.RULES,
    *severity.RULES,
    *runbooks.RULES,
    *ownership.RULES,
    *macros.RULES,
    *text.RULES,
    *code.RULES,
    *suppressions.RULES,
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_ID", "Rule", "rule_matches", "run_checks"]


def rule_matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """`OB1` selects the contacts family, `OB101` one rule, `ALL` everything."""
    return any(
        pattern.upper() == "ALL" or rule_id.startswith(pattern.upper()) for pattern in patterns
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
    found.extend(load.check_load(project, RULES_BY_ID))
    found.extend(text.check_text(project))
    found.extend(contacts.check_contacts(project))
    found.extend(severity.check_severity(project))
    found.extend(runbooks.check_runbooks(project))
    found.extend(ownership.check_ownership(project))
    found.extend(macros.check_macros(project))
    # Only this family starts a process: skip it when the selection excludes it.
    wanted = not select or rule_matches(code.SHELL_SYNTAX.id, select)
    if wanted and not rule_matches(code.SHELL_SYNTAX.id, ignore):
        found.extend(code.check_code(project))
    found = suppressions.apply_suppressions(found, project.documents, report_unused=True)
    kept = [
        diagnostic
        for diagnostic in found
        if (not select or rule_matches(diagnostic.rule, select))
        and not rule_matches(diagnostic.rule, ignore)
    ]
    return sort_diagnostics(kept)
