"""Macro call sites in page text, found without executing anything.

A page asks for rendered content with a line such as ``{{ escalation_ladder("platform") }}``.
Page text is never handed to a template engine: a call is recognised only when a whole line
(outside fenced code) has the strict shape ``{{ name("literal", ...) }}``. Everything else that
merely looks like Jinja (``{{ 7*7 }}``, ``{% include ... %}``) stays literal text.

Lines that have the call shape but a wrong name or non-literal arguments are returned too, with
a problem, so the check (OB401/OB402) and the MkDocs plugin see exactly the same call sites.
This module is pure: no Jinja, no MkDocs, no model.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from opsbook.model.project import Project

ArgumentKind = Literal["contact", "team", "service"]
"""What an argument names: a person, team or vendor id; a team id; a service name."""


@dataclass(frozen=True)
class MacroSpec:
    name: str
    parameters: tuple[tuple[str, ArgumentKind], ...]
    summary: str

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(name for name, _ in self.parameters)})"

    @property
    def example(self) -> str:
        """The call as a page writes it: ``{{ escalation_ladder("team") }}``."""
        quoted = ", ".join(f'"{name}"' for name, _ in self.parameters)
        return f"{{{{ {self.name}({quoted}) }}}}"


MACROS: dict[str, MacroSpec] = {
    spec.name: spec
    for spec in (
        MacroSpec("severity_table", (), "the severity matrix as a table"),
        MacroSpec("contacts_directory", (), "every person, with phone, e-mail and slack"),
        MacroSpec("vendor_directory", (), "every vendor, with support line and account"),
        MacroSpec("contact_card", (("id", "contact"),), "one person, team or vendor"),
        MacroSpec("escalation_ladder", (("team", "team"),), "a team's escalation steps"),
        MacroSpec("who_to_call", (("service", "service"),),
                  "the team on call for a service, with its ladder"),
        MacroSpec("overdue_reviews", (), "runbooks overdue for review, with their owners"),
    )
}


@dataclass(frozen=True)
class MacroCall:
    """One call-shaped line. ``problem`` is set when it cannot be expanded as written."""

    index: int  # position in the scanned lines (0-based)
    line: int  # line number in the file
    column: int
    name: str
    arguments: tuple[str, ...]
    text: str  # the call as written, stripped
    problem: str | None = None
    unknown_name: bool = False

    @property
    def spec(self) -> MacroSpec | None:
        return MACROS.get(self.name)


# `{{ name( ... ) }}` filling the whole line; the argument text is validated separately.
_CALL_SHAPE = re.compile(r"^(\s*)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*\}\}\s*$")
_STRING = re.compile(r"""\s*(?:"([^"\\\n]*)"|'([^'\\\n]*)')\s*""")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def parse_arguments(text: str) -> tuple[str, ...] | None:
    """Comma-separated string literals (no escapes), or None when anything else is there."""
    if not text.strip():
        return ()
    values: list[str] = []
    position = 0
    while True:
        match = _STRING.match(text, position)
        if not match:
            return None
        values.append(match.group(1) if match.group(1) is not None else match.group(2))
        position = match.end()
        if position == len(text):
            return tuple(values)
        if text[position] != ",":
            return None
        position += 1


def _problem(name: str, arguments: tuple[str, ...] | None) -> tuple[str | None, bool]:
    spec = MACROS.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, sorted(MACROS), n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return f'unknown macro "{name}"{hint}', True
    if arguments is None:
        return f"{spec.signature}: arguments must be quoted text, as in {spec.example}", False
    if len(arguments) != len(spec.parameters):
        wanted = len(spec.parameters)
        return (
            f"{spec.signature} takes {wanted} argument{'s' if wanted != 1 else ''}, "
            f"got {len(arguments)}",
            False,
        )
    return None, False


def find_macro_calls(lines: list[str], first_line: int = 1) -> list[MacroCall]:
    """Call-shaped lines in ``lines`` (Markdown body, no newlines), skipping fenced code.

    ``first_line`` is the file line number of ``lines[0]``.
    """
    calls: list[MacroCall] = []
    fence: str | None = None
    for index, raw in enumerate(lines):
        if "`" in raw or "~" in raw:
            fence_match = _FENCE.match(raw)
            if fence_match:
                marker = fence_match.group(1)
                if fence is None:
                    fence = marker
                elif marker[0] == fence[0] and len(marker) >= len(fence) and (
                    raw.strip().strip(marker[0]) == ""
                ):
                    fence = None
                continue
        if fence is not None or "{{" not in raw:
            continue
        shape = _CALL_SHAPE.match(raw)
        if not shape:
            continue
        indent, name, argument_text = shape.groups()
        arguments = parse_arguments(argument_text)
        problem, unknown = _problem(name, arguments)
        calls.append(
            MacroCall(
                index=index,
                line=index + first_line,
                column=len(indent) + 1,
                name=name,
                arguments=arguments or (),
                text=raw.strip(),
                problem=problem,
                unknown_name=unknown,
            )
        )
    return calls


@dataclass(frozen=True)
class KnownIds:
    """The ids a macro argument may name."""

    people: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[str] = field(default_factory=frozenset)
    vendors: frozenset[str] = field(default_factory=frozenset)
    services: frozenset[str] = field(default_factory=frozenset)

    def allowed(self, kind: ArgumentKind) -> frozenset[str]:
        if kind == "contact":
            return self.people | self.teams | self.vendors
        if kind == "team":
            return self.teams
        return self.services


def known_ids(project: Project) -> KnownIds:
    book = project.contacts
    teams = book.teams
    services = {service for team in teams.values() for service in team.services}
    services.update(runbook.service for runbook in project.runbooks if runbook.service)
    return KnownIds(
        people=frozenset(book.people),
        teams=frozenset(teams),
        vendors=frozenset(book.vendors),
        services=frozenset(services),
    )


_KIND_WORDS: dict[ArgumentKind, str] = {
    "contact": "person, team or vendor id",
    "team": "team id",
    "service": "service",
}


def argument_problems(call: MacroCall, known: KnownIds) -> list[str]:
    """Arguments of a well-formed call that name nothing in the handbook."""
    spec = call.spec
    if spec is None or call.problem is not None:
        return []
    problems: list[str] = []
    for value, (_name, kind) in zip(call.arguments, spec.parameters, strict=True):
        allowed = known.allowed(kind)
        if value in allowed:
            continue
        close = difflib.get_close_matches(value, sorted(allowed), n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        problems.append(f'{spec.name}: unknown {_KIND_WORDS[kind]} "{value}"{hint}')
    return problems
