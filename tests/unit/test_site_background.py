"""Work done beside the rendering of a `mkdocs build`: same results, same failures."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest

from opsbook.checks import run_checks
from opsbook.model.project import Project
from opsbook.run import load_site
from opsbook.site.background import Background, can_fork
from tests.support.repo import copy_handbook

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
    work = Background(partial(run_checks, broken), background=True)
    assert work.pending
    found = work.result()
    assert not work.pending
    assert found == run_checks(broken)
    assert any(d.rule == "OB101" and d.path.endswith("docs/contacts.md") for d in found)
    assert work.result() is found  # collected once


@needs_fork
def test_the_work_really_runs_in_another_process() -> None:
    assert Background(os.getpid, background=True).result() != os.getpid()
    assert Background(os.getpid, background=False).result() == os.getpid()


def _fails_in_the_worker(parent: int) -> str:
    if os.getpid() != parent:
        raise RuntimeError("worker failed")
    return "done here"


@needs_fork
def test_a_failing_worker_falls_back_to_working_in_process() -> None:
    work = Background(partial(_fails_in_the_worker, os.getpid()), background=True)
    assert work.result() == "done here"


def test_in_process_when_not_in_the_background(broken: Project) -> None:
    work = Background(partial(run_checks, broken), background=False)
    assert not work.pending
    assert work.result() == run_checks(broken)


@needs_fork
def test_cancel_reaps_the_worker() -> None:
    work = Background(partial(sum, range(10**8)), background=True)
    process = work._process
    work.cancel()
    assert process is not None and not process.is_alive()
