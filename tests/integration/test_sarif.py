"""`opsbook check --format sarif`: valid SARIF 2.1.0, as GitHub code scanning reads it.

The schema is vendored (tests/data/sarif-2.1.0-rtm.5.README.md says from where), so this
runs offline.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from opsbook.checks import ALL_RULES
from opsbook.cli import main
from tests.support.ci import copy_handbook_with_github
from tests.support.repo import DATA

SCHEMA_FILE = DATA / "sarif-2.1.0-rtm.5.json"
RUNBOOK = "runbooks/payments/payments-webhook-backlog.md"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def schema_errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def sarif_of(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *args: str) -> tuple[int, dict[str, Any]]:
    monkeypatch.chdir(root)
    code = main(["check", "--format", "sarif", *args])
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)
    return code, document


@pytest.fixture
def broken_handbook(tmp_path: Path) -> Path:
    """The reference handbook with an error (placeholder contact), a warning (an overdue
    review, with --today) and a CODEOWNERS mismatch."""
    root = copy_handbook_with_github(tmp_path / "handbook")
    runbook = root / RUNBOOK
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(
        text.replace("## Escalation\n", "## Escalation\n\n- Payments lead: [Name], [Phone]\n"),
        encoding="utf-8",
    )
    owners = root / ".github" / "CODEOWNERS"
    owners.write_text(
        owners.read_text(encoding="utf-8").replace(
            "/runbooks/tracking/      @larkspur/tracking",
            "/runbooks/tracking/      @larkspur/bookings",
        ),
        encoding="utf-8",
    )
    return root


def test_findings_are_valid_sarif_with_one_rule_per_opsbook_rule(
    broken_handbook: Path, validator: jsonschema.protocols.Validator,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    code, sarif = sarif_of(broken_handbook, monkeypatch, capsys, "--today", "2031-01-01")
    assert code == 1
    assert schema_errors(validator, sarif) == []
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "opsbook"
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [rule.id for rule in ALL_RULES]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    results = run["results"]
    kinds = {(result["ruleId"], result["level"]) for result in results}
    assert ("OB110", "error") in kinds
    assert ("OB304", "warning") in kinds
    assert ("OB306", "error") in kinds
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/") and (broken_handbook / uri).is_file(), uri
        assert physical["region"]["startLine"] >= 1
    placeholder = [r for r in results if r["ruleId"] == "OB110"]
    assert placeholder[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        RUNBOOK
    )


def test_a_clean_handbook_is_valid_sarif_with_no_results(
    tmp_path: Path, validator: jsonschema.protocols.Validator,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    root = copy_handbook_with_github(tmp_path / "handbook")
    code, sarif = sarif_of(root, monkeypatch, capsys)
    assert code == 0
    assert schema_errors(validator, sarif) == []
    assert sarif["runs"][0]["results"] == []


def test_the_schema_rejects_what_code_scanning_would(
    broken_handbook: Path, validator: jsonschema.protocols.Validator,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _, sarif = sarif_of(broken_handbook, monkeypatch, capsys)
    wrong_level = copy.deepcopy(sarif)
    wrong_level["runs"][0]["results"][0]["level"] = "fatal"
    assert schema_errors(validator, wrong_level)
    no_version = copy.deepcopy(sarif)
    del no_version["version"]
    assert schema_errors(validator, no_version)
    line_zero = copy.deepcopy(sarif)
    line_zero["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"][
        "startLine"] = 0
    assert schema_errors(validator, line_zero)


def test_sarif_to_a_file_for_the_upload_step(
    broken_handbook: Path, validator: jsonschema.protocols.Validator,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(broken_handbook)
    target = broken_handbook / "opsbook.sarif"
    assert main(["check", "--format", "sarif", "--output", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "error" in err
    assert schema_errors(validator, json.loads(target.read_text(encoding="utf-8"))) == []
