"""opsbook's marker on runbook pages, and `opsbook check --site DIR`: a site built by an engine
that skipped the plugin (MkDocs 2, Zensical, a `plugins:` list without opsbook) fails the check
even though its build was green."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.engines import SiteEngine
from tests.support.sitekit import MKDOCS_YML, make_site

TODAY = "2026-11-25"


@pytest.mark.slow
def test_check_site_passes_an_opsbook_build_and_fails_one_without_the_plugin(
    tmp_path: Path, site_engine: SiteEngine
) -> None:
    root = tmp_path / "handbook"
    make_site(root)
    built = site_engine.build(root, tmp_path / "site", "--strict")
    assert built.returncode == 0, built.stderr
    checked = site_engine.opsbook(root, "check", "--today", TODAY,
                                  "--site", str(tmp_path / "site"))
    assert checked.returncode == 0, checked.stderr

    # The same handbook built by an engine that skips the plugin: here MkDocs itself with
    # opsbook left out of `plugins:` (the runbooks are copied into docs/ so they are pages).
    bare = tmp_path / "bare"
    make_site(bare, {"mkdocs.yml": MKDOCS_YML.replace(
        "  - opsbook:\n      runbooks_dir: runbooks\n", ""),
        "docs/runbooks/api/api-down.md": (root / "runbooks/api/api-down.md").read_text()})
    built = site_engine.build(bare, tmp_path / "bare-site", "--strict")
    assert built.returncode == 0, built.stderr  # green: nothing checked it
    checked = site_engine.opsbook(root, "check", "--today", TODAY,
                                  "--site", str(tmp_path / "bare-site"), "--format", "github")
    assert checked.returncode == 1
    assert "api-down" in checked.stderr and "without opsbook" in checked.stderr
    assert "::error file=runbooks/api/api-down.md,title=opsbook site::" in checked.stdout
    assert "Traceback" not in checked.stderr


def test_check_site_needs_a_built_folder(tmp_path: Path, site_engine: SiteEngine) -> None:
    root = tmp_path / "handbook"
    make_site(root)
    checked = site_engine.opsbook(root, "check", "--today", TODAY,
                                  "--site", str(tmp_path / "nowhere"))
    assert checked.returncode == 2
    assert "no such folder" in checked.stderr
