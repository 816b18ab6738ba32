"""A legacy Markdown handbook as a tree of sections (headings outside code blocks)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^( {0,3}|\s*)(`{3,}|~{3,})(.*)$")


@dataclass
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level."""

    title: str  # heading text ("" for the text before the first heading)
    level: int  # 1-6; 0 for the document itself
    line: int  # 1-based line of the heading (0 for the document)
    body: list[str] = field(default_factory=list)  # lines up to the first subsection
    children: list[Section] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The section as written: heading, body, subsections."""
        out = [f"{'#' * self.level} {self.title}"] if self.level else []
        out += self.body
        for child in self.children:
            out += child.lines()
        return out

    def walk(self) -> list[Section]:
        found = [self]
        for child in self.children:
            found += child.walk()
        return found


def fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is inside (or delimits) a fenced code block. A fence closes with
    the same character, at least as long, and no info string (CommonMark), so a ```bash line
    inside a ```markdown block does not end it."""
    inside: list[bool] = []
    opened: tuple[str, int] | None = None
    for line in lines:
        match = _FENCE.match(line)
        if opened is None:
            if match and not (match.group(2)[0] == "`" and "`" in match.group(3)):
                opened = (match.group(2)[0], len(match.group(2)))
                inside.append(True)
            else:
                inside.append(False)
            continue
        inside.append(True)
        if match and match.group(2)[0] == opened[0] and len(match.group(2)) >= opened[1] \
                and not match.group(3).strip():
            opened = None
    return inside


def parse_sections(text: str) -> Section:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    root = Section("", 0, 0)
    stack = [root]
    for number, (line, fenced) in enumerate(zip(lines, fenced_lines(lines), strict=True), 1):
        match = None if fenced else _HEADING.match(line)
        if match is None:
            stack[-1].body.append(line)
            continue
        level = len(match.group(1))
        section = Section(match.group(2), level, number)
        while stack[-1].level >= level:
            stack.pop()
        stack[-1].children.append(section)
        stack.append(section)
    return root


def relevel(lines: list[str], shift: int, minimum: int = 1) -> list[str]:
    """Headings (outside code blocks) moved by ``shift`` levels, kept within ``minimum``..6."""
    out = []
    for line, fenced in zip(lines, fenced_lines(lines), strict=True):
        match = None if fenced else _HEADING.match(line)
        if match is None:
            out.append(line)
            continue
        level = min(6, max(minimum, len(match.group(1)) + shift))
        out.append(f"{'#' * level} {match.group(2)}")
    return out


def trim(lines: list[str]) -> list[str]:
    """Without leading and trailing blank lines and the ``---`` rules legacy pages put between
    sections (which would read as frontmatter fences or stray rules once moved)."""
    start, end = 0, len(lines)
    while start < end and lines[start].strip() in ("", "---", "***", "___"):
        start += 1
    while end > start and lines[end - 1].strip() in ("", "---", "***", "___"):
        end -= 1
    return lines[start:end]
