"""Reading mkdocs.yml and the `opsbook` plugin block without importing MkDocs.

Importing MkDocs' configuration machinery (and through it Jinja, Markdown and Click) is a third
of the time of a one-file `opsbook check`, which runs in pre-commit on every commit. For the
common mkdocs.yml — no YAML tags, no ``INHERIT``, plugin options of the plain kinds below — the
same result is had without it:

* the YAML is read with PyYAML's safe loader, which is what MkDocs' loader is for a document
  with no tags (its additions are tag constructors and ``INHERIT``);
* the plugin options are checked against :data:`PLUGIN_OPTIONS`, a plain table mirroring
  ``OpsbookPluginConfig`` (a test keeps the two identical).

Anything else — a tag, an unknown or misspelt option, a value of the wrong type — returns
None, and :mod:`opsbook.settings` goes through MkDocs as before, which also words every error.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

DEFAULT_REQUIRED_SECTIONS = ("Symptoms", "Diagnosis", "Mitigation", "Verification", "Escalation")
"""The sections every runbook must have unless the `required_sections` option says otherwise."""


def read_plain_yaml(config_file: Path) -> dict[str, Any] | None:
    """mkdocs.yml as MkDocs' loader would read it, when it has no tag and no ``INHERIT``;
    None otherwise (or when it is not valid YAML: MkDocs then words the error)."""
    import yaml

    data = config_file.read_bytes()  # OSError propagates, as from MkDocs' loader
    if b"!" in data:
        return None  # a tag (!ENV, !!python/name, %TAG): only MkDocs' loader knows them
    try:
        result = yaml.load(data, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(result, dict) or "INHERIT" in result:
        return None
    return result


@dataclass(frozen=True)
class Option:
    """One declared option: ``c.Type``, ``c.Choice`` or ``c.SubConfig``."""

    default: Any
    type: type | None = None
    choices: tuple[Any, ...] | None = None
    sub: dict[str, Option] | None = None


PDF_OPTIONS: dict[str, Option] = {
    "enabled": Option(False, type=bool),
    "paper": Option("a4", choices=("a4", "letter")),
    "company": Option("", type=str),
}

PLUGIN_OPTIONS: dict[str, Option] = {
    "runbooks_dir": Option("runbooks", type=str),
    "severity": Option("severity.md", type=str),
    "contacts": Option("contacts.md", type=str),
    "required_sections": Option(list(DEFAULT_REQUIRED_SECTIONS), type=list),
    "review_every": Option("90d", type=str),
    "ignore": Option([], type=list),
    "strict": Option(True, type=bool),
    "fail_on": Option("error", choices=("error", "warning")),
    "redact": Option(False, type=bool),
    "pdf": Option({name: option.default for name, option in PDF_OPTIONS.items()},
                  sub=PDF_OPTIONS),
    "alert_pages": Option(False, type=bool),
    "alert_rules": Option([], type=list),
}
"""A light mirror of ``OpsbookPluginConfig`` (opsbook.settings.mkdocs), which stays the typed
declaration MkDocs uses. tests/test_bench_parity.py fails when the two differ in names,
defaults or what they accept."""


def plugin_schema() -> dict[str, Option]:
    return PLUGIN_OPTIONS


def _validated(schema: dict[str, Option], given: dict[str, Any]) -> dict[str, Any] | None:
    """Option values with defaults filled in, as MkDocs would accept them; None for anything
    MkDocs would reject or warn about (its own validation then says why)."""
    if any(key not in schema for key in given):
        return None  # unknown or misspelt: an error, worded by the MkDocs path
    values: dict[str, Any] = {}
    for name, option in schema.items():
        if name not in given:
            values[name] = copy.deepcopy(option.default)
            continue
        value = given[name]
        if value is None:
            return None  # MkDocs substitutes defaults or rejects; let it decide
        if option.sub is not None:
            if not isinstance(value, dict):
                return None
            sub = _validated(option.sub, value)
            if sub is None:
                return None
            values[name] = sub
        elif option.choices is not None:
            if value not in option.choices:
                return None
            values[name] = value
        elif option.type is not None and isinstance(value, option.type):
            values[name] = value
        else:
            return None
    return values


def plain_plugin_config(options: dict[str, Any]) -> SimpleNamespace | None:
    """The validated plugin options with attribute access (like the MkDocs config object), or
    None when MkDocs must validate them."""
    values = _validated(PLUGIN_OPTIONS, options)
    return None if values is None else SimpleNamespace(**values)
