"""The redacted public build: no personal phone number or e-mail address anywhere in it.

`redact: true` in the plugin block (and `opsbook pdf --redact`) replaces every person's phone
and e-mail with "see internal directory"; team channels and e-mails and vendor support lines
stay. The tests build the reference handbook both ways and read back *every* output file (HTML,
the search index, sitemaps, assets, PDFs as extracted text) looking for each personal number in
the forms it can take (as written, E.164, national and international formats, any run of
digits that spells it) and each personal address (also URL- and HTML-encoded). The unredacted
builds are the control: the same scan must find them there.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import pytest

from opsbook.load.document import load_document
from opsbook.model.contacts import ContactBook
from opsbook.model.project import load_project, site_files
from opsbook.model.redact import REDACTED, redact_contacts, redacted_project
from opsbook.render.context import RenderContext
from opsbook.render.fragments import contact_card, escalation_ladder
from opsbook.settings import load_config
from tests.support.repo import REPO_ROOT, copy_handbook

# ---------------------------------------------------------------------------------------------
# What must not leak: read from the reference handbook's own contacts file.


@dataclass(frozen=True)
class Secrets:
    phones: tuple[str, ...]  # as written
    emails: tuple[str, ...]
    texts: frozenset[str]  # every spelling of every secret
    digit_runs: frozenset[str]  # national numbers and E.164 digits, for digit-run matching


def contact_book(root: Path) -> ContactBook:
    config = load_config(root / "mkdocs.yml")
    return load_project(config, site_files(config)).contacts


def secrets_of(book: ContactBook) -> Secrets:
    phones = tuple(person.phone for person in book.people.values() if person.phone)
    emails = tuple(person.email for person in book.people.values() if person.email)
    texts: set[str] = set()
    digits: set[str] = set()
    for phone in phones:
        number = phonenumbers.parse(phone, None)
        style = phonenumbers.PhoneNumberFormat
        formats = (style.E164, style.NATIONAL, style.INTERNATIONAL, style.RFC3966)
        texts.add(phone)
        texts.update(phonenumbers.format_number(number, style) for style in formats)
        digits.add(str(number.national_number))
        digits.add(f"{number.country_code}{number.national_number}")
    for email in emails:
        texts.update({email, urllib.parse.quote(email), email.replace("@", "&#64;")})
    return Secrets(phones, emails, frozenset(texts), frozenset(digits))


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    found = secrets_of(contact_book(REPO_ROOT))
    assert len(found.phones) >= 10 and len(found.emails) >= 10  # the reference handbook's people
    return found


_DIGIT_RUN = re.compile(r"[+\d(][\d\s().\-/\u00a0]{6,}\d")


def leaks(text: str, secrets: Secrets) -> set[str]:
    """Every secret found in ``text``, looked for as written and after HTML/URL decoding."""
    found: set[str] = set()
    for variant in {text, html.unescape(text), urllib.parse.unquote(text)}:
        found.update(secret for secret in secrets.texts if secret in variant)
        for match in _DIGIT_RUN.finditer(variant):
            digits = re.sub(r"\D", "", match.group(0))
            found.update(run for run in secrets.digit_runs if run in digits)
    return found


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def scan(directory: Path, secrets: Secrets) -> dict[str, set[str]]:
    """Leaks per output file: every file, text or binary (PDFs also as extracted text)."""
    report: dict[str, set[str]] = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        texts = [data.decode("utf-8", "replace"), data.decode("latin-1")]
        if path.suffix == ".pdf":
            texts.append(pdf_text(path))
        found = set().union(*(leaks(text, secrets) for text in texts))
        if found:
            report[path.relative_to(directory).as_posix()] = found
    return report


# ---------------------------------------------------------------------------------------------
# The model function.


def test_redact_contacts_is_a_pure_copy() -> None:
    book = contact_book(REPO_ROOT)
    before = repr(book)
    redacted = redact_contacts(book)
    assert repr(book) == before, "the original book was changed"
    assert redacted is not book
    for person in redacted.people.values():
        original = book.people[person.id]
        assert person.phone == (REDACTED if original.phone else None)
        assert person.email == (REDACTED if original.email else None)
        assert (person.name, person.slack, person.timezone, person.role) == (
            original.name, original.slack, original.timezone, original.role)
    assert redacted.teams == book.teams  # channels and team e-mails stay
    assert redacted.vendors == book.vendors  # vendor support lines stay
    assert redact_contacts(redacted).people == redacted.people  # idempotent


def test_person_without_phone_stays_without() -> None:
    book = contact_book(REPO_ROOT)
    sheet = book.sheets[0]
    from dataclasses import replace

    person = replace(sheet.people[0], phone=None, email=None)
    lonely = ContactBook([replace(sheet, people=[person])])
    redacted = redact_contacts(lonely).sheets[0].people[0]
    assert redacted.phone is None and redacted.email is None


def test_render_layer_uses_the_redacted_book(secrets: Secrets) -> None:
    config = load_config(REPO_ROOT / "mkdocs.yml")
    project = load_project(config, site_files(config))
    open_context = RenderContext.for_project(project, redact=False)
    redacted_context = RenderContext.for_project(project, redact=True)
    person = next(iter(project.contacts.people))
    for render in (lambda c: contact_card(c, person),
                   lambda c: "".join(escalation_ladder(c, t) for t in project.contacts.teams)):
        assert leaks(render(open_context), secrets), "control: the open card shows numbers"
        shown = render(redacted_context)
        assert not leaks(shown, secrets)
        assert REDACTED in shown
    assert project.contacts.people[person].phone in secrets.phones  # the project is untouched
    assert redacted_project(project).documents is project.documents


# ---------------------------------------------------------------------------------------------
# The page sources: contacts come from frontmatter, never from hand-written page text.


def test_page_bodies_hold_no_personal_numbers(secrets: Secrets) -> None:
    """Redaction replaces the contacts *book*; a number typed into a page body would slip
    past it. The reference handbook writes none (pages use the macros)."""
    config = load_config(REPO_ROOT / "mkdocs.yml")
    for path in site_files(config):
        document = load_document(path)
        body = "\n".join(document.lines[document.body_start - 1 :])
        assert not leaks(body, secrets), path


# ---------------------------------------------------------------------------------------------
# The built site.


def _set_redact(root: Path, on: bool, pdf: bool = False) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - opsbook:\n" in text
    text = re.sub(r"\n\s*(redact|enabled): \w+", "", text)
    if pdf and "\n      pdf:\n" in text:
        text = text.replace("\n      pdf:\n", "\n      pdf:\n        enabled: true\n", 1)
    elif pdf:
        block = "  - opsbook:\n      pdf:\n        enabled: true\n"
        text = text.replace("  - opsbook:\n", block, 1)
    if on:
        text = text.replace("  - opsbook:\n", "  - opsbook:\n      redact: true\n", 1)
    config.write_text(text, encoding="utf-8")
    options = load_config(config)
    assert options.redact is on and bool(options.pdf.get("enabled")) is pdf


def build_site(root: Path, redact: bool) -> Path:
    """`mkdocs build`; the redacted build also prints its PDFs (site/pdf/), which are part of
    what gets published and so part of what is scanned."""
    _set_redact(root, redact, pdf=redact)
    site = root / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
         "-d", str(site)],
        cwd=root, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.fixture(scope="module")
def handbooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The reference handbook built open and redacted (each in its own copy)."""
    built = {}
    for name, redact in (("open", False), ("redacted", True)):
        root = copy_handbook(tmp_path_factory.mktemp(name) / "handbook")
        built[name] = build_site(root, redact)
    yield built
    for site in built.values():
        shutil.rmtree(site.parent, ignore_errors=True)


def test_open_site_shows_personal_numbers(handbooks: dict[str, Path], secrets: Secrets) -> None:
    """The control: the scan finds the numbers when nothing is redacted."""
    report = scan(handbooks["open"], secrets)
    found = set().union(*report.values())
    assert set(secrets.phones) <= found and set(secrets.emails) <= found
    assert any(name.endswith("search_index.json") for name in report)


def test_redacted_site_has_no_personal_number_anywhere(
    handbooks: dict[str, Path], secrets: Secrets
) -> None:
    site = handbooks["redacted"]
    files = [path for path in site.rglob("*") if path.is_file()]
    assert (site / "search" / "search_index.json") in files
    assert len([path for path in files if path.suffix == ".pdf"]) > 10
    assert len(files) > 50
    assert scan(site, secrets) == {}


def test_redacted_site_keeps_team_and_vendor_lines(handbooks: dict[str, Path]) -> None:
    book = contact_book(REPO_ROOT)
    pages = "".join(path.read_text(encoding="utf-8", errors="replace")
                    for path in handbooks["redacted"].rglob("*.html"))
    assert REDACTED in pages
    for team in book.teams.values():
        assert team.channel and html.escape(team.channel) in pages
        assert team.email and team.email in pages
    for vendor in book.vendors.values():
        assert vendor.phone and vendor.phone in pages
        assert vendor.email and vendor.email in pages


def _squeezed(text: str) -> str:
    return " ".join(html.unescape(text).split())


def test_search_index_holds_no_raw_frontmatter(handbooks: dict[str, Path]) -> None:
    """No four consecutive frontmatter lines of any page appear in the search index (the rule
    catalogue quotes short YAML examples; a dumped frontmatter block would show as runs of its
    lines)."""
    config = load_config(REPO_ROOT / "mkdocs.yml")
    windows: set[str] = set()
    for path in site_files(config):
        document = load_document(path)
        if not document.frontmatter.present:
            continue
        lines = [line for line in document.lines[1 : document.body_start - 2] if line.strip()]
        windows.update(_squeezed(" ".join(lines[i : i + 4])) for i in range(len(lines) - 3))
    assert len(windows) > 100
    for built in handbooks.values():
        index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
        indexed = _squeezed(" ".join(f"{doc['title']} {doc['text']}" for doc in index["docs"]))
        assert len(indexed) > 10_000
        leaked = sorted(window for window in windows if window in indexed)
        assert not leaked, leaked[:5]


# ---------------------------------------------------------------------------------------------
# PDFs: `opsbook pdf --redact`.


def run_pdf(root: Path, out: Path, *args: str) -> list[Path]:
    script = Path(sys.executable).with_name("opsbook")
    assert script.is_file(), "console script not installed next to the interpreter"
    result = subprocess.run(
        [str(script), "pdf", "-o", str(out), "--config", str(root / "mkdocs.yml"), *args],
        cwd=root, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pdfs = sorted(out.rglob("*.pdf"))
    assert pdfs
    return pdfs


@pytest.mark.slow
def test_redacted_site_pdfs_keep_vendor_lines(handbooks: dict[str, Path]) -> None:
    handbook = next(handbooks["redacted"].rglob("handbook*.pdf"))
    text = pdf_text(handbook)
    assert REDACTED in " ".join(text.split())
    for vendor in contact_book(REPO_ROOT).vendors.values():
        assert vendor.phone and vendor.phone in text


@pytest.mark.slow
def test_pdf_redact_flag_has_no_personal_number(tmp_path: Path, secrets: Secrets) -> None:
    """`opsbook pdf --redact` with a config that does not ask for redaction: the flag alone
    redacts (one runbook: its header card lists the team's people; the whole handbook is
    printed redacted by the site build above)."""
    root = copy_handbook(tmp_path / "handbook")
    _set_redact(root, False)
    out = tmp_path / "pdf"
    run_pdf(root, out, "--redact", "--runbook", "db-primary-failover")
    assert scan(out, secrets) == {}
    assert REDACTED in " ".join(pdf_text(next(out.rglob("*.pdf"))).split())


@pytest.mark.slow
def test_pdf_without_redact_shows_personal_numbers(tmp_path: Path, secrets: Secrets) -> None:
    """The control for the PDF scan (one runbook: its header card lists the team's people)."""
    root = copy_handbook(tmp_path / "handbook")
    _set_redact(root, False)
    pdfs = run_pdf(root, tmp_path / "pdf", "--runbook", "db-primary-failover")
    assert scan(tmp_path / "pdf", secrets), [p.name for p in pdfs]
