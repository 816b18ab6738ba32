"""`opsbook reviews`: the runbooks overdue for review, as text, JSON or a Markdown issue body.

The Markdown form is the body of the one GitHub issue the scheduled review workflow keeps up to
date, so a re-run rewrites the same text instead of opening another issue.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from opsbook.model.project import Project
from opsbook.model.review import ReviewStatus
from opsbook.model.urls import runbook_url


def _owner(project: Project, status: ReviewStatus) -> dict[str, str]:
    runbook = status.runbook
    team = project.contacts.teams.get(runbook.owner or "")
    if team is None:
        return {"id": runbook.owner or "", "name": runbook.owner or "(no owner)", "contact": ""}
    return {"id": team.id, "name": team.name, "contact": team.channel or team.email or ""}


def _row(project: Project, status: ReviewStatus, owner: dict[str, str]) -> dict[str, object]:
    runbook = status.runbook
    return {
        "runbook": runbook.id,
        "title": runbook.title,
        "path": runbook.origin.display_path,
        "url": runbook_url(project.config, runbook) if project.config.site else "",
        "owner": owner,
        "last_reviewed": status.last_reviewed.isoformat() if status.last_reviewed else None,
        "due": status.next_review.isoformat() if status.next_review else None,
        "days_overdue": status.days_overdue,
    }


def format_reviews_text(project: Project, overdue: list[ReviewStatus]) -> str:
    today = project.config.today.isoformat()
    if not overdue:
        return f"opsbook: no runbook is overdue for review on {today}\n"
    lines = []
    for status in overdue:
        owner = _owner(project, status)
        row = _row(project, status, owner)
        lines.append(
            f"{row['path']}: {row['runbook']} due {row['due']}, {status.days_overdue} days "
            f"overdue; owner {owner['name']}" + (f" ({owner['contact']})" if owner["contact"]
                                                   else "")
        )
    lines.append(f"opsbook: {len(overdue)} runbook{'s' if len(overdue) != 1 else ''} overdue "
                 f"for review on {today}")
    return "\n".join(lines) + "\n"


def format_reviews_json(project: Project, overdue: list[ReviewStatus]) -> str:
    data = {
        "today": project.config.today.isoformat(),
        "overdue": [_row(project, status, _owner(project, status)) for status in overdue],
    }
    return json.dumps(data, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_reviews_markdown(project: Project, overdue: list[ReviewStatus]) -> str:
    today = project.config.today.isoformat()
    if not overdue:
        return f"No runbook is overdue for review (checked on {today}).\n"
    lines = [
        f"{len(overdue)} runbook{'s are' if len(overdue) != 1 else ' is'} overdue for review "
        f"(checked on {today}). A stale runbook still publishes; please review it, then set "
        "`last_reviewed` to the day you did.",
        "",
        "| Runbook | Owner | Due | Days overdue |",
        "|---|---|---|---|",
    ]
    for status in overdue:
        owner = _owner(project, status)
        row = _row(project, status, owner)
        title = _cell(str(row["title"]))
        link = f"[{title}]({row['url']})" if row["url"] and project.config.site_url else title
        who = _cell(owner["name"]) + (f" ({_cell(owner['contact'])})" if owner["contact"] else "")
        lines.append(f"| {link}<br>`{row['path']}` | {who} | {row['due']} | "
                     f"{status.days_overdue} |")
    return "\n".join(lines) + "\n"


ReviewFormatter = Callable[[Project, list[ReviewStatus]], str]

REVIEW_FORMATS: dict[str, ReviewFormatter] = {
    "text": format_reviews_text,
    "json": format_reviews_json,
    "markdown": format_reviews_markdown,
}
