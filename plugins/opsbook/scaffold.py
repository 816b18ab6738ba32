"""`opsbook new runbook ID`: a runbook that passes the checks from its first commit."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

from opsbook.config import ConfigError
from opsbook.workspace import load_site

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def scaffold_runbook(
    config_file: Path,
    runbook_id: str,
    *,
    service: str | None = None,
    owner: str | None = None,
    severity: str | None = None,
    title: str | None = None,
    today: dt.date | None = None,
) -> Path:
    if not _ID.match(runbook_id):
        raise ConfigError(f"runbook id {runbook_id!r} must be lowercase letters, digits and '-'")
    project = load_site(config_file)
    config = project.config
    if any(runbook.id == runbook_id for runbook in project.runbooks):
        raise ConfigError(f"a runbook with id {runbook_id!r} already exists")
    service = service or runbook_id.split("-")[0]
    if owner is None:
        team = project.contacts.team_for_service(service)
        teams = list(project.contacts.teams)
        owner = team.id if team else (teams[0] if teams else "")
    if severity is None:
        matrix = project.matrix
        severity = matrix.levels[-1].id if matrix and matrix.levels else "SEV3"
    target = config.runbooks_dir / service / f"{runbook_id}.md"
    if target.exists():
        raise ConfigError(f"{target} already exists")
    override = config.runbooks_dir / ".template.md"
    template = (
        override.read_text(encoding="utf-8")
        if override.is_file()
        else resources.files("opsbook").joinpath("templates/runbook.md").read_text("utf-8")
    )
    text = template.format(
        id=runbook_id,
        title=title or runbook_id.replace("-", " ").capitalize(),
        service=service,
        owner=owner,
        severity=severity,
        today=(today or config.today).isoformat(),
        review_every=config.review_every.text,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
