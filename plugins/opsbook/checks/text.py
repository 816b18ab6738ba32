"""OB5xx: text damage — mojibake, byte order marks, mixed line endings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opsbook.checks.rule import Family, Rule
from opsbook.diagnostics import Diagnostic, Level, Position
from opsbook.model.project import Project

MOJIBAKE = Rule(
    "OB501", "mojibake", Level.ERROR,
    "Text was UTF-8 decoded as Latin-1/Windows-1252 somewhere (e.g. `âš ï¸` for ⚠️).",
    "Double-encoded characters make warnings unreadable and break search; they usually mean "
    "the file went through a tool with the wrong encoding.",
    (
        '# Database failover\n'
        '\n'
        'âš\xa0ï¸\x8f **Action required** before you start.\n'
    ),
    (
        '# Database failover\n'
        '\n'
        '⚠️ **Action required** before you start.\n'
    ),
    "run `opsbook check --fix` to re-decode it in place (only the damaged characters change), "
    "or retype the characters",
    example_path='handbook.md',
)
BOM = Rule(
    "OB502", "byte-order-mark", Level.WARNING,
    "A file starts with a UTF-8 byte order mark.",
    "A BOM before `---` hides the frontmatter from MkDocs; opsbook strips it, other tools "
    "may not.",
    (
        '\ufeff# Database failover\n'
        '\n'
        'Call the database team.\n'
    ),
    (
        '# Database failover\n'
        '\n'
        'Call the database team.\n'
    ),
    "save the file as UTF-8 without BOM",
    example_path='handbook.md',
)
LINE_ENDINGS = Rule(
    "OB503", "mixed-line-endings", Level.WARNING,
    "A file mixes CRLF with LF or CR line endings.",
    "Mixed endings make diffs noisy and can break fenced blocks in some renderers.",
    (
        '# Database failover\r\n'
        '\r\n'
        'Call the database team.\n'
        'Then wait.\n'
    ),
    (
        '# Database failover\n'
        '\n'
        'Call the database team.\n'
        'Then wait.\n'
    ),
    "normalise line endings (.gitattributes: `*.md text eol=lf`)",
    example_path='handbook.md',
)

RULES = (MOJIBAKE, BOM, LINE_ENDINGS)

# UTF-8 lead bytes seen through cp1252/latin-1: Ã, Â, â followed by cp1252 punctuation, ð + Ÿ.
# Mac Roman: ‚Ä, ‚ú (E2 80.., E2 9C..) and üö (F0 9F ..).
MOJIBAKE_SEQUENCE = re.compile(
    r"(?:â[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|[ÃÂ][\u0080-\u00bf]|ðŸ|ï¸|‚[ÄúÜ]|üö)"
)


def check_text(project: Project) -> Iterator[Diagnostic]:
    for document in project.documents:
        text = document.text
        # Every mojibake sequence holds a non-ASCII character: most files need no search.
        if text is None or text.isascii() or not MOJIBAKE_SEQUENCE.search(text):
            continue
        for number, line in enumerate(document.lines, start=1):
            match = MOJIBAKE_SEQUENCE.search(line)
            if match:
                end = min(len(line), match.start() + 8)
                yield MOJIBAKE.at(
                    document.display_path, Position(number, match.start() + 1),
                    f"double-encoded UTF-8 (mojibake): {line[match.start():end]!r}",
                )


FAMILY = Family("OB5", "Text", RULES, check_text)
