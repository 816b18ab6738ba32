"""Where the repository under test is, and scratch copies of its reference handbook."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout under test (never written by a test: copy what you need to change)."""

DATA = Path(__file__).resolve().parent / "data"
"""Files the tests read that are not part of the project (e.g. the SARIF schema)."""

HANDBOOK_PARTS = ("mkdocs.yml", "docs", "runbooks", "alerts")


def copy_handbook(target: Path) -> Path:
    """Copy the reference handbook (config, pages, runbooks) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in HANDBOOK_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    overrides = REPO_ROOT / "overrides"
    if overrides.is_dir():
        shutil.copytree(overrides, target / "overrides")
    return target
