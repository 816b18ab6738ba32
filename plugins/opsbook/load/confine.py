"""Nothing from outside the project: what a handbook's files may not reach.

A handbook is published from one repository. A file or folder under ``docs/`` or
``runbooks/`` that is a symbolic link to somewhere outside the project root, or a snippet
include (``pymdownx.snippets``: ``--8<-- "path"``) naming an absolute path, a ``../`` path or a
URL, would put text from elsewhere on the build machine (a key file, another checkout, a host's
``/etc``) into the site, its search index and the PDFs. The loader refuses to read such links
(:func:`outside_target`), the checks report both (OB010), and the MkDocs plugin leaves them out
of every build, strict or not.

Pure path logic and a directory walk; no MkDocs import.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from opsbook.load.problems import LoadProblem

OUTSIDE_RULE = "OB010"


def outside_target(path: Path, root: Path) -> Path | None:
    """Where ``path`` really is, when that is outside ``root``; None when it is inside (or
    cannot be resolved: a symlink loop is reported as unreadable by the loader). Asked for
    every file of a site: one system call for a file in an already seen folder."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        text = os.path.abspath(text)
    folder, name = os.path.split(text)
    try:
        real_root = _real_folder(os.fspath(root) if root.is_absolute() else os.path.abspath(root))
        real = os.path.realpath(text) if os.path.islink(text) else os.path.join(
            _real_folder(folder), name)
    except (OSError, RuntimeError):
        return None
    if real.startswith(real_root) and (
        len(real) == len(real_root) or real[len(real_root)] == os.sep or real_root == os.sep
    ):
        return None
    return Path(real)


@lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    """``os.path.realpath`` of a folder, remembered for one load (see
    :func:`forget_real_folders`): the files of a site share a few hundred folders."""
    return os.path.realpath(folder)


def forget_real_folders() -> None:
    _real_folder.cache_clear()


def outside_problem(path: Path, target: Path) -> LoadProblem:
    what = "a folder" if target.is_dir() else "a file"
    return LoadProblem(
        OUTSIDE_RULE, 1, 1,
        f"links to {what} outside the project ({target}): not read, and left out of the "
        "site, its search index and the PDFs",
        "copy what the handbook needs into the project, or link to something inside it",
    )


def escaping_links(directory: Path, root: Path) -> list[Path]:
    """Symbolic links below ``directory`` (to files or folders, none followed) whose target is
    outside ``root``; hidden entries are skipped, as the site skips them."""
    found: list[Path] = []
    pending = [directory]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                if outside_target(Path(entry.path), root) is not None:
                    found.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
    return sorted(found)


def below_any(folders: tuple[str, ...]) -> Callable[[str], bool]:
    """A test whether a path (absolute, normalised) is one of ``folders`` or inside one."""
    exact = frozenset(folders)
    prefixes = tuple(folder.rstrip(os.sep) + os.sep for folder in folders)
    return lambda path: path in exact or path.startswith(prefixes)


def leaves_through_links(source: str, root: Path, folders: dict[str, bool]) -> bool:
    """Whether the file at ``source`` (absolute, normalised) is outside ``root`` once links are
    followed; ``folders`` remembers the answer for each folder across calls."""
    folder = os.path.dirname(source)
    inside = folders.get(folder)
    if inside is None:
        inside = folders[folder] = outside_target(Path(folder), root) is None
    return not inside or (os.path.islink(source) and outside_target(Path(source), root) is not None)


# -- snippet includes ----------------------------------------------------------------------

# pymdownx.snippets' own line syntax: an include line (`--8<-- "file"`), or a block marker
# (`--8<--` alone) around lines that each name a file; a leading `;` escapes the line.
_SNIPPET_LINE = re.compile(
    r"""^(?P<space>[ \t]*)(?P<escape>;*)(?:
        -+8<-+[ \t]+(?P<quoted>"(?:\\"|[^"\n\r])+?"|'(?:\\'|[^'\n\r])+?')(?![ \t])
        |(?P<block>-+8<-+)(?![ \t])
    )\r?$""",
    re.X,
)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
# A line range (`file.md:3:5`) or a section (`file.md:intro`) after the file name.
_SUFFIX = re.compile(r"(?i)(?:(?::-?[0-9]*){1,2}(?:,-?[0-9]*(?::-?[0-9]*)?)*|:[a-z][-_0-9a-z]*)$")


@dataclass(frozen=True)
class Include:
    line: int  # 1-based, in the lines given
    column: int
    path: str  # as written, without quotes, line range or section


def snippet_includes(lines: list[str]) -> Iterator[Include]:
    """Every file a snippet include line names, in order (escaped lines are not includes)."""
    block = False
    for number, line in enumerate(lines, start=1):
        if "8<-" in line:
            match = _SNIPPET_LINE.match(line)
            if match is not None:
                if match.group("escape"):
                    continue
                if match.group("block"):
                    block = not block
                    continue
                if not block:
                    quoted = match.group("quoted")
                    column = match.start("quoted") + 2
                    yield Include(number, column, _file_part(quoted[1:-1].strip()))
                continue
        if block and line.strip():
            column = len(line) - len(line.lstrip()) + 1
            yield Include(number, column, _file_part(line.strip()))


def _file_part(path: str) -> str:
    if _URL.match(path):
        return path
    return _SUFFIX.sub("", path) or path


def include_leaves_project(path: str) -> bool:
    """Whether an include names something outside the project whatever the base path: an
    absolute path, a home-relative one, one that climbs with ``..``, or a URL."""
    if _URL.match(path) or path.startswith(("~", "/", "\\")):
        return True
    windows = PureWindowsPath(path)
    if windows.drive or windows.root:
        return True
    return ".." in PurePosixPath(path.replace("\\", "/")).parts


def refused_includes(lines: list[str]) -> list[Include]:
    return [include for include in snippet_includes(lines)
            if include_leaves_project(include.path)]


REFUSED_NOTICE = (
    "**opsbook:** a snippet include naming a file outside the project was left out (OB010)."
)


def strip_refused_includes(markdown: str) -> tuple[str, int]:
    """``markdown`` with every include of a file outside the project removed (an include line
    becomes a notice, a path in an include block a blank line), and how many were removed."""
    if "8<-" not in markdown:
        return markdown, 0
    lines = markdown.split("\n")
    refused = refused_includes(lines)
    for include in refused:
        line = lines[include.line - 1]
        single = _SNIPPET_LINE.match(line)
        lines[include.line - 1] = REFUSED_NOTICE if single is not None else ""
    return "\n".join(lines), len(refused)
