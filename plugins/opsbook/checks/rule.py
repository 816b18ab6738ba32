"""What a rule is. Every rule is declared once, with the text its catalogue page shows."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.diagnostics import Diagnostic, Level, Position, Related


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
