"""Contact records found in a legacy handbook's contact sections.

Legacy handbooks write contacts in a few shapes, all handled here:

* key/value blocks, plain or fenced, where a label encloses fields (``Engineering Lead:`` /
  ``  Phone: +1-XXX-XXX-XXXX``), or fields sit directly under a heading that names the person
  (``### Level 2: Senior Engineer`` / ``Name: ______ (UPDATE THIS!)``);
* one line per contact: ``CTO: [Name] - [Phone] - [Email]``,
  ``- **Stripe:** support@... - [phone]``;
* tables with name / phone / e-mail columns.

Values are kept as written, blanks included, so that `opsbook check` reports every one of them
until someone fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from opsbook.adopt.legacy import Section

FIELD_KEYS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("name", re.compile(r"^(full )?name$", re.I)),
    ("phone", re.compile(r"^(phone|mobile|cell|tel|telephone)( number)?$", re.I)),
    ("email", re.compile(r"^e-?mail( address)?$", re.I)),
    ("slack", re.compile(r"^slack( handle)?$", re.I)),
    ("timezone", re.compile(r"^time ?zone$", re.I)),
    ("support_url", re.compile(r"^(support )?(portal|url|support url|website|support)$", re.I)),
    ("account", re.compile(r"^account( id| number)?$", re.I)),
)
PERSON_FIELDS = ("name", "phone", "email", "slack", "timezone")
VENDOR_FIELDS = ("name", "phone", "email", "account", "support_url")
_VENDOR_WORDS = re.compile(r"\b(vendor|external|provider|support|stripe|aws|cloud|dns|hosting)",
                           re.I)
_KEY_LINE = re.compile(r"^(\s*)(?:[-*+]\s+)?(?:\*\*|__)?([^:*_`]{1,60}?)(?:\*\*|__)?\s*:"
                       r"(?:\*\*|__)?\s*(.*?)\s*$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_URL = re.compile(r"^https?://\S+$")
_PHONE = re.compile(r"^\+?[\dXx(][\dXx().\s-]{5,}[\dXx](\s*\(\w+\))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEPARATORS = re.compile(r"\s+[-|–]\s+|\s*\|\s*")


def field_for(key: str) -> str | None:
    text = key.strip().strip("*_` ")
    for name, pattern in FIELD_KEYS:
        if pattern.match(text):
            return name
    return None


@dataclass
class Record:
    label: str
    line: int
    vendor: bool
    fields: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # values that fit no field, as written


def _shape(value: str) -> str | None:
    """Which field a bare value is, from its shape or its bracket blank's words."""
    text = value.strip().strip("*_` ")
    lower = text.lower()
    if _EMAIL.match(text) or (text.startswith("[") and "mail" in lower):
        return "email"
    if _URL.match(text) or (text.startswith("[") and ("portal" in lower or "url" in lower)):
        return "support_url"
    if (_PHONE.match(text) and not _DATE.match(text)) or (
            text.startswith("[") and "phone" in lower):
        return "phone"
    if text.startswith("@"):
        return "slack"
    if text.startswith("[") and "name" in lower:
        return "name"
    return None


def _split_values(value: str) -> list[str]:
    return [part for part in _SEPARATORS.split(value) if part.strip()]


def records_in(section: Section, *, base_line: int) -> list[Record]:
    """Every contact record in ``section`` (its subsections included)."""
    records: list[Record] = []
    for node in section.walk():
        vendor_context = bool(_VENDOR_WORDS.search(node.title))
        records += _records_in_lines(node.title, node.body, node.line + 1, vendor_context)
    return [record for record in records if any(
        key in ("name", "phone", "email", "slack", "support_url", "account") and usable(key, value)
        for key, value in record.fields.items())]


def usable(field_name: str, value: str) -> bool:
    """Keep a value that is a blank or shaped like the field (the check then says whether it is
    real); a remark such as "Via PagerDuty" in a phone field is kept as a comment instead."""
    from opsbook.checks.placeholders import value_placeholder

    if value_placeholder(value) is not None:
        return True
    if field_name == "phone":
        return sum(char.isdigit() for char in value) >= 7 and not _DATE.match(value.strip())
    if field_name == "email":
        return "@" in value and " " not in value.strip()
    if field_name == "support_url":
        return value.startswith(("http://", "https://"))
    if field_name == "slack":
        return value.startswith(("@", "#"))
    return True


def _records_in_lines(title: str, lines: list[str], first: int,
                      vendor_context: bool) -> list[Record]:
    records: list[Record] = []
    heading_record = Record(_heading_label(title), first - 1, vendor_context)
    # Fields at the top level belong to the nearest label above them: a bold label line
    # (``**Stripe:**`` before a fenced block) or else the heading.
    current = heading_record
    stack: list[tuple[int, Record]] = []
    for offset, line in enumerate(lines):
        number = first + offset
        if line.lstrip().startswith("|") or not line.strip():
            continue  # tables are read below
        label = _BOLD_LABEL.match(line)
        if label is not None:
            current = Record(label.group(1).strip(), number,
                             vendor_context or bool(_VENDOR_WORDS.search(label.group(1))))
            records.append(current)
            stack.clear()
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            continue
        indent = len(match.group(1))
        key, value = match.group(2).strip(), match.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        field_name = field_for(key)
        if field_name is not None:
            target = stack[-1][1] if stack else current
            if value and field_name not in target.fields:
                target.fields[field_name] = value
            elif value:
                target.notes.append(f"{key}: {value}")
            continue
        if not value:
            # "Vendor Contacts:" / "  Stripe Support:" — a vendor's entries are vendors too.
            inherited = bool(stack) and stack[-1][1].vendor
            record = Record(key, number, vendor_context or inherited
                            or bool(_VENDOR_WORDS.search(key)))
            records.append(record)
            stack.append((indent, record))
            continue
        if stack:
            stack[-1][1].notes.append(f"{key}: {value}")
            continue
        parts = _split_values(value)
        shapes = [_shape(part) for part in parts]
        if not {"name", "phone", "email"} & set(shapes):
            continue  # "Dashboard: https://...", "Escalation SLA: ..." name no one
        record = Record(key, number, vendor_context or bool(_VENDOR_WORDS.search(key)))
        for part, shape in zip(parts, shapes, strict=True):
            if shape is None and "name" not in record.fields:
                record.fields["name"] = part.strip()
            elif shape is not None and shape not in record.fields:
                record.fields[shape] = part.strip()
            else:
                record.notes.append(part.strip())
        records.append(record)
    records += _table_records(lines, first, vendor_context)
    return [heading_record, *records]


_BOLD_LABEL = re.compile(r"^\s*(?:\*\*|__)([^*_:]{2,60}?):?(?:\*\*|__)\s*:?\s*$")


def _heading_label(title: str) -> str:
    """``Level 2: Senior Engineer`` → ``Senior Engineer``."""
    return title.split(":", 1)[1].strip() if ":" in title else title.strip()


def _table_records(lines: list[str], first: int, vendor_context: bool) -> list[Record]:
    records: list[Record] = []
    header: list[str] | None = None
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if all(set(cell) <= set("-: ") for cell in cells):
            continue
        fields: dict[str, str] = {}
        for name, cell in zip(header, cells, strict=False):
            field_name = field_for(name)
            if field_name and cell:
                fields[field_name] = cell
        if len(fields) >= 2:
            label = fields.get("name", cells[0])
            records.append(Record(label, first + offset, vendor_context, fields))
    return records
