"""OB2xx: one severity matrix, and every page agreeing with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from opsbook.checks.escalation_text import EscalationStatement, escalation_statements
from opsbook.checks.examples import EXAMPLE_MATRIX, EXAMPLE_RUNBOOK
from opsbook.checks.placeholders import may_mark_template, template_lines
from opsbook.checks.rule import Family, Input, Rule
from opsbook.checks.severity_text import (
    LEGACY_MENTION,
    QUALIFIED_MEASURE_LABELS,
    TimeStatement,
    find_statements,
    legacy_level,
    mention_pattern,
    page_resolver,
)
from opsbook.diagnostics import Diagnostic, Level, Position, Related
from opsbook.load.document import Document
from opsbook.load.markdown import Heading
from opsbook.model.project import Project
from opsbook.model.severity import MEASURE_LABELS, MEASURES, SeverityMatrix, normalise_level_name

_TIMES_TABLE = (
    '# Response times\n'
    '\n'
    '| Severity | Acknowledge |\n'
    '|---|---|\n'
    '| SEV1 | 10 minutes |\n'
)
"""A hand-written copy of the example matrix's SEV1 time: OB204's good example."""
_LEGACY_TIMES = (
    '# Incident response\n'
    '\n'
    '| Severity | Response time |\n'
    '|---|---|\n'
    '| SEV1 | 15 minutes |\n'
    '\n'
    'Respond to SEV1 incidents within 15 minutes.\n'
)
"""A legacy page (no matrix) that gives SEV1 one response time twice: OB205's good example."""

UNKNOWN_SEVERITY = Rule(
    "OB201", "unknown-severity", Level.ERROR,
    "A runbook names a severity the matrix does not define.",
    "A runbook marked `SEV0` or `Sev-1` in a handbook whose matrix says SEV1..SEV4 cannot be "
    "matched to response times, and the index by severity drops it.",
    EXAMPLE_RUNBOOK.replace("severity: SEV1", "severity: SEV0"),
    EXAMPLE_RUNBOOK,
    "use a level id or alias from the severity matrix",
    reads=frozenset({Input.MATRIX}),
    example_path='runbooks/payments/payments-down.md',
)
DUPLICATE_LEVEL = Rule(
    "OB202", "duplicate-severity-name", Level.ERROR,
    "Two severity levels share an id or alias.",
    "If `P1` names both SEV1 and SEV2, a page saying P1 is ambiguous by a whole level.",
    EXAMPLE_MATRIX.replace("aliases: [P2]", "aliases: [P1]"),
    EXAMPLE_MATRIX,
    "give every level a distinct id and distinct aliases",
    example_path='docs/severity.md',
)
NOT_MONOTONIC = Rule(
    "OB203", "severity-not-monotonic", Level.ERROR,
    "A less severe level has a faster time than a more severe one.",
    "Levels are listed most severe first; SEV3 acknowledged faster than SEV2 is almost "
    "always a typo in one of the two rows.",
    EXAMPLE_MATRIX.replace("acknowledge: 30m", "acknowledge: 1m"),
    EXAMPLE_MATRIX,
    "make each level's times at least as long as the level above",
    example_path='docs/severity.md',
)
DISAGREES = Rule(
    "OB204", "severity-time-disagrees", Level.ERROR,
    "A hand-written table or key/value block states a severity time the matrix contradicts.",
    "Real handbooks give three different SEV1 response times on three pages. The matrix is "
    "the one source; a copy that disagrees with it tells the on-call engineer the wrong thing.",
    _TIMES_TABLE.replace("10 minutes", "15 minutes"),
    _TIMES_TABLE,
    "change the value to match the matrix, or render the table with {{ severity_table() }}",
    reads=frozenset({Input.MATRIX}),
    example_path='docs/response.md',
)
CONFLICTING = Rule(
    "OB205", "conflicting-severity-times", Level.ERROR,
    "A handbook with no matrix gives the same level two different times for the same measure.",
    "In a legacy handbook there is no single source yet, but two answers to \"how fast must "
    "a SEV1 be answered?\", on one page or on two pages of the same handbook, are certainly "
    "one too many. Only like is compared with like: a first update, the update cadence and "
    "the customer update cadence are three different times.",
    _LEGACY_TIMES.replace("within 15 minutes", "within 30 minutes"),
    _LEGACY_TIMES,
    "decide on one value and use it in both places (better: move to a severity matrix)",
    reads=frozenset({Input.MATRIX}),  # only applies while there is no matrix
    example_path='handbook.md',
)
CONFLICTING_ESCALATION = Rule(
    "OB207", "conflicting-escalation", Level.ERROR,
    "Two places disagree on who is escalated to after a delay, or on when a role is reached.",
    "Mid-incident nobody re-reads the whole handbook: whoever reads \"after 30 minutes, page "
    "the engineering manager\" will not call the lead that another page names for the same "
    "30 minutes. Compared only for the same severity level and the same trigger (no "
    "acknowledgement, no resolution, or plain time).",
    "- No resolution within 30 minutes → notify the engineering manager\n...\n"
    "**Level 3: Engineering lead**\n- Escalated to for an unresolved SEV1 after 30 minutes",
    "- No resolution within 30 minutes → notify the engineering lead\n...\n"
    "**Level 3: Engineering lead**\n- Escalated to for an unresolved SEV1 after 30 minutes",
    "decide who is reached after that delay and write the same in both places",
)
MATRIX_COUNT = Rule(
    "OB206", "severity-matrix-count", Level.ERROR,
    "The handbook has no severity matrix, or more than one.",
    "Runbooks name severities; exactly one matrix must say what they mean.",
    EXAMPLE_MATRIX,
    (
        '# Severity levels (old)\n'
        '\n'
        'See the [severity levels](severity.md).\n'
    ),
    "keep exactly one file with `kind: severity-matrix`",
    reads=frozenset({Input.MATRIX}),
    example_path='docs/severity-old.md',
)

RULES = (UNKNOWN_SEVERITY, DUPLICATE_LEVEL, NOT_MONOTONIC, DISAGREES, CONFLICTING, MATRIX_COUNT,
         CONFLICTING_ESCALATION)


def _matrix_shape(matrix: SeverityMatrix) -> Iterator[Diagnostic]:
    seen: dict[str, str] = {}
    for level in matrix.levels:
        for index, name in enumerate(level.names):
            key = normalise_level_name(name)
            owner = seen.get(key)
            if owner is not None and owner != level.id:
                where = ("id",) if index == 0 else ("aliases", index - 1)
                yield DUPLICATE_LEVEL.at(
                    level.origin.display_path, level.origin.at(*where),
                    f'severity name "{name}" is already used by {owner}',
                )
            seen.setdefault(key, level.id)
    for measure in MEASURES:
        previous = None
        for level in matrix.levels:
            value = level.measure(measure)
            if value is None:
                continue
            if previous is not None and value.minutes < previous[1].minutes:
                yield NOT_MONOTONIC.at(
                    level.origin.display_path, level.origin.at(measure),
                    f"{level.id} {MEASURE_LABELS[measure]} {value.canonical} is faster than "
                    f"{previous[0]} ({previous[1].canonical}), a more severe level",
                )
            previous = (level.id, value)


def _statements_against_matrix(project: Project, matrix: SeverityMatrix) -> Iterator[Diagnostic]:
    @cache  # the same cells and keys ("Severity", "Primary") recur on every page
    def resolve(text: str) -> str | None:
        level = matrix.lookup(text)
        if level is None:
            for separator in (" - ", " (", " – ", "(", ":"):
                if separator in text:
                    level = matrix.lookup(text.split(separator, 1)[0])
                    if level:
                        break
        return level.id if level else None

    mentions = mention_pattern([name for level in matrix.levels for name in level.names])
    for document in project.documents:
        if document.text is None:
            continue
        for statement in find_statements(document.blocks, resolve, mentions,
                                         _skip_lines(document)):
            if statement.measure not in MEASURES:
                continue  # a first update or a customer cadence: the matrix holds neither
            level = matrix.lookup(statement.level)
            expected = level.measure(statement.measure) if level else None
            if expected is None or expected.same_as(statement.value):
                continue
            written_at = document.lines[statement.line - 1].find(statement.value.text)
            yield DISAGREES.at(
                document.display_path,
                Position(statement.line, written_at + 1 if written_at >= 0 else 1),
                f'{statement.written_level} {MEASURE_LABELS[statement.measure]} is written '
                f'here as "{statement.value.text}" ({statement.value.canonical}), but the '
                f"severity matrix says {expected.canonical}",
                related=(Related(matrix.origin.display_path,
                                 level.origin.at(statement.measure).line if level else 1,
                                 "severity matrix"),),
            )


def _label(measure: str) -> str:
    return MEASURE_LABELS.get(measure) or QUALIFIED_MEASURE_LABELS.get(measure, measure)


def _skip_lines(document: Document) -> frozenset[int]:
    """Lines of communication templates: their times are examples, not commitments."""
    if document.text is None or not may_mark_template(document.text):
        return frozenset()
    return frozenset(template_lines(document.blocks))


def _document_statements(document: Document) -> list[TimeStatement]:
    resolve = page_resolver(legacy_level, document.blocks)
    return find_statements(document.blocks, resolve, LEGACY_MENTION, _skip_lines(document))


_TITLE_WORD = re.compile(r"[A-Za-zÀ-ÿ][\wÀ-ÿ'-]*")
_LOWER_WORD = re.compile(r"(?<![\w./#@-])[a-zà-ÿ][\wà-ÿ'-]*(?![\w-]*\.[a-z])")
# What handbook titles say besides a name, in the languages handbooks are written in.
_TITLE_VOCABULARY = frozenset({
    "handbook", "guide", "runbook", "runbooks", "playbook", "manual", "incident", "incidents",
    "response", "on-call", "oncall", "rotation", "severity", "severities", "levels", "level",
    "escalation", "escalations", "policy", "policies", "procedures", "procedure", "process",
    "platform", "team", "teams", "operations", "support", "service", "services", "sla", "slas",
    "matrix", "communication", "communications", "contacts", "overview", "reference",
    "engineering", "sre", "devops", "guia", "guía", "plantão", "guardia", "astreinte",
    "bereitschaft", "handbuch", "leitfaden", "niveles", "níveis", "niveaux", "severidade",
    "severidad", "prioridades", "incidentes", "incidente", "equipe", "equipo", "équipe"
})


def _title_names(document: Document, ordinary: frozenset[str]) -> frozenset[str]:
    """Proper names in a page's first heading ("Acme On-Call Handbook" → acme): title words
    that no loaded file writes in lower case and that are not handbook vocabulary. Two loose
    files that name different organisations are not one handbook."""
    title = next((block.text for block in document.blocks if isinstance(block, Heading)), "")
    return frozenset(
        word.lower() for word in _TITLE_WORD.findall(title)
        if len(word) >= 3 and not word.islower() and word.lower() not in ordinary
        and word.lower() not in _TITLE_VOCABULARY
    )


def _scale(document: Document) -> frozenset[str]:
    return frozenset(
        level for match in LEGACY_MENTION.finditer(document.text or "")
        if (level := legacy_level(match.group(0)))
    )


def _handbooks(project: Project) -> list[list[Document]]:
    """Documents whose statements are compared with each other. In a site, each page alone:
    the matrix is the one source there, and OB204 compares every page with it. Loose files
    are one handbook when their titles share a name, and files whose titles name no one join
    the files of their folder with the same severity scale (when those name at most one
    organisation)."""
    documents = [document for document in project.documents if document.text is not None]
    if project.config.site:
        return [[document] for document in documents]
    if len(documents) < 2:
        return [documents]
    ordinary = frozenset(word for d in documents for word in _LOWER_WORD.findall(d.text or ""))
    group = list(range(len(documents)))

    def root(index: int) -> int:
        while group[index] != index:
            group[index] = group[group[index]]
            index = group[index]
        return index

    def join(a: int, b: int) -> None:
        group[root(b)] = root(a)

    by_name: dict[str, int] = {}
    by_place: dict[tuple[Path, frozenset[str]], list[int]] = {}
    named: set[int] = set()
    for index, document in enumerate(documents):
        names = _title_names(document, ordinary)
        for name in names:
            if name in by_name:
                join(by_name[name], index)
            else:
                by_name[name] = index
        if names:
            named.add(index)
        by_place.setdefault((document.path.parent, _scale(document)), []).append(index)
    for members in by_place.values():
        nameless = [index for index in members if index not in named]
        if not nameless:
            continue
        for index in nameless[1:]:
            join(nameless[0], index)
        organisations = {root(index) for index in members if index in named}
        if len(organisations) == 1:
            join(organisations.pop(), nameless[0])
    handbooks: dict[int, list[Document]] = {}
    for index, document in enumerate(documents):
        handbooks.setdefault(root(index), []).append(document)
    return list(handbooks.values())


Placed = tuple[Document, TimeStatement]


def _where(place: tuple[Document, TimeStatement | EscalationStatement], here: Document) -> str:
    document, statement = place
    if document is here:
        return f"line {statement.line}"
    return f"{document.display_path} line {statement.line}"


# "Response time" with no "initial" or "first": the time to any reaction at all.
_GENERIC_RESPONSE = re.compile(r"^(?!.*\b(initial|first|primeir|primer|premi|erste))"
                               r".*\b(time|tempo|tiempo|zeit|délai)", re.I)


def _conflicts(statements: list[Placed]) -> Iterator[Diagnostic]:
    """The same level, measure and scope with different values: every statement whose value
    is not the first one's is reported, with the statements that say otherwise as related."""
    groups: dict[tuple[str, str, str], list[Placed]] = {}
    for place in statements:
        statement = place[1]
        groups.setdefault((statement.scope, statement.level, statement.measure), []).append(place)
    for (scope, level, measure), places in groups.items():
        first = places[0][1].value
        for document, statement in places:
            if statement.value.same_as(first):
                continue
            others = [p for p in places if not p[1].value.same_as(statement.value)]
            if measure == "respond" and _GENERIC_RESPONSE.search(statement.label):
                # A bare "response time" is the first reaction, which another place may split
                # into acknowledgement and initial response: name both as the other half.
                others += [p for p in groups.get((scope, level, "acknowledge"), [])
                           if not p[1].value.same_as(statement.value)]
            others = others[:4]
            said = ", ".join(f'"{p[1].value.text}" on {_where(p, document)}' for p in others)
            written_at = document.lines[statement.line - 1].find(statement.value.text)
            yield CONFLICTING.at(
                document.display_path,
                Position(statement.line, written_at + 1 if written_at >= 0 else 1),
                f'{statement.written_level} {_label(measure)} is "{statement.value.text}" '
                f"({statement.value.canonical}) on line {statement.line} but {said}",
                related=tuple(Related(p[0].display_path, p[1].line,
                                      f'{p[1].written_level} {_label(p[1].measure)} '
                                      f'"{p[1].value.text}"') for p in others),
            )


def _statements_without_matrix(project: Project) -> Iterator[Diagnostic]:
    for handbook in _handbooks(project):
        placed = [(document, statement) for document in handbook
                  for statement in _document_statements(document)]
        yield from _conflicts(placed)


_TRIGGERS = {"acknowledge": "with no acknowledgement", "resolve": "unresolved", "time": ""}


def _escalation_conflicts(project: Project) -> Iterator[Diagnostic]:
    """The same level and trigger: one delay, two roles; or one role, two delays. Compared
    within a page: runbooks of different services rightly escalate to different teams."""
    for document in project.documents:
        if document.text is None:
            continue
        seen: dict[str, list[tuple[Document, EscalationStatement]]] = {}
        resolve = page_resolver(legacy_level, document.blocks)
        for statement in escalation_statements(document.blocks, resolve, _skip_lines(document)):
            earlier = seen.setdefault(statement.trigger, [])
            # A statement naming no level holds for every level.
            clashes = [
                (other_document, other) for other_document, other in earlier
                if (statement.level is None or other.level is None
                    or statement.level == other.level)
                and statement.delay.same_as(other.delay) != statement.same_role(other)
            ][:4]
            earlier.append((document, statement))
            if not clashes:
                continue
            said = ", ".join(
                f'"{other.role}" after {other.delay.canonical} on '
                f"{_where((other_document, other), document)}"
                for other_document, other in clashes)
            when = " ".join(part for part in (statement.level or "", _TRIGGERS[
                statement.trigger]) if part)
            line_text = document.lines[statement.line - 1]
            column = line_text.find(statement.delay.text)
            yield CONFLICTING_ESCALATION.at(
                document.display_path,
                Position(statement.line, column + 1 if column >= 0 else 1),
                f'escalation{" for " + when if when else ""}: "{statement.role}" after '
                f"{statement.delay.canonical} on line {statement.line}, but {said}",
                related=tuple(Related(other_document.display_path, other.line,
                                      f'"{other.role}" after {other.delay.canonical}')
                              for other_document, other in clashes),
            )


def check_severity(project: Project) -> Iterator[Diagnostic]:
    matrix = project.matrix
    if len(project.matrices) > 1:
        for extra in sorted(project.matrices, key=lambda m: m.origin.display_path)[1:]:
            yield MATRIX_COUNT.at(
                extra.origin.display_path, Position(1, 1),
                f"second severity matrix (the first is {matrix.origin.display_path})"
                if matrix else "second severity matrix",
            )
    if matrix is None:
        if project.config.site and project.runbooks:
            first = project.runbooks[0].origin
            yield MATRIX_COUNT.at(first.display_path, first.at("severity"),
                                  "runbooks name severities but the handbook has no "
                                  "severity matrix")
        yield from _statements_without_matrix(project)
        yield from _escalation_conflicts(project)
        return
    yield from _matrix_shape(matrix)
    for runbook in project.runbooks:
        if runbook.severity and matrix.lookup(runbook.severity) is None:
            known = ", ".join(level.id for level in matrix.levels)
            yield UNKNOWN_SEVERITY.at(
                runbook.origin.display_path, runbook.origin.at("severity"),
                f'runbook "{runbook.id}" has severity "{runbook.severity}", which the matrix '
                f"does not define (known: {known})",
            )
    yield from _statements_against_matrix(project, matrix)
    yield from _escalation_conflicts(project)


FAMILY = Family("OB2", "Severity levels", RULES, check_severity)
