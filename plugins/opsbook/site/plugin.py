"""The `opsbook` MkDocs plugin: an adapter that hooks MkDocs events and delegates.

It loads the handbook with the library, runs the same checks as `opsbook check`, logs the
findings through MkDocs' logger and fails the build on error-level findings; it pulls
runbooks into the site without copying them and watches them under `mkdocs serve`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from opsbook.config import ConfigError, OpsbookConfig, config_from_plugin
from opsbook.diagnostics import Diagnostic, Level
from opsbook.model.project import Project, iter_markdown_files, load_project, site_files
from opsbook.site.config import OpsbookPluginConfig
from opsbook.site.urls import RUNBOOKS_URL_PREFIX

log = logging.getLogger("mkdocs.plugins.opsbook")


class OpsbookPlugin(BasePlugin[OpsbookPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command: str = "build"
        self.opsbook: OpsbookConfig | None = None
        self.project: Project | None = None
        self.diagnostics: list[Diagnostic] = []

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.command = command

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path).parent.resolve()
        try:
            self.opsbook = config_from_plugin(
                self.config, root, Path(config.docs_dir), str(config.site_url or "")
            )
        except ConfigError as error:
            raise PluginError(str(error)) from None
        return config

    def on_files(self, files: Files, *, config: Any) -> Files:
        """Check the handbook, then add runbooks (outside docs_dir) as pages, uncopied."""
        assert self.opsbook is not None
        self.project = load_project(self.opsbook, site_files(self.opsbook), base=self._root)
        self._report()
        runbooks_dir = self.opsbook.runbooks_dir
        if runbooks_dir.is_dir() and not _is_below(runbooks_dir, Path(config.docs_dir)):
            for path in iter_markdown_files(runbooks_dir):
                src_uri = "/".join(
                    (RUNBOOKS_URL_PREFIX, *path.relative_to(runbooks_dir).parts)
                )
                files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        return files

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        assert self.opsbook is not None
        if self.opsbook.runbooks_dir.is_dir():
            server.watch(str(self.opsbook.runbooks_dir))
        return server

    @property
    def _root(self) -> Path:
        assert self.opsbook is not None
        return self.opsbook.root

    def _report(self) -> None:
        from opsbook.checks import run_checks

        assert self.project is not None
        self.diagnostics = run_checks(self.project)
        errors = 0
        for diagnostic in self.diagnostics:
            text = (
                f"{diagnostic.path}:{diagnostic.line}: {diagnostic.rule} {diagnostic.message}"
                f" — {diagnostic.hint}"
            )
            if diagnostic.level is Level.ERROR:
                errors += 1
                log.error(text)
            else:
                log.warning(text)
        if errors and self.config.strict and self.command != "serve":
            raise PluginError(
                f"opsbook: {errors} error-level finding{'s' if errors != 1 else ''}; "
                "fix them or run `opsbook check` for details"
            )


def _is_below(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True
