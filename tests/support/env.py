"""What the tests may assume about the machine: one definition of "running in CI".

Under CI (``CI=true``, as GitHub Actions and `.ci/run` set it) every test must run: a missing
browser or tool is a failure there, never a skip. On a laptop such a test may skip, saying what
to install.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True under CI: ``CI=true`` in the environment."""
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str, install: str) -> NoReturn:
    """Skip the calling test on a laptop; fail it under CI, where nothing may be missing."""
    if in_ci():
        pytest.fail(f"{what} is missing under CI=true ({install})")
    pytest.skip(f"{what} is missing; {install} (under CI=true this test fails instead)")
