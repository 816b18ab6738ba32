"""OB2xx: one severity matrix, and every page agreeing with it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from opsbook.checks.rule import Family, Input, Rule
from opsbook.checks.severity_text import (
    LEGACY_MENTION,
    TimeStatement,
    find_statements,
    legacy_level,
    mention_pattern,
)
from opsbook.diagnostics import Diagnostic, Level, Position, Related
from opsbook.model.project import Project
from opsbook.model.severity import MEASURE_LABELS, MEASURES, SeverityMatrix, normalise_level_name

UNKNOWN_SEVERITY = Rule(
    "OB201", "unknown-severity", Level.ERROR,
    "A runbook names a severity the matrix does not define.",
    "A runbook marked `SEV0` or `Sev-1` in a handbook whose matrix says SEV1..SEV4 cannot be "
    "matched to response times, and the index by severity drops it.",
    (
        '---\n'
        'id: payments-down\n'
        'title: Payments are failing\n'
        'service: payments\n'
        'owner: payments\n'
        'severity: SEV0\n'
        'alerts: [PaymentsDown]\n'
        'last_reviewed: 2026-11-01\n'
        '---\n'
        '\n'
        '## Symptoms\n'
        'Checkout returns errors.\n'
        '\n'
        '## Diagnosis\n'
        "Read the provider's status page.\n"
        '\n'
        '## Mitigation\n'
        'Switch to the backup provider.\n'
        '\n'
        '## Verification\n'
        'A test payment succeeds.\n'
        '\n'
        '## Escalation\n'
        'Page the Payments ladder.\n'
    ),
    (
        '---\n'
        'id: payments-down\n'
        'title: Payments are failing\n'
        'service: payments\n'
        'owner: payments\n'
        'severity: SEV1\n'
        'alerts: [PaymentsDown]\n'
        'last_reviewed: 2026-11-01\n'
        '---\n'
        '\n'
        '## Symptoms\n'
        'Checkout returns errors.\n'
        '\n'
        '## Diagnosis\n'
        "Read the provider's status page.\n"
        '\n'
        '## Mitigation\n'
        'Switch to the backup provider.\n'
        '\n'
        '## Verification\n'
        'A test payment succeeds.\n'
        '\n'
        '## Escalation\n'
        'Page the Payments ladder.\n'
    ),
    "use a level id or alias from the severity matrix",
    reads=frozenset({Input.MATRIX}),
    example_path='runbooks/payments/payments-down.md',
)
DUPLICATE_LEVEL = Rule(
    "OB202", "duplicate-severity-name", Level.ERROR,
    "Two severity levels share an id or alias.",
    "If `P1` names both SEV1 and SEV2, a page saying P1 is ambiguous by a whole level.",
    (
        '---\n'
        'kind: severity-matrix\n'
        'levels:\n'
        '  - id: SEV1\n'
        '    aliases: [P1]\n'
        '    summary: Customers cannot pay\n'
        '    acknowledge: 10m\n'
        '    respond: 20m\n'
        '    update_every: 45m\n'
        '    resolve: 6h\n'
        '  - id: SEV2\n'
        '    aliases: [P1]\n'
        '    summary: Payments are slow\n'
        '    acknowledge: 30m\n'
        '    respond: 1h\n'
        '    update_every: 2h\n'
        '    resolve: 1d\n'
        '---\n'
        '# Severity levels\n'
    ),
    (
        '---\n'
        'kind: severity-matrix\n'
        'levels:\n'
        '  - id: SEV1\n'
        '    aliases: [P1]\n'
        '    summary: Customers cannot pay\n'
        '    acknowledge: 10m\n'
        '    respond: 20m\n'
        '    update_every: 45m\n'
        '    resolve: 6h\n'
        '  - id: SEV2\n'
        '    aliases: [P2]\n'
        '    summary: Payments are slow\n'
        '    acknowledge: 30m\n'
        '    respond: 1h\n'
        '    update_every: 2h\n'
        '    resolve: 1d\n'
        '---\n'
        '# Severity levels\n'
    ),
    "give every level a distinct id and distinct aliases",
    example_path='docs/severity.md',
)
NOT_MONOTONIC = Rule(
    "OB203", "severity-not-monotonic", Level.ERROR,
    "A less severe level has a faster time than a more severe one.",
    "Levels are listed most severe first; SEV3 acknowledged faster than SEV2 is almost "
    "always a typo in one of the two rows.",
    (
        '---\n'
        'kind: severity-matrix\n'
        'levels:\n'
        '  - id: SEV1\n'
        '    aliases: [P1]\n'
        '    summary: Customers cannot pay\n'
        '    acknowledge: 10m\n'
        '    respond: 20m\n'
        '    update_every: 45m\n'
        '    resolve: 6h\n'
        '  - id: SEV2\n'
        '    aliases: [P2]\n'
        '    summary: Payments are slow\n'
        '    acknowledge: 1m\n'
        '    respond: 1h\n'
        '    update_every: 2h\n'
        '    resolve: 1d\n'
        '---\n'
        '# Severity levels\n'
    ),
    (
        '---\n'
        'kind: severity-matrix\n'
        'levels:\n'
        '  - id: SEV1\n'
        '    aliases: [P1]\n'
        '    summary: Customers cannot pay\n'
        '    acknowledge: 10m\n'
        '    respond: 20m\n'
        '    update_every: 45m\n'
        '    resolve: 6h\n'
        '  - id: SEV2\n'
        '    aliases: [P2]\n'
        '    summary: Payments are slow\n'
        '    acknowledge: 30m\n'
        '    respond: 1h\n'
        '    update_every: 2h\n'
        '    resolve: 1d\n'
        '---\n'
        '# Severity levels\n'
    ),
    "make each level's times at least as long as the level above",
    example_path='docs/severity.md',
)
DISAGREES = Rule(
    "OB204", "severity-time-disagrees", Level.ERROR,
    "A hand-written table or key/value block states a severity time the matrix contradicts.",
    "Real handbooks give three different SEV1 response times on three pages. The matrix is "
    "the one source; a copy that disagrees with it tells the on-call engineer the wrong thing.",
    (
        '# Response times\n'
        '\n'
        '| Severity | Acknowledge |\n'
        '|---|---|\n'
        '| SEV1 | 15 minutes |\n'
    ),
    (
        '# Response times\n'
        '\n'
        '| Severity | Acknowledge |\n'
        '|---|---|\n'
        '| SEV1 | 10 minutes |\n'
    ),
    "change the value to match the matrix, or render the table with {{ severity_table() }}",
    reads=frozenset({Input.MATRIX}),
    example_path='docs/response.md',
)
CONFLICTING = Rule(
    "OB205", "conflicting-severity-times", Level.ERROR,
    "A page with no matrix gives the same level two different times for the same measure.",
    "In a legacy handbook there is no single source yet, but two answers to \"how fast must "
    "a SEV1 be answered?\" on one page are certainly one too many.",
    (
        '# Incident response\n'
        '\n'
        '| Severity | Response time |\n'
        '|---|---|\n'
        '| SEV1 | 15 minutes |\n'
        '\n'
        'Respond to SEV1 incidents within 30 minutes.\n'
    ),
    (
        '# Incident response\n'
        '\n'
        '| Severity | Response time |\n'
        '|---|---|\n'
        '| SEV1 | 15 minutes |\n'
        '\n'
        'Respond to SEV1 incidents within 15 minutes.\n'
    ),
    "decide on one value and use it in both places (better: move to a severity matrix)",
    reads=frozenset({Input.MATRIX}),  # only applies while there is no matrix
    example_path='handbook.md',
)
MATRIX_COUNT = Rule(
    "OB206", "severity-matrix-count", Level.ERROR,
    "The handbook has no severity matrix, or more than one.",
    "Runbooks name severities; exactly one matrix must say what they mean.",
    (
        '---\n'
        'kind: severity-matrix\n'
        'levels:\n'
        '  - id: SEV1\n'
        '    aliases: [P1]\n'
        '    summary: Customers cannot pay\n'
        '    acknowledge: 10m\n'
        '    respond: 20m\n'
        '    update_every: 45m\n'
        '    resolve: 6h\n'
        '  - id: SEV2\n'
        '    aliases: [P2]\n'
        '    summary: Payments are slow\n'
        '    acknowledge: 30m\n'
        '    respond: 1h\n'
        '    update_every: 2h\n'
        '    resolve: 1d\n'
        '---\n'
        '# Severity levels\n'
    ),
    (
        '# Severity levels (old)\n'
        '\n'
        'See the [severity levels](severity.md).\n'
    ),
    "keep exactly one file with `kind: severity-matrix`",
    reads=frozenset({Input.MATRIX}),
    example_path='docs/severity-old.md',
)

RULES = (UNKNOWN_SEVERITY, DUPLICATE_LEVEL, NOT_MONOTONIC, DISAGREES, CONFLICTING, MATRIX_COUNT)


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
        for statement in find_statements(document.blocks, resolve, mentions):
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


def _statements_without_matrix(project: Project) -> Iterator[Diagnostic]:
    for document in project.documents:
        if document.text is None:
            continue
        first_seen: dict[tuple[str, str], TimeStatement] = {}
        for statement in find_statements(document.blocks, legacy_level, LEGACY_MENTION):
            key = (statement.level, statement.measure)
            first = first_seen.setdefault(key, statement)
            if first is statement or first.value.same_as(statement.value):
                continue
            yield CONFLICTING.at(
                document.display_path,
                Position(statement.line, 1),
                f'{statement.level} {MEASURE_LABELS[statement.measure]} is '
                f'"{statement.value.text}" ({statement.value.canonical}) on line '
                f'{statement.line} but "{first.value.text}" ({first.value.canonical}) on '
                f"line {first.line}",
                related=(Related(document.display_path, first.line, "first statement"),),
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


FAMILY = Family("OB2", "Severity levels", RULES, check_severity)
