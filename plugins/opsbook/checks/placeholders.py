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
from functools import lru_cache
from typing import TYPE_CHECKING

from opsbook.checks import contact_words
from opsbook.load.markdown import (
    Block,
    Comment,
    Fence,
    Heading,
    ListItem,
    Table,
    TextLine,
    block_lines,
)

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
_UNDERSCORES = re.compile(r"_{4,}|＿{3,}")
_WORD_MARKERS = re.compile(
    r"(?<![\w-])(TBD|TBC|TODO|FIXME|XXX+|change[ _-]?me|placeholder|N/A yet)(?![\w-])", re.I
)
# `<name>`, `<your-email>`, `<manager phone>`: a person's value; `<obc_name>` or
# `<migration_name>` in a manifest names a thing, so the qualifier must be a person's.
_ANGLE = re.compile(
    r"<\s*(your[\w .-]*|(?:(?:on-?call|oncall|contact|person|user|engineer|manager|lead|owner|"
    r"responder|vendor|support|team-lead|primary|secondary|backup|escalation|admin)[ _-])?"
    r"(?:name|phone|e-?mail|number|address|contact|handle)"
    r"|(?:to be|à|a|por|da|nog|noch)\s[^<>]{2,30})\s*>",
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

if TYPE_CHECKING:
    from opsbook.checks.placeholder_context import Context


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


_ADDRESS_SHAPE = re.compile(r"^[\dXx]{1,3}(?:\.[\dXx]{1,3}){3}$")


def _not_a_phone(token: str) -> bool:
    """A masked IPv4 address (`XXX.XXX.XX.XXX`, `10.20.XXX.XXX`) or a masked identifier — a
    run of eight x's (`xxxxxxxx-xxxx`) or three hyphenated groups with a long lowercase one
    (`xxxxxxx-xxxxxx-xxxxx`, a node name): masked values in logs and examples, not numbers."""
    token = token.strip()
    if _ADDRESS_SHAPE.match(token) or "xxxxxxxx" in token.lower():
        return True
    groups = token.split("-")
    return len(groups) >= 3 and any(len(group) >= 5 and group == "x" * len(group)
                                    for group in groups)


def _masked_phones(text: str) -> list[Placeholder]:
    found = []
    for start, token in _phone_like(text):
        if _not_a_phone(token):
            continue
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


def may_hold_strong_marker(text: str) -> bool:
    """False only when ``find_placeholders(part, code=True)`` finds nothing in any part of
    ``text`` with brackets, quotes or code spans blanked out: a masked phone needs three X's
    and _UPDATE_MARKER a fixed phrase, and blanking only turns characters into runs of spaces.
    What a line of a shell block can hold (its brackets and labels are not read for blanks);
    text that is not ASCII always passes (case-insensitive matching of other scripts)."""
    if not text.isascii() or text.count("X") + text.count("x") >= 3:
        return True
    if "UPDATE " in text or "FILL " in text or "REPLACE ME" in text:
        return True
    if "(" not in text:
        return False
    lower = text.lower()
    return "(update this" in lower or "(fill in" in lower or "(to be filled" in lower


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
                # "[Your name]": the reader's own value — a blank only where a contact label
                # says the handbook's reader was meant to fill it in ("DevOps lead: [Your
                # name]"), never on its own.
                found.append(Placeholder(match.start() + 1, match.group(0), False))
                continue
            if inner.startswith(("#", "^", "!")):
                continue  # "[#section-anchor]", a footnote or a callout marker: not a blank
            strong = bool(_CONTACT_WORDS.search(inner)) or bool(
                _NAME_WORD.search(inner) and not _THING_WORDS.search(inner)
            )
            found.append(Placeholder(match.start() + 1, match.group(0), strong))
    for pattern in (_UNDERSCORES, _WORD_MARKERS, _ANGLE):
        for match in pattern.finditer(masked):
            # Weak, `<email>` included: `user-create <username> <email>` is a command's
            # arguments; a contact label ("Security team: <phone>") makes it a contact.
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
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)?(?P<label>[^\W_][\w /&().'+–—-]{0,48}?)"
    # `\s*+` (possessive) and no second optional `\s*` before the colon: two adjacent `\s*`
    # backtrack quadratically on a long run of spaces.
    r"\s*+(?::\s*(?:\*\*|__)(?![_*])|(?:\*\*|__)\s*:|:|：)\s*(?P<value>.*)$"
)
# "Name ........ Manager X": a label, a dotted leader, the value (printed cards, plain text).
_LEADER = re.compile(r"^\s*(?:\d+[.)]\s+)?(?P<label>[^\W_][\w /&().'+-]{0,48}?)\s*\.{3,}\s*"
                     r"(?P<value>.*)$")
# Parts of one value: "Amara Okafor — [Phone] — [Email]", "Naam: x, Telefoon: y".
_PARTS = re.compile(r"\s+[—–-]\s+|,\s+|;\s+|\s+·\s+|\s{2,}|\s*/\s+")
_WRAPPED = re.compile(r"^[\"']?[\[(<（【「][^\[\]()<>]*[\])>）】」][\"']?$")
# A part that starts with a field word and no colon: "phone ???", "tel. 06 XX XX XX XX".
_LEADING_FIELD = re.compile(
    r"^\s*((?:phone|tel|tél|telephone|téléphone|mobile|cell|e-?mail|mél|fax|pager|slack|"
    r"telefon|telefone|teléfono|telefono|telefoon|handy|mobil|cellulare|móvil|celular)\.?)"
    r"\s+(?=\S)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?!\[[ xX]\])")
_BOX_CHARS = ("|", "+", "│", "║", "┃")
_BOX_EDGE = re.compile(r"^\s*[|+│║┃]\s?|\s?[|+│║┃]\s*$")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_SPEAKER_BRACKET = re.compile(r"\[[^\[\]]{1,40}\]")
_LOG_LINE = re.compile(
    r"^\s*(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?\d\d:\d\d(?::\d\d)?\]?\s|\[?(?:HH:MM|hh:mm)\]?\s|"
    r"(?:level|lvl|ts|time)=|(?:DEBUG|INFO|WARN|WARNING|ERROR|FATAL|TRACE)\b|"
    r"[IWEF]\d{4} \d\d:\d\d|\d+ [\w.-]+\.(?:go|py|java|rs|c|cc|js|ts):\d+\])"
)
_PERIOD_LABEL = re.compile(
    r"^(?:weeks?|wk|semanas?|semaines?|wochen?|settimane?|settimana|weken|months?|mes|mois|"
    r"monat|mese|maand|shifts?|turnos?|schichten?|turni|dienst|days?|nights?|weekends?|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"q[1-4]|h[12]|\d)",
    re.IGNORECASE,
)
_NOT_A_CONTACT_TAIL = re.compile(
    r"(?<![^\W_])(?:stipend|pay|bonus|compensation|allowance|hours|time|times|thread|link|url|"
    r"dashboard|duration|window|policy|process|sla|rate|count|questions|server|servers|host|"
    r"hostname|domain|queue|page|template|rule|rules|relay|tree|workspace|webhook|bot|tool|"
    r"system|token|key|alias|group|list|integration|app|address book|number format|"
    r"rotation length|timezone|time zone|zone|status|severity|runbook|ticket|notes?|format|"
    r"availability|available|hours of cover|information|info|details)\W*$",
    re.IGNORECASE,
)
# "pendiente de asignar", "pending assignment": a blank word and what it waits for.
_BLANK_TAIL = re.compile(
    r"^\s+(?:(?:de|del|da|di|to|zu|van|à|a|for|per|para)\s+\w+(?:\s+\w+)?|assignment|"
    r"confirmation|approval|hire|hiring|review)\s*$", re.IGNORECASE)
_QUOTATION = re.compile(r"[\"“„«]([^\"“”„«»]{3,200})[\"”“»]")
_BRACKETS_ONLY = re.compile(r"\[[^\[\]]*\]")
_PLAIN_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
_ENDS_IN_CONTACT_WORD = re.compile(
    r"(?:" + contact_words.FIELD.pattern + "|" + contact_words.ROLE.pattern + r")\W*$",
    re.IGNORECASE)
# Stand-in addresses: `firstname.lastname@…`, `john.doe@…`, `your.name@…`.
_STAND_IN_EMAIL = re.compile(
    r"(?<![\w.+-])(?:first[._-]?name[._-]last[._-]?name|first[._-]last|john[._-]doe|"
    r"jane[._-]doe|your[._-]?name|name[._-]surname|nome[._-]cognome|vorname[._-]nachname|"
    r"pr[ée]nom[._-]nom|nombre[._-]apellido|someone|somebody|username|user[._-]?name)"
    r"@[\w.-]+\.\w+", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"(?<![\w.-])\+?\(?\d[\d\s().-]{8,}\d(?![\w-])")


def _dummy_phone(text: str) -> tuple[int, str] | None:
    """(column, token) of a number written as a stand-in: 555-555-5555, 123-456-7890,
    000-000-0000, 0800 000 0000. The fictional 555-01xx range is a real example number."""
    for match in _DIGIT_RUN.finditer(text):
        token = match.group(0).strip()
        digits = re.sub(r"\D", "", token)
        if len(digits) < 9 or len(digits) > 15 or token.isdecimal():
            continue  # a bare run of digits is a quantity, not a number someone dials
        national = digits[-10:] if len(digits) >= 10 else digits
        subscriber = national[-7:]
        if (national in ("1234567890", "0123456789", "5555555555")
                or len(set(subscriber)) == 1 or national.endswith("0000000")):
            return match.start() + 1, match.group(0).strip()
    return None


# Roles filled when an incident starts or a record is written: their blanks are fields of the
# incident, not contacts to keep.
_INCIDENT_ROLE = re.compile(
    r"^(?:(?:the\s+)?incident\s+(?:commander|lead|leader|manager|coordinator|owner)|ic|"
    r"commander|deputy\s+ic|scribe|note[- ]?taker|reporter|reported\s+by|report\s+author|"
    r"authors?|assignee|assigned\s+to|attendees|participants|responders|reviewed\s+by|"
    r"reviewers?|approved\s+by|approver|signed(?:\s+off)?(?:\s+by)?|signature|outgoing|"
    r"incoming|handed\s+over\s+(?:by|to)|on[- ]scene|"
    r"responsable\s+(?:de\s+l'|del\s+|do\s+)?incid\w*|responsável\s+pelo\s+incidente|"
    r"coordinatore\s+dell'incidente|incidentmanager|störungsverantwortlich\w*)\s*$",
    re.IGNORECASE)
_LONGEST_CONTACT_LINE = 2000
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
_WRAPPERS = "[](){}<>（）【】「」『』\"'“”*_ `.:;,!"


def split_label(text: str) -> tuple[str, str, int]:
    """("Phone", "+1-XXX-XXX-XXXX", value column) for a `Phone: …` line; ("", text, 1) if
    the line has no label."""
    match = _KEY_VALUE.match(text)
    if not match or "://" in match.group("label"):
        leader = _LEADER.match(text) if "..." in text else None
        if leader:
            return leader.group("label").strip(), leader.group("value"), leader.start("value") + 1
        return "", text, 1
    return match.group("label").strip(), match.group("value"), match.start("value") + 1


@lru_cache(maxsize=4096)  # pure, and the same labels, headers and cells recur page after page
def is_contact_label(label: str) -> bool:
    """Whether a label says its value reaches a person: it names a contact field (phone,
    Teléfono, 電話) or a role (on-call, Vertretung, 担当) at its start or end — "Referente
    fornitore", "Engineering manager" — but not a property of the role ("On-call stipend",
    "Slack thread")."""
    label = label.strip().strip("*_#>").strip()
    label = _TRAILING_NOTE.sub("", label) or label
    if not label or len(label) > 60:
        return False
    if _CJK.search(label):
        return bool(contact_words.FIELD.search(label) or contact_words.ROLE.search(label))
    if _NOT_A_CONTACT_TAIL.search(label):
        return False
    tokens = label.split()
    head = " ".join(tokens[:2])
    tail = " ".join(tokens[-2:])
    for part in (tail, head):
        for pattern in (contact_words.FIELD, contact_words.ROLE):
            match = pattern.search(part)
            if match and (match.end() == len(part) or match.start() == 0):
                return True
    return bool(CONTACT_LABEL.search(label))


def _normalised(value: str) -> str:
    value = _TRAILING_NOTE.sub("", value.strip()) or value.strip()
    return value.strip(_WRAPPERS).strip()


@lru_cache(maxsize=4096)  # pure, and the same labels, headers and cells recur page after page
def blank_value(value: str) -> bool:
    """Whether a whole value says it is not known yet: "TBD", "a definir", "[update every
    sprint]", "(ベンダー名を記入)", "<to be decided>", "Engineer A"."""
    text = value.strip()
    if not text:
        return False
    core = text.strip(_WRAPPERS).lstrip("@").strip()
    if not core:
        return False
    if contact_words.STAND_IN.match(_normalised(text)):
        return True
    blank = contact_words.BLANK_VALUE.match(core)
    whole = _normalised(text).lstrip("@")
    if blank and (" " in blank.group(0).strip()
                  or blank.end() in (len(whole), len(whole.rstrip("?!.")))
                  or _BLANK_TAIL.match(whole[blank.end():])):
        # A phrase ("to be confirmed after hiring", "a definir") may start a longer value; a
        # single word ("Unknown error patterns", "Pending approval") must be the whole value.
        return True
    if (text.startswith("<") and text.endswith(">") and "<" not in core and len(core) <= 60
            and (contact_words.FIELD.search(core) or contact_words.ROLE.search(core))):
        return True  # "<vendor hotline>": a whole value left as an angle-bracket blank
    wrapped = text[0] in "[(<（【「" and text[-1] in "])>）】」" and len(core) <= 80
    # An instruction is short: "[see the paging tool]", "(ask procurement for the rep)";
    # a parenthesised clause of a sentence is not one.
    count = len(core.split())
    if wrapped and count <= 8 and contact_words.INSTRUCTION.match(core):
        return True
    if wrapped and count <= 6 and contact_words.INSTRUCTION_ANYWHERE.search(core):
        return True
    if _CJK.search(core) and len(core) <= 24:
        return bool(contact_words.BLANK_VALUE.search(core)) or any(
            word in core for word in ("記入", "未定", "待定", "待补充", "填写", "미정", "기입"))
    return False


def after_contact_word(text: str, column: int) -> bool:
    """Whether the blank at ``column`` (1-based) follows a role or field word: "secondary
    ______", "phone TBD", "call the manager at [number]"."""
    head = text[max(0, column - 61): column - 1]  # the few words before the blank
    if head and not head[-1].isspace() and head[-1] not in ":：(":
        return False  # glued to a word: `alert-manager-[instance]`
    before = head.rstrip(" :：-—–(").split()[-3:]
    if not before:
        return False
    words = [word.strip("*_,") for word in before]
    if words[-1].lower() in ("at", "on", "to", "via", "unter", "au", "al", "op", "a"):
        words = words[:-1]
    if not words or not _PLAIN_WORD.match(words[-1]):
        return False
    return bool(_ENDS_IN_CONTACT_WORD.search(" ".join(words)))


@lru_cache(maxsize=4096)  # pure, and the same labels, headers and cells recur page after page
def _value_hit(value: str, contact: bool, code: bool) -> tuple[int, str, bool] | None:
    """(column in value, placeholder, strong) for the first blank in ``value``; strong when
    the blank needs no label to be a contact (a masked number, "[Phone]", "Engineer A")."""
    for placeholder in find_placeholders(value, code=code):
        strong = placeholder.strong or (
            not code and after_contact_word(value, placeholder.column))
        if strong or contact:
            return placeholder.column, placeholder.text, strong
    if not code:
        dummy = _dummy_phone(value)
        if dummy is not None:
            return dummy[0], dummy[1], True
    if code:
        return None
    email = _STAND_IN_EMAIL.search(value)
    if email and contact:
        return email.start() + 1, email.group(0), False
    stripped = value.strip()
    if contact and (blank_value(stripped) or _UNDERSCORES.search(stripped)):
        return value.find(stripped) + 1, stripped, False
    if contact and stripped in ('""', "''"):
        return value.find(stripped) + 1, "an empty value", False
    if contact_words.STAND_IN.match(_normalised(stripped).strip("*_")):
        return value.find(stripped) + 1, stripped, True
    return None


def _inside_brackets(text: str, index: int) -> bool:
    depth = 0
    for char in text[:index]:
        if char in "[(（【":
            depth += 1
        elif char in "])）】" and depth:
            depth -= 1
    return depth > 0


def _segments(text: str) -> list[tuple[str, str, int]]:
    """(label, value, 1-based column of the value) for each labelled part of a line: a box
    row is split at its inner borders, a value at its separators, and a part that has its
    own label ("Nome: da compilare") keeps it."""
    body = text
    offset = 0
    if text.lstrip().startswith(_BOX_CHARS) and text.rstrip().endswith(_BOX_CHARS):
        match = _BOX_EDGE.match(text)
        offset = match.end() if match else 0
        body = _BOX_EDGE.sub("", text)
    cells = [(body, offset)]
    if " | " in body:
        cells = []
        position = offset
        for cell in body.split(" | "):
            cells.append((cell, position))
            position += len(cell) + 3
    segments: list[tuple[str, str, int]] = []
    for cell, cell_offset in cells:
        label, value, column = split_label(cell)
        start = cell_offset + column - 1
        parts = [(value, 0)]
        if value and _PARTS.search(value) and not _WRAPPED.match(value.strip()):
            parts = []
            position = 0
            for match in _PARTS.finditer(value):
                if _inside_brackets(value, match.start()):
                    continue  # "[DPO name, phone]" is one blank
                parts.append((value[position:match.start()], position))
                position = match.end()
            parts.append((value[position:], position))
        for part, part_offset in parts:
            if not part.strip():
                continue
            inner_label, inner_value, inner_column = split_label(part)
            if not inner_label:
                lead = _LEADING_FIELD.match(part)
                if lead:
                    inner_label, inner_value, inner_column = (
                        lead.group(1), part[lead.end():], lead.end() + 1)
            if inner_label and inner_value.strip():
                segments.append((inner_label, inner_value,
                                 start + part_offset + inner_column))
            else:
                segments.append((label, part, start + part_offset + 1))
    return segments


def _may_end_in_generic_name(text: str) -> bool:
    """Whether the line could end in a value like "Engineer A" (see _GENERIC_NAME): the value
    is a suffix of the line, so the end of the stripped value is the end of the stripped line.
    Only called for ASCII lines (may_hold_marker is true for the others)."""
    tail = text.rstrip().rstrip("*_\"'")
    if tail.lower().endswith(" name"):
        return True  # "Primary Name", "Backup name": a role standing in for a person
    return len(tail) >= 2 and tail[-2].isspace() and (tail[-1].isalpha() or tail[-1] in "123456789")


_BLANK_ANYWHERE = re.compile(
    r"(?<![^\W_])(?:" + "|".join(
        re.escape(word) for word in sorted(
            {w for ws in contact_words.BLANK_VALUES.values() for w in ws if len(w) > 2},
            key=len, reverse=True))
    + r")(?![^\W_])|\((?:" + "|".join(
        re.escape(word) for word in sorted(
            {w for ws in contact_words.INSTRUCTION_VERBS.values() for w in ws},
            key=len, reverse=True))
    + r")\s",
    re.IGNORECASE,
)


# Substrings that every blank word, instruction and stand-in name above contains: a cheap
# first test (plain `in` checks) before any pattern runs on a line. Only the ASCII ones: the
# pattern is searched in ASCII text alone (may_hold_blank passes any other line before it),
# where no other can be found, and the shorter alternation is a third cheaper.
_BLANK_WORDS = contact_words.literal_pattern(
    word for word in (
        {word.lower() for words in contact_words.BLANK_VALUES.values() for word in words
         if len(word) > 2}
        | {f"({verb}" for verbs in contact_words.INSTRUCTION_VERBS.values() for verb in verbs}
        | {name.lower() for name in contact_words.STAND_IN_NAMES}
        | {"to be ", "not yet"}
    )
    if word.isascii()
)
_STAND_IN_ANYWHERE = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted({re.escape(noun) for noun in contact_words.STAND_IN_NOUNS},
                                       key=len, reverse=True))
    + r")\s+(?:[a-z]|[1-9]|#[1-9])(?![\w-])")
# What every match of _STAND_IN_ANYWHERE ends in: a one-character word after a space. A
# plain scan, five times cheaper than the nouns' alternation, which runs only where it hits.
_ONE_CHARACTER_WORD = re.compile(r"\s(?:[a-z]|[1-9]|#[1-9])(?![\w-])")
_NINE_DIGITS = re.compile(r"\d(?:\D{0,3}\d){8}")
_STAND_IN_NAME_ANYWHERE = re.compile(
    "|".join(re.escape(name) for name in contact_words.STAND_IN_NAMES), re.IGNORECASE)


def may_hold_blank(text: str) -> bool:
    """False only when no rule here can find a blank in ``text``: no marker, no stand-in,
    no "to be confirmed"-like phrase and no "(ask ...)" instruction."""
    if may_hold_marker(text) or _may_end_in_generic_name(text):
        return True
    if len(text) > _LONGEST_CONTACT_LINE:
        return False  # only markers count on a huge line (see line_findings)
    lower = text.lower()
    if _ONE_CHARACTER_WORD.search(lower) and _STAND_IN_ANYWHERE.search(lower):
        return True  # "Week 1: Engineer A (primary), Engineer B (backup)"
    # A blank word stands after a label, in a cell or after a dash, or in parentheses. (From
    # here on ``text`` is ASCII: may_hold_marker is true for any other text, so the wide colon,
    # parenthesis and dashes need no test; a chain of `in` costs half a generator over them.)
    separated = (":" in text or "|" in text or "(" in text or "  " in text or "=" in text
                 or "..." in text or " - " in text or "\t" in text)
    return ((separated and _BLANK_WORDS.search(lower) is not None)
            or ("@" in text and bool(_STAND_IN_EMAIL.search(text)))
            or text.rstrip().endswith(('""', "''"))
            or (_NINE_DIGITS.search(text) is not None and _dummy_phone(text) is not None))


def line_findings(
    text: str, line: int, *, code: bool = False, indent: int = 0, contacts: bool = False,
    listing: bool = False,
) -> BodyFinding | None:
    """One finding for a line of body text (key/value line, list item, code line, a row of a
    printed box). ``contacts``: the line sits in a rota or contact section, where a value with
    no label, or a week as its label, still stands for a person. ``listing``: the section's
    heading names a contact list, so even a role assigned per incident ("Incident commander:
    [Phone]") is a standing contact there."""
    if len(text) > _LONGEST_CONTACT_LINE:
        # No contact sheet writes a 100,000-character line: only an unmistakable blank (a
        # masked number, UPDATE THIS) counts there, found in one linear scan.
        strong = _strong_blank(text)
        return None if strong is None else BodyFinding(line, indent + strong[0], "", strong[1])
    if not may_hold_marker(text) and (code or not may_hold_blank(text)):
        return None  # the common case, decided without splitting the line
    if "[" in text and not code:
        unlinked = _LINK_OR_CHECKBOX.sub(lambda m: " " * len(m.group(0)), text)
        if not may_hold_blank(unlinked):
            return None  # only links and checkboxes: most bracketed lines of a runbook
    if _LOG_LINE.match(text):
        return None  # a log line or example output: masked values there are not contacts
    if "[" in text:
        text = _mask_speaker_names(text)
    bullet = _BULLET.match(text)
    if bullet:
        indent += bullet.end()
        text = text[bullet.end():]
    for label, value, column in _segments(text):
        # "5 minutes: SMS to [phone]" configures a notification rule; only a masked number
        # counts.
        segment_code = code or bool(_DURATION_LABEL.match(label))
        if not listing and _INCIDENT_ROLE.match(label.strip("*_ ")):
            continue  # named when an incident starts: a field of the incident's record
        labelled = is_contact_label(label)
        # In a rota, "- **Week 3:** TBD" or a bare "- Person 1" is a person left blank; a
        # blank inside a sentence there ("shadow [N] shifts") is not.
        by_section = not labelled and contacts and (
            not label or bool(_PERIOD_LABEL.match(label))
            or (blank_value(value.strip()) and not _NOT_A_CONTACT_TAIL.search(label)))
        hit = _value_hit(value, labelled or by_section, segment_code)
        if hit is not None and by_section and not hit[2] and not _whole_value(hit[1], value):
            hit = None
        if hit is not None:
            return BodyFinding(line, indent + column + hit[0] - 1, label, hit[1])
    return None


def _whole_value(placeholder: str, value: str) -> bool:
    return _normalised(placeholder) == _normalised(value) or blank_value(value.strip())


@lru_cache(maxsize=16)
def _strong_blank(text: str) -> tuple[int, str] | None:
    """(column, text) of the first unmistakable blank; remembered because a page's context is
    tried more than once on the same line."""
    for placeholder in find_placeholders(text, code=True):
        return placeholder.column, placeholder.text
    return None


def _mask_speaker_names(text: str) -> str:
    """Blank out a bracket right after "this is", "je suis", "sono"...: the speaker's own
    name in a script read out on a call, not a contact to fill in; and the brackets of a
    sentence in quotes ("[NAME], you are my deputy."), which is said, not looked up. A quoted
    value with no sentence around its bracket (`name: "[Lead name]"`) is kept."""
    for quote in _QUOTATION.finditer(text):
        inner = quote.group(1)
        if "[" in inner and len(_BRACKETS_ONLY.sub(" ", inner).split()) >= 3:
            start, end = quote.span(1)
            text = text[:start] + re.sub(r"\[[^\[\]]*\]", lambda m: " " * len(m.group(0)),
                                         inner) + text[end:]
    out = text
    for match in _SPEAKER_BRACKET.finditer(text):
        if contact_words.SPEAKER.search(text[max(0, match.start() - 40): match.start()]):
            out = out[: match.start()] + " " * (match.end() - match.start()) + out[match.end():]
    return out


@lru_cache(maxsize=4096)  # pure, and the same labels, headers and cells recur page after page
def _contact_column(header: str) -> bool:
    header = header.strip().strip("*_")
    if not header or re.search(r"(?<![^\W_])owner(?![^\W_])", header, re.I):
        return False  # an action item's owner is assigned when the action is
    return is_contact_label(header) or bool(
        contact_words.FIELD.search(header) or contact_words.ROLE.search(header))


def _cell_columns(raw: str | None, count: int) -> list[int]:
    """1-based column where each of ``count`` cells of a raw table row starts its content."""
    if raw is None:
        return [1] * count
    columns: list[int] = []
    index = raw.find("|") if raw.lstrip().startswith("|") else -1
    for _ in range(count):
        next_bar = raw.find("|", index + 1)
        end = next_bar if next_bar >= 0 else len(raw)
        cell = raw[index + 1:end]
        blank = len(cell) - len(cell.lstrip()) if cell.strip() else 0
        columns.append(index + 2 + blank)
        index = end
    return columns


_ROTA_FIRST_COLUMN = re.compile(
    r"^(?:weeks?|wk|kw|woche|semaine|semana|settimana|week|vecka|uge|tydzień|days?|dates?|"
    r"datum|fecha|data|jour|tag|giorno|dag|shifts?|turno|schicht|dienst|période|period|"
    r"month|mes|mois|monat|rotation|rota|#)$|^(?:日付|日|曜日|週|周|日期|星期|날짜|요일|주)$",
    re.IGNORECASE)
_NOT_PERSON_COLUMN = re.compile(
    r"(?<![^\W_])(?:notes?|comments?|remarks?|hours|time|times|zone|timezone|status|room|"
    r"rooms|location|place|link|url|channel|topic|agenda|ticket|event|sala|raum|salle|ort|"
    r"lieu|"
    r"holiday|holidays|bemerkung|anmerkung|notas?|observa\w*|remarques?|opmerking|備考|备注|비고)"
    r"(?![^\W_])", re.IGNORECASE)


@lru_cache(maxsize=4096)  # pure, and the same labels, headers and cells recur page after page
def _names_a_blank(value: str) -> bool:
    """A whole cell that is an instruction ("[fill in]"), an undecided value ("TBD") or a
    bracket naming a contact ("[vendor support line]")."""
    text = value.strip()
    if not text or text[0] not in "[<(（【" or text[-1] not in "]>)）】":
        return blank_value(text) if text else False
    core = text[1:-1]
    return blank_value(text) or bool(contact_words.FIELD.search(core)
                                     or contact_words.ROLE.search(core))


def _names_something(cells: list[str], row_columns: list[bool]) -> bool:
    """Whether a row names anything (a letter in a cell other than an empty contact cell)."""
    return any(
        any(char.isalpha() for char in cell)
        for index, cell in enumerate(cells)
        if not (index < len(row_columns) and row_columns[index] and not cell)
    )


def table_findings(table: Table, contacts: bool = False,
                   lines: list[str] | None = None) -> list[BodyFinding]:
    """One finding per row: a blank in a contact column (a marker, "a definir", an
    instruction, or nothing at all in a row that names a role, a week or a person), a strong
    marker anywhere, or a stand-in person ("Engineer A") in a rota."""
    contact_columns = [_contact_column(cell) for cell in table.header]
    if table.header and _ROTA_FIRST_COLUMN.match(table.header[0].strip("*_ ")):
        # A rota: rows are weeks, days or shifts and every other column names who covers
        # them ("Early shift", "EMEA", "Bereitschaft"), except notes and hours.
        contact_columns = [index > 0 and bool(cell.strip()) and not _NOT_PERSON_COLUMN.search(cell)
                           for index, cell in enumerate(table.header)]
    people_table = contacts or any(contact_columns)
    # "| Item | Value |": each row is a label and its value.
    key_value = len(table.header) == 2 and not any(contact_columns)
    findings: list[BodyFinding] = []
    for line, cells in table.rows:
        if key_value and len(cells) == 2 and is_contact_label(cells[0]):
            row_columns = [False, True]
        else:
            row_columns = contact_columns
        for index, cell in enumerate(cells):
            is_contact = index < len(row_columns) and row_columns[index]
            label = table.header[index] if index < len(table.header) else ""
            if row_columns is not contact_columns:
                label = cells[0]
            hit: str | None = None
            offset = 0
            long_cell = len(cell) > _LONGEST_CONTACT_LINE
            value = _mask_speaker_names(cell) if "[" in cell and not long_cell else cell
            found = _value_hit(value, is_contact, code=long_cell)
            if found is None and not long_cell and people_table and not is_contact \
                    and _names_a_blank(value) \
                    and not _NOT_PERSON_COLUMN.search(label):
                # "| Messaging lead | [fill in] |": in a table of people, a cell that is only
                # an instruction or a bracketed contact is left blank, whatever its header.
                found = (value.find(value.strip()) + 1, value.strip(), False)
            if found is not None and (is_contact or people_table or found[1] != value.strip()):
                offset, hit = found[0] - 1, found[1]
            elif is_contact and not cell.strip() and _names_something(cells, row_columns):
                hit = "an empty cell"
            if hit is not None:
                # Where the cells start is read from the raw row only for a finding: most rows
                # have none.
                raw = lines[line - 1] if lines is not None and line - 1 < len(lines) else None
                columns = _cell_columns(raw, len(cells))
                findings.append(BodyFinding(line, columns[index] + offset, label, hit,
                                            in_column=True))
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
            lines.update(block_lines(block))
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
                lines.update(block_lines(block))
            recent_text = []
            continue
        if inside:
            lines.update(block_lines(block))
        if isinstance(block, TextLine | ListItem):
            recent_text.append(block.text)
    return lines


@lru_cache(maxsize=4)  # asked of the same page by the contacts, severity and escalation checks
def may_mark_template(text: str) -> bool:
    """False only when ``text`` can hold no template region: every way to mark one names it
    (``<!-- opsbook: template -->``, spaces allowed; a ```template fence; a heading or line
    naming a template), so ASCII text without "templat" settles it without the block walk."""
    return not text.isascii() or "templat" in text.lower().replace(" ", "")


def _names_template(text: str) -> bool:
    if not _TEMPLATE_WORD.search(text):
        return False
    return bool(_MESSAGE.search(text)) or not _NOT_A_MESSAGE.search(text)


_COLUMN_GAP = re.compile(r"(?<=\S)\s{2,}(?=\S)")


def aligned_tables(blocks: list[Block], lines: list[str]) -> list[Table]:
    """Tables a plain-text handbook lays out with spaces: a header line of three or more
    columns separated by runs of spaces, and the lines under it (no blank line between),
    each cut at the header's column starts — so an empty cell stays empty."""
    tables: list[Table] = []
    run: list[TextLine] = []

    def flush() -> None:
        if len(run) >= 2:
            header_raw = lines[run[0].line - 1].rstrip() if run[0].line <= len(lines) else ""
            if len(header_raw) > 300:
                header_raw = ""  # a table header is short; a huge line is not one
            gaps = list(_COLUMN_GAP.finditer(header_raw))
            if len(gaps) >= 2 and not header_raw.lstrip().startswith(("|", "+")):
                starts = [len(header_raw) - len(header_raw.lstrip())]
                starts.extend(gap.end() for gap in gaps)
                header = _cut(header_raw, starts)
                if any(_contact_column(cell) for cell in header):
                    table = Table(run[0].line, header)
                    for block in run[1:]:
                        raw = lines[block.line - 1] if block.line <= len(lines) else ""
                        if len(raw) <= _LONGEST_CONTACT_LINE and _COLUMN_GAP.search(raw.strip()):
                            table.rows.append((block.line, _cut(raw, starts)))
                    if table.rows:
                        tables.append(table)
        run.clear()

    for block in blocks:
        if isinstance(block, TextLine) and (not run or run[-1].line == block.line - 1):
            run.append(block)
            continue
        flush()
        if isinstance(block, TextLine):
            run.append(block)
    flush()
    return tables


_EMPTY_VALUE = re.compile(r"^(?:\*\*|__)?(?P<label>[^\W_][^:：]{0,48}?)\s*(?:\*\*|__)?[:：]"
                          r"\s*(?:\*\*|__)?\s*$")


def _may_be_empty_value(text: str) -> bool:
    """False only when _EMPTY_VALUE cannot match ``text``: it ends in a colon, then at most
    `**` or `__` and spaces. Two string tests instead of the pattern on every list item."""
    tail = text.rstrip()
    if tail.endswith(("**", "__")):
        tail = tail[:-2].rstrip()
    return tail.endswith((":", "："))


def empty_list_values(blocks: list[Block]) -> list[BodyFinding]:
    """"- Deputy manager:" with nothing after it, in a list whose other items are filled
    ("- Manager: Erik …"): a contact someone left out. A label alone on a line that opens a
    block ("**Escalation:**" over a list) is not one: its neighbours are not key/value items
    of the same list."""
    findings: list[BodyFinding] = []
    items = [block for block in blocks if isinstance(block, ListItem)]
    for index, item in enumerate(items):
        match = _EMPTY_VALUE.match(item.text) if _may_be_empty_value(item.text) else None
        if not match or not is_contact_label(match.group("label")):
            continue
        neighbours = [
            other for other in items[max(0, index - 4): index + 5]
            if other is not item and other.indent == item.indent
            and abs(other.line - item.line) <= 4
        ]
        filled = [other for other in neighbours
                  if ":" in other.text and not _EMPTY_VALUE.match(other.text)]
        nested = any(other.line == item.line + 1 and other.indent > item.indent
                     for other in items)
        if len(filled) >= 2 and not nested:
            findings.append(BodyFinding(item.line, item.indent + 3 + len(item.text),
                                        match.group("label").strip(), "an empty value"))
    return findings


def _cut(raw: str, starts: list[int]) -> list[str]:
    ends = [*starts[1:], max(len(raw), starts[-1])]
    return [raw[start:end].strip() for start, end in zip(starts, ends, strict=True)]


def body_findings(blocks: list[Block], skip_lines: set[int],
                  lines: list[str] | None = None) -> list[BodyFinding]:
    """Placeholder contact values in a Markdown body, outside ``skip_lines`` and outside the
    blocks its structure shows are filled in during an incident (see placeholder_context).
    ``lines``: the page's lines (1-based numbering as in the blocks), for table columns and
    plain-text headings."""
    candidates: list[Block] = []
    for block in blocks:
        if block.line in skip_lines:
            continue
        if isinstance(block, TextLine | ListItem):
            if may_hold_blank(block.text):
                candidates.append(block)
        elif isinstance(block, Fence | Table):
            candidates.append(block)
    empties = [finding for finding in empty_list_values(blocks)
               if finding.line not in skip_lines]
    # Reading the page's structure costs more than finding blanks: first look for any blank
    # the most permissive context could report (every line in a contact list, nothing
    # quiet); most pages have none, and the structure is read only for the others.
    if not empties and not _collect(blocks, candidates, skip_lines, lines, None):
        return []
    from opsbook.checks.placeholder_context import analyse

    context = analyse(blocks, lines)
    findings = [finding for finding in empties if finding.line not in context.quiet]
    findings.extend(_collect(blocks, candidates, skip_lines, lines, context))
    return findings


def _collect(blocks: list[Block], candidates: list[Block], skip_lines: set[int],
             lines: list[str] | None, context: Context | None) -> list[BodyFinding]:
    """Findings in ``candidates`` given the page's ``context``; with None, every finding any
    context could give (nothing quiet, every line both in and out of a contact list)."""
    def quiet(line: int) -> bool:
        return context is not None and line in context.quiet

    def in_contacts(line: int) -> tuple[bool, ...]:
        return (line in context.contacts,) if context is not None else (False, True)

    def listing(line: int) -> bool:
        return context is None or line in context.listing

    findings: list[BodyFinding] = []
    in_aligned: set[int] = set()
    if lines is not None:
        for table in aligned_tables(blocks, lines):
            in_aligned.add(table.line)
            in_aligned.update(line for line, _ in table.rows)
            if quiet(table.line) or table.line in skip_lines:
                continue
            findings.extend(
                finding for finding in table_findings(table, in_contacts(table.line)[-1])
                if not quiet(finding.line) and finding.line not in skip_lines)
    for block in candidates:
        if block.line in in_aligned or quiet(block.line):
            continue
        if isinstance(block, TextLine | ListItem):
            for contacts in in_contacts(block.line):
                found = line_findings(block.text, block.line, contacts=contacts,
                                      listing=listing(block.line))
                if found:
                    findings.append(found)
                    break
        elif isinstance(block, Fence):
            code = block.info in _SHELL_INFOS
            for line, text in block.body:
                stripped = text.strip()
                # line_findings' own first test, taken once per line rather than once per
                # context tried: it reads the text alone, and most code lines fail it.
                if len(stripped) <= _LONGEST_CONTACT_LINE and (
                        not may_hold_strong_marker(stripped) if code
                        else not may_hold_blank(stripped)):
                    # Only a masked number or UPDATE THIS counts in a shell line (see
                    # _value_hit): its brackets (`rate(x[5m])`) need no further reading.
                    continue
                if line in skip_lines or quiet(line):
                    continue
                for contacts in in_contacts(block.line):
                    found = line_findings(stripped, line, code=code,
                                          indent=len(text) - len(text.lstrip()),
                                          contacts=contacts, listing=listing(block.line))
                    if found:
                        findings.append(found)
                        break
        elif isinstance(block, Table):
            findings.extend(
                finding for finding in table_findings(block, in_contacts(block.line)[-1], lines)
                if not quiet(finding.line))
    return findings
