"""Checks run beside the rendering of a `mkdocs build`: same findings, same failures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import copy_handbook

from opsbook.checks import run_checks
from opsbook.diagnostics import Diagnostic
from opsbook.model.project import Project
from opsbook.site.background import PendingChecks, can_fork
from opsbook.workspace import load_site

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")


@pytest.fixture
def broken(tmp_path: Path) -> Project:
    project = copy_handbook(tmp_path / "handbook")
    contacts = project / "docs" / "contacts.md"
    contacts.write_text(
        contacts.read_text(encoding="utf-8").replace('phone: "+1 202-555-0143"',
                                                     'phone: "+1-XXX-XXX-XXXX"'),
        encoding="utf-8",
    )
    return load_site(project / "mkdocs.yml")


@needs_fork
def test_background_findings_equal_in_process_findings(broken: Project) -> None:
    assert can_fork()
    pending = PendingChecks(run_checks, broken, background=True)
    assert pending.pending
    found = pending.result()
    assert not pending.pending
    assert found == run_checks(broken)
    assert any(d.rule == "OB101" and d.path.endswith("docs/contacts.md") for d in found)
    assert pending.result() is found  # collected once


def _worker_pid(_project: Project) -> list[Diagnostic]:
    # Runs in the worker: report where it ran through a finding's message.
    from opsbook.diagnostics import Level

    return [Diagnostic("x.md", 1, 1, "OB999", Level.WARNING, str(os.getpid()), "")]


@needs_fork
def test_the_checks_really_run_in_another_process(broken: Project) -> None:
    found = PendingChecks(_worker_pid, broken, background=True).result()
    assert found[0].message != str(os.getpid())


def _crash(_project: Project) -> list[Diagnostic]:
    if os.environ.get("OPSBOOK_TEST_PARENT") != str(os.getpid()):
        raise RuntimeError("worker failed")
    return []


@needs_fork
def test_a_failing_worker_falls_back_to_checking_in_process(broken: Project,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("OPSBOOK_TEST_PARENT", str(os.getpid()))
    assert PendingChecks(_crash, broken, background=True).result() == []


def test_in_process_when_not_in_the_background(broken: Project) -> None:
    pending = PendingChecks(run_checks, broken, background=False)
    assert not pending.pending
    assert pending.result() == run_checks(broken)


@needs_fork
def test_cancel_reaps_the_worker(broken: Project) -> None:
    pending = PendingChecks(run_checks, broken, background=True)
    process = pending._process
    pending.cancel()
    assert process is not None and not process.is_alive()
