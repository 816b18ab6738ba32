"""Statements of a severity level's times, as pages write them by hand.

Three shapes are recognised, each a small pure function over the block list:

* tables keyed by level, levels as rows (``| SEV1 | 5 minutes | 15 minutes |``) or as columns
  (``| **Response Time** | Immediate | Within 1 hour |``);
* key/value blocks (plain or fenced YAML) where a level key encloses measure keys
  (``SEV1 (Critical):`` / ``  Acknowledgment: 5 minutes``), or a measure key encloses level
  keys (``Response Time:`` / ``  SEV1: 15 minutes``).

Column and key names map to the matrix measures (acknowledge, respond, update_every,
resolve); values are normalised with :func:`parse_loose_duration`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from opsbook.load.duration import Duration, parse_loose_duration
from opsbook.load.markdown import Block, Fence, Heading, ListItem, Table, TextLine

LevelResolver = Callable[[str], str | None]
"""Maps a cell or key ("**P0 - Critical**", "SEV1 (Critical)") to a canonical level key."""


@dataclass(frozen=True)
class TimeStatement:
    level: str  # canonical level key
    measure: str  # acknowledge | respond | update_every | resolve
    value: Duration
    line: int
    written_level: str  # as written, for messages


_MEASURE_PATTERNS = (
    ("acknowledge", re.compile(r"\back(nowledge?(ment)?)?\b|\backnowledg", re.I)),
    ("update_every", re.compile(r"\b(status )?updates?\b|\bupdate (frequency|cadence|interval)"
                                r"|\bcommunication cadence\b", re.I)),
    ("resolve", re.compile(r"\bresol(ve|ution)\b|\btime to (fix|resolve|mitigate)\b", re.I)),
    ("respond", re.compile(r"\brespon(se|d|ding)\b|\bengage(ment)?\b", re.I)),
)
_NOT_A_MEASURE = re.compile(r"\b(silence|example|impact|description|who|escalat)\w*", re.I)


@lru_cache(maxsize=4096)  # pure; asked for every key and column name of every page
def measure_for(label: str) -> str | None:
    """Which matrix measure a column or key name stands for, if any."""
    text = label.strip().strip("*_:` ").strip()
    if not text or len(text) > 40 or _NOT_A_MEASURE.search(text):
        return None
    for measure, pattern in _MEASURE_PATTERNS:
        if pattern.search(text):
            return measure
    return None


_LEGACY_LEVEL = re.compile(
    r"^\W*(sev(?:erity)?|p(?:riority)?)[\s-]*([0-9])\b", re.I
)


@lru_cache(maxsize=4096)
def legacy_level(text: str) -> str | None:
    """Level key in a handbook with no matrix: SEV1, Sev 1, Severity 1 → SEV1; P0 → P0."""
    match = _LEGACY_LEVEL.match(text.strip().strip("*_` "))
    if not match:
        return None
    prefix = "SEV" if match.group(1).lower().startswith("s") else "P"
    return f"{prefix}{match.group(2)}"


def _clean(cell: str) -> str:
    return cell.replace("**", "").replace("__", "").strip().strip("`").strip()


def table_statements(table: Table, resolve_level: LevelResolver) -> list[TimeStatement]:
    statements: list[TimeStatement] = []
    header = [_clean(cell) for cell in table.header]
    measures = [measure_for(cell) for cell in header]
    row_levels = [resolve_level(_clean(cells[0])) if cells else None for _, cells in table.rows]
    if any(row_levels) and any(measures[1:]):
        for (line, cells), level in zip(table.rows, row_levels, strict=True):
            if level is None:
                continue
            for index in range(1, min(len(cells), len(measures))):
                measure = measures[index]
                value = parse_loose_duration(_clean(cells[index])) if measure else None
                if measure and value is not None:
                    statements.append(
                        TimeStatement(level, measure, value, line, _clean(cells[0]))
                    )
        return statements
    column_levels = [resolve_level(cell) for cell in header]
    if any(column_levels[1:]):
        for line, cells in table.rows:
            if not cells:
                continue
            measure = measure_for(_clean(cells[0]))
            if measure is None:
                continue
            for index in range(1, min(len(cells), len(column_levels))):
                level = column_levels[index]
                value = parse_loose_duration(_clean(cells[index])) if level else None
                if level and value is not None:
                    statements.append(TimeStatement(level, measure, value, line, header[index]))
    return statements


# The value's trailing spaces are stripped in Python: `(.*?)\s*$` and two adjacent `\s*` backtrack
# quadratically on a long run of spaces.
_KEY_LINE = re.compile(r"^(\s*)(?:[-*+]\s+)?(?:\*\*|__)?([^:*_]{1,60}?)(?:\*\*|__)?\s*+:"
                       r"(?:\*\*|__)?\s*(.*)$")


def keyed_statements(
    lines: list[tuple[int, str]], resolve_level: LevelResolver
) -> list[TimeStatement]:
    """Statements in indented key/value lines (fenced YAML, or nested lists)."""
    statements: list[TimeStatement] = []
    stack: list[tuple[int, str]] = []  # (indent, key) of enclosing keys
    for line, text in lines:
        if ":" not in text or not text.strip() or text.lstrip().startswith("#"):
            continue  # (_KEY_LINE needs a colon: most prose lines are skipped without a match)
        match = _KEY_LINE.match(text)
        if not match:
            continue
        indent = len(match.group(1)) + (2 if text.lstrip()[:1] in "-*+" else 0)
        key, value = match.group(2).strip(), match.group(3).rstrip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not value:
            stack.append((indent, key))
            continue
        keys = [k for _, k in stack] + [key]
        level = written = None
        measure = None
        for candidate in reversed(keys):
            if level is None:
                level = resolve_level(candidate)
                written = candidate if level else None
            if measure is None:
                measure = measure_for(candidate)
        if level and measure and written:
            duration = parse_loose_duration(value.strip().strip("\"'"))
            if duration is not None:
                statements.append(TimeStatement(level, measure, duration, line, written))
    return statements


_KEYED_INFOS = {"", "yaml", "yml", "text", "txt", "plain", "markdown", "md"}


LEGACY_MENTION = re.compile(r"\b(?:SEV|Sev|sev|Severity|P|Priority)[ -]?[0-9]\b")
"""Level names in running text of a handbook with no matrix."""


def mention_pattern(names: list[str]) -> re.Pattern[str]:
    """Level names that can be spotted in running text: ids and aliases that contain a digit
    ("SEV1", "P2"). Word aliases such as "High" are too common in prose to count."""
    return _mention_pattern(tuple(names))


_MENTION_DIGITS: dict[re.Pattern[str], tuple[str, ...]] = {}
"""The digits a text must hold for a mention pattern to match it (every name has one, and a
digit matches only itself, case or no case): testing for them is much cheaper than the
case-insensitive search, and most lines of a handbook hold none of them."""


@lru_cache(maxsize=64)  # one pattern per matrix, so _MENTION_DIGITS stays small
def _mention_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    coded = sorted({name for name in names if any(char.isdigit() for char in name)},
                   key=len, reverse=True)
    if not coded:
        pattern = re.compile(r"(?!x)x")
        _MENTION_DIGITS[pattern] = ()
        return pattern
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in coded) + r")\b", re.I)
    _MENTION_DIGITS[pattern] = tuple(sorted({char for name in coded for char in name
                                             if char.isdigit()}))
    return pattern


_PAIR = re.compile(
    r"(?:every\s+)?(?P<amount>\d+(?:\.\d+)?\s*[a-z]+|an?\s+hour|hour|day)\s+for\s+"
    r"(?P<level>[\w -]{1,16}?)(?=\s*(?:[,;.)]|and\b|$))",
    re.I,
)
_BOUNDED = re.compile(
    r"\b(?:within|in under|under|every|in)\s+(?P<amount><?\s*\d+(?:\.\d+)?\s*[a-z]+|an?\s+"
    r"(?:hour|day|minute)|one\s+(?:hour|day)|hourly|daily)",
    re.I,
)
_CLAUSES = re.compile(r"[.;](?:\s|$)")


def prose_statements(
    text: str, line: int, mentions: re.Pattern[str], resolve_level: LevelResolver
) -> list[TimeStatement]:
    """Statements in a sentence: "Respond to P1/P2 alerts within 15 minutes", or
    "Status updates every 30 minutes for SEV1, every hour for SEV2"."""
    statements: list[TimeStatement] = []
    digits = _MENTION_DIGITS.get(mentions)
    if digits is not None and not any(digit in text for digit in digits):
        return statements  # no digit a level name holds: no mention (see _MENTION_DIGITS)
    clean = text.replace("**", "").replace("__", "")
    if not mentions.search(clean):
        # Most lines name no level. A clause is cut at `.`/`;` + space, where `\b` holds in
        # the whole line too, so a line with no mention has no clause with one.
        return statements
    for clause in _CLAUSES.split(clean):
        if not mentions.search(clause):
            continue
        measure = measure_for_clause(clause)
        if measure is None:
            continue
        pairs = list(_PAIR.finditer(clause))
        if pairs:
            for pair in pairs:
                level = resolve_level(pair.group("level").strip())
                value = parse_loose_duration(pair.group("amount"))
                if level and value is not None:
                    statements.append(TimeStatement(level, measure, value, line,
                                                    pair.group("level").strip()))
            continue
        bounded = list(_BOUNDED.finditer(clause))
        if len(bounded) != 1:
            continue  # no time, or several: too ambiguous to attribute
        value = parse_loose_duration(bounded[0].group(0))
        if value is None:
            continue
        for mention in mentions.finditer(clause):
            level = resolve_level(mention.group(0))
            if level:
                statements.append(TimeStatement(level, measure, value, line, mention.group(0)))
    return statements


_ESCALATION_WORDS = re.compile(r"\b(escalat\w*|unresolved|lasting|silence\w*|after)\b", re.I)


def measure_for_clause(clause: str) -> str | None:
    """The one measure a sentence talks about, or None when it names none or several, or is
    about escalation timing (which the matrix does not define)."""
    if _ESCALATION_WORDS.search(clause):
        return None
    found = {measure for measure, pattern in _MEASURE_PATTERNS if pattern.search(clause)}
    return found.pop() if len(found) == 1 else None


def find_statements(
    blocks: list[Block],
    resolve_level: LevelResolver,
    mentions: re.Pattern[str] | None = None,
) -> list[TimeStatement]:
    """Every hand-written statement of a level's time in a page body."""
    statements: list[TimeStatement] = []
    list_run: list[tuple[int, str]] = []
    section: tuple[int, str] | None = None  # a heading naming a level: "### P1 - Critical"

    def flush() -> None:
        if list_run:
            lines = list_run
            if section is not None:
                # The heading encloses the lines below it like a YAML key.
                lines = [(section[0], section[1] + ":")] + [(n, "  " + t) for n, t in lines]
            statements.extend(keyed_statements(lines, resolve_level))
            list_run.clear()

    for block in blocks:
        if isinstance(block, ListItem | TextLine):
            if ":" in block.text:  # keyed_statements skips lines without a colon anyway
                list_run.append((block.line, " " * block.indent + "- " + block.text
                                 if isinstance(block, ListItem) else block.text))
            if mentions is not None:
                statements.extend(prose_statements(block.text, block.line, mentions,
                                                   resolve_level))
            continue
        flush()
        if isinstance(block, Heading):
            section = (block.line, block.text.replace(":", " ")) if resolve_level(
                block.text) else None
            continue
        if isinstance(block, Table):
            statements.extend(table_statements(block, resolve_level))
        elif isinstance(block, Fence) and block.info in _KEYED_INFOS:
            statements.extend(keyed_statements(block.body, resolve_level))
    flush()
    return statements
