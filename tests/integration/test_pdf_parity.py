"""What `opsbook pdf` writes reads exactly like the plain way of printing, done independently
here: the whole handbook laid out by WeasyPrint as ONE document (its own pagination, "page x of
y", outline and links; the page numbers in the contents, the alert index and after internal
links found by laying it out until they no longer move) and every runbook as its own document.

`opsbook pdf` lays the handbook out in parts, reuses, estimates page numbers and puts the
parts together with pypdf; none of that may change a word on any page, the page count or the
outline. Nothing here is hard-coded: both sides are printed from the same reference handbook.
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

pytestmark = pytest.mark.slow  # the handbook laid out whole, several times

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


def plain_prints(root: Path, scratch: Path) -> dict[str, Reading]:
    """The handbook as one WeasyPrint document and each runbook as its own."""
    from weasyprint import HTML

    from opsbook.engine import use_engine
    from opsbook.pdf.compose import HandbookWriter, fill_page_numbers, whole_handbook
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
    assert plan.handbook is not None

    def render(job: PrintJob) -> Any:
        return HTML(string=job.html, base_url=job.site_dir.resolve().as_uri() + "/",
                    url_fetcher=_fetcher(job.site_dir)).render(
            stylesheets=_stylesheets(job), font_config=_fonts())

    readings = {runbook_pdf_path(job.name): read(render(job).write_pdf())
                for job in plan.runbooks}
    source = HandbookWriter(plan.handbook, settings, build.site).html(
        whole_handbook(plan.handbook), numbered_later=False)
    numbers: dict[str, int] = {}
    for _attempt in range(6):
        html = fill_page_numbers(source, numbers)
        document = render(PrintJob("handbook", html, scratch / "h.pdf", build.site.site_dir,
                                   build.site.stylesheets))
        found: dict[str, int] = {}
        for number, page in enumerate(document.pages, start=1):
            for anchor in page.anchors:
                found.setdefault(anchor, number)
        if found == numbers:
            break
        numbers = found
    else:
        pytest.fail("the whole handbook's page numbers never settled")
    readings[HANDBOOK_FILE] = read(document.write_pdf())
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


def test_the_handbook_reads_like_one_whole_document(prints: Prints) -> None:
    printed, plain = prints.printed["handbook.pdf"], prints.plain["handbook.pdf"]
    assert len(printed.pages) == len(plain.pages)
    for number, (ours, theirs) in enumerate(zip(printed.pages, plain.pages, strict=True), 1):
        assert ours == theirs, f"page {number}"
    assert printed.pages[-1].endswith(f"page{len(plain.pages)}of{len(plain.pages)}")
    assert printed.outline == plain.outline
