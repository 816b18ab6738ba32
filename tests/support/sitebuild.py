"""Running the real MkDocs CLI on copies of the handbook, for the site tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

RUNBOOK_PAGE = "runbooks/payments/payments-processor-errors.html"
"""A reference runbook page in the built (offline, file-style URLs) site."""


@dataclass
class Build:
    returncode: int
    output: str  # stdout and stderr together, as a person would read them
    site: Path


def mkdocs_env() -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("CI_DEBUG", None)
    return env


def mkdocs_build(project: Path, *args: str, site: Path | None = None) -> Build:
    """``mkdocs build`` in ``project`` (the real CLI, in a child process)."""
    site = site or project / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(site), *args],
        cwd=project,
        env=mkdocs_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Build(result.returncode, result.stdout + result.stderr, site)


def add_runbooks(project: Path, count: int, services: int = 3) -> list[Path]:
    """Write ``count`` small, valid runbooks owned by the reference teams."""
    owners = ("platform", "bookings", "payments", "tracking")
    written = []
    for index in range(count):
        service = f"svc{index % services}"
        path = project / "runbooks" / service / f"{service}-case-{index:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            textwrap.dedent(
                f"""\
                ---
                id: {service}-case-{index:04d}
                title: Generated case {index} for {service}
                service: {service}
                owner: {owners[index % len(owners)]}
                severity: SEV{index % 4 + 1}
                alerts: [GeneratedAlert{index:04d}]
                last_reviewed: 2026-11-01
                summary: A generated runbook for measuring the site.
                ---

                ## Symptoms

                The generated alert fires.

                ## Diagnosis

                Look at the dashboards.

                ## Mitigation

                Restart the service.

                ## Verification

                The alert resolves.

                ## Escalation

                Follow the owning team's ladder.
                """
            ),
            encoding="utf-8",
        )
        written.append(path)
    return written
