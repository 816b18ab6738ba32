"""PDF runbooks and the printed handbook, read back with pypdf.

One print of the reference handbook (a scratch copy under git, so the cover shows a real
revision) is shared by most tests; expectations come from the content model, not from
hard-coded text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from opsbook.cli import main
from opsbook.load.markdown import Fence
from opsbook.model.project import Project
from opsbook.pdf.reuse import CACHE_DIR
from opsbook.run import load_site
from tests.support.repo import copy_handbook

TODAY = dt.date(2026, 11, 20)


def squash(text: str) -> str:
    """Text with all whitespace removed: lines wrap anywhere on paper."""
    return re.sub(r"\s+", "", text)


def run_cli(*argv: str) -> tuple[int, str]:
    """Run ``opsbook`` in-process; return the exit code and what it wrote to stderr."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(list(argv))
    return code, stderr.getvalue()


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if ".git" in path.parts:
            continue
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def git(root: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.com",
         *arguments],
        check=True, capture_output=True, text=True,
    )
    return result.stdout.strip()


@dataclass
class Printed:
    root: Path
    output: Path
    project: Project
    stderr: str
    sha: str
    digest_before: str

    def reader(self, relative: str) -> PdfReader:
        return PdfReader(self.output / relative)


@dataclass
class PdfText:
    pages: list[str]

    @property
    def all(self) -> str:
        return "\n".join(self.pages)


def read_text(path: Path) -> PdfText:
    return PdfText([page.extract_text() or "" for page in PdfReader(path).pages])


@dataclass(frozen=True)
class Bookmark:
    depth: int
    title: str
    page: int  # 0-based index of the page it opens


def bookmarks(reader: PdfReader) -> list[Bookmark]:
    """Every bookmark of the outline, depth first."""
    found: list[Bookmark] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item)
                assert page is not None
                found.append(Bookmark(depth, str(item.title), page))

    walk(reader.outline, 0)
    return found


def outline_titles(reader: PdfReader) -> list[tuple[int, str]]:
    return [(mark.depth, mark.title) for mark in bookmarks(reader)]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """The reference handbook, committed to a scratch git repository, printed once."""
    root = copy_handbook(tmp_path_factory.mktemp("printed") / "handbook")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "handbook")
    sha = git(root, "rev-parse", "--short=10", "HEAD")
    before = tree_digest(root)
    output = root.parent / "out"
    code, stderr = run_cli("pdf", "--config", str(root / "mkdocs.yml"), "-o", str(output),
                           "--today", TODAY.isoformat())
    assert code == 0, stderr
    return Printed(root, output, load_site(root / "mkdocs.yml"), stderr, sha, before)


@pytest.fixture(scope="module")
def handbook_text(printed: Printed) -> PdfText:
    return read_text(printed.output / "handbook.pdf")


# -- the handbook -------------------------------------------------------------------------------
def test_every_pdf_is_written_and_nothing_else_changes(printed: Printed) -> None:
    expected = {"handbook.pdf"} | {f"runbooks/{r.id}.pdf" for r in printed.project.runbooks}
    written = {str(p.relative_to(printed.output)) for p in printed.output.rglob("*.pdf")
               if CACHE_DIR not in p.parts}
    assert written == expected
    # Beside them only what the next run reuses (hashes, laid-out parts of the handbook).
    assert {p.name for p in printed.output.iterdir()} == {"handbook.pdf", "runbooks", CACHE_DIR}
    assert not list(printed.output.rglob("*.partial"))
    assert tree_digest(printed.root) == printed.digest_before
    assert "wrote" in printed.stderr and "handbook.pdf" in printed.stderr


def test_footer_with_page_x_of_y_on_every_page(printed: Printed, handbook_text: PdfText) -> None:
    """Every page counts the whole handbook; its footer names the handbook, or on a runbook's
    pages (the runbook's own PDF's pages) the runbook."""
    pages = handbook_text.pages
    assert len(pages) > len(printed.project.runbooks)
    site_name = "Larkspur Freight on-call handbook"
    titles = [runbook.title for runbook in printed.project.runbooks]
    runbook_pages = 0
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text
        assert squash(f"Printed {TODAY.isoformat()} rev {printed.sha}") in squash(text)
        assert "check https://handbook.example.com/ for the latest" in text
        footer = squash(text[:text.rindex("Printed")].splitlines()[-1])
        assert footer == squash(site_name) or footer in {squash(t) for t in titles}, footer
        runbook_pages += footer != squash(site_name)
    assert runbook_pages >= len(titles)


def test_cover_shows_company_date_and_clean_revision(
    printed: Printed, handbook_text: PdfText
) -> None:
    cover = handbook_text.pages[0]
    company = str(printed.project.config.pdf.get("company") or "")
    assert company, "the reference handbook names its company in mkdocs.yml"
    assert company.upper() in [line.strip().upper() for line in cover.splitlines()]
    assert "Larkspur Freight on-call handbook" in cover
    assert TODAY.isoformat() in cover
    assert printed.sha in cover
    assert "uncommitted" not in cover and "+dirty" not in cover
    contents = handbook_text.pages[1]
    assert "Contents" in contents


def test_contains_every_runbook_title(printed: Printed, handbook_text: PdfText) -> None:
    text = squash(handbook_text.all)
    for runbook in printed.project.runbooks:
        assert squash(runbook.title) in text, runbook.title


def test_contains_the_severity_matrix(printed: Printed, handbook_text: PdfText) -> None:
    """Every level with its times, as the site writes durations (normalised: 7d is 1w)."""
    matrix = printed.project.matrix
    assert matrix is not None and matrix.levels
    text = squash(handbook_text.all)
    for level in matrix.levels:
        assert squash(level.summary) in text
        for measure in (level.acknowledge, level.respond, level.update_every, level.resolve):
            assert measure is not None
            # The written form (7d) is not what the site prints (1w): compare the canonical one,
            # or the check would only pass when the revision hash happens to contain "7d".
            assert squash(measure.canonical) in text, (level.id, measure.canonical)
    # The rendered table itself (cells wrap, so each value is looked up on its page).
    table_pages = [squash(p) for p in handbook_text.pages if "When it applies" in p]
    assert table_pages, "the severity table is missing"
    for level in matrix.levels:
        assert level.update_every and level.acknowledge and level.resolve
        for value in (level.id, *level.aliases, f"every {level.update_every.canonical}",
                      level.acknowledge.canonical, level.resolve.canonical):
            assert squash(value) in table_pages[0], (level.id, value)


def test_contains_every_on_call_phone_number(printed: Printed, handbook_text: PdfText) -> None:
    contacts = printed.project.contacts
    phones = {person.phone for person in contacts.people.values() if person.phone}
    phones |= {vendor.phone for vendor in contacts.vendors.values() if vendor.phone}
    assert len(phones) >= 10
    text = squash(handbook_text.all)
    for phone in sorted(phones):
        assert squash(phone) in text, phone


def test_sections_come_in_the_promised_order(printed: Printed) -> None:
    """Severity matrix, contacts, templates, then runbooks grouped by service."""
    project = printed.project
    reader = printed.reader("handbook.pdf")
    top = [(mark.title, mark.page) for mark in bookmarks(reader) if mark.depth == 0]
    titles = [title for title, _ in top]

    def title_of(kind: str) -> str:
        document = next(d for d in project.documents if project.document_kind(d) == kind)
        assert document.data is not None
        return str(document.data["title"])

    order = [title_of("severity-matrix"), title_of("contacts"), title_of("template"),
             "Runbooks", "Alert index"]
    positions = [titles.index(title) for title in order]
    assert positions == sorted(positions), titles
    pages = [page for _, page in top]
    assert pages == sorted(pages)
    # Below "Runbooks": one entry per service ("database — owned by Platform"), sorted.
    services = sorted({runbook.service for runbook in project.runbooks})
    printed_services = [title.split()[0] for depth, title in outline_titles(reader)
                        if depth == 1 and title.split()[0] in services]
    assert printed_services == services


def test_outline_has_one_entry_per_runbook(printed: Printed) -> None:
    titles = outline_titles(printed.reader("handbook.pdf"))
    flat = [title for _, title in titles]
    for runbook in printed.project.runbooks:
        assert flat.count(runbook.title) == 1, runbook.title
    top = [title for depth, title in titles if depth == 0]
    assert {"Contents", "Severity levels", "Runbooks", "Alert index"} <= set(top)
    services = {runbook.service for runbook in printed.project.runbooks}
    assert services <= {title.split()[0] for depth, title in titles if depth == 1}


def test_runbooks_start_on_a_new_page(printed: Printed, handbook_text: PdfText) -> None:
    reader = printed.reader("handbook.pdf")
    titles = {runbook.title for runbook in printed.project.runbooks}
    starts = {mark.title: mark.page for mark in bookmarks(reader) if mark.title in titles}
    assert set(starts) == titles
    assert len(set(starts.values())) == len(titles)  # no two runbooks share a page
    for title, page in starts.items():
        assert squash(title) in squash(handbook_text.pages[page])
        # The page before belongs to something else: the runbook did not start there.
        assert squash(title) not in squash(handbook_text.pages[page - 1]), title


def test_contents_page_numbers_match_the_pages(printed: Printed, handbook_text: PdfText) -> None:
    """The table of contents gives each runbook the page its bookmark points at."""
    reader = printed.reader("handbook.pdf")
    # The contents run from page 2 up to the first section after them.
    first_section = min(mark.page for mark in bookmarks(reader)
                        if mark.depth == 0 and mark.title != "Contents")
    contents = " ".join(handbook_text.pages[1:first_section])
    assert "Contents" in contents
    flat_contents = re.sub(r"\s+", " ", contents)
    titles = {runbook.title for runbook in printed.project.runbooks}
    checked = 0
    for mark in bookmarks(reader):
        if mark.title not in titles:
            continue
        entry = re.search(re.escape(mark.title) + r"[ .]*?(\d+)\b", flat_contents)
        assert entry is not None, mark.title
        assert int(entry.group(1)) == mark.page + 1, mark.title
        checked += 1
    assert checked == len(printed.project.runbooks)


def test_document_metadata(printed: Printed) -> None:
    meta = printed.reader("handbook.pdf").metadata
    assert meta is not None and meta.title == "Larkspur Freight on-call handbook"
    runbook = printed.project.runbooks[0]
    runbook_meta = printed.reader(f"runbooks/{runbook.id}.pdf").metadata
    assert runbook_meta is not None and runbook_meta.title == runbook.title


def test_internal_links_work(printed: Printed) -> None:
    reader = printed.reader("handbook.pdf")
    contents = reader.pages[1]
    internal = []
    for annotation in contents.get("/Annots") or []:
        link = annotation.get_object()
        action = link.get("/A")
        if link.get("/Dest") is not None or (action and action.get("/S") == "/GoTo"):
            internal.append(link)
    assert len(internal) > len(printed.project.runbooks)
    # Named destinations resolve to pages of this document.
    assert reader.named_destinations


def link_targets(reader: PdfReader, page: int) -> tuple[list[int], list[str]]:
    """The pages a page's links go to in its document, and the web addresses of the others."""
    pages, addresses = [], []
    for annotation in reader.pages[page].get("/Annots") or []:
        link = annotation.get_object()
        if link.get("/Dest") is not None:
            pages.append(reader.get_page_number(link["/Dest"][0].get_object()))
        elif link.get("/A") is not None and link["/A"].get("/S") == "/URI":
            addresses.append(str(link["/A"]["/URI"]))
    return pages, addresses


def test_a_runbook_links_to_the_contacts_in_the_handbook_and_to_the_site_in_its_pdf(
        printed: Printed) -> None:
    """A runbook's pages are the same in its PDF and in the handbook, links to the contacts
    page included; in the handbook, which holds that page, they go to it."""
    project, reader = printed.project, printed.reader("handbook.pdf")
    document = next(d for d in project.documents if project.document_kind(d) == "contacts")
    assert document.data is not None
    top = [mark for mark in bookmarks(reader) if mark.depth == 0]
    opens = next(index for index, mark in enumerate(top)
                 if mark.title == document.data["title"])
    contacts = range(top[opens].page, top[opens + 1].page)
    runbook = project.runbooks[0]
    first = next(mark.page for mark in bookmarks(reader) if mark.title == runbook.title)
    pages, addresses = link_targets(reader, first)
    to_contacts = sum(page in contacts for page in pages)
    assert to_contacts > 0, pages
    assert not [address for address in addresses if "/contacts" in address]
    own_pages, own_addresses = link_targets(printed.reader(f"runbooks/{runbook.id}.pdf"), 0)
    assert len(own_pages) == len(pages) - to_contacts  # its links inside the runbook
    assert len([address for address in own_addresses
                if address.startswith("https://handbook.example.com/contacts")]) == to_contacts


def test_long_shell_command_is_printed_whole(printed: Printed, handbook_text: PdfText) -> None:
    longest = max(
        (line for runbook in printed.project.runbooks
         for block in runbook.origin.document.blocks if isinstance(block, Fence)
         for _, line in block.body),
        key=len,
    )
    assert len(longest) > 300
    assert squash(longest) in squash(handbook_text.all)
    owner = next(r for r in printed.project.runbooks
                 if longest in (r.origin.document.text or ""))
    assert squash(longest) in squash(read_text(printed.output / f"runbooks/{owner.id}.pdf").all)


# -- runbook PDFs -------------------------------------------------------------------------------
def test_every_runbook_pdf(printed: Printed) -> None:
    for runbook in printed.project.runbooks:
        path = printed.output / "runbooks" / f"{runbook.id}.pdf"
        reader = PdfReader(path)
        pages = [page.extract_text() for page in reader.pages]
        assert pages, runbook.id
        assert squash(runbook.title) in squash(pages[0])
        for number, text in enumerate(pages, start=1):
            assert f"page {number} of {len(pages)}" in text, (runbook.id, number)
            assert "check https://handbook.example.com/ for the latest" in text
        top = [title for depth, title in outline_titles(reader) if depth == 0]
        assert top == [runbook.title]
        width, height = (float(v) for v in reader.pages[0].mediabox[2:])
        assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_runbook_header_card_and_owner_phones(printed: Printed) -> None:
    """The runbook PDF shows the site's header card: who to call, with their numbers."""
    contacts = printed.project.contacts
    for runbook in printed.project.runbooks:
        team = contacts.teams[runbook.owner]
        first_step = team.escalation[0]
        text = squash(read_text(printed.output / f"runbooks/{runbook.id}.pdf").pages[0])
        for person_id in first_step.notify:
            person = contacts.people[person_id]
            assert person.phone is not None
            assert squash(person.phone) in text, (runbook.id, person_id)


def page_image(pdf: Path, scale: float) -> Image.Image:
    """Page 1 of ``pdf`` as an image (PDFium, from pip: no system tools needed)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=scale).to_pil()
    finally:
        document.close()


def test_page_one_as_png(printed: Printed, artifacts: Path) -> None:
    """Page 1 of a runbook and the handbook's cover as images, kept as test artifacts to look
    at: an A4 page with something drawn on it."""
    runbook = "db-primary-failover"
    image = page_image(printed.output / "runbooks" / f"{runbook}.pdf", 80 / 72)
    image.save(artifacts / f"{runbook}-page1.png")
    width, height = image.size
    assert abs(height / width - 842 / 595) < 0.01
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 20  # not a blank page
    cover = page_image(printed.output / "handbook.pdf", 60 / 72)
    cover.save(artifacts / "handbook-cover.png")
    assert ImageStat.Stat(cover.convert("L")).stddev[0] > 20
    assert (artifacts / "handbook-cover.png").stat().st_size > 5000


# -- refusing to print --------------------------------------------------------------------------
PLACEHOLDER = "+1-XXX-XXX-XXXX"


def with_placeholder(handbook: Path) -> Path:
    contacts = handbook / "docs" / "contacts.md"
    text = contacts.read_text(encoding="utf-8")
    first_phone = re.search(r'phone: "[^"]+"', text)
    assert first_phone is not None
    contacts.write_text(text.replace(first_phone.group(0), f'phone: "{PLACEHOLDER}"', 1),
                        encoding="utf-8")
    return handbook


def test_refuses_to_print_with_findings(handbook: Path, tmp_path: Path) -> None:
    with_placeholder(handbook)
    before = tree_digest(handbook)
    output = tmp_path / "out"
    code, stderr = run_cli("pdf", "--config", str(handbook / "mkdocs.yml"), "-o", str(output))
    assert code == 1
    assert "contacts.md" in stderr and PLACEHOLDER in stderr
    assert "refusing to print" in stderr and "--allow-findings" in stderr
    assert not output.exists()
    assert tree_digest(handbook) == before


def test_allow_findings_stamps_every_page_unverified(handbook: Path, tmp_path: Path) -> None:
    with_placeholder(handbook)
    output = tmp_path / "out"
    code, stderr = run_cli("pdf", "--config", str(handbook / "mkdocs.yml"), "-o", str(output),
                           "--allow-findings", "--runbook", "db-primary-failover")
    assert code == 0, stderr
    assert "UNVERIFIED" in stderr
    text = read_text(output / "runbooks" / "db-primary-failover.pdf")
    assert len(text.pages) > 1
    for page in text.pages:
        assert "UNVERIFIED" in page
    assert not (output / "handbook.pdf").exists()


def test_clean_handbook_is_not_stamped(printed: Printed, handbook_text: PdfText) -> None:
    assert "UNVERIFIED" not in handbook_text.all


# -- options ------------------------------------------------------------------------------------
def test_letter_paper(handbook: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    code, stderr = run_cli("pdf", "--config", str(handbook / "mkdocs.yml"), "-o", str(output),
                           "--paper", "letter", "--runbook", "db-primary-failover")
    assert code == 0, stderr
    reader = PdfReader(output / "runbooks" / "db-primary-failover.pdf")
    for page in reader.pages:
        width, height = (float(v) for v in page.mediabox[2:])
        assert (round(width), round(height)) == (612, 792)  # US Letter in points
    # Beside it only its layout, kept for the next run (the handbook's part of it).
    assert [path for path in output.rglob("*.pdf") if CACHE_DIR not in path.parts] == [
        output / "runbooks" / "db-primary-failover.pdf"]


def test_redact_reaches_paper(handbook: Path, tmp_path: Path) -> None:
    """--redact is applied by the shared render layer: no personal number is printed."""
    output = tmp_path / "out"
    code, stderr = run_cli("pdf", "--config", str(handbook / "mkdocs.yml"), "-o", str(output),
                           "--redact", "--runbook", "db-primary-failover")
    assert code == 0, stderr
    text = squash(read_text(output / "runbooks" / "db-primary-failover.pdf").all)
    people = load_site(handbook / "mkdocs.yml").contacts.people.values()
    for person in people:
        assert person.phone is None or squash(person.phone) not in text, person.id
        assert person.email is None or person.email not in text, person.id
    assert squash("see internal directory") in text


def test_unknown_runbook_is_a_usage_error(handbook: Path, tmp_path: Path) -> None:
    code, stderr = run_cli("pdf", "--config", str(handbook / "mkdocs.yml"),
                           "-o", str(tmp_path / "out"), "--runbook", "no-such-runbook")
    assert code == 2
    assert "no-such-runbook" in stderr and "Traceback" not in stderr


def test_output_that_is_a_file_is_a_usage_error(handbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a directory", encoding="utf-8")
    code, stderr = run_cli("pdf", "--config", str(handbook / "mkdocs.yml"), "-o", str(target),
                           "--runbook", "db-primary-failover")
    assert code == 2
    assert "not a directory" in stderr
    assert target.read_text(encoding="utf-8") == "not a directory"


def test_missing_config_is_a_usage_error(tmp_path: Path) -> None:
    code, stderr = run_cli("pdf", "--config", str(tmp_path / "mkdocs.yml"))
    assert code == 2 and "not found" in stderr


def test_repository_checkout_is_not_needed(tmp_path: Path) -> None:
    """Outside git the cover says so instead of failing."""
    from opsbook.pdf.revision import git_revision

    revision = git_revision(tmp_path)
    assert revision.sha is None and "unknown" in revision.label


def test_dirty_tree_is_marked(tmp_path: Path) -> None:
    from opsbook.pdf.revision import git_revision

    root = copy_handbook(tmp_path / "handbook")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "handbook")
    clean = git_revision(root)
    assert clean.sha == git(root, "rev-parse", "--short=10", "HEAD") and not clean.dirty
    (root / "docs" / "index.md").write_text("changed\n", encoding="utf-8")
    dirty = git_revision(root)
    assert dirty.dirty and dirty.sha == clean.sha
    assert "uncommitted" in dirty.label and dirty.short_label.endswith("+dirty")
    shutil.rmtree(root / ".git")


# -- mkdocs build with the plugin's pdf option ---------------------------------------------------
def enable_pdf(handbook: Path, **options: str) -> None:
    """Turn on the plugin's `pdf` option (and set others) in the copy's mkdocs.yml."""
    config = handbook / "mkdocs.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    plugin = lines.index("  - opsbook:")
    if "      pdf:" not in lines:
        lines.insert(plugin + 1, "      pdf:")
    block = lines.index("      pdf:")
    settings = {"enabled": "true", **options}
    lines = [line for line in lines
             if not any(line.startswith(f"        {key}:") for key in settings)]
    for key, value in settings.items():
        lines.insert(block + 1, f"        {key}: {value}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def mkdocs_build(handbook: Path) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(handbook / "mkdocs.yml")],
        capture_output=True, text=True, cwd=handbook,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def download_links(site: Path) -> dict[Path, Path]:
    """Every "Download PDF" link in the built site: page → the file it points at."""
    links: dict[Path, Path] = {}
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a [^>]*href="([^"]+\.pdf)"[^>]*>\s*Download PDF', html):
            links[page] = (page.parent / href).resolve()
    return links


@pytest.mark.slow
def test_mkdocs_build_writes_pdfs_and_links_every_runbook(handbook: Path) -> None:
    enable_pdf(handbook, company="Example Carriers Ltd", paper="letter")
    result = mkdocs_build(handbook)
    assert result.returncode == 0, result.stderr
    site = handbook / "site"
    project = load_site(handbook / "mkdocs.yml")
    expected = {(site / "pdf" / "runbooks" / f"{r.id}.pdf").resolve() for r in project.runbooks}
    assert {p.resolve() for p in (site / "pdf" / "runbooks").glob("*.pdf")} == expected
    links = download_links(site)
    assert set(links.values()) == expected  # one link per runbook, each to its own PDF
    assert len(links) == len(project.runbooks)
    cover = PdfReader(site / "pdf" / "handbook.pdf").pages[0].extract_text()
    assert "EXAMPLE CARRIERS LTD" in [line.strip().upper() for line in cover.splitlines()]
    some_runbook = PdfReader(next(iter(expected)))
    assert [round(float(v)) for v in some_runbook.pages[0].mediabox[2:]] == [612, 792]
    assert "wrote" in result.stderr and "PDFs" in result.stderr


def test_mkdocs_build_with_findings_prints_nothing(handbook: Path) -> None:
    """With `strict: false` the site still builds, but no placeholder reaches paper."""
    with_placeholder(handbook)
    enable_pdf(handbook)
    config = handbook / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      pdf:\n", "      strict: false\n      pdf:\n", 1), encoding="utf-8")
    result = mkdocs_build(handbook)
    assert result.returncode == 0, result.stderr
    site = handbook / "site"
    assert (site / "index.html").is_file()
    assert not (site / "pdf").exists()
    assert download_links(site) == {}
    assert "PDFs not written" in result.stderr


# -- layout: nothing runs off the page ------------------------------------------------------------
def overflowing_boxes(document: Any) -> list[str]:
    """Text and boxes of laid-out pages whose right edge passes the page's content area.

    Reads WeasyPrint's layout tree (``Page._page_box``): the PDF alone cannot say whether a
    line was cut off at the margin."""
    from weasyprint.formatting_structure import boxes

    found: list[str] = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width + 0.5  # half a point of rounding
        stack = [child for child in page_box.children if not isinstance(child, boxes.MarginBox)]
        while stack:
            box = stack.pop()
            if box.position_x + box.margin_width() > right and (
                    isinstance(box, boxes.TextBox) or box.element_tag in ("table", "pre", "img")):
                found.append(f"page {number}: <{box.element_tag}> {getattr(box, 'text', '')[:40]}")
            stack.extend(getattr(box, "children", []))
    return found


def test_the_build_for_printing_captures_the_pages_the_site_shows(
        handbook: Path, tmp_path: Path) -> None:
    """`opsbook pdf` builds the site without Material's search index and without laying the
    pages into the theme's templates (nobody opens that scratch site); the pages it prints
    from are those of a build with both, byte for byte."""
    from opsbook.pdf.site import build_site

    page = handbook / "docs" / "oncall.md"
    # An attribute the search plugin takes out of the page it indexes.
    page.write_text(page.read_text(encoding="utf-8") + "\nFound first by search.\n"
                    '{ data-search-boost="2" }\n', encoding="utf-8")
    config = handbook / "mkdocs.yml"
    printed = build_site(config, tmp_path / "print").site.pages
    shown = build_site(config, tmp_path / "site", search=True, theme=True).site.pages
    assert not (tmp_path / "print" / "search").exists()
    assert (tmp_path / "site" / "search" / "search_index.json").is_file()
    assert "Printed from page content only" in (tmp_path / "print" / "index.html").read_text()
    assert "Printed from page content" not in (tmp_path / "site" / "index.html").read_text()
    assert len(printed) == len(shown) > 10
    for source, shown_page in shown.items():
        assert printed[source] == shown_page, source
    boosted = [shown_page for shown_page in shown.values() if "Found first" in shown_page.html]
    assert len(boosted) == 1 and "data-search-boost" not in boosted[0].html


def test_the_print_build_reports_the_findings_it_is_given_instead_of_checking_again(
        handbook: Path, tmp_path: Path) -> None:
    """`opsbook pdf` has checked the handbook before it builds the site to print: the plugin
    takes those findings (the pages are the same) and does not check a second time."""
    from opsbook.diagnostics import Diagnostic, Level
    from opsbook.pdf.site import SiteBuildError, build_site

    config = handbook / "mkdocs.yml"
    given = build_site(config, tmp_path / "given", findings=[]).site.pages
    checked = build_site(config, tmp_path / "checked").site.pages
    assert given.keys() == checked.keys() and len(given) > 10
    for source, page in checked.items():
        assert given[source] == page, source
    # The handbook is clean: only the given error can fail this strict build.
    planted = Diagnostic("docs/contacts.md", 3, 1, "OB101", Level.ERROR, "planted", "fix it")
    with pytest.raises(SiteBuildError):
        build_site(config, tmp_path / "planted", findings=[planted])


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_nothing_runs_off_the_page(handbook: Path, tmp_path: Path, paper: str) -> None:
    """Long commands wrap and tables fit, on both paper sizes (the handbook has them all)."""
    from weasyprint import HTML

    from opsbook.pdf.compose import HandbookPart, HandbookWriter
    from opsbook.pdf.engine import _fetcher, _fonts, _stylesheets
    from opsbook.pdf.printing import plan_print
    from opsbook.pdf.site import build_site, settings_for

    project = load_site(handbook / "mkdocs.yml")
    build = build_site(handbook / "mkdocs.yml", tmp_path / "site")
    settings = settings_for(project, build.mkdocs_config, build.options, paper=paper)
    plan = plan_print(project, build.site, settings, tmp_path / "out")
    assert plan.handbook is not None
    # What the handbook is made of: the front matter and site pages, the runbooks' own
    # documents, the alert index.
    writer = HandbookWriter(plan.handbook, settings, build.site)
    documents = [writer.html(HandbookPart("front", front=True,
                                          sections=tuple(plan.handbook.sections))),
                 writer.html(HandbookPart("alerts", alerts=True))]
    documents += [job.html for job in plan.runbooks]
    pages = 0
    for html in documents:
        document = HTML(string=html, base_url=build.site.site_dir.as_uri() + "/",
                        url_fetcher=_fetcher(build.site.site_dir)).render(
            stylesheets=_stylesheets(plan.runbooks[0]), font_config=_fonts())
        pages += len(document.pages)
        assert overflowing_boxes(document) == []
    assert pages > len(project.runbooks)
