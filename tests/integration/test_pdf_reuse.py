"""A second `opsbook pdf` into the same directory reprints only what changed, and what it
writes reads exactly like a cold run's: the text of every page (pypdf), the outline, the
links. The handbook is put together from parts, so this also holds its page numbers, contents
and alert index to a cold run after a runbook grew by pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from opsbook.cli import main
from opsbook.pdf.reuse import CACHE_DIR, MANIFEST
from tests.support.repo import copy_handbook

TODAY = dt.date(2026, 11, 20)
# The first runbook of the handbook (services and titles sort it first): every page number
# after it moves when it grows.
FIRST_RUNBOOK = "runbooks/bookings-api/bookings-api-high-error-rate.md"


def print_pdfs(root: Path, output: Path) -> str:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(["pdf", "--config", str(root / "mkdocs.yml"), "-o", str(output),
                     "--today", TODAY.isoformat()])
    assert code == 0, stderr.getvalue()
    return stderr.getvalue()


@dataclass(frozen=True)
class Reading:
    """Everything of a PDF that must not differ between a cold and a warm run."""

    pages: list[str]
    outline: list[tuple[int, str, int]]
    links: list[list[int | None]]  # per page: the page each internal link opens
    destinations: dict[str, int | None]


def read(path: Path) -> Reading:
    reader = PdfReader(path)
    outline: list[tuple[int, str, int]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                outline.append((depth, str(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    links = []
    for page in reader.pages:
        targets: list[int | None] = []
        for annotation in page.get("/Annots") or []:
            dest = annotation.get_object().get("/Dest")
            if dest is not None:
                targets.append(reader.get_page_number(dest[0].get_object()))
        links.append(targets)
    destinations = {name: reader.get_destination_page_number(dest)
                    for name, dest in reader.named_destinations.items()}
    return Reading([page.extract_text() for page in reader.pages], outline, links, destinations)


def read_all(output: Path) -> dict[str, Reading]:
    return {str(path.relative_to(output)): read(path) for path in sorted(output.rglob("*.pdf"))
            if CACHE_DIR not in path.parts}


def modified(output: Path) -> dict[str, int]:
    return {str(path.relative_to(output)): path.stat().st_mtime_ns
            for path in output.rglob("*.pdf") if CACHE_DIR not in path.parts}


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


@dataclass
class Runs:
    root: Path
    output: Path
    cold: dict[str, Reading]
    unchanged_stderr: str
    reprinted_after_unchanged: set[str]
    reprinted_after_edit: set[str]
    after_edit: dict[str, Reading]
    after_growth: dict[str, Reading]
    cold_after_growth: dict[str, Reading]
    after_corrupt_manifest: dict[str, Reading]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = copy_handbook(tmp_path_factory.mktemp("reuse") / "handbook")
    output = root.parent / "out"
    print_pdfs(root, output)
    cold = read_all(output)

    before = modified(output)
    unchanged_stderr = print_pdfs(root, output)
    reprinted_after_unchanged = changed(before, modified(output))

    runbook = root / FIRST_RUNBOOK
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("## Diagnosis", "## Diagnosis\n\nCheck the reprint marker "
                                    "first.\n", 1), encoding="utf-8")
    before = modified(output)
    print_pdfs(root, output)
    reprinted_after_edit = changed(before, modified(output))
    after_edit = read_all(output)

    # Three more pages: everything after this runbook moves, contents and index included.
    filler = "\n\n".join(f"Growth paragraph {n}: " + "a sentence that takes room. " * 30
                         for n in range(40))
    runbook.write_text(runbook.read_text(encoding="utf-8").replace(
        "## Mitigation", f"{filler}\n\n## Mitigation", 1), encoding="utf-8")
    print_pdfs(root, output)
    after_growth = read_all(output)

    fresh = root.parent / "fresh"
    print_pdfs(root, fresh)
    cold_after_growth = read_all(fresh)

    (output / CACHE_DIR / MANIFEST).write_text("{not json", encoding="utf-8")
    print_pdfs(root, output)
    return Runs(root, output, cold, unchanged_stderr, reprinted_after_unchanged,
                reprinted_after_edit, after_edit, after_growth, cold_after_growth,
                read_all(output))


def test_nothing_changed_nothing_reprinted(runs: Runs) -> None:
    assert runs.reprinted_after_unchanged == set()
    assert "0 printed" in runs.unchanged_stderr and "unchanged" in runs.unchanged_stderr


def test_one_runbook_changed_reprints_it_and_the_handbook(runs: Runs) -> None:
    runbook_pdf = "runbooks/bookings-api-high-error-rate.pdf"
    assert runs.reprinted_after_edit == {runbook_pdf, "handbook.pdf"}
    assert "reprint marker" in "".join(runs.after_edit[runbook_pdf].pages)
    assert "reprint marker" in "".join(runs.after_edit["handbook.pdf"].pages)
    assert "reprint marker" not in "".join(runs.cold["handbook.pdf"].pages)


def test_warm_run_reads_like_a_cold_run(runs: Runs) -> None:
    """After a runbook grew by pages, page by page, outline, links and destinations."""
    warm, cold = runs.after_growth, runs.cold_after_growth
    assert set(warm) == set(cold)
    assert len(warm["handbook.pdf"].pages) > len(runs.cold["handbook.pdf"].pages)
    for name in sorted(cold):
        assert warm[name].pages == cold[name].pages, name
        assert warm[name].outline == cold[name].outline, name
        assert warm[name].links == cold[name].links, name
        assert warm[name].destinations == cold[name].destinations, name


def test_page_numbers_follow_the_growth(runs: Runs) -> None:
    """Footers and the contents agree with where the outline says each runbook starts."""
    handbook = runs.after_growth["handbook.pdf"]
    total = len(handbook.pages)
    for number, text in enumerate(handbook.pages, start=1):
        assert f"page {number} of {total}" in text, number
    first_section = min(page for depth, title, page in handbook.outline
                        if depth == 0 and title != "Contents")
    contents = re.sub(r"\s+", " ", " ".join(handbook.pages[1:first_section]))
    runbooks = [(title, page) for depth, title, page in handbook.outline if depth == 2]
    assert len(runbooks) > 5
    for title, page in runbooks:
        entry = re.search(re.escape(title) + r"[ .]*?(\d+)\b", contents)
        assert entry is not None and int(entry.group(1)) == page + 1, title


def test_a_corrupt_manifest_means_a_cold_run(runs: Runs) -> None:
    assert runs.after_corrupt_manifest == runs.after_growth
