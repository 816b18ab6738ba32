"""`opsbook eval`: labels parsed strictly, findings scored per family, thresholds as exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsbook.cli import main
from opsbook.diagnostics import Diagnostic, Level, Related
from opsbook.evaluate import LabelsError, parse_labels, score

LABELS = """\
files:
  a.md:
    placeholders: [3, 5]
    severity:
      - [10, 20]
    mojibake: [7]
    quiet: [4]
    notes: "a contact sheet"
  b.md: {}
cross_file:
  severity:
    - ["a.md:12", "b.md:30"]
"""


def finding(path: str, line: int, rule: str = "OB110",
            related: tuple[Related, ...] = ()) -> Diagnostic:
    return Diagnostic(path, line, 1, rule, Level.ERROR, "message", "hint", related)


def test_labels_are_parsed_per_family() -> None:
    labels = parse_labels(LABELS)
    assert labels.files["a.md"]["placeholders"] == {3, 5}
    assert labels.files["b.md"] == {}
    assert labels.pairs["severity"] == {
        frozenset({("a.md", 10), ("a.md", 20)}),
        frozenset({("a.md", 12), ("b.md", 30)}),
    }
    assert labels.pairs["escalation"] == frozenset()


def test_lines_count_once_and_unlabelled_findings_are_false_alarms() -> None:
    labels = parse_labels(LABELS)
    found = [finding("a.md", 3), finding("a.md", 3, "OB101"), finding("a.md", 4),
             finding("b.md", 1), finding("a.md", 7, "OB501"), finding("a.md", 9, "OB301")]
    result = score(labels, found)
    placeholders = result.scores["placeholders"]
    assert placeholders.true_positives == 1
    assert [(d.path, d.line) for d in placeholders.false_alarms] == [("a.md", 4), ("b.md", 1)]
    assert [(m.path, m.line) for m in placeholders.misses] == [("a.md", 5)]
    assert placeholders.precision == pytest.approx(1 / 3)
    assert placeholders.recall == pytest.approx(1 / 2)
    assert result.scores["mojibake"].precision == 1.0
    assert result.scores["mojibake"].recall == 1.0


def test_pairs_match_in_either_order_within_and_across_files() -> None:
    labels = parse_labels(LABELS)
    found = [
        finding("a.md", 20, "OB205", (Related("a.md", 10, "here"),)),
        finding("b.md", 30, "OB205", (Related("a.md", 12, "there"),)),
        finding("a.md", 20, "OB205", (Related("a.md", 11, "wrong line"),)),
    ]
    severity = score(labels, found).scores["severity"]
    assert severity.true_positives == 2
    assert severity.recall == 1.0
    assert [(d.path, d.line) for d in severity.false_alarms] == [("a.md", 20)]
    assert severity.precision == pytest.approx(2 / 3)


def test_nothing_reported_and_nothing_expected_has_no_ratio() -> None:
    result = score(parse_labels("files:\n  a.md: {}\n"), [])
    assert result.scores["placeholders"].precision is None
    assert result.scores["placeholders"].recall is None
    assert result.failures(0.97, 0.95) == []


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("files:\n  a.md:\n    placeholders: [3\n", 4, "not valid YAML"),
        ("files: [a.md]\n", 1, "not a mapping"),
        ("file:\n  a.md: {}\n", 1, "unknown key 'file'"),
        ("cross_file: {}\n", 1, "no `files:`"),
        ("files:\n  a.md:\n    placeholder: [3]\n", 3, "unknown key 'placeholder'"),
        ("files:\n  a.md:\n    placeholders: [3, x]\n", 3, "'x' is not a line number"),
        ("files:\n  a.md:\n    placeholders: [0]\n", 3, "is not a line number"),
        ("files:\n  a.md:\n    placeholders: 3\n", 3, "not a list"),
        ("files:\n  a.md:\n    severity:\n      - [1, 2, 3]\n", 4, "exactly two"),
        ("files:\n  a.md:\n    severity:\n      - [4, 4]\n", 4, "with itself"),
        ("files:\n  ../a.md: {}\n", 2, "not a path inside"),
        ("files:\n  a.md: {}\ncross_file:\n  severity:\n    - [a.md, b.md:3]\n", 5,
         "is not FILE:LINE"),
        ("files:\n  a.md: {}\n  a.md: {}\n", 3, "given twice"),
        ("", 1, "empty"),
    ],
)
def test_bad_labels_say_where_and_what(text: str, line: int, what: str) -> None:
    with pytest.raises(LabelsError) as raised:
        parse_labels(text, "labels.yaml")
    assert raised.value.line == line
    assert what in str(raised.value)
    assert str(raised.value).startswith(f"labels.yaml:{line}: ")


def write_set(tmp_path: Path, labels: str) -> Path:
    directory = tmp_path / "set"
    directory.mkdir()
    (directory / "team.md").write_text(
        "# Team\n\nPhone: +1-XXX-XXX-XXXX\n\nStatus update: all good\n"
        "Email: amara@example.com\n"
    )
    (directory / "labels.yaml").write_text(labels)
    return directory


def test_cli_scores_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_set(tmp_path, "files:\n  team.md:\n    placeholders: [3]\n")
    code = main(["eval", str(directory / "labels.yaml"), str(directory)])
    out = capsys.readouterr().out
    assert code == 0
    assert "placeholders       1.000   1.000" in out
    code = main(["eval", str(directory / "labels.yaml"), str(directory), "--format", "json",
                 "--min-precision", "0.97", "--min-recall", "0.95"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["families"]["placeholders"]["precision"] == 1.0
    assert report["families"]["placeholders"]["false_alarms"] == []


def test_cli_threshold_missed_exits_1(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_set(tmp_path, "files:\n  team.md:\n    placeholders: [3, 6]\n")
    code = main(["eval", str(directory / "labels.yaml"), str(directory),
                 "--min-recall", "0.95", "--family", "placeholders"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "team.md:6" in out
    assert "placeholders: recall 0.500 < 0.95" in err


def test_cli_bad_input_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = write_set(tmp_path, "files:\n  team.md:\n    placeholders: [three]\n")
    before = (directory / "team.md").read_bytes()
    assert main(["eval", str(directory / "labels.yaml"), str(directory)]) == 2
    err = capsys.readouterr().err
    assert "labels.yaml:3: team.md placeholders: 'three' is not a line number" in err
    assert "Traceback" not in err
    (directory / "labels.yaml").write_text("files:\n  other.md: {}\n")
    assert main(["eval", str(directory / "labels.yaml"), str(directory)]) == 2
    assert "other.md is labelled but not in" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing.yaml"), str(directory)]) == 2
    assert main(["eval", str(directory / "labels.yaml"), str(tmp_path / "nowhere")]) == 2
    assert main(["eval", str(directory / "labels.yaml"), str(directory),
                 "--min-recall", "1.5"]) == 2
    (directory / "labels.yaml").write_bytes(b"\xff\xfe files")
    assert main(["eval", str(directory / "labels.yaml"), str(directory)]) == 2
    assert "cannot read the labels file" in capsys.readouterr().err
    assert (directory / "team.md").read_bytes() == before
