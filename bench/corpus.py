"""A deterministic synthetic handbook: the reference site plus N generated runbooks.

The reference handbook (``mkdocs.yml``, ``docs/``, ``runbooks/``) is copied into a scratch
directory and N runbooks are added under ``runbooks/<service>/``. Every generated runbook is
valid against the reference severity matrix and contacts (services, owning teams, levels and
their times are read from them, not hard-coded), has the five required sections, a table, lists,
a severity table that agrees with the matrix and fenced shell blocks that pass ``bash -n`` — so
a clean corpus checks clean, and a benchmark measures the work a real handbook causes.

Runbook ``i`` depends only on ``i`` and ``today``: the 10,000-runbook corpus is a prefix of the
50,000 one, and two runs generate the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Level:
    id: str
    aliases: tuple[str, ...]
    times: dict[str, str]  # measure -> matrix duration ("15m", "next business day")


@dataclass(frozen=True)
class Service:
    name: str
    team: str
    channel: str


@dataclass(frozen=True)
class Reference:
    """What the generator needs to know about the reference handbook."""

    services: tuple[Service, ...]
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Topic:
    slug: str
    alert: str  # CamelCase alert stem
    title: str  # "{component} ..." title fragment
    symptom: str  # what the alert means, one clause


TOPICS = (
    Topic("error-rate", "HighErrorRate", "returns too many errors",
          "more than 2% of requests failed over the last ten minutes"),
    Topic("latency", "HighLatency", "answers slowly",
          "the 99th percentile latency stayed above its objective for fifteen minutes"),
    Topic("backlog", "QueueBacklog", "falls behind on its queue",
          "the oldest unprocessed message is older than five minutes"),
    Topic("crashloop", "CrashLooping", "keeps restarting",
          "pods restarted more than five times within half an hour"),
    Topic("disk", "DiskFillingUp", "is running out of disk",
          "a volume will be full within four hours at the current rate"),
    Topic("memory", "MemoryPressure", "is short of memory",
          "containers are within 10% of their memory limit"),
    Topic("timeouts", "DependencyTimeouts", "times out calling a dependency",
          "outbound calls time out more often than one in fifty"),
    Topic("stale-data", "DataStale", "serves stale data",
          "the newest record is older than its freshness objective"),
    Topic("jobs", "JobFailures", "has failing scheduled jobs",
          "the last two runs of a scheduled job exited with an error"),
    Topic("rate-limit", "RateLimited", "is rate limited upstream",
          "an upstream provider rejected requests with HTTP 429"),
    Topic("certificate", "CertificateExpiring", "has a certificate about to expire",
          "a serving certificate expires within fourteen days"),
    Topic("replication", "ReplicationLag", "replicates with a delay",
          "replicas are more than thirty seconds behind the primary"),
)

COMPONENTS = ("api", "worker", "scheduler", "consumer", "gateway", "cache", "indexer",
              "exporter", "sync", "webhooks")

CLUSTERS = ("prod-eu-west", "prod-us-east", "prod-ap-south")

CAUSES = (
    "a deploy in the last hour changed the connection pool size",
    "a noisy neighbour on the same node is taking most of the CPU",
    "an upstream partner is retrying aggressively after its own outage",
    "a schema migration is holding locks longer than planned",
    "a configuration change lowered a timeout below the usual response time",
    "a batch import started during business hours instead of overnight",
    "the autoscaler reached its maximum replica count",
    "a certificate rotation left one pod with the old trust bundle",
)

CHECKS = (
    ("Ready pods", "all replicas", "fewer than two ready"),
    ("Restarts (30 min)", "0", "more than 3"),
    ("CPU throttling", "under 5%", "above 25%"),
    ("Error rate", "under 0.5%", "above 2%"),
    ("Queue age", "under 30 s", "above 5 min"),
    ("p99 latency", "under 400 ms", "above 1.5 s"),
    ("Open connections", "under 200", "above 450"),
    ("Disk free", "above 30%", "under 10%"),
)

MEASURE_COLUMNS = (("acknowledge", "Acknowledge"), ("respond", "Respond"),
                   ("update_every", "Status updates"), ("resolve", "Resolve"))


def _frontmatter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    _, block, _ = text.split("---\n", 2)
    data = yaml.safe_load(block)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: frontmatter is not a mapping")
    return data


def read_reference(root: Path) -> Reference:
    """Services, owning teams and severity levels of the reference handbook at ``root``."""
    contacts = _frontmatter(root / "docs" / "contacts.md")
    matrix = _frontmatter(root / "docs" / "severity.md")
    services = tuple(
        Service(str(service), str(team["id"]), str(team.get("channel") or f"#{team['id']}"))
        for team in contacts.get("teams", [])
        for service in team.get("services", [])
    )
    levels = tuple(
        Level(
            str(level["id"]),
            tuple(str(alias) for alias in level.get("aliases", [])),
            {measure: str(level[measure]) for measure, _ in MEASURE_COLUMNS if measure in level},
        )
        for level in matrix["levels"]
    )
    if not services or not levels:
        raise ValueError(f"{root}: reference handbook has no services or no severity levels")
    return Reference(services, levels)


def spoken(duration: str) -> str:
    """A matrix duration as a page would write it: 15m -> "15 minutes", 1h -> "1 hour"."""
    if not duration[:-1].isdigit():
        return duration  # "next business day"
    amount, unit = int(duration[:-1]), duration[-1]
    word = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}[unit]
    return f"{amount} {word}{'' if amount == 1 else 's'}"


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in text.replace("_", "-").split("-"))


def render_runbook(index: int, reference: Reference, today: dt.date) -> tuple[str, str]:
    """(path relative to the handbook root, file text) of generated runbook ``index``."""
    rng = random.Random(f"opsbook-bench-{index}")
    service = reference.services[index % len(reference.services)]
    topic = rng.choice(TOPICS)
    component = rng.choice(COMPONENTS)
    level = rng.choice(reference.levels)
    severity = rng.choice((level.id, level.id, *level.aliases[:1]))
    cluster = rng.choice(CLUSTERS)
    runbook_id = f"{service.name}-{component}-{topic.slug}-{index:05d}"
    app = f"{service.name}-{component}"
    alert = f"{_camel(service.name)}{_camel(component)}{topic.alert}{index:05d}"
    second_alert = f"{_camel(service.name)}{_camel(component)}Unhealthy{index:05d}"
    reviewed = today - dt.timedelta(days=rng.randint(1, 80))
    cause, other_cause = rng.sample(CAUSES, 2)
    checks = rng.sample(CHECKS, 3)
    replicas = rng.choice((3, 4, 6, 8, 12))
    namespace = service.name

    lines = [
        "---",
        f"id: {runbook_id}",
        f"title: {service.name} {component} {topic.title}",
        f"service: {service.name}",
        f"owner: {service.team}",
        f"severity: {severity}",
        f"alerts: [{alert}, {second_alert}]",
        f"last_reviewed: {reviewed.isoformat()}",
        "review_every: 90d",
        f"tags: [{service.name}, {component}, {topic.slug}]",
        f"summary: What to do when the {component} of {service.name} {topic.title}.",
        "---",
        "",
        "## Symptoms",
        "",
        f"- `{alert}` fires: {topic.symptom}.",
        f"- `{second_alert}` may follow when the readiness probe fails.",
        f"- The {component} panel of the {service.name} dashboard is red; neighbouring",
        "  services usually look healthy.",
        "",
        f"The {component} of {service.name} runs as the `{app}` deployment in the",
        f"`{namespace}` namespace of `{cluster}`, with {replicas} replicas.",
        "",
        "## Diagnosis",
        "",
        "Look at the pods first: restarts and readiness tell most of the story.",
        "",
        "```bash",
        f"kubectl --context {cluster} -n {namespace} get pods -l app={app} -o wide",
        f"kubectl --context {cluster} -n {namespace} logs -l app={app} --since=30m "
        "| grep -Ei 'error|timeout' | tail -n 40",
        "```",
        "",
        "Compare what you see with the usual values:",
        "",
        "| Signal | Normal | Act when |",
        "|---|---|---|",
        *(f"| {name} | {normal} | {act} |" for name, normal, act in checks),
        "",
        f"A frequent cause: {cause}.",
        f"Less often, {other_cause}.",
        "",
        "## Mitigation",
        "",
        f"1. Say in {service.channel} that you are working on `{alert}`.",
        "2. If a deploy went out in the last hour, roll it back first.",
        "3. Otherwise restart the pods one at a time:",
        "",
        "```bash",
        f'for pod in $(kubectl --context {cluster} -n {namespace} get pods -l app={app} '
        "-o name); do",
        f'  kubectl --context {cluster} -n {namespace} delete "$pod" --wait=true',
        "  sleep 20",
        "done",
        "```",
        "",
        "4. If the pods are healthy but saturated, add capacity with",
        f"   `kubectl scale deployment/{app} --replicas={replicas * 2}`.",
        "",
        "## Verification",
        "",
        f"- `{alert}` and `{second_alert}` have resolved in the pager.",
        f"- Every `{app}` pod is ready, with no restart for fifteen minutes.",
        "- The error rate is back under its objective:",
        "",
        "```bash",
        "curl -fsS -G https://prometheus.example.com/api/v1/query --data-urlencode \\",
        f"  'query=sum(rate(http_requests_total{{app=\"{app}\",code=~\"5..\"}}[5m]))' "
        "| jq -r '.data.result[0].value[1]'",
        "```",
        "",
        "## Escalation",
        "",
        f"This runbook is usually {level.id}. The matrix gives these times:",
        "",
        "| Severity | " + " | ".join(label for _, label in MEASURE_COLUMNS) + " |",
        "|---|" + "---|" * len(MEASURE_COLUMNS),
        f"| {level.id} | "
        + " | ".join(spoken(level.times.get(measure, "")) for measure, _ in MEASURE_COLUMNS)
        + " |",
        "",
        f"- Primary: the {service.team} on-call in {service.channel}.",
        f"- Secondary: the next step of the {service.team} ladder on the contacts page.",
        "",
        "If customers are still affected after an hour, raise the severity one level",
        "and hand the incident to an incident commander.",
        "",
    ]
    path = f"runbooks/{service.name}/{runbook_id}.md"
    return path, "\n".join(lines)


def iter_runbooks(
    count: int, reference: Reference, today: dt.date, start: int = 0
) -> Iterator[tuple[str, str]]:
    for index in range(start, start + count):
        yield render_runbook(index, reference, today)


SKIPPED = {"bench", "build", "checks", "node_modules", "pdf", "plugins", "site", "tests",
           "test-artifacts"}
"""Top-level entries of the repository that are the toolkit or build output, not handbook."""


def copy_reference(source: Path, target: Path) -> None:
    """Copy the reference handbook — mkdocs.yml, docs/, runbooks/ and whatever else the site
    may use (theme overrides, hooks, CODEOWNERS) — but not the toolkit, caches or outputs."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        name = path.name
        if name in SKIPPED or name.endswith(".egg-info"):
            continue
        if name.startswith(".") and name != ".github":
            continue
        if path.is_dir():
            shutil.copytree(path, target / name, dirs_exist_ok=True, symlinks=True)
        else:
            shutil.copy2(path, target / name)


def generate_handbook(
    source: Path, target: Path, count: int, today: dt.date | None = None
) -> int:
    """Reference handbook from ``source`` plus ``count`` runbooks, written below ``target``.
    Returns the number of bytes of generated runbooks."""
    today = today or dt.date.today()
    copy_reference(source, target)
    reference = read_reference(source)
    written = 0
    made: set[Path] = set()
    rules = AlertRuleWriter(target, reference)
    for relative, text in iter_runbooks(count, reference, today):
        path = target / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = text.encode("utf-8")
        path.write_bytes(data)
        written += len(data)
        rules.add(text)
    rules.close()
    return written


RULES_PER_FILE = 2000
"""Alerting rules per generated rule file (two per runbook): files of ~300 KB."""


class AlertRuleWriter:
    """When the reference handbook checks Prometheus rule files (``alert_rules``), a rule for
    every alert of the generated runbooks, in ``alerts/generated-NNN.rules.yml`` (one line
    each, with the runbook's level as its severity label and a runbook_url of the alert index),
    so the corpus still checks clean and the benchmarks pay for reading them."""

    def __init__(self, target: Path, reference: Reference) -> None:
        config = (target / "mkdocs.yml").read_text(encoding="utf-8")
        self.enabled = "alert_rules:" in config
        found = re.search(r"^site_url:\s*(\S+)", config, re.M)
        self.site_url = found.group(1).rstrip("/") + "/" if found else ""
        self.directory = target / "alerts"
        self.levels = {name.lower(): level.id for level in reference.levels
                       for name in (level.id, *level.aliases)}
        self.lines: list[str] = []
        self.number = 0

    def add(self, runbook: str) -> None:
        if not self.enabled:
            return
        alerts = re.search(r"^alerts: \[(.*)\]$", runbook, re.M)
        severity = re.search(r"^severity: (.*)$", runbook, re.M)
        service = re.search(r"^service: (.*)$", runbook, re.M)
        if not (alerts and severity and service):
            return
        level = self.levels.get(severity.group(1).strip().lower(), severity.group(1).strip())
        for alert in (name.strip() for name in alerts.group(1).split(",")):
            url = f", annotations: {{runbook_url: '{self.site_url}alerts/#{alert}'}}" \
                if self.site_url else ""
            self.lines.append(
                f"      - {{alert: {alert}, expr: 'up{{job=\"{service.group(1)}\"}} == 0', "
                f"for: 5m, labels: {{severity: {level}}}{url}}}\n")
            if len(self.lines) >= RULES_PER_FILE:
                self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"generated-{self.number:03d}.rules.yml"
        path.write_text("groups:\n  - name: generated\n    rules:\n" + "".join(self.lines),
                        encoding="utf-8")
        self.number += 1
        self.lines = []

    def close(self) -> None:
        self.flush()
