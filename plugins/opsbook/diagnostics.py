"""The one thing every check produces: a diagnostic pinned to a file, line and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    def fails(self, fail_on: Level) -> bool:
        """Whether a finding of this level fails a build or `opsbook check` whose `fail_on`
        option is ``fail_on``. Warnings (an overdue review) never block by default: a stale
        runbook is better than no handbook during an outage."""
        return self is Level.ERROR or fail_on is Level.WARNING


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    column: int = 1


@dataclass(frozen=True)
class Related:
    """Another place that explains a diagnostic (e.g. the other half of a contradiction)."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    rule: str
    level: Level
    message: str
    hint: str
    related: tuple[Related, ...] = field(default=())

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.level.value,
            "message": self.message,
            "hint": self.hint,
        }
        if self.related:
            data["related"] = [
                {"path": r.path, "line": r.line, "message": r.message} for r in self.related
            ]
        return data


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Deterministic order: path, line, column, rule; duplicates removed."""
    unique = {(d.sort_key, d.level, d.hint): d for d in diagnostics}
    return sorted(unique.values(), key=lambda d: d.sort_key)
