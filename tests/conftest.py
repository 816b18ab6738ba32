"""Shared fixtures: the repository root and a scratch copy of the reference handbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.repo import REPO_ROOT, copy_handbook


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    """A writable copy of the reference handbook."""
    return copy_handbook(tmp_path / "handbook")


# Hypothesis: `make test` runs a small profile; `make fuzz` sets OPSBOOK_HYPOTHESIS_PROFILE=fuzz,
# 3,000 cases per property test (12,060 in tests/unit/test_fuzz.py).
# No deadline: two cores are shared and a slow case is not a failing one. Under CI the small
# profile is derandomized (a merge gate must not fail on a case no change of the PR caused).
def _hypothesis_profiles() -> None:
    import os

    from hypothesis import HealthCheck, settings

    if os.environ.get("CI"):
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
