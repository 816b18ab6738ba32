"""`opsbook alerts sync [--check]`: write each alert's ``runbook_url`` into the rule files.

Every alerting rule of the `alert_rules` files whose alert a runbook answers gets a
``runbook_url`` annotation that opens that runbook on the published site (``site_url``): added
where missing, corrected where it points elsewhere, left alone where it is right (a templated
URL included). The edit is made in the file's text at the rule's position, so comments, key
order, quoting, indentation and line endings stay as they were; a rule with no
``annotations:`` gets one, indented like the file. The new text is parsed again before it is
written (to a temporary file, then renamed over the old one): a file is changed whole or not at
all. `--check` writes nothing and exits 1 when something would change (for CI).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from opsbook.commands.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
    Subcommands,
    UsageError,
    site_config_file,
)

if TYPE_CHECKING:
    from opsbook.load.alerts import MappingMarks, ParsedRule, RuleMarks, ScalarMarks
    from opsbook.model.project import Project
    from opsbook.model.runbook import Runbook

_BOM = b"\xef\xbb\xbf"
_UNREADABLE = ("OB001", "OB002", "OB009", "OB010")


def register(subcommands: Subcommands) -> None:
    alerts = subcommands.add_parser(
        "alerts", help="Prometheus alert rules and the runbooks that answer them")
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION")
    sync = actions.add_parser(
        "sync", help="write or correct the runbook_url annotation of every alert rule a "
        "runbook answers (in place, changing nothing else)")
    sync.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 when a runbook_url would be written")
    sync.add_argument("--format", choices=("text", "json"), default="text")
    sync.add_argument("--link", choices=("page", "alert"), default="page",
                      help="page: the runbook's page (default); alert: the alert index's "
                      "stable address alerts/#<AlertName>, which follows the runbook when it "
                      "moves")
    sync.add_argument("--config", type=Path, help="the handbook's mkdocs.yml")
    sync.set_defaults(handler=run_sync)
    alerts.set_defaults(handler=_usage)


def _usage(args: argparse.Namespace) -> int:
    raise UsageError("alerts: name an action: `opsbook alerts sync [--check]`")


@dataclass(frozen=True)
class Change:
    path: str  # as shown
    line: int
    alert: str
    old: str | None
    new: str

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "alert": self.alert, "old": self.old,
                "new": self.new, "action": "add" if self.old is None else "correct"}


@dataclass
class FilePlan:
    path: Path
    shown: str
    text: str  # the new text
    bom: bool
    changes: list[Change] = field(default_factory=list)


class SyncRefused(Exception):
    """The files cannot be synced safely: exit 2, nothing written."""


def run_sync(args: argparse.Namespace) -> int:
    from opsbook.run import load_site

    project = load_site(site_config_file(args.config))
    try:
        plans, unanswered = plan_sync(project, args.link)
    except SyncRefused as refusal:
        print(f"opsbook: {refusal}", file=sys.stderr)
        return EXIT_USAGE
    changes = [change for plan in plans for change in plan.changes]
    written = False
    if changes and not args.check:
        # Every file is checked for writing first, so one that cannot be written leaves the
        # others as they were too.
        for plan in plans:
            real = Path(os.path.realpath(plan.path))
            if not (os.access(real, os.W_OK) and os.access(real.parent, os.W_OK | os.X_OK)):
                print(f"opsbook: {plan.shown}: cannot write (permissions); nothing was written",
                      file=sys.stderr)
                return EXIT_USAGE
        for plan in plans:
            try:
                write_whole(plan.path, plan.text, plan.bom)
            except OSError as error:
                print(f"opsbook: {plan.shown}: cannot write: {error.strerror}", file=sys.stderr)
                return EXIT_USAGE
        written = True
    if args.format == "json":
        print(json.dumps({
            "changes": [change.to_dict() for change in changes],
            "files": sorted({change.path for change in changes}),
            "written": written,
            "unanswered": unanswered,
        }, indent=2))
    else:
        verb = "would set" if args.check else "set"
        for change in changes:
            was = f" (was {change.old})" if change.old is not None else ""
            print(f"{change.path}:{change.line}: {change.alert}: {verb} runbook_url to "
                  f"{change.new}{was}")
        files = len({change.path for change in changes})
        if not changes:
            print("every runbook_url is up to date")
        elif args.check:
            print(f"{len(changes)} runbook_url annotation(s) in {files} file(s) would change; "
                  "run `opsbook alerts sync` to write them", file=sys.stderr)
        else:
            print(f"wrote {len(changes)} runbook_url annotation(s) in {files} file(s)")
        if unanswered:
            print(f"{len(unanswered)} alert(s) have no runbook, so no runbook_url was written: "
                  f"{', '.join(unanswered)}", file=sys.stderr)
    return EXIT_FINDINGS if changes and args.check else EXIT_CLEAN


def plan_sync(project: Project, link: str = "page") -> tuple[list[FilePlan], list[str]]:
    """The new text of every rule file that needs a change, and the alerts no runbook answers."""
    from opsbook.checks.alerts import answering_runbooks

    config = project.config
    if project.alert_rules is None:
        raise SyncRefused("mkdocs.yml names no rule files: add `alert_rules:` (e.g. "
                          "`- alerts/*.rules.yml`) to the opsbook plugin options")
    if not config.site_url:
        raise SyncRefused(f"{project.alert_rules.config_display_path}: `site_url` is not set; "
                          "runbook_url must be the published address of the runbook: set "
                          "`site_url: https://...` in mkdocs.yml")
    answered = answering_runbooks(project)
    plans: list[FilePlan] = []
    unanswered: dict[str, None] = {}
    for rule_file in project.alert_rules.files:
        unreadable = [problem for problem in rule_file.problems
                      if problem.rule in _UNREADABLE or problem.message.startswith(
                          ("invalid YAML", "the file expands", "not a Prometheus"))]
        if unreadable:
            problem = unreadable[0]
            raise SyncRefused(f"{rule_file.display_path}:{problem.line}: {problem.message}; "
                              "nothing was written")
        plan = _plan_file(rule_file.path, rule_file.display_path, project, answered, link,
                          unanswered)
        if plan is not None and plan.changes:
            plans.append(plan)
    return plans, list(unanswered)


def _read(path: Path, shown: str) -> tuple[str, bool]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SyncRefused(f"{shown}: cannot read: {error.strerror}; nothing was written") from None
    bom = data.startswith(_BOM)
    try:
        return data[len(_BOM):].decode("utf-8") if bom else data.decode("utf-8"), bom
    except UnicodeDecodeError:
        raise SyncRefused(f"{shown}: not UTF-8 text; nothing was written") from None


def _desired(config: object, runbook: Runbook, alert: str, link: str) -> str:
    from opsbook.checks.alerts import alert_index_url, runbook_page_url
    from opsbook.settings import OpsbookConfig

    assert isinstance(config, OpsbookConfig)
    if link == "alert":
        spelt = next((name for name in runbook.alerts
                      if name.strip().lower() == alert.strip().lower()), alert)
        return alert_index_url(config, spelt)
    return runbook_page_url(config, runbook)


def _plan_file(
    path: Path, shown: str, project: Project, answered: dict[str, Runbook], link: str,
    unanswered: dict[str, None],
) -> FilePlan | None:
    from opsbook.checks.alerts import link_verdict
    from opsbook.load.alerts import parse_rule_file
    from opsbook.model.alerts import runbook_link

    text, bom = _read(path, shown)
    parsed = parse_rule_file(text)
    edits: list[tuple[int, int, str]] = []
    changes: list[Change] = []
    newline = "\r\n" if "\r\n" in text else "\n"
    for rule in parsed.rules:
        runbook = answered.get(rule.name.strip().lower())
        if runbook is None:
            unanswered.setdefault(rule.name)
            continue
        url = rule.annotations.get("runbook_url")
        # A rule linked by its `runbook` file (and no runbook_url) is left as it is.
        if link_verdict(project.config, runbook_link(rule.annotations), runbook).status == "ok":
            continue
        if rule.marks is None:  # pragma: no cover - the parser marks every rule it keeps
            continue
        new = _desired(project.config, runbook, rule.name, link)
        edits.append(_edit(text, rule.marks, new, newline))
        line = rule.annotation_positions.get("runbook_url", rule.position).line
        changes.append(Change(shown, line, rule.name, url, new))
    if not edits:
        return None
    new_text = text
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    _verify(new_text, parsed, project, answered, shown)
    return FilePlan(path, shown, new_text, bom, changes)


def _verify(new_text: str, before: object, project: Project, answered: dict[str, Runbook],
            shown: str) -> None:
    """The edited text must parse to the same rules, every answered one now with a right URL."""
    from opsbook.checks.alerts import link_verdict
    from opsbook.load.alerts import ParsedRuleFile, parse_rule_file
    from opsbook.model.alerts import runbook_link

    assert isinstance(before, ParsedRuleFile)
    after = parse_rule_file(new_text)
    same = (len(after.problems) == len(before.problems)
            and [rule.name for rule in after.rules] == [rule.name for rule in before.rules]
            and all(_unchanged_apart_from_url(old, new)
                    for old, new in zip(before.rules, after.rules, strict=True)))
    if same:
        for rule in after.rules:
            runbook = answered.get(rule.name.strip().lower())
            if runbook is not None and link_verdict(
                    project.config, runbook_link(rule.annotations), runbook).status != "ok":
                same = False
    if not same:
        raise SyncRefused(f"{shown}: could not add runbook_url safely here (an unusual layout?); "
                          "nothing was written: add it by hand")


def _unchanged_apart_from_url(old: ParsedRule, new: ParsedRule) -> bool:
    def without_url(values: dict[str, str]) -> dict[str, str]:
        return {key: value for key, value in values.items() if key != "runbook_url"}

    return (old.expr == new.expr and old.duration == new.duration and old.labels == new.labels
            and without_url(old.annotations) == without_url(new.annotations))


# --- text edits -------------------------------------------------------------------------------

_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")


def _scalar(value: str, flow: bool, style: str = "") -> str:
    """``value`` as YAML, in ``style`` when it is a quoted style, else plain when that is safe."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    plain_ok = (
        style == "" and value and value == value.strip() and value[0] not in _PLAIN_START
        and ": " not in value and " #" not in value and not value.endswith(":")
        and not any(char in value for char in "\n\r\t")
        and not (flow and any(char in value for char in ",[]{}"))
    )
    if plain_ok:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _after_line(text: str, index: int) -> tuple[int, str]:
    """The start of the line after the one ``index`` is on (with the newline to put first when
    the file ends without one)."""
    if index > 0 and text[index - 1] == "\n":
        return index, ""
    found = text.find("\n", index)
    if found == -1:
        return len(text), "\n"
    return found + 1, ""


def _key_column(mapping: MappingMarks) -> int:
    return mapping.keys[0][2] if mapping.keys else 0


def _flow_insert(text: str, mapping: MappingMarks, entry: str) -> tuple[int, int, str]:
    """``entry`` (``key: value``) added at the end of a flow mapping ``{...}``."""
    close = mapping.end - 1
    while close > mapping.start and text[close] != "}":
        close -= 1
    position = close
    while position > mapping.start + 1 and text[position - 1] in " \t\r\n":
        position -= 1
    separator = "" if not mapping.keys else ", "
    if text[position - 1] == ",":  # a trailing comma is allowed in flow mappings
        separator = " "
    return position, position, separator + entry


def _edit(text: str, marks: RuleMarks, url: str, newline: str) -> tuple[int, int, str]:
    """One edit (start, end, replacement) that gives the rule ``runbook_url: url``."""
    if marks.runbook_url is not None:
        return _replace(text, marks.runbook_url, url, marks.annotations is not None
                        and marks.annotations.flow)
    annotations = marks.annotations
    if annotations is not None:
        if annotations.flow:
            return _flow_insert(text, annotations, f"runbook_url: {_scalar(url, True)}")
        column = _key_column(annotations)
        entry = " " * column + f"runbook_url: {_scalar(url, False)}" + newline
        for key, offset, _column in annotations.keys:
            if key > "runbook_url" and text[_line_start(text, offset):offset].strip() == "":
                start = _line_start(text, offset)
                return start, start, entry
        position, lead = _after_line(text, annotations.last_end)
        return position, position, (newline if lead else "") + entry
    rule = marks.rule
    if marks.annotations_null is not None:
        null = marks.annotations_null
        flow_value = "{runbook_url: " + _scalar(url, True) + "}"
        if null.end > null.start or rule.flow:
            return null.start, null.end, flow_value
        found = next(item for item in rule.keys if item[0] == "annotations")
        line_end = text.find("\n", found[1])
        line_end = len(text) if line_end == -1 else line_end
        if text[line_end - 1:line_end] == "\r":
            line_end -= 1
        indent = " " * (found[2] + marks.indent_step)
        return line_end, line_end, f"{newline}{indent}runbook_url: {_scalar(url, False)}"
    if rule.flow:
        return _flow_insert(text, rule, "annotations: {runbook_url: " + _scalar(url, True) + "}")
    column = _key_column(rule)
    block = (" " * column + "annotations:" + newline + " " * (column + marks.indent_step)
             + f"runbook_url: {_scalar(url, False)}" + newline)
    position, lead = _after_line(text, rule.last_end)
    return position, position, (newline if lead else "") + block


def _replace(text: str, scalar: ScalarMarks, url: str, flow: bool) -> tuple[int, int, str]:
    start, end = scalar.start, scalar.end
    if scalar.style in ("|", ">"):
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
        return start, end, _scalar(url, flow, '"')
    return start, end, _scalar(url, flow, scalar.style)


# --- writing ----------------------------------------------------------------------------------


def write_whole(path: Path, text: str, bom: bool) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it: a reader (or a
    crash) sees the old file or the new one, never half of one. A symlink's target is written,
    and the file keeps its permissions."""
    real = Path(os.path.realpath(path))
    data = (_BOM if bom else b"") + text.encode("utf-8")
    handle, temporary = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, stat.S_IMODE(real.stat().st_mode))
        os.replace(temporary, real)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
