"""The floor for `opsbook check`: read every Markdown file of a handbook and compose its
frontmatter YAML with libyaml's C loader — the least work any frontmatter checker must do.

Run as a script (``python bench/floor.py ROOT``) so it pays the same interpreter start-up as
`opsbook check`; it imports nothing but PyYAML.
"""

from __future__ import annotations

import os
import sys

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def markdown_files(root: str) -> list[str]:
    found: list[str] = []
    for part in ("docs", "runbooks"):
        for current, folders, files in os.walk(os.path.join(root, part)):
            folders[:] = [name for name in folders if not name.startswith(".")]
            found.extend(os.path.join(current, name) for name in files if name.endswith(".md"))
    return sorted(found)


def compose_all(paths: list[str]) -> int:
    """Compose every frontmatter block; returns the number of YAML nodes at the top level."""
    nodes = 0
    for path in paths:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        if not text.startswith("---\n"):
            continue
        end = text.find("\n---", 3)
        if end == -1:
            continue
        node = yaml.compose(text[4 : end + 1], Loader=_LOADER)
        if isinstance(node, yaml.MappingNode):
            nodes += len(node.value)
    return nodes


def main(argv: list[str]) -> int:
    root = argv[1] if len(argv) > 1 else "."
    paths = markdown_files(root)
    nodes = compose_all(paths)
    print(f"{len(paths)} files, {nodes} top-level frontmatter keys")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
