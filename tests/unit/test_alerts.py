"""Prometheus alert rules beside the runbooks (OB7xx): loading, the checks, and the shapes real
teams' rule files have (kube-prometheus, warning and critical pairs, recording rules, templated
URLs), which must not raise false alarms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsbook.checks.examples import (
    ALERT_RULES_PATH,
    ALERTS_CONFIG,
    ALERTS_CONTEXT,
    EXAMPLE_HANDBOOK,
    EXAMPLE_RUNBOOK,
    EXAMPLE_TODAY,
    RUNBOOK_PATH,
)
from opsbook.diagnostics import Diagnostic
from opsbook.load.alerts import expand_globs, parse_rule_file
from opsbook.run import check_paths, load_site

TODAY = dt.date.fromisoformat(EXAMPLE_TODAY)
PAGE = "https://handbook.example.com/runbooks/payments/payments-down/"


def write_handbook(root: Path, **files: str) -> Path:
    """The example handbook with rule files configured; ``files`` (by path) replace or add."""
    everything = dict(EXAMPLE_HANDBOOK)
    everything.update(ALERTS_CONTEXT)
    everything.update(files)
    for name, text in everything.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root / "mkdocs.yml"


def check(root: Path, files: dict[str, str]) -> list[Diagnostic]:
    return check_paths([], write_handbook(root, **files), today=TODAY).diagnostics


def rules(found: list[Diagnostic]) -> list[tuple[str, str, int]]:
    return [(d.rule, d.path, d.line) for d in found]


def rule_file(*alerts: str) -> str:
    return "groups:\n  - name: payments\n    rules:\n" + "".join(alerts)


def alert(name: str, severity: str = "critical", url: str | None = PAGE, extra: str = "") -> str:
    text = f"      - alert: {name}\n        expr: up{{job=\"payments\"}} == 0\n        for: 5m\n"
    text += f"        labels:\n          severity: {severity}\n" if severity else ""
    if url is not None:
        text += f"        annotations:\n          runbook_url: '{url}'\n"
    return text + extra


# --- the loader -------------------------------------------------------------------------------


def test_the_loader_keeps_alerting_rules_with_positions_and_skips_recording_rules() -> None:
    parsed = parse_rule_file(
        "groups:\n"
        "  - name: a\n"
        "    rules:\n"
        "      - record: job:up:sum\n"
        "        expr: sum by (job) (up)\n"
        "      - alert: Down\n"
        "        expr: |\n"
        "          job:up:sum == 0\n"
        "        for: 5m\n"
        "        labels: {severity: critical, team: '1'}\n"
        "        annotations:\n"
        "          runbook_url: https://x.example.com/r/\n"
    )
    assert parsed.problems == []
    assert parsed.recording_rules == 1
    (rule,) = parsed.rules
    assert (rule.name, rule.expr, rule.duration, rule.group) == (
        "Down", "job:up:sum == 0\n", "5m", "a")
    assert rule.labels == {"severity": "critical", "team": "1"}
    assert rule.position.line == 6
    assert rule.label_positions["severity"].line == 10
    assert rule.annotation_positions["runbook_url"].line == 12


def test_a_prometheusrule_object_among_other_kubernetes_documents_is_read() -> None:
    parsed = parse_rule_file(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"
        "---\n"
        "apiVersion: monitoring.coreos.com/v1\n"
        "kind: PrometheusRule\n"
        "metadata:\n  name: p\n"
        "spec:\n  groups:\n  - name: g\n    rules:\n    - alert: A\n      expr: vector(1)\n"
        "---\n"
    )
    assert parsed.problems == []
    assert [(rule.name, rule.position.line) for rule in parsed.rules] == [("A", 14)]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: [\n", 6, "invalid YAML"),
    ("site_name: x\nnav: []\n", 1, "not a Prometheus rule file"),
    ("- name: a\n  rules: []\n", 1, "not a Prometheus rule file"),
    ("groups: {a: 1}\n", 1, "`groups` must be a list"),
    ("groups:\n  - name: a\n    rules:\n      - alert: A\n", 4, "has no `expr`"),
    ("groups:\n  - name: a\n    rules:\n      - expr: up\n", 4, "neither `alert:` nor"),
    ("groups:\n  - name: a\n    rules:\n      - alert: [A]\n        expr: up\n", 4,
     "`alert` must be"),
    ("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n"
     "        labels: [severity]\n", 6, "`labels` of alert `A` must be a mapping"),
    ("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n"
     "        annotations:\n          summary: {a: b}\n", 7, "must be a plain value"),
    ("kind: PrometheusRule\nspec: {}\n", 2, "no `spec: groups:`"),
    ("a: &a [1, 2]\n" + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, "
                                  f"*{'a' if i == 0 else f'b{i - 1}'}]\n" for i in range(25)),
     1, "expands to more than"),
])
def test_bad_rule_files_are_problems_at_a_line_never_tracebacks(
    text: str, line: int, words: str
) -> None:
    parsed = parse_rule_file(text)
    assert [problem.rule for problem in parsed.problems] == ["OB701"]
    assert parsed.problems[0].line == line
    assert words in parsed.problems[0].message
    assert parsed.problems[0].hint


def test_tags_are_never_constructed() -> None:
    parsed = parse_rule_file(
        "groups:\n  - name: a\n    rules:\n      - alert: !!python/object/apply:os.system [id]\n"
        "        expr: up\n"
    )
    assert parsed.rules == []
    assert "`alert` must be" in parsed.problems[0].message


def test_globs_are_relative_stay_inside_and_report_what_matches_nothing(tmp_path: Path) -> None:
    (tmp_path / "alerts" / "team").mkdir(parents=True)
    for name in ("alerts/a.rules.yml", "alerts/team/b.rules.yml", "alerts/.hidden.rules.yml"):
        (tmp_path / name).write_text("groups: []\n", encoding="utf-8")
    found, unmatched = expand_globs(
        tmp_path, ("alerts/**/*.rules.yml", "alerts/*.rules.yml", "missing/*.yml", "../*.yml",
                   "/etc/*.yml"))
    assert [path.relative_to(tmp_path).as_posix() for path in found] == [
        "alerts/a.rules.yml", "alerts/team/b.rules.yml"]
    assert unmatched == ["missing/*.yml", "../*.yml", "/etc/*.yml"]


def test_the_option_must_be_a_list_of_patterns(tmp_path: Path) -> None:
    from opsbook.settings import ConfigError, load_config

    config = write_handbook(tmp_path, **{"mkdocs.yml": ALERTS_CONFIG.replace(
        "        - alerts/*.rules.yml\n", "        - 3\n")})
    with pytest.raises(ConfigError, match="alert_rules"):
        load_config(config)


def test_the_project_carries_the_rules_only_when_configured(tmp_path: Path) -> None:
    config = write_handbook(tmp_path)
    project = load_site(config)
    assert project.alert_rules is not None
    assert [rule.name for rule in project.alert_rules.rules] == ["PaymentsDown"]
    (tmp_path / "mkdocs.yml").write_text(EXAMPLE_HANDBOOK["mkdocs.yml"], encoding="utf-8")
    assert load_site(config).alert_rules is None


# --- the checks -------------------------------------------------------------------------------


def test_an_orphan_alert_and_a_runbook_alert_without_rule_are_both_reported(
    tmp_path: Path,
) -> None:
    """The issue's "done when": both directions, each in its own file at its own line."""
    found = check(tmp_path, {
        ALERT_RULES_PATH: rule_file(alert("PaymentsDown"), alert("PaymentsRefundsStuck",
                                                                  url=None)),
        RUNBOOK_PATH: EXAMPLE_RUNBOOK.replace("[PaymentsDown]", "[PaymentsDown, PaymentsGone]"),
    })
    assert rules(found) == [
        ("OB703", ALERT_RULES_PATH, 11),
        ("OB704", RUNBOOK_PATH, 7),
    ]
    assert '"PaymentsRefundsStuck"' in found[0].message
    assert '"PaymentsGone"' in found[1].message


def test_runbook_alerts_are_not_checked_without_rule_files(tmp_path: Path) -> None:
    found = check(tmp_path, {
        "mkdocs.yml": EXAMPLE_HANDBOOK["mkdocs.yml"],
        RUNBOOK_PATH: EXAMPLE_RUNBOOK.replace("[PaymentsDown]", "[PaymentsDown, PaymentsGone]"),
    })
    assert found == []


def test_an_unreadable_rule_file_does_not_make_every_runbook_alert_undefined(
    tmp_path: Path,
) -> None:
    found = check(tmp_path, {ALERT_RULES_PATH: "groups:\n  - name: [\n"})
    assert [d.rule for d in found] == ["OB701"]


@pytest.mark.parametrize("url", [
    PAGE,
    PAGE.rstrip("/"),
    PAGE + "index.html",
    PAGE + "#mitigation",
    "https://HANDBOOK.example.com/runbooks/payments/payments-down/",
    "http://handbook.example.com/runbooks/payments/payments-down/",
    "https://handbook.example.com/alerts/#PaymentsDown",
    "https://handbook.example.com/alerts/index.html#PaymentsDown",
    "https://handbook.example.com/alerts/#{{ $labels.alertname }}",
    "{{ $externalURL }}/runbooks/{{ $labels.alertname }}",
    "https://handbook.example.com/{{ .Labels.runbook_path }}",
])
def test_runbook_urls_that_open_the_runbook_pass(tmp_path: Path, url: str) -> None:
    assert check(tmp_path, {ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=url))}) == []


@pytest.mark.parametrize("url", [
    "https://handbook.example.com/runbooks/payments/payments-slow/",
    "https://handbook.example.com/alerts/#PaymentsSlow",
    "https://wiki.example.com/runbooks/payments/payments-down/",
    "/runbooks/payments/payments-down/",
    "https://handbook.example.com/runbooks/payments/payments-down.html",
    "https://wiki.example.com/display/{{ $labels.alertname }}",
])
def test_runbook_urls_that_lead_elsewhere_are_wrong(tmp_path: Path, url: str) -> None:
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=url))})
    assert rules(found) == [("OB706", ALERT_RULES_PATH, 10)]
    assert PAGE in found[0].hint


def test_per_alert_pages_are_accepted_when_the_site_writes_them(tmp_path: Path) -> None:
    url = "https://handbook.example.com/alerts/PaymentsDown/"
    files = {ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=url))}
    assert [d.rule for d in check(tmp_path / "a", files)] == ["OB706"]
    files["mkdocs.yml"] = ALERTS_CONFIG + "      alert_pages: true\n"
    assert check(tmp_path / "b", files) == []


def test_without_directory_urls_the_html_page_is_the_right_one(tmp_path: Path) -> None:
    config = ALERTS_CONFIG.replace("site_name: Example handbook\n",
                                   "site_name: Example handbook\nuse_directory_urls: false\n")
    html = "https://handbook.example.com/runbooks/payments/payments-down.html"
    assert check(tmp_path / "a", {"mkdocs.yml": config,
                                  ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=html))}) \
        == []
    found = check(tmp_path / "b", {"mkdocs.yml": config,
                                   ALERT_RULES_PATH: rule_file(alert("PaymentsDown"))})
    assert [d.rule for d in found] == ["OB706"]


def test_a_site_below_a_path_compares_that_path(tmp_path: Path) -> None:
    config = ALERTS_CONFIG.replace("https://handbook.example.com/",
                                   "https://docs.example.com/oncall/")
    good = "https://docs.example.com/oncall/runbooks/payments/payments-down/"
    assert check(tmp_path / "a", {"mkdocs.yml": config,
                                  ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=good))}) \
        == []
    bad = "https://docs.example.com/runbooks/payments/payments-down/"
    found = check(tmp_path / "b", {"mkdocs.yml": config,
                                   ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=bad))})
    assert [d.rule for d in found] == ["OB706"]


def test_without_site_url_the_path_is_compared_and_the_hint_says_so(tmp_path: Path) -> None:
    config = ALERTS_CONFIG.replace("site_url: https://handbook.example.com/\n", "")
    somewhere = "https://oncall.example.org/handbook/runbooks/payments/payments-down/"
    assert check(tmp_path / "a", {
        "mkdocs.yml": config, ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=somewhere)),
    }) == []
    found = check(tmp_path / "b", {
        "mkdocs.yml": config,
        ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=somewhere.replace("down", "up"))),
    })
    assert [d.rule for d in found] == ["OB706"]
    assert "site_url" in found[0].hint


def runbook_annotation(value: str) -> str:
    return f"        annotations:\n          runbook: {value}\n"


@pytest.mark.parametrize("value", [
    RUNBOOK_PATH,  # from mkdocs.yml's folder
    f"/{RUNBOOK_PATH}",
    f"handbook/{RUNBOOK_PATH}",  # from a repository root above the handbook
    "'https://handbook.example.com/runbooks/payments/payments-down/'",
])
def test_a_runbook_annotation_naming_the_runbooks_file_links_it(tmp_path: Path,
                                                                 value: str) -> None:
    # GitLab's rule files link an alert by naming the runbook's Markdown file.
    files = {ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=None,
                                               extra=runbook_annotation(value)))}
    assert check(tmp_path / "handbook", files) == []


def test_a_runbook_annotation_naming_another_file_is_wrong(tmp_path: Path) -> None:
    stale = "runbooks/payments/payments-outage.md"
    files = {ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=None,
                                               extra=runbook_annotation(stale)))}
    found = check(tmp_path, files)
    assert rules(found) == [("OB706", ALERT_RULES_PATH, 10)]
    assert stale in found[0].message and found[0].message.startswith("runbook of alert")
    assert found[0].hint == f"name the runbook's file: `runbook: {RUNBOOK_PATH}`"
    # Beside a right runbook_url, the stale file name is still reported.
    both = alert("PaymentsDown", extra=f"          runbook: {stale}\n")
    assert rules(check(tmp_path / "both", {ALERT_RULES_PATH: rule_file(both)})) == [
        ("OB706", ALERT_RULES_PATH, 11)]


def test_a_runbook_written_inline_in_the_annotation_is_no_link(tmp_path: Path) -> None:
    inline = "|\n            Check the payments pods.\n            Then page the lead.\n"
    files = {ALERT_RULES_PATH: rule_file(alert("PaymentsDown", url=None,
                                               extra=runbook_annotation(inline)))}
    assert [d.rule for d in check(tmp_path, files)] == ["OB705"]


def test_a_missing_runbook_url_is_reported_per_rule(tmp_path: Path) -> None:
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown", "warning", url=None), alert("PaymentsDown", url=None))})
    assert rules(found) == [("OB705", ALERT_RULES_PATH, 4), ("OB705", ALERT_RULES_PATH, 9)]
    assert PAGE in found[0].hint


def test_an_alert_answered_on_another_site_is_not_an_orphan(tmp_path: Path) -> None:
    upstream = "https://runbooks.prometheus-operator.dev/runbooks/general/watchdog"
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown"), alert("Watchdog", "none", url=upstream),
        alert("InfoInhibitor", "none", url="{{ $externalURL }}/inhibit"))})
    assert found == []


def test_an_orphan_whose_link_leads_into_the_handbook_says_so(tmp_path: Path) -> None:
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown"), alert("PaymentsDownHard", url=PAGE))})
    assert rules(found) == [("OB703", ALERT_RULES_PATH, 11)]
    assert "leads into the handbook" in found[0].message


def test_a_warning_and_a_critical_rule_of_one_alert_agree_when_one_matches(
    tmp_path: Path,
) -> None:
    """The runbook is SEV1 (critical): its warning threshold is no finding."""
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown", "warning"), alert("PaymentsDown", "critical"))})
    assert found == []


def test_an_alert_no_rule_of_which_matches_the_runbook_is_reported_once(
    tmp_path: Path,
) -> None:
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown", "warning"), alert("PaymentsDown", "P2"))})
    assert rules(found) == [("OB707", ALERT_RULES_PATH, 8)]
    assert "severity=warning (SEV2)" in found[0].message
    assert found[0].related[0].path == RUNBOOK_PATH


def test_priority_labels_count_and_unknown_values_are_reported_once_per_file(
    tmp_path: Path,
) -> None:
    found = check(tmp_path, {
        ALERT_RULES_PATH: rule_file(
            alert("PaymentsDown", "page"), alert("PaymentsDown", "page"),
            alert("PaymentsDown", "", extra="        labels:\n          priority: P1\n")),
    })
    assert rules(found) == [("OB708", ALERT_RULES_PATH, 8)]
    assert "1 more rule" in found[0].message


def test_severity_is_not_compared_for_alerts_without_a_runbook_or_templated_labels(
    tmp_path: Path,
) -> None:
    found = check(tmp_path, {ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown", "'{{ $labels.severity }}'"),
        alert("Watchdog", "none", url="https://runbooks.example.org/watchdog"))})
    assert found == []


def test_a_glob_matching_nothing_is_a_warning_on_mkdocs_yml(tmp_path: Path) -> None:
    config = ALERTS_CONFIG.replace("        - alerts/*.rules.yml\n",
                                   "        - alerts/*.rules.yml\n        - rules/**/*.yaml\n")
    found = check(tmp_path, {"mkdocs.yml": config})
    assert rules(found) == [("OB702", "mkdocs.yml", 7)]


KUBE_PROMETHEUS = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  labels:
    app.kubernetes.io/name: kube-prometheus
    prometheus: k8s
    role: alert-rules
  name: payments-rules
  namespace: monitoring
spec:
  groups:
  - name: payments.recording
    rules:
    - expr: sum by (namespace) (rate(payment_attempts_total[5m]))
      record: namespace:payment_attempts:rate5m
  - name: payments.alerts
    rules:
    - alert: PaymentsDown
      annotations:
        description: Payments in {{ $labels.namespace }} fail.
        runbook_url: https://handbook.example.com/alerts/#PaymentsDown
        summary: Payments fail.
      expr: namespace:payment_attempts:rate5m == 0
      for: 15m
      labels:
        severity: warning
    - alert: PaymentsDown
      annotations:
        description: Payments in {{ $labels.namespace }} fail for long.
        runbook_url: https://handbook.example.com/alerts/#PaymentsDown
        summary: Payments fail.
      expr: namespace:payment_attempts:rate5m == 0
      for: 1h
      labels:
        severity: critical
  - name: general.rules
    rules:
    - alert: Watchdog
      annotations:
        description: This alert is always firing.
        runbook_url: https://runbooks.prometheus-operator.dev/runbooks/general/watchdog
        summary: An alert that should always be firing.
      expr: vector(1)
      labels:
        severity: none
    - alert: TargetDown
      annotations:
        runbook_url: https://runbooks.prometheus-operator.dev/runbooks/general/targetdown
      expr: 100 * (count(up == 0) BY (job) / count(up) BY (job)) > 10
      for: 10m
      labels:
        severity: warning
"""


def test_a_kube_prometheus_style_file_raises_no_false_alarm(tmp_path: Path) -> None:
    found = check(tmp_path, {"alerts/kube.rules.yml": KUBE_PROMETHEUS.replace("\n", "\r\n"),
                             ALERT_RULES_PATH: "groups: []\n"})
    assert found == []


def test_a_rule_file_may_be_narrowed_to_on_the_command_line(tmp_path: Path) -> None:
    config = write_handbook(tmp_path, **{ALERT_RULES_PATH: rule_file(
        alert("PaymentsDown"), alert("PaymentsRefundsStuck", url=None))})
    found = check_paths([tmp_path / ALERT_RULES_PATH], config, today=TODAY).diagnostics
    assert [d.rule for d in found] == ["OB703"]
    found = check_paths([tmp_path / RUNBOOK_PATH], config, today=TODAY).diagnostics
    assert found == []


def test_a_comment_in_a_rule_file_silences_a_rule_there(tmp_path: Path) -> None:
    text = rule_file(
        alert("PaymentsDown", "warning"),
        "      # opsbook: disable OB703 -- a heartbeat, deliberately without a runbook\n",
        alert("PaymentsHeartbeat", url=None),
        alert("PaymentsOther", url=None).replace(
            "- alert: PaymentsOther", "- alert: PaymentsOther  # opsbook: disable OB703"),
        alert("PaymentsThird", url=None),
    )
    found = check(tmp_path / "a", {ALERT_RULES_PATH: text})
    assert sorted(d.rule for d in found) == ["OB703", "OB707"]  # PaymentsThird, the severity
    silenced = text.replace("groups:\n", "# opsbook: disable-file OB707\ngroups:\n").replace(
        "      - alert: PaymentsDown\n", "      - alert: PaymentsDown\n", 1)
    found = check(tmp_path / "b", {ALERT_RULES_PATH: silenced})
    assert [d.rule for d in found] == ["OB703"]
    assert '"PaymentsThird"' in found[0].message


def test_a_comment_on_the_alert_line_covers_findings_at_its_labels(tmp_path: Path) -> None:
    text = rule_file(alert("PaymentsDown", "warning").replace(
        "- alert: PaymentsDown", "- alert: PaymentsDown  # opsbook: disable OB707"))
    assert check(tmp_path, {ALERT_RULES_PATH: text}) == []


def test_unreadable_rule_files_are_findings_and_nothing_outside_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.rules.yml"
    outside.write_text(rule_file(alert("PaymentsDown")), encoding="utf-8")
    root = tmp_path / "handbook"
    config = write_handbook(root, **{ALERT_RULES_PATH: rule_file(alert("PaymentsDown")),
                                     "alerts/binary.rules.yml": "\x00\x01groups",
                                     "alerts/empty.rules.yml": "",
                                     "alerts/comments.rules.yml": "# nothing yet\n"})
    (root / "alerts" / "linked.rules.yml").symlink_to(outside)
    found = check_paths([], config, today=TODAY).diagnostics
    assert rules(found) == [("OB002", "alerts/binary.rules.yml", 1),
                            ("OB010", "alerts/linked.rules.yml", 1)]


_PIECES = ["groups:", "\n", "  ", "- ", "name: g", "rules:", "alert: A", "expr: up", "record: r",
           "labels:", "annotations:", "severity: critical", "runbook_url: x", "{", "}", "[", "]",
           ",", ": ", "'", '"', "&a", "*a", "!!python/object:os.system", "---\n", "kind: ",
           "PrometheusRule", "spec:", "# c", "\t", "\r\n", "|", ">", "{{ $labels.x }}"]


@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
def test_the_loader_never_raises(text: str) -> None:
    parsed = parse_rule_file(text)
    for problem in parsed.problems:
        assert problem.rule == "OB701" and problem.line >= 1 and problem.message
    for rule in parsed.rules:
        assert rule.name and rule.expr and rule.marks is not None
