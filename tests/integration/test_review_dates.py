"""Review deadlines never block publishing, on any day, and stay loud when they pass.

Every run here pins the day through OPSBOOK_TODAY (or --today): the suite must give the same
answer in 2026 and in 2031.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support.repo import REPO_ROOT, copy_handbook
from tests.support.sitebuild import mkdocs_env

BIN = Path(sys.executable).parent
YEARS_AHEAD = "2031-06-01"  # every reference runbook is long overdue by then
RUNBOOK = "db-replication-lag"


def run(cwd: Path, command: list[str], today: str | None = YEARS_AHEAD,
        extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = mkdocs_env()
    env.pop("OPSBOOK_TODAY", None)
    if today is not None:
        env["OPSBOOK_TODAY"] = today
    env.update(extra_env or {})
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def opsbook(cwd: Path, *args: str,
            today: str | None = YEARS_AHEAD) -> subprocess.CompletedProcess[str]:
    return run(cwd, [str(BIN / "opsbook"), *args], today)


def strict_build(cwd: Path, site: Path,
                 today: str | None = YEARS_AHEAD) -> subprocess.CompletedProcess[str]:
    return run(cwd, [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)], today)


@pytest.fixture(scope="module")
def ahead(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference handbook, built with --strict as if it were 2031."""
    project = copy_handbook(tmp_path_factory.mktemp("ahead") / "handbook")
    build = strict_build(project, project / "site")
    assert build.returncode == 0, build.stdout + build.stderr
    return project


def test_check_passes_years_ahead_with_overdue_warnings(ahead: Path) -> None:
    result = opsbook(ahead, "check", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(result.stdout)["diagnostics"]
    overdue = [item for item in findings if item["rule"] == "OB304"]
    assert overdue and all(item["severity"] == "warning" for item in overdue)
    assert {item["rule"] for item in findings} == {"OB304"}
    assert any(f'"{RUNBOOK}"' in item["message"] for item in overdue)


def test_the_strict_build_years_ahead_logs_overdue_reviews_as_information(
    tmp_path: Path,
) -> None:
    project = copy_handbook(tmp_path / "handbook")
    build = strict_build(project, tmp_path / "site")
    output = build.stdout + build.stderr
    assert build.returncode == 0, output
    overdue_lines = [line for line in output.splitlines() if "OB304" in line]
    assert overdue_lines, output
    assert all(line.startswith("INFO") for line in overdue_lines), overdue_lines


def test_an_overdue_review_shows_on_the_page_and_the_home_page(ahead: Path) -> None:
    site = ahead / "site"
    page = next(site.rglob(f"{RUNBOOK}.html")).read_text(encoding="utf-8")
    assert "ob-runbook-header--overdue" in page
    assert "review overdue since" in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "overdue for review" in home
    assert "Postgres replica lagging or not streaming" in home


def test_the_home_page_says_so_when_nothing_is_overdue(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    build = strict_build(project, tmp_path / "site", today="2000-01-01")
    assert build.returncode == 0, build.stdout + build.stderr
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Every runbook has been reviewed on time" in home
    assert "ob-overdue-reviews admonition" not in home


def test_the_pdf_prints_years_ahead_and_carries_the_overdue_mark(ahead: Path,
                                                                 tmp_path: Path) -> None:
    result = opsbook(ahead, "pdf", "--runbook", RUNBOOK, "--output", str(tmp_path / "pdf"))
    assert result.returncode == 0, result.stdout + result.stderr
    pdf = next((tmp_path / "pdf").rglob(f"{RUNBOOK}.pdf"))
    text = " ".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    assert "review overdue since" in " ".join(text.split())


def test_reviews_lists_overdue_runbooks_with_owners(ahead: Path) -> None:
    result = opsbook(ahead, "reviews", "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["today"] == YEARS_AHEAD
    rows = {row["runbook"]: row for row in data["overdue"]}
    assert RUNBOOK in rows
    assert rows[RUNBOOK]["owner"]["name"]
    assert rows[RUNBOOK]["days_overdue"] > 0
    days = [row["days_overdue"] for row in data["overdue"]]
    assert days == sorted(days, reverse=True)


def test_reviews_is_clean_before_any_deadline(ahead: Path) -> None:
    result = opsbook(ahead, "reviews", today="2000-01-01")
    assert result.returncode == 0, result.stderr
    assert "no runbook is overdue" in result.stdout


def test_the_command_line_date_wins_over_the_environment(ahead: Path) -> None:
    result = opsbook(ahead, "reviews", "--today", "2000-01-01")
    assert result.returncode == 0, result.stdout


def test_a_malformed_opsbook_today_is_a_usage_error(ahead: Path) -> None:
    result = opsbook(ahead, "check", today="next tuesday")
    assert result.returncode == 2
    assert "OPSBOOK_TODAY" in result.stderr and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


def _fail_on_warning(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("      review_every: 90d\n",
                                   "      review_every: 90d\n      fail_on: warning\n"),
                      encoding="utf-8")
    assert "fail_on: warning" in config.read_text(encoding="utf-8")


def test_fail_on_warning_makes_overdue_reviews_fail_check_and_build(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    _fail_on_warning(project)
    assert opsbook(project, "check").returncode == 1
    build = strict_build(project, tmp_path / "site")
    assert build.returncode == 1
    assert "fail_on: warning" in build.stdout + build.stderr
    # The same handbook passes on a day when nothing is due.
    assert opsbook(project, "check", today="2000-01-01").returncode == 0


def test_fail_on_on_the_command_line_overrides_the_handbook(ahead: Path) -> None:
    assert opsbook(ahead, "check", "--fail-on", "warning").returncode == 1
    assert opsbook(ahead, "check", "--fail-on", "error").returncode == 0


FAKE_GH = r'''#!/usr/bin/env python3
"""A stand-in for GitHub's `gh` that keeps issues in a JSON file (tests only)."""
import json, os, sys
state_file = os.environ["FAKE_GH_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"issues": [], "calls": []}
args = sys.argv[1:]
state["calls"].append(args)
def value(flag):
    return args[args.index(flag) + 1]
if args[:2] == ["issue", "list"]:
    label = value("--label")
    found = [i for i in state["issues"] if i["state"] == "open" and label in i["labels"]]
    print(found[0]["number"] if found else "")
elif args[:2] == ["issue", "create"]:
    number = len(state["issues"]) + 1
    state["issues"].append({"number": number, "state": "open", "labels": [value("--label")],
                            "title": value("--title"), "body": open(value("--body-file")).read()})
elif args[:2] == ["issue", "edit"]:
    issue = state["issues"][int(args[2]) - 1]
    issue["body"] = open(value("--body-file")).read()
elif args[:2] == ["issue", "close"]:
    state["issues"][int(args[2]) - 1]["state"] = "closed"
elif args[:2] == ["label", "create"]:
    pass
else:
    sys.exit(f"fake gh: unexpected {args}")
json.dump(state, open(state_file, "w"))
'''


def test_the_review_issue_job_keeps_one_issue(ahead: Path, tmp_path: Path) -> None:
    """The scheduled workflow's script, run three times against a stand-in for `gh`: it opens
    one issue, updates it on the next run (no duplicate), and closes it once nothing is due."""
    tools = tmp_path / "tools"
    tools.mkdir()
    gh = tools / "gh"
    gh.write_text(FAKE_GH, encoding="utf-8")
    gh.chmod(0o755)
    state = tmp_path / "gh-state.json"
    script = REPO_ROOT / ".github" / "scripts" / "review-issue.sh"
    env = {"PATH": f"{tools}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
           "FAKE_GH_STATE": str(state), "TMPDIR": str(tmp_path)}

    for _ in range(2):
        result = run(ahead, ["sh", str(script)], extra_env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    issues = json.loads(state.read_text())["issues"]
    assert len(issues) == 1 and issues[0]["state"] == "open"
    assert RUNBOOK in issues[0]["body"] and YEARS_AHEAD in issues[0]["body"]

    result = run(ahead, ["sh", str(script)], today="2000-01-01", extra_env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    issues = json.loads(state.read_text())["issues"]
    assert len(issues) == 1 and issues[0]["state"] == "closed"
