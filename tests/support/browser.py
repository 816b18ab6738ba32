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

from tests.support.env import missing

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
        missing("chromium", "`make system-deps` installs it (or set OPSBOOK_CHROMIUM)")
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
