"""Which version of the handbook a printed copy shows: git revision and local changes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Revision:
    sha: str | None  # short commit id; None outside a git checkout
    dirty: bool = False  # uncommitted or untracked changes when printed

    @property
    def label(self) -> str:
        if self.sha is None:
            return "unknown (not a git checkout)"
        if self.dirty:
            return f"{self.sha} with uncommitted changes"
        return f"{self.sha}, no local changes"

    @property
    def short_label(self) -> str:
        if self.sha is None:
            return "unknown"
        return f"{self.sha}+dirty" if self.dirty else self.sha


def _git(root: Path, *arguments: str) -> str | None:
    # Optional locks off: a print run must never take the index lock of a shared checkout.
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *arguments],
            capture_output=True, text=True, timeout=20, env=environment, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def git_revision(root: Path) -> Revision:
    """The checkout's HEAD and whether the working tree differs from it."""
    head = _git(root, "rev-parse", "--short=10", "HEAD")
    if head is None or not head.strip():
        return Revision(None)
    status = _git(root, "status", "--porcelain")
    return Revision(head.strip(), dirty=bool(status and status.strip()))
