"""The rota files the plugin adds to a site: per team with a rotation, ``oncall/TEAM.js`` (the
shifts around the build date, read by the pages that show the team) and ``oncall/TEAM.ics``
(the same shifts as an iCalendar feed to subscribe to)."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

from opsbook.model.project import Project
from opsbook.render.context import RenderContext
from opsbook.render.rota import rota_data, rota_script, rota_script_path


def add_rota_files(files: Files, config: Any, project: Project, context: RenderContext) -> None:
    """Write every team's rota data into the site (from the build date, never the clock).
    A handbook page of the same name wins; the first rotation of a team counts."""
    seen: set[str] = set()
    for rotation in project.rotations:
        if rotation.team in seen:
            continue
        seen.add(rotation.team)
        script = rota_script_path(rotation.team)
        if script not in files:
            data = rota_data(context, rotation, project.config.today)
            files.append(File.generated(config, script, content=rota_script(data)))
