"""Alert rules (OB7xx) through the fast check paths: a site in chunks, the warm check cache and
the narrow scope give exactly the findings of a plain whole-site check, with findings planted
on both sides (rule files and runbooks) and edits that move them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bench.corpus import generate_handbook
from opsbook.checks import run_checks
from opsbook.diagnostics import Diagnostic
from opsbook.model.project import load_project, site_files
from opsbook.run import CheckRequest, cache, check, chunks
from opsbook.run.chunks import check_site_in_chunks
from opsbook.settings import load_config
from tests.support.repo import REPO_ROOT

TODAY = dt.date(2026, 11, 25)
RULES = "alerts/larkspur.rules.yml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _generated(root: Path) -> list[Path]:
    return sorted(p for p in (root / "runbooks").rglob("*.md") if p.stem[-5:].isdigit())


def _plain(root: Path) -> list[Diagnostic]:
    config = replace(load_config(root / "mkdocs.yml"), today=TODAY)
    return run_checks(load_project(config, site_files(config)))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("alerts") / "handbook"
    generate_handbook(REPO_ROOT, root, 40, TODAY)
    runbooks = _generated(root)
    # A runbook alert no rule defines, an alert no runbook answers, a wrong link, a severity
    # that disagrees, a missing link: spread over the site's chunks.
    _edit(runbooks[5], "alerts: [", "alerts: [NoSuchAlertAnywhere, ")
    _edit(runbooks[33], "alerts: [", "alerts: [AnotherGhostAlert, ")
    _edit(root / RULES, "  - name: tracking\n", (
        "  - name: tracking\n    rules:\n      - alert: OrphanedAlert\n        expr: up == 0\n"
        "  - name: tracking-more\n"))
    _edit(root / RULES, "payments/payments-webhook-backlog.html",
          "payments/payments-processor-errors.html")
    _edit(root / RULES, "          severity: low\n          team: payments",
          "          severity: critical\n          team: payments")
    _edit(root / "alerts" / "generated-000.rules.yml", ", annotations: {runbook_url: ", "}#")
    return root


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_FILES", 7)
    monkeypatch.setattr(chunks, "CHUNKED_FROM", 14)


def test_the_planted_alert_findings_are_there(site: Path) -> None:
    found = {(d.rule, d.path) for d in _plain(site) if d.rule.startswith("OB7")}
    assert {rule for rule, _path in found} == {"OB703", "OB704", "OB705", "OB706", "OB707"}


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_find_what_a_plain_check_finds(site: Path, jobs: int) -> None:
    config = replace(load_config(site / "mkdocs.yml"), today=TODAY)
    assert check_site_in_chunks(config, site_files(config), jobs=jobs) == _plain(site)


@pytest.mark.usefixtures("small_chunks")
def test_chunks_report_unknown_severity_labels_of_alerts_answered_anywhere(
    site: Path, tmp_path: Path
) -> None:
    root = tmp_path / "handbook"
    shutil.copytree(site, root, symlinks=True)
    rules = root / "alerts" / "generated-000.rules.yml"
    text = rules.read_text(encoding="utf-8")
    # Unknown values (one twice, in rules answered by runbooks of different chunks), a
    # templated one, and an unknown value on an alert nobody answers.
    for number, value in ((3, "page"), (30, "page"), (50, "Page"), (60, "'{{ $labels.x }}'")):
        text = _nth_severity(text, number, value)
    text += ("      - alert: NobodyAnswersThis\n        expr: up == 0\n"
             "        labels: {severity: unheard-of}\n")
    rules.write_text(text, encoding="utf-8")
    config = replace(load_config(root / "mkdocs.yml"), today=TODAY)
    plain = _plain(root)
    assert [d.rule for d in plain].count("OB708") == 1  # once per value and file
    for jobs in (1, 2):
        assert check_site_in_chunks(config, site_files(config), jobs=jobs) == plain


def _nth_severity(text: str, number: int, value: str) -> str:
    found = list(re.finditer(r"severity: (\w+)", text))
    match = found[number]
    return text[: match.start(1)] + value + text[match.end(1):]


def _warm(root: Path, request: CheckRequest) -> list[Diagnostic] | None:
    config = replace(load_config(root / "mkdocs.yml"), today=TODAY)
    stored = cache.cache_file(config, request)
    assert stored is not None
    warm = cache.check_warm(stored, config, request, site_files(config), cache.now_ns())
    return None if warm is None else warm.diagnostics


@pytest.mark.usefixtures("small_chunks")
def test_the_warm_cache_follows_runbook_and_rule_file_edits(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "handbook"
    shutil.copytree(site, root, symlinks=True)
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    for path in root.rglob("*.md"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    # An unknown severity label on the orphaned alert: OB708 counts only answered alerts.
    _edit(root / RULES, "      - alert: OrphanedAlert\n        expr: up == 0\n",
          "      - alert: OrphanedAlert\n        expr: up == 0\n        labels:\n"
          "          severity: page\n")
    request = CheckRequest(config_file=root / "mkdocs.yml", today=TODAY, cache=True)
    assert check(request).diagnostics == _plain(root)
    assert _warm(root, request) == _plain(root)
    runbooks = _generated(root)
    webhook = root / "runbooks" / "payments" / "payments-webhook-backlog.md"
    failover = root / "runbooks" / "database" / "db-primary-failover.md"
    other_alert = re.search(r"alerts: \[(\w+)", runbooks[3].read_text(encoding="utf-8"))
    assert other_alert is not None
    edits = [
        # a runbook stops answering an alert of a rule file: that rule is now an orphan
        lambda: _edit(webhook, "alerts: [PaymentsWebhookQueueBacklog]", "alerts: []"),
        # ... and takes it back, misspelt (a runbook alert with no rule)
        lambda: _edit(webhook, "alerts: []", "alerts: [PaymentsWebhookQueueBacklogg]"),
        # a runbook's severity moves away from its rules' labels (OB707 appears) ...
        lambda: _edit(failover, "severity: SEV1", "severity: SEV3"),
        # ... and back (it goes)
        lambda: _edit(failover, "severity: SEV3", "severity: SEV1"),
        # a generated runbook claims the orphaned alert (OB703 goes, its unknown label's
        # OB708 comes) ...
        lambda: _edit(runbooks[20], "alerts: [", "alerts: [OrphanedAlert, "),
        # ... a second runbook claims it too (the first claim still answers it) ...
        lambda: _edit(runbooks[30], "alerts: [", "alerts: [OrphanedAlert, "),
        # ... the first lets it go (the second answers it now) ...
        lambda: _edit(runbooks[20], "alerts: [OrphanedAlert, ", "alerts: ["),
        # ... and the second (no runbook answers it: OB703 again, OB708 goes)
        lambda: _edit(runbooks[30], "alerts: [OrphanedAlert, ", "alerts: ["),
        # a runbook claims an alert another runbook answers
        lambda: _edit(runbooks[22], "alerts: [", f"alerts: [{other_alert.group(1)}, "),
        # an edit that touches no alert
        lambda: _edit(runbooks[21], "## Symptoms", "## Symptoms\n\nSee the dashboard."),
        # a runbook goes
        lambda: runbooks[22].unlink(),
    ]
    seen = {d.rule for d in _plain(root)}
    for number, edit in enumerate(edits):
        edit()
        warm = _warm(root, request)
        assert warm is not None and warm == _plain(root), number
        seen.update(d.rule for d in warm)
        if number % 2:  # the next warm check starts from the cache this one left
            assert check(request).diagnostics == _plain(root)
    assert _warm(root, request) == _plain(root)
    assert seen >= {"OB703", "OB704", "OB705", "OB706", "OB707", "OB708"}
    # Stored rule files that are not what they should be are parsed again.
    for pattern, broken in (("rules-*.json", '{"names": ["x"], "lines": [1], "rules": []}'),
                            ("rules-*.json", "not json"),
                            ("rules-*.texts.json", '{"rules": ["[]", "[1]"]}'),
                            ("rules-*.texts.json", '{"rules": "no"}')):
        for stored in sorted((tmp_path / "cache").glob(pattern)):
            if pattern == "rules-*.texts.json":  # each rule wrong, the index right
                count = len(json.loads(stored.read_text(encoding="utf-8"))["rules"])
                broken = broken if "no" in broken else json.dumps({"rules": ["[1]"] * count})
            stored.write_text(broken, encoding="utf-8")
        _edit(runbooks[23], "alerts: [", "alerts: [OrphanedAlert, ")
        assert _warm(root, request) == _plain(root)
        _edit(runbooks[23], "alerts: [OrphanedAlert, ", "alerts: [")
        assert _warm(root, request) == _plain(root)
    # A changed rule file sends the check to the whole site, which fills the cache again.
    _edit(root / RULES, "OrphanedAlert", "OrphanedAlertRenamed")
    assert _warm(root, request) is None
    assert check(request).diagnostics == _plain(root)
    assert _warm(root, request) == _plain(root)


@pytest.mark.usefixtures("small_chunks")
def test_two_handbooks_sharing_a_cache_directory_keep_their_stored_rule_files(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(site, first, symlinks=True)
    shutil.copytree(site, second, symlinks=True)
    _edit(second / RULES, "OrphanedAlert", "OrphanedAlertOfTheSecond")

    def stored() -> set[str]:
        return {path.name for path in (tmp_path / "cache").glob("rules-*.json")}

    check(CheckRequest(config_file=first / "mkdocs.yml", today=TODAY, cache=True))
    of_first = stored()
    check(CheckRequest(config_file=second / "mkdocs.yml", today=TODAY, cache=True))
    # The second's own rule file is stored beside the first's; neither run deleted the other's.
    both = stored()
    assert of_first < both
    # The first handbook's rule file changes: the one file only it used is replaced, what the
    # second uses stays.
    _edit(first / RULES, "OrphanedAlert", "OrphanedAlertRenamed")
    check(CheckRequest(config_file=first / "mkdocs.yml", today=TODAY, cache=True))
    after = stored()
    assert both - of_first <= after
    assert len(after) == len(both) and after != both


def test_a_few_files_of_a_large_site_are_checked_in_the_narrow_scope(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsbook.run import checking

    monkeypatch.setattr(checking, "NARROW_FROM", 10)
    stored = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(stored))
    runbooks = _generated(site)
    config_file = site / "mkdocs.yml"
    # Without the cache the rule files are parsed; with it, the first check stores them and
    # the next reads them back (the rules of the wanted runbooks' alerts only); a stored file
    # that is not what was stored is parsed again.
    for use_cache, spoil in ((False, False), (True, False), (True, False), (True, True)):
        if spoil:
            for kept in stored.glob("rules-*.texts.json"):
                kept.write_text('["not a rule"]', encoding="utf-8")
        for wanted in ([runbooks[5]], [runbooks[33], runbooks[2]], [site / RULES]):
            run = check(CheckRequest(tuple(wanted), config_file, today=TODAY, cache=use_cache))
            shown = {path.relative_to(site).as_posix() for path in wanted}
            assert run.narrow == (wanted != [site / RULES])  # a rule file: the whole site
            assert run.diagnostics == [d for d in _plain(site) if d.path in shown]
    assert list(stored.glob("rules-*.json")), "the rule files were stored"


def test_a_stored_rule_file_reads_back_as_parsed(site: Path, tmp_path: Path) -> None:
    import json

    from opsbook.checks.alerts import alert_at
    from opsbook.model.alerts import AlertRules, StoredRuleFile, StoredRules, load_rule_file

    texts = tmp_path / "texts.json"
    for path in sorted((site / "alerts").rglob("*.yml")):
        parsed = load_rule_file(path, "shown")
        kept = StoredRuleFile.of(parsed)
        texts.write_text(json.dumps(kept.texts_json()), encoding="utf-8")
        stored = StoredRuleFile.from_json(json.loads(json.dumps(kept.to_json())), texts)
        back = stored.rule_file(path, "shown")
        assert back == replace(parsed, rules=[replace(rule, marks=None)
                                              for rule in parsed.rules])
        some = {rule.name.lower() for rule in parsed.rules[::3]}
        assert StoredRules([(path, "shown", stored)]).rules(some).files[0].rules == [
            rule for rule in back.rules if rule.name.lower() in some]
        lines = path.read_text(encoding="utf-8").count("\n") + 2
        rules = AlertRules([parsed])
        assert [stored.alert_at(line) for line in range(lines)] == [
            alert_at(rules, "shown", line) for line in range(lines)]
