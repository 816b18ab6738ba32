"""The GitHub workflows, checked offline: schema, commands, pins, permissions, triggers.

Every workflow step must call a `make` target that exists or an `opsbook` command the CLI
accepts, so what CI does can be run (and is tested) locally.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opsbook.cli import build_parser
from tests.support.ci import REPO_ROOT, WORKFLOWS, load_workflow, workflow_triggers

WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
REQUIRED_CHECKS = ("opsbook check", "tests", "site build")  # documented in the README

# The only write permissions any job may have, and where.
ALLOWED_WRITES = {
    ("checks.yml", "code-scanning", "security-events"),
    ("publish.yml", "deploy", "pages"),
    ("publish.yml", "deploy", "id-token"),
    ("publish.yml", "release", "contents"),
    ("reviews.yml", "overdue", "issues"),
}

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_SEPARATORS = {"&&", "||", ";", "|", "&"}


def make_target_exists(target: str) -> bool:
    """`make --dry-run TARGET` against the project's Makefile: prints, never runs."""
    result = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "-C", str(REPO_ROOT), target],
        capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "TAG": "v0.0.0"},
    )
    return result.returncode == 0


def opsbook_problem(argv: list[str]) -> str | None:
    """Why ``opsbook ARGV`` would be rejected by the CLI parser, or None."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            args = build_parser().parse_args(argv)
    except SystemExit:
        return f"`opsbook {' '.join(argv)}` is rejected: {errors.getvalue().strip()}"
    if args.command is None:
        return "`opsbook` without a command"
    return None


def commands_of(script: str) -> list[list[str]]:
    """The simple commands of a `run:` script (lines, continuations, && || ; |)."""
    text = _EXPRESSION.sub("EXPR", script).replace("\\\n", " ")
    commands: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        for token in lexer:
            if token in _SEPARATORS:
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
        if current:
            commands.append(current)
    return commands


def run_problems(script: str) -> list[str]:
    """What is wrong with a `run:` script: anything but existing make targets and valid
    opsbook commands."""
    problems = []
    for words in commands_of(script):
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words = words[1:]  # VAR=value before the command
        if not words:
            continue
        program, args = words[0], words[1:]
        if program == "make":
            options = [arg for arg in args if arg.startswith("-")]
            targets = [arg for arg in args if not arg.startswith("-") and "=" not in arg]
            if options:
                problems.append(f"`make {' '.join(args)}`: no options in workflows, only targets")
            if not targets:
                problems.append("`make` without a target")
            problems.extend(
                f"`make {target}`: no such target in the Makefile"
                for target in targets if not make_target_exists(target)
            )
        elif Path(program).name == "opsbook":
            problem = opsbook_problem(args)
            if problem:
                problems.append(problem)
        else:
            problems.append(f"`{' '.join(words)}`: a step may only call make or opsbook")
    return problems


def all_steps() -> list[tuple[str, str, int, dict[str, Any]]]:
    steps = []
    for path in WORKFLOW_FILES:
        workflow = load_workflow(path.name)
        for job_id, job in workflow["jobs"].items():
            for index, step in enumerate(job.get("steps", [])):
                steps.append((path.name, job_id, index, step))
    return steps


def test_both_workflows_exist() -> None:
    assert {path.name for path in WORKFLOW_FILES} >= {"checks.yml", "publish.yml"}


def test_workflows_match_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", *map(str, WORKFLOW_FILES)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "name: broken\non: [push]\njobs:\n  build:\n    stepz:\n      - run: make test\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", str(broken)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0


@pytest.mark.parametrize(
    ("workflow", "job", "index", "step"),
    all_steps(),
    ids=lambda value: str(value) if not isinstance(value, dict) else "",
)
def test_every_step_calls_make_or_opsbook(
    workflow: str, job: str, index: int, step: dict[str, Any]
) -> None:
    if "uses" in step:
        assert "run" not in step
        return
    assert "run" in step, f"{workflow} {job} step {index} neither uses an action nor runs"
    assert run_problems(step["run"]) == []


@pytest.mark.parametrize(
    "script",
    [
        "make no-such-target",
        "make install && make no-such-target",
        "opsbook check --no-such-flag",
        "opsbook chek",
        "opsbook check --format xml",
        ".venv/bin/opsbook check --fromat github",
        "opsbook",
        "curl -sSf https://example.com/install.sh | sh",
        "make -C elsewhere test",
        "pip install opsbook\nmake test",
    ],
)
def test_the_step_check_catches_a_wrong_command(script: str) -> None:
    assert run_problems(script) != []


@pytest.mark.parametrize(
    "script",
    [
        "make install",
        "make test",
        "opsbook check --format github",
        "opsbook check --changed-since ${{ github.event.pull_request.base.sha }} --format github",
        "make release TAG=v1.0.0",
        ".venv/bin/opsbook check --format sarif --output opsbook.sarif",
        "make install && \\\n  opsbook check --format github  # a comment",
    ],
)
def test_the_step_check_accepts_valid_commands(script: str) -> None:
    assert run_problems(script) == []


def test_actions_are_pinned_consistently() -> None:
    refs = [step["uses"] for *_, step in all_steps() if "uses" in step]
    assert refs
    pins = [ref.partition("@")[2] for ref in refs]
    by_major = all(re.fullmatch(r"v\d+", pin) for pin in pins)
    by_sha = all(re.fullmatch(r"[0-9a-f]{40}", pin) for pin in pins)
    assert by_major or by_sha, f"mixed or floating pins: {sorted(set(refs))}"
    # One action, one pin: two versions of the same action drift apart unnoticed.
    versions: dict[str, set[str]] = {}
    for ref in refs:
        name, _, pin = ref.partition("@")
        versions.setdefault(name, set()).add(pin)
    assert all(len(pins) == 1 for pins in versions.values()), versions


def test_permissions_are_least_privilege() -> None:
    for path in WORKFLOW_FILES:
        workflow = load_workflow(path.name)
        assert workflow.get("permissions") == {"contents": "read"}, path.name
        for job_id, job in workflow["jobs"].items():
            permissions = job.get("permissions", {})
            assert isinstance(permissions, dict), f"{path.name} {job_id}: {permissions!r}"
            for scope, level in permissions.items():
                if level == "write":
                    assert (path.name, job_id, scope) in ALLOWED_WRITES, (
                        f"{path.name} job {job_id} may write {scope}"
                    )


def test_checks_gate_pull_requests_with_stable_job_names() -> None:
    workflow = load_workflow("checks.yml")
    triggers = workflow_triggers(workflow)
    assert "pull_request" in triggers and "push" in triggers
    jobs = workflow["jobs"]
    names = {job_id: job.get("name") for job_id, job in jobs.items()}
    assert set(REQUIRED_CHECKS) <= set(names.values()), names
    runs = {
        job_id: [step.get("run", "").strip() for step in job["steps"]]
        for job_id, job in jobs.items()
    }
    assert "opsbook check --format github" in runs["handbook"]
    assert "make test" in runs["tests"]
    assert "make build" in runs["site"]
    upload = [s for s in jobs["code-scanning"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert upload and upload[0]["with"]["sarif_file"] == "opsbook.sarif"
    assert "make sarif" in runs["code-scanning"]


def test_the_readme_names_the_required_checks() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## Use it in CI")[2]
    assert section, "README has no 'Use it in CI' section"
    for name in REQUIRED_CHECKS:
        assert f"`{name}`" in section, name


def test_publish_deploys_with_the_official_pages_actions() -> None:
    workflow = load_workflow("publish.yml")
    triggers = workflow_triggers(workflow)
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["push"]["tags"]
    assert "workflow_dispatch" in triggers
    concurrency = workflow["concurrency"]
    assert concurrency["group"] and concurrency["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    uses = {job_id: [s.get("uses", "").split("@")[0] for s in job["steps"]]
            for job_id, job in jobs.items()}
    assert {"actions/configure-pages", "actions/upload-pages-artifact"} <= set(uses["build"])
    assert uses["deploy"] == ["actions/deploy-pages"]
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["deploy"]["if"] == "github.ref == 'refs/heads/main'"
    assert "startsWith(github.ref, 'refs/tags/" in jobs["release"]["if"]
    runs = [s.get("run", "") for s in jobs["build"]["steps"]]
    assert "make site-zip" in runs and "make pdf" in runs


def test_publish_artifacts_are_what_the_makefile_writes() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    workflow = load_workflow("publish.yml")
    uploads = [
        step["with"] for step in workflow["jobs"]["build"]["steps"]
        if step.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert {upload["name"] for upload in uploads} == {"handbook-offline-site", "handbook-pdfs"}
    for upload in uploads:
        assert upload["if-no-files-found"] == "error"
    zip_path = next(u["path"] for u in uploads if u["name"] == "handbook-offline-site")
    assert zip_path in makefile  # written by `make site-zip`
    pdf_path = next(u["path"] for u in uploads if u["name"] == "handbook-pdfs")
    assert pdf_path.rstrip("/") == "pdf"  # `opsbook pdf` writes to pdf/ by default
    assert build_parser().parse_args(["pdf"]).output == Path("pdf")
