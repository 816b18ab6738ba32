"""`mkdocs serve --dirty`: after an edit, only affected pages are rendered again, and the site
then is what a full build of the edited handbook makes: every page byte for byte, and the
search index entry for entry.

The serve session is driven the way `mkdocs serve` drives it (one plugin instance, `serve`
command, one dirty build per change, in process); the full builds are the real CLI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.repo import copy_handbook
from tests.support.sitebuild import mkdocs_build

RUNBOOK = "runbooks/platform/platform-ingress-5xx-spike.md"
# The offline plugin makes file-style URLs: one .html file per page.
RUNBOOK_PAGE = "runbooks/platform/platform-ingress-5xx-spike.html"
OLD_PHONE, NEW_PHONE = "+1 202-555-0143", "+1 202-555-0199"


def dirty_build(root: Path, site: Path) -> Any:
    """One build of a `serve --dirty` session; its opsbook plugin instance."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site))
    # MkDocs keeps plugin instances between the builds of one `serve` (and this process).
    config.plugins.on_startup(command="serve", dirty=True)
    build(config, dirty=True)
    return config.plugins["opsbook"]


def assert_findings_of_a_full_check(plugin: Any, root: Path) -> None:
    """What the serve session reported is what checking the whole handbook now finds."""
    from opsbook.run import check_project, load_configured

    full = check_project(load_configured(plugin.opsbook, base=root))
    assert plugin.diagnostics == [*full, *plugin.left_out]


def pages(site: Path) -> dict[str, bytes]:
    return {str(path.relative_to(site)): path.read_bytes() for path in site.rglob("*.html")}


def search_entries(site: Path) -> list[str]:
    data = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return sorted(json.dumps(entry, sort_keys=True) for entry in data["docs"])


def touch_after(path: Path, site: Path) -> None:
    """Make ``path`` newer than every file of ``site``, as a save after the build would."""
    newest = max(entry.stat().st_mtime_ns for entry in site.rglob("*") if entry.is_file())
    os.utime(path, ns=(newest + 1_000_000_000, newest + 1_000_000_000))


def runbook_pages(root: Path) -> set[str]:
    return {f"runbooks/{path.relative_to(root / 'runbooks').with_suffix('.html').as_posix()}"
            for path in (root / "runbooks").rglob("*.md")}


def written(site: Path) -> dict[str, int]:
    return {name: (site / name).stat().st_mtime_ns for name in pages(site)}


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path]:
    root = copy_handbook(tmp_path / "handbook")
    site = tmp_path / "served"
    dirty_build(root, site)
    return root, site


def assert_same_as_full_build(root: Path, site: Path, tmp_path: Path,
                              search: bool = True) -> None:
    """``search``: also the search index (Material's search keeps its index across the serve
    sessions of one process: a test run after one that added a page cannot compare it)."""
    full = mkdocs_build(root, site=tmp_path / "full")
    assert full.returncode == 0, full.output
    served, built = pages(site), pages(full.site)
    assert set(served) == set(built)
    different = sorted(name for name in built if served[name] != built[name])
    assert different == []
    if search:
        assert search_entries(site) == search_entries(full.site)


def test_runbook_edit_renders_that_page_and_the_indexes(served: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    root, site = served
    before = written(site)
    runbook = root / RUNBOOK
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("## Diagnosis", "## Diagnosis\n\nLook at the edge proxy "
                                    "dashboards first.\n", 1).replace("severity: SEV2",
                                                                       "severity: SEV1", 1),
                       encoding="utf-8")
    touch_after(runbook, site)
    plugin = dirty_build(root, site)
    assert not plugin._live.whole  # the edited runbook checked again, not the whole site
    assert_findings_of_a_full_check(plugin, root)
    after = written(site)
    rendered = {name for name in after if after[name] != before.get(name)}
    assert RUNBOOK_PAGE in rendered
    assert any("by-severity" in name for name in rendered)
    assert rendered & runbook_pages(root) == {RUNBOOK_PAGE}  # no other runbook rendered again
    assert "edge proxy dashboards" in (site / RUNBOOK_PAGE).read_text(encoding="utf-8")
    assert_same_as_full_build(root, site, tmp_path)


def test_contact_edit_renders_the_cards_that_show_it(served: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    root, site = served
    showing = {name for name, html in pages(site).items()
               if name in runbook_pages(root) and OLD_PHONE.encode() in html}
    assert showing, "some runbook card shows this person"
    before = written(site)
    contacts = root / "docs" / "contacts.md"
    contacts.write_text(contacts.read_text(encoding="utf-8").replace(OLD_PHONE, NEW_PHONE),
                        encoding="utf-8")
    touch_after(contacts, site)
    plugin = dirty_build(root, site)
    assert_findings_of_a_full_check(plugin, root)
    after = written(site)
    rendered = {name for name in after if after[name] != before.get(name)}
    assert showing <= rendered
    assert runbook_pages(root) - rendered, "runbooks not showing the contact are left alone"
    assert_same_as_full_build(root, site, tmp_path)


def test_new_runbook_renders_everything_again(served: tuple[Path, Path], tmp_path: Path) -> None:
    """A new page changes the navigation (services, indexes) that every page carries."""
    root, site = served
    source = root / RUNBOOK
    text = source.read_text(encoding="utf-8")
    added = source.with_name("platform-ingress-5xx-copy.md")
    added.write_text(text.replace("id: platform-ingress-5xx-spike", "id: platform-ingress-copy")
                     .replace("title: Ingress returning", "title: Edge ingress returning", 1)
                     .replace("alerts: [IngressHigh5xxRate, IngressControllerPodsNotReady]",
                              "alerts: [EdgeIngressHigh5xxRate]", 1)
                     .replace("service: platform", "service: edge", 1), encoding="utf-8")
    touch_after(added, site)
    dirty_build(root, site)
    assert "runbooks/platform/platform-ingress-5xx-copy.html" in pages(site)
    assert_same_as_full_build(root, site, tmp_path)


def test_rule_file_edit_shows_in_the_alert_index(served: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    """The rule files a serve session parsed are kept while their bytes stay the same: an edit
    to one (a runbook edit first, which keeps them) still reaches the alert index."""
    root, site = served
    runbook = root / RUNBOOK
    runbook.write_text(runbook.read_text(encoding="utf-8").replace(
        "## Diagnosis", "## Diagnosis\n\nStart at the load balancer.\n", 1), encoding="utf-8")
    touch_after(runbook, site)
    dirty_build(root, site)
    rules = root / "alerts" / "larkspur.rules.yml"
    text = rules.read_text(encoding="utf-8")
    assert "> 0.05" in text
    rules.write_text(text.replace("> 0.05", "> 0.07", 1), encoding="utf-8")
    touch_after(rules, site)
    dirty_build(root, site)
    index = (site / "alerts" / "index.html").read_text(encoding="utf-8")
    assert "&gt; 0.07" in index or "> 0.07" in index
    # The alert index is what a full build makes (the whole site is compared by the tests
    # above; Material's search keeps its index across the sessions of one process, so this
    # one, run after them, compares the page it is about).
    full = mkdocs_build(root, site=tmp_path / "full")
    assert full.returncode == 0, full.output
    assert pages(site)["alerts/index.html"] == pages(full.site)["alerts/index.html"]


def test_findings_under_serve_are_those_of_a_full_check(served: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    """A save re-checks what it can change (an edited runbook alone; everything after a contact
    sheet edit, which every runbook's owner is read against): the findings are a whole-site
    check's each time, and the site a full build's."""
    root, site = served
    runbook = root / RUNBOOK
    original = runbook.read_text(encoding="utf-8")
    runbook.write_text(original.replace("## Symptoms", "## Symptoms\n\n- Primary: [Name]", 1),
                       encoding="utf-8")
    touch_after(runbook, site)
    plugin = dirty_build(root, site)
    assert not plugin._live.whole
    assert {d.path for d in plugin.diagnostics} == {RUNBOOK}
    assert_findings_of_a_full_check(plugin, root)
    contacts = root / "docs" / "contacts.md"
    text = contacts.read_text(encoding="utf-8")
    for edited in (text.replace("  - id: platform\n", "  - id: platform-eng\n", 1), text):
        contacts.write_text(edited, encoding="utf-8")
        touch_after(contacts, site)
        plugin = dirty_build(root, site)
        assert plugin._live.whole
        assert_findings_of_a_full_check(plugin, root)
        owned = {d.path for d in plugin.diagnostics if d.rule == "OB303"}
        assert (RUNBOOK in owned) is (edited != text)
    runbook.write_text(original, encoding="utf-8")  # an error fails the full build below
    touch_after(runbook, site)
    plugin = dirty_build(root, site)
    assert not plugin._live.whole
    assert plugin.diagnostics == []
    assert_findings_of_a_full_check(plugin, root)
    assert_same_as_full_build(root, site, tmp_path, search=False)


def test_a_ladder_moved_into_a_runbook_body_moves_the_cards_links(served: tuple[Path, Path],
                                                                  tmp_path: Path) -> None:
    """Under serve the generated pages and cards are kept while what they are rendered from
    is unchanged, which a runbook's body is not part of, but for the macros that decide where
    a team's ladder lives: the cards then link the ladder on the runbook's page."""
    root, site = served
    runbook = root / RUNBOOK
    runbook.write_text(runbook.read_text(encoding="utf-8").replace(
        "## Diagnosis", "## Diagnosis\n\nBody text only.\n", 1), encoding="utf-8")
    touch_after(runbook, site)
    dirty_build(root, site)
    contacts = root / "docs" / "contacts.md"
    ladder = '{{ escalation_ladder("platform") }}'
    contacts.write_text(contacts.read_text(encoding="utf-8").replace(ladder, ""),
                        encoding="utf-8")
    touch_after(contacts, site)
    dirty_build(root, site)
    runbook.write_text(runbook.read_text(encoding="utf-8").replace(
        "## Escalation", f"## Escalation\n\n{ladder}\n", 1), encoding="utf-8")
    touch_after(runbook, site)
    dirty_build(root, site)
    other = (site / "runbooks" / "platform" / "platform-node-pressure.html").read_text(
        encoding="utf-8")
    assert "platform-ingress-5xx-spike.html#" in other
    assert_same_as_full_build(root, site, tmp_path, search=False)


def test_an_edited_theme_template_is_compiled_again(tmp_path: Path) -> None:
    """Under serve the theme's templates are compiled once, and again when one is edited."""
    root = copy_handbook(tmp_path / "handbook")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  name: material\n", "  name: material\n  custom_dir: overrides\n", 1), encoding="utf-8")
    template = root / "overrides" / "main.html"
    template.parent.mkdir()
    site = tmp_path / "served"
    for marker in ("Footer mark one", "Footer mark two"):
        template.write_text('{% extends "base.html" %}\n{% block footer %}' + marker
                            + "{{ super() }}{% endblock %}\n", encoding="utf-8")
        runbook = root / RUNBOOK
        runbook.write_text(runbook.read_text(encoding="utf-8") + f"\n{marker}.\n",
                           encoding="utf-8")
        if site.exists():
            touch_after(runbook, site)
        dirty_build(root, site)
        assert marker in (site / "404.html").read_text(encoding="utf-8")
        assert marker in (site / RUNBOOK_PAGE).read_text(encoding="utf-8")
