"""A small handbook that passes every check plus one planted finding, and a byte-for-byte
snapshot of a tree: for the tests that feed opsbook bad input and prove nothing on disk moves."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from tests.support.sitekit import CONTACTS, MATRIX, MKDOCS_YML, RUNBOOK

# ---------------------------------------------------------------------------------------------
# A small handbook that passes every check, plus one planted finding (the sentinel).

SENTINEL_PATH = "docs/sentinel.md"
SENTINEL = "# Escalation\n\nPhone: +1-XXX-XXX-XXXX\n"
SENTINEL_FINDING = (SENTINEL_PATH, "OB110", 3)

BASE_FILES: dict[str, str] = {
    "mkdocs.yml": MKDOCS_YML,
    "docs/index.md": "# Home\n",
    "docs/severity.md": MATRIX,
    "docs/contacts.md": CONTACTS,
    "runbooks/api/api-down.md": RUNBOOK,
    SENTINEL_PATH: SENTINEL,
}

TODAY = "2026-11-25"


def write_handbook(root: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    """The base handbook under ``root`` with ``extra`` files added (bytes written as is)."""
    for name, content in {**BASE_FILES, **(extra or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def runbook_with(*replacements: tuple[str, str]) -> str:
    """The clean runbook with whole frontmatter lines replaced (``("title: API down", ...)``)."""
    text = RUNBOOK
    for old, new in replacements:
        assert text.count(old + "\n") == 1, old
        text = text.replace(old + "\n", new + "\n")
    return text


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


# ---------------------------------------------------------------------------------------------
# The tree, byte for byte.

Entry = tuple[str, ...]


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, Entry]:
    """Every entry below ``root`` (but the top-level names in ``skip``): kind, content hash
    (files), link target (symlinks), mode and mtime. Symlinks are recorded, not followed, so a
    loop or a link to /dev/zero is harmless."""
    entries: dict[str, Entry] = {}
    for current, folders, files in os.walk(root, followlinks=False):
        if Path(current) == root:
            folders[:] = [name for name in folders if name not in skip]
        for name in sorted(folders + files):
            path = Path(current) / name
            info = path.lstat()
            meta = (oct(stat.S_IMODE(info.st_mode)), str(info.st_mtime_ns))
            relative = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                entries[relative] = ("link", os.readlink(path), *meta)
            elif stat.S_ISREG(info.st_mode):
                entries[relative] = ("file", _hash(path), str(info.st_size), *meta)
            elif stat.S_ISDIR(info.st_mode):
                entries[relative] = ("dir", *meta)
            else:
                entries[relative] = ("other", *meta)
    return entries


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except PermissionError:
        return "unreadable"
    return digest.hexdigest()


@contextlib.contextmanager
def unchanged(root: Path, skip: tuple[str, ...] = ()) -> Iterator[None]:
    before = snapshot(root, skip)
    yield
    after = snapshot(root, skip)
    assert after == before, {
        name: (before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


# YAML whose aliases expand exponentially (a "billion laughs"): must be refused fast.
BILLION_LAUGHS = "---\n" + "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
        for i in range(8)
    ]
) + "\nkind: template\n---\n# Laughs\n"
