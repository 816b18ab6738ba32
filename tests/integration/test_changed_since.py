"""`opsbook check --changed-since REF` against real git repositories.

The handbook on main carries a legacy finding; a branch must only answer for what it changed
and for what its change breaks elsewhere.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from opsbook.checks import run_checks
from opsbook.cli import main
from opsbook.diagnostics import Diagnostic
from opsbook.model.project import load_project, site_files
from opsbook.run import CheckRequest, check, git_changes
from opsbook.run.changes import alert_claims, changed_kinds, earlier_alerts, relevant
from opsbook.run.checking import site_config
from tests.support.ci import GitRepo, copy_handbook_with_github, insert_after_heading
from tests.support.repo import copy_handbook

LEGACY = "runbooks/tracking/tracking-ingest-backlog.md"
WEBHOOKS = "runbooks/payments/payments-webhook-backlog.md"
NODES = "runbooks/platform/platform-node-pressure.md"
LATENCY = "runbooks/bookings-api/bookings-api-high-latency.md"
PLACEHOLDER = "- **On-call lead:** [Name] - +1-XXX-XXX-XXXX"


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_repo(root: Path) -> GitRepo:
    """main: the reference handbook plus one legacy finding; HEAD: a fresh branch."""
    insert_after_heading(root / LEGACY, "## Escalation", PLACEHOLDER)
    repo = GitRepo.create(root)
    repo.git("switch", "--quiet", "--create", "feature")
    return repo


@pytest.fixture
def handbook_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, GitRepo]:
    root = copy_handbook(tmp_path / "handbook")
    repo = make_repo(root)
    monkeypatch.chdir(root)
    return root, repo


def check_json(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, object]]]:
    code = main(["check", "--format", "json", *args])
    out = capsys.readouterr().out
    if code == 2:
        return code, []
    return code, json.loads(out)["diagnostics"]


def found(diagnostics: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(d["path"], d["rule"]) for d in diagnostics}


def test_only_findings_in_changed_files(handbook_repo: tuple[Path, GitRepo],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root, repo = handbook_repo
    line = insert_after_heading(root / WEBHOOKS, "## Escalation", PLACEHOLDER)
    repo.commit_all("placeholder in the webhooks runbook")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    assert found(diagnostics) == {(WEBHOOKS, "OB110")}
    assert diagnostics[0]["line"] == line
    # Without the flag the legacy finding is there too.
    code, everything = check_json(capsys)
    assert found(everything) == {(WEBHOOKS, "OB110"), (LEGACY, "OB110")}


def test_a_clean_change_passes_despite_legacy_findings(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = handbook_repo
    replace_text(root / NODES, "title: Kubernetes nodes", "title: Cluster nodes")
    repo.commit_all("retitle")
    assert main(["check", "--changed-since", "main"]) == 0
    out = capsys.readouterr().out
    assert "1 files checked, no findings" in out
    assert main(["check"]) == 1  # the legacy finding is still there


def test_staged_unstaged_and_untracked_changes_count(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = handbook_repo
    insert_after_heading(root / WEBHOOKS, "## Escalation", PLACEHOLDER)
    repo.git("add", WEBHOOKS)  # staged, not committed
    insert_after_heading(root / NODES, "## Escalation", PLACEHOLDER)  # not even staged
    new = root / "runbooks" / "platform" / "platform-new.md"
    shutil.copy(root / NODES, new)
    replace_text(new, "id: platform-node-pressure", "id: platform-new")
    replace_text(new, "alerts: [KubeNodeMemoryPressure, KubeNodeDiskPressure]", "alerts: []")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    assert found(diagnostics) == {
        (WEBHOOKS, "OB110"), (NODES, "OB110"), ("runbooks/platform/platform-new.md", "OB110"),
    }


def test_a_removed_team_reports_the_unchanged_runbooks_it_owned(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = handbook_repo
    contacts = root / "docs" / "contacts.md"
    text = contacts.read_text(encoding="utf-8")
    start = text.index("  - id: payments\n")
    end = text.index("vendors:\n")
    contacts.write_text(text[:start] + text[end:], encoding="utf-8")
    repo.commit_all("drop the payments team")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    owners = {d["path"] for d in diagnostics if d["rule"] == "OB303"}
    assert owners == {
        "runbooks/payments/payments-processor-errors.md",
        "runbooks/payments/payments-reconciliation-mismatch.md",
        WEBHOOKS,
    }
    assert (LEGACY, "OB110") not in found(diagnostics)


def test_a_dropped_severity_alias_reports_the_runbooks_using_it(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = handbook_repo
    replace_text(root / "docs" / "severity.md", "aliases: [P3, Medium]", "aliases: [Medium]")
    repo.commit_all("P3 is no longer an alias")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    assert (NODES, "OB201") in found(diagnostics)  # `severity: P3`, file unchanged
    assert (LEGACY, "OB110") not in found(diagnostics)


def test_a_collision_with_an_unchanged_runbook_is_reported_in_the_narrow_scope(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    # With rule files (alert_rules) a changed runbook sends the check to the whole handbook
    # (see opsbook.run.changes): this handbook has none.
    config = root / "mkdocs.yml"
    config.write_text(re.sub(r"      alert_rules:\n(        - .*\n)+", "",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    repo.commit_all("no rule files")
    repo.git("branch", "--force", "main")
    # The platform runbook now takes the tracking runbook's id. Runbooks are checked in path
    # order, so the duplicate is reported on the tracking file, which did not change.
    replace_text(root / NODES, "id: platform-node-pressure", "id: tracking-ingest-backlog")
    repo.commit_all("collide")
    changes = git_changes("main", root)
    result = check(CheckRequest(config_file=root / "mkdocs.yml", changes=changes))
    assert result.narrow
    assert {(d.path, d.rule) for d in result.diagnostics} == {(LEGACY, "OB302")}
    # The narrow scope holds the pages, the changed runbook and the one that mentions its id.
    loaded = {document.display_path for document in result.projects[0].documents}
    pages = {f"docs/{path.name}" for path in (root / "docs").glob("*.md")}
    assert loaded == pages | {NODES, LEGACY}


def test_an_alert_collision_is_reported(handbook_repo: tuple[Path, GitRepo],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root, repo = handbook_repo
    replace_text(root / NODES, "alerts: [KubeNodeMemoryPressure, KubeNodeDiskPressure]",
                 "alerts: [KubeNodeMemoryPressure, postgresprimarydown]")
    repo.commit_all("claim another runbook's alert")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    # ... and the alert it dropped is now answered by no runbook (its rule file is unchanged).
    assert found(diagnostics) == {(NODES, "OB305"),
                                  ("alerts/kubernetes/platform-prometheusrule.yaml", "OB703")}


def test_a_service_only_another_runbook_defines_is_not_a_false_finding(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = handbook_repo
    fleet = root / "runbooks" / "fleet" / "fleet-telematics-gaps.md"
    fleet.parent.mkdir()
    shutil.copy(root / LATENCY, fleet)  # a runbook that does not mention NODES' names
    replace_text(fleet, "id: bookings-api-high-latency", "id: fleet-telematics-gaps")
    replace_text(fleet, "service: bookings-api", "service: fleet")
    replace_text(fleet, "alerts: [BookingsApiHighLatency]", "alerts: []")
    repo.git("switch", "--quiet", "main")
    repo.commit_all("a runbook for the fleet service")
    repo.git("switch", "--quiet", "feature")
    repo.git("rebase", "--quiet", "main")
    insert_after_heading(root / NODES, "## Escalation", '{{ who_to_call("fleet") }}')
    repo.commit_all("point at the fleet on-call")
    changes = git_changes("main", root)
    result = check(CheckRequest(config_file=root / "mkdocs.yml", changes=changes))
    # The narrow scope alone would not know the service; the whole handbook does.
    assert not result.narrow
    assert result.diagnostics == []
    insert_after_heading(root / NODES, "## Escalation", '{{ who_to_call("fleeet") }}')
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1 and found(diagnostics) == {(NODES, "OB402")}


def test_a_changed_config_reports_everything(handbook_repo: tuple[Path, GitRepo],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root, repo = handbook_repo
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    repo.commit_all("touch the config")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    assert (LEGACY, "OB110") in found(diagnostics)


def test_a_deleted_matrix_page_reports_on_unchanged_runbooks(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    _, repo = handbook_repo
    repo.git("rm", "--quiet", "docs/severity.md")
    repo.commit_all("no more severity page")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    assert found(diagnostics) == {
        ("runbooks/bookings-api/bookings-api-high-error-rate.md", "OB206"),
    }


def test_a_codeowners_change_reports_the_runbooks_it_reassigns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    repo = make_repo(root)
    monkeypatch.chdir(root)
    replace_text(root / ".github" / "CODEOWNERS", "/runbooks/payments/      @larkspur/payments",
                 "/runbooks/payments/      @larkspur/bookings")
    repo.commit_all("hand payments runbooks to bookings")
    code, diagnostics = check_json(capsys, "--changed-since", "main")
    assert code == 1
    assert {d["path"] for d in diagnostics if d["rule"] == "OB306"} == {
        "runbooks/payments/payments-processor-errors.md",
        "runbooks/payments/payments-reconciliation-mismatch.md",
        WEBHOOKS,
    }


def test_loose_files_report_only_the_changed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "legacy"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "old.md").write_text("# Old\n\nPhone: +1-XXX-XXX-XXXX\n")
    (root / "notes" / "new.md").write_text("# New\n\nNothing here yet.\n")
    repo = GitRepo.create(root)
    repo.git("switch", "--quiet", "--create", "feature")
    (root / "notes" / "new.md").write_text("# New\n\nEmail: [email]\n")
    monkeypatch.chdir(root)
    code, diagnostics = check_json(capsys, "--changed-since", "main", "notes")
    assert code == 1
    assert {d["path"] for d in diagnostics} == {"notes/new.md"}


def test_usage_errors_exit_2_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = copy_handbook(tmp_path / "not-a-repo")
    monkeypatch.chdir(outside)
    assert main(["check", "--changed-since", "main"]) == 2
    assert "needs a git repository" in capsys.readouterr().err

    root = copy_handbook(tmp_path / "repo")
    repo = make_repo(root)
    monkeypatch.chdir(root)
    assert main(["check", "--changed-since", "no-such-branch"]) == 2
    assert "unknown revision 'no-such-branch'" in capsys.readouterr().err
    assert main(["check", "--changed-since", "--format"]) == 2  # argparse: missing value
    capsys.readouterr()
    repo.git("checkout", "--quiet", "--orphan", "unrelated")  # keeps the files
    repo.commit_all("no shared history")
    assert main(["check", "--changed-since", "main"]) == 2
    assert "share no history" in capsys.readouterr().err


def test_hidden_drafts_are_not_pulled_into_the_narrow_scope(
    handbook_repo: tuple[Path, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = handbook_repo
    draft = root / "runbooks" / ".drafts" / "node-pressure-v2.md"
    draft.parent.mkdir()
    shutil.copy(root / NODES, draft)  # same id and alerts; the site never loads it
    replace_text(root / NODES, "title: Kubernetes nodes", "title: Cluster nodes")
    repo.commit_all("retitle, and keep a draft")
    assert main(["check", "--changed-since", "main"]) == 0
    assert "no findings" in capsys.readouterr().out


# --- rule files: what a changed runbook is responsible for on them ------------------------------

RULES = "alerts/larkspur.rules.yml"
ORPHAN = """      - alert: BookingsApiQueueStuck
        expr: bookings_queue_oldest_seconds > 900
        labels:
          severity: high
"""


def with_legacy_orphan_alert(root: Path, repo: GitRepo) -> None:
    """main also has an alert no runbook answers (an OB703 nobody on the branch caused)."""
    repo.git("switch", "--quiet", "main")
    replace_text(root / RULES, "      - alert: BookingsApiHighLatency\n",
                 ORPHAN + "      - alert: BookingsApiHighLatency\n")
    repo.commit_all("an alert without a runbook")
    repo.git("switch", "--quiet", "feature")
    repo.git("rebase", "--quiet", "main")


def whole_site_answer(root: Path) -> list[Diagnostic]:
    """What --changed-since main answers from a check of the whole handbook (the narrow scope
    must answer the same)."""
    changes = git_changes("main", root)
    config = site_config(root / "mkdocs.yml")
    project = load_project(config, site_files(config))
    kinds = changed_kinds(project, changes, config)
    changed = [path for path in changes.changed if path.suffix == ".md"]
    earlier = earlier_alerts(config, changes, changed, None)
    assert earlier is not None
    claims = alert_claims(project, changes, earlier)
    return relevant(run_checks(project), project, changes, kinds, claims)


def answer(root: Path) -> tuple[list[Diagnostic], bool]:
    result = check(CheckRequest(config_file=root / "mkdocs.yml",
                                changes=git_changes("main", root)))
    return result.diagnostics, result.narrow


def test_a_runbook_edit_with_rule_files_is_checked_in_the_narrow_scope(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    with_legacy_orphan_alert(root, repo)
    replace_text(root / NODES, "title: Kubernetes nodes", "title: Cluster nodes")
    repo.commit_all("retitle")
    diagnostics, narrow = answer(root)
    # The alert without a runbook is old news: the retitled runbook never claimed it.
    assert (diagnostics, narrow) == ([], True)
    assert whole_site_answer(root) == []


def test_a_moved_runbook_is_answerable_for_the_links_to_its_old_page(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    with_legacy_orphan_alert(root, repo)
    repo.git("mv", LATENCY, "runbooks/bookings-api/bookings-api-slow-responses.md")
    repo.commit_all("move the latency runbook")
    diagnostics, narrow = answer(root)
    # Its alert's runbook_url (in an unchanged rule file) still names the old page; the alert
    # is still answered, so the narrow scope can tell.
    assert narrow
    assert {(d.path, d.rule) for d in diagnostics} == {(RULES, "OB706")}
    assert "BookingsApiHighLatency" in diagnostics[0].message
    assert diagnostics == whole_site_answer(root)


def test_an_alert_a_runbook_stops_answering_is_reported_once_on_its_rule_file(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    with_legacy_orphan_alert(root, repo)
    replace_text(root / LATENCY, "alerts: [BookingsApiHighLatency]", "alerts: []")
    repo.commit_all("the latency runbook answers no alert")
    diagnostics, narrow = answer(root)
    assert {(d.path, d.rule, d.message.split('"')[1]) for d in diagnostics} == {
        (RULES, "OB703", "BookingsApiHighLatency"),
    }
    # Which alerts are answered at all changed (OB708's business): the narrow scope also holds
    # the runbooks naming the alerts with unknown labels beside it, and answers as the whole
    # site does.
    assert narrow
    assert diagnostics == whole_site_answer(root)


def test_a_deleted_runbook_reports_the_alerts_it_answered(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    repo.git("rm", "--quiet", NODES)
    repo.commit_all("no more node runbook")
    diagnostics, _narrow = answer(root)
    orphans = {d.message.split('"')[1] for d in diagnostics if d.rule == "OB703"}
    assert orphans == {"KubeNodeMemoryPressure", "KubeNodeDiskPressure"}
    assert diagnostics == whole_site_answer(root)


def test_an_earlier_version_is_read_where_the_branch_left_main(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    replace_text(root / LATENCY, "title:", "title: Slow")
    repo.commit_all("retitle on the branch")
    repo.git("switch", "--quiet", "main")
    replace_text(root / LATENCY, "alerts: [BookingsApiHighLatency]",
                 "alerts: [BookingsApiHighLatency, KubeNodeDiskPressure]")
    repo.commit_all("main moves on: the latency runbook takes another alert")
    repo.git("switch", "--quiet", "feature")
    changes = git_changes("main", root)
    # What the runbook answered before is the merge base's version, not main's today.
    assert earlier_alerts(site_config(root / "mkdocs.yml"), changes, [root / LATENCY],
                          None) == {"bookingsapihighlatency"}


def test_an_unknown_severity_label_is_reported_only_where_answering_changed(
    handbook_repo: tuple[Path, GitRepo]
) -> None:
    root, repo = handbook_repo
    kubernetes = "alerts/kubernetes/platform-prometheusrule.yaml"
    repo.git("switch", "--quiet", "main")
    # main: an alert nobody answers labelled with a value the matrix does not know, and a
    # legacy unknown label on an answered alert in another rule file.
    replace_text(root / RULES, "      - alert: BookingsApiHighLatency\n",
                 ORPHAN.replace("severity: high", "severity: page")
                 + "      - alert: BookingsApiHighLatency\n")
    # ... also on an alert answered by a runbook the branch does not touch, and that names
    # nothing the branch changes: the scope must still find it to count the file's OB708.
    text = (root / RULES).read_text(encoding="utf-8")
    at = text.index("      - alert: PostgresPrimaryDown\n")
    (root / RULES).write_text(
        text[:at] + text[at:].replace("severity: critical", "severity: page", 1),
        encoding="utf-8")
    replace_text(root / kubernetes, "    - alert: KubeNodeDiskPressure\n",
                 "    - alert: KubeNodeDiskPressure\n      # legacy\n")
    text = (root / kubernetes).read_text(encoding="utf-8")
    at = text.index("# legacy")
    (root / kubernetes).write_text(
        text[:at] + text[at:].replace("severity: medium", "severity: pager", 1),
        encoding="utf-8")
    repo.commit_all("an unanswered alert with an unknown label, and a legacy unknown label")
    repo.git("switch", "--quiet", "feature")
    repo.git("rebase", "--quiet", "main")
    # The branch answers the alert: its unknown label now counts (OB708), in its file only.
    replace_text(root / LATENCY, "alerts: [BookingsApiHighLatency]",
                 "alerts: [BookingsApiHighLatency, BookingsApiQueueStuck]")
    repo.commit_all("answer the queue alert")
    diagnostics, narrow = answer(root)
    assert narrow
    assert {(d.path, d.rule) for d in diagnostics} == {(RULES, "OB705"), (RULES, "OB708")}
    unknown = next(d for d in diagnostics if d.rule == "OB708")
    assert "and 1 more rule in this file" in unknown.message  # PostgresPrimaryDown's
    assert diagnostics == whole_site_answer(root)
    everything = check(CheckRequest(config_file=root / "mkdocs.yml")).diagnostics
    assert (kubernetes, "OB708") in {(d.path, d.rule) for d in everything}
