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
from dataclasses import dataclass, replace
from functools import lru_cache

from opsbook.load.duration import Duration, parse_loose_duration
from opsbook.load.markdown import Block, Fence, Heading, ListItem, Table, TextLine

LevelResolver = Callable[[str], str | None]
"""Maps a cell or key ("**P0 - Critical**", "SEV1 (Critical)") to a canonical level key."""


@dataclass(frozen=True)
class TimeStatement:
    level: str  # canonical level key
    measure: str  # a matrix measure, or a qualified one (see measure_for)
    value: Duration
    line: int
    written_level: str  # as written, for messages
    label: str = ""  # the column, key or sentence word that named the measure
    scope: str = ""  # product, plan or tier the time is for ("" for the whole handbook)


QUALIFIED_MEASURE_LABELS = {
    "first_update": "first update within",
    "first_update_customer": "first customer update within",
    "first_update_management": "first management update within",
    "update_customer": "customer update every",
    "update_management": "management update every",
}
"""Measures a page may state that the matrix does not hold: compared only with themselves."""


# An update is three different things: the first one (a deadline), the cadence to the incident
# channel, and the cadence to customers or to management. A column's header says which.
_QUALIFIED_UPDATES = (
    ("first_update", re.compile(r"\b(first|initial|1st|primeir[ao]|primer[ao]?|premi[eè]re?|"
                                r"erste[rn]?|prim[ao])\b.{0,25}(update|notification|"
                                r"communication|comms|post|atualiza|actualizaci|mise à jour|"
                                r"aktualisierung|meldung|aggiornament)|初回|最初", re.I)),
    ("update_customer", re.compile(r"\b(customers?|public|external|status[- ]page|clients?|"
                                   r"clientes?|kunden?|clienti)\b|顧客|お客様", re.I)),
    ("update_management", re.compile(r"\b(management|managers?|stakeholders?|executives?|"
                                     r"leadership|execs?|ger[eê]ncia|direcci[oó]n|diretoria|"
                                     r"direction|führung|geschäftsleitung|dirigenza)\b|経営",
                                     re.I)),
)
_MEASURE_PATTERNS = (
    ("acknowledge", re.compile(r"\back(nowledge?(ment)?)?\b|\backnowledg|\back\b|\bacuse|"
                               r"\breconoc|\breconhec|\bquittier|\bprise? en compte|\baccus[ée]|"
                               r"\bbestätig|\bpresa in carico|確認|受領", re.I)),
    ("update_every", re.compile(r"\b(status )?updates?\b|\bupdate (frequency|cadence|interval)"
                                r"|\bcommunication cadence\b|\bactualizaci|\batualiza|"
                                r"\bmises? à jour|\baktualisierung|\bstatusmeldung|\baggiornament|"
                                r"更新|報告", re.I)),
    ("resolve", re.compile(r"\bresol(ve|ution)\b|\btime to (fix|resolve|mitigate)\b|"
                           r"\bresoluci|\bresolu[çc]|\brésolu|\bbehebung|\blösung|"
                           r"\bwiederherstell|\bsoluci|\brisoluzion|\bresolver|\brésoudre|"
                           r"解決|復旧", re.I)),
    ("respond", re.compile(r"\brespon(se|d|ding)\b|\bengage(ment)?\b|\brespuesta|\bresposta|"
                           r"\bréponse|\breaktion|\bantwort|\bresponder|\brépondre|\breagier|"
                           r"\batendimento|\batenci[oó]n|\brisposta|応答|対応", re.I)),
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
            return qualify(measure, text)
    return None


def qualify(measure: str, text: str) -> str:
    """An update measure narrowed by what the label says it is (first, customer, management)."""
    if measure != "update_every":
        return measure
    found = [qualified for qualified, pattern in _QUALIFIED_UPDATES if pattern.search(text)]
    if not found:
        return measure
    if found[0] == "first_update" and len(found) > 1:
        return f"first_update_{found[1].removeprefix('update_')}"  # the first customer update
    return found[0]


# SEV1, Sev-1, Severity 1 and Priority 1, P1, also as Portuguese, Spanish, French, German and
# Italian handbooks write them (Severidade 1, Sévérité 1, Schweregrad 1, Prioridad 1, Priorität 1).
_SEVERITY_NAMES = r"sev(?:erity|eridade|eridad|erità)?|sévérité|schweregrad|gravit[éeà]|gravedad"
_PRIORITY_NAMES = r"p(?:riority|rioridade|rioridad|riorité|riorität|riorità)?"
_LEGACY_LEVEL = re.compile(
    r"^\W*(" + _SEVERITY_NAMES + "|" + _PRIORITY_NAMES + r")[\s-]*([0-9])\b", re.I
)


@lru_cache(maxsize=4096)
def legacy_level(text: str) -> str | None:
    """Level key in a handbook with no matrix: SEV1, Sev 1, Severity 1 → SEV1; P0 → P0."""
    match = _LEGACY_LEVEL.match(text.strip().strip("*_` "))
    if not match:
        return None
    prefix = "P" if match.group(1).lower().startswith("p") else "SEV"
    return f"{prefix}{match.group(2)}"


def target_duration(value: str) -> Duration | None:
    """The time a cell or key value sets ("< 15 minutes", "Immediate (< 5 min)", "Every 30
    minutes during business hours"); None for a sentence that merely holds a time, as an
    incident report's "Resolution: rolled back after 10 minutes" does."""
    if len(value.split()) > 6:
        return None
    return parse_loose_duration(value)


def _clean(cell: str) -> str:
    return cell.replace("**", "").replace("__", "").strip().strip("`").strip()


# A column or heading that says whose times these are: the same level may rightly have other
# times for another product, plan or tier.
_SCOPE_WORD = re.compile(r"\b(product|plan|tier|edition|package|subscription|contract|offering|"
                         r"region)s?\b", re.I)
_SCOPE_COLUMN = re.compile(r"\b(produ[ckt]\w*|plan|plano|tarif\w*|tier|edition|package|"
                           r"subscription|contract|offering|region|service|servi[cç]\w*|"
                           r"dienst\w*|component|customer|system|application|app)s?\b", re.I)
# A date in a heading or a date column: an incident record, whose times are what happened,
# not what is promised.
_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
                   r"nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\.?\s+(?:jan|feb|mar|apr|may|jun|jul|"
                   r"aug|sep|oct|nov|dec)[a-z]*\b", re.I)
# Every date _DATE reads holds a digit: a heading without one (most of them) is not searched.
_DIGIT = re.compile(r"\d")
_DATE_COLUMN = re.compile(r"^(date|datum|fecha|data|day|when|opened|started)$", re.I)
_SEVERITY_WORD = re.compile(r"\b(severity|priority|level|sla|response|incident)|"
                            r"\b(sev|p)[ -]?\d\b", re.I)


def scope_of(heading: str) -> str:
    """The scope a heading names ("Enterprise plan", "Search API product"), or ""."""
    text = _clean(heading)
    if _SCOPE_WORD.search(text) and not _SEVERITY_WORD.search(text):
        return text.lower()
    return ""


def _level_column(table: Table, resolve_level: LevelResolver) -> int | None:
    counts = [0] * len(table.header)
    for _, cells in table.rows:
        for index, cell in enumerate(cells[: len(counts)]):
            if resolve_level(_clean(cell)):
                counts[index] += 1
    best = max(range(len(counts)), key=lambda index: counts[index], default=None)
    return best if best is not None and counts[best] else None


def table_statements(
    table: Table, resolve_level: LevelResolver, scope: str = ""
) -> list[TimeStatement]:
    statements: list[TimeStatement] = []
    header = [_clean(cell) for cell in table.header]
    if any(_DATE_COLUMN.match(cell) for cell in header):
        return statements  # an incident log
    measures = [measure_for(cell) for cell in header]
    column = _level_column(table, resolve_level)
    if column is not None and any(m for i, m in enumerate(measures) if i != column):
        scopes = [i for i, cell in enumerate(header)
                  if i != column and measures[i] is None and _SCOPE_COLUMN.search(cell)]
        for line, cells in table.rows:
            level = resolve_level(_clean(cells[column])) if column < len(cells) else None
            if level is None:
                continue
            row_scope = " / ".join([scope] + [_clean(cells[i]).lower() for i in scopes
                                              if i < len(cells)]) if scopes else scope
            for index in range(min(len(cells), len(measures))):
                measure = measures[index]
                value = target_duration(_clean(cells[index])) if measure else None
                if measure and value is not None and index != column:
                    statements.append(TimeStatement(level, measure, value, line,
                                                    _clean(cells[column]), header[index],
                                                    row_scope))
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
                value = target_duration(_clean(cells[index])) if level else None
                if level and value is not None:
                    statements.append(TimeStatement(level, measure, value, line, header[index],
                                                    _clean(cells[0]), scope))
    return statements


# The value's trailing spaces are stripped in Python: `(.*?)\s*$` and two adjacent `\s*` backtrack
# quadratically on a long run of spaces.
_KEY_LINE = re.compile(r"^(\s*)(?:[-*+]\s+)?(?:\*\*|__)?([^:*_]{1,60}?)(?:\*\*|__)?\s*+:"
                       r"(?:\*\*|__)?\s*(.*)$")


def keyed_statements(
    lines: list[tuple[int, str]], resolve_level: LevelResolver, scope: str = ""
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
        measure = label = None
        for candidate in reversed(keys):
            if level is None:
                level = resolve_level(candidate)
                written = candidate if level else None
            if measure is None:
                measure = measure_for(candidate)
                label = candidate if measure else None
        if level and measure and written:
            duration = target_duration(value.strip().strip("\"'"))
            if duration is not None:
                statements.append(TimeStatement(level, measure, duration, line, written,
                                                label or "", scope))
    return statements


_KEYED_INFOS = {"", "yaml", "yml", "text", "txt", "plain", "markdown", "md"}


LEGACY_MENTION = re.compile(
    r"\b(?:SEV|Sev|sev|Severity|P|Priority|Severidade|Severidad|Sévérité|Schweregrad|"
    r"Prioridade|Prioridad|Priorité|Priorität)[ -]?[0-9]\b")
"""Level names in running text of a handbook with no matrix."""


def mention_pattern(names: list[str]) -> re.Pattern[str]:
    """Level names that can be spotted in running text: ids and aliases that contain a digit
    ("SEV1", "P2"). Word aliases such as "High" are too common in prose to count."""
    return _mention_pattern(tuple(names))


_NEVER = re.compile(r"(?!x)x")

_MENTION_DIGITS: dict[re.Pattern[str], re.Pattern[str]] = {}
"""The digits a text must hold for a mention pattern to match it (every name has one, and a
digit matches only itself, case or no case), as one character class: testing for them is much
cheaper than the case-insensitive search, and most lines of a handbook hold none of them."""


_MENTION_NAMES: dict[re.Pattern[str], re.Pattern[str]] = {}
"""The names a mention pattern looks for, lower-cased, when all are ASCII, as a plain
alternation: in ASCII text, one of them is a substring of every line the pattern matches (it
ignores case only), and finding one costs a fraction of the case-insensitive search (and of a
Python loop of substring tests)."""


@lru_cache(maxsize=64)  # one pattern per matrix, so _MENTION_DIGITS stays small
def _mention_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    coded = sorted({name for name in names if any(char.isdigit() for char in name)},
                   key=len, reverse=True)
    if not coded:
        pattern = re.compile(r"(?!x)x")
        _MENTION_DIGITS[pattern] = _NEVER
        return pattern
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in coded) + r")\b", re.I)
    if all(name.isascii() for name in coded):
        _MENTION_NAMES[pattern] = re.compile(
            "|".join(re.escape(name.lower()) for name in coded))
    _MENTION_DIGITS[pattern] = re.compile(
        "[" + "".join(re.escape(char) for char in sorted({char for name in coded for char in name
                                                          if char.isdigit()})) + "]")
    return pattern


_PAIR = re.compile(
    r"(?:every\s+)?(?P<amount>\d+(?:\.\d+)?\s*[a-z]+|an?\s+hour|hour|day)\s+for\s+"
    r"(?P<level>[\w -]{1,16}?)(?=\s*(?:[,;.)]|and\b|$))",
    re.I,
)
_BOUNDED = re.compile(
    r"\b(?:within|in under|under|every|in|more than|longer than|no later than|at most|up to|"
    r"em até|até|em|en menos de|en|dentro de|cada|a cada|dans|sous|en moins de|toutes les|"
    r"innerhalb von|binnen|alle|entro)"
    r"\s+(?P<amount><?\s*\d+(?:\.\d+)?\s*[a-zà-ÿ]+|an?\s+(?:hour|day|minute)|one\s+(?:hour|day)|"
    r"hourly|daily)",
    re.I,
)
_CLAUSES = re.compile(r"[.;](?:\s|$)")


_LONGEST_SENTENCE = 400


def prose_statements(
    text: str, line: int, mentions: re.Pattern[str], resolve_level: LevelResolver
) -> list[TimeStatement]:
    """Statements in a sentence: "Respond to P1/P2 alerts within 15 minutes", or
    "Status updates every 30 minutes for SEV1, every hour for SEV2"."""
    statements: list[TimeStatement] = []
    digits = _MENTION_DIGITS.get(mentions)
    if digits is not None and digits.search(text) is None:
        return statements  # no digit a level name holds: no mention (see _MENTION_DIGITS)
    clean = text.replace("**", "").replace("__", "")
    names = _MENTION_NAMES.get(mentions)
    if names is not None and clean.isascii():
        lower = clean.lower()
        if names.search(lower) is None:
            return statements  # no level name in the line (see _MENTION_NAMES)
    if not mentions.search(clean):
        # Most lines name no level. A clause is cut at `.`/`;` + space, where `\b` holds in
        # the whole line too, so a line with no mention has no clause with one.
        return statements
    for sentence in _CLAUSES.split(clean):
        if len(sentence) > _LONGEST_SENTENCE:
            continue  # no commitment is worded that long (and the measure search is per char)
        named = [m.group(0) for m in mentions.finditer(sentence)]
        if not named:
            continue
        parts = [sentence]
        if measure_for_clause(sentence) is None and "," in sentence:
            # "P1: response in 5 minutes, updates every 30 minutes": one time per part, each
            # for the levels the whole sentence names.
            parts = sentence.split(",")
        for clause in parts:
            statements.extend(_clause_statements(clause, named, line, mentions, resolve_level))
    return statements


def _clause_statements(
    clause: str, named: list[str], line: int, mentions: re.Pattern[str],
    resolve_level: LevelResolver,
) -> list[TimeStatement]:
    statements: list[TimeStatement] = []
    measure = measure_for_clause(clause)
    if measure is None:
        return statements
    pairs = list(_PAIR.finditer(clause))
    if pairs:
        for pair in pairs:
            level = resolve_level(pair.group("level").strip())
            value = parse_loose_duration(pair.group("amount"))
            if level and value is not None:
                statements.append(TimeStatement(level, measure, value, line,
                                                pair.group("level").strip(), clause))
        return statements
    bounded = list(_BOUNDED.finditer(clause))
    if len(bounded) != 1:
        return statements  # no time, or several: too ambiguous to attribute
    value = parse_loose_duration(bounded[0].group(0))
    if value is None:
        return statements
    for written in [m.group(0) for m in mentions.finditer(clause)] or named:
        level = resolve_level(written)
        if level:
            statements.append(TimeStatement(level, measure, value, line, written, clause))
    return statements


_ESCALATION_WORDS = re.compile(r"\b(escalat\w*|unresolved|lasting|silence\w*|after)\b", re.I)


def measure_for_clause(clause: str) -> str | None:
    """The one measure a sentence talks about, or None when it names none or several, or is
    about escalation timing (which the matrix does not define)."""
    if _ESCALATION_WORDS.search(clause):
        return None
    found = {measure for measure, pattern in _MEASURE_PATTERNS if pattern.search(clause)}
    return qualify(found.pop(), clause) if len(found) == 1 else None


_ALIAS_AFTER = re.compile(
    r"^\W*((?:sev(?:erity)?|p(?:riority)?)[\s-]*[0-9])\b\W{0,4}?\s*[(:\-–—/|]?\s*\**"
    r"([A-Za-zÀ-ÿ]{3,})\b", re.I)
_ALIAS_BEFORE = re.compile(
    r"^\W*([A-Za-zÀ-ÿ]{3,})\**\s*[(/\-–—|]\s*((?:sev(?:erity)?|p(?:riority)?)[\s-]*[0-9])\b",
    re.I)


def level_aliases(blocks: list[Block]) -> dict[str, str]:
    """Words a page gives as another name of a level ("P1 (Critical)", "SEV1: Critical - Site
    down", "Critical (P1)"), lower-cased, each to its level key. A word given to two levels is
    no alias."""
    found: dict[str, set[str]] = {}

    def learn(text: str) -> None:
        for pattern, code_group, word_group in ((_ALIAS_AFTER, 1, 2), (_ALIAS_BEFORE, 2, 1)):
            match = pattern.match(_clean(text))
            if match:
                level = legacy_level(match.group(code_group))
                word = match.group(word_group).lower()
                if level and not legacy_level(word):
                    found.setdefault(word, set()).add(level)

    for block in blocks:
        if isinstance(block, Heading):
            learn(block.text)
        elif isinstance(block, Table):
            for _, cells in block.rows:
                for cell in cells[:2]:
                    learn(cell)
            for cell in block.header:
                learn(cell)
        elif isinstance(block, ListItem | TextLine) and ":" in block.text:
            learn(block.text.split(":", 1)[0] + " " + block.text.split(":", 1)[1][:30])
    return {word: next(iter(levels)) for word, levels in found.items() if len(levels) == 1}


def with_aliases(resolve_level: LevelResolver, aliases: dict[str, str]) -> LevelResolver:
    """``resolve_level``, and a cell or key that starts with a word alias resolves too."""
    if not aliases:
        return resolve_level

    @lru_cache(maxsize=1024)
    def resolve(text: str) -> str | None:
        level = resolve_level(text)
        if level is None:
            words = re.findall(r"[A-Za-zÀ-ÿ]+", _clean(text))
            if words and len(words) <= 4:
                level = aliases.get(words[0].lower())
        return level

    return resolve


def page_resolver(resolve_level: LevelResolver, blocks: list[Block]) -> LevelResolver:
    """``with_aliases(resolve_level, level_aliases(blocks))``, the page's aliases read only when
    a text does not resolve without them: most pages only ever ask about names like "SEV1",
    and reading the aliases walks every block of the page."""
    aliases: dict[str, str] | None = None

    @lru_cache(maxsize=1024)
    def resolve(text: str) -> str | None:
        nonlocal aliases
        level = resolve_level(text)
        if level is None:
            words = re.findall(r"[A-Za-zÀ-ÿ]+", _clean(text))
            if words and len(words) <= 4:
                if aliases is None:
                    aliases = level_aliases(blocks)
                level = aliases.get(words[0].lower())
        return level

    return resolve


def find_statements(
    blocks: list[Block],
    resolve_level: LevelResolver,
    mentions: re.Pattern[str] | None = None,
    skip: frozenset[int] | set[int] = frozenset(),
) -> list[TimeStatement]:
    """Every hand-written statement of a level's time in a page body; lines in ``skip``
    (communication templates, examples) state nothing."""
    statements: list[TimeStatement] = []
    list_run: list[tuple[int, str]] = []
    headings: list[tuple[int, int, str]] = []  # (depth, line, text) of the enclosing headings
    # Both depend on the enclosing headings only: worked out once each time those change, not
    # for every block under them.
    dated = False  # the nearest heading holds a date (an incident record)
    known: list[tuple[tuple[int, str] | None, str]] = []  # context() under these headings

    def context() -> tuple[tuple[int, str] | None, str]:
        """The nearest enclosing heading naming a level ("### P1 - Critical"), and the scope
        the nearest heading naming a product or plan gives."""
        if not known:
            section = next(((line, text.replace(":", " ")) for _, line, text
                            in reversed(headings) if resolve_level(text)), None)
            scope = next((scope_of(text) for _, _, text in reversed(headings)
                          if scope_of(text)), "")
            known.append((section, scope))
        return known[0]

    def keyed(lines: list[tuple[int, str]]) -> None:
        section, scope = context()
        if section is not None:
            # The heading encloses the lines below it like a YAML key.
            lines = [(section[0], section[1] + ":")] + [(n, "  " + t) for n, t in lines]
        statements.extend(keyed_statements(lines, resolve_level, scope))

    def flush() -> None:
        if list_run:
            keyed(list(list_run))
            list_run.clear()

    for block in blocks:
        if dated and not isinstance(block, Heading):
            continue  # an incident record: its times are what happened
        if isinstance(block, ListItem | TextLine):
            if block.line in skip:
                continue
            if ":" in block.text:  # keyed_statements skips lines without a colon anyway
                list_run.append((block.line, " " * block.indent + "- " + block.text
                                 if isinstance(block, ListItem) else block.text))
            if mentions is not None:
                prose = prose_statements(block.text, block.line, mentions, resolve_level)
                if prose:  # the scope walks the headings: asked only for a line that says a time
                    scope = context()[1]
                    statements.extend(replace(statement, scope=scope) for statement in prose)
            continue
        flush()
        if isinstance(block, Heading):
            while headings and headings[-1][0] >= block.level:
                headings.pop()
            headings.append((block.level, block.line, block.text))
            dated = _DIGIT.search(block.text) is not None and _DATE.search(block.text) is not None
            known.clear()
            continue
        if isinstance(block, Table):
            if block.line not in skip:
                statements.extend(table_statements(block, resolve_level, context()[1]))
        elif isinstance(block, Fence) and block.info in _KEYED_INFOS and block.line + 1 not in skip:
            keyed(block.body)
    flush()
    return [statement for statement in statements if statement.line not in skip]
