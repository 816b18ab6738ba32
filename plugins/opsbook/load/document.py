"""One Markdown file, loaded: decoded text, frontmatter with positions, body blocks."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from opsbook.diagnostics import Position
from opsbook.load.confine import forget_real_folders, outside_problem, outside_target
from opsbook.load.frontmatter import Frontmatter, ValuePath, parse_frontmatter
from opsbook.load.markdown import Block, scan_blocks
from opsbook.load.problems import LoadProblem
from opsbook.load.text import MAX_FILE_BYTES, decode_source, oversize_problem


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
        # Split here rather than through ``lines``: few documents need their lines kept, and
        # caching them for every file was a fifth of the memory of a large check.
        return scan_blocks(self.text.split("\n")[start - 1 :], first_line=start)

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


@lru_cache(maxsize=4096)
def resolved_folder(folder: Path) -> Path:
    """``folder.resolve()`` for an absolute ``folder``, remembered: the thousands of files of a
    handbook live in a few folders, and resolving costs a system call per path component.
    :func:`forget_resolved_folders` starts afresh (every load does)."""
    return folder.resolve()


def forget_resolved_folders() -> None:
    resolved_folder.cache_clear()
    forget_real_folders()


def resolved_path(path: Path) -> Path:
    """Exactly ``path.resolve()`` (same result, same exceptions), with the folders looked up
    through :func:`resolved_folder`: only the file name itself still costs a system call."""
    if path.name in ("", ".", ".."):
        return path.resolve()
    candidate = resolved_folder(path.absolute().parent) / path.name
    return candidate.resolve() if candidate.is_symlink() else candidate


def resolve_folders(path: Path) -> Path:
    """``path`` absolute, its folders resolved but not the file name itself: a symlinked page is
    reported under the name it has in the handbook (not its target's), and a dangling link or a
    symlink loop (which makes ``Path.resolve`` raise) still gets a path."""
    try:
        return resolved_folder(path.absolute().parent) / path.name
    except (OSError, RuntimeError):
        return path.absolute()


def display_path_for(path: Path, base: Path | None = None, fallback: Path | None = None) -> str:
    """Path relative to ``base`` (default: the working directory) when below it, else relative
    to ``fallback`` (e.g. the handbook root) when below that, else as given; POSIX style."""
    resolved = resolve_folders(path)
    for root in (base or Path.cwd(), fallback):
        if root is None:
            continue
        try:
            return resolved.relative_to(resolved_folder(root.absolute())).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def load_document(
    path: Path, display_path: str | None = None, root: Path | None = None
) -> Document:
    """Read and parse one file. Never raises for bad content: problems are recorded. With
    ``root`` (a site's project root), a link to something outside it is not read at all."""
    shown = display_path or display_path_for(path)
    # Only a link can lead out: the site's folders are walked without following links, and a
    # linked folder is listed itself (see opsbook.model.project.site_files).
    if root is not None and os.path.islink(path):
        target = outside_target(path, root)
        if target is not None:
            return Document(path, shown, None, problems=[outside_problem(path, target)])
    data = read_source(path)
    if isinstance(data, LoadProblem):
        return Document(path, shown, None, problems=[data])
    return parse_document(path, shown, data)


def read_source(path: Path) -> bytes | LoadProblem:
    """The bytes of a regular file, or why they cannot be used.

    Checked before reading, and read with a cap, so that a `.md` symlink to /dev/zero, a FIFO
    (which would block forever) or a 50 MB log cannot stall the check or exhaust memory."""
    hint = "check the file exists, is a regular file and is readable"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            what = "a directory" if stat.S_ISDIR(info.st_mode) else "a device, FIFO or socket"
            return LoadProblem("OB001", 1, 1, f"cannot read file: it is {what}, not a file", hint)
        if info.st_size > MAX_FILE_BYTES:
            return oversize_problem(info.st_size)
        with path.open("rb") as handle:
            # The size stat gave, plus one byte to notice a file that grew since or reports
            # no size (/proc): asking for the cap outright allocates 5 MB per file, which
            # made reading 10,000 runbooks half again as slow. Same bytes either way.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        return LoadProblem("OB001", 1, 1, f"cannot read file: {reason}", hint)
    if len(data) > MAX_FILE_BYTES:  # grew after stat, or a size-less file such as /proc/*
        return oversize_problem(len(data))
    return data


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


def is_below(path: Path, directory: Path) -> bool:
    """Whether ``path`` lies in ``directory``, folders resolved: a symlinked folder counts where
    it points, while the file name itself is kept (a symlinked page is matched by its name)."""
    try:
        resolve_folders(path).relative_to(resolved_folder(directory.absolute()))
    except ValueError:
        return False
    return True
