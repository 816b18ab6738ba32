"""The rota files the plugin adds to a site: per team with a rotation, ``oncall/TEAM.js`` (the
shifts around the build date, read by the pages that show the team) and ``oncall/TEAM.ics``
(the same shifts as an iCalendar feed to subscribe to)."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

from opsbook.model.project import Project
from opsbook.model.rotations import Rotation
from opsbook.render.context import RenderContext
from opsbook.render.rota import (
    data_window,
    rota_calendar_path,
    rota_data,
    rota_script,
    rota_script_path,
)


CalendarMemo = dict[str, tuple[tuple[Any, ...], bytes]]
"""`serve`: each team's feed and what it was made from (its rotation, the contacts, the span),
reused while those are equal as values: a feed is a function of them alone."""


def add_rota_files(files: Files, config: Any, project: Project, context: RenderContext,
                   calendars: CalendarMemo | None = None) -> None:
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
        calendar = rota_calendar_path(rotation.team)
        if calendar not in files:
            files.append(File.generated(config, calendar,
                                        content=rota_calendar(context, rotation, calendars)))


def rota_calendar(context: RenderContext, rotation: Rotation,
                  calendars: CalendarMemo | None = None) -> bytes:
    """The team's feed over the same span as its data (the contacts as the site shows them:
    redacted when the site is)."""
    from opsbook.report.ics import rotation_calendar

    start, end = data_window(context.project.config.today)
    made_from = (rotation, context.project.contacts, start, end)
    kept = calendars.get(rotation.team) if calendars is not None else None
    if kept is not None and kept[0] == made_from:
        return kept[1]
    feed = rotation_calendar(rotation, context.project.contacts, start, end)
    if calendars is not None:
        calendars[rotation.team] = (made_from, feed)
    return feed
