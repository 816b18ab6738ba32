"""Alerting rules: the Prometheus rules the `alert_rules` option names, beside the runbooks.

An alert is answered by the runbook that lists it under ``alerts:``; its rule should link there
with a ``runbook_url`` annotation. One alert name often has several rules (a warning and a
critical threshold): they are kept apart, each with its own file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from opsbook.diagnostics import Position
from opsbook.load.alerts import ParsedRule, RuleMarks, expand_globs, parse_rule_file
from opsbook.load.confine import outside_problem, outside_target
from opsbook.load.document import display_path_for, read_source
from opsbook.load.problems import LoadProblem
from opsbook.load.text import decode_source
from opsbook.settings import OpsbookConfig, find_config

SEVERITY_LABELS = ("severity", "priority")
"""Labels that name an alert's severity, compared with the runbook's (through the matrix)."""

_HARD_PROBLEMS = ("OB001", "OB002", "OB009", "OB010")
"""Loader problems that mean the file was not read at all (its encoding quirks, such as a BOM
or CRLF line ends, are fine in YAML and not reported)."""


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule (recording rules are not kept)."""

    name: str
    expr: str
    duration: str  # the rule's `for`, as written ("" when it has none)
    labels: dict[str, str]
    annotations: dict[str, str]
    path: Path
    display_path: str
    position: Position  # of `alert:`
    group: str = ""
    label_positions: dict[str, Position] = field(default_factory=dict)
    annotation_positions: dict[str, Position] = field(default_factory=dict)
    marks: RuleMarks | None = None

    @property
    def runbook_url(self) -> str | None:
        return self.annotations.get("runbook_url")

    @property
    def runbook_url_position(self) -> Position:
        return self.annotation_positions.get("runbook_url", self.position)

    def severity_labels(self) -> Iterator[tuple[str, str, Position]]:
        """(label, value, position) of each label naming a severity."""
        for label in SEVERITY_LABELS:
            value = self.labels.get(label)
            if value is not None and value.strip():
                yield label, value.strip(), self.label_positions.get(label, self.position)


@dataclass
class AlertRuleFile:
    path: Path
    display_path: str
    rules: list[AlertRule] = field(default_factory=list)
    recording_rules: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    suppressions: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def suppresses(self, rule: str, line: int) -> bool:
        """Whether a `# opsbook: disable` comment silences ``rule`` at ``line``."""
        return rule in self.suppressions.get(line, ()) or rule in self.suppressions.get(0, ())


@dataclass(frozen=True)
class AlertScope:
    """For a check of part of a site (one chunk of a large one): the alerts whose findings on
    the rule files this part reports (each where the runbook answering it is), the alerts
    answered anywhere in the site, and whether it reports what belongs to no alert (problems
    of the files, patterns matching nothing, unknown severity labels)."""

    report: frozenset[str]  # lower-cased alert names
    answered: frozenset[str]
    first: bool


@dataclass
class AlertRules:
    """The rule files of a handbook, and the patterns of `alert_rules` that matched nothing."""

    files: list[AlertRuleFile] = field(default_factory=list)
    unmatched: list[tuple[str, Position]] = field(default_factory=list)
    config_display_path: str = "mkdocs.yml"
    scope: AlertScope | None = None  # None: the whole site is checked
    _by_name: dict[str, list[AlertRule]] | None = field(default=None, repr=False, compare=False)

    @property
    def rules(self) -> Iterator[AlertRule]:
        for rule_file in self.files:
            yield from rule_file.rules

    def by_name(self) -> dict[str, list[AlertRule]]:
        """Rules by lower-cased alert name (runbooks match alert names ignoring case); worked
        out once (every chunk of a large site asks)."""
        if self._by_name is None:
            found: dict[str, list[AlertRule]] = {}
            for rule in self.rules:
                found.setdefault(rule.name.strip().lower(), []).append(rule)
            self._by_name = found
        return self._by_name


def _from_parsed(parsed: ParsedRule, path: Path, shown: str) -> AlertRule:
    return AlertRule(
        parsed.name, parsed.expr, parsed.duration, parsed.labels, parsed.annotations, path,
        shown, parsed.position, parsed.group, parsed.label_positions,
        parsed.annotation_positions, parsed.marks,
    )


def load_rule_file(path: Path, shown: str, root: Path | None = None) -> AlertRuleFile:
    """One rule file; what cannot be read or parsed is recorded as problems, never raised."""
    rule_file = AlertRuleFile(path, shown)
    if root is not None and path.is_symlink():
        target = outside_target(path, root)
        if target is not None:
            rule_file.problems.append(outside_problem(path, target))
            return rule_file
    data = read_source(path)
    if isinstance(data, LoadProblem):
        rule_file.problems.append(data)
        return rule_file
    decoded = decode_source(data)
    hard = [problem for problem in decoded.problems if problem.rule in _HARD_PROBLEMS]
    if decoded.text is None or hard:
        rule_file.problems.extend(hard or decoded.problems)
        return rule_file
    parsed = parse_rule_file(decoded.text)
    rule_file.rules = [_from_parsed(rule, path, shown) for rule in parsed.rules]
    rule_file.recording_rules = parsed.recording_rules
    rule_file.problems = parsed.problems
    rule_file.suppressions = parsed.suppressions
    return rule_file


def alert_rule_paths(config: OpsbookConfig) -> tuple[list[Path], list[str]]:
    """The rule files `alert_rules` names (relative to mkdocs.yml), and the unmatched patterns."""
    return expand_globs(config.root, config.alert_rules)


def load_alert_rules(config: OpsbookConfig, base: Path | None = None) -> AlertRules:
    fallback = config.root
    paths, unmatched = alert_rule_paths(config)
    config_file = find_config(config.root)
    shown_config = (display_path_for(config_file, base, fallback) if config_file is not None
                    else "mkdocs.yml")
    rules = AlertRules(config_display_path=shown_config)
    for path in paths:
        rules.files.append(load_rule_file(path, display_path_for(path, base, fallback),
                                          config.root))
    lines = _config_lines(config_file)
    for pattern in unmatched:
        rules.unmatched.append((pattern, _pattern_position(lines, pattern)))
    return rules


def _config_lines(config_file: Path | None) -> list[str]:
    if config_file is None:
        return []
    try:
        return config_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _pattern_position(lines: list[str], pattern: str) -> Position:
    """Where mkdocs.yml spells ``pattern`` (after `alert_rules`), else the option's line."""
    option = next((number for number, line in enumerate(lines)
                   if re.match(r"\s*alert_rules\s*:", line)), None)
    if option is None:
        return Position(1, 1)
    for number in range(option, len(lines)):
        column = lines[number].find(pattern)
        if column != -1 and (number > option or ":" in lines[number][:column]):
            return Position(number + 1, column + 1)
    return Position(option + 1, 1)
