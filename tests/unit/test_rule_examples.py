"""Every rule's examples are true: checked for real, the bad one yields exactly that rule and the
good one nothing. The catalogue page, `opsbook rule` and SARIF show these same files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opsbook.checks import ALL_RULES, RULES_BY_ID
from opsbook.checks.examples import EXAMPLE_TODAY, example_files, is_loose
from opsbook.checks.rule import Rule
from opsbook.diagnostics import Diagnostic
from opsbook.run import check_paths

NOT_AS_TEXT = {
    "OB001": "an unreadable file cannot be written as example text (and root reads any mode)",
}
"""Rules whose bad example cannot be a file's text, with the reason."""

RUNNABLE = [rule for rule in ALL_RULES if rule.id not in NOT_AS_TEXT]


def check_example(rule: Rule, bad: bool, root: Path) -> list[Diagnostic]:
    files = example_files(rule, bad)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        encoding = rule.example_encoding if bad and name == rule.example_path else "utf-8"
        path.write_bytes(text.encode(encoding))  # bytes: \r\n and a BOM stay as written
    today = dt.date.fromisoformat(EXAMPLE_TODAY)
    if is_loose(rule):
        return check_paths([root / name for name in files], None, today=today).diagnostics
    return check_paths([], root / "mkdocs.yml", today=today).diagnostics


def shown(found: list[Diagnostic]) -> str:
    return "\n".join(f"{d.path}:{d.line}: {d.rule} {d.message}" for d in found)


@pytest.mark.parametrize("rule", RUNNABLE, ids=lambda rule: rule.id)
def test_the_bad_example_yields_exactly_its_rule(rule: Rule, tmp_path: Path) -> None:
    found = check_example(rule, bad=True, root=tmp_path)
    assert {d.rule for d in found} == {rule.id}, (
        f"{rule.id}'s bad example ({rule.example_path}) must yield {rule.id} and nothing else; "
        f"it yields:\n{shown(found) or '(nothing)'}\nWrite `bad` as the whole file at "
        "`example_path` (see opsbook/checks/examples.py for the handbook it goes into)."
    )


@pytest.mark.parametrize("rule", RUNNABLE, ids=lambda rule: rule.id)
def test_the_good_example_yields_nothing(rule: Rule, tmp_path: Path) -> None:
    found = check_example(rule, bad=False, root=tmp_path)
    assert found == [], (
        f"{rule.id}'s good example ({rule.example_path}) must pass every check; it yields:\n"
        f"{shown(found)}"
    )


def test_the_example_handbook_alone_is_clean(tmp_path: Path) -> None:
    """The handbook the examples go into passes, so a finding comes from the example."""
    rule = RULES_BY_ID["OB110"]
    files = example_files(rule, bad=False)
    del files[rule.example_path]
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    today = dt.date.fromisoformat(EXAMPLE_TODAY)
    assert check_paths([], tmp_path / "mkdocs.yml", today=today).diagnostics == []


def test_only_the_listed_rules_have_no_runnable_example() -> None:
    assert set(NOT_AS_TEXT) <= set(RULES_BY_ID)
    assert len(NOT_AS_TEXT) <= 1


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_opsbook_rule_explains_every_rule(rule: Rule, capsys: pytest.CaptureFixture[str]) -> None:
    from opsbook.cli import main

    assert main(["rule", rule.id]) == 0
    page = capsys.readouterr().out
    assert page.startswith(f"{rule.name} ({rule.id})")
    for part in (rule.summary, rule.fix, *rule.bad.splitlines(), *rule.good.splitlines()):
        assert part.strip() in page
    assert main(["rule", rule.name]) == 0
    assert capsys.readouterr().out == page


def test_opsbook_rule_refuses_an_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    from opsbook.cli import main

    assert main(["rule", "OB11"]) == 2
    assert 'did you mean "OB110"' in capsys.readouterr().err
