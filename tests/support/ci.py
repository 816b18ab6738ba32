"""Helpers for the CI tests: real git repositories in tmp dirs, the workflows, the venv.

Nothing here touches the repository under test: its files are copied, and every git command
runs in a repository the test created.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.repo import REPO_ROOT, copy_handbook

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
VENV_BIN = Path(sys.executable).parent

# Never copied into a scratch copy of the project: environments, build output, caches.
_NOT_PROJECT_AT_ROOT = {
    ".git", ".venv", "site", "pdf", "build", "dist", "test-artifacts", "opsbook.sarif",
    "bench/.node", "bench/results",
}
_NOT_PROJECT_ANYWHERE = {
    "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "node_modules",
}


def git_env() -> dict[str, str]:
    """An environment in which git ignores the user's and the system's configuration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
    )
    return env


class GitRepo:
    """A throwaway repository, driven by the real git binary."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = git_env()

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
            cwd=self.root, env=self.env, capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout

    @classmethod
    def create(cls, root: Path) -> GitRepo:
        repo = cls(root)
        repo.git("init", "--quiet")
        repo.commit_all("initial commit")
        return repo

    def commit_all(self, message: str) -> None:
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)


def copy_project(target: Path) -> Path:
    """The project's files (toolkit, handbook, workflows), without environments or caches."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(REPO_ROOT)
        return {
            name for name in names
            if (relative / name).as_posix() in _NOT_PROJECT_AT_ROOT
            or name in _NOT_PROJECT_ANYWHERE
            or name.endswith(".egg-info")
        }

    shutil.copytree(REPO_ROOT, target, ignore=ignore, symlinks=True)
    return target


def copy_handbook_with_github(target: Path) -> Path:
    """The reference handbook plus .github (CODEOWNERS, workflows), as CI's checkout has it."""
    copy_handbook(target)
    shutil.copytree(REPO_ROOT / ".github", target / ".github")
    return target


def load_workflow(name: str) -> dict[str, Any]:
    with (WORKFLOWS / name).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict)
    return data


def workflow_triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` block (YAML 1.1 reads a bare `on` key as the boolean True)."""
    triggers = workflow.get("on", workflow.get(True))
    if isinstance(triggers, str):
        return {triggers: None}
    if isinstance(triggers, list):
        return {name: None for name in triggers}
    assert isinstance(triggers, dict)
    return triggers


def find_step(workflow: dict[str, Any], step_id: str) -> dict[str, Any]:
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if step.get("id") == step_id:
                assert isinstance(step, dict)
                return step
    raise AssertionError(f"no step with id {step_id!r}")


def env_with_venv(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a workflow step sees after `make install`: the venv first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def insert_after_heading(path: Path, heading: str, line: str) -> int:
    """Insert ``line`` after ``heading`` (with a blank line); return its 1-based number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(heading) + 1
    lines[at:at] = ["", line]
    path.write_text("\n".join(lines), encoding="utf-8")
    return at + 2
