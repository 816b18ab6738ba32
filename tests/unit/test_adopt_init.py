"""`opsbook init`: what it plans and writes, refusals, and the hand-written mkdocs.yml it edits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from opsbook import __version__
from opsbook.adopt.init import InitOptions, default_install_spec, parse_levels, plan_init
from opsbook.adopt.mkdocs_edit import add_plugin, site_facts
from opsbook.adopt.plan import Refused, write_plan
from opsbook.run import check_paths
from opsbook.settings import ConfigError
from tests.support.adopt import HAND_WRITTEN_MKDOCS, TODAY, fill_contacts

OPTIONS = InitOptions(today=dt.date.fromisoformat(TODAY))


def init(root: Path, options: InitOptions = OPTIONS) -> list[str]:
    plan = plan_init(root, options)
    write_plan(root, plan)
    return [planned.path for planned in plan]


def findings(root: Path) -> list[tuple[str, str, int]]:
    run = check_paths([], root / "mkdocs.yml", today=dt.date.fromisoformat(TODAY))
    return [(d.rule, Path(d.path).name, d.line) for d in run.diagnostics]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_init_writes_a_complete_handbook(tmp_path: Path) -> None:
    written = init(tmp_path)
    assert written == [
        "mkdocs.yml", "docs/index.md", "docs/severity.md", "docs/contacts.md",
        "runbooks/example/example-health-check-failing.md",
        ".github/workflows/handbook-checks.yml", ".github/workflows/handbook-publish.yml",
        ".pre-commit-config.yaml", "HANDBOOK.md",
    ]
    config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text())
    assert config["theme"]["name"] == "material" and config["theme"]["font"] is False
    assert config["plugins"][:2] == ["search", "offline"]
    assert "opsbook" in config["plugins"][2]
    assert "opsbook check" in (tmp_path / "HANDBOOK.md").read_text()


def test_a_fresh_handbook_fails_only_on_the_contacts_to_fill(tmp_path: Path) -> None:
    init(tmp_path)
    found = findings(tmp_path)
    assert found and {(rule, name) for rule, name, _ in found} == {("OB101", "contacts.md")}
    run = check_paths([], tmp_path / "mkdocs.yml", today=dt.date.fromisoformat(TODAY))
    assert all("contact template must be filled in" in d.message for d in run.diagnostics)


def test_filled_in_the_handbook_passes(tmp_path: Path) -> None:
    init(tmp_path)
    fill_contacts(tmp_path / "docs" / "contacts.md")
    assert findings(tmp_path) == []


def test_levels_and_team_name_shape_the_matrix_and_contacts(tmp_path: Path) -> None:
    options = InitOptions(today=OPTIONS.today, team_name="Web Shop",
                          levels=parse_levels("P0,P1,P2,P3"), timezone="Europe/Berlin")
    init(tmp_path, options)
    matrix = yaml.safe_load((tmp_path / "docs/severity.md").read_text().split("---")[1])
    assert [level["id"] for level in matrix["levels"]] == ["P0", "P1", "P2", "P3"]
    contacts = yaml.safe_load((tmp_path / "docs/contacts.md").read_text().split("---")[1])
    assert contacts["teams"][0]["id"] == "web-shop"
    assert {person["timezone"] for person in contacts["people"]} == {"Europe/Berlin"}
    fill_contacts(tmp_path / "docs" / "contacts.md")
    assert findings(tmp_path) == []


@pytest.mark.parametrize("value", ["", "P0,P0", "1,2", ",".join(f"L{n}" for n in range(9))])
def test_bad_levels_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="--levels"):
        parse_levels(value)


def test_a_bad_time_zone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="IANA"):
        plan_init(tmp_path, InitOptions(today=OPTIONS.today, timezone="Mars/Olympus"))
    assert list(tmp_path.iterdir()) == []


def test_a_second_init_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    init(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(Refused, match="already uses the opsbook plugin"):
        plan_init(tmp_path, OPTIONS)
    assert snapshot(tmp_path) == before


def test_an_existing_file_is_refused_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "HANDBOOK.md").write_text("ours\n")
    with pytest.raises(Refused, match=r"HANDBOOK\.md.*--force HANDBOOK\.md"):
        plan_init(tmp_path, OPTIONS)
    assert snapshot(tmp_path) == {"HANDBOOK.md": b"ours\n"}
    init(tmp_path, InitOptions(today=OPTIONS.today, force=("HANDBOOK.md",)))
    assert "What to do next" in (tmp_path / "HANDBOOK.md").read_text()


def test_beside_a_hand_written_mkdocs_yml_only_the_plugin_line_is_added(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Web team\n")
    (tmp_path / "mkdocs.yml").write_text(HAND_WRITTEN_MKDOCS)
    written = init(tmp_path)
    assert "docs/index.md" not in written
    after = (tmp_path / "mkdocs.yml").read_text()
    added = [line for line in after.splitlines() if line not in HAND_WRITTEN_MKDOCS.splitlines()]
    assert added == ["  - opsbook"]
    assert after.replace("  - opsbook\n", "") == HAND_WRITTEN_MKDOCS
    assert (tmp_path / "docs" / "index.md").read_text() == "# Web team\n"
    fill_contacts(tmp_path / "docs" / "contacts.md")
    assert findings(tmp_path) == []


@pytest.mark.parametrize(("before", "after"), [
    ("site_name: x\n", "site_name: x\n\n# The on-call handbook checks (added by `opsbook init`)."
     "\nplugins:\n  - search\n  - opsbook\n"),
    ("site_name: x\nplugins: [search]\n", "site_name: x\nplugins: [search, opsbook]\n"),
    ("site_name: x\nplugins: []\n", "site_name: x\nplugins: [opsbook]\n"),
    ("plugins:\n    - search   # keep\n# next\nnav: []\n",
     "plugins:\n    - search   # keep\n    - opsbook\n# next\nnav: []\n"),
    ("plugins:\n  search: {}\n  tags:\n    x: 1\n\n# after\ntheme: material\n",
     "plugins:\n  search: {}\n  tags:\n    x: 1\n  opsbook: {}\n\n# after\ntheme: material\n"),
    ("site_name: x\r\nplugins:\r\n  - search\r\n", "site_name: x\r\nplugins:\r\n  - search\r\n"
     "  - opsbook\r\n"),
    ("extra: !ENV [HOME]\nplugins:\n- search\n", "extra: !ENV [HOME]\nplugins:\n- search\n"
     "- opsbook\n"),
])
def test_the_plugin_is_added_by_insertion_only(before: str, after: str) -> None:
    assert add_plugin(before) == after
    assert site_facts(after, "mkdocs.yml").has_opsbook


def test_a_config_that_is_not_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(ConfigError, match=r"mkdocs\.yml:2: not valid YAML \(found character"):
        add_plugin("site_name: x\n\tplugins: [search]\n")


def test_properdocs_yml_is_edited_like_mkdocs_yml(tmp_path: Path) -> None:
    (tmp_path / "properdocs.yml").write_text("site_name: x\ndocs_dir: pages\n")
    written = init(tmp_path)
    assert written[0] == "properdocs.yml" and "pages/contacts.md" in written
    assert (tmp_path / "properdocs.yml").read_text().endswith("  - opsbook\n")


def test_new_runbook_after_init_passes_the_checks(tmp_path: Path) -> None:
    from opsbook.scaffold import scaffold_runbook

    init(tmp_path)
    fill_contacts(tmp_path / "docs" / "contacts.md")
    path = scaffold_runbook(tmp_path / "mkdocs.yml", "api-down", today=OPTIONS.today)
    assert path == tmp_path / "runbooks" / "api" / "api-down.md"
    assert "last_reviewed: 2026-11-25" in path.read_text()
    assert findings(tmp_path) == []


@pytest.mark.parametrize(("remove", "message"), [
    ("docs/severity.md", "no severity matrix"),
    ("docs/contacts.md", "no team to own the runbook"),
])
def test_new_runbook_says_what_the_handbook_lacks(tmp_path: Path, remove: str,
                                                  message: str) -> None:
    from opsbook.scaffold import scaffold_runbook

    init(tmp_path)
    (tmp_path / remove).unlink()
    with pytest.raises(ConfigError, match=message):
        scaffold_runbook(tmp_path / "mkdocs.yml", "api-down", today=OPTIONS.today)
    assert not (tmp_path / "runbooks" / "api").exists()


@pytest.mark.parametrize(("record", "expected"), [
    # Installed from git: the same repository at the same commit.
    ('{"url": "https://git.example.com/ops/opsbook.git", "vcs_info": {"vcs": "git", '
     '"commit_id": "0123abc", "requested_revision": "main"}}',
     "opsbook @ git+https://git.example.com/ops/opsbook.git@0123abc"),
    # From a wheel on a web server: that wheel.
    ('{"url": "https://files.example.com/opsbook-0.1.0-py3-none-any.whl", '
     '"archive_info": {"hashes": {}}}',
     "opsbook @ https://files.example.com/opsbook-0.1.0-py3-none-any.whl"),
    # From a local checkout (editable) or wheel: a path CI cannot reach, so the release.
    ('{"url": "file:///home/me/opsbook", "dir_info": {"editable": true}}', None),
    # From an index (no record), or a record that is not what PEP 610 says.
    (None, None), ("not json", None), ('["a list"]', None),
])
def test_the_workflows_install_this_opsbook_as_ci_can_fetch_it(
        record: str | None, expected: str | None) -> None:
    assert default_install_spec(record or "") == (expected or f"opsbook=={__version__}")
