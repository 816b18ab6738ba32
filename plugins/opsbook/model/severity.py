"""The severity matrix: the one place response times are defined."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from opsbook.load.duration import Duration
from opsbook.model.origin import Origin
from opsbook.model.schema import FieldSpec, ObjectSpec

MEASURES = ("acknowledge", "respond", "update_every", "resolve")
"""The times a level sets, in the order tables usually list them."""

MEASURE_LABELS = {
    "acknowledge": "acknowledge within",
    "respond": "respond within",
    "update_every": "update every",
    "resolve": "resolve within",
}

LEVEL_SPEC = ObjectSpec(
    "severity level",
    "One severity level; levels are listed most severe first.",
    (
        FieldSpec("id", "id", "Canonical name, e.g. SEV1.", required=True, example="SEV1"),
        FieldSpec("aliases", "string-list", "Other names text may use (P1, Critical).",
                  example=["P1", "Critical"]),
        FieldSpec("summary", "string", "When this level applies.", required=True,
                  example="Customer-facing outage or data loss"),
        FieldSpec("acknowledge", "duration", "Time to acknowledge a page.", example="5m"),
        FieldSpec("respond", "duration", "Time until someone is actively working on it.",
                  example="15m"),
        FieldSpec("update_every", "duration", "Interval between status updates.", example="30m"),
        FieldSpec("resolve", "duration", "Target time to resolve or mitigate.", example="4h"),
        FieldSpec("page", "boolean", "Whether this level pages the on-call engineer.",
                  example=True),
        FieldSpec("color", "string", "Badge colour on the site (CSS colour).", example="#b71c1c"),
    ),
)

SEVERITY_MATRIX_SPEC = ObjectSpec(
    "severity matrix",
    "The severity levels of the handbook and their response times (exactly one per handbook).",
    (
        FieldSpec("kind", "string", "Always `severity-matrix`.", required=True),
        FieldSpec("title", "string", "Page title.", example="Severity levels"),
        FieldSpec("levels", "objects", "Levels, most severe first.", required=True,
                  items=LEVEL_SPEC),
    ),
)


@dataclass
class SeverityLevel:
    id: str
    summary: str
    origin: Origin
    rank: int  # 0 = most severe
    aliases: list[str] = field(default_factory=list)
    acknowledge: Duration | None = None
    respond: Duration | None = None
    update_every: Duration | None = None
    resolve: Duration | None = None
    page: bool = False
    color: str | None = None

    def measure(self, name: str) -> Duration | None:
        value = getattr(self, name)
        return value if isinstance(value, Duration) else None

    @property
    def names(self) -> list[str]:
        return [self.id, *self.aliases]


@dataclass
class SeverityMatrix:
    levels: list[SeverityLevel]
    origin: Origin

    def lookup(self, name: str) -> SeverityLevel | None:
        """Find a level by id or alias, ignoring case and spaces (``sev 1`` → SEV1)."""
        key = normalise_level_name(name)
        for level in self.levels:
            for candidate in level.names:
                if normalise_level_name(candidate) == key:
                    return level
        return None


@lru_cache(maxsize=4096)  # pure, and asked for every level name on every lookup
def normalise_level_name(name: str) -> str:
    return "".join(name.split()).replace("-", "").lower()


def build_severity_matrix(values: dict[str, object], origin: Origin) -> SeverityMatrix:
    levels = []
    raw_levels = values.get("levels", [])
    assert isinstance(raw_levels, list)
    for rank, raw in enumerate(raw_levels):
        if "id" not in raw:
            continue
        levels.append(
            SeverityLevel(
                id=raw["id"],
                summary=raw.get("summary", ""),
                origin=origin.child("levels", rank),
                rank=rank,
                aliases=raw.get("aliases", []),
                acknowledge=raw.get("acknowledge"),
                respond=raw.get("respond"),
                update_every=raw.get("update_every"),
                resolve=raw.get("resolve"),
                page=raw.get("page", False),
                color=raw.get("color"),
            )
        )
    return SeverityMatrix(levels, origin)
