"""Problems found while loading a file. The load rule family (checks/load.py) turns them into
diagnostics; the loader itself only records what it saw."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoadProblem:
    rule: str  # OB0xx / OB5xx rule id
    line: int
    column: int
    message: str
    hint: str = ""
