"""PDF throughput on a larger handbook: the reference plus N generated runbooks.

A benchmark, not a timed test: it asserts that everything was printed and records the
numbers in ``bench-<N>.json`` among the test artifacts (``OPSBOOK_TEST_ARTIFACTS``). The
default run uses a few runbooks; set ``OPSBOOK_PDF_BENCH_RUNBOOKS=200`` for a measurement.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from opsbook.pdf.engine import available_cores
from opsbook.pdf.printing import HANDBOOK_JOB, plan_print, print_plan
from opsbook.pdf.site import build_site, settings_for
from opsbook.run import load_site
from tests.support.repo import copy_handbook

RUNBOOKS = int(os.environ.get("OPSBOOK_PDF_BENCH_RUNBOOKS", "6"))


def generate_runbooks(root: Path, count: int) -> list[str]:
    """Copies of the reference runbooks under new ids, titles and alert names, so the
    handbook stays clean (no duplicate ids or alerts) and each copy prints like a real one."""
    sources = sorted((root / "runbooks").rglob("*.md"))
    ids = []
    for index in range(count):
        source = sources[index % len(sources)]
        text = source.read_text(encoding="utf-8")
        suffix = f"g{index:04d}"
        text = re.sub(r"^id: (.+)$", rf"id: \1-{suffix}", text, count=1, flags=re.M)
        text = re.sub(r"^title: (.+)$", rf"title: \1 (copy {index})", text, count=1, flags=re.M)
        alerts = re.search(r"^alerts: \[(.*)\]$", text, flags=re.M)
        if alerts:
            renamed = ", ".join(f"{alert.strip()}G{index:04d}"
                                for alert in alerts.group(1).split(",") if alert.strip())
            text = text.replace(alerts.group(0), f"alerts: [{renamed}]", 1)
        new_id = re.search(r"^id: (.+)$", text, flags=re.M)
        assert new_id is not None
        ids.append(new_id.group(1))
        target = source.parent / f"{source.stem}-{suffix}.md"
        target.write_text(text, encoding="utf-8")
    return ids


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
def test_generated_runbooks_print(tmp_path: Path, artifacts: Path) -> None:
    root = copy_handbook(tmp_path / "handbook")
    generated = generate_runbooks(root, RUNBOOKS)
    config_file = root / "mkdocs.yml"
    project = load_site(config_file)
    assert {runbook.id for runbook in project.runbooks} >= set(generated)

    from opsbook.checks import run_checks
    from opsbook.diagnostics import Level

    errors = [d for d in run_checks(project) if d.level is Level.ERROR]
    assert errors == []  # the copies are valid runbooks: nothing is refused

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        build = build_site(config_file, Path(scratch) / "site")
        built = time.perf_counter()
        settings = settings_for(project, build.mkdocs_config, build.options,
                                today=dt.date(2026, 11, 20))
        output = tmp_path / "pdf"
        plan = plan_print(project, build.site, settings, output)
        workers = available_cores()
        cpu_before = os.times()
        laid_out: list[float] = []
        run = print_plan(plan, workers, on_done=lambda result: laid_out.append(result.cpu_seconds))
        cpu_after = os.times()
    finished = time.perf_counter()

    assert run.failures == []
    assert len(run.results) == len(project.runbooks) + 1
    handbook = run.result(HANDBOOK_JOB)
    assert handbook is not None and handbook.pages > len(project.runbooks)
    runbook_results = [r for r in run.results if r.name != HANDBOOK_JOB]
    assert {r.name for r in runbook_results} == {runbook.id for runbook in project.runbooks}
    # Each copy is printed as itself: its own title on its own PDF's first page, and in the
    # handbook.
    titles = {runbook.id: squash(runbook.title) for runbook in project.runbooks}
    handbook_text = squash(" ".join(page.extract_text() or ""
                                    for page in PdfReader(handbook.output).pages))
    for result in runbook_results:
        first_page = squash(PdfReader(result.output).pages[0].extract_text() or "")
        assert titles[result.name] in first_page, result.name
        assert titles[result.name] in handbook_text, result.name

    runbook_pages = sum(r.pages for r in runbook_results)
    numbers = {
        "generated_runbooks": RUNBOOKS,
        "runbooks": len(project.runbooks),
        "workers": workers,
        "site_build_seconds": round(built - started, 2),
        "print_seconds": round(run.seconds, 2),
        "total_seconds": round(finished - started, 2),
        "handbook_pages": handbook.pages,
        "runbook_pages": runbook_pages,
        "pages_per_second": round((handbook.pages + runbook_pages) / run.seconds, 1),
        # The machine may be shared: CPU seconds say what the work costs, and what it would
        # take on idle cores (every document and part of the handbook laid out in parallel).
        "layout_cpu_seconds": round(sum(laid_out), 2),
        "projected_idle_print_seconds": round(sum(laid_out) / workers, 1),
        "worker_cpu_seconds": round(
            (cpu_after.children_user + cpu_after.children_system)
            - (cpu_before.children_user + cpu_before.children_system), 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    (artifacts / f"bench-{RUNBOOKS}.json").write_text(json.dumps(numbers, indent=2) + "\n",
                                                      encoding="utf-8")
    print(json.dumps(numbers))
