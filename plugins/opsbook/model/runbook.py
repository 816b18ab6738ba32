"""Runbooks and communication templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from opsbook.load.duration import Duration
from opsbook.model.origin import Origin
from opsbook.model.schema import FieldSpec, ObjectSpec

RUNBOOK_SPEC = ObjectSpec(
    "runbook",
    "A runbook: what to do when an alert fires or a service breaks.",
    (
        FieldSpec("kind", "string", "`runbook` (the default under the runbooks directory)."),
        FieldSpec("id", "id", "Stable id, used in URLs and `opsbook lookup`.", required=True,
                  example="payments-db-failover"),
        FieldSpec("title", "string", "Title shown on the page and in the PDF.", required=True,
                  example="Payments database failover"),
        FieldSpec("service", "string", "Service this runbook is for.", required=True,
                  example="payments"),
        FieldSpec("owner", "id", "Owning team id (from contacts).", required=True,
                  example="payments"),
        FieldSpec("severity", "string", "Usual severity (id or alias from the matrix).",
                  required=True, example="SEV1"),
        FieldSpec("alerts", "string-list", "Alert names this runbook answers.",
                  example=["PaymentsDBDown"]),
        FieldSpec("last_reviewed", "date", "Date of the last review.", required=True,
                  example="2026-10-01"),
        FieldSpec("review_every", "duration", "Review interval (default from the config).",
                  example="90d"),
        FieldSpec("tags", "string-list", "Free-form tags for search.", example=["database"]),
        FieldSpec("summary", "string", "One-sentence summary shown in indexes."),
    ),
)

TEMPLATE_SPEC = ObjectSpec(
    "template",
    "Communication templates: blanks like [Time] are meant to stay.",
    (
        FieldSpec("kind", "string", "Always `template`.", required=True),
        FieldSpec("title", "string", "Page title.", example="Communication templates"),
    ),
)


@dataclass
class Runbook:
    id: str
    title: str
    service: str
    owner: str
    severity: str
    origin: Origin
    last_reviewed: dt.date | None = None
    review_every: Duration | None = None
    alerts: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str = ""

    def review_due(self, default_interval: Duration) -> dt.date | None:
        if self.last_reviewed is None:
            return None
        interval = self.review_every or default_interval
        return self.last_reviewed + dt.timedelta(minutes=interval.minutes)


def build_runbook(values: dict[str, Any], origin: Origin) -> Runbook | None:
    if "id" not in values:
        return None
    return Runbook(
        id=values["id"],
        title=values.get("title", values["id"]),
        service=values.get("service", ""),
        owner=values.get("owner", ""),
        severity=values.get("severity", ""),
        origin=origin,
        last_reviewed=values.get("last_reviewed"),
        review_every=values.get("review_every"),
        alerts=values.get("alerts", []),
        tags=values.get("tags", []),
        summary=values.get("summary", ""),
    )
