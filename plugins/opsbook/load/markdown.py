"""A line scanner for the Markdown blocks the checks look at.

A full CommonMark parse costs ~35x a scan like this one, and the checks need only block
structure with line numbers: headings, fenced code (with its info string), tables (header and
rows, cells split), list items, HTML comments and plain text lines. Inline Markdown is kept as
written; rendering is MkDocs' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$")
# The closing `#`s are stripped in Python: `(.*?)\s*#*\s*$` backtracks quadratically on a long
# run of `#` or spaces, so a single 1 MB line could stall the scan for minutes.
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_COMMENT = re.compile(r"^\s*<!--(.*?)-->\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")


@dataclass(slots=True)
class Heading:
    line: int
    level: int
    text: str


@dataclass(slots=True)
class Fence:
    line: int  # the opening fence line
    info: str  # first word of the info string, lower-cased ("bash", "yaml", "template")
    body: list[tuple[int, str]] = field(default_factory=list)
    end_line: int = 0
    closed: bool = True
    indent: int = 0


@dataclass(slots=True)
class Table:
    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass(slots=True)
class ListItem:
    line: int
    indent: int
    text: str


@dataclass(slots=True)
class TextLine:
    line: int
    text: str


@dataclass(slots=True)
class Comment:
    line: int
    text: str  # inside the <!-- -->, stripped


Block = Heading | Fence | Table | ListItem | TextLine | Comment


def block_lines(block: Block) -> list[int]:
    """The line numbers a block spans: a fence from its opening to its closing line, a table
    its header, delimiter and rows."""
    if isinstance(block, Fence):
        return list(range(block.line, block.end_line + 1))
    if isinstance(block, Table):
        return [block.line, block.line + 1, *(line for line, _ in block.rows)]
    return [block.line]


def split_row(line: str) -> list[str]:
    """Split a table row into cells, honouring escaped pipes and code spans."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "\\|" not in text and "`" not in text:
        return [cell.strip() for cell in text.split("|")]
    cells: list[str] = []
    current: list[str] = []
    in_code = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] == "|":
            current.append("|")
            index += 2
            continue
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    cells.append("".join(current).strip())
    return cells


# A Markdown example in a ```markdown fence often holds fences of its own (a report template
# with a ```sql block): its author means them nested, not the first inner ``` as the end.
_NESTING_INFOS = frozenset({"markdown", "md", "gfm"})


def _fence_end(lines: list[str], start: int, marker: str, nesting: bool) -> int:
    """Index of the line closing a fence opened just before ``start`` (len(lines) when none
    does). With ``nesting``, an inner opening fence with an info string (```sql) is matched by
    its own closing line first; if the nested reading never closes, the plain one is used."""
    closing = marker[0]
    depth = 0
    plain_end: int | None = None
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if not stripped.startswith(marker):
            continue
        rest = stripped.lstrip(closing)
        if not rest:
            if plain_end is None:
                plain_end = index
            if not nesting or depth == 0:
                return index
            depth -= 1
        elif nesting and rest[0].isalpha() and closing not in rest:
            depth += 1
    return plain_end if plain_end is not None else len(lines)


def scan_blocks(lines: list[str], first_line: int = 1) -> list[Block]:
    """Scan Markdown ``lines`` (already split, no newlines) into blocks.

    ``first_line`` is the file line number of ``lines[0]`` (the body starts after the
    frontmatter).
    """
    blocks: list[Block] = []
    append = blocks.append
    count = len(lines)
    index = 0
    while index < count:
        raw = lines[index]
        number = index + first_line
        stripped = raw.strip()
        if not stripped:
            index += 1
            continue
        first = stripped[0]
        if first in "`~":
            fence_match = _FENCE.match(raw)
            if fence_match and (first == "~" or "`" not in fence_match.group(4)):
                indent, marker, info, _rest = fence_match.groups()
                fence = Fence(number, info.lower().lstrip("{.").rstrip("}"), indent=len(indent))
                index += 1
                end = _fence_end(lines, index, marker, fence.info in _NESTING_INFOS)
                while index < end:
                    fence.body.append((index + first_line, lines[index]))
                    index += 1
                if index >= count:
                    fence.closed = False
                    fence.end_line = count - 1 + first_line
                else:
                    fence.end_line = index + first_line
                index += 1
                append(fence)
                continue
        if first == "#":
            heading_match = _HEADING.match(raw)
            if heading_match:
                title = heading_match.group(2).rstrip().rstrip("#").rstrip()
                append(Heading(number, len(heading_match.group(1)), title))
                index += 1
                continue
        if first == "<" and stripped.startswith("<!--"):
            comment_match = _COMMENT.match(raw)
            if comment_match:
                append(Comment(number, comment_match.group(1).strip()))
                index += 1
                continue
        if "|" in stripped and index + 1 < count and _TABLE_DELIMITER.match(lines[index + 1]):
            delimiter = lines[index + 1]
            if "|" in delimiter or stripped.startswith("|"):
                table = Table(number, split_row(raw))
                index += 2
                while index < count:
                    row = lines[index]
                    if "|" not in row or not row.strip():
                        break
                    table.rows.append((index + first_line, split_row(row)))
                    index += 1
                append(table)
                continue
        if first in "-*+" or first.isdigit():
            item_match = _LIST_ITEM.match(raw)
            if item_match:
                append(ListItem(number, len(item_match.group(1)), item_match.group(2)))
                index += 1
                continue
        if first in "=-" and _SETEXT.match(raw):
            previous = blocks[-1] if blocks else None
            if isinstance(previous, TextLine) and previous.line == number - 1:
                blocks[-1] = Heading(previous.line, 1 if first == "=" else 2, previous.text)
            index += 1
            continue
        append(TextLine(number, stripped))
        index += 1
    return blocks
