"""Where a blank stands: the structure around a line that says whether it is a contact to
keep filled or text to fill in during an incident.

A handbook mixes two kinds of blanks. A contact list, an on-call schedule, an escalation
ladder or a pocket card to print are filled in *now*; a status update, an e-mail to
customers, a postmortem, a checklist or a script read out on a call are filled in *during or
after an incident*. Brackets look the same in both. What differs is the structure:

* the heading a section sits under ("Status update", "Modèle de message", "Timeline" vs
  "Contacts", "Escalation", "Bereitschaft"), and the short line introducing a block ("Copy
  this into the review document:", "Read this out loud:");
* the block itself: a message opens with a subject line or a greeting; a quotation read out
  starts with a quote mark; a template's blanks are mostly times, summaries and links while a
  contact sheet's are names, numbers and addresses; a table with a time and an event column
  is a log; a checklist item is a task.

:func:`analyse` walks the blocks once and returns, for each line, whether it is quiet (its
blanks stay) and whether it sits in a contact section (a rota, a ladder), where a value with
no label or a week as its label still stands for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from opsbook.checks import contact_words as words
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

_STRONG_CONTACT = re.compile(
    r"(?<![^\W_])(?:contacts?|contact (?:list|sheet|information|info|details)|directory|roster|"
    r"phone ?list|who to call|ansprechpartner|kontakte|contatos|contactos|contatti|contacten|"
    r"annuaire|bereikbaarheid|erreichbarkeit)(?![^\W_])|連絡先|联系人|联系方式|연락처|연락망",
    re.IGNORECASE,
)
_CAPS_HEADING = re.compile(r"^[^a-z]*[A-Z][^a-z]*$")
_TOOLING = re.compile(
    r"(?<![^\W_])(?:setup|set up|setting up|configuration|configure|configuring|install|"
    r"installation|integration|integrate|integrations|einrichtung|konfiguration|"
    r"configuración|configuração|instalação|instalación|installazione|configurazione|"
    r"inrichten|configuratie)(?![^\W_])|設定|配置|설정",
    re.IGNORECASE,
)
_EXAMPLE = re.compile(
    r"(?<![^\W_])(?:example|examples|sample|for instance|e\.g\.|illustration|exemplo|ejemplo|"
    r"exemple|beispiel|esempio|voorbeeld|exempel|przykład|пример|örnek)(?![^\W_])|例|示例|예시",
    re.IGNORECASE)
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_WIKI_HEADING = re.compile(r"^(={2,6})\s*(.+?)\s*\1$")
_UNDERLINE = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_BRACKET = re.compile(r"@?\[([^\[\]]{1,80})\](?!\()")
_LINK_OR_CHECKBOX = re.compile(r"\[(?: |x|X)\]|\[[^\[\]]*\](?=[(\[:])")
_UNDERSCORES = re.compile(r"[_＿]{4,}")
_CHECKBOX_ITEM = re.compile(r"^\[[ xX]\]\s")
_QUOTED = re.compile(r"^\s*[>*_\s]*[\"“„«「『]")
_QUOTE_START = re.compile(r"^>\s*(?:\*\*|__|\*|_)?\s*[\"“„«「『']")
_TIME_HEADER = re.compile(
    r"(?<![^\W_])(?:time|times|when|date|timestamp|heure|hora|horário|horario|zeit|uhrzeit|"
    r"ora|tijd|tijdstip)(?![^\W_])|時刻|时间|時間|시간",
    re.IGNORECASE,
)
_EVENT_HEADER = re.compile(
    r"(?<![^\W_])(?:event|events|action|actions|what happened|update|entry|note|notes|"
    r"step|activity|acción|ação|événement|ereignis|maßnahme|azione|evento|gebeurtenis|"
    r"actie|descripción|description)(?![^\W_])|出来事|事象|対応|事件|操作|조치",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class HeadingClass:
    quiet: bool  # a message, a record or a template: its blanks stay
    contacts: bool  # a contact list, rota, ladder: values stand for people
    tooling: bool = False  # setting up a tool: its examples are the tool's, not the team's
    listing: bool = False  # names a contact list outright ("Contacts", "連絡先")


def classify_heading(text: str, level: int = 2) -> HeadingClass:
    """What a heading (or a short line introducing a block) says its section holds.

    A heading that names a contact list ("Escalation Contact Template", "Contacts (update
    each quarter)") is never quiet; one that names a message or a record ("Escalation
    message", "Shift report") is, even when it also names a rota or escalation; a bare
    "Template" or "Example" is quiet unless the heading is about a rota or a ladder ("Schedule
    template" is a schedule left blank). A document's title (level 1) names its topic, so it
    is quiet only when it says it is a message template."""
    text = text[:200]  # a heading is short; a huge one is classified by its start
    strong_contact = bool(_STRONG_CONTACT.search(text))
    topic = strong_contact or bool(words.CONTACT_SECTION.search(text))
    message = bool(words.MESSAGE.search(text)) or bool(
        re.search(r"meldung|mitteilung|nachricht", text, re.I))
    record = bool(words.RECORD.search(text)) or bool(re.search(r"bericht|protokoll", text, re.I))
    template = bool(words.TEMPLATE.search(text)) or bool(re.search(r"vorlage|muster", text, re.I))
    if strong_contact or _ends_in_role(text):
        return HeadingClass(False, True, listing=strong_contact)
    if _EXAMPLE.search(text) and level > 1:
        # "Example 4-person rotation": an illustration of a rota, not the team's rota (a
        # "schedule template" is a rota left blank, and stays a rota).
        return HeadingClass(True, False)
    if level <= 1:
        return HeadingClass(template and (message or record), topic)
    if _TOOLING.search(text):
        return HeadingClass(True, False, tooling=True)
    if message or record:
        return HeadingClass(True, False)
    if template and not topic:
        return HeadingClass(True, False)
    return HeadingClass(False, topic)


def _ends_in_role(text: str) -> bool:
    """"Communications lead", "Incident commander": a heading naming a role is about who
    holds it, even when the role's name holds a word like "communications"."""
    tokens = re.sub(r"\([^()]*\)", "", text).strip().strip("*_:").split()
    if not tokens:
        return False
    return bool(re.fullmatch(r"(?:lead|leader|manager|commander|coordinator|owner|liaison|"
                             r"officer|director|on-call|oncall|contact|engineer|responder)s?",
                             tokens[-1], re.IGNORECASE))


@dataclass
class Context:
    quiet: set[int] = field(default_factory=set)  # lines whose blanks stay
    contacts: set[int] = field(default_factory=set)  # lines in a contact section
    speech: set[int] = field(default_factory=set)  # lines of a quotation read out or sent
    listing: set[int] = field(default_factory=set)  # lines under a heading naming contacts


def _block_text_lines(block: Block) -> list[tuple[int, str]]:
    if isinstance(block, Fence):
        return [(line, text.strip()) for line, text in block.body]
    if isinstance(block, Table):
        return [(block.line, " | ".join(block.header)),
                *((line, " | ".join(cells)) for line, cells in block.rows)]
    if isinstance(block, TextLine | ListItem | Heading | Comment):
        return [(block.line, block.text)]
    return []


def plain_heading(block: Block, lines: list[str] | None, first_line: int) -> tuple[int, str] | None:
    """(level, text) when a text line acts as a heading in a plain-text handbook: an
    all-capitals line, a ``== Wiki ==`` line, or a line underlined with ``---``/``===`` that
    the Markdown scanner read as a list item ("3. Escalade" over a rule)."""
    if not isinstance(block, TextLine | ListItem):
        return None
    text = block.text.strip()
    wiki = _WIKI_HEADING.match(text) if len(text) <= 200 else None
    if wiki:
        return len(wiki.group(1)), wiki.group(2)
    if lines is not None:
        index = block.line - first_line + 1
        if 0 <= index < len(lines) and _UNDERLINE.match(lines[index]) and lines[index].strip():
            return (1 if lines[index].strip().startswith("=") else 2), text
    if len(text) > 70:
        return None
    caps = _TRAILING_NOTE.sub("", text)
    if (isinstance(block, TextLine) and _CAPS_HEADING.match(caps)
            and sum(char.isalpha() for char in caps) >= 4 and not text.startswith(("|", "+"))
            and "[" not in text and "_" not in text and ":" not in caps):
        return 2, text
    return None


def _groups(blocks: list[Block]) -> list[list[Block]]:
    """Blocks as a reader sees units: a paragraph (text lines and list items with no blank
    line between them), a fence, a table, a heading."""
    groups: list[list[Block]] = []
    for block in blocks:
        if isinstance(block, TextLine | ListItem) and groups:
            last = groups[-1][-1]
            if isinstance(last, TextLine | ListItem) and last.line == block.line - 1:
                groups[-1].append(block)
                continue
        groups.append([block])
    return groups


def _blank_counts(texts: list[str]) -> tuple[int, int]:
    """(contact blanks, other blanks) in a block: `[Name]`, `[Phone]`, `Phone: ____` stand
    for contacts; `[Time]`, `[Brief description]`, `[Link]` for what happens in an incident."""
    contact = other = 0
    for text in texts:
        text = text[:2000]  # blanks past this in one line are not a form's (see placeholders)
        masked = _LINK_OR_CHECKBOX.sub(" ", text) if "[" in text else text
        label = re.split(r"[:：]", masked, maxsplit=1)[0] if (":" in masked or "：" in masked) \
            else ""
        label_is_contact = bool(label) and len(label) < 40 and bool(
            words.FIELD.search(label) or words.ROLE.search(label))
        for match in _BRACKET.finditer(masked):
            inner = match.group(1)
            if (words.FIELD.search(inner) or words.ROLE.search(inner)
                    or words.INSTRUCTION.match(inner.strip()) or label_is_contact
                    or _follows_contact_word(masked, match.start())):
                contact += 1
            else:
                other += 1
        for match in _UNDERSCORES.finditer(masked):
            if label_is_contact or _follows_contact_word(masked, match.start()):
                contact += 1
            else:
                other += 1
    return contact, other


def _follows_contact_word(text: str, start: int) -> bool:
    from opsbook.checks.placeholders import after_contact_word

    return after_contact_word(text, start + 1)


def _reads_as_template(texts: list[str]) -> bool:
    contact, other = _blank_counts(texts)
    return other >= 2 and other > contact


def _opens_message(texts: list[str]) -> bool:
    """Whether a block starts like a message: a subject line or a greeting among its first
    lines ("To: …" may come first). A greeting in quotes is an example inside prose."""
    return any(words.MESSAGE_OPENER.match(text) and not _QUOTED.match(text)
               for text in texts[:3])


def _introduces_people(group: list[Block]) -> bool:
    """A paragraph whose last sentence, ending in a colon, names roles or contacts:
    "Current comms leads:", "Who to call:"."""
    texts = [text for block in group for _line, text in _block_text_lines(block)]
    if not texts:
        return False
    last = texts[-1].strip().strip("*_ ")
    if not last.endswith((":", "：")):
        return False
    sentence = re.split(r"[.!?]\s+", last.rstrip(":：").strip("*_ "))[-1]
    return len(sentence) <= 60 and (_ends_in_role(sentence)
                                    or bool(_STRONG_CONTACT.search(sentence)))


def _introduces_quiet_block(group: list[Block]) -> bool:
    """A paragraph introducing the next block as text to send, read out or fill in later:
    "Copy this table into the review document", "**Slack Escalation Message:**"."""
    texts = [text for block in group for _line, text in _block_text_lines(block)]
    if not texts:
        return False
    # The introducing sentence ends the paragraph: look at its end only, with plain
    # substring tests (a pattern of a hundred phrases run over whole pages was slow).
    joined = " ".join(texts)[-300:].lower()
    if any(cue in joined for cue in words.INTRO_LOWER):
        return not _STRONG_CONTACT.search(joined)
    last = texts[-1].strip().strip("*_ ")
    if len(last) <= 60 and ". " not in last and last.endswith((":", "：")):
        return classify_heading(last.rstrip(":：").strip("*_ ")).quiet
    return False


def analyse(blocks: list[Block], lines: list[str] | None = None,
            first_line: int = 1) -> Context:
    """Quiet lines and contact-section lines of a page (see the module docstring).
    ``lines`` (the page's lines, when known, starting at ``first_line``) let underlined
    plain-text headings be seen."""
    context = Context()
    stack: list[tuple[int, HeadingClass]] = []
    message_open = False  # a subject line or greeting opened a message in this section
    introduced = False  # the previous paragraph introduced the next block as a template
    introduces_people = False  # ... or as a list of people ("Current comms leads:")
    for whole in _groups(blocks):
        first = whole[0]
        heading: tuple[int, str] | None = None
        if isinstance(first, Heading):
            heading = (first.level, first.text)
        else:
            heading = plain_heading(first, lines, first_line)
        if heading is not None:
            level, text = heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, classify_heading(text, level)))
            message_open = False
            introduced = introduces_people = False
            if len(whole) == 1:
                continue
        group = whole[1:] if heading is not None else whole
        first = group[0]
        if isinstance(first, Comment):
            continue
        section_quiet = section_contacts = listing = False
        for _level, kind in reversed(stack):
            if kind.quiet or kind.contacts:
                section_quiet, section_contacts = kind.quiet, kind.contacts
                listing = kind.listing
                break
        if any(kind.tooling for _level, kind in stack):
            # Steps that set up a paging tool ("Members: [Add all engineers]") stay quiet
            # even under a sub-step about a schedule.
            section_quiet, section_contacts = True, False
        texts = [text for block in group for _line, text in _block_text_lines(block)]
        group_lines = [line for block in group for line in block_lines(block)]
        if _opens_message(texts):
            message_open = True
        quoted = any(_QUOTED.match(text) and words.MESSAGE_OPENER.match(text)
                     for text in texts)
        # Under a heading naming a contact list, a block of blanks is that list left empty,
        # however many of them look like times or links.
        quiet = (section_quiet or message_open or introduced or quoted
                 or (not listing and _reads_as_template(texts)))
        if not quiet and isinstance(first, TextLine) and first.text.startswith(">"):
            quiet = bool(_QUOTE_START.match(first.text)) or any(
                words.SPEAKER.search(text.split("[", 1)[0][-40:]) for text in texts if "[" in text)
        if quiet:
            context.quiet.update(group_lines)
        else:
            for block in group:
                if isinstance(block, Fence) and _is_manifest(block):
                    context.quiet.update(block_lines(block))
                if isinstance(block, ListItem) and _CHECKBOX_ITEM.match(block.text):
                    context.quiet.add(block.line)  # a task to tick, not a value to keep
                if isinstance(block, Table) and _is_log_table(block):
                    context.quiet.update(block_lines(block))
        if section_contacts or introduces_people:
            context.contacts.update(group_lines)
        if listing:
            context.listing.update(group_lines)
        introduced = isinstance(first, TextLine | ListItem) and _introduces_quiet_block(group)
        introduces_people = isinstance(first, TextLine | ListItem) and _introduces_people(group)
    return context


_MANIFEST_KEY = re.compile(r"^\s*(?:apiVersion|kind|metadata|spec|receivers|route|"
                           r"resource|provider|module|variable|hosts|tasks)\s*:", re.I)


def _is_manifest(fence: Fence) -> bool:
    """A configuration file shown as an example (a Kubernetes manifest, Alertmanager routes,
    an Ansible play): its `<name>` blanks are the tool's fields, filled when it is used."""
    return sum(1 for _line, text in fence.body[:40] if _MANIFEST_KEY.match(text)) >= 2


def _is_log_table(table: Table) -> bool:
    """A timeline or log: a time column and an event column. Its rows are filled in as an
    incident goes on, so an empty "who" cell is not a missing contact."""
    header = table.header
    return any(_TIME_HEADER.search(cell) for cell in header) and any(
        _EVENT_HEADER.search(cell) for cell in header)
