"""The merge gate, end to end with real git: a branch that adds a placeholder contact fails
exactly the command checks.yml runs, with an annotation on that line; the fix passes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.ci import (
    GitRepo,
    copy_handbook_with_github,
    env_with_venv,
    find_step,
    insert_after_heading,
    load_workflow,
)

RUNBOOK = Path("runbooks/payments/payments-webhook-backlog.md")
PLACEHOLDER_LINE = "- **Payments on-call lead:** [Name] - +1-XXX-XXX-XXXX"
FIXED_LINE = "- **Payments on-call lead:** Nadia Haddad - +1 202-555-0181"


def run_check_step(repo: Path, summary: Path) -> subprocess.CompletedProcess[str]:
    """What checks.yml's check step runs, as GitHub would: bash, in the checkout, with the
    venv on PATH (as `make install` leaves it) and a job summary file."""
    step = find_step(load_workflow("checks.yml"), "opsbook-check")
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=repo, capture_output=True, text=True, check=False, timeout=120,
        env=env_with_venv({"GITHUB_ACTIONS": "true", "CI": "true",
                           "GITHUB_STEP_SUMMARY": str(summary)}),
    )


def test_a_placeholder_contact_blocks_the_merge_and_its_fix_passes(tmp_path: Path) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    repo = GitRepo.create(root)
    summary = tmp_path / "summary.md"

    baseline = run_check_step(root, summary)
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    assert "::error" not in baseline.stdout

    repo.git("switch", "--quiet", "--create", "add-payments-lead")
    line = insert_after_heading(root / RUNBOOK, "## Escalation", PLACEHOLDER_LINE)
    repo.commit_all("Escalation: name the payments on-call lead")

    summary.unlink(missing_ok=True)
    failing = run_check_step(root, summary)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    errors = [text for text in failing.stdout.splitlines() if text.startswith("::error ")]
    assert errors, failing.stdout
    assert all(f"file={RUNBOOK.as_posix()},line={line}," in error for error in errors), errors
    assert any("title=OB110::" in error for error in errors), errors
    # Every finding is also in the job summary, which has no 10-annotation limit.
    table = summary.read_text(encoding="utf-8")
    assert f"| `{RUNBOOK.as_posix()}` | {line} | OB110 |" in table

    (root / RUNBOOK).write_text(
        (root / RUNBOOK).read_text(encoding="utf-8").replace(PLACEHOLDER_LINE, FIXED_LINE),
        encoding="utf-8",
    )
    repo.commit_all("Escalation: the real number")
    assert repo.git("status", "--porcelain") == ""

    passing = run_check_step(root, summary)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "::error" not in passing.stdout and "::warning" not in passing.stdout
