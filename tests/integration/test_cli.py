"""The `opsbook` command line: exit codes, formats, rule selection, dates, scaffolding."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from opsbook.cli import main
from tests.support.sitekit import CONTACTS, RUNBOOK, make_site

PLACEHOLDER_PAGE = "# Team\n\nPhone: +1-XXX-XXX-XXXX\n\n- Email: TBD\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_site(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_site_exits_0(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check"], capsys)
    assert code == 0
    assert "no findings" in out


def test_findings_exit_1_sorted_text(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "docs" / "team.md").write_text(PLACEHOLDER_PAGE)
    (site / "docs" / "a.md").write_text("Phone: [Phone]\n")
    code, out, _ = run(["check"], capsys)
    assert code == 1
    lines = out.strip().splitlines()
    pattern = re.compile(r"^(\S+):(\d+):(\d+): (OB\d{3}) (error|warning): .+ — .+$")
    parsed = [pattern.match(line) for line in lines[:-1]]
    assert all(parsed), lines
    keys = [(m.group(1), int(m.group(2))) for m in parsed if m]
    assert keys == sorted(keys)
    assert ("docs/team.md", 3) in keys and ("docs/team.md", 5) in keys
    assert lines[-1].startswith("opsbook: 3 errors")


def test_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["check"], capsys)[0] == 2  # no mkdocs.yml here
    assert run(["check", "missing.md"], capsys)[0] == 2
    assert run(["check", "--format", "xml"], capsys)[0] == 2
    assert run(["check", "--today", "yesterday"], capsys)[0] == 2
    assert run([], capsys)[0] == 2


def test_broken_config_exits_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - opsbook:\n      strict: maybe\n")
    code, _, err = run(["check"], capsys)
    assert code == 2 and "strict" in err and "Traceback" not in err


def test_json_format(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "docs" / "team.md").write_text(PLACEHOLDER_PAGE)
    code, out, _ = run(["check", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["version"] == 1
    first = data["diagnostics"][0]
    assert set(first) >= {"path", "line", "column", "rule", "severity", "message", "hint"}
    assert first["path"] == "docs/team.md" and first["line"] == 3
    assert data["summary"]["errors"] == 2


def test_github_format(site: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    (site / "docs" / "team.md").write_text(PLACEHOLDER_PAGE)
    code, out, _ = run(["check", "--format", "github"], capsys)
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert code == 1 and len(annotations) == 2
    pattern = re.compile(r"^::(error|warning) file=[^,]+,line=\d+,col=\d+,title=OB\d{3}::.+$")
    assert all(pattern.match(line) for line in annotations)
    assert annotations[0].startswith("::error file=docs/team.md,line=3,col=")
    assert "| `docs/team.md` | 3 | OB110 |" in summary_file.read_text()


def test_select_and_ignore(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "docs" / "team.md").write_text(PLACEHOLDER_PAGE + "\nâš ï¸ broken\n")
    _, out, _ = run(["check", "--format", "json", "--select", "OB5"], capsys)
    assert {d["rule"] for d in json.loads(out)["diagnostics"]} == {"OB501"}
    _, out, _ = run(["check", "--format", "json", "--ignore", "OB110,OB501"], capsys)
    assert json.loads(out)["diagnostics"] == []


def test_today_controls_review_deadline(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--today", "2027-06-01"], capsys)
    assert code == 0 and "OB304 warning" in out  # a warning does not fail the check
    code, out, _ = run(["check", "--today", "2026-12-01"], capsys)
    assert "OB304" not in out


def test_paths_inside_site_use_site_context(site: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (site / "runbooks" / "api" / "api-down.md").write_text(RUNBOOK.replace("SEV1", "SEV9"))
    (site / "docs" / "other.md").write_text("Phone: TBD\n")
    code, out, _ = run(["check", "runbooks/api/api-down.md"], capsys)
    assert code == 1 and "OB201" in out and "other.md" not in out


def test_loose_files_outside_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "guide.txt").write_text("Name: [Name]\nPhone: +1-XXX-XXX-XXXX\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", "legacy/guide.txt"], capsys)
    assert code == 1
    assert "legacy/guide.txt:1:7: OB110" in out and "legacy/guide.txt:2:8: OB110" in out


def test_new_runbook_passes_checks(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["new", "runbook", "api-slow"], capsys)
    created = Path(out.strip())
    assert code == 0 and created.is_file()
    assert created.resolve() == (site / "runbooks" / "api" / "api-slow.md").resolve()
    text = created.read_text()
    assert "owner: core" in text and "severity: SEV3" in text
    assert run(["check"], capsys)[0] == 0
    assert run(["new", "runbook", "api-slow"], capsys)[0] == 2  # exists already


def test_lookup(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lookup", "apidown", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["runbook"] == "api-down"
    assert data["path"] == "runbooks/api/api-down.md"
    assert data["url"].endswith("runbooks/api/api-down/")
    assert run(["lookup", "NoSuchAlert"], capsys)[0] == 1


def test_schema_validates_reference_frontmatter(repo_root: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    import jsonschema
    import yaml

    code, out, _ = run(["schema"], capsys)
    schemas = json.loads(out)
    assert code == 0 and set(schemas) == {"severity-matrix", "contacts", "runbook", "template",
                                          "rotations"}

    def as_json(value: object) -> object:  # YAML dates are strings in JSON
        if isinstance(value, dict):
            return {key: as_json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [as_json(item) for item in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    for path in sorted((repo_root / "runbooks").rglob("*.md")):
        data = yaml.safe_load(path.read_text().split("---")[1])
        data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
        jsonschema.validate(data, schemas["runbook"])
    contacts = as_json(
        yaml.safe_load((repo_root / "docs" / "contacts.md").read_text().split("---")[1]))
    assert isinstance(contacts, dict)
    jsonschema.validate(contacts, schemas["contacts"])
    bad = dict(contacts, peple=[])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schemas["contacts"])
    assert run(["schema", "nope"], capsys)[0] == 2


def test_console_script_runs(site: Path) -> None:
    (site / "docs" / "contacts.md").write_text(CONTACTS.replace('"+1 202-555-0111"', '"TBD"'))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "opsbook"), "check"],
        capture_output=True, text=True, cwd=site, check=False,
    )
    assert result.returncode == 1
    assert "docs/contacts.md:6:12: OB101 error" in result.stdout


def test_files_in_a_plain_mkdocs_site_are_checked_as_loose_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - search\n")
    (tmp_path / "docs" / "oncall.md").write_text("Phone: +1-XXX-XXX-XXXX\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", "docs/oncall.md"], capsys)
    assert code == 1 and "docs/oncall.md:1:8: OB110" in out
    code, _, err = run(["check"], capsys)  # the site itself is not an opsbook handbook
    assert code == 2 and "no `opsbook` entry" in err


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    # `opsbook rules | head -1`, with the reader gone before opsbook writes a byte: the read
    # end of the pipe is closed before the program starts, so its first write fails for sure.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "opsbook.cli", "rules"], stdout=write_end,
            stderr=subprocess.PIPE, cwd=tmp_path, timeout=60, check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr.decode() == ""
    assert result.returncode == 141
