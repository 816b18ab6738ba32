"""Reading mkdocs.yml and the `opsbook` plugin block without importing MkDocs.

Importing MkDocs' configuration machinery (and through it Jinja, Markdown and Click) is a third
of the time of a one-file `opsbook check`, which runs in pre-commit on every commit. For the
common mkdocs.yml — no YAML tags, no ``INHERIT``, plugin options of the plain kinds below — the
same result is had without it:

* the YAML is read with PyYAML's safe loader, which is what MkDocs' loader is for a document
  with no tags (its additions are tag constructors and ``INHERIT``);
* the plugin options are checked against the declarations of ``OpsbookPluginConfig``, read from
  the source of :mod:`opsbook.site.config` (parsed, not imported), so that class stays the one
  place options are declared.

Anything else — a tag, an unknown or misspelt option, a value of the wrong type, a declaration
this module does not understand — returns None, and :mod:`opsbook.config` goes through MkDocs
as before, which also words every error.
"""

from __future__ import annotations

import ast
import copy
import importlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PLUGIN_CONFIG_MODULE = "opsbook.site.config"
PLUGIN_CONFIG_CLASS = "OpsbookPluginConfig"
_TYPES: dict[str, type] = {"str": str, "bool": bool, "int": int, "list": list, "dict": dict}


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


class _Unsupported(Exception):
    pass


def _namespace(tree: ast.Module) -> dict[str, Any]:
    """Names the module imports from opsbook itself (light modules, e.g. the default list of
    runbook sections)."""
    names: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("opsbook."):
            module = importlib.import_module(node.module or "")
            for alias in node.names:
                names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


def _value(node: ast.expr, names: dict[str, Any]) -> Any:
    """A default: a literal, an imported opsbook name, or ``list(...)``/``tuple(...)`` of one."""
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise _Unsupported(node.id)
        return names[node.id]
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "tuple") and len(node.args) == 1 and not node.keywords
    ):
        inner = _value(node.args[0], names)
        return list(inner) if node.func.id == "list" else tuple(inner)
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise _Unsupported(ast.dump(node)) from None


def _options(
    classes: dict[str, ast.ClassDef], name: str, names: dict[str, Any]
) -> dict[str, Option]:
    options: dict[str, Option] = {}
    for statement in classes[name].body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring
        if not (
            isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Attribute)
            and isinstance(statement.value.func.value, ast.Name)
            and statement.value.func.value.id == "c"
        ):
            raise _Unsupported(ast.dump(statement))
        call = statement.value
        kind = call.func.attr  # type: ignore[attr-defined]
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        if kind == "SubConfig" and len(call.args) == 1 and not keywords:
            argument = call.args[0]
            if not isinstance(argument, ast.Name) or argument.id not in classes:
                raise _Unsupported(ast.dump(call))
            sub = _options(classes, argument.id, names)
            default = {key: option.default for key, option in sub.items()}
            options[statement.targets[0].id] = Option(default, sub=sub)
            continue
        if set(keywords) != {"default"} or len(call.args) != 1:
            raise _Unsupported(ast.dump(call))  # e.g. length=, required=, no default
        default = _value(keywords["default"], names)
        argument = call.args[0]
        if kind == "Type" and isinstance(argument, ast.Name) and argument.id in _TYPES:
            options[statement.targets[0].id] = Option(default, type=_TYPES[argument.id])
        elif kind == "Choice":
            options[statement.targets[0].id] = Option(
                default, choices=tuple(_value(argument, names))
            )
        else:
            raise _Unsupported(ast.dump(call))
    return options


@lru_cache(maxsize=1)
def plugin_schema() -> dict[str, Option] | None:
    """The options ``OpsbookPluginConfig`` declares, read from its source; None when the
    source cannot be found or declares something this module does not read."""
    spec = importlib.util.find_spec(PLUGIN_CONFIG_MODULE)
    if spec is None or spec.origin is None:
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
        if PLUGIN_CONFIG_CLASS not in classes:
            return None
        return _options(classes, PLUGIN_CONFIG_CLASS, _namespace(tree))
    except (OSError, SyntaxError, ImportError, AttributeError, _Unsupported):
        return None


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
    schema = plugin_schema()
    if schema is None:
        return None
    values = _validated(schema, options)
    return None if values is None else SimpleNamespace(**values)
