"""CODEOWNERS (GitHub's semantics) and OB306: a runbook's owner team reviews its changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsbook.checks.ownership import check_ownership
from opsbook.load.codeowners import find_codeowners, parse_codeowners, pattern_regex
from opsbook.run import check_paths, load_site
from tests.support.ci import REPO_ROOT, copy_handbook_with_github
from tests.support.repo import copy_handbook

PAYMENTS = "runbooks/payments/payments-webhook-backlog.md"


@pytest.mark.parametrize(
    ("pattern", "path", "owned"),
    [
        ("*", "anything/at/all.md", True),
        ("*.md", "runbooks/payments/a.md", True),
        ("*.md", "runbooks/payments/a.txt", False),
        ("/runbooks/payments/", "runbooks/payments/a.md", True),
        ("/runbooks/payments/", "runbooks/payments/old/a.md", True),
        ("/runbooks/payments/", "runbooks/payments-eu/a.md", False),
        ("/runbooks/payments/", "archive/runbooks/payments/a.md", False),
        ("runbooks/payments", "runbooks/payments/a.md", True),
        ("payments/", "archive/payments/a.md", True),  # no inner slash: any depth
        ("payments/", "payments", False),  # a trailing slash matches directories only
        ("docs/*", "docs/a.md", True),
        ("docs/*", "docs/sub/a.md", False),  # GitHub: `docs/*` is not recursive
        ("**/logs", "a/b/logs/x.md", True),
        ("/build/logs/", "build/logs/deep/x.md", True),
        ("runbooks/**/db-*.md", "runbooks/database/db-failover.md", True),
        ("runbooks/**/db-*.md", "runbooks/db-failover.md", True),
        ("runbooks/**/db-*.md", "runbooks/database/pg-failover.md", False),
        ("runbook?.md", "runbook1.md", True),
        ("runbook?.md", "runbook/.md", False),
    ],
)
def test_patterns_follow_github(pattern: str, path: str, owned: bool) -> None:
    assert bool(pattern_regex(pattern).search(path)) is owned


def test_the_last_matching_line_wins_and_comments_are_ignored(tmp_path: Path) -> None:
    text = (
        "# everything: platform\n"
        "*  @acme/platform   # trailing comment\n"
        "\n"
        "/runbooks/payments/  @acme/payments  alice@example.com\n"
        "/runbooks/payments/legacy/\n"  # no owners: unowned
        "/docs/\\#notes.md  @acme/docs\n"  # an escaped # is part of the name
    )
    owners = parse_codeowners(text, tmp_path / "CODEOWNERS", tmp_path, "CODEOWNERS")
    assert owners.problems == ()
    top = owners.rule_for("README.md")
    assert top is not None and top.owners == ("@acme/platform",) and top.line == 2
    payments = owners.rule_for("runbooks/payments/a.md")
    assert payments is not None and payments.team_ids == ("payments",)
    legacy = owners.rule_for("runbooks/payments/legacy/a.md")
    assert legacy is not None and legacy.owners == ()
    notes = owners.rule_for("docs/#notes.md")
    assert notes is not None and notes.owners == ("@acme/docs",)


def test_lines_github_skips_are_problems(tmp_path: Path) -> None:
    text = "!/runbooks/  @acme/a\n/runbooks/[ab]*/  @acme/b\n/docs/  not-an-owner\n*  @x/y\n"
    owners = parse_codeowners(text, tmp_path / "CODEOWNERS", tmp_path, "CODEOWNERS")
    assert [problem.line for problem in owners.problems] == [1, 2, 3]
    assert [rule.line for rule in owners.rules] == [4]


def test_github_looks_in_dot_github_first(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("*  @acme/docs\n")
    assert find_codeowners(tmp_path) is not None
    (tmp_path / "CODEOWNERS").write_text("*  @acme/root\n")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("*  @acme/github\n")
    nested = tmp_path / "handbook"
    nested.mkdir()
    found = find_codeowners(nested)  # the repository root is the folder holding .git
    assert found is not None and found.rules[0].owners == ("@acme/github",)
    assert found.root == tmp_path.resolve()


def test_the_reference_handbook_agrees_with_its_codeowners(tmp_path: Path) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    project = load_site(root / "mkdocs.yml")
    assert project.codeowners is not None
    assert project.codeowners.path == root / ".github" / "CODEOWNERS"
    assert list(check_ownership(project)) == []
    assert (REPO_ROOT / ".github" / "CODEOWNERS").read_text() == (
        root / ".github" / "CODEOWNERS").read_text()


def test_a_runbook_owned_by_another_team_is_reported_at_its_owner(tmp_path: Path) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    runbook = root / PAYMENTS
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("owner: payments", "owner: bookings"), encoding="utf-8")
    run = check_paths([], root / "mkdocs.yml")
    found = [d for d in run.diagnostics if d.rule == "OB306"]
    assert len(found) == 1
    (finding,) = found
    owner_line = text.split("\n").index("owner: payments") + 1
    assert finding.path.endswith(PAYMENTS) and finding.line == owner_line
    assert "@larkspur/payments" in finding.message
    assert finding.related and finding.related[0].path.endswith(".github/CODEOWNERS")


def test_an_unowned_runbook_is_reported(tmp_path: Path) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    owners = root / ".github" / "CODEOWNERS"
    kept = [line for line in owners.read_text().splitlines()
            if not line.startswith(("*", "/runbooks/tracking/"))]
    owners.write_text("\n".join(kept) + "\n")
    project = load_site(root / "mkdocs.yml")
    found = list(check_ownership(project))
    assert {Path(d.path).parent.name for d in found} == {"tracking"}
    assert all("no owner" in d.message and "/runbooks/tracking/" in d.hint for d in found)


def test_without_codeowners_the_rule_is_silent(tmp_path: Path) -> None:
    root = copy_handbook(tmp_path / "handbook")  # no .github
    project = load_site(root / "mkdocs.yml")
    assert project.codeowners is None
    assert list(check_ownership(project)) == []


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe not utf-8 \x81", b"!/runbooks/  @acme/a\n"],
    ids=["not-utf8", "negation"],
)
def test_a_broken_codeowners_is_a_diagnostic_not_a_traceback(tmp_path: Path,
                                                              content: bytes) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    (root / ".github" / "CODEOWNERS").write_bytes(content)
    run = check_paths([], root / "mkdocs.yml")
    problems = [d for d in run.diagnostics if d.path.endswith(".github/CODEOWNERS")]
    assert len(problems) == 1 and problems[0].rule == "OB306" and problems[0].line == 1


def test_an_unreadable_codeowners_does_not_flag_every_runbook(tmp_path: Path) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    (root / ".github" / "CODEOWNERS").write_bytes(b"\xff\xfe not utf-8 \x81")
    run = check_paths([], root / "mkdocs.yml")
    assert [d.path for d in run.diagnostics] == [".github/CODEOWNERS"]
    assert "not UTF-8" in run.diagnostics[0].message
