"""The reference handbook end to end: clean as shipped; one injected placeholder or one
changed severity cell is caught at the exact line by `opsbook check` and by
`mkdocs build --strict`. The site engine is MkDocs 1.x, or ProperDocs alone (from
properdocs.yml) with OPSBOOK_TEST_ENGINE=properdocs (`make engine-test`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.engines import SiteEngine


def opsbook(engine: SiteEngine, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return engine.opsbook(cwd, *args)


def mkdocs_build(
    engine: SiteEngine, cwd: Path, site_dir: Path
) -> subprocess.CompletedProcess[str]:
    """A strict build; a team on ProperDocs has renamed mkdocs.yml to properdocs.yml."""
    if engine.name == "properdocs" and (cwd / "mkdocs.yml").is_file():
        (cwd / "mkdocs.yml").rename(cwd / "properdocs.yml")
    return engine.build(cwd, site_dir, "--strict")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_reference_handbook_is_clean(repo_root: Path, site_engine: SiteEngine) -> None:
    result = opsbook(site_engine, repo_root, "check", "--today", "2026-11-25")
    assert result.returncode == 0, result.stdout
    assert "no findings" in result.stdout


def test_reference_handbook_has_the_promised_shape(repo_root: Path) -> None:
    from opsbook.run import load_site

    project = load_site(repo_root / "mkdocs.yml")
    assert project.matrix is not None and len(project.matrix.levels) == 4
    people = project.contacts.people
    assert len(people) >= 8
    assert len({p.timezone for p in people.values()}) >= 2
    assert len(project.contacts.teams) >= 3
    assert all(team.escalation for team in project.contacts.teams.values())
    assert len(project.contacts.vendors) >= 2
    assert len(project.runbooks) >= 8
    assert len({r.service for r in project.runbooks}) >= 3
    template_pages = [d for d in project.documents if d.kind == "template"]
    assert template_pages and "[Time]" in (template_pages[0].text or "")


@pytest.fixture
def injected(handbook: Path) -> tuple[Path, Path, int, Path, int]:
    contacts = handbook / "docs" / "contacts.md"
    text = contacts.read_text()
    phone = re.search(r'phone: "(\+1 202-555-01\d\d)"', text)
    assert phone
    phone_line = line_of(contacts, phone.group(1))
    contacts.write_text(text.replace(phone.group(1), "+1-XXX-XXX-XXXX", 1))
    oncall = handbook / "docs" / "oncall.md"
    table_line = line_of(oncall, "| SEV2 |")
    lines = oncall.read_text().splitlines(keepends=True)
    cells = lines[table_line - 1].split("|")
    cells[2] = " 45 minutes "  # the acknowledge column
    lines[table_line - 1] = "|".join(cells)
    oncall.write_text("".join(lines))
    return handbook, contacts, phone_line, oncall, table_line


def test_injections_are_caught_at_the_exact_line(
    injected: tuple[Path, Path, int, Path, int], site_engine: SiteEngine,
) -> None:
    root, _, phone_line, _, table_line = injected
    result = opsbook(site_engine, root, "check")
    assert result.returncode == 1
    assert re.search(rf"^docs/contacts\.md:{phone_line}:\d+: OB101 error: .*\+1-XXX-XXX-XXXX",
                     result.stdout, re.M), result.stdout
    assert re.search(rf"^docs/oncall\.md:{table_line}:\d+: OB204 error: SEV2 .*45 minutes.*15m",
                     result.stdout, re.M), result.stdout


@pytest.mark.slow
def test_mkdocs_build_strict_fails_with_the_same_message(
    injected: tuple[Path, Path, int, Path, int], tmp_path: Path, site_engine: SiteEngine,
) -> None:
    root, _, phone_line, _, table_line = injected
    result = mkdocs_build(site_engine, root, tmp_path / "site")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"docs/contacts.md:{phone_line}: OB101" in output
    assert f"docs/oncall.md:{table_line}: OB204" in output


@pytest.mark.slow
def test_reference_site_builds_strict(
    repo_root: Path, handbook: Path, tmp_path: Path, site_engine: SiteEngine
) -> None:
    result = mkdocs_build(site_engine, handbook, tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    # One page per runbook, below its service folder (`<id>.html` under the offline plugin).
    site_runbooks = tmp_path / "site" / "runbooks"
    runbook_pages = [page for page in site_runbooks.rglob("*.html")
                     if page.parent != site_runbooks]
    assert len(runbook_pages) >= len(list((repo_root / "runbooks").rglob("*.md")))
