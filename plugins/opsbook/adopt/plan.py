"""Files to write, checked as a whole before anything touches the disk."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from opsbook.settings import ConfigError


class Refused(ConfigError):
    """The plan would overwrite a file that --force does not name (exit 2, nothing written)."""


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the target directory, with forward slashes
    text: str
    what: str  # one line for the summary: "severity matrix", "adds the opsbook plugin"
    edit: bool = False  # True: an existing file changed in place (only ever by insertion)


def render_template(name: str, values: dict[str, str]) -> str:
    """A packaged template with its ``@@key@@`` fields filled in. The markers cannot clash with
    what the files themselves hold: Jinja-like macro calls in pages and ``${{ }}`` in
    workflows."""
    text = resources.files("opsbook.adopt").joinpath(f"templates/{name}").read_text("utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        start = text.index("@@")
        raise AssertionError(f"template {name}: unfilled field {text[start:start + 30]!r}")
    return text


def conflicts(root: Path, plan: Iterable[PlannedFile], force: Iterable[str]) -> list[str]:
    """Planned files that exist and are neither edits nor named by --force."""
    forced = {normalise(path) for path in force}
    found = []
    for planned in plan:
        target = root / planned.path
        if planned.edit or not (target.exists() or target.is_symlink()):
            continue
        if planned.path not in forced:
            found.append(planned.path)
    return found


def normalise(path: str) -> str:
    return Path(os.path.normpath(path)).as_posix()


def write_plan(root: Path, plan: Iterable[PlannedFile]) -> None:
    """Write each file whole (temporary file, then rename): an interrupted run leaves no file
    half-written."""
    for planned in plan:
        target = root / planned.path
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                                 dir=target.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                handle.write(planned.text)
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def describe(root: Path, plan: Iterable[PlannedFile], *, diff: bool) -> str:
    """What a run writes (or, with ``diff``, would write: edits shown as a unified diff)."""
    lines = []
    for planned in plan:
        target = root / planned.path
        verb = "edit" if planned.edit else ("replace" if target.exists() else "create")
        lines.append(f"{verb:<8} {planned.path}  ({planned.what})")
        if diff and planned.edit:
            before = target.read_text(encoding="utf-8").splitlines(keepends=True)
            after = planned.text.splitlines(keepends=True)
            lines.extend(line.rstrip("\r\n") for line in difflib.unified_diff(
                before, after, f"a/{planned.path}", f"b/{planned.path}"))
    return "\n".join(lines) + "\n"
