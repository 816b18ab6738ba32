"""Reading a legacy handbook: decoding, line endings and mojibake repair."""

from __future__ import annotations

import re
from functools import cache, partial

from opsbook.settings import ConfigError

# Bytes Windows-1252 leaves undefined: a text decoded as 1252 and saved lost them, so the UTF-8
# sequence they belonged to is one byte short ("âŒ" for ❌, E2 9D 8C with 9D gone).
# Tried in this order: 0x90 and 0x9D complete the box-drawing and dingbat characters handbooks
# use most (┐, ❌).
_DROPPED = (0x90, 0x9D, 0x8F, 0x8D, 0x81)
_CODECS = ("sloppy-windows-1252", "mac_roman")


def _acceptable(char: str) -> bool:
    """Characters UTF-8 mojibake really decodes to: accented Latin letters, punctuation and
    symbols (arrows, box drawing, check marks), emoji and their variation selector. A repair
    that would produce anything else (a run of rare letters that happens to be valid UTF-8) is
    not one."""
    code = ord(char)
    return (code < 0x80 or 0xC0 <= code <= 0x24F or 0x2000 <= code <= 0x2BFF
            or code == 0xFE0F or code >= 0x1F000)


@cache
def _run_pattern(codec: str) -> re.Pattern[str]:
    import ftfy.bad_codecs  # noqa: F401  (registers the sloppy codecs)

    chars = {bytes([byte]).decode(codec, errors="ignore") for byte in range(0x80, 0x100)}
    chars.discard("")
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]{2,}")


def _decode(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if all(_acceptable(char) for char in text) else None


def _repair_run(run: str, codec: str) -> str:
    try:
        data = run.encode(codec)
    except UnicodeEncodeError:
        return run
    repaired = _decode(data)
    if repaired is not None:
        return repaired
    if codec != "sloppy-windows-1252" or len(data) > 64:
        return run
    # A byte is missing somewhere. Several insertions can decode; the likeliest is the one made
    # of the symbols handbooks are full of (box drawing, arrows, dingbats, emoji).
    candidates = [
        candidate
        for position in range(len(data), -1, -1)
        for byte in _DROPPED
        if (candidate := _decode(data[:position] + bytes([byte]) + data[position:])) is not None
    ]
    if not candidates:
        return run
    return max(candidates, key=lambda text: sum(_common_symbol(char) for char in text))


def _common_symbol(char: str) -> bool:
    code = ord(char)
    return 0x2190 <= code <= 0x21FF or 0x2500 <= code <= 0x27BF or code >= 0x1F000 \
        or code == 0xFE0F


def _repair_match(match: re.Match[str], codec: str) -> str:
    return _repair_run(match.group(0), codec)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Windows-1252, Latin-1 or Mac Roman (``âš ï¸`` → ⚠️,
    ``‚Üí`` → →). ftfy does the general repair; what it leaves — runs it judges too short to be
    sure of, sequences missing a byte 1252 cannot hold, Mac Roman — is repaired run by run, and
    only where the bytes decode as UTF-8 to plausible characters."""
    import ftfy

    config = ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, uncurl_quotes=False,
        fix_latin_ligatures=False, fix_character_width=False, fix_line_breaks=False,
        normalization=None, explain=False,
    )
    fixed = ftfy.fix_text(text, config)
    for codec in _CODECS:
        fixed = _run_pattern(codec).sub(partial(_repair_match, codec=codec), fixed)
    return fixed


def read_legacy(path: str, data: bytes) -> str:
    """The text of a legacy file: UTF-8 (a byte order mark dropped), LF line endings, mojibake
    repaired. A file that is not text is refused with a message (exit 2)."""
    if b"\x00" in data[:8192]:
        raise ConfigError(f"{path}: a binary file, not a Markdown handbook")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {data[error.start]:#04x}); save "
                          "it as UTF-8 and import it again") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return repair_mojibake(text)
