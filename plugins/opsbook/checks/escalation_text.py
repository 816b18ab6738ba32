"""Statements of who is escalated to, and after how long, as handbooks write them by hand.

Three shapes, each read from the block list with its context:

* arrow lines: ``No acknowledgment within 5 minutes → page the secondary on-call``;
* items under a role: ``**Level 3: Engineering Lead**`` / ``- Escalated to if a SEV1 is
  unresolved after 30 minutes``;
* sentences: ``Escalate to the engineering manager after 30 minutes``, ``If a P1 is not
  resolved within 1 hour, page the CTO``.

Each statement says what starts the clock (no acknowledgement, no resolution, or just time),
the delay, the severity level when one is named, and the role reached. Fenced blocks are
skipped: ASCII diagrams of a chain draw ranges, not commitments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from opsbook.checks.severity_text import LEGACY_MENTION
from opsbook.load.duration import Duration, parse_loose_duration
from opsbook.load.markdown import Block, Heading, ListItem, TextLine

LevelResolver = Callable[[str], str | None]


@dataclass(frozen=True)
class EscalationStatement:
    line: int
    column: int  # 1-based, where the delay is written
    trigger: str  # "acknowledge" | "resolve" | "time"
    delay: Duration
    level: str | None
    role: str  # as written
    names: frozenset[str]  # normalised names of the role (alternatives split)

    def same_role(self, other: EscalationStatement) -> bool:
        """"the manager" is the "engineering manager" of the same page; "primary on-call" is
        not the "secondary on-call"."""
        for mine in self.names:
            for theirs in other.names:
                a, b = set(mine.split()), set(theirs.split())
                if a <= b or b <= a:
                    return True
        return False


# `→` and the same arrow after a trip through the wrong encoding (cp1252, Mac Roman).
_ARROW = re.compile(r"→|->|=>|⟶|⇒|â†’|‚Üí")
_DELAY = re.compile(
    r"\b(?:after|within|in|for|past|over|more than|longer than|beyond|nach|après|después de|"
    r"após|dentro de|en|em|innerhalb von|binnen)\s+(?:of\s+)?"
    r"(?P<amount>\d+(?:\.\d+)?\s*(?:[a-zA-Zà-ÿ]+|分|時間)|an?\s+hour|one\s+hour|half\s+an\s+hour)",
    re.I,
)
_NO_ACK = re.compile(r"\b(no[nt]?[- ]?ack\w*|unack\w*|not\s+(?:been\s+)?ack\w*|"
                     r"do(?:es)?n[o']?t\s+ack\w*|without\s+(?:an?\s+)?ack\w*|no\s+response|"
                     r"not\s+respond\w*|doesn't\s+respond|unanswered|(?:sin|no\s+hay)\s+acuse|"
                     r"sem\s+(?:resposta|reconhecimento)|não\s+(?:é\s+)?reconhecid\w*|"
                     r"keine\s+(?:Bestätigung|Reaktion)|nicht\s+bestätigt|"
                     r"(?:pas|sans)\s+(?:de\s+)?prise\s+en\s+compte)", re.I)
_NO_FIX = re.compile(r"\b(unresolved|not\s+(?:yet\s+)?resolved|no\s+resolution|still\s+"
                     r"(?:open|ongoing|unresolved)|not\s+(?:fixed|mitigated)|persists?|lasting|"
                     r"ongoing|sin\s+resolver|no\s+se\s+(?:ha\s+)?resuel\w*|"
                     r"não\s+(?:é\s+|for\s+)?resolvid\w*|sem\s+resolução|ungelöst|"
                     r"nicht\s+(?:behoben|gelöst)|non\s+résolu\w*|pas\s+résolu\w*)", re.I)
_VERB = re.compile(
    r"^\s*(?:then\s+|and\s+)?(?:auto[- ]?)?(?:escalat\w*|page[sd]?|paging|notify|notifies|notified|"
    r"call|calls|alert|alerts|contact|involve|loop\s+in|inform|wake(?:\s+up)?|bring\s+in|"
    r"pull\s+in|hand\s+(?:over|off)|avisar|acionar|escalar|llamar|notificar|benachrichtigen|"
    r"eskalieren|prévenir|appeler|escalader)\b(?:\s+(?:it|this|the\s+incident|up))?"
    r"(?:\s+(?:to|an|à|a|para|al|au))?\s+",
    re.I,
)
_ROLE_WORD = re.compile(
    r"\b(engineer\w*|lead|leader|manager|director|cto|ceo|cio|ciso|vp|head|on-?call|primary|"
    r"secondary|tertiary|backup|sre|commander|owner|executive|supervisor|chief|founder|team|"
    r"gerente|responsable|jefe|líder|lider|diretor|director|leiter\w*|verantwortlich\w*|"
    r"chef|astreinte|guardia|plantão|bereitschaft|責任者|マネージャー|担当)",
    re.I,
)
_LEVEL_PREFIX = re.compile(r"^\W*(?:level|tier|step|stage|nivel|nível|niveau|stufe|L)\s*\d+"
                           r"\s*[:.)\-–—]\s*", re.I)
_ARTICLE = re.compile(r"^(?:the|a|an|our|your|el|la|o|a|le|der|die|das)\s+", re.I)
# (No leading `\s*` in the patterns used to search or split: on a line of 400,000 spaces it
# would be tried at every position.)
_ROLE_END = re.compile(r"(?:\(|,|;|\.\s|\.$|\bif\b|\bwhen\b|\bafter\b|\bwithin\b|\bvia\b|"
                       r"\bby\b|\bon\b(?!-)|\bfor\b|\bonce\b|\bunless\b|\bsi\b|\bse\b|"
                       r"\bwenn\b|$)", re.I)


def _role_names(role: str) -> frozenset[str]:
    """"Engineering Lead / Senior Engineer" → {"engineering lead", "senior engineer"}."""
    names = set()
    for part in re.split(r"\s*(?:/|\bor\b|\bou\b|\bo\b|\boder\b|&|\band\b|\+)\s*", role):
        text = re.sub(r"\(.*?\)", "", part).strip(" *_`:-–—.").lower()
        text = _ARTICLE.sub("", text)
        text = re.sub(r"\s+(?:engineer|person|member)s?$", "", text)
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            names.add(text)
    return frozenset(names)


def _clean(text: str) -> str:
    return text.replace("**", "").replace("__", "").replace("`", "").strip()


def _trigger(text: str) -> str:
    if _NO_ACK.search(text):
        return "acknowledge"
    if _NO_FIX.search(text):
        return "resolve"
    return "time"


# Every amount _DELAY reads is "hour" or starts with a digit after a space (`\s+(?:of\s+)?\d`):
# a digit glued to a word, as in an alert name (`ApiErrors02982`), starts none.
_SPACED_DIGIT = re.compile(r"\s[0-9]")
# Every level name _LEVEL_MENTION reads ends in a digit: most headings and labels hold none.
_ASCII_DIGIT = re.compile(r"[0-9]")


def _may_state_delay(text: str) -> bool:
    """False only when _DELAY cannot match ``text``: every amount it reads is "hour" or starts
    with a digit after a space. Two cheap tests instead of the pattern, whose keyword
    alternation is tried at every position of every line (30 µs a line). Text that is not ASCII
    always goes to the pattern: its `\\s`, `\\d` and case-insensitive "hour" match other
    scripts' spaces, digits and letters."""
    return (not text.isascii() or "hour" in text.lower()
            or _SPACED_DIGIT.search(text) is not None)


def _delay(text: str) -> tuple[Duration, int] | None:
    """The one delay a text states, and where; None when it states none or several."""
    if not _may_state_delay(text):
        return None
    found = [match for match in _DELAY.finditer(text)
             if parse_loose_duration(match.group("amount")) is not None]
    if len(found) != 1:
        return None
    duration = parse_loose_duration(found[0].group("amount"))
    return (duration, found[0].start("amount")) if duration else None


# "escalate per the team ladder", "page via the paging tool": a pointer to a procedure, not a
# role.
_NOT_A_ROLE = re.compile(r"^(?:per|via|through|using|according|as|in|with|by|immediately|now|"
                         r"further|again|it|this)\b|\b(?:ladder|policy|procedure|process|chain|"
                         r"runbook|plan|path|matrix|channel|tool)s?\b", re.I)


def _role_after_verb(text: str) -> str | None:
    match = _VERB.match(text)
    if not match:
        return None
    rest = text[match.end():]
    role = _ROLE_END.split(rest, maxsplit=1)[0].strip(" *_`:")
    if not role or len(role) > 60 or not _ROLE_WORD.search(role) or _NOT_A_ROLE.search(role):
        return None
    return role


_NOT_A_ROLE_START = frozenset({
    "during", "before", "after", "while", "when", "in", "on", "for", "your", "our", "durante",
    "antes", "después", "depois", "pendant", "avant", "après", "während", "vor", "nach",
})


@lru_cache(maxsize=4096)  # pure; asked for every heading and label, which recur page after page
def _role_label(text: str) -> str | None:
    """The role a label names: "**Level 3: Engineering Lead / Senior Engineer**",
    "**On-Call Manager:**", "### Tier 2 — Platform lead"."""
    clean = _clean(text).rstrip(":").strip()
    if len(clean) > 70 or (":" in clean.split(" ", 1)[-1] and not _LEVEL_PREFIX.match(clean)):
        return None
    clean = _LEVEL_PREFIX.sub("", clean)
    if not clean or re.search(r"\bescalat", clean, re.I):
        return None
    # A role starts or ends with a role word: "Engineering Lead", "Secondary On-Call (Backup)",
    # "Gerente de ingeniería"; not "During on-call shift" or "On-call tools".
    words = [word.strip("*_.,") for word in re.sub(r"\(.*?\)", "", clean).split()]
    if not words or len(words) > 6 or words[0].lower() in _NOT_A_ROLE_START:
        return None
    if not (_ROLE_WORD.fullmatch(words[-1]) or _ROLE_WORD.fullmatch(words[0])):
        return None
    return clean


_LEVEL_MENTION = LEGACY_MENTION
# An item under a role label that says when the role is reached.
_REACHED = re.compile(r"\b(escal\w*|paged|notified|called|engaged|responds?|joins?|"
                      r"takes over|escalad\w*|acionad\w*|eskaliert)\b", re.I)
_SENTENCE_VERB = re.compile(
    r"(?:,\s*|\bthen\s+|^\s*|\band\s+)(?P<verb>(?:auto[- ]?)?(?:escalate|page|notify|call|alert|"
    r"contact|involve|loop\s+in|wake\s+up|bring\s+in|escalar|acionar|avisar|eskalieren|"
    r"benachrichtigen|escalader|prévenir)\b.*)",
    re.I,
)


def escalation_statements(
    blocks: list[Block], resolve_level: LevelResolver, skip: frozenset[int] = frozenset()
) -> list[EscalationStatement]:
    statements: list[EscalationStatement] = []
    role: str | None = None  # the role the nearest label or heading names
    section_level: str | None = None  # the level the nearest heading names
    label_level: str | None = None  # the level the nearest label names

    def level_in(text: str) -> str | None:
        if _ASCII_DIGIT.search(text) is None:
            return None
        for match in _LEVEL_MENTION.finditer(text):
            level = resolve_level(match.group(0))
            if level:
                return level
        return None

    def add(line: int, text: str, target: str, delay: tuple[Duration, int]) -> None:
        names = _role_names(target)
        if names:
            statements.append(EscalationStatement(
                line, delay[1] + 1, _trigger(text), delay[0],
                level_in(text) or label_level or section_level, target, names))

    for block in blocks:
        if isinstance(block, Heading):
            role, label_level = _role_label(block.text), None
            section_level = level_in(block.text)
            continue
        if not isinstance(block, ListItem | TextLine) or block.line in skip:
            continue
        text = block.text
        if len(text) > 400:
            continue  # no escalation step is worded that long
        clean = _clean(text)
        bold = isinstance(block, TextLine) and text.lstrip().startswith(("**", "__"))
        if (bold or clean.endswith(":")) and len(clean) < 80 and not _ARROW.search(clean):
            # A label: "**Level 3: Engineering Lead**", "**Automatic escalation (SEV1):**".
            role, label_level = _role_label(clean), level_in(clean)
            continue
        if not _may_state_delay(clean):
            continue  # both shapes below need a delay (most lines state none)
        offset = len(text) - len(text.lstrip())
        arrow = [part.strip() for part in _ARROW.split(clean, maxsplit=1)]
        if len(arrow) == 2:
            delay = _delay(arrow[0])
            target = _role_after_verb(arrow[1])
            if delay and target:
                add(block.line, clean, target, (delay[0], delay[1] + offset))
            continue
        delay = _delay(clean)
        if delay is None:
            continue
        sentence = _SENTENCE_VERB.search(clean)
        target = _role_after_verb(sentence.group("verb")) if sentence else None
        if target:
            add(block.line, clean, target, (delay[0], delay[1] + offset))
        elif role and isinstance(block, ListItem) and _REACHED.search(clean):
            add(block.line, clean, role, (delay[0], delay[1] + offset))
    return statements
