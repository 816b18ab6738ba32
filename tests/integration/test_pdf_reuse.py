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


# -- reuse by sources (opsbook.pdf.sources): the print document is not even made ---------------


@dataclass
class SourceRuns:
    root: Path
    phone_owners: set[str]  # runbooks whose header card shows the changed number
    reprinted_after_contact: set[str]
    after_contact: dict[str, Reading]
    cold_after_contact: dict[str, Reading]
    reprinted_after_body: set[str]
    after_body: dict[str, Reading]
    cold_after_body: dict[str, Reading]


NEW_PHONE = "+1 202-555-0198"


@pytest.fixture(scope="module")
def source_runs(tmp_path_factory: pytest.TempPathFactory) -> SourceRuns:
    from opsbook.run import load_site

    root = copy_handbook(tmp_path_factory.mktemp("sources") / "handbook")
    output = root.parent / "out"
    print_pdfs(root, output)  # the cold run records every runbook's sources

    # A number in the first escalation step of a team: its runbooks' header cards show it.
    project = load_site(root / "mkdocs.yml", TODAY)
    contacts = project.contacts
    runbook = project.runbooks[0]
    person = contacts.people[contacts.teams[runbook.owner].escalation[0].notify[0]]
    assert person.phone is not None
    owners = {r.id for r in project.runbooks
              if person.id in contacts.teams[r.owner].escalation[0].notify}
    contacts_file = root / "docs" / "contacts.md"
    text = contacts_file.read_text(encoding="utf-8")
    assert text.count(person.phone) == 1
    contacts_file.write_text(text.replace(person.phone, NEW_PHONE), encoding="utf-8")
    before = modified(output)
    print_pdfs(root, output)
    reprinted_after_contact = changed(before, modified(output))
    after_contact = read_all(output)
    print_pdfs(root, root.parent / "cold-contact")
    cold_after_contact = read_all(root.parent / "cold-contact")

    # Another runbook's body (not its frontmatter): only it is made and laid out again.
    last = root / sorted(r.origin.document.path.relative_to(project.config.root).as_posix()
                         for r in project.runbooks)[-1]
    body = last.read_text(encoding="utf-8")
    last.write_text(body.replace("## Diagnosis", "## Diagnosis\n\nSources marker.\n", 1),
                    encoding="utf-8")
    before = modified(output)
    print_pdfs(root, output)
    reprinted_after_body = changed(before, modified(output))
    after_body = read_all(output)
    print_pdfs(root, root.parent / "cold-body")
    return SourceRuns(root, {f"runbooks/{name}.pdf" for name in owners},
                      reprinted_after_contact, after_contact, cold_after_contact,
                      reprinted_after_body, after_body, read_all(root.parent / "cold-body"))


def test_a_changed_contact_reprints_the_runbooks_that_show_it(source_runs: SourceRuns) -> None:
    assert source_runs.phone_owners
    assert source_runs.phone_owners <= source_runs.reprinted_after_contact
    for name in source_runs.phone_owners:
        assert NEW_PHONE.replace(" ", "") in "".join(
            source_runs.after_contact[name].pages).replace(" ", ""), name
    assert source_runs.after_contact == source_runs.cold_after_contact


def test_a_body_edit_reprints_that_runbook_and_reads_like_a_cold_run(
        source_runs: SourceRuns) -> None:
    reprinted = source_runs.reprinted_after_body
    assert "handbook.pdf" in reprinted and len(reprinted) == 2, reprinted
    (runbook,) = reprinted - {"handbook.pdf"}
    assert "Sources marker" in "".join(source_runs.after_body[runbook].pages)
    assert source_runs.after_body == source_runs.cold_after_body


def _config(root: Path) -> Any:
    from opsbook.engine import engine_module, use_engine

    use_engine(root / "mkdocs.yml")
    load_config = engine_module("config", root / "mkdocs.yml").load_config
    return load_config(config_file=str(root / "mkdocs.yml"))


def test_site_inputs_follow_every_source_but_the_runbooks_bodies(tmp_path: Path) -> None:
    from opsbook.pdf.sources import site_inputs
    from opsbook.run import load_site

    root = copy_handbook(tmp_path / "handbook")

    def inputs() -> str:
        return site_inputs(load_site(root / "mkdocs.yml", TODAY), _config(root))

    first = inputs()
    assert first and inputs() == first
    runbook = root / FIRST_RUNBOOK
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("## Diagnosis", "## Diagnosis\n\nBody only.\n", 1),
                       encoding="utf-8")
    assert inputs() == first  # a body is the runbook's own key's
    runbook.write_text(text.replace("summary: Stop", "summary: Quickly stop", 1), encoding="utf-8")
    assert inputs() != first  # frontmatter: a macro on another page may read it
    runbook.write_text(text, encoding="utf-8")
    assert inputs() == first
    page = root / "docs" / "oncall.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert inputs() != first
    config = root / "mkdocs.yml"
    original = config.read_text(encoding="utf-8")
    # A stylesheet of extra_css may come from the theme's custom_dir: its bytes count.
    (root / "overrides").mkdir(exist_ok=True)
    (root / "overrides" / "print-extra.css").write_text("h2 { color: #123; }\n")
    config.write_text(original.replace("  name: material\n",
                                       "  name: material\n  custom_dir: overrides\n", 1),
                      encoding="utf-8")
    themed = inputs()
    assert themed and themed != first
    (root / "overrides" / "print-extra.css").write_text("h2 { color: #456; }\n")
    assert inputs() not in ("", themed)
    config.write_text(original.replace("site_url: https://handbook.example.com/",
                                       "site_url: !ENV [SITE_URL, 'https://handbook.example.com/']",
                                       1), encoding="utf-8")
    assert inputs() == ""  # the environment can change the config: made and compared
    config.write_text(original.replace(
        "  - pymdownx.superfences\n", "  - pymdownx.superfences\n  - pymdownx.snippets\n"),
        encoding="utf-8")
    assert inputs() == ""  # includes can read any file: every document is made and compared


def test_a_page_left_unrendered_is_never_printed(tmp_path: Path) -> None:
    """The build leaves a runbook's page unrendered when its PDF is current by its sources;
    should that PDF not be current after all (changed meanwhile), the run stops with a
    message instead of printing what the page is not."""
    from opsbook.pdf.compose import PrintError
    from opsbook.pdf.printing import plan_print, print_plan
    from opsbook.pdf.site import build_site, settings_for
    from opsbook.run import load_site

    root = copy_handbook(tmp_path / "handbook")
    project = load_site(root / "mkdocs.yml", TODAY)
    first = project.runbooks[0]
    source = first.origin.document.path.resolve()
    build = build_site(root / "mkdocs.yml", tmp_path / "site", project=project,
                       unneeded=lambda _config, _options, _inputs: {source})
    pages = build.site.pages
    assert not pages[source].complete and "<h2" not in pages[source].html
    assert all(page.complete for path, page in pages.items() if path != source)
    settings = settings_for(project, build.mkdocs_config, build.options, today=TODAY)
    plan = plan_print(project, build.site, settings, tmp_path / "out", handbook=False,
                      runbook_ids=[first.id])
    with pytest.raises(PrintError, match=first.id):
        print_plan(plan, 1)
