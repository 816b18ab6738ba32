"""One Markdown file, loaded: decoded text, frontmatter with positions, body blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from opsbook.diagnostics import Position
from opsbook.load.frontmatter import Frontmatter, ValuePath, parse_frontmatter
from opsbook.load.markdown import Block, scan_blocks
from opsbook.load.problems import LoadProblem
from opsbook.load.text import decode_source


@dataclass
class Document:
    """A loaded file. ``path`` is where it lives; ``display_path`` is what diagnostics print
    (relative to the working directory when possible)."""

    path: Path
    display_path: str
    text: str | None
    frontmatter: Frontmatter = field(default_factory=lambda: Frontmatter(None))
    problems: list[LoadProblem] = field(default_factory=list)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text is not None else []

    @property
    def data(self) -> dict[str, Any] | None:
        return self.frontmatter.data

    @property
    def body_start(self) -> int:
        return self.frontmatter.body_start

    @cached_property
    def blocks(self) -> list[Block]:
        if self.text is None:
            return []
        start = self.frontmatter.body_start
        return scan_blocks(self.lines[start - 1 :], first_line=start)

    @property
    def kind(self) -> str | None:
        data = self.frontmatter.data
        if data is None:
            return None
        kind = data.get("kind")
        return kind if isinstance(kind, str) else None

    def position(self, path: ValuePath) -> Position:
        """Where a frontmatter value is; falls back to its nearest located parent."""
        positions = self.frontmatter.positions
        probe = path
        while probe:
            found = positions.get(probe)
            if found:
                return found
            probe = probe[:-1]
        return positions.get((), Position(1, 1))

    def key_position(self, path: ValuePath) -> Position:
        return self.frontmatter.key_positions.get(path) or self.position(path)


def display_path_for(path: Path, base: Path | None = None) -> str:
    """Path relative to ``base`` (default: the working directory) when below it, POSIX style."""
    base = base or Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_document(path: Path, display_path: str | None = None) -> Document:
    """Read and parse one file. Never raises for bad content: problems are recorded."""
    shown = display_path or display_path_for(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        return Document(
            path,
            shown,
            None,
            problems=[
                LoadProblem(
                    "OB001",
                    1,
                    1,
                    f"cannot read file: {reason}",
                    "check the file exists, is a regular file and is readable",
                )
            ],
        )
    return parse_document(path, shown, data)


def parse_document(path: Path, display_path: str, data: bytes) -> Document:
    decoded = decode_source(data)
    if decoded.text is None:
        return Document(path, display_path, None, problems=decoded.problems)
    frontmatter = parse_frontmatter(decoded.text)
    return Document(
        path,
        display_path,
        decoded.text,
        frontmatter=frontmatter,
        problems=decoded.problems + frontmatter.problems,
    )
