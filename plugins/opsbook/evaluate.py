"""Scoring opsbook against a labelled corpus: precision and recall per rule family.

A labelled directory holds legacy handbook files and a ``labels.yaml`` saying, line by line,
what a careful reviewer expects to be reported (format: the corpus spec in ``tests/corpus``).
Parsing the labels and scoring a list of diagnostics against them are pure functions; only
:func:`evaluate_directory` reads files and runs the checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from opsbook.diagnostics import Diagnostic

# Which rules each scored family holds. Line families are scored by line; pair families by the
# two lines of a contradiction (the finding's own line and its related line).
LINE_FAMILIES: dict[str, frozenset[str]] = {
    "placeholders": frozenset({"OB101", "OB110"}),
    "mojibake": frozenset({"OB501"}),
}
PAIR_FAMILIES: dict[str, frozenset[str]] = {
    "severity": frozenset({"OB204", "OB205"}),
    "escalation": frozenset({"OB207"}),
}
FAMILIES: tuple[str, ...] = ("placeholders", "severity", "escalation", "mojibake")
LABELS_FILE = "labels.yaml"
CORPUS_SUFFIXES = (".md", ".markdown", ".txt")

_FILE_KEYS = frozenset({"placeholders", "severity", "escalation", "mojibake", "quiet", "notes"})
_TOP_KEYS = frozenset({"files", "cross_file"})


def family_of(rule_id: str) -> str | None:
    for name, rules in (*LINE_FAMILIES.items(), *PAIR_FAMILIES.items()):
        if rule_id in rules:
            return name
    return None


class LabelsError(Exception):
    """A labels file that cannot be used; ``str()`` reads `file:line: what — fix`."""

    def __init__(self, source: str, line: int, what: str, fix: str) -> None:
        super().__init__(f"{source}:{line}: {what} — {fix}")
        self.source = source
        self.line = line


Location = tuple[str, int]  # (file relative to the labelled directory, 1-based line)
Pair = frozenset[Location]


@dataclass(frozen=True)
class Labels:
    files: dict[str, dict[str, frozenset[int]]]  # file -> line family -> lines
    pairs: dict[str, frozenset[Pair]]  # pair family -> pairs (within a file and across files)
    source: str = LABELS_FILE

    def expected_lines(self, family: str) -> set[Location]:
        return {
            (name, line)
            for name, families in self.files.items()
            for line in families.get(family, frozenset())
        }


@dataclass(frozen=True)
class Miss:
    path: str
    line: int
    related: tuple[Location, ...] = ()

    def text(self) -> str:
        others = ", ".join(f"{path}:{line}" for path, line in self.related)
        return f"{self.path}:{self.line}" + (f" (with {others})" if others else "")


@dataclass(frozen=True)
class FamilyScore:
    family: str
    true_positives: int
    false_alarms: tuple[Diagnostic, ...]
    misses: tuple[Miss, ...]
    expected: int
    found: int  # distinct lines (or pairs) reported

    @property
    def precision(self) -> float | None:
        reported = self.true_positives + len(self.false_alarms)
        return self.true_positives / reported if reported else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.expected if self.expected else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "true_positives": self.true_positives,
            "expected": self.expected,
            "false_alarms": [_finding_dict(d) for d in self.false_alarms],
            "misses": [
                {"path": m.path, "line": m.line,
                 "related": [{"path": p, "line": n} for p, n in m.related]}
                for m in self.misses
            ],
        }


@dataclass(frozen=True)
class Evaluation:
    scores: dict[str, FamilyScore]
    files: int
    unlabelled: tuple[str, ...] = field(default=())  # files checked that labels.yaml omits

    def failures(
        self,
        min_precision: float | None,
        min_recall: float | None,
        families: Iterable[str] | None = None,
    ) -> list[str]:
        """Each threshold a family misses, as a sentence. A family with nothing reported has
        no precision to miss; one with nothing labelled has no recall to miss."""
        problems = []
        for name in families or self.scores:
            score = self.scores[name]
            if min_precision is not None and score.precision is not None \
                    and score.precision < min_precision:
                problems.append(f"{name}: precision {score.precision:.3f} < {min_precision}")
            if min_recall is not None and score.recall is not None \
                    and score.recall < min_recall:
                problems.append(f"{name}: recall {score.recall:.3f} < {min_recall}")
        return problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "files": self.files,
            "unlabelled_files": list(self.unlabelled),
            "families": {name: score.to_dict() for name, score in self.scores.items()},
        }


def _finding_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    return {"path": diagnostic.path, "line": diagnostic.line, "rule": diagnostic.rule,
            "message": diagnostic.message}


# --- labels.yaml ---------------------------------------------------------------------------


def parse_labels(text: str, source: str = LABELS_FILE) -> Labels:
    """The labels in ``text`` (the content of a labels.yaml), or :class:`LabelsError` saying
    where and what is wrong."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        raise LabelsError(source, line, f"not valid YAML ({problem})",
                          "fix the YAML syntax") from None
    if root is None:
        raise LabelsError(source, 1, "the labels file is empty", "add a `files:` mapping")
    top = _mapping(root, source, "the labels file", "start it with `files:`")
    for key, key_line, _node in top:
        if key not in _TOP_KEYS:
            raise LabelsError(source, key_line, f"unknown key {key!r}",
                              "use `files:` and `cross_file:`")
    entries = {key: node for key, _line_number, node in top}
    if "files" not in entries:
        raise LabelsError(source, _line(root), "no `files:` mapping",
                          "list each labelled file under `files:`")
    files: dict[str, dict[str, frozenset[int]]] = {}
    pairs: dict[str, set[Pair]] = {name: set() for name in PAIR_FAMILIES}
    for name, name_line, file_node in _mapping(entries["files"], source, "`files`",
                                               "map each file name to its labels"):
        _check_file_name(name, source, name_line)
        families: dict[str, frozenset[int]] = {}
        if _is_null(file_node):
            files[name] = families
            continue
        for key, key_line, value in _mapping(file_node, source, f"the labels of {name}",
                                             "give `placeholders:`, `quiet:`... lists"):
            if key not in _FILE_KEYS:
                raise LabelsError(source, key_line, f"unknown key {key!r} for {name}",
                                  f"use one of {', '.join(sorted(_FILE_KEYS))}")
            if key == "notes":
                continue
            if key in PAIR_FAMILIES:
                for first, second in _pairs(value, source, f"{name} {key}"):
                    pairs[key].add(frozenset({(name, first[1]), (name, second[1])}))
            else:
                families[key] = frozenset(_lines(value, source, f"{name} {key}"))
        files[name] = families
    cross = entries.get("cross_file")
    if cross is not None and not _is_null(cross):
        for key, key_line, value in _mapping(cross, source, "`cross_file`",
                                             "map severity/escalation to pairs of file:line"):
            if key not in PAIR_FAMILIES:
                raise LabelsError(source, key_line, f"unknown cross_file family {key!r}",
                                  f"use one of {', '.join(PAIR_FAMILIES)}")
            for first, second in _pairs(value, source, f"cross_file {key}", located=True):
                pairs[key].add(frozenset({first, second}))
    return Labels(files, {name: frozenset(found) for name, found in pairs.items()}, source)


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _is_null(node: Any) -> bool:
    import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _mapping(node: Any, source: str, what: str, fix: str) -> list[tuple[str, int, Any]]:
    """(key, line of the key, value node) for each entry of a mapping node."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise LabelsError(source, _line(node), f"{what} is not a mapping", fix)
    items: list[tuple[str, int, Any]] = []
    seen: set[str] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise LabelsError(source, _line(key_node), f"a key of {what} is not a string", fix)
        key = str(key_node.value)
        if key in seen:
            raise LabelsError(source, _line(key_node), f"{key!r} is given twice in {what}",
                              "merge the two entries")
        seen.add(key)
        items.append((key, _line(key_node), value_node))
    return items


def _sequence(node: Any, source: str, what: str, fix: str) -> list[Any]:
    import yaml

    if _is_null(node):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise LabelsError(source, _line(node), f"{what} is not a list", fix)
    return list(node.value)


def _line_number(node: Any, source: str, what: str) -> int:
    import yaml

    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int")
            and text.isdecimal() and int(text) >= 1):
        raise LabelsError(source, _line(node), f"{what}: {text or 'this'!r} is not a line number",
                          "write 1-based line numbers such as 12")
    return int(text)


def _lines(node: Any, source: str, what: str) -> list[int]:
    return [_line_number(item, source, what)
            for item in _sequence(node, source, what, "write a list of line numbers: [12, 14]")]


def _location(node: Any, source: str, what: str) -> Location:
    import yaml

    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    name, _, number = text.rpartition(":")
    if not name or not number.isdecimal() or int(number) < 1:
        raise LabelsError(source, _line(node), f"{what}: {text or 'this'!r} is not FILE:LINE",
                          'write "file.md:12"')
    _check_file_name(name, source, _line(node))
    return name, int(number)


def _pairs(
    node: Any, source: str, what: str, located: bool = False
) -> list[tuple[Location, Location]]:
    fix = ('write pairs of "file:line"' if located else "write pairs of lines: [[40, 52]]")
    found: list[tuple[Location, Location]] = []
    for item in _sequence(node, source, what, fix):
        members = _sequence(item, source, what, fix)
        if len(members) != 2:
            raise LabelsError(source, _line(item), f"{what}: a pair needs exactly two entries",
                              fix)
        if located:
            first, second = (_location(member, source, what) for member in members)
        else:
            first, second = (("", _line_number(member, source, what)) for member in members)
        if first == second:
            raise LabelsError(source, _line(item), f"{what}: a pair of one line with itself",
                              "name the two lines that disagree")
        found.append((first, second))
    return found


def _check_file_name(name: str, source: str, line: int) -> None:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise LabelsError(source, line, f"{name!r} is not a path inside the labelled directory",
                          "name files relative to the directory, e.g. acme-oncall.md")


# --- scoring -------------------------------------------------------------------------------


def score(labels: Labels, diagnostics: Sequence[Diagnostic],
          families: Iterable[str] = FAMILIES) -> Evaluation:
    """Score ``diagnostics`` (paths relative to the labelled directory) against ``labels``."""
    scores: dict[str, FamilyScore] = {}
    for family in families:
        found = [d for d in diagnostics if family_of(d.rule) == family]
        if family in PAIR_FAMILIES:
            scores[family] = _score_pairs(family, labels.pairs.get(family, frozenset()), found)
        else:
            scores[family] = _score_lines(family, labels.expected_lines(family), found)
    return Evaluation(scores, len(labels.files))


def _score_lines(family: str, expected: set[Location],
                 found: Sequence[Diagnostic]) -> FamilyScore:
    reported: dict[Location, Diagnostic] = {}
    for diagnostic in found:
        reported.setdefault((diagnostic.path, diagnostic.line), diagnostic)
    hits = expected & reported.keys()
    false_alarms = tuple(reported[key] for key in sorted(reported.keys() - expected))
    misses = tuple(Miss(path, line) for path, line in sorted(expected - reported.keys()))
    return FamilyScore(family, len(hits), false_alarms, misses, len(expected), len(reported))


def _score_pairs(family: str, expected: frozenset[Pair],
                 found: Sequence[Diagnostic]) -> FamilyScore:
    matched: set[Pair] = set()
    unmatched: dict[tuple[str, int, frozenset[Location]], Diagnostic] = {}
    for diagnostic in found:
        own = (diagnostic.path, diagnostic.line)
        candidates = {frozenset({own, (r.path, r.line)}) for r in diagnostic.related}
        hit = candidates & expected
        if hit:
            matched.update(hit)
        else:
            key = (diagnostic.path, diagnostic.line,
                   frozenset((r.path, r.line) for r in diagnostic.related))
            unmatched.setdefault(key, diagnostic)
    misses = tuple(
        Miss(first[0], first[1], (second,))
        for first, second in sorted(tuple(sorted(pair)) for pair in expected - matched)
    )
    false_alarms = tuple(unmatched[key] for key in sorted(unmatched, key=lambda k: k[:2]))
    return FamilyScore(family, len(matched), false_alarms, misses, len(expected),
                       len(matched) + len(unmatched))


# --- reports -------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def format_text(evaluation: Evaluation) -> str:
    lines = [f"{evaluation.files} labelled files"]
    if evaluation.unlabelled:
        lines.append("not in labels (every finding counts as a false alarm): "
                     + ", ".join(evaluation.unlabelled))
    lines.append(f"{'family':<14}{'precision':>10}{'recall':>8}{'found':>7}{'expected':>9}")
    for name, item in evaluation.scores.items():
        lines.append(f"{name:<14}{_percent(item.precision):>10}{_percent(item.recall):>8}"
                     f"{item.true_positives:>7}{item.expected:>9}")
    for name, item in evaluation.scores.items():
        if item.misses:
            lines.append(f"\n{name}: {len(item.misses)} missed")
            lines.extend(f"  {miss.text()}" for miss in item.misses)
        if item.false_alarms:
            lines.append(f"\n{name}: {len(item.false_alarms)} false alarms")
            lines.extend(f"  {d.path}:{d.line} {d.rule} {d.message}" for d in item.false_alarms)
    return "\n".join(lines) + "\n"


def format_json(evaluation: Evaluation) -> str:
    import json

    return json.dumps(evaluation.to_dict(), indent=2, ensure_ascii=False) + "\n"


# --- running the checks on a labelled directory --------------------------------------------


def corpus_files(directory: Path) -> list[Path]:
    """The handbook files of a labelled directory: Markdown and text files, labels excluded."""
    return sorted(
        path for path in directory.rglob("*")
        if path.is_file() and path.suffix.lower() in CORPUS_SUFFIXES
    )


def load_labels(labels_file: Path, directory: Path) -> Labels:
    """Read and validate ``labels_file`` against the files in ``directory``."""
    source = labels_file.as_posix()
    try:
        text = labels_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        raise LabelsError(source, 1, f"cannot read the labels file ({reason})",
                          "pass the path of a readable UTF-8 labels.yaml") from None
    labels = parse_labels(text, source)
    present = {path.relative_to(directory).as_posix() for path in corpus_files(directory)}
    named = set(labels.files)
    for pairs in labels.pairs.values():
        named.update(path for pair in pairs for path, _ in pair)
    missing = sorted(named - present)
    if missing:
        raise LabelsError(source, 1, f"{missing[0]} is labelled but not in {directory}",
                          "fix the file name or add the file")
    return labels


def evaluate_directory(labels_file: Path, directory: Path,
                       today: dt.date | None = None,
                       families: Iterable[str] = FAMILIES) -> Evaluation:
    """Check every handbook file of ``directory`` together (so that contradictions across
    files are found) and score the findings against ``labels_file``."""
    from dataclasses import replace

    from opsbook.checks import run_checks
    from opsbook.model.project import load_project
    from opsbook.settings import OpsbookConfig

    labels = load_labels(labels_file, directory)
    files = corpus_files(directory)
    config = OpsbookConfig.for_loose_files(directory)
    if today is not None:
        config = replace(config, today=today)
    project = load_project(config, files, base=directory)
    diagnostics = run_checks(project)
    present = [path.relative_to(directory).as_posix() for path in files]
    evaluation = score(labels, diagnostics, families)
    unlabelled = tuple(name for name in present if name not in labels.files)
    return Evaluation(evaluation.scores, len(present), unlabelled)
