"""CODEOWNERS: who GitHub asks to review a change to each path.

GitHub reads the first of ``.github/CODEOWNERS``, ``CODEOWNERS`` and ``docs/CODEOWNERS`` at the
repository root. Each line is a gitignore-style pattern followed by owners (``@user``,
``@org/team`` or an e-mail address); the *last* matching line wins, and a matching line with
no owners leaves the path unowned. GitHub skips lines it cannot parse, so they are kept as
problems here: a skipped line silently changes who reviews what.

Only loading happens here; the check that compares owners with runbooks (OB306) is a pure
function over the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from codeowners import path_to_regex

from opsbook.load.document import display_path_for, resolved_path

# Where GitHub looks, in the order it looks.
CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024  # GitHub ignores CODEOWNERS files larger than 3 MB

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:/[A-Za-z0-9_.-]+)?$")


@dataclass(frozen=True)
class CodeOwnersProblem:
    line: int
    message: str


@dataclass(frozen=True)
class OwnerRule:
    """One line of CODEOWNERS: a pattern and the owners of the paths it matches."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, relative_path: str) -> bool:
        return self.regex.search(relative_path) is not None

    @property
    def team_ids(self) -> tuple[str, ...]:
        """The opsbook team ids these owners stand for: the team slug of ``@org/team``.

        Personal handles and e-mail addresses name no team. GitHub team slugs are lower case,
        so the comparison with opsbook ids is case-insensitive.
        """
        return tuple(
            owner.rsplit("/", 1)[1].lower()
            for owner in self.owners
            if owner.startswith("@") and "/" in owner
        )


@dataclass(frozen=True)
class CodeOwners:
    path: Path
    display_path: str
    root: Path  # the repository root: patterns are relative to it
    rules: tuple[OwnerRule, ...]
    problems: tuple[CodeOwnersProblem, ...] = ()
    readable: bool = True  # False: the file could not be read, so its rules are unknown
    # Each runbook's path is asked for twice (covers, rule_for_file); resolving it is the cost.
    _relatives: dict[Path, str | None] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def rule_for(self, relative_path: str) -> OwnerRule | None:
        """The rule that decides who owns ``relative_path`` (POSIX, relative to the root)."""
        for rule in reversed(self.rules):
            if rule.matches(relative_path):
                return rule
        return None

    def rule_for_file(self, path: Path) -> OwnerRule | None:
        relative = self._relative(path)
        return None if relative is None else self.rule_for(relative)

    def covers(self, path: Path) -> bool:
        """Whether ``path`` lies inside the repository these rules describe."""
        return self._relative(path) is not None

    def _relative(self, path: Path) -> str | None:
        if path in self._relatives:
            return self._relatives[path]
        try:
            relative: str | None = resolved_path(path).relative_to(self._resolved_root).as_posix()
        except ValueError:
            relative = None
        self._relatives[path] = relative
        return relative

    @cached_property
    def _resolved_root(self) -> Path:
        return self.root.resolve()


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS (gitignore-style) pattern as a regex searched in a relative POSIX path.

    The matching is the `codeowners` library's port of GitHub's own rules (anchoring, ``**``,
    a trailing ``/*`` that does not reach into subfolders); a lone ``/`` owns everything.
    """
    if not pattern.strip("/"):
        return re.compile(r"\A")
    return path_to_regex(pattern)


def _split_line(raw: str) -> list[str]:
    """Fields of a line, with ``\\ `` kept as a space and ``\\#`` as a literal ``#``; an
    unescaped ``#`` starts a comment."""
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for char in raw:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "#":
            break
        elif char.isspace():
            if current:
                fields.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        fields.append("".join(current))
    return fields


def parse_codeowners(
    text: str, path: Path, root: Path, display_path: str
) -> CodeOwners:
    rules: list[OwnerRule] = []
    problems: list[CodeOwnersProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = _split_line(raw)
        if not fields:
            continue
        pattern, owners = fields[0], tuple(fields[1:])
        if pattern.startswith("!"):
            problems.append(CodeOwnersProblem(
                number, f"negated pattern {pattern!r} is not supported by GitHub"))
            continue
        if "[" in pattern or "]" in pattern:
            problems.append(CodeOwnersProblem(
                number, f"character ranges in {pattern!r} are not supported by GitHub"))
            continue
        bad = [owner for owner in owners if not (_HANDLE.match(owner) or _EMAIL.match(owner))]
        if bad:
            problems.append(CodeOwnersProblem(
                number, f"{bad[0]!r} is not an owner (use @user, @org/team or an e-mail)"))
            continue
        rules.append(OwnerRule(pattern, owners, number, pattern_regex(pattern)))
    return CodeOwners(path, display_path, root, tuple(rules), tuple(problems))


def repository_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ``.git``; ``start`` if none does
    (e.g. a handbook copied out of its repository)."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def find_codeowners(
    start: Path, base: Path | None = None, fallback: Path | None = None
) -> CodeOwners | None:
    """The CODEOWNERS file GitHub would use for the repository holding ``start``, or None.

    Never raises: an unreadable file becomes a problem on line 1.
    """
    root = repository_root(start)
    for location in CODEOWNERS_LOCATIONS:
        path = root / location
        if not path.is_file():
            continue
        shown = display_path_for(path, base, fallback)
        try:
            data = path.read_bytes()
        except OSError as error:
            reason = error.strerror or error.__class__.__name__
            problem = CodeOwnersProblem(1, f"cannot read CODEOWNERS: {reason}")
            return CodeOwners(path, shown, root, (), (problem,), readable=False)
        if len(data) > MAX_CODEOWNERS_BYTES:
            problem = CodeOwnersProblem(1, "CODEOWNERS is larger than 3 MB; GitHub ignores it")
            return CodeOwners(path, shown, root, (), (problem,), readable=False)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem = CodeOwnersProblem(1, "CODEOWNERS is not UTF-8 text")
            return CodeOwners(path, shown, root, (), (problem,), readable=False)
        return parse_codeowners(text, path, root, shown)
    return None
