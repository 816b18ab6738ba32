"""Shared fixtures: the repository root, scratch copies of the reference handbook, the
reference site built once, where artifacts go; and the Hypothesis profiles."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.env import in_ci
from tests.support.repo import REPO_ROOT, copy_handbook

if TYPE_CHECKING:
    from tests.support.engines import SiteEngine

FIXED_TODAY = "2026-06-01"
"""The date every check, build and print in the tests runs on unless a test passes its own."""


@pytest.fixture(scope="session", autouse=True)
def fixed_today() -> Iterator[str]:
    """OPSBOOK_TODAY for the whole session, so `opsbook check`, the MkDocs plugin and
    `opsbook pdf` (also in child processes, which inherit it) never read the wall clock: the
    suite gives the same result on any day."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPSBOOK_TODAY", FIXED_TODAY)
        yield FIXED_TODAY


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests leave files for a person to look at (screenshots, page images, timings):
    the directory named by OPSBOOK_TEST_ARTIFACTS (CI may keep it), else a temporary one.
    Never the clone: tests write only to temporary directories."""
    given = os.environ.get("OPSBOOK_TEST_ARTIFACTS")
    path = Path(given) if given else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    """A writable copy of the reference handbook."""
    return copy_handbook(tmp_path / "handbook")


# Hypothesis: `make test` runs a small profile; `make fuzz` sets OPSBOOK_HYPOTHESIS_PROFILE=fuzz,
# 3,000 cases per property test (12,060 in tests/unit/test_fuzz.py).
# No deadline: two cores are shared and a slow case is not a failing one. Under CI the small
# profile is derandomized (a merge gate must not fail on a case no change of the PR caused).
# Hypothesis keeps its example database and caches in the system's temporary directory, not in
# `.hypothesis/` of the clone; a failing example found on a laptop is still replayed next run.
def _hypothesis_profiles() -> None:
    from hypothesis import HealthCheck, settings

    storage = Path(tempfile.gettempdir()) / f"opsbook-hypothesis-{os.getuid()}"
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(storage))
    if in_ci():
        settings.register_profile("small", max_examples=30, deadline=None, print_blob=True,
                                  derandomize=True, database=None)
    else:
        settings.register_profile("small", max_examples=30, deadline=None, print_blob=True)
    settings.register_profile(
        "fuzz", max_examples=3_000, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.load_profile(os.environ.get("OPSBOOK_HYPOTHESIS_PROFILE", "small"))


_hypothesis_profiles()


@pytest.fixture(scope="session")
def reference_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference handbook built once per session with the real `mkdocs build`; returns the
    site directory (a copy of the handbook is built, the repository is never written)."""
    from tests.support.sitebuild import mkdocs_build

    project = copy_handbook(tmp_path_factory.mktemp("reference") / "handbook")
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    return build.site


@pytest.fixture(scope="session")
def site_engine(tmp_path_factory: pytest.TempPathFactory) -> SiteEngine:
    """The site engine the end-to-end tests build with: MkDocs 1.x, or ProperDocs (alone, with
    no `mkdocs` module) when OPSBOOK_TEST_ENGINE=properdocs (see tests/support/engines.py)."""
    from tests.support.engines import site_engine_for_tests

    return site_engine_for_tests(tmp_path_factory.mktemp("engine"))
