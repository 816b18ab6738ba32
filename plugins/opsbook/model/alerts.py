"""Alerting rules: the Prometheus rules the `alert_rules` option names, beside the runbooks.

An alert is answered by the runbook that lists it under ``alerts:``; its rule should link there
with a ``runbook_url`` annotation (or, as GitLab's runbooks do, a ``runbook`` annotation naming
the runbook's Markdown file). One alert name often has several rules (a warning and a critical
threshold): they are kept apart, each with its own file and line.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    def links(self) -> list[tuple[str, str]]:
        """The annotations linking the alert to its runbook, as (name, value); see
        :func:`runbook_links`."""
        return runbook_links(self.annotations)

    def annotation_position(self, name: str) -> Position:
        return self.annotation_positions.get(name, self.position)

    def severity_labels(self) -> Iterator[tuple[str, str, Position]]:
        """(label, value, position) of each label naming a severity."""
        for label in SEVERITY_LABELS:
            value = self.labels.get(label)
            if value is not None and value.strip():
                yield label, value.strip(), self.label_positions.get(label, self.position)


def runbook_links(annotations: dict[str, str]) -> list[tuple[str, str]]:
    """The annotations that link a rule to its runbook, as (name, value): ``runbook_url``, and
    a ``runbook`` holding one address or path (GitLab's rule files name the Markdown file
    there, ``runbook: docs/patroni/alerts/backup.md``; text with spaces or several lines is a
    runbook written inline, not a link)."""
    links = []
    url = annotations.get("runbook_url", "")
    if url.strip():  # an empty one is no link (OB705, as without it)
        links.append(("runbook_url", url))
    value = annotations.get("runbook", "").strip()
    if value and not any(char.isspace() for char in value):
        links.append(("runbook", value))
    return links


def runbook_link(annotations: dict[str, str]) -> tuple[str, str] | None:
    """The link :command:`opsbook alerts sync` goes by: ``runbook_url`` when the rule has one,
    else its ``runbook`` path; None when it has neither."""
    links = runbook_links(annotations)
    return links[0] if links else None


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


def outside_rule_file(path: Path, shown: str, root: Path | None) -> AlertRuleFile | None:
    """A rule file that is a link out of the project at ``root``: not read, a problem."""
    if root is not None and path.is_symlink():
        target = outside_target(path, root)
        if target is not None:
            return AlertRuleFile(path, shown, problems=[outside_problem(path, target)])
    return None


def load_rule_file(path: Path, shown: str, root: Path | None = None) -> AlertRuleFile:
    """One rule file; what cannot be read or parsed is recorded as problems, never raised."""
    outside = outside_rule_file(path, shown, root)
    if outside is not None:
        return outside
    return rule_file_from(path, shown, read_source(path))


def rule_file_from(
    path: Path, shown: str, data: bytes | LoadProblem, marks: bool = True
) -> AlertRuleFile:
    """The rule file ``path`` whose bytes are ``data`` (what :func:`read_source` returned);
    ``marks=False``: without the offsets `opsbook alerts sync` edits at."""
    rule_file = AlertRuleFile(path, shown)
    if isinstance(data, LoadProblem):
        rule_file.problems.append(data)
        return rule_file
    decoded = decode_source(data)
    hard = [problem for problem in decoded.problems if problem.rule in _HARD_PROBLEMS]
    if decoded.text is None or hard:
        rule_file.problems.extend(hard or decoded.problems)
        return rule_file
    parsed = parse_rule_file(decoded.text, marks)
    rule_file.rules = [_from_parsed(rule, path, shown) for rule in parsed.rules]
    rule_file.recording_rules = parsed.recording_rules
    rule_file.problems = parsed.problems
    rule_file.suppressions = parsed.suppressions
    return rule_file


def alert_rule_paths(config: OpsbookConfig) -> tuple[list[Path], list[str]]:
    """The rule files `alert_rules` names (relative to mkdocs.yml), and the unmatched patterns."""
    return expand_globs(config.root, config.alert_rules)


def load_alert_rules(
    config: OpsbookConfig, base: Path | None = None,
    found: tuple[list[Path], list[str]] | None = None,
    load_file: Callable[[Path, str], AlertRuleFile] | None = None,
) -> AlertRules:
    """The rule files `alert_rules` names (``found``: the files and unmatched patterns, when the
    caller globbed them already), each loaded by ``load_file(path, shown)`` (by default
    :func:`load_rule_file`)."""
    fallback = config.root
    paths, unmatched = found if found is not None else alert_rule_paths(config)
    config_file = find_config(config.root)
    shown_config = (display_path_for(config_file, base, fallback) if config_file is not None
                    else "mkdocs.yml")
    rules = AlertRules(config_display_path=shown_config)
    for path in paths:
        shown = display_path_for(path, base, fallback)
        rules.files.append(load_file(path, shown) if load_file is not None
                           else load_rule_file(path, shown, config.root))
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


# --- a rule file's content as JSON (the check cache keeps it by the hash of the file) ---------


def _positions_json(positions: dict[str, Position]) -> dict[str, list[int]]:
    return {key: [position.line, position.column] for key, position in positions.items()}


def _positions(raw: Any) -> dict[str, Position]:
    return {str(key): Position(int(line), int(column)) for key, (line, column) in raw.items()}


def _rule_json(rule: AlertRule) -> str:
    return json.dumps([
        rule.name, rule.expr, rule.duration, rule.labels, rule.annotations, rule.position.line,
        rule.position.column, rule.group, _positions_json(rule.label_positions),
        _positions_json(rule.annotation_positions),
    ], separators=(",", ":"))


def _strings(raw: Any) -> dict[str, str]:
    return {str(key): str(value) for key, value in raw.items()}


class StoredRulesError(ValueError):
    """A stored rule file (the check cache's) that is not what was stored: parse the file."""


def _of_type(raw: Any, kind: type) -> bool:
    """Whether ``raw`` is a list of values of exactly ``kind`` (JSON gives no subclass)."""
    return isinstance(raw, list) and set(map(type, raw)) <= {kind}


def _indices(raw: Any, size: int) -> list[int]:
    if not (_of_type(raw, int) and (not raw or (min(raw) >= 0 and max(raw) < size))):
        raise ValueError("not a stored rule file")
    return list(raw)


@dataclass
class StoredRuleFile:
    """What a rule file's bytes say, JSON-safe and apart from where the file is: each rule's
    (lower-cased) alert name and line, and the rule itself as JSON text, decoded only when
    asked for — a warm check needs the rules of the few alerts a changed runbook claims.
    The marks `opsbook alerts sync` edits at are not kept: no check reads them."""

    names: list[str]
    lines: list[int]
    rules: list[str] | None  # None: not read yet, from ``texts``
    recording_rules: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    suppressions: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # Each severity label and value written (as severity_labels gives them), with the indices
    # of the rules carrying it: which rules an unknown value (OB708) concerns, without them.
    severities: list[tuple[str, str, list[int]]] = field(default_factory=list)
    texts: Path | None = field(default=None, compare=False)  # a JSON file of ``rules``
    _in_order: bool | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, rule_file: AlertRuleFile) -> StoredRuleFile:
        severities: dict[tuple[str, str], list[int]] = {}
        for index, rule in enumerate(rule_file.rules):
            for label, value, _position in rule.severity_labels():
                severities.setdefault((label, value), []).append(index)
        return cls([rule.name.strip().lower() for rule in rule_file.rules],
                   [rule.position.line for rule in rule_file.rules],
                   [_rule_json(rule) for rule in rule_file.rules], rule_file.recording_rules,
                   list(rule_file.problems), dict(rule_file.suppressions),
                   [(label, value, indices) for (label, value), indices in severities.items()])

    def to_json(self) -> dict[str, Any]:
        """Everything but the rules themselves (:meth:`texts_json`)."""
        return {
            "names": self.names, "lines": self.lines,
            "recording_rules": self.recording_rules,
            "problems": [[p.rule, p.line, p.column, p.message, p.hint] for p in self.problems],
            "suppressions": [[line, list(rules)] for line, rules in self.suppressions.items()],
            "severities": [[label, value, indices] for label, value, indices in self.severities],
        }

    def texts_json(self) -> dict[str, Any]:
        return {"rules": self._texts()}

    @classmethod
    def from_json(cls, data: Any, texts: Path) -> StoredRuleFile:
        """What :meth:`to_json` gave, the rules to be read from ``texts`` (what
        :meth:`texts_json` gave) when asked for. Raises ValueError (or TypeError, KeyError,
        AttributeError) on a foreign shape."""
        names, lines = data["names"], data["lines"]
        if not (_of_type(names, str) and _of_type(lines, int) and len(names) == len(lines)):
            raise ValueError("not a stored rule file")
        return cls(
            names, lines, None, int(data["recording_rules"]),
            [LoadProblem(str(rule), int(line), int(column), str(message), str(hint))
             for rule, line, column, message, hint in data["problems"]],
            {int(line): tuple(str(rule) for rule in rules)
             for line, rules in data["suppressions"]},
            [(str(label), str(value), _indices(indices, len(names)))
             for label, value, indices in data["severities"]],
            texts,
        )

    def _texts(self) -> list[str]:
        if self.rules is None:
            if self.texts is None:
                raise StoredRulesError("no rules")
            try:
                rules = json.loads(self.texts.read_bytes())["rules"]
            except (OSError, ValueError, TypeError, KeyError) as error:
                raise StoredRulesError(str(error)) from None
            if not (isinstance(rules, list) and len(rules) == len(self.names)
                    and all(isinstance(rule, str) for rule in rules)):
                raise StoredRulesError("not the stored rules of this file")
            self.rules = rules
        return self.rules

    def rule_file(self, path: Path, shown: str, indices: Sequence[int] | None = None,
                  ) -> AlertRuleFile:
        """The rule file at ``path``, shown as ``shown``, with the rules at ``indices`` (in
        file order; None: every rule). A file with problems keeps every rule: whether it has
        any decides OB704."""
        if self.problems or indices is None:
            indices = range(len(self.names))
        rules = [self._rule(index, path, shown) for index in indices]
        return AlertRuleFile(path, shown, rules, self.recording_rules, list(self.problems),
                             dict(self.suppressions))

    def _rule(self, index: int, path: Path, shown: str) -> AlertRule:
        try:
            (name, expr, duration, labels, annotations, line, column, group, label_positions,
             annotation_positions) = json.loads(self._texts()[index])
            if self.names[index] != str(name).strip().lower():
                raise ValueError("not a stored rule file")
            return AlertRule(
                str(name), str(expr), str(duration), _strings(labels), _strings(annotations),
                path, shown, Position(int(line), int(column)), str(group),
                _positions(label_positions), _positions(annotation_positions))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise StoredRulesError(str(error)) from None

    def alert_at(self, line: int) -> str | None:
        """The (lower-cased) alert of the rule holding ``line``: the last rule starting at or
        before it (as :func:`opsbook.checks.alerts.alert_at` finds it)."""
        if self._in_order is None:
            self._in_order = all(a <= b for a, b in zip(self.lines, self.lines[1:],
                                                        strict=False))
        if self._in_order:
            index = bisect.bisect_right(self.lines, line)
            return self.names[index - 1] if index else None
        found = None
        for name, start in zip(self.names, self.lines, strict=True):
            if start <= line:
                found = name
        return found


@dataclass
class StoredRules:
    """A site's rule files in their stored form, from which :class:`AlertRules` with the rules
    of some alerts are made on demand: a chunk of a large site, or a warm check, needs only the
    alerts its runbooks answer, and ~1 KB per rule adds up in every process of a large site."""

    files: list[tuple[Path, str, StoredRuleFile | AlertRuleFile]]  # unread files: as loaded
    unmatched: list[tuple[str, Position]] = field(default_factory=list)
    config_display_path: str = "mkdocs.yml"
    _by_name: dict[str, list[tuple[int, int]]] | None = field(default=None, repr=False,
                                                              compare=False)

    @classmethod
    def load(
        cls, config: OpsbookConfig, base: Path | None, found: tuple[list[Path], list[str]],
        load_file: Callable[[Path, str], StoredRuleFile | AlertRuleFile],
    ) -> StoredRules:
        files: list[tuple[Path, str, StoredRuleFile | AlertRuleFile]] = []

        def record(path: Path, shown: str) -> AlertRuleFile:
            files.append((path, shown, load_file(path, shown)))
            return AlertRuleFile(path, shown)

        skeleton = load_alert_rules(config, base, found, record)
        return cls(files, skeleton.unmatched, skeleton.config_display_path)

    def defined(self) -> set[str]:
        """Every (lower-cased) alert name a rule defines."""
        names: set[str] = set()
        for _path, _shown, item in self.files:
            if isinstance(item, StoredRuleFile):
                names.update(item.names)
        return names

    def labelled(self, values: Callable[[str], bool]) -> set[str]:
        """The (lower-cased) alerts with a rule whose severity label has a value ``values``
        accepts (stored files only: the others have no rules)."""
        names: set[str] = set()
        for _path, _shown, item in self.files:
            if isinstance(item, StoredRuleFile):
                for _label, value, indices in item.severities:
                    if values(value):
                        names.update(item.names[index] for index in indices)
        return names

    def stored(self, shown: str) -> StoredRuleFile | None:
        for _path, display_path, item in self.files:
            if display_path == shown:
                return item if isinstance(item, StoredRuleFile) else None
        return None

    def rules(self, keep: Collection[str] | None = None) -> AlertRules:
        """The alert rules with the rules of the alerts ``keep`` names (lower-cased; None:
        every rule)."""
        chosen = None if keep is None else self._positions(keep)
        return AlertRules(
            [item.rule_file(path, shown, None if chosen is None else sorted(chosen.get(at, ())))
             if isinstance(item, StoredRuleFile) else item
             for at, (path, shown, item) in enumerate(self.files)],
            list(self.unmatched), self.config_display_path,
        )

    def _positions(self, keep: Collection[str]) -> dict[int, set[int]]:
        """The rules of the alerts ``keep`` names: each file's position, with the indices of
        its rules. Looked up by name: each chunk of a large site keeps a few of the site's
        rules, and reading every rule name for each chunk would grow with the square of the
        site."""
        if self._by_name is None:
            by_name: dict[str, list[tuple[int, int]]] = {}
            for at, (_path, _shown, item) in enumerate(self.files):
                if isinstance(item, StoredRuleFile):
                    for index, name in enumerate(item.names):
                        by_name.setdefault(name, []).append((at, index))
            self._by_name = by_name
        chosen: dict[int, set[int]] = {}
        for name in keep:
            for at, index in self._by_name.get(name, ()):
                chosen.setdefault(at, set()).add(index)
        return chosen
