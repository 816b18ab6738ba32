"""Printed rotas: every runbook PDF (and its part of the handbook) carries its team's rota for
the eight weeks from the print date, with the dates it is valid for, read back with pypdf; and
the rota's inputs (the rotation, the contacts, the date) decide whether a PDF is reused.

The handbook is tests/support/rota.py's: Ana is primary from Monday 2026-06-01 10:00 London,
Ben the week after, Cleo covers 2026-06-24 to 06-26.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from opsbook.cli import main
from opsbook.pdf.reuse import CACHE_DIR
from tests.support.rota import make_rota_site

RUNBOOK_PDF = "runbooks/api-down.pdf"


def print_pdfs(root: Path, output: Path, today: str, *extra: str) -> None:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(["pdf", "--config", str(root / "mkdocs.yml"), "-o", str(output),
                     "--today", today, *extra])
    assert code == 0, stderr.getvalue()


def text(path: Path) -> str:
    """The PDF's text with runs of white space made one space."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


def modified(output: Path) -> dict[str, int]:
    return {str(path.relative_to(output)): path.stat().st_mtime_ns
            for path in output.rglob("*.pdf") if CACHE_DIR not in path.parts}


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


@dataclass
class Runs:
    first: str  # the runbook PDF's text, printed 2026-06-01
    handbook: str
    unchanged: set[str]  # reprinted by a second run with nothing changed
    after_rota_edit: set[str]
    edited: str
    after_new_date: set[str]
    later: str
    redacted: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("rota-pdf") / "handbook"
    make_rota_site(root)
    output = root.parent / "out"
    print_pdfs(root, output, "2026-06-01")
    first, handbook = text(output / RUNBOOK_PDF), text(output / "handbook.pdf")

    before = modified(output)
    print_pdfs(root, output, "2026-06-01")
    unchanged = changed(before, modified(output))

    # Only the rotation changes (the two layers swap turn orders): the page the site renders
    # is the same, the printed rota is not.
    contacts = root / "docs" / "contacts.md"
    contacts.write_text(contacts.read_text(encoding="utf-8").replace(
        "members: [ana, ben]\n      - name: secondary\n        members: [ben, ana]",
        "members: [ben, ana]\n      - name: secondary\n        members: [ana, ben]"),
        encoding="utf-8")
    before = modified(output)
    print_pdfs(root, output, "2026-06-01")
    after_rota_edit = changed(before, modified(output))
    edited = text(output / RUNBOOK_PDF)

    before = modified(output)
    print_pdfs(root, output, "2026-06-15")
    after_new_date = changed(before, modified(output))
    later = text(output / RUNBOOK_PDF)

    print_pdfs(root, root.parent / "public", "2026-06-01", "--redact")
    redacted = text(root.parent / "public" / RUNBOOK_PDF)
    return Runs(first, handbook, unchanged, after_rota_edit, edited, after_new_date, later,
                redacted)


def test_runbook_pdf_prints_eight_weeks_of_rota_with_its_dates(runs: Runs) -> None:
    assert "Core on call. Rota valid 2026-06-01 to 2026-07-27; printed 2026-06-01." in runs.first
    assert "Times in Europe/London." in runs.first
    assert re.search(r"Mon 2026-06-01 10:00 Mon 2026-06-08 10:00 Ana Silva · \+1 202-555-0111 "
                     r"Ben Okoro · \+44 20 7946 0222", runs.first)
    assert re.search(r"Mon 2026-06-08 10:00 Mon 2026-06-15 10:00 Ben Okoro · "
                     r"\+44 20 7946 0222 Ana Silva", runs.first)
    # The cover, in its own row, with its reason.
    assert re.search(r"Wed 2026-06-24 10:00 Fri 2026-06-26 10:00 Cleo Marsh · "
                     r"\+44 20 7946 0333 \(cover: Ben at a wedding\)", runs.first)
    # Eight weeks: the last row ends on the valid-to date, nothing after it.
    assert "Mon 2026-07-27 10:00" in runs.first and "2026-08-03" not in runs.first
    # "On call now" needs a clock: paper has no such line.
    assert "ON CALL NOW" not in runs.first.upper() and "see the Core rota" not in runs.first


def test_handbook_prints_the_rota_in_the_runbook_and_on_the_contacts_page(runs: Runs) -> None:
    assert runs.handbook.count("Rota valid 2026-06-01 to 2026-07-27; printed 2026-06-01.") == 1
    # The contacts page's team block, as the site built it on the same day.
    assert runs.handbook.count("Rota valid 2026-06-01 to 2026-07-27; built 2026-06-01.") == 1
    assert re.search(r"Mon 2026-06-01 10:00 Mon 2026-06-08 10:00 Ana Silva", runs.handbook)


def test_reuse_follows_the_rota_and_the_date(runs: Runs) -> None:
    assert runs.unchanged == set()
    assert RUNBOOK_PDF in runs.after_rota_edit and "handbook.pdf" in runs.after_rota_edit
    assert re.search(r"Mon 2026-06-01 10:00 Mon 2026-06-08 10:00 Ben Okoro · "
                     r"\+44 20 7946 0222 Ana Silva", runs.edited)
    assert re.search(r"Mon 2026-06-08 10:00 Mon 2026-06-15 10:00 Ana Silva · "
                     r"\+1 202-555-0111 Ben Okoro", runs.edited)
    assert runs.after_new_date >= {RUNBOOK_PDF, "handbook.pdf"}
    assert "Rota valid 2026-06-15 to 2026-08-10; printed 2026-06-15." in runs.later
    assert "Mon 2026-06-01 10:00 Mon 2026-06-08" not in runs.later


def test_redacted_print_withholds_personal_numbers_in_the_rota(runs: Runs) -> None:
    assert "Rota valid 2026-06-01 to 2026-07-27" in runs.redacted
    assert "Ana Silva · see internal directory" in runs.redacted
    for phone in ("202-555-0111", "7946 0222", "7946 0333"):
        assert phone not in runs.redacted
