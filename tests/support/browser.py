"""Headless Chromium for the site tests: the system browser driven by Playwright.

Playwright never downloads a browser here: it launches Debian's ``chromium`` through
``executable_path``. Without ``CI=true`` a machine with no Chromium skips the browser tests;
under CI they must run, so a missing browser is a failure there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
"""Screenshots kept after a run (gitignored)."""


def chromium_path() -> str | None:
    for candidate in (os.environ.get("OPSBOOK_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (`.ci/run` installs it with apt)")
        pytest.skip("chromium is not installed; the browser tests run under CI=true")
    return path


@contextmanager
def browser() -> Iterator[object]:
    """A launched headless Chromium (a ``playwright.sync_api.Browser``)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
