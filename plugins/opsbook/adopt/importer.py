"""`opsbook import LEGACY.md… --output DIR`: a legacy handbook as a complete opsbook site.

Each section of the input goes to exactly one place, copied as written (headings moved to fit
the page, mojibake repaired), so nothing is lost:

* sections about contacts → the contacts page, below the contact sheet read from them;
* sections defining severity levels → the severity page, below the matrix;
* procedures (a "Playbook:", "Issue:", "Quick reference:" section, or one with at least two of
  symptoms / diagnosis / fix / verification / escalation) → one runbook draft each;
* communication and report templates → one ``template`` page;
* everything else → one "imported" page per input file.

The severity matrix is built from every statement of a level's time anywhere in the input
(tables, key/value blocks, sentences), read with the same functions `opsbook check` uses. Where
the input gives one level two different times, the matrix takes the first and a comment beside
it lists every value and where it was written: `opsbook check` then reports each statement that
disagrees, until a person decides. Contact values are kept as written, blanks included, so the
check reports each blank until it is filled.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from opsbook.adopt.contacts import PERSON_FIELDS, VENDOR_FIELDS, Record, records_in, usable
from opsbook.adopt.legacy import Section, fenced_lines, parse_sections, relevel, trim
from opsbook.adopt.plan import PlannedFile
from opsbook.load.duration import Duration
from opsbook.load.markdown import scan_blocks

REQUIRED = ("Symptoms", "Diagnosis", "Mitigation", "Verification", "Escalation")
_SECTION_WORDS = (
    ("Symptoms", re.compile(r"symptom|signs?\b|what you see|indicator", re.I)),
    ("Verification", re.compile(r"verif|confirm|validat|monitor|recovery check", re.I)),
    ("Escalation", re.compile(r"escalat|get help|who to call", re.I)),
    ("Mitigation", re.compile(r"mitigat|fix|resol|remed|recover|workaround|rollback|"
                              r"response|restart|solution", re.I)),
    ("Diagnosis", re.compile(r"diagnos|investigat|triage|debug|identify|check|cause", re.I)),
)
_SUBLABEL = re.compile(r"^\s*(cause|option|step|case|example)\b", re.I)
_PROCEDURE_TITLE = re.compile(r"^\s*(quick reference|playbook|runbook|issue|scenario|problem|"
                              r"procedure)\s*:\s*(.+)$", re.I)
_CONTACT_TITLE = re.compile(r"\bcontacts?\b|\bphone (list|tree)\b|\bwho to (call|page)\b",
                            re.I)
_SEVERITY_TITLE = re.compile(r"\b(severity|priority)\b.*\b(levels?|classification|matrix|"
                             r"definitions?)\b|\bresponse times?\b.*\bslas?\b|\bslas?\b", re.I)
_TEMPLATE_TITLE = re.compile(r"\btemplates?\b", re.I)
# A "schedule template" or "contact template" is a sheet someone forgot to fill in, not a
# message whose blanks are meant to stay.
_NOT_A_MESSAGE = re.compile(r"\b(schedule|roster|rotation|on-?call list)\b", re.I)
_DESCRIPTION = re.compile(r"\b(impact|description|definition|summary|meaning)\b", re.I)
_BOLD_LABEL = re.compile(r"^\s*(?:\*\*|__)([^*_]{2,80}?)(?:\*\*|__)\s*:?\s*$")
_LEVEL_HEADING = re.compile(
    r"^\W*(?P<id>(?:SEV|Sev|sev|P|p)[ -]?[0-9])\s*(?:[:\-–(]\s*(?P<rest>.*?))?\)?\s*$"
)


@dataclass
class Draft:
    path: str
    text: str
    what: str


@dataclass
class ImportReport:
    """What went where: printed by the command and asserted by the tests."""

    runbooks: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    contact_sections: list[str] = field(default_factory=list)
    severity_sections: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    vendors: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@dataclass
class _Placed:
    source: str
    section: Section


@dataclass
class _Sorted:
    contacts: list[_Placed] = field(default_factory=list)
    severity: list[_Placed] = field(default_factory=list)
    runbooks: list[_Placed] = field(default_factory=list)
    templates: list[_Placed] = field(default_factory=list)
    leftovers: dict[str, list[Section]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-") or "section"


def _labels(section: Section) -> set[str]:
    """Required runbook sections a section's headings or bold labels stand for."""
    found = set()
    for node in section.walk():
        texts = [node.title] if node.level else []
        texts += [m.group(1) for line in node.body if (m := _BOLD_LABEL.match(line))]
        for text in texts:
            name = _section_for(text)
            if name:
                found.add(name)
    return found


def _section_for(label: str) -> str | None:
    for name, pattern in _SECTION_WORDS:
        if pattern.search(label):
            return name
    return None


def _is_procedure(section: Section) -> bool:
    if _PROCEDURE_TITLE.match(section.title):
        return True
    if any(_is_procedure(child) for child in section.children):
        return False  # a container of procedures, not one
    labels = _labels(section)
    return "Symptoms" in labels and len(labels) >= 2


def _sort(source: str, section: Section, into: _Sorted, in_templates: bool = False) -> None:
    title = section.title
    placed = _Placed(source, section)
    if section.level >= 2 or section.level == 0:
        message = bool(_TEMPLATE_TITLE.search(title)) and not _CONTACT_TITLE.search(title) \
            and not _NOT_A_MESSAGE.search(title)
        if message or (in_templates and section.level):
            into.templates.append(placed)
            return
        if _CONTACT_TITLE.search(title):
            into.contacts.append(placed)
            return
        if _SEVERITY_TITLE.search(title) and section.level:
            into.severity.append(placed)
            return
        if section.level and _is_procedure(section):
            into.runbooks.append(placed)
            return
    own = Section(section.title, section.level, section.line, section.body)
    into.leftovers.setdefault(source, []).append(own)
    for child in section.children:
        _sort(source, child, into, in_templates or bool(
            section.level and _TEMPLATE_TITLE.search(title) is not None))


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _strict(duration: Duration) -> str:
    if duration.business_day:
        return "next business day"
    minutes = duration.minutes
    for unit, size in (("d", 1440), ("h", 60), ("m", 1)):
        if minutes >= size and minutes % size == 0:
            return f"{int(minutes // size)}{unit}"
    return f"{max(0, round(minutes))}m"


# --- severity -----------------------------------------------------------------------------


@dataclass
class _Level:
    id: str
    words: list[str] = field(default_factory=list)
    times: dict[str, list[tuple[Duration, str]]] = field(default_factory=dict)


def _level_key(level_id: str) -> tuple[int, int, str]:
    match = re.match(r"(SEV|P)(\d)", level_id)
    if match is None:
        return (2, 0, level_id)
    return (0 if match.group(1) == "P" else 1, int(match.group(2)), level_id)


def _collect_levels(texts: Sequence[tuple[str, str]]) -> dict[str, _Level]:
    from opsbook.checks.severity_text import LEGACY_MENTION, find_statements, legacy_level

    levels: dict[str, _Level] = {}
    for source, text in texts:
        lines = text.split("\n")
        described: int | None = None  # the "Impact" / "Description" column of the table
        for index, (line, fenced) in enumerate(zip(lines, fenced_lines(lines), strict=True)):
            heading = None if fenced else re.match(r"^#{1,6}\s+(.*)$", line)
            candidate = heading.group(1) if heading else None
            description = ""
            if candidate is None and line.lstrip().startswith("|"):
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                following = lines[index + 1].strip() if index + 1 < len(lines) else ""
                if following.startswith("|") and set(following) <= set("|-: "):
                    described = next((number for number, cell in enumerate(cells)
                                      if _DESCRIPTION.search(cell)), None)
                    continue
                candidate = cells[0]
                if described is not None and described < len(cells):
                    description = cells[described].replace("**", "").strip()
            if candidate is None:
                continue
            candidate = candidate.replace("**", "").strip()
            match = _LEVEL_HEADING.match(candidate)
            level_id = legacy_level(candidate) if match else None
            if level_id is None or match is None:
                continue
            level = levels.setdefault(level_id, _Level(level_id))
            for word in ((match.group("rest") or "").strip(), description):
                if word and word not in level.words:
                    level.words.append(word)
        for statement in find_statements(scan_blocks(lines), legacy_level, LEGACY_MENTION):
            level = levels.setdefault(statement.level, _Level(statement.level))
            level.times.setdefault(statement.measure, []).append(
                (statement.value, f"{source}:{statement.line}"))
    return dict(sorted(levels.items(), key=lambda item: _level_key(item[0])))


def severity_page(texts: Sequence[tuple[str, str]], sections: list[_Placed],
                  report: ImportReport) -> str:
    from opsbook.model.severity import MEASURES

    levels = _collect_levels(texts)
    lines = ["---", "kind: severity-matrix", "title: Severity levels",
             "# Read from the legacy handbook by `opsbook import`. Check every level: a level",
             "# whose times the input gave in several ways has a CONFLICT comment listing them;",
             "# the value written is the first one found, and `opsbook check` reports every",
             "# place that disagrees until you settle it here or there."]
    if not levels:
        lines.append("# The input names no severity levels: these are opsbook's defaults.")
        from opsbook.adopt.init import DEFAULT_LEVELS, severity_levels_yaml

        lines += ["levels:", severity_levels_yaml(DEFAULT_LEVELS)]
        report.levels = list(DEFAULT_LEVELS)
    else:
        lines.append("levels:")
    for level in levels.values():
        report.levels.append(level.id)
        summary = " / ".join(level.words) or "To fill: when this level applies"
        lines += [f"  - id: {level.id}", f"    summary: {_yaml(summary)}"]
        for measure in MEASURES:
            found = level.times.get(measure)
            if not found:
                continue
            distinct: list[tuple[Duration, str]] = []
            for value, where in found:
                if not any(value.same_as(seen) for seen, _ in distinct):
                    distinct.append((value, where))
            if len(distinct) > 1:
                listed = "; ".join(
                    f"{value.text.strip()!s} ({_strict(value)}) at {where}"
                    for value, where in found)
                lines.append(f"    # CONFLICT: {level.id} {measure}: {listed}")
                report.conflicts.append(f"{level.id} {measure}: " + ", ".join(
                    f"{_strict(value)} ({where})" for value, where in distinct))
            lines.append(f"    {measure}: {_strict(distinct[0][0])}")
        # The two most severe levels page someone; the rest wait for working hours.
        lines.append(f"    page: {'true' if list(levels).index(level.id) < 2 else 'false'}")
    lines += ["---", "", "{{ severity_table() }}", ""]
    for placed in sections:
        report.severity_sections.append(f"{placed.source}:{placed.section.line} "
                                        f"{placed.section.title}")
        lines += [f"## As written in {placed.source}", ""]
        lines += trim(relevel(placed.section.lines(), 3 - placed.section.level, 3))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- contacts -----------------------------------------------------------------------------


def _unique(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def contacts_page(sections: list[_Placed], team_id: str, team_name: str,
                  report: ImportReport) -> str:
    people: list[tuple[str, Record]] = []
    vendors: list[tuple[str, Record]] = []
    taken: set[str] = {team_id}
    for placed in sections:
        report.contact_sections.append(f"{placed.source}:{placed.section.line} "
                                       f"{placed.section.title}")
        for record in records_in(placed.section, base_line=placed.section.line):
            is_vendor = record.vendor or "support_url" in record.fields or \
                "account" in record.fields
            wanted = ("phone", "email", "account", "support_url") if is_vendor else PERSON_FIELDS
            if not any(usable(key, value) for key, value in record.fields.items()
                       if key in wanted):
                continue  # nothing this kind of entry can hold: stays in the text below
            ident = _unique(slug(record.label), taken)
            (vendors if is_vendor else people).append((ident, record))
    lines = ["---", "kind: contacts", "title: Contacts and escalation",
             "# Read from the legacy handbook by `opsbook import`. Values are as written there:",
             "# `opsbook check` reports every blank until a real value replaces it. Delete an",
             "# entry you do not need (and its id from the escalation ladder).",
             "people:"]
    reachable: list[str] = []
    if not people:
        people.append(("primary", Record("Primary on-call engineer", 0, False)))
    for ident, record in people:
        report.people.append(ident)
        lines += _entry(ident, record, PERSON_FIELDS, person=True)
        if any(key in record.fields for key in ("phone", "email", "slack")) or not record.line:
            reachable.append(ident)
    if vendors:
        lines.append("vendors:")
        for ident, record in vendors:
            report.vendors.append(ident)
            lines += _entry(ident, record, VENDOR_FIELDS, person=False)
    ladder = reachable or [people[0][0]]
    lines += [
        "teams:",
        f"  - id: {team_id}",
        f"    name: {_yaml(team_name)}",
        '    channel: "[Incident channel, e.g. #incidents]"',
        f"    members: [{', '.join(ident for ident, _ in people)}]",
        "    # The legacy handbook's contacts in the order it lists them, 15 minutes apart: set",
        "    # the real order and times.",
        "    escalation:",
    ]
    for index, ident in enumerate(ladder):
        lines += [f"      - after: {index * 15}m", f"        notify: [{ident}]"]
    lines += ["---", "", "{{ contacts_directory() }}", ""]
    if vendors:
        lines += ["## Vendors", "", "{{ vendor_directory() }}", ""]
    for placed in sections:
        # The sheet above is what the checks read; the text it came from stays for reference,
        # marked as a template region so its blanks are reported once (above), not twice.
        lines += [f"## As written in {placed.source}", "",
                  "Kept for reference while you check the sheet above; delete it when done.", "",
                  "<!-- opsbook: template -->", ""]
        lines += trim(relevel(placed.section.lines(), 3 - placed.section.level, 3))
        lines += ["", "<!-- opsbook: end-template -->", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _entry(ident: str, record: Record, allowed: tuple[str, ...], *, person: bool) -> list[str]:
    lines = [f"  # {record.label} (legacy line {record.line})" if record.line else
             "  # The legacy handbook lists nobody: fill in who carries the pager."]
    fields = dict(record.fields)
    notes = list(record.notes)
    if "name" not in fields:
        # The legacy line names a role or a mailbox ("Security Team: security@..."): the
        # label is its name. Only the stand-in for an empty sheet gets a blank to fill.
        fields["name"] = record.label if record.line else "[Full name]"
    if not record.line:
        fields.setdefault("phone", "[Phone number, international form]")
    entry = [f"  - id: {ident}"]
    for key in allowed:
        value = fields.pop(key, None)
        if value is None:
            continue
        if usable(key, value):
            entry.append(f"    {key}: {_yaml(value)}")
        else:
            notes.append(f"{key}: {value}")
    for key, value in fields.items():
        notes.append(f"{key}: {value}")
    if person:
        entry.append(f"    role: {_yaml(record.label)}")
    lines += [f"  # as written: {note}" for note in notes]
    return lines + entry


# --- runbooks and other pages -------------------------------------------------------------


def runbook_page(placed: _Placed, ident: str, team_id: str, severity: str,
                 today: dt.date) -> str:
    section = placed.section
    match = _PROCEDURE_TITLE.match(section.title)
    title = (match.group(2) if match else section.title).strip()
    parts: dict[str | None, list[str]] = {None: []}
    current: str | None = None
    body = relevel(section.lines()[1:], 3 - (section.level + 1), 3)
    for line, fenced in zip(body, fenced_lines(body), strict=True):
        label = None if fenced else _BOLD_LABEL.match(line)
        heading = None if fenced else re.match(r"^#{1,6}\s+(.*)$", line)
        text = label.group(1) if label else heading.group(1) if heading else None
        name = _section_for(text) if text is not None and not _SUBLABEL.match(text) else None
        # Runbooks run symptoms → diagnosis → mitigation → …: a later label that names an
        # earlier section ("Cause 2:" among the fixes) is part of the current one.
        if name is not None and (current is None or REQUIRED.index(name) > REQUIRED.index(
                current)):
            current = name
        parts.setdefault(current, []).append(line)
    summary = (f"Imported from {placed.source}, line {section.line}, {section.title}: a draft "
               "to review, with its empty sections marked.")
    lines = [
        "---",
        f"id: {ident}",
        f"title: {_yaml(title)}",
        "service: imported",
        f"owner: {team_id}",
        f"severity: {severity}",
        "alerts: []",
        f"last_reviewed: {today.isoformat()}",
        "review_every: 90d",
        f"summary: {_yaml(summary)}",
        "---",
        "",
    ]
    intro = trim(parts.get(None, []))
    if intro:
        lines += [*intro, ""]
    for name in REQUIRED:
        lines += [f"## {name}", ""]
        content = trim(parts.get(name, []))
        if content:
            lines += [*content, ""]
        else:
            lines += ['!!! warning "To fill"',
                      f"    The legacy handbook had nothing for {name.lower()} here: write it.",
                      ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _severity_for(text: str, levels: list[str]) -> str:
    for level in levels:
        if re.search(rf"\b{re.escape(level)}\b", text):
            return level
    return levels[-1]


def page(kind: str | None, title: str, sections: list[tuple[str, Section]],
         intro: str) -> str:
    lines = ["---"] + ([f"kind: {kind}"] if kind else []) + [f"title: {_yaml(title)}", "---",
                                                              "", intro, ""]
    for _source, section in sections:
        shift = 2 - section.level if section.level else 0
        lines += trim(relevel(section.lines(), shift, 2))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


MKDOCS_YML = """\
# Written by `opsbook import` from a legacy handbook: a starting point to review.
site_name: {site_name}
docs_dir: docs

theme:
  name: material
  # No web fonts: the site must open with no network.
  font: false
  features:
    - navigation.prune
    - navigation.top
    - search.highlight
    - content.code.copy

plugins:
  - search
  # The built site opens from file://, search included.
  - offline
  - opsbook:
      runbooks_dir: runbooks
      severity: severity.md
      contacts: contacts.md
      review_every: 90d
      # An imported handbook builds while its blanks are filled in and its conflicts decided:
      # findings are logged, and `mkdocs build --strict` still fails on them. Delete this line
      # once `opsbook check` passes, so that a plain build fails on findings too.
      strict: false

markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - tables
  - toc:
      permalink: true
  - pymdownx.details
  - pymdownx.highlight:
      anchor_linenums: false
  - pymdownx.inlinehilite
  - pymdownx.superfences
"""


def mark_broken_shell(text: str) -> str:
    """Shell blocks that do not parse, shown as plain text with a comment saying why. Legacy
    blocks hold placeholders such as ``git checkout <previous-commit>``: fixing them is for a
    person who knows the commands, and until then the page should not pretend they run."""
    from opsbook.checks.code import shell_error
    from opsbook.load.markdown import Fence

    lines = text.split("\n")
    body_start = 0
    if lines and lines[0] == "---":
        body_start = next((index + 1 for index, line in enumerate(lines[1:], 1)
                           if line == "---"), 0)
    broken = [(block, error) for block in scan_blocks(lines[body_start:], body_start + 1)
              if isinstance(block, Fence) and (error := shell_error(block)) is not None]
    for block, error in reversed(broken):
        index = block.line - 1
        opening = lines[index]
        indent = opening[: len(opening) - len(opening.lstrip())]
        marker = opening.lstrip()
        ticks = marker[: len(marker) - len(marker.lstrip(marker[0]))]
        lines[index] = f"{indent}{ticks}text"
        reason = error.splitlines()[0].replace("--", "- -")
        lines.insert(index, f"{indent}<!-- opsbook import: this was a {block.info} block that "
                            f"does not parse ({reason}); fix it and mark it {block.info} again "
                            "-->")
    return "\n".join(lines)


def import_handbooks(inputs: Sequence[tuple[str, str]], today: dt.date,
                     team_name: str = "On-call") -> tuple[list[PlannedFile], ImportReport]:
    """The site for legacy handbooks given as (display name, repaired text) pairs."""
    report = ImportReport()
    into = _Sorted()
    site_title = ""
    for source, text in inputs:
        root = parse_sections(text)
        h1 = [child for child in root.children if child.level == 1]
        if len(h1) == 1 and not trim(root.body):
            into.titles[source] = h1[0].title
            # The document's title heading: its body and sections are the document.
            root = Section("", 0, 0, h1[0].body, h1[0].children)
            into.leftovers.setdefault(source, []).append(Section(h1[0].title, 1, h1[0].line))
        site_title = site_title or into.titles.get(source, "")
        _sort(source, root, into)
    team_id = slug(team_name)
    plan: list[PlannedFile] = []
    severity = severity_page(inputs, into.severity, report)
    plan.append(PlannedFile("docs/severity.md", severity, "severity matrix"))
    plan.append(PlannedFile("docs/contacts.md",
                            contacts_page(into.contacts, team_id, team_name, report),
                            "contact sheet"))
    taken: set[str] = set()
    for placed in into.runbooks:
        match = _PROCEDURE_TITLE.match(placed.section.title)
        ident = _unique(slug(match.group(2) if match else placed.section.title), taken)
        text = "\n".join(placed.section.lines())
        path = f"runbooks/imported/{ident}.md"
        plan.append(PlannedFile(path, mark_broken_shell(runbook_page(
            placed, ident, team_id, _severity_for(text, report.levels), today)),
            "runbook draft"))
        report.runbooks.append(f"{placed.source}:{placed.section.line} "
                               f"{placed.section.title} -> {path}")
    if into.templates:
        plan.append(PlannedFile("docs/templates.md", page(
            "template", "Communication templates",
            [(placed.source, placed.section) for placed in into.templates],
            "Messages and reports to copy and fill in during an incident; their bracketed "
            "blanks are meant to stay."), "communication templates"))
        report.templates = [f"{placed.source}:{placed.section.line} {placed.section.title}"
                            for placed in into.templates]
    for source, sections in into.leftovers.items():
        kept = [section for section in sections if trim(section.body) or section.level]
        name = f"docs/imported/{slug(source.rsplit('/', 1)[-1].rsplit('.', 1)[0])}.md"
        plan.append(PlannedFile(name, mark_broken_shell(page(
            None, f"Imported from {source}", [(source, section) for section in kept],
            f"The parts of `{source}` that `opsbook import` did not map to a runbook, the "
            "contacts, the severity levels or a template, as written. Move each to where it "
            "belongs, then delete this page.")), "not mapped: left as written"))
        report.leftovers += [f"{source}:{section.line} {section.title or '(before any heading)'}"
                             for section in kept]
    title = site_title or f"{team_name} on-call handbook"
    links = "\n".join(f"- [{planned.path.removeprefix('docs/')}]"
                      f"({planned.path.removeprefix('docs/')})"
                      for planned in plan if planned.path.startswith("docs/"))
    plan.append(PlannedFile("docs/index.md", f"# {title}\n\nImported on {today.isoformat()} "
                            f"by `opsbook import` from {', '.join(s for s, _ in inputs)}. "
                            "`opsbook check` lists what to fill in and what to decide.\n\n"
                            f"{links}\n", "home page"))
    plan.insert(0, PlannedFile("mkdocs.yml", MKDOCS_YML.format(site_name=_yaml(title)),
                               "site config"))
    return plan, report
