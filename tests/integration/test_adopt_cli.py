"""`opsbook init` and `opsbook import` on the command line: exit codes, messages, --dry-run,
--force, and refusals that leave the disk as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from opsbook.cli import main
from tests.support.adopt import HAND_WRITTEN_MKDOCS, LEGACY, TODAY
from tests.support.repo import REPO_ROOT


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_init_then_init_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path), "--today", TODAY, "--team", "Web Shop"]) == 0
    out = capsys.readouterr().out
    assert "create   docs/contacts.md" in out and "Next: fill in the blanks" in out
    before = snapshot(tmp_path)
    assert main(["init", str(tmp_path), "--today", TODAY]) == 2
    assert "already uses the opsbook plugin" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_dry_run_writes_nothing_and_shows_the_edit(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mkdocs.yml").write_text(HAND_WRITTEN_MKDOCS)
    assert main(["init", str(tmp_path), "--dry-run", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "edit     mkdocs.yml" in out and "\n+  - opsbook" in out
    assert "create   docs/severity.md" in out and "nothing was written" in out
    assert snapshot(tmp_path) == {"mkdocs.yml": HAND_WRITTEN_MKDOCS.encode()}


def test_force_names_the_file_to_replace(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    assert main(["init", str(tmp_path), "--today", TODAY]) == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite .pre-commit-config.yaml" in err
    assert "--force .pre-commit-config.yaml" in err
    assert snapshot(tmp_path) == {".pre-commit-config.yaml": b"repos: []\n"}
    assert main(["init", str(tmp_path), "--today", TODAY,
                 "--force", "./.pre-commit-config.yaml"]) == 0
    assert "opsbook check" in (tmp_path / ".pre-commit-config.yaml").read_text()


def test_install_names_what_the_workflows_install(tmp_path: Path) -> None:
    spec = "opsbook @ git+https://git.example.com/ops/opsbook@v0.1.0"
    assert main(["init", str(tmp_path), "--today", TODAY, "--install", spec]) == 0
    for name in ("handbook-checks.yml", "handbook-publish.yml"):
        workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / name).read_text())
        assert workflow["env"]["OPSBOOK"] == spec


@pytest.mark.parametrize("arguments", [["--levels", "P1,P1"], ["--timezone", "Nowhere/Town"],
                                       ["--install", 'opsbook" && curl example.com'],
                                       ["--install", " "]])
def test_bad_options_are_usage_errors(tmp_path: Path, arguments: list[str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "new"), "--today", TODAY, *arguments]) == 2
    assert capsys.readouterr().err.startswith("opsbook: --")
    assert not (tmp_path / "new").exists()


def test_import_writes_a_site_and_says_what_to_decide(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = tmp_path / "ONCALL.md"
    legacy.write_text(LEGACY, encoding="utf-8")
    assert main(["import", str(legacy), "--output", str(tmp_path / "site"),
                 "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "conflict to decide: P1 respond: 10m (ONCALL.md:9), 20m (ONCALL.md:54)" in out
    assert (tmp_path / "site" / "runbooks" / "imported" / "checkout-errors.md").is_file()
    before = snapshot(tmp_path)
    assert main(["import", str(legacy), "--output", str(tmp_path / "site"),
                 "--today", TODAY]) == 2
    assert "refusing to overwrite mkdocs.yml" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_import_of_a_missing_file_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "nope.md"), "--output", str(tmp_path / "out")]) == 2
    assert "nope.md: cannot read" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_written_workflows_match_the_github_workflow_schema(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--today", TODAY]) == 0
    workflows = sorted((tmp_path / ".github" / "workflows").glob("*.yml"))
    assert [path.name for path in workflows] == ["handbook-checks.yml", "handbook-publish.yml"]
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", *map(str, workflows)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checks = yaml.safe_load(workflows[0].read_text())
    steps = [step.get("run", "") for step in checks["jobs"]["check"]["steps"]]
    assert "opsbook check --format github" in steps
    assert any("--format sarif" in step for step in steps)
    site_steps = [step.get("run") for step in checks["jobs"]["site"]["steps"]]
    assert "mkdocs build --strict" in site_steps
    # The gate that does not depend on the plugin: a build that skipped opsbook fails here.
    assert site_steps[-1] == "opsbook check --site site --format github"
    publish = workflows[1].read_text()
    assert "handbook-site.zip" in publish and "opsbook pdf" in publish
    assert "opsbook check --site site" in publish


def test_the_readme_gives_the_steps_the_installed_wheel_test_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it in your own repository", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].split()[:2] for line in block.splitlines()]
    steps = [" ".join(words) for words in commands if words and words[0] in (
        "opsbook", "mkdocs")]
    assert steps == ["opsbook init", "opsbook check", "opsbook check", "opsbook new",
                     "mkdocs build", "opsbook pdf"]


def test_an_imported_site_builds_and_the_strict_build_waits_for_the_blanks(
        tmp_path: Path) -> None:
    legacy = tmp_path / "ONCALL.md"
    legacy.write_text(LEGACY, encoding="utf-8")
    site = tmp_path / "site"
    assert main(["import", str(legacy), "--output", str(site), "--today", TODAY]) == 0

    def build(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir",
                               str(tmp_path / "out"), *extra], cwd=site, capture_output=True,
                              text=True, check=False, env={**os.environ,
                                                           "NO_MKDOCS_2_WARNING": "1"})

    plain = build()
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "out" / "runbooks").is_dir()
    strict = build("--strict")
    assert strict.returncode == 1 and "OB101" in strict.stderr
