"""When a runbook falls due for review, and which ones are overdue on a given day.

A stale runbook is still far better than none during an outage, so being overdue never blocks
a build or a merge: it is shown on the page, its PDF, the home page and in `opsbook reviews`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opsbook.load.duration import Duration
from opsbook.model.runbook import Runbook

if TYPE_CHECKING:
    from opsbook.model.project import Project


@dataclass(frozen=True)
class ReviewStatus:
    runbook: Runbook
    last_reviewed: dt.date | None
    next_review: dt.date | None
    overdue: bool
    days_overdue: int


def review_status(runbook: Runbook, review_every: Duration, today: dt.date) -> ReviewStatus:
    due = runbook.review_due(review_every)
    overdue = due is not None and due < today
    days = (today - due).days if overdue and due is not None else 0
    return ReviewStatus(runbook, runbook.last_reviewed, due, overdue, days)


def overdue_reviews(project: Project) -> list[ReviewStatus]:
    """Every overdue runbook of ``project``, longest overdue first."""
    config = project.config
    statuses = (
        review_status(runbook, config.review_every, config.today) for runbook in project.runbooks
    )
    overdue = [status for status in statuses if status.overdue]
    return sorted(overdue, key=lambda status: (-status.days_overdue, status.runbook.id))
