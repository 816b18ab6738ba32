"""Adding the opsbook plugin to a hand-written mkdocs.yml (or properdocs.yml) by inserting text.

Why insertion and not a YAML round-trip: a round-trip library (ruamel.yaml) keeps comments and
key order, but still re-emits the whole document in its own style — indentation of sequences,
quoting, line folding, blank lines around comments — so a user's file can change in places
opsbook has no business in, and it would be one more dependency. Here the file is only *read*
as YAML (PyYAML's composer, which gives each node's position and never constructs tagged
values such as ``!ENV`` or ``!!python/name``), and the few lines opsbook needs are inserted at
those positions. Every byte of the original stays where it was; the result is parsed again to
make sure it says what was meant.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from opsbook.settings import ConfigError

PLUGIN_NAME = "opsbook"
MARK = "added by `opsbook init`"


@dataclass(frozen=True)
class SiteFacts:
    """What init needs to know about an existing config."""

    docs_dir: str
    has_opsbook: bool
    theme: str | None


def _compose(text: str, name: str) -> yaml.MappingNode:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be read"
        raise ConfigError(f"{name}{where}: not valid YAML ({problem}); fix it, then run "
                          "`opsbook init` again") from None
    if node is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{name}: the top level is not a mapping of settings")
    return node


def _key(root: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return key, value
    return None


def _plugin_names(node: yaml.Node) -> list[str]:
    if isinstance(node, yaml.SequenceNode):
        names = []
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                names.append(item.value)
            elif isinstance(item, yaml.MappingNode) and item.value:
                first = item.value[0][0]
                if isinstance(first, yaml.ScalarNode):
                    names.append(first.value)
        return names
    if isinstance(node, yaml.MappingNode):
        return [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
    return []


def site_facts(text: str, name: str) -> SiteFacts:
    root = _compose(text, name)
    docs = _key(root, "docs_dir")
    docs_dir = docs[1].value if docs and isinstance(docs[1], yaml.ScalarNode) else "docs"
    plugins = _key(root, "plugins")
    has_opsbook = bool(plugins) and PLUGIN_NAME in _plugin_names(plugins[1]) if plugins else False
    theme_entry = _key(root, "theme")
    theme: str | None = None
    if theme_entry is not None:
        value = theme_entry[1]
        if isinstance(value, yaml.ScalarNode):
            theme = value.value
        elif isinstance(value, yaml.MappingNode):
            theme_name = _key(value, "name")
            if theme_name and isinstance(theme_name[1], yaml.ScalarNode):
                theme = theme_name[1].value
    return SiteFacts(docs_dir=str(docs_dir or "docs"), has_opsbook=has_opsbook, theme=theme)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _offset(text: str, line: int) -> int:
    """Offset of the start of 0-based ``line`` (the end of the text past the last line)."""
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def add_plugin(text: str, name: str = "mkdocs.yml") -> str:
    """``text`` with the opsbook plugin added to its ``plugins`` and nothing else changed.

    The plugin's defaults (runbooks/, severity.md and contacts.md in the docs folder) are the
    files init writes, so the entry is just its name."""
    root = _compose(text, name)
    nl = _newline(text)
    plugins = _key(root, "plugins")
    if plugins is None:
        # MkDocs' default plugin list is [search]; written out, it has to name search too.
        block = (f"{nl}# The on-call handbook checks ({MARK}).{nl}"
                 f"plugins:{nl}  - search{nl}  - {PLUGIN_NAME}{nl}")
        prefix = text if not text or text.endswith("\n") else text + nl
        result = prefix + block.lstrip("\r\n") if not text.strip() else prefix + block
    else:
        key, value = plugins
        result = _insert_into(text, key, value, nl, name)
    check = _compose(result, name)
    entry = _key(check, "plugins")
    if entry is None or PLUGIN_NAME not in _plugin_names(entry[1]):
        raise ConfigError(f"{name}: could not add the opsbook plugin by inserting a line; add "
                          f"`- {PLUGIN_NAME}` to its plugins list by hand")
    return result


def _insert_into(text: str, key: yaml.Node, value: yaml.Node, nl: str, name: str) -> str:
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        end = value.end_mark.index - 1  # the closing bracket
        inner = text[value.start_mark.index + 1 : end]
        addition = PLUGIN_NAME if not inner.strip() else f", {PLUGIN_NAME}"
        stripped = inner.rstrip()
        at = value.start_mark.index + 1 + len(stripped)
        return text[:at] + addition + text[at:]
    if isinstance(value, yaml.SequenceNode) and value.value:
        indent = value.start_mark.column
        last = value.value[-1]
        return _insert_line(text, last, " " * indent + f"- {PLUGIN_NAME}", nl)
    if isinstance(value, yaml.MappingNode) and value.value and not value.flow_style:
        indent = value.value[0][0].start_mark.column
        last = value.value[-1][1]
        return _insert_line(text, last, " " * indent + f"{PLUGIN_NAME}: {{}}", nl)
    if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null") \
            and value.start_mark.line == key.start_mark.line:
        # `plugins:` with nothing after it: MkDocs reads that as no plugins at all.
        line_end = _offset(text, key.start_mark.line + 1)
        head = text[:line_end]
        if not head.endswith("\n"):
            head += nl
        return head + f"  - {PLUGIN_NAME}{nl}" + text[line_end:]
    raise ConfigError(f"{name}:{key.start_mark.line + 1}: the plugins setting has a shape "
                      f"opsbook init does not edit; add `{PLUGIN_NAME}` to it by hand")


def _insert_line(text: str, last: yaml.Node, line: str, nl: str) -> str:
    """Insert ``line`` after the line where node ``last`` ends."""
    end = last.end_mark
    # A scalar ends on its own line. A block collection ends where the next token starts, after
    # any blank lines and comments that follow it: those belong to what comes next, so the new
    # line goes right after the collection's last line of content.
    line_index = end.line + 1
    if end.column == 0:
        lines = text.splitlines()
        line_index = end.line
        while line_index - 1 > last.start_mark.line:
            content = lines[line_index - 1].strip() if line_index - 1 < len(lines) else ""
            if content and not content.startswith("#"):
                break
            line_index -= 1
    at = _offset(text, line_index)
    if at == len(text) and text and not text.endswith("\n"):
        return text + nl + line + nl
    return text[:at] + line + nl + text[at:]
