"""Finding unfilled contact values, precisely.

A bracket is not a placeholder by itself: `[Time]` in a status-update template is meant to
stay, `[x]` is a checkbox and `[text](url)` a link. A blank is reported when it stands for a
contact value:

* *strong* markers are reported wherever they appear outside a template region: a masked phone
  number (``+1-XXX-XXX-XXXX``, ``555-XXXX``), an ``UPDATE THIS`` marker, or a bracket blank that
  names a contact field (``[Name]``, ``[Phone number]``, ``@[name]``, ``[PR contact]``);
* *weak* markers (any bracket blank, ``______``, ``TBD``, ``TODO``, ``changeme``,
  ``<your-email>``, "Engineer A") are reported only where the label says the value is a
  contact: a ``Phone:`` key, an ``On-call`` table column, a contacts field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from opsbook.load.markdown import Block, Comment, Fence, Heading, ListItem, Table, TextLine

# Link and footnote texts stop at the next `[` as well as at `]`: scanning on past a `[` re-read
# the rest of the line from every bracket, quadratic on a long line of `[`.
_LINK_OR_CHECKBOX = re.compile(r"\[(?: |x|X)\](?!\()|\[[^\[\]]*\](?=[(\[:])|\[\^[^\[\]]*\]")
_BRACKET = re.compile(r"@?\[([^\[\]]{1,80})\]")
_CONTACT_WORDS = re.compile(
    r"\b(phone|tel|telephone|e-?mail|contact|mobile|cell|pager|slack handle)\b", re.I
)
_NAME_WORD = re.compile(r"\bname\b", re.I)
_THING_WORDS = re.compile(
    r"\b(alert|service|incident|project|file|host|server|team|company|channel|app|feature|"
    r"component|customer|metric|title|event|cluster|region|database|table|queue|job|runbook|"
    r"document|product|user|bucket|branch|repo|repository|domain|pod|node|namespace)\b",
    re.I,
)
# A masked number is `(?<![\w-])\+?[\dXx(][\dXx().\s-]{5,}[\dXx](?![\w-])`. As one regex that
# backtracks through the whole run from every `(` or space in it (quadratic: minutes for a long
# line of `(`), so the run is taken whole (possessive) and its end found in _phone_like.
_PHONE_RUN = re.compile(r"(?<![\w-])\+?[\dXx(][\dXx().\s-]*+")
_UPDATE_MARKER = re.compile(
    r"\bUPDATE (?:THIS|ME)\b|\bFILL (?:THIS )?IN\b|\bREPLACE ME\b"
    r"|\((?i:update this|fill in|to be filled)!*\)"
)
_UNDERSCORES = re.compile(r"_{4,}")
_WORD_MARKERS = re.compile(
    r"(?<![\w-])(TBD|TBC|TODO|FIXME|XXX+|change[ _-]?me|placeholder|N/A yet)(?![\w-])", re.I
)
_ANGLE = re.compile(
    r"<\s*(your[\w .-]*|(?:[\w-]+[ _-])?(?:name|phone|e-?mail|number|address|contact|handle))\s*>",
    re.I,
)
_GENERIC_NAME = re.compile(
    r"^(?:engineer|person|manager|lead|user|contact|name|on-?call|member)\s+[A-Z1-9]$", re.I
)
_CODE_SPAN = re.compile(r"`[^`]*`")

CONTACT_LABEL = re.compile(
    r"\b(names?|phones?(?: numbers?)?|tel|telephone|mobile|cell|e-?mails?(?: address)?|mail|"
    r"contacts?|on-?call|oncall|escalation|pager|pagerduty|slack|time ?zone|primary|secondary|"
    r"backup|manager|lead|cto|ceo|vp|director|engineer|owner|responder|provider|"
    r"support(?: url| line| phone| portal)?|account(?: id| number)?|whatsapp|sms|who)\W*$",
    re.I,
)
"""A label names a contact value when it *ends* in one of these words: "On-call manager" and
"Phone" do, "On-call stipend" and "Slack thread" do not."""

_DURATION_LABEL = re.compile(r"^\d+\s*(s|sec|seconds?|m|mins?|minutes?|h|hours?)$", re.I)

_SHELL_INFOS = {"bash", "sh", "shell", "console", "zsh", "python", "py", "sql", "powershell",
                "ps1", "javascript", "js", "go", "ruby", "promql", "json"}

_TEMPLATE_WORD = re.compile(r"\btemplates?\b", re.I)
_NOT_A_MESSAGE = re.compile(r"\b(contacts?|schedule|roster|rotation|escalation|on-?call list)\b",
                            re.I)
_MESSAGE = re.compile(
    r"\b(communication|message|e-?mail|notice|notification|announcement|update|report|handoff|"
    r"hand-off|status|response|post|summary|slack)\b",
    re.I,
)


@dataclass(frozen=True)
class Placeholder:
    column: int  # 1-based column in the line
    text: str  # the placeholder as written
    strong: bool


def _phone_like(text: str) -> Iterator[tuple[int, str]]:
    """(start, token) of each phone-shaped token: a run of digits, X, brackets, dots, dashes and
    spaces, cut back to its last digit or X that is not glued to a following word; at least 7
    characters after an optional `+`. Linear in the length of ``text``."""
    for match in _PHONE_RUN.finditer(text):
        start, end = match.span()
        first = start + 1 if text[start] == "+" else start
        while end - first >= 7:
            last = text[end - 1]
            after = text[end] if end < len(text) else ""
            if (last.isdecimal() or last in "Xx") and not (
                after.isalnum() or after in ("_", "-")
            ):
                yield start, text[start:end]
                break
            end -= 1


def _masked_phones(text: str) -> list[Placeholder]:
    found = []
    for start, token in _phone_like(text):
        if sum(char in "Xx" for char in token) >= 3 and sum(
            char.isdigit() or char in "Xx" for char in token
        ) >= 7:
            found.append(Placeholder(start + 1, token.strip(), True))
    return found


def may_hold_marker(text: str) -> bool:
    """False only when no marker pattern above can match ``text`` or any part of it with code
    spans blanked out: a handful of substring tests instead of six regex scans, because most
    lines of a handbook hold no marker and these scans ran on every line of every page.

    Each test is implied by a pattern: a masked phone has 3+ X's, every other marker holds a
    fixed word (TBD, TODO, change me, UPDATE THIS, (fill in), ...), compared lower-cased only
    for ASCII text: the case-insensitive patterns also match non-ASCII look-alikes such as the
    dotless i. Blanking code spans only removes characters and never yields a single space
    between two words, so it cannot create a hit."""
    if "[" in text or "<" in text or "____" in text or not text.isascii():
        return True
    if text.count("X") + text.count("x") >= 3:
        return True
    if "UPDATE " in text or "FILL " in text or "REPLACE ME" in text:
        return True
    lower = text.lower()
    # Written out rather than any() over the stems: this runs on every line, and a chain of
    # `in` tests costs a quarter of the generator.
    if "(" in text and ("(update this" in lower or "(fill in" in lower
                        or "(to be filled" in lower):
        return True
    return ("tbd" in lower or "tbc" in lower or "todo" in lower or "fixme" in lower
            or "xxx" in lower or "change" in lower or "placeholder" in lower
            or "n/a yet" in lower)


def find_placeholders(text: str, *, code: bool = False) -> list[Placeholder]:
    """Every placeholder-looking token in ``text`` (one value or one line), in order.

    ``code`` restricts the search to strong, unambiguous markers (shell code uses brackets
    and underscores for other things)."""
    if "`" in text:
        text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    if not may_hold_marker(text):
        return []
    found = _masked_phones(text)
    for match in _UPDATE_MARKER.finditer(text):
        found.append(Placeholder(match.start() + 1, match.group(0), True))
    if code:
        return sorted(found, key=lambda p: p.column)
    masked = _LINK_OR_CHECKBOX.sub(lambda m: " " * len(m.group(0)), text) if "[" in text else text
    if "[" in masked:
        for match in _BRACKET.finditer(masked):
            inner = match.group(1).strip()
            if inner.lower().startswith("your "):
                continue  # "[Your timezone]": an instruction to the reader, not a handbook value
            strong = bool(_CONTACT_WORDS.search(inner)) or bool(
                _NAME_WORD.search(inner) and not _THING_WORDS.search(inner)
            )
            found.append(Placeholder(match.start() + 1, match.group(0), strong))
    for pattern in (_UNDERSCORES, _WORD_MARKERS, _ANGLE):
        for match in pattern.finditer(masked):
            found.append(Placeholder(match.start() + 1, match.group(0), False))
    return sorted(found, key=lambda p: p.column)


def value_placeholder(value: str) -> str | None:
    """The placeholder in a contact field's value (every marker counts), or None."""
    if not value.strip():
        return "an empty value"
    found = find_placeholders(value)
    if found:
        return found[0].text
    if _GENERIC_NAME.match(value.strip()):
        return value.strip()
    return None


@dataclass(frozen=True)
class BodyFinding:
    line: int
    column: int
    label: str  # what the value is for ("Phone", a column header), or "" when unlabelled
    placeholder: str
    in_column: bool = False


_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)?(?P<label>[A-Za-z0-9@#][\w /&().'+-]{0,48}?)"
    # `\s*+` (possessive) and no second optional `\s*` before the colon: two adjacent `\s*`
    # backtrack quadratically on a long run of spaces.
    r"\s*+(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(?P<value>.*)$"
)


def split_label(text: str) -> tuple[str, str, int]:
    """("Phone", "+1-XXX-XXX-XXXX", value column) for a `Phone: …` line; ("", text, 1) if
    the line has no label."""
    match = _KEY_VALUE.match(text)
    if not match or "://" in match.group("label"):
        return "", text, 1
    return match.group("label").strip(), match.group("value"), match.start("value") + 1


def _may_end_in_generic_name(text: str) -> bool:
    """Whether the line could end in a value like "Engineer A" (see _GENERIC_NAME): the value
    is a suffix of the line, so the end of the stripped value is the end of the stripped line.
    Only called for ASCII lines (may_hold_marker is true for the others)."""
    tail = text.rstrip().rstrip("*_")
    return len(tail) >= 2 and tail[-2].isspace() and (tail[-1].isalpha() or tail[-1] in "123456789")


def line_findings(
    text: str, line: int, *, code: bool = False, indent: int = 0
) -> BodyFinding | None:
    """One finding for a line of body text (key/value line, list item, code line)."""
    if not may_hold_marker(text) and (code or not _may_end_in_generic_name(text)):
        return None  # the common case, decided without splitting the line
    label, value, value_column = split_label(text)
    is_contact = bool(label) and bool(CONTACT_LABEL.search(label))
    # "5 minutes: SMS to [phone]" configures a notification rule; only a masked number counts.
    code = code or bool(_DURATION_LABEL.match(label))
    candidates = find_placeholders(value, code=code)
    for placeholder in candidates:
        if placeholder.strong or is_contact:
            return BodyFinding(line, indent + value_column + placeholder.column - 1, label,
                               placeholder.text)
    if is_contact and not code and _GENERIC_NAME.match(value.strip().strip("*_")):
        return BodyFinding(line, indent + value_column, label, value.strip())
    if is_contact and not code and _UNDERSCORES.search(value):
        return BodyFinding(line, indent + value_column, label, value.strip())
    return None


def table_findings(table: Table) -> list[BodyFinding]:
    contact_columns = [bool(CONTACT_LABEL.search(cell)) for cell in table.header]
    findings: list[BodyFinding] = []
    for line, cells in table.rows:
        for index, cell in enumerate(cells):
            is_contact = index < len(contact_columns) and contact_columns[index]
            label = table.header[index] if index < len(table.header) else ""
            hit: str | None = None
            for placeholder in find_placeholders(cell):
                if placeholder.strong or is_contact:
                    hit = placeholder.text
                    break
            if hit is None and is_contact and _GENERIC_NAME.match(cell.strip().strip("*_")):
                hit = cell.strip()
            if hit is not None:
                findings.append(BodyFinding(line, 1, label, hit, in_column=True))
                break  # one finding per row
    return findings


def template_lines(blocks: list[Block], whole_file: bool = False) -> set[int]:
    """Line numbers inside communication-template regions, whose blanks are meant to stay:
    explicit `<!-- opsbook: template -->` regions, ```template fences, sections whose heading
    names a template, and fences introduced by a line that names a template — but not a
    contact or schedule "template", which is a sheet someone forgot to fill in."""
    lines: set[int] = set()
    if whole_file:
        for block in blocks:
            lines.update(_block_lines(block))
        return lines
    marker_open: int | None = None
    section_level: int | None = None
    recent_text: list[str] = []
    for block in blocks:
        if isinstance(block, Comment):
            text = block.text.lower().replace(" ", "")
            if text == "opsbook:template":
                marker_open = block.line
            elif text == "opsbook:end-template":
                marker_open = None
            continue
        if isinstance(block, Heading):
            if section_level is not None and block.level <= section_level:
                section_level = None
            if _names_template(block.text):
                section_level = block.level
            recent_text = [block.text]
            continue
        inside = marker_open is not None or section_level is not None
        if isinstance(block, Fence):
            introduced = any(_names_template(text) for text in recent_text[-3:])
            if inside or block.info == "template" or introduced:
                lines.update(_block_lines(block))
            recent_text = []
            continue
        if inside:
            lines.update(_block_lines(block))
        if isinstance(block, TextLine | ListItem):
            recent_text.append(block.text)
    return lines


def may_mark_template(text: str) -> bool:
    """False only when ``text`` can hold no template region: every way to mark one names it
    (``<!-- opsbook: template -->``, spaces allowed; a ```template fence; a heading or line
    naming a template), so ASCII text without "templat" settles it without the block walk."""
    return not text.isascii() or "templat" in text.lower().replace(" ", "")


def _names_template(text: str) -> bool:
    if not _TEMPLATE_WORD.search(text):
        return False
    return bool(_MESSAGE.search(text)) or not _NOT_A_MESSAGE.search(text)


def _block_lines(block: Block) -> list[int]:
    if isinstance(block, Fence):
        return list(range(block.line, block.end_line + 1))
    if isinstance(block, Table):
        return [block.line, block.line + 1, *(line for line, _ in block.rows)]
    return [block.line]


def body_findings(blocks: list[Block], skip_lines: set[int]) -> list[BodyFinding]:
    """Placeholder contact values in a Markdown body, outside ``skip_lines``."""
    findings: list[BodyFinding] = []
    for block in blocks:
        if isinstance(block, TextLine | ListItem):
            if block.line in skip_lines:
                continue
            found = line_findings(block.text, block.line)
            if found:
                findings.append(found)
        elif isinstance(block, Fence):
            if block.line in skip_lines:
                continue
            code = block.info in _SHELL_INFOS
            for line, text in block.body:
                found = line_findings(text, line, code=code)
                if found:
                    findings.append(found)
        elif isinstance(block, Table):
            if block.line in skip_lines:
                continue
            findings.extend(table_findings(block))
    return findings
