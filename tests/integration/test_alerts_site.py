"""The reference handbook with its Prometheus rule files: `opsbook check` and
`mkdocs build --strict` are clean, and the built "by alert" index shows each alert's rules."""

from __future__ import annotations

import html
import re
from pathlib import Path

from opsbook.run import check_paths
from tests.support.repo import REPO_ROOT, copy_handbook
from tests.support.sitebuild import mkdocs_build


def _row(page: str, alert: str) -> str:
    found = re.search(rf'<tr id="{alert}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, alert
    return found.group(1)


def test_the_reference_handbook_checks_clean_with_its_rule_files() -> None:
    run = check_paths([], REPO_ROOT / "mkdocs.yml")
    assert run.diagnostics == []
    project = run.projects[0] if run.projects else None
    if project is not None:
        assert project.alert_rules is not None
        answered = {alert.lower() for runbook in project.runbooks for alert in runbook.alerts}
        defined = {rule.name.lower() for rule in project.alert_rules.rules}
        assert answered <= defined  # every runbook alert has a rule (OB704 agrees)
        assert defined - answered == {"watchdog"}  # answered upstream


def test_the_alert_index_shows_expressions_labels_and_alerts_without_runbook(
    reference_site: Path,
) -> None:
    page = (reference_site / "alerts" / "index.html").read_text(encoding="utf-8")
    assert "<th>Rules</th>" in page
    row = _row(page, "IngressHigh5xxRate")
    expr = re.search(r'<code class="ob-alert-expr">(.*?)</code>', row, re.S)
    assert expr is not None
    assert html.unescape(expr.group(1)) == (
        'sum(rate(nginx_ingress_controller_requests{status=~"5.."}[5m]))\n'
        "  / sum(rate(nginx_ingress_controller_requests[5m])) > 0.02")
    assert "&gt; 0.02" in expr.group(1)  # escaped, not markup
    assert '<code class="ob-alert-label">severity=high</code>' in row
    assert 'data-ob-runbook' in row
    # One alert, two rules (a warning and a paging threshold): both shown, severity first.
    pair = _row(page, "TlsCertificateExpiringSoon")
    assert pair.count('class="ob-alert-rule"') == 2
    assert "severity=medium" in pair and "severity=critical" in pair
    assert '<span class="ob-alert-for">for 1h</span>' in pair
    labels = re.findall(r'class="ob-alert-label">([^<]*)<', _row(page, "PostgresPrimaryDown"))
    assert labels == ["severity=critical", "team=data"]
    # A rule no runbook answers is listed, marked, and not sent anywhere by the script.
    watchdog = _row(page, "Watchdog")
    assert "no runbook" in watchdog and "data-ob-runbook" not in watchdog


def test_expressions_are_escaped_and_runbook_alerts_without_rule_are_marked(
    tmp_path: Path,
) -> None:
    project = copy_handbook(tmp_path / "handbook")
    rules = project / "alerts" / "larkspur.rules.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "  - name: tracking\n",
        "  - name: tracking\n    rules:\n"
        "      - alert: ScriptInExpr\n"
        "        expr: 'up{job=\"</code><script>alert(1)</script>\"} == 0'\n"
        "        labels:\n          severity: '<b>loud</b>'\n"
        "  - name: tracking-rest\n"), encoding="utf-8")
    runbook = project / "runbooks" / "tracking" / "tracking-sms-notifications-failing.md"
    runbook.write_text(runbook.read_text(encoding="utf-8").replace(
        "alerts: [ShipmentSmsDeliveryFailures]",
        "alerts: [ShipmentSmsDeliveryFailures, ShipmentSmsProviderDown]"), encoding="utf-8")
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    assert "OB703" in build.output and "OB704" in build.output  # warnings, logged
    page = (build.site / "alerts" / "index.html").read_text(encoding="utf-8")
    orphan = _row(page, "ScriptInExpr")
    assert "<script>alert(1)" not in page
    assert "&lt;/code&gt;&lt;script&gt;" in orphan and "&lt;b&gt;loud&lt;/b&gt;" in orphan
    assert "no rule defines it" in _row(page, "ShipmentSmsProviderDown")


def test_without_rule_files_the_index_has_no_rules_column(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"      alert_rules:\n(        - .*\n)+", "", text)
    config.write_text(text, encoding="utf-8")
    build = mkdocs_build(project, "--strict")
    assert build.returncode == 0, build.output
    page = (build.site / "alerts" / "index.html").read_text(encoding="utf-8")
    assert "<th>Rules</th>" not in page and "Watchdog" not in page
    assert 'id="PostgresPrimaryDown"' in page


def test_the_reference_handbook_builds_strict(tmp_path: Path) -> None:
    build = mkdocs_build(copy_handbook(tmp_path / "handbook"), "--strict")
    assert build.returncode == 0, build.output
    assert "OB7" not in build.output


def test_mkdocs_serve_watches_the_rule_files(tmp_path: Path) -> None:
    from opsbook.settings import load_config
    from opsbook.site.plugin import OpsbookPlugin

    project = copy_handbook(tmp_path / "handbook")
    plugin = OpsbookPlugin()
    plugin.opsbook = load_config(project / "mkdocs.yml")

    class Server:
        def __init__(self) -> None:
            self.watched: list[str] = []

        def watch(self, path: str) -> None:
            self.watched.append(path)

    server = Server()
    plugin.on_serve(server, config=None, builder=None)
    assert str(project / "alerts" / "larkspur.rules.yml") in server.watched
    assert str(project / "alerts" / "kubernetes" / "platform-prometheusrule.yaml") in \
        server.watched
