"""`opsbook alerts sync`: runbook_url annotations written into real rule files in place, with
nothing else in them changed (comments, order, quoting, flow style, CRLF, PrometheusRule)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsbook.checks.examples import (
    ALERT_RULES_PATH,
    ALERTS_CONFIG,
    ALERTS_CONTEXT,
    EXAMPLE_HANDBOOK,
    EXAMPLE_RUNBOOK,
    RUNBOOK_PATH,
)
from opsbook.cli import main

PAGE = "https://handbook.example.com/runbooks/payments/payments-down/"
SLOW = "https://handbook.example.com/runbooks/payments/payments-slow/"

SECOND = (EXAMPLE_RUNBOOK.replace("payments-down", "payments-slow")
          .replace("[PaymentsDown]", "[PaymentsSlow, PaymentsQueueDeep, PaymentsFlow, "
                   "PaymentsNullNotes, PaymentsEmptyNotes, PaymentsCrashLooping]")
          .replace("severity: SEV1", "severity: SEV2"))

RULES = """\
# Payments alerts. Owned by #payments-oncall; keep the thresholds in step with the SLO doc.
groups:
  - name: payments   # evaluated every 30s
    interval: 30s
    rules:
      - record: job:payment_attempts:rate5m
        expr: sum by (job) (rate(payment_attempts_total[5m]))

      - alert: PaymentsDown  # the big one
        expr: job:payment_attempts:rate5m == 0
        for: 5m
        labels:
          severity: critical
        annotations:
          description: "No payment succeeded in 5 minutes"
          summary: 'Payments are down'

      - alert: PaymentsSlow
        expr: >
          histogram_quantile(0.99, sum by (le) (rate(payment_seconds_bucket[5m])))
          > 3
        for: 10m
        labels:
          severity: warning
        # no annotations yet
      - alert: PaymentsSlow
        expr: histogram_quantile(0.99, sum by (le) (rate(payment_seconds_bucket[5m]))) > 8
        labels: {severity: critical}
        annotations:
          runbook_url: "https://handbook.example.com/runbooks/payments/old-slow/"   # moved
      - {alert: PaymentsFlow, expr: 'up{job="payments"} == 0', labels: {severity: warning}}
      - alert: PaymentsQueueDeep
        expr: payments_queue_depth > 100
        annotations: {summary: "Queue is deep"}
      - alert: PaymentsNullNotes
        expr: vector(1)
        labels:
            severity: warning
        annotations:
      - alert: PaymentsEmptyNotes
        expr: vector(1)
        annotations: {}
      - alert: Watchdog
        expr: vector(1)
        annotations:
          runbook_url: https://runbooks.prometheus-operator.dev/runbooks/general/watchdog
      - alert: PaymentsTemplated
        expr: vector(1)
        annotations:
          runbook_url: https://handbook.example.com/alerts/#{{ $labels.alertname }}
"""

KUBE = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: payments
spec:
  groups:
  - name: payments.k8s
    rules:
    - alert: PaymentsCrashLooping
      expr: increase(kube_pod_container_status_restarts_total{namespace="payments"}[15m]) > 3
      labels:
        severity: warning
""".replace("\n", "\r\n")


@pytest.fixture
def handbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = dict(EXAMPLE_HANDBOOK)
    files.update(ALERTS_CONTEXT)
    files["runbooks/payments/payments-slow.md"] = SECOND
    files[ALERT_RULES_PATH] = RULES
    files["alerts/kube.rules.yml"] = KUBE
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_check_reports_and_changes_nothing(handbook: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(handbook)
    code, out, err = run(["alerts", "sync", "--check"], capsys)
    assert code == 1
    assert snapshot(handbook) == before
    assert f"{ALERT_RULES_PATH}:9: PaymentsDown: would set runbook_url to {PAGE}" in out
    assert "(was https://handbook.example.com/runbooks/payments/old-slow/)" in out
    assert "8 runbook_url annotation(s) in 2 file(s) would change" in err
    assert "Watchdog" in err and "PaymentsTemplated" in err  # no runbook: left alone


def test_sync_edits_only_the_annotations_and_is_idempotent(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(["alerts", "sync"], capsys)
    assert code == 0
    assert "wrote 8 runbook_url annotation(s) in 2 file(s)" in out
    text = (handbook / ALERT_RULES_PATH).read_text(encoding="utf-8")
    expected = (
        RULES
        .replace("""          description: "No payment succeeded in 5 minutes"
""", f"""          description: "No payment succeeded in 5 minutes"
          runbook_url: {PAGE}
""")
        .replace("""          severity: warning
        # no annotations yet
""", f"""          severity: warning
        annotations:
          runbook_url: {SLOW}
        # no annotations yet
""")
        .replace('"https://handbook.example.com/runbooks/payments/old-slow/"', f'"{SLOW}"')
        .replace("labels: {severity: warning}}",
                 f"labels: {{severity: warning}}, annotations: {{runbook_url: {SLOW}}}}}")
        .replace('{summary: "Queue is deep"}', f'{{summary: "Queue is deep", runbook_url: {SLOW}}}')
        .replace("""            severity: warning
        annotations:
""", f"""            severity: warning
        annotations:
            runbook_url: {SLOW}
""")  # this rule indents its labels by 4: so is the new annotation
        .replace("annotations: {}", f"annotations: {{runbook_url: {SLOW}}}")
    )
    assert text == expected
    kube = (handbook / "alerts" / "kube.rules.yml").read_bytes()
    assert kube == KUBE.replace(
        "        severity: warning\r\n",
        f"        severity: warning\r\n      annotations:\r\n        runbook_url: {SLOW}\r\n",
    ).encode()
    after = snapshot(handbook)
    assert run(["alerts", "sync"], capsys)[0] == 0
    assert snapshot(handbook) == after
    assert run(["alerts", "sync", "--check"], capsys)[:2] == (0, "every runbook_url is up to "
                                                               "date\n")
    code, out, _err = run(["check", "--select", "OB705,OB706"], capsys)
    assert code == 0, out


def test_json_output_and_the_alert_index_link(handbook: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(["alerts", "sync", "--check", "--format", "json", "--link", "alert"],
                          capsys)
    assert code == 1
    report = json.loads(out)
    assert report["written"] is False
    assert report["files"] == ["alerts/kube.rules.yml", ALERT_RULES_PATH]
    first = next(change for change in report["changes"] if change["path"] == ALERT_RULES_PATH)
    assert first == {"path": ALERT_RULES_PATH, "line": 9, "alert": "PaymentsDown", "old": None,
                     "new": "https://handbook.example.com/alerts/#PaymentsDown",
                     "action": "add"}
    assert report["unanswered"] == ["Watchdog", "PaymentsTemplated"]
    assert run(["alerts", "sync", "--link", "alert"], capsys)[0] == 0
    assert run(["check", "--select", "OB705,OB706"], capsys)[0] == 0


def test_sync_refuses_without_site_url(handbook: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (handbook / "mkdocs.yml").write_text(
        ALERTS_CONFIG.replace("site_url: https://handbook.example.com/\n", ""), encoding="utf-8")
    before = snapshot(handbook)
    code, _out, err = run(["alerts", "sync"], capsys)
    assert code == 2
    assert "site_url" in err
    assert snapshot(handbook) == before


def test_sync_refuses_a_broken_file_and_writes_no_other(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (handbook / "alerts" / "zz.rules.yml").write_text("groups:\n  - name: [\n", encoding="utf-8")
    before = snapshot(handbook)
    code, _out, err = run(["alerts", "sync"], capsys)
    assert code == 2
    assert "alerts/zz.rules.yml:3: invalid YAML" in err
    assert snapshot(handbook) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_sync_refuses_an_unreadable_file(handbook: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (handbook / ALERT_RULES_PATH).chmod(0)
    try:
        code, _out, err = run(["alerts", "sync"], capsys)
    finally:
        (handbook / ALERT_RULES_PATH).chmod(0o644)
    assert code == 2
    assert "cannot read" in err


def test_sync_keeps_a_bom_the_mode_and_writes_through_a_symlink(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = handbook / "alerts" / "shared" / "real.yml"
    real.parent.mkdir()
    text = "groups:\n- name: p\n  rules:\n  - alert: PaymentsDown\n    expr: up == 0\n"
    real.write_bytes(b"\xef\xbb\xbf" + text.encode())
    real.chmod(0o640)
    (handbook / ALERT_RULES_PATH).unlink()
    (handbook / ALERT_RULES_PATH).symlink_to(real)
    (handbook / "alerts" / "kube.rules.yml").unlink()
    (handbook / "runbooks/payments/payments-slow.md").unlink()
    assert run(["alerts", "sync"], capsys)[0] == 0
    assert (handbook / ALERT_RULES_PATH).is_symlink()
    assert real.read_bytes() == b"\xef\xbb\xbf" + (
        text + f"    annotations:\n      runbook_url: {PAGE}\n").encode()
    assert oct(real.stat().st_mode & 0o777) == oct(0o640)


def test_a_file_without_a_final_newline_and_a_block_scalar_url(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (handbook / "alerts" / "kube.rules.yml").unlink()
    (handbook / "runbooks/payments/payments-slow.md").unlink()
    (handbook / ALERT_RULES_PATH).write_text(
        "groups:\n"
        "    - name: p\n"
        "      rules:\n"
        "        - alert: PaymentsDown\n"
        "          expr: up == 0\n"
        "          annotations:\n"
        "              runbook_url: >-\n"
        "                  https://wiki.example.com/x\n"
        "              summary: down\n"
        "        - alert: PaymentsDown\n"
        "          expr: up == 0", encoding="utf-8")
    assert run(["alerts", "sync"], capsys)[0] == 0
    assert (handbook / ALERT_RULES_PATH).read_text(encoding="utf-8") == (
        "groups:\n"
        "    - name: p\n"
        "      rules:\n"
        "        - alert: PaymentsDown\n"
        "          expr: up == 0\n"
        "          annotations:\n"
        f'              runbook_url: "{PAGE}"\n'
        "              summary: down\n"
        "        - alert: PaymentsDown\n"
        "          expr: up == 0\n"
        "          annotations:\n"
        f"            runbook_url: {PAGE}\n")


def test_opsbook_alerts_without_an_action_is_a_usage_error(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["alerts"], capsys)[0] == 2


def test_the_installed_command_runs(handbook: Path) -> None:
    """The console script, as CI runs it: exit 1 from --check, then 0 after a sync."""
    opsbook = Path(sys.executable).with_name("opsbook")
    checked = subprocess.run([str(opsbook), "alerts", "sync", "--check"], cwd=handbook,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 1, checked.stderr
    synced = subprocess.run([str(opsbook), "alerts", "sync"], cwd=handbook,
                            capture_output=True, text=True, check=False)
    assert synced.returncode == 0, synced.stderr



@st.composite
def rule_layouts(draw: st.DrawFn) -> str:
    """A rule file in one of the layouts people write: indentation, flow or block rules and
    annotations, a runbook_url missing, right or wrong, CRLF, no final newline."""
    indent = draw(st.sampled_from([2, 4]))
    step = " " * indent
    rules = []
    for number in range(draw(st.integers(1, 3))):
        name = "PaymentsDown" if number == 0 else f"PaymentsDown{number}"
        url = draw(st.sampled_from([None, PAGE, "https://handbook.example.com/x/", "'/x'"]))
        notes = draw(st.sampled_from(["none", "block", "flow", "null", "empty"]))
        if draw(st.booleans()):
            entries = [f"alert: {name}", "expr: up == 0"]
            if notes == "flow" or url:
                inner = ", ".join(x for x in ("summary: s", f"runbook_url: {url}" if url else "")
                                  if x)
                entries.append(f"annotations: {{{inner}}}")
            rules.append(f"{step}- {{{', '.join(entries)}}}\n")
            continue
        lines = [f"{step}- alert: {name}  # a comment\n", f"{step}  expr: up == 0\n"]
        lines += [f"{step}  labels:\n", f"{step}{step}  severity: critical\n"]
        if notes == "null":
            lines.append(f"{step}  annotations:\n")
        elif notes == "empty":
            lines.append(f"{step}  annotations: {{}}\n")
        elif notes in ("block", "flow") or url:
            lines.append(f"{step}  annotations:\n")
            lines.append(f"{step}{step}  description: d\n")
            if url:
                lines.append(f"{step}{step}  runbook_url: {url}\n")
            lines.append(f"{step}{step}  summary: s\n")
        rules.append("".join(lines))
    text = "groups:\n- name: g\n  rules:\n" + "".join(
        "  " + line + "\n" for rule in rules for line in rule.splitlines())
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=rule_layouts())
def test_sync_handles_every_layout_and_is_idempotent(
    text: str, handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (handbook / "alerts" / "kube.rules.yml").unlink(missing_ok=True)
    (handbook / "runbooks/payments/payments-slow.md").unlink(missing_ok=True)
    runbook = handbook / RUNBOOK_PATH
    runbook.write_text(EXAMPLE_RUNBOOK.replace(
        "[PaymentsDown]", "[PaymentsDown, PaymentsDown1, PaymentsDown2]"), encoding="utf-8")
    path = handbook / ALERT_RULES_PATH
    path.write_bytes(text.encode())
    code, _out, err = run(["alerts", "sync"], capsys)
    assert code == 0, (err, text)
    first = path.read_bytes()
    assert run(["alerts", "sync", "--check"], capsys)[0] == 0
    assert path.read_bytes() == first
    assert ("\r\n" in text) == (b"\r\n" in first)
    found = run(["check", "--select", "OB701,OB705,OB706", "--format", "json"], capsys)
    assert found[0] == 0, found[1]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes files whatever their mode")
def test_sync_refuses_a_file_it_cannot_write_and_writes_no_other(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (handbook / "alerts" / "kube.rules.yml").chmod(0o444)
    before = snapshot(handbook)
    try:
        code, _out, err = run(["alerts", "sync"], capsys)
    finally:
        (handbook / "alerts" / "kube.rules.yml").chmod(0o644)
    assert code == 2
    assert "cannot write" in err
    assert snapshot(handbook) == before


def test_a_write_error_is_a_message_not_a_traceback(
    handbook: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsbook.commands import alerts

    def fail(path: Path, text: str, bom: bool) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(alerts, "write_whole", fail)
    code, _out, err = run(["alerts", "sync"], capsys)
    assert code == 2
    assert "No space left on device" in err


def test_a_rule_linked_by_its_runbook_file_is_left_alone(
    handbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitLab-style rule files name the runbook's Markdown file in a `runbook` annotation:
    right, sync adds nothing to it; wrong, sync writes a runbook_url and the check still names
    the stale file."""
    rules = handbook / ALERT_RULES_PATH
    text = rules.read_text(encoding="utf-8")
    summary = "          summary: 'Payments are down'\n"
    text = text.replace(summary, f"{summary}          runbook: {RUNBOOK_PATH}\n")
    text = text.replace("annotations: {summary: \"Queue is deep\"}",
                        "annotations: {runbook: runbooks/payments/payments-down.md}")
    rules.write_text(text, encoding="utf-8")
    code, out, _err = run(["alerts", "sync", "--check"], capsys)
    assert code == 1
    assert f"{ALERT_RULES_PATH}:9: PaymentsDown" not in out
    assert "PaymentsQueueDeep: would set runbook_url" in out
    assert run(["alerts", "sync"], capsys)[0] == 0
    _code, out, _err = run(["check", "--select", "OB705,OB706", "--format", "json"], capsys)
    found = [(d["rule"], d["message"].split(" of alert")[0])
             for d in json.loads(out)["diagnostics"]]
    assert found == [("OB706", "runbook")]
