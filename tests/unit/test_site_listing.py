"""The site's files listed in one pass (site_listing, for the warm check cache) are the files
site_files has always listed: os.walk without following links, hidden entries skipped, links
that leave the project added."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsbook.load.confine import escaping_links, outside_target
from opsbook.model.project import iter_markdown_files, site_files, site_listing
from opsbook.settings import OpsbookConfig

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the one-pass listing is POSIX's")


def _walked(config: OpsbookConfig) -> list[Path]:
    """site_files as it was written before the one-pass listing."""
    files: list[Path] = []
    for directory in (config.docs_dir, config.runbooks_dir):
        if directory.is_symlink() and outside_target(directory, config.root) is not None:
            files.append(directory)
        elif directory.is_dir():
            files.extend(iter_markdown_files(directory))
            files.extend(escaping_links(directory, config.root))
    return sorted(dict.fromkeys(files), key=lambda path: path.parts)


def _tree(root: Path, outside: Path) -> None:
    for name in ("docs/index.md", "docs/a-b.md", "docs/a/b.md", "docs/a/b/c.markdown",
                 "docs/.hidden/x.md", "docs/.x.md", "docs/notes.txt", "docs/z/é.md",
                 "runbooks/db/failover.md", "runbooks/db-x/one.md", "runbooks/a.md",
                 "runbooks/deep/er/still/deeper.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("# x\n", encoding="utf-8")
    (outside / "far").mkdir(parents=True)
    (outside / "far.md").write_text("# far\n", encoding="utf-8")
    (root / "docs" / "in-link.md").symlink_to(root / "docs" / "index.md")
    (root / "docs" / "out-link.md").symlink_to(outside / "far.md")
    (root / "docs" / "out-folder").symlink_to(outside / "far")
    (root / "docs" / "in-folder.md").symlink_to(root / "runbooks" / "db")
    (root / "runbooks" / "broken.md").symlink_to(root / "nowhere.md")
    (root / "runbooks" / ".hidden-out.md").symlink_to(outside / "far.md")


def test_the_listing_is_site_files(tmp_path: Path) -> None:
    root = tmp_path / "handbook"
    _tree(root, tmp_path / "outside")
    config = OpsbookConfig(root=root, docs_dir=root / "docs", runbooks_dir=root / "runbooks")
    listing = site_listing(config)
    assert listing.names == [str(path) for path in _walked(config)]
    assert site_files(config) == _walked(config)
    assert listing.links
    assert {folder for folder, _ctime, _inode in listing.folders} >= {
        str(root), str(root / "docs"), str(root / "docs" / "a" / "b"), str(root / "runbooks")}
    assert str(root / "docs" / ".hidden") not in {f for f, _c, _i in listing.folders}


def test_a_listing_without_links_and_missing_folders(tmp_path: Path) -> None:
    root = tmp_path / "handbook"
    (root / "docs" / "x").mkdir(parents=True)
    (root / "docs" / "x" / "a.md").write_text("# a\n", encoding="utf-8")
    config = OpsbookConfig(root=root, docs_dir=root / "docs", runbooks_dir=root / "runbooks")
    listing = site_listing(config)
    assert listing.names == [str(root / "docs" / "x" / "a.md")] == [
        str(path) for path in _walked(config)]
    assert not listing.links
    # The folder that is not there is watched through its parent.
    assert str(root) in {folder for folder, _ctime, _inode in listing.folders}
