"""The site engine underneath opsbook: MkDocs 1.x or ProperDocs, behind one small adapter.

ProperDocs is the maintained continuation of MkDocs 1.x: the same Python API under the module
name ``properdocs``, the same plugin entry points (``mkdocs.plugins``), and a configuration file
named ``properdocs.yml`` (it still reads ``mkdocs.yml``). MkDocs 2 is a different program: it
loads no plugins and reads another configuration format, so it cannot build a handbook at all.

Code that runs *inside* a build (the plugin, :mod:`opsbook.site`) imports ``mkdocs.*`` as every
MkDocs plugin does; ProperDocs makes those names point at its own modules before it loads any
plugin. Code that *starts* a build or reads the configuration outside one (the CLI, ``opsbook
pdf``) goes through :func:`engine_module` here, so it uses whichever engine is installed and
never imports ``mkdocs`` where only ProperDocs is there, or where ``mkdocs`` is MkDocs 2.

Nothing here imports an engine at module import time: ``opsbook check`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

EngineName = Literal["mkdocs", "properdocs"]

CONFIG_FILE_NAMES = ("properdocs.yml", "properdocs.yaml", "mkdocs.yml", "mkdocs.yaml")
"""The configuration files of a handbook, in the order ProperDocs itself looks for them."""

MKDOCS_2_ADVICE = (
    "MkDocs {version} is installed. MkDocs 2 loads no plugins and reads another configuration "
    "format, so it would build this handbook without opsbook: no checks, no header cards, no "
    "PDFs. Either pin MkDocs 1.x (pip install 'mkdocs>=1.6,<2') or switch to ProperDocs, the "
    "maintained continuation of MkDocs 1.x (pip install properdocs; it reads the same "
    "mkdocs.yml, or the same file renamed properdocs.yml, and loads opsbook as a plugin)"
)


class EngineError(Exception):
    """No usable site engine: the message says what to install (exit code 2, no traceback)."""


@dataclass(frozen=True)
class Engine:
    name: EngineName  # also its module and its command: `mkdocs build`, `properdocs build`
    version: str

    @property
    def display_name(self) -> str:
        return "ProperDocs" if self.name == "properdocs" else "MkDocs"


def find_config_file(directory: Path) -> Path | None:
    """The handbook's configuration file in ``directory`` (``properdocs.yml`` or
    ``mkdocs.yml``, as ProperDocs orders them), or None when it has none."""
    for name in CONFIG_FILE_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def installed_version(distribution: str) -> str | None:
    """The version of an installed distribution, as ``import`` would find it (first on
    ``sys.path``). Read from the ``NAME-VERSION.dist-info`` folder names: importing
    :mod:`importlib.metadata` would cost `opsbook check` a tenth of a second."""
    prefix = distribution.lower().replace("-", "_") + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix) : -len(".dist-info")]
    return None


def is_mkdocs_2(version: str) -> bool:
    """Whether an MkDocs version string is 2.x or later (pre-releases such as 2.0.dev6 too)."""
    major = version.split(".", 1)[0]
    return major.isdigit() and int(major) >= 2


_INSTALLED = "installed"


def mkdocs_2_problem(
    mkdocs_version: str | None = _INSTALLED, properdocs_version: str | None = _INSTALLED
) -> str | None:
    """What to do, when ``mkdocs`` is MkDocs 2 and no ProperDocs is there to build the handbook
    instead; None when a build can load opsbook. Versions default to the installed ones."""
    if mkdocs_version == _INSTALLED:
        mkdocs_version = installed_version("mkdocs")
    if properdocs_version == _INSTALLED:
        properdocs_version = installed_version("properdocs")
    if mkdocs_version is None or not is_mkdocs_2(mkdocs_version) or properdocs_version:
        return None
    return MKDOCS_2_ADVICE.format(version=mkdocs_version)


def choose_engine(
    config_file: Path | None,
    mkdocs_version: str | None,
    properdocs_version: str | None,
) -> Engine:
    """Which engine builds the site: ProperDocs for a ``properdocs.yml`` or where MkDocs 1.x is
    missing (or is MkDocs 2), MkDocs 1.x otherwise."""
    usable_mkdocs = mkdocs_version is not None and not is_mkdocs_2(mkdocs_version)
    wants_properdocs = config_file is not None and config_file.name.startswith("properdocs.")
    if properdocs_version is not None and (wants_properdocs or not usable_mkdocs):
        return Engine("properdocs", properdocs_version)
    if usable_mkdocs:
        assert mkdocs_version is not None
        # MkDocs 1.x reads a properdocs.yml as well: the format is the same.
        return Engine("mkdocs", mkdocs_version)
    if mkdocs_version is not None:
        raise EngineError(MKDOCS_2_ADVICE.format(version=mkdocs_version))
    raise EngineError(
        "no site engine is installed: install ProperDocs (pip install properdocs) or "
        "MkDocs 1.x (pip install 'mkdocs>=1.6,<2')"
    )


_active: Engine | None = None


def _loaded_engine() -> EngineName | None:
    """The engine already loaded in this process: inside a build, the one running it."""
    module = sys.modules.get("mkdocs")
    if module is None:
        return None
    return "properdocs" if module.__name__ == "properdocs" else "mkdocs"


def use_engine(config_file: Path | None = None) -> Engine:
    """Choose the engine for this process (once) and make it importable: under ProperDocs, the
    ``mkdocs.*`` names the plugin and Material import resolve to ProperDocs' modules, as they
    do under the ``properdocs`` command."""
    global _active
    if _active is not None:
        return _active
    loaded = _loaded_engine()
    if loaded is not None:
        # Inside a build, or after something imported the engine: its classes are the ones
        # in use and cannot be swapped for the other engine's now.
        version = installed_version(loaded)
        _active = Engine(loaded, version or "")
        return _active
    engine = choose_engine(
        config_file, installed_version("mkdocs"), installed_version("properdocs")
    )
    if engine.name == "properdocs":
        importlib.import_module("properdocs.replacement")
    _active = engine
    return engine


def engine_module(name: str, config_file: Path | None = None) -> Any:
    """``<engine>.<name>`` of the engine in use, e.g. ``engine_module("commands.build")``."""
    engine = use_engine(config_file)
    return importlib.import_module(f"{engine.name}.{name}")


def engine_exception() -> type[Exception]:
    """The base class of the engine's own errors (configuration, build, plugin)."""
    exceptions = engine_module("exceptions")
    name = "ProperDocsException" if hasattr(exceptions, "ProperDocsException") else (
        "MkDocsException"
    )
    base: type[Exception] = getattr(exceptions, name)
    return base


def plugin_error(message: str) -> Exception:
    """The engine's PluginError: a build fails with ``message`` and no traceback."""
    error: Exception = engine_module("exceptions").PluginError(message)
    return error
