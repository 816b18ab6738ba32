"""Where a model object came from, so every check can point at the exact line."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.diagnostics import Position
from opsbook.load.document import Document
from opsbook.load.frontmatter import ValuePath


@dataclass(frozen=True)
class Origin:
    document: Document
    path: ValuePath = ()

    @property
    def display_path(self) -> str:
        return self.document.display_path

    def at(self, *keys: str | int) -> Position:
        """Position of a field (or list item) below this object."""
        return self.document.position((*self.path, *keys))

    def child(self, *keys: str | int) -> Origin:
        return Origin(self.document, (*self.path, *keys))
