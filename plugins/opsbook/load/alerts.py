"""Prometheus alerting rule files, with a position for every rule, label and annotation.

The format is Prometheus' (also Thanos', Mimir's and Loki's): ``groups:``, each group a
``name`` and ``rules``; an alerting rule has ``alert`` and ``expr`` (``for``, ``labels`` and
``annotations`` optional), a recording rule ``record`` instead of ``alert`` (read, then left
alone). A Kubernetes ``PrometheusRule`` object carries the same groups under ``spec:``, and a
file may hold several YAML documents (``---``); documents that are other Kubernetes objects are
skipped. The YAML is composed (``yaml.compose_all``), never constructed: no tag is ever run, and
aliases are followed under a budget.

Besides the values, each rule keeps the character offsets `opsbook alerts sync` needs to change
one annotation in place without touching anything else in the file (:class:`RuleMarks`).
This module only reads; whether a rule is right is for the checks (opsbook.checks.alerts).
"""

from __future__ import annotations

import bisect
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from opsbook.diagnostics import Position
from opsbook.load.problems import LoadProblem

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

RULE_FILE_RULE = "OB701"
"""The rule id of every problem this loader records about a rule file's shape."""

MAX_VALUES = 500_000
"""YAML values after alias expansion: a kube-prometheus bundle of every mixin has ~40,000."""

MAX_DEPTH = 64

_MAP = "tag:yaml.org,2002:map"
_NULL = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class ScalarMarks:
    """Where a scalar value is written: offsets into the text, and how it is quoted
    (``""`` plain, ``'"'``, ``"'"``, ``"|"`` or ``">"``)."""

    start: int
    end: int
    style: str


@dataclass(frozen=True)
class MappingMarks:
    """Where a mapping is written. ``keys``: each key with the offset of its first character and
    its column (0-based); ``last_end``: the end of the last scalar below the mapping (where its
    text ends, comments and blank lines after it aside)."""

    flow: bool
    start: int
    end: int
    keys: tuple[tuple[str, int, int], ...]
    last_end: int


@dataclass(frozen=True)
class RuleMarks:
    """What `opsbook alerts sync` needs to write one rule's ``runbook_url``."""

    rule: MappingMarks
    annotations: MappingMarks | None = None
    annotations_null: ScalarMarks | None = None  # `annotations:` with no value
    runbook_url: ScalarMarks | None = None
    indent_step: int = 2  # how far the file indents a mapping below its key


@dataclass
class ParsedRule:
    """One alerting rule as written (values as text)."""

    name: str
    expr: str
    duration: str  # `for`, as written ("" when absent)
    labels: dict[str, str]
    annotations: dict[str, str]
    position: Position  # of the `alert` key
    group: str
    label_positions: dict[str, Position] = field(default_factory=dict)
    annotation_positions: dict[str, Position] = field(default_factory=dict)
    marks: RuleMarks | None = None


@dataclass
class ParsedRuleFile:
    rules: list[ParsedRule] = field(default_factory=list)
    recording_rules: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    # `# opsbook: disable OB703` comments: line -> rule ids (0: `disable-file`, the whole file)
    suppressions: dict[int, tuple[str, ...]] = field(default_factory=dict)


_SUPPRESSION = re.compile(r"#\s*opsbook:\s*(disable-file|disable)\s+([A-Za-z0-9, ]+)")


def find_suppressions(text: str) -> dict[int, tuple[str, ...]]:
    """``# opsbook: disable OB703`` on a line (or alone on the line before it) silences those
    rules there; ``# opsbook: disable-file OB707`` in the whole file (stored under line 0)."""
    found: dict[int, tuple[str, ...]] = {}
    if "opsbook:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUPPRESSION.search(line)
        if match is None:
            continue
        rules = tuple(rule.upper() for rule in re.split(r"[,\s]+", match.group(2)) if rule)
        if match.group(1) == "disable-file":
            found[0] = found.get(0, ()) + rules
            continue
        found[number] = found.get(number, ()) + rules
        if not line[: match.start()].strip():  # a comment line: it also covers the next one
            found[number + 1] = found.get(number + 1, ()) + rules
    return found


class _TooLarge(Exception):
    pass


class _Locator:
    """1-based line and column from a character offset."""

    def __init__(self, text: str) -> None:
        starts = [0]
        found = text.find("\n")
        while found != -1:
            starts.append(found + 1)
            found = text.find("\n", found + 1)
        self.starts = starts

    def at(self, index: int) -> Position:
        row = bisect.bisect_right(self.starts, index) - 1
        return Position(row + 1, index - self.starts[row] + 1)


def _problem(position: Position, message: str, hint: str) -> LoadProblem:
    return LoadProblem(RULE_FILE_RULE, position.line, position.column, message, hint)


_NOT_A_RULE_FILE_HINT = (
    "list only Prometheus rule files (`groups:` of `rules:`) under `alert_rules` in mkdocs.yml"
)


class _Reader:
    def __init__(self, text: str, marks: bool = True) -> None:
        self.text = text
        self.with_marks = marks
        self.locator = _Locator(text)
        self.result = ParsedRuleFile()
        self.count = 0

    def at(self, node: yaml.Node) -> Position:
        return self.locator.at(node.start_mark.index)

    def problem(self, node: yaml.Node, message: str, hint: str) -> None:
        self.result.problems.append(_problem(self.at(node), message, hint))

    def count_nodes(self, node: yaml.Node, depth: int = 0) -> None:
        """Refuse alias bombs and absurd nesting before reading anything."""
        self.count += 1
        if self.count > MAX_VALUES or depth > MAX_DEPTH:
            raise _TooLarge
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.count_nodes(key, depth + 1)
                self.count_nodes(value, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.count_nodes(item, depth + 1)

    # --- the file's shape ------------------------------------------------------------------

    def document(self, node: yaml.Node) -> bool:
        """Read one YAML document; whether it was a rule document."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return False  # an empty document (a trailing `---`)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "not a Prometheus rule file: the document is not a mapping with "
                         "`groups:`", _NOT_A_RULE_FILE_HINT)
            return True
        top = _entries(node)
        kind = _text(top.get("kind"))
        if "groups" in top:
            self.groups(top["groups"][1])
            return True
        if kind == "PrometheusRule" or (kind is None and "spec" in top):
            spec = top.get("spec")
            if spec is not None and isinstance(spec[1], yaml.MappingNode):
                groups = _entries(spec[1]).get("groups")
                if groups is not None:
                    self.groups(groups[1])
                    return True
            where = spec[1] if spec is not None else node
            self.problem(where, "PrometheusRule has no `spec: groups:`",
                         "put the rule groups under `spec: groups:`")
            return True
        if kind is not None:
            return False  # another Kubernetes object in a multi-document manifest
        self.problem(node, "not a Prometheus rule file: no `groups:` at the top",
                     _NOT_A_RULE_FILE_HINT)
        return True

    def groups(self, node: yaml.Node) -> None:
        if _is_null(node):
            return
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "`groups` must be a list of rule groups",
                         "write each group as a list item: `- name: ...` with `rules:`")
            return
        for group in node.value:
            if not isinstance(group, yaml.MappingNode):
                self.problem(group, "a rule group must be a mapping with `name` and `rules`",
                             "write the group as `- name: ...` followed by `rules:`")
                continue
            entries = _entries(group)
            name = _text(entries.get("name")) or ""
            rules = entries.get("rules")
            if rules is None or _is_null(rules[1]):
                continue  # an empty group is valid Prometheus
            if not isinstance(rules[1], yaml.SequenceNode):
                self.problem(rules[1], f"`rules` of group `{name}` must be a list",
                             "write each rule as a list item: `- alert: ...`")
                continue
            for rule in rules[1].value:
                self.rule(rule, name)

    def rule(self, node: yaml.Node, group: str) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "a rule must be a mapping (`alert:` or `record:`, `expr:`, ...)",
                         "write the rule as `- alert: Name` with `expr:` below it")
            return
        entries = _entries(node)
        if "record" in entries and "alert" not in entries:
            self.result.recording_rules += 1
            return
        if "alert" not in entries:
            self.problem(node, "rule has neither `alert:` nor `record:`",
                         "name the alert with `alert: Name` (or `record:` for a recording rule)")
            return
        key, value = entries["alert"]
        name = _text((key, value))
        if not name:
            self.problem(value, "`alert` must be the alert's name, a non-empty string",
                         "write `alert: SomethingBroken`")
            return
        if "expr" not in entries:
            self.problem(key, f"alert rule `{name}` has no `expr`",
                         "add the PromQL expression the alert fires on: `expr: ...`")
            return
        expr = _text(entries["expr"])
        if expr is None or not expr.strip():
            self.problem(entries["expr"][1], f"`expr` of alert `{name}` must be a PromQL "
                         "expression (a string)", "write the expression as a string")
            return
        duration = ""
        if "for" in entries:
            written = _text(entries["for"])
            if written is None:
                self.problem(entries["for"][1], f"`for` of alert `{name}` must be a duration "
                             "such as 5m", "write `for: 5m`")
            else:
                duration = written
        labels, label_positions = self.string_map(entries.get("labels"), name, "labels")
        annotations, annotation_positions = self.string_map(
            entries.get("annotations"), name, "annotations")
        self.result.rules.append(ParsedRule(
            name, expr, duration, labels, annotations, self.at(key), group,
            label_positions, annotation_positions,
            self.marks(node, entries) if self.with_marks else None,
        ))

    def string_map(
        self, entry: tuple[yaml.Node, yaml.Node] | None, alert: str, what: str
    ) -> tuple[dict[str, str], dict[str, Position]]:
        values: dict[str, str] = {}
        positions: dict[str, Position] = {}
        if entry is None or _is_null(entry[1]):
            return values, positions
        node = entry[1]
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"`{what}` of alert `{alert}` must be a mapping of names to "
                         "values", f"write `{what}:` with one `name: value` line below it")
            return values, positions
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or not key:
                self.problem(key_node, f"a key of `{what}` of alert `{alert}` is not a name",
                             "use `name: value`")
                continue
            text = _text((key_node, value_node))
            if text is None:
                self.problem(value_node, f"{what[:-1]} `{key}` of alert `{alert}` must be a "
                             "plain value, not a list or mapping", "write it as text")
                continue
            values[key] = text
            positions[key] = self.at(value_node)
        return values, positions

    # --- offsets for in-place edits --------------------------------------------------------

    def marks(self, node: yaml.MappingNode,
              entries: dict[str, tuple[yaml.Node, yaml.Node]]) -> RuleMarks:
        annotations = entries.get("annotations")
        mapping: MappingMarks | None = None
        null: ScalarMarks | None = None
        url: ScalarMarks | None = None
        if annotations is not None:
            value = annotations[1]
            if isinstance(value, yaml.MappingNode):
                mapping = self.mapping(value)
                found = _entries(value).get("runbook_url")
                if found is not None and isinstance(found[1], yaml.ScalarNode):
                    url = _scalar_marks(found[1])
            elif _is_null(value) and isinstance(value, yaml.ScalarNode):
                null = _scalar_marks(value)
        return RuleMarks(self.mapping(node), mapping, null, url, self.indent_step(node))

    def mapping(self, node: yaml.MappingNode) -> MappingMarks:
        keys = tuple(
            (str(key.value), key.start_mark.index, key.start_mark.column)
            for key, _value in node.value if isinstance(key, yaml.ScalarNode)
        )
        return MappingMarks(bool(node.flow_style), node.start_mark.index, node.end_mark.index,
                            keys, _last_end(node))

    def indent_step(self, rule: yaml.MappingNode) -> int:
        """How far this file indents a mapping's keys below their parent key (labels under
        `labels:`), for a new `annotations:` block; 2 when the rule shows none."""
        for key, value in rule.value:
            if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
                step: int = value.value[0][0].start_mark.column - key.start_mark.column
                if step > 0:
                    return step
        return 2


def _scalar_marks(node: yaml.ScalarNode) -> ScalarMarks:
    return ScalarMarks(node.start_mark.index, node.end_mark.index, node.style or "")


def _last_end(node: yaml.Node) -> int:
    """Where the text of the last scalar below ``node`` ends."""
    while True:
        if isinstance(node, yaml.MappingNode) and node.value:
            if node.flow_style:
                return int(node.end_mark.index)
            node = node.value[-1][1]
        elif isinstance(node, yaml.SequenceNode) and node.value:
            if node.flow_style:
                return int(node.end_mark.index)
            node = node.value[-1]
        else:
            return int(node.end_mark.index)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def _entries(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text → (key node, value node); the last of duplicate keys wins, as in Prometheus."""
    found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            found[str(key.value)] = (key, value)
    return found


def _text(entry: tuple[yaml.Node, yaml.Node] | None) -> str | None:
    """A scalar's text (numbers and booleans as written); None for a list, mapping or null."""
    if entry is None:
        return None
    node = entry[1]
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL:
        return None
    return str(node.value)


def parse_rule_file(text: str, marks: bool = True) -> ParsedRuleFile:
    """Every alerting rule in ``text`` (the whole file), with what is wrong in its shape.
    Offsets in the marks index ``text`` as given (CRLF line ends kept, if the caller kept them);
    ``marks=False``: none are worked out (a check reads none)."""
    reader = _Reader(text, marks)
    reader.result.suppressions = find_suppressions(text)
    locator = reader.locator
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = locator.at(mark.index) if mark is not None else Position(1, 1)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        reader.result.problems.append(_problem(
            where, f"invalid YAML: {message}",
            "fix the YAML syntax at this line (a Helm or Jsonnet template is not a rule file: "
            "point `alert_rules` at the rendered rules)",
        ))
        return reader.result
    except yaml.YAMLError as error:
        reader.result.problems.append(_problem(Position(1, 1), f"invalid YAML: {error}",
                                               "fix the YAML syntax"))
        return reader.result
    try:
        for node in documents:
            reader.count_nodes(node)
    except (_TooLarge, RecursionError):
        reader.result.problems.append(_problem(
            Position(1, 1),
            f"the file expands to more than {MAX_VALUES} values or nests deeper than "
            f"{MAX_DEPTH} levels (YAML aliases?); it was not read",
            "write the rules out instead of using anchors and aliases",
        ))
        return reader.result
    rule_documents = sum(1 for node in documents if node is not None and reader.document(node))
    if not rule_documents and not reader.result.problems and any(
        node is not None and not _is_null(node) for node in documents
    ):
        reader.result.problems.append(_problem(
            Position(1, 1), "not a Prometheus rule file: no document holds rule groups "
            "(`groups:`, or a PrometheusRule's `spec: groups:`)", _NOT_A_RULE_FILE_HINT))
    return reader.result


def expand_globs(root: Path, patterns: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """The files ``patterns`` (relative to ``root``, ``**`` for any folders) match, sorted
    and without duplicates; and the patterns that match no file. Hidden files are not matched
    by ``*`` (as in a shell); a pattern that is absolute or climbs out with ``..`` matches
    nothing (files outside the project are never read)."""
    found: dict[Path, None] = {}
    unmatched: list[str] = []
    for pattern in patterns:
        parts = pattern.replace("\\", "/").split("/")
        if os.path.isabs(pattern) or ".." in parts:
            unmatched.append(pattern)
            continue
        names = sorted(glob.glob(pattern, root_dir=root, recursive=True))
        files = [root / name for name in names if (root / name).is_file()]
        if not files:
            unmatched.append(pattern)
        for file in files:
            found.setdefault(file)
    return list(found), unmatched
