"""What a rule is, and what a rule family is.

Every rule is declared once, in its family's module, with everything the rest of opsbook needs
to know about it: the text its catalogue page, `opsbook rule ID` and SARIF show, and which other
files its verdict depends on (so `--changed-since` and the narrow check know what to re-check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from opsbook.diagnostics import Diagnostic, Level, Position, Related

if TYPE_CHECKING:
    from opsbook.model.project import Project


class Input(StrEnum):
    """A kind of file whose content can change a rule's verdict on *another* file."""

    CONTACTS = "contacts"
    MATRIX = "severity-matrix"
    RUNBOOK = "runbook"
    CODEOWNERS = "codeowners"
    ROTATIONS = "rotations"
    ALERT_RULES = "alert-rules"  # the Prometheus rule files of the `alert_rules` option


ALL_INPUTS: frozenset[Input] = frozenset(Input)


@dataclass(frozen=True)
class Rule:
    id: str  # stable: OB101
    name: str  # kebab-case: placeholder-contact-field
    level: Level
    summary: str  # one line, shown in SARIF and the catalogue
    why: str  # why is this bad?
    bad: str  # example that triggers the rule
    good: str  # the fixed example
    fix: str  # default hint
    reads: frozenset[Input] = frozenset()
    """The kinds of other files its verdict on a file reads (none: the file alone)."""
    collision: bool = False
    """It compares runbooks with each other by id or alert name: the other half of a finding
    mentions the same name, so a check narrowed to the files that mention it stays exact."""
    example_path: str = "handbook.md"
    """``bad`` and ``good`` are each the whole of this file. A path with a folder
    (``docs/contacts.md``, ``runbooks/api/api-down.md``) puts it into the example handbook of
    :mod:`opsbook.checks.examples`, replacing the file of that name; a bare name is a loose
    legacy file, checked on its own. A test checks every rule's examples for real."""
    example_context: tuple[tuple[str, str], ...] = ()
    """Other files (path, text) both examples need: a second runbook, a CODEOWNERS file."""
    example_encoding: str = "utf-8"
    """How the bad example is saved (``latin-1`` shows a file that is not UTF-8)."""

    @property
    def family(self) -> str:
        return self.id[:3] + "xx"

    def at(
        self,
        path: str,
        position: Position,
        message: str,
        hint: str | None = None,
        related: tuple[Related, ...] = (),
    ) -> Diagnostic:
        return Diagnostic(
            path=path,
            line=position.line,
            column=position.column,
            rule=self.id,
            level=self.level,
            message=message,
            hint=hint or self.fix,
            related=related,
        )


Check = Callable[["Project"], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Family:
    """One module of rules: an id prefix (``OB1``), a title for the catalogue, its rules and
    the pure function that finds them. ``check`` is None for a family applied after the others
    (suppressions); ``starts_process`` marks a family that runs a program (skipped when the
    selection leaves it out, so a narrow `--select` stays cheap)."""

    prefix: str
    title: str
    rules: tuple[Rule, ...]
    check: Check | None
    starts_process: bool = False
