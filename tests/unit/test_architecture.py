"""The package's layers point one way (ARCHITECTURE.md): a part imports only parts below it.

Every ``import``/``from ... import`` of ``opsbook.*`` counts, lazy ones inside functions and
``TYPE_CHECKING`` blocks included: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "opsbook"

# Bottom to top. A part is a top-level module or subpackage of `opsbook`; parts on one layer
# do not import each other. Keep in step with ARCHITECTURE.md.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "diagnostics", "engine"}),
    frozenset({"load"}),
    frozenset({"settings"}),
    frozenset({"model"}),
    frozenset({"checks"}),
    frozenset({"render"}),
    frozenset({"run"}),
    frozenset({"report", "pdf", "evaluate", "fix"}),
    frozenset({"site", "scaffold", "adopt"}),
    frozenset({"commands"}),
    frozenset({"cli"}),
)
SAME_LAYER_ALLOWED: set[tuple[str, str]] = set()


def layer_of(part: str) -> int:
    for index, parts in enumerate(LAYERS):
        if part in parts:
            return index
    raise AssertionError(
        f"opsbook.{part} is in no layer: add it to LAYERS in {Path(__file__).name} and to "
        "ARCHITECTURE.md (which layers may it import, which may import it?)"
    )


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(relative.parts).removesuffix(".__init__")


def part_of(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def is_part(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def imports(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in ``source``, the text of ``module``; relative imports
    are resolved, and `from opsbook import render` names the part it imports."""
    own = module.split(".")
    package = own if is_package else own[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "opsbook":
                for alias in node.names:
                    if is_part(alias.name):
                        yield node.lineno, f"opsbook.{alias.name}"
            else:
                yield node.lineno, target


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    yield from imports(path.read_text(encoding="utf-8"), module_name(path),
                       path.name == "__init__.py")


def edges() -> Iterator[tuple[str, str, str]]:
    """(importing part, imported part, where) for every import across parts."""
    for path in sorted(PACKAGE.rglob("*.py")):
        source = part_of(module_name(path))
        for line, target in imports_of(path):
            if not target.startswith("opsbook."):
                continue
            imported = part_of(target)
            if imported != source:
                yield source, imported, f"{path.relative_to(PACKAGE.parent)}:{line}"


def test_every_import_points_down() -> None:
    upward = [
        f"{where}: {source} (layer {layer_of(source)}) imports {target} "
        f"(layer {layer_of(target)})"
        for source, target, where in edges()
        if layer_of(target) >= layer_of(source) and (source, target) not in SAME_LAYER_ALLOWED
    ]
    assert upward == [], "\n".join(upward)


def test_no_command_imports_another() -> None:
    commands = PACKAGE / "commands"
    found = []
    for path in sorted(commands.glob("*.py")):
        for line, target in imports_of(path):
            name = target.removeprefix("opsbook.commands.")
            if target.startswith("opsbook.commands.") and name != "common":
                found.append(f"{path.name}:{line} imports {target}")
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from opsbook.render import pages\n", {"render"}),
        ("def late():\n    from opsbook.site.plugin import OpsbookPlugin\n", {"site"}),
        ("from .. import cli\n", {"cli"}),
        ("from opsbook import __version__\n", set()),
        ("from ..pdf.site import SitePdf\n", {"pdf"}),
        ("import opsbook.commands.check\n", {"commands"}),
    ],
)
def test_the_scan_sees_every_kind_of_import(source: str, expected: set[str]) -> None:
    """The scan must see lazy and relative imports, or the layering test could not fail."""
    found = {part_of(target) for _line, target in imports(source, "opsbook.model.example")
             if target.startswith("opsbook.")}
    assert found == expected
