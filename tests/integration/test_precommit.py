"""pre-commit: the published hook (`.pre-commit-hooks.yaml`) and this repository's own config.

A handbook repository uses the published hook as a hook user would: its .pre-commit-config.yaml
names a commit of the project (a scratch git copy), and pre-commit clones it, builds a
virtualenv, pip-installs opsbook with its dependencies and runs the hook. The install is the
slow part, so both runs share one pre-commit home: the second reuses the environment, as a
user's second commit does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ci import (
    REPO_ROOT,
    VENV_BIN,
    GitRepo,
    copy_handbook_with_github,
    copy_project,
    git_env,
)

BAD = "runbooks/payments/payments-webhook-backlog.md"
RULES = "alerts/larkspur.rules.yml"
GOOD = "runbooks/payments/payments-processor-errors.md"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def pre_commit(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = git_env()
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    env["PIP_NO_COMPILE"] = "1"  # the hook's venv works without .pyc files; saves CPU time
    env.pop("PRE_COMMIT", None)  # not running inside another pre-commit
    return subprocess.run(
        [*PRE_COMMIT, *args], cwd=cwd, env=env, capture_output=True, text=True,
        check=False, timeout=900,
    )


@pytest.fixture(scope="module")
def tool_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean git commit of the project, as a hook user's pre-commit would clone it."""
    root = copy_project(tmp_path_factory.mktemp("tool") / "opsbook")
    GitRepo.create(root)
    return root


@pytest.fixture(scope="module")
def handbook_repo(tmp_path_factory: pytest.TempPathFactory, tool_repo: Path) -> Path:
    """A handbook repository with one runbook that still has a placeholder contact, using the
    published hook at the tool repository's commit."""
    root = copy_handbook_with_github(tmp_path_factory.mktemp("handbook") / "handbook")
    revision = GitRepo(tool_repo).git("rev-parse", "HEAD").strip()
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tool_repo}\n    rev: {revision}\n    hooks:\n"
        "      - id: opsbook-check\n",
        encoding="utf-8",
    )
    bad = root / BAD
    bad.write_text(
        bad.read_text(encoding="utf-8").replace(
            "## Escalation\n", "## Escalation\n\n- Payments lead: [Name], +1-XXX-XXX-XXXX\n"
        ),
        encoding="utf-8",
    )
    rules = root / RULES  # and a rule file whose first runbook_url leads nowhere
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "bookings-api/bookings-api-high-error-rate.html", "bookings-api/gone.html", 1),
        encoding="utf-8")
    GitRepo.create(root)
    return root


def test_manifest_and_config_are_valid() -> None:
    for command, name in (("validate-manifest", ".pre-commit-hooks.yaml"),
                          ("validate-config", ".pre-commit-config.yaml")):
        result = subprocess.run([*PRE_COMMIT, command, str(REPO_ROOT / name)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_published_hook_fails_on_a_placeholder_and_passes_on_a_good_file(
    handbook_repo: Path, tmp_path: Path
) -> None:
    home = tmp_path / "pre-commit-home"
    failing = pre_commit(["run", "opsbook-check", "--files", BAD], handbook_repo, home)
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert "opsbook check" in output and "Failed" in output
    assert f"{BAD}:" in output and "OB110" in output

    passing = pre_commit(["run", "opsbook-check", "--files", GOOD, "docs/contacts.md"],
                         handbook_repo, home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout

    # The hook takes YAML too: a rule file of `alert_rules` is checked, other YAML passes.
    rules = pre_commit(["run", "opsbook-check", "--files", RULES, "mkdocs.yml",
                        ".github/CODEOWNERS"], handbook_repo, home)
    output = rules.stdout + rules.stderr
    assert rules.returncode == 1, output
    assert f"{RULES}:23:" in output and "OB706" in output, output
    yaml_only = pre_commit(["run", "opsbook-check", "--files", "mkdocs.yml"], handbook_repo,
                           home)
    assert yaml_only.returncode == 0, yaml_only.stdout + yaml_only.stderr


def test_this_repositorys_hooks_run_opsbook_and_ruff(tmp_path: Path) -> None:
    """.pre-commit-config.yaml runs the tools from .venv: link the test's venv in."""
    root = copy_project(tmp_path / "opsbook")
    GitRepo.create(root)
    os.symlink(VENV_BIN.parent, root / ".venv")
    home = tmp_path / "pre-commit-home"
    checks_module = "plugins/opsbook/checks/ownership.py"
    clean = pre_commit(["run", "--files", "docs/contacts.md", checks_module], root, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.count("Passed") == 2, clean.stdout

    page = root / "docs" / "contacts.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace('phone: "+1 202-555-0143"', 'phone: "+1-XXX-XXX-XXXX"'),
                    encoding="utf-8")
    scratch = root / "plugins" / "opsbook" / "checks" / "scratch.py"
    scratch.write_text("import os\n", encoding="utf-8")  # F401
    dirty = pre_commit(["run", "--files", "docs/contacts.md", str(scratch.relative_to(root))],
                       root, home)
    assert dirty.returncode == 1
    assert "OB101" in dirty.stdout and "F401" in dirty.stdout, dirty.stdout
