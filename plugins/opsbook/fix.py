"""Repair of the text damage OB501 finds: UTF-8 read as Windows-1252 or Mac Roman.

Only the spans OB501 would report are touched: a run of non-ASCII characters holding a
mojibake sequence is re-decoded with ftfy, and the file's other bytes (line endings, a byte
order mark, any text around) are written back exactly as they were read.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # registers the sloppy-windows-1252 codec used below

from opsbook.checks.text import MOJIBAKE, MOJIBAKE_SEQUENCE
from opsbook.run import CheckRun

# A span to repair: the mojibake sequence and the non-ASCII characters around it. (A space
# belongs to it only between two non-ASCII characters: "âš ï¸" lost its no-break space.)
_SPAN = re.compile(r"[^\x00-\x7f](?:[^\x00-\x7f]| (?=[^\x00-\x7f]))*")
# Bytes Windows-1252 leaves undefined: a tool that read UTF-8 as cp1252 dropped them, so the
# UTF-8 sequence they ended is short by one byte (⚠️ = E2 9A A0 EF B8 8F became "âš ï¸").
_DROPPED = (b"\x8f", b"\x81", b"\x8d", b"\x90", b"\x9d")


@dataclass(frozen=True)
class Change:
    line: int
    before: str
    after: str


def _redecode(span: str) -> str | None:
    """The text ``span`` was before the wrong decoding, or None when no decoding explains it."""
    fixed = ftfy.fix_encoding(span)
    if fixed != span and not MOJIBAKE_SEQUENCE.search(fixed):
        return fixed
    for codec in ("sloppy-windows-1252", "mac_roman"):
        try:
            # A no-break space (byte A0) often became a plain space on the way.
            data = span.encode(codec) if codec == "mac_roman" else (
                span.replace(" ", "\xa0").encode(codec))
        except UnicodeEncodeError:
            continue
        text = _restore_dropped(data) if codec != "mac_roman" else _utf8(data)
        if text is not None and not MOJIBAKE_SEQUENCE.search(text):
            return text
    return None


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


# Where a dropped byte leaves a choice, the completions real text holds by far most often:
# the closing quote ” (E2 80 9D), the emoji presentation selector (EF B8 8F), ┐ (E2 94 90) of
# drawn boxes and the cross mark ❌ (E2 9D 8C) of do/don't lists.
_LIKELY = ("\u201d", "\ufe0f", "\u2510", "\u274c")


def _restore_dropped(data: bytes) -> str | None:
    """``data`` decoded as UTF-8 once each sequence cut short by a dropped byte is completed."""
    for _ in range(len(data)):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            start = error.start
            lead = data[start]
            size = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            present = 1
            while present < size and start + present < len(data) and \
                    0x80 <= data[start + present] <= 0xBF:
                present += 1
            if present == size or lead < 0xC2:
                return None  # not a sequence one byte short
            options = []
            # The dropped byte may have been any of the sequence's continuation bytes.
            for at in range(start + 1, start + present + 1):
                for byte in _DROPPED:
                    candidate = data[:at] + byte + data[at:]
                    char = _utf8(candidate[start:start + size])
                    if char is not None and unicodedata.category(char) not in ("Cn", "Co", "Cc"):
                        options.append((char not in _LIKELY, candidate))
            if not options:
                return None
            data = min(options, key=lambda option: option[0])[1]
    return None


def fix_text(text: str) -> tuple[str, list[Change]]:
    """``text`` with every mojibake span re-decoded, and what changed (1-based lines)."""
    pattern = MOJIBAKE_SEQUENCE
    if text.isascii() or not pattern.search(text):
        return text, []
    changes: list[Change] = []
    out: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not pattern.search(line):
            out.append(line)
            continue
        pieces: list[str] = []
        last = 0
        for span in _SPAN.finditer(line):
            if not pattern.search(span.group(0)):
                continue
            repaired = _redecode(span.group(0))
            if repaired is None:
                continue
            pieces.append(line[last:span.start()])
            pieces.append(repaired)
            last = span.end()
            changes.append(Change(number, span.group(0), repaired))
        pieces.append(line[last:])
        out.append("".join(pieces))
    return "\n".join(out), changes


@dataclass(frozen=True)
class FileFix:
    path: Path
    changes: tuple[Change, ...] = ()
    error: str | None = None  # why the repaired file could not be written


def fix_file(path: Path) -> FileFix:
    """Repair ``path`` in place. A file that is not UTF-8 is left alone (OB002 says so); the
    repaired text replaces the file in one rename, with the file's permissions (through a
    symlink: the file it points to)."""
    path = path.resolve()
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return FileFix(path)
    fixed, changes = fix_text(text)
    if not changes:
        return FileFix(path)
    try:
        mode = path.stat().st_mode & 0o7777
        handle, scratch = tempfile.mkstemp(prefix=".opsbook-fix-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(fixed.encode("utf-8"))
            os.chmod(scratch, mode)
            os.replace(scratch, path)
        except BaseException:
            os.unlink(scratch)
            raise
    except OSError as error:
        return FileFix(path, tuple(changes), error.strerror or str(error))
    return FileFix(path, tuple(changes))


def fix_findings(run: CheckRun, config_file: Path | None) -> bool:
    """Repair the files of ``run``'s OB501 findings; say on stderr what changed and what could
    not be written. True when a file changed (the caller checks again)."""
    where: dict[str, Path] = {
        document.display_path: document.path
        for project in run.projects for document in project.documents
    }
    shown = sorted({d.path for d in run.diagnostics if d.rule == MOJIBAKE.id})
    changed = False
    for display in shown:
        path = where.get(display) or Path(display)
        if not path.exists() and config_file is not None:
            path = config_file.parent / display
        result = fix_file(path)
        for change in result.changes:
            if result.error is None:
                print(f"{display}:{change.line}: fixed {MOJIBAKE.id}: {change.before!r} → "
                      f"{change.after!r}", file=sys.stderr)
        if result.error is not None:
            line = result.changes[0].line if result.changes else 1
            print(f"{display}:{line}:1: {MOJIBAKE.id} error: could not write the repaired file "
                  f"({result.error}) — make it writable and run `opsbook check --fix` again",
                  file=sys.stderr)
        changed = changed or (bool(result.changes) and result.error is None)
    return changed
