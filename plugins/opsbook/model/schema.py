"""Frontmatter schemas, declared once.

Each kind is an :class:`ObjectSpec`; the same declaration validates frontmatter (unknown keys
refused, types checked, every problem pinned to the value's position) and generates the JSON
Schema that editors use for autocompletion (``opsbook schema``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from opsbook.load.duration import parse_duration
from opsbook.load.frontmatter import ValuePath

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_ID = re.compile(ID_PATTERN)
DURATION_PATTERN = r"^(\d+(\.\d+)?\s*[smhdw]|next business day)$"
DATETIME_PATTERN = (r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                    r"([Zz]|[+-]\d{2}:?\d{2})?)?$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    # string | id | duration | date | datetime | boolean | string-list | id-list | objects
    type: str
    description: str
    required: bool = False
    items: ObjectSpec | None = None  # for type "objects"
    example: Any = None


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    description: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


@dataclass(frozen=True)
class SchemaProblem:
    rule: str  # OB006 unknown field, OB007 invalid field
    path: ValuePath
    message: str
    hint: str
    at_key: bool = False


@dataclass
class Validated:
    values: dict[str, Any]
    problems: list[SchemaProblem] = field(default_factory=list)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, str):
        return f"text ({value!r})" if len(value) < 40 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_EXPECTED = {
    "string": "text",
    "id": "an id (letters, digits, '-', '_', '.')",
    "duration": "a duration such as 5m, 1h, 1d or 'next business day'",
    "date": "a date YYYY-MM-DD",
    "datetime": "a date and time such as 2026-12-24T10:00 or 2026-12-24T10:00:00Z",
    "boolean": "true or false",
    "string-list": "a list of text values",
    "id-list": "a list of ids",
    "objects": "a list of mappings",
}


def _convert(spec: FieldSpec, value: Any, path: ValuePath, problems: list[SchemaProblem]) -> Any:
    """Convert one value, or record a problem and return None."""

    def wrong(detail: str = "") -> None:
        message = f"`{'.'.join(str(p) for p in path)}` should be {_EXPECTED[spec.type]}, " \
            f"got {_type_name(value)}{detail}"
        hint = f"e.g. `{spec.name}: {spec.example}`" if spec.example is not None else ""
        problems.append(SchemaProblem("OB007", path, message, hint))

    kind = spec.type
    if kind == "string":
        if isinstance(value, str):
            return value
        if spec.name == "phone" and isinstance(value, int):
            wrong(" — YAML read the number as an integer")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        wrong()
        return None
    if kind == "id":
        if isinstance(value, str) and _ID.match(value):
            return value
        wrong()
        return None
    if kind == "duration":
        if isinstance(value, str):
            parsed = parse_duration(value)
            if parsed:
                return parsed
        wrong()
        return None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        wrong()
        return None
    if kind == "datetime":  # naive values stay naive: their zone is the reader's to decide
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time(0, 0))
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
            except ValueError:
                pass
        wrong()
        return None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        wrong()
        return None
    if kind in ("string-list", "id-list"):
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]  # a single value where a list is expected is fine
        if not isinstance(value, list):
            wrong()
            return None
        item_spec = FieldSpec(spec.name, "id" if kind == "id-list" else "string", "")
        items = []
        for index, item in enumerate(value):
            converted = _convert(item_spec, item, (*path, index), problems)
            if converted is not None:
                items.append(converted)
        return items
    if kind == "objects":
        assert spec.items is not None
        if not isinstance(value, list):
            wrong()
            return None
        objects = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                problems.append(
                    SchemaProblem(
                        "OB007",
                        (*path, index),
                        f"each entry of `{spec.name}` should be a mapping, got {_type_name(item)}",
                        f"write entries as `- id: ...` with the fields of {spec.items.name}",
                    )
                )
                continue
            result = validate_object(spec.items, item, (*path, index))
            problems.extend(result.problems)
            objects.append(result.values)
        return objects
    raise ValueError(f"unknown field type {kind}")  # a bug in a spec, not in content


def validate_object(spec: ObjectSpec, data: dict[str, Any], path: ValuePath = ()) -> Validated:
    """Check ``data`` against ``spec``; invalid values are dropped (and reported)."""
    problems: list[SchemaProblem] = []
    values: dict[str, Any] = {}
    known = {f.name for f in spec.fields}
    for key in data:
        if key not in known:
            close = _closest(key, known)
            hint = f"did you mean `{close}`?" if close else "known fields: " + ", ".join(
                sorted(known)
            )
            problems.append(
                SchemaProblem(
                    "OB006",
                    (*path, key),
                    f"unknown field `{key}` in {spec.name}",
                    hint,
                    at_key=True,
                )
            )
    for field_spec in spec.fields:
        if field_spec.name not in data:
            if field_spec.required:
                example = (
                    f"add `{field_spec.name}: {field_spec.example}`"
                    if field_spec.example is not None
                    else f"add `{field_spec.name}`"
                )
                problems.append(
                    SchemaProblem(
                        "OB007",
                        path,
                        f"{spec.name} is missing required field `{field_spec.name}`",
                        example,
                    )
                )
            continue
        raw = data[field_spec.name]
        if raw is None and not field_spec.required:
            continue
        converted = _convert(field_spec, raw, (*path, field_spec.name), problems)
        if converted is not None:
            values[field_spec.name] = converted
    return Validated(values, problems)


def _closest(word: str, candidates: set[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.7)
    return matches[0] if matches else None


def json_schema(spec: ObjectSpec, kind: str | None = None) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for a kind, from the same declaration."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **_object_schema(spec),
    }
    if kind:
        schema["title"] = f"opsbook {kind}"
        schema["properties"] = {
            "kind": {"const": kind, "description": "What this file is."},
            **schema["properties"],
        }
    return schema


def _object_schema(spec: ObjectSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for field_spec in spec.fields:
        properties[field_spec.name] = {
            "description": field_spec.description,
            **_field_schema(field_spec),
        }
        if field_spec.example is not None:
            properties[field_spec.name]["examples"] = [field_spec.example]
    return {
        "type": "object",
        "description": spec.description,
        "properties": properties,
        "required": [f.name for f in spec.fields if f.required],
        "additionalProperties": False,
    }


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    kind = spec.type
    if kind == "string":
        return {"type": "string"}
    if kind == "id":
        return {"type": "string", "pattern": ID_PATTERN}
    if kind == "duration":
        return {"type": "string", "pattern": DURATION_PATTERN}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "datetime":
        return {"type": "string", "pattern": DATETIME_PATTERN}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "string-list":
        return {"type": "array", "items": {"type": "string"}}
    if kind == "id-list":
        return {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}}
    assert spec.items is not None
    return {"type": "array", "items": _object_schema(spec.items)}
