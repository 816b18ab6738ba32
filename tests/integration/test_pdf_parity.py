"""What `opsbook pdf` writes reads exactly like the plain way of printing, done independently
here with WeasyPrint alone.

The contract: a runbook is laid out ONCE, and the same pages are its own PDF and its part of
the handbook. So every runbook PDF reads like its document laid out whole by WeasyPrint (with
its own "page x of y"), and the handbook reads like, one after the other: the front matter and
the site pages laid out as ONE document, every runbook's own pages (in service order), and the
alert index — every page's "page x of y" counting the whole handbook, the page numbers in the
contents, the alert index and after the site pages' internal links right (found here by laying
out until they no longer move), and the outline the front document's, then "Runbooks", one
entry per service, each runbook's own outline below it, then the alert index.

`opsbook pdf` lays the parts out separately, reuses, and puts them together with pypdf; none
of that may change a word on any page, the page count or the outline. Nothing here is
hard-coded: both sides are printed from the same reference handbook.
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
from opsbook.pdf.reuse import CACHE_DIR
from tests.support.repo import copy_handbook

pytestmark = pytest.mark.slow  # the handbook's front matter laid out whole, several times

TODAY = dt.date(2026, 11, 20)


@dataclass(frozen=True)
class Reading:
    pages: list[str]  # each page's text without white space (pypdf guesses spaces from gaps)
    outline: list[tuple[int, str, int]]  # depth, title, 0-based page


def read(source: Path | bytes) -> Reading:
    reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
    outline: list[tuple[int, str, int]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item)
                outline.append((depth, str(item.title), -1 if page is None else page))

    walk(reader.outline, 0)
    pages = [re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages]
    return Reading(pages, outline)


@dataclass
class Prints:
    printed: dict[str, Reading]  # by path below the output directory
    plain: dict[str, Reading]


FOOTER = re.compile(r"page(\d+)of(\d+)$")


def renumbered(pages: list[str], first: int, total: int) -> list[str]:
    """Pages of a document laid out on its own, as pages ``first``.. of ``total``: the text
    is the same but for "page x of y", which ends every page's text."""
    out = []
    for number, text in enumerate(pages, start=first):
        assert FOOTER.search(text), text[-80:]
        out.append(FOOTER.sub(f"page{number}of{total}", text))
    return out


def plain_prints(root: Path, scratch: Path) -> dict[str, Reading]:
    """Each runbook as its own WeasyPrint document; the handbook from the front matter and
    site pages as one document, the runbooks' documents and the alert index."""
    from weasyprint import HTML

    from opsbook.engine import use_engine
    from opsbook.pdf.compose import (
        HandbookPart,
        HandbookWriter,
        fill_page_numbers,
        owning_team,
        printed_rotas,
        runbook_html,
        runbook_page,
    )
    from opsbook.pdf.engine import PrintJob, _fetcher, _fonts, _stylesheets
    from opsbook.pdf.printing import HANDBOOK_FILE, plan_print, runbook_pdf_path
    from opsbook.pdf.site import build_site, settings_for
    from opsbook.run import load_site

    config = root / "mkdocs.yml"
    use_engine(config)
    project = load_site(config, TODAY)
    build = build_site(config, scratch / "site")
    settings = settings_for(project, build.mkdocs_config, build.options, today=TODAY)
    plan = plan_print(project, build.site, settings, scratch / "out")
    book = plan.handbook
    assert book is not None

    def render(html: str) -> Any:
        job = PrintJob("plain", html, scratch / "x.pdf", build.site.site_dir,
                       build.site.stylesheets)
        return HTML(string=html, base_url=job.site_dir.resolve().as_uri() + "/",
                    url_fetcher=_fetcher(job.site_dir)).render(
            stylesheets=_stylesheets(job), font_config=_fonts())

    def anchors(document: Any) -> dict[str, int]:
        found: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                found.setdefault(anchor, index)
        return found

    # Every runbook laid out whole, with its own "page x of y" (not left to be stamped).
    rotas = printed_rotas(project, settings)
    runbooks: dict[str, tuple[Reading, dict[str, int]]] = {}
    for runbook in project.runbooks:
        document = render(runbook_html(runbook, runbook_page(runbook, build.site.pages),
                                       settings, build.site, rotas,
                                       team=owning_team(project, runbook)))
        runbooks[runbook.id] = (read(document.write_pdf()), anchors(document))
    readings = {runbook_pdf_path(name): reading for name, (reading, _) in runbooks.items()}

    writer = HandbookWriter(book, settings, build.site)
    front = writer.html(HandbookPart("front", front=True, sections=tuple(book.sections)),
                        numbered_later=False)
    alerts = writer.html(HandbookPart("alerts", alerts=True), numbered_later=False)
    numbers: dict[str, int] = {}
    for _attempt in range(6):
        front_document = render(fill_page_numbers(front, numbers))
        alerts_document = render(fill_page_numbers(alerts, numbers))
        found = {name: index + 1 for name, index in anchors(front_document).items()}
        offset = len(front_document.pages)
        first = True
        for group in book.services:
            for entry in group.runbooks:
                reading, marks = runbooks[entry.runbook.id]
                if first:
                    found.setdefault("obp-runbooks", offset + 1)
                    first = False
                found.setdefault(group.anchor, offset + 1)
                for name, index in marks.items():
                    found.setdefault(name, offset + index + 1)
                offset += len(reading.pages)
        for name, index in anchors(alerts_document).items():
            found.setdefault(name, offset + index + 1)
        if found == numbers:
            break
        numbers = found
    else:
        pytest.fail("the handbook's page numbers never settled")

    front_reading = read(front_document.write_pdf())
    alerts_reading = read(alerts_document.write_pdf())
    documents = [front_reading]
    outline = list(front_reading.outline)
    offset = len(front_reading.pages)
    for index, group in enumerate(book.services):
        for position, entry in enumerate(group.runbooks):
            reading, _marks = runbooks[entry.runbook.id]
            if index == 0 and position == 0:
                outline.append((0, "Runbooks", offset))
            if position == 0:
                title = f"{group.service} — owned by {group.team}" if group.team else group.service
                outline.append((1, title, offset))
            outline += [(depth + 2, title, page + offset) for depth, title, page in reading.outline]
            documents.append(reading)
            offset += len(reading.pages)
    outline += [(depth, title, page + offset) for depth, title, page in alerts_reading.outline]
    documents.append(alerts_reading)
    total = sum(len(document.pages) for document in documents)
    pages: list[str] = []
    for document in documents:
        pages += renumbered(document.pages, len(pages) + 1, total)
    readings[HANDBOOK_FILE] = Reading(pages, outline)
    return readings


@pytest.fixture(scope="module")
def prints(tmp_path_factory: pytest.TempPathFactory) -> Prints:
    root = copy_handbook(tmp_path_factory.mktemp("parity") / "handbook")
    output = root.parent / "out"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(["pdf", "--config", str(root / "mkdocs.yml"), "-o", str(output),
                     "--today", TODAY.isoformat()])
    assert code == 0, stderr.getvalue()
    printed = {str(path.relative_to(output)): read(path) for path in output.rglob("*.pdf")
               if CACHE_DIR not in path.parts}
    return Prints(printed, plain_prints(root, root.parent / "plain"))


def test_the_same_pdfs(prints: Prints) -> None:
    assert set(prints.printed) == set(prints.plain)
    assert len(prints.printed) > 5


def test_every_runbook_pdf_reads_like_its_plain_print(prints: Prints) -> None:
    for name in sorted(prints.plain):
        if name == "handbook.pdf":
            continue
        printed, plain = prints.printed[name], prints.plain[name]
        assert len(printed.pages) == len(plain.pages), name
        assert printed.pages == plain.pages, name
        assert printed.outline == plain.outline, name


def test_the_handbook_reads_like_its_plain_parts_one_after_the_other(prints: Prints) -> None:
    printed, plain = prints.printed["handbook.pdf"], prints.plain["handbook.pdf"]
    assert len(printed.pages) == len(plain.pages)
    for number, (ours, theirs) in enumerate(zip(printed.pages, plain.pages, strict=True), 1):
        assert ours == theirs, f"page {number}"
    assert printed.pages[-1].endswith(f"page{len(plain.pages)}of{len(plain.pages)}")
    assert printed.outline == plain.outline
