"""`opsbook new runbook ID`: a runbook that passes the checks from its first commit."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

from opsbook.run import load_site
from opsbook.settings import ConfigError

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
    # A runbook is checked against the team that owns it and the severity matrix: without
    # them it would fail its first check, so say what is missing instead of writing it.
    teams = list(project.contacts.teams)
    if owner is None:
        team = project.contacts.team_for_service(service)
        if team is None and not teams:
            raise ConfigError("the contacts file has no team to own the runbook: add one "
                              "(`opsbook init` writes a contacts file with one), or pass --owner")
        owner = team.id if team else teams[0]
    elif owner not in project.contacts.teams:
        known = ", ".join(teams) or "none"
        raise ConfigError(f"--owner {owner!r} is not a team in the contacts file (teams: {known})")
    matrix = project.matrix
    if matrix is None or not matrix.levels:
        raise ConfigError("the handbook has no severity matrix (a page with "
                          "`kind: severity-matrix`; `opsbook init` writes one)")
    if severity is None:
        severity = matrix.levels[-1].id
    elif matrix.lookup(severity) is None:
        known = ", ".join(level.id for level in matrix.levels)
        raise ConfigError(f"--severity {severity!r} is not in the severity matrix ({known})")
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
