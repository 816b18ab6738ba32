"""`mkdocs serve` on a copy of the reference handbook: pages are served, and an edited runbook
is re-checked on the rebuild without stopping the server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.repo import copy_handbook
from tests.support.sitebuild import RUNBOOK_PAGE, mkdocs_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


@pytest.mark.slow
def test_serve_rechecks_runbooks_on_change(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=project, env=mkdocs_env(), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/{RUNBOOK_PAGE}"
        wait_for(lambda: fetch(url)[0] == 200, 90, f"{url} to be served")
        status, html = fetch(url)
        assert status == 200
        assert "ob-runbook-header" in html and "tel:+442079460275" in html
        # The handbook is clean under serve too: the dev server's address (which `mkdocs
        # serve` puts in site_url) is not taken for the published one, against which the
        # alerts' runbook_url annotations are checked (OB706).
        first_build = log_path.read_text(encoding="utf-8")
        assert "OB706" not in first_build and "ERROR" not in first_build, first_build
        runbook = project / "runbooks/payments/payments-processor-errors.md"
        lines = runbook.read_text(encoding="utf-8").split("\n")
        escalation = lines.index("## Escalation")
        lines[escalation + 1: escalation + 1] = ["", "- Escalation contact: [Name]"]
        runbook.write_text("\n".join(lines), encoding="utf-8")
        finding = (f"runbooks/payments/payments-processor-errors.md:{escalation + 3}: OB110")
        wait_for(lambda: finding in log_path.read_text(encoding="utf-8"), 90,
                 "the rebuild to log the finding")
        # Serve keeps going: the preview still answers after the failed check.
        wait_for(lambda: fetch(url)[0] == 200, 30, "the page after the rebuild")
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log_path.read_text(encoding="utf-8")
