"""YAML frontmatter with a position for every value.

``yaml.compose`` (libyaml's C composer when present) gives a node tree with marks; we turn it
into plain Python values plus a map from value path (``("people", 2, "phone")``) to its
position. Only the safe YAML types are built: nothing in a file is ever executed. Aliases are
followed under a budget, so a "billion laughs" document is refused instead of eating memory.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from opsbook.diagnostics import Position
from opsbook.load.problems import LoadProblem

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

ValuePath = tuple[str | int, ...]

MAX_NODES = 20_000
"""Frontmatter values after alias expansion. A large contacts file has a few thousand."""

MAX_DEPTH = 64

MAX_CHARS = 10_000_000
"""Characters of text after alias expansion: twice the largest file the loader accepts. Without
it, a 1 MB string repeated through a few thousand aliases passes the node budget and costs the
checks minutes."""


@dataclass
class Frontmatter:
    """Frontmatter split from a Markdown file."""

    data: dict[str, Any] | None
    positions: dict[ValuePath, Position] = field(default_factory=dict)
    key_positions: dict[ValuePath, Position] = field(default_factory=dict)
    body_start: int = 1  # 1-based line where the Markdown body starts
    present: bool = False
    problems: list[LoadProblem] = field(default_factory=list)


_position = lru_cache(maxsize=1 << 16)(Position)
"""Positions are immutable and repeat from file to file (the same keys on the same lines): one
shared instance each instead of ~50 per file saves ~20 MB at 10,000 runbooks."""

_PLAIN_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _TooLarge(Exception):
    pass


@dataclass(frozen=True)
class _Locator:
    """File positions from libyaml's character offsets. Its own line numbers also break at
    U+0085, U+2028 and U+2029, which editors (and the document's line list) do not, so a value
    after one of them would be reported on a wrong line, or past the end of the file."""

    line_starts: tuple[int, ...]
    first_line: int  # file line of the YAML text's first line

    @classmethod
    def of(cls, text: str, first_line: int) -> _Locator:
        starts = [0]
        found = text.find("\n")
        while found != -1:
            starts.append(found + 1)
            found = text.find("\n", found + 1)
        return cls(tuple(starts), first_line)

    def at(self, index: int) -> Position:
        row = bisect.bisect_right(self.line_starts, index) - 1
        return _position(self.first_line + row, index - self.line_starts[row] + 1)


class _Builder:
    """Node tree → Python values, recording positions; safe types only."""

    def __init__(self, locator: _Locator) -> None:
        self.locator = locator
        self.positions: dict[ValuePath, Position] = {}
        self.key_positions: dict[ValuePath, Position] = {}
        self.problems: list[LoadProblem] = []
        self.count = 0
        self.chars = 0

    def position(self, node: yaml.Node) -> Position:
        mark = node.start_mark
        return self.locator.at(mark.index)

    def build(self, node: yaml.Node, path: ValuePath, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise _TooLarge
        self.positions[path] = self.position(node)
        if node.tag not in _PLAIN_COLLECTION_TAGS and not isinstance(node, yaml.ScalarNode):
            # `!!python/object/apply:os.system [...]`, `!!set`, `!!omap`: the tag is refused and
            # the node read as the plain list or mapping it is written as, never constructed.
            self.tag_problem(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.report(
                        "OB003",
                        key_node,
                        "YAML merge keys (<<) are not supported in frontmatter",
                        "write the keys out",
                    )
                    continue
                key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str | int | float | bool) or key is None:
                    self.report(
                        "OB007",
                        key_node,
                        "mapping key must be a plain string",
                        "use `name: value` with a simple name",
                    )
                    continue
                key = str(key)
                if key in result:
                    first = self.key_positions.get((*path, key))
                    where = f" (first at line {first.line})" if first else ""
                    self.report(
                        "OB008",
                        key_node,
                        f"duplicate key {key!r}{where}; YAML would silently keep the last",
                        "remove one of the two keys",
                    )
                child = (*path, key)  # one tuple for both maps: a handbook holds ~50 per file
                self.key_positions[child] = self.position(key_node)
                result[key] = self.build(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, index), depth + 1)
                for index, item in enumerate(node.value)
            ]
        self.chars += len(node.value)
        if self.chars > MAX_CHARS:
            raise _TooLarge
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        value = node.value
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() in ("true", "yes", "on")
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(value.replace("_", ""), 0)
            except ValueError:
                return value
        if tag == "tag:yaml.org,2002:float":
            try:
                return float(value.replace("_", ""))
            except ValueError:
                return value
        if tag == "tag:yaml.org,2002:timestamp":
            try:
                if len(value) == 10:
                    return dt.date.fromisoformat(value)
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
        # Unknown or explicit tags (!!python/..., !custom): keep the text, never construct.
        self.tag_problem(node)
        return value if isinstance(value, str) else None

    def report(self, rule: str, node: yaml.Node, message: str, hint: str) -> None:
        position = self.position(node)
        self.problems.append(LoadProblem(rule, position.line, position.column, message, hint))

    def tag_problem(self, node: yaml.Node) -> None:
        self.report(
            "OB003",
            node,
            f"YAML tag {node.tag!r} is not allowed in frontmatter",
            "remove the tag; frontmatter holds plain strings, numbers, lists and mappings",
        )


def split_frontmatter(text: str) -> tuple[str | None, int, LoadProblem | None]:
    """Return (yaml_text, body_start_line, problem). The fence must be the first line."""
    if not (text.startswith("---\n") or text == "---" or text.startswith("---\r")):
        return None, 1, None
    end = text.find("\n---", 3)
    while end != -1:
        after = end + 4
        rest_of_line = text[after:].split("\n", 1)[0]
        if after >= len(text) or text[after] == "\n" or rest_of_line.strip() == "":
            break
        end = text.find("\n---", after)
    if end == -1:
        return (
            None,
            1,
            LoadProblem(
                "OB004",
                1,
                1,
                "frontmatter is opened with `---` on line 1 but never closed",
                "add a line `---` after the last frontmatter key",
            ),
        )
    yaml_text = text[4:end + 1]
    body_start = text.count("\n", 0, end + 1) + 2
    return yaml_text, body_start, None


def _unmarked_error(error: yaml.YAMLError, locator: _Locator) -> LoadProblem:
    """OB003 for a YAML error without a mark: in practice libyaml's reader refusing a character
    (a control character pasted from a terminal or a PDF), which carries only its offset."""
    if isinstance(error, yaml.reader.ReaderError) and isinstance(error.position, int):
        where = locator.at(error.position)
        character = error.character
        shown = f"U+{character:04X}" if isinstance(character, int) else repr(character)
        return LoadProblem(
            "OB003",
            where.line,
            where.column,
            f"invalid YAML in frontmatter: character {shown} is not allowed ({error.reason})",
            "delete the character, or write it as an escape inside double quotes (\"\\u0007\")",
        )
    return LoadProblem("OB003", 1, 1, f"invalid YAML in frontmatter: {error}", "")


def parse_frontmatter(text: str) -> Frontmatter:
    yaml_text, body_start, problem = split_frontmatter(text)
    if problem:
        return Frontmatter(None, body_start=1, present=True, problems=[problem])
    if yaml_text is None:
        return Frontmatter(None, body_start=1, present=False)
    locator = _Locator.of(yaml_text, first_line=2)
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = locator.at(mark.index) if mark else Position(1, 1)
        line, column = where.line, where.column
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        return Frontmatter(
            None,
            body_start=body_start,
            present=True,
            problems=[
                LoadProblem(
                    "OB003",
                    line,
                    column,
                    f"invalid YAML in frontmatter: {message}",
                    "fix the YAML syntax (quote values containing `: ` or starting with `@`, "
                    "`[`, `*`, `&`)",
                )
            ],
        )
    except yaml.YAMLError as error:
        return Frontmatter(
            None, body_start=body_start, present=True, problems=[_unmarked_error(error, locator)]
        )
    if node is None:
        return Frontmatter({}, body_start=body_start, present=True)
    builder = _Builder(locator)
    try:
        data = builder.build(node, ())
    except (_TooLarge, RecursionError):
        return Frontmatter(
            None,
            body_start=body_start,
            present=True,
            problems=[
                LoadProblem(
                    "OB009",
                    2,
                    1,
                    f"frontmatter expands to more than {MAX_NODES} values or "
                    f"{MAX_CHARS} characters, or is nested deeper than {MAX_DEPTH} levels "
                    "(YAML aliases?); it was not loaded",
                    "write the values out instead of using anchors and aliases",
                )
            ],
        )
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "empty"
        return Frontmatter(
            None,
            body_start=body_start,
            present=True,
            problems=[
                *builder.problems,
                LoadProblem(
                    "OB004",
                    2,
                    1,
                    f"frontmatter must be a mapping of `key: value` lines, got {kind}",
                    "write frontmatter as `key: value` lines between the `---` fences",
                ),
            ],
        )
    return Frontmatter(
        data,
        positions=builder.positions,
        key_positions=builder.key_positions,
        body_start=body_start,
        present=True,
        problems=builder.problems,
    )
