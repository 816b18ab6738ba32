"""Nothing from outside the project reaches the site, its search index or a PDF: symlinked
runbooks, symlinked folders and files, snippet includes of absolute, `../` or URL paths are
refused (OB010) and left out of strict and non-strict builds alike; content cannot reach the
file system or Python attributes through a macro or Jinja syntax."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from opsbook.run import check_paths
from tests.support.engines import SiteEngine
from tests.support.sitekit import MKDOCS_YML, RUNBOOK, make_site

TODAY = "2026-11-25"

# --- a handbook with links and includes leading out of it ----------------------------------

SNIPPETS_YML = MKDOCS_YML + """\
markdown_extensions:
  - pymdownx.snippets:
      # As permissive as the extension allows: opsbook must refuse what leaves the project.
      base_path: ["."]
      restrict_base_path: false
"""

LEAKED_RUNBOOK = RUNBOOK.replace("id: api-down", "id: leaked").replace(
    "alerts: [ApiDown]", "alerts: [Leaked]").replace("Errors.", "Errors. LEAK-RUNBOOK-7F3A")


def leaky_handbook(tmp_path: Path) -> tuple[Path, Path]:
    """A valid handbook plus every way out: returns (project root, the outside folder)."""
    outside = tmp_path / "outside"
    (outside / "shared").mkdir(parents=True)
    (outside / "leaked.md").write_text(LEAKED_RUNBOOK, encoding="utf-8")
    (outside / "shared" / "page.md").write_text("# Shared\nLEAK-FOLDER-7F3A\n", encoding="utf-8")
    (outside / "notes.txt").write_text("LEAK-TEXT-7F3A\n", encoding="utf-8")
    (outside / "snippet.md").write_text("LEAK-SNIPPET-7F3A\n", encoding="utf-8")
    root = tmp_path / "handbook"
    make_site(root, {
        "mkdocs.yml": SNIPPETS_YML,
        "docs/include.md": (
            "# Includes\n\n"
            f'--8<-- "{outside / "snippet.md"}"\n\n'
            '--8<-- "../outside/snippet.md"\n\n'
            "--8<-- \"docs/inner.md\"\n"
        ),
        # Inside the project, but itself including a file outside it.
        "docs/inner.md": "Inner text.\n\n--8<-- \"../outside/snippet.md\"\n",
    })
    (root / "runbooks" / "api" / "leaked.md").symlink_to(outside / "leaked.md")
    (root / "docs" / "linked").symlink_to(outside / "shared", target_is_directory=True)
    (root / "docs" / "notes.txt").symlink_to(outside / "notes.txt")
    # A link that stays inside the project is fine.
    (root / "docs" / "home.md").symlink_to(root / "docs" / "index.md")
    return root, outside


TOKENS = ("LEAK-RUNBOOK-7F3A", "LEAK-FOLDER-7F3A", "LEAK-TEXT-7F3A", "LEAK-SNIPPET-7F3A")


def leaks_in(folder: Path) -> list[str]:
    """Every file below ``folder`` (sitemaps unzipped, PDFs as text) holding a token."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        if path.suffix == ".pdf":
            from pypdf import PdfReader

            data = "".join(page.extract_text() for page in PdfReader(path).pages).encode()
        found.extend(f"{path.relative_to(folder)}: {token}" for token in TOKENS
                     if token.encode() in data)
    return found


def test_check_reports_every_way_out(tmp_path: Path) -> None:
    root, outside = leaky_handbook(tmp_path)
    found = check_paths([], root / "mkdocs.yml",
                        today=dt.date.fromisoformat(TODAY)).diagnostics
    refused = sorted((d.path, d.line) for d in found if d.rule == "OB010")
    assert refused == [
        ("docs/include.md", 3), ("docs/include.md", 5), ("docs/inner.md", 3),
        ("docs/linked", 1), ("docs/notes.txt", 1), ("runbooks/api/leaked.md", 1),
    ]
    assert all(d.level.value == "error" for d in found if d.rule == "OB010")
    link = next(d for d in found if d.path == "runbooks/api/leaked.md")
    assert str(outside / "leaked.md") in link.message and "not read" in link.message
    # The linked runbook was never read: none of its content is checked or shown.
    assert not any("leaked" in d.message.lower() for d in found if d.rule != "OB010")
    assert [d.rule for d in found if d.path in ("docs/home.md", "docs/index.md")] == []




def test_a_runbooks_folder_that_lives_elsewhere_is_refused_whole(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "api").mkdir(parents=True)
    (outside / "api" / "leaked.md").write_text(LEAKED_RUNBOOK, encoding="utf-8")
    root = tmp_path / "handbook"
    make_site(root, {"runbooks/api/api-down.md": None})  # type: ignore[dict-item]
    (root / "runbooks").symlink_to(outside, target_is_directory=True)
    found = check_paths([], root / "mkdocs.yml",
                        today=dt.date.fromisoformat(TODAY)).diagnostics
    assert [(d.rule, d.path) for d in found if d.rule == "OB010"] == [("OB010", "runbooks")]
    assert "a folder outside the project" in next(d for d in found if d.rule == "OB010").message
    assert not any("LEAK" in d.message or "leaked" in d.path for d in found)


@pytest.mark.slow
def test_non_strict_build_leaves_everything_outside_out(
    tmp_path: Path, site_engine: SiteEngine
) -> None:
    root, _outside = leaky_handbook(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "runbooks_dir: runbooks", "runbooks_dir: runbooks\n      strict: false"))
    built = site_engine.build(root, tmp_path / "site")
    assert built.returncode == 0, built.stderr
    assert "OB010" in built.stderr
    assert leaks_in(tmp_path / "site") == []
    assert (tmp_path / "site" / "search" / "search_index.json").is_file()
    page = (tmp_path / "site" / "include" / "index.html").read_text(encoding="utf-8")
    assert "left out (OB010)" in page and "Inner text." in page
    assert not (tmp_path / "site" / "linked").exists()
    assert not (tmp_path / "site" / "notes.txt").exists()
    assert (tmp_path / "site" / "home" / "index.html").is_file()  # a link inside: published
    # The theme's and opsbook's own files (outside the project, not content) are all there.
    assert list((tmp_path / "site" / "assets" / "stylesheets").glob("main.*.min.css"))
    assert (tmp_path / "site" / "assets" / "opsbook" / "opsbook.css").is_file()


@pytest.mark.slow
def test_strict_build_fails_and_leaves_everything_outside_out(
    tmp_path: Path, site_engine: SiteEngine
) -> None:
    root, _outside = leaky_handbook(tmp_path)
    built = site_engine.build(root, tmp_path / "site")
    assert built.returncode == 1
    assert "OB010" in built.stderr and "Traceback" not in built.stderr
    site = tmp_path / "site"
    assert not site.exists() or leaks_in(site) == []


@pytest.mark.slow
def test_pdf_leaves_everything_outside_out(tmp_path: Path, site_engine: SiteEngine) -> None:
    root, _outside = leaky_handbook(tmp_path)
    printed = site_engine.opsbook(
        root, "pdf", "--allow-findings", "-o", str(tmp_path / "pdf"), "--today", TODAY)
    assert printed.returncode == 0, printed.stderr
    assert sorted((tmp_path / "pdf").rglob("*.pdf"))
    assert leaks_in(tmp_path / "pdf") == []


# --- content is never a template --------------------------------------------------------------

JINJA_ATTEMPTS = """
{{ ''.__class__.__mro__[1].__subclasses__() }}

{{ contact_card("ana".__class__) }}

{{ contact_card("../../../../etc/passwd") }}

{{ contact_card(config.__class__.__init__.__globals__) }}

{% include "/etc/passwd" %}

{{ self.__init__.__globals__.__builtins__.open("/etc/passwd").read() }}

{{ 7 * 191 }}
"""

# What any of those would print if evaluated: a class list, a passwd line, a product.
EVALUATED = ("<class 'object'>", "&lt;class", "__subclasses__()]", "root:x:0:0", "1337")


@pytest.mark.slow
def test_content_cannot_reach_files_or_python_attributes(
    tmp_path: Path, site_engine: SiteEngine
) -> None:
    root = tmp_path / "handbook"
    runbook = RUNBOOK.replace("## Diagnosis\n", f"{JINJA_ATTEMPTS}\n## Diagnosis\n")
    make_site(root, {"runbooks/api/api-down.md": runbook,
                     "docs/jinja.md": "# Jinja\n" + JINJA_ATTEMPTS})
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "runbooks_dir: runbooks", "runbooks_dir: runbooks\n      strict: false"))
    built = site_engine.build(root, tmp_path / "site")
    assert built.returncode == 0, built.stderr
    assert "OB402" in built.stderr  # the call-shaped lines name no contact: reported
    printed = site_engine.opsbook(root, "pdf", "--allow-findings", "--runbook", "api-down",
                                  "-o", str(tmp_path / "pdf"), "--today", TODAY)
    assert printed.returncode == 0, printed.stderr
    for output in (tmp_path / "site", tmp_path / "pdf"):
        for path in sorted(output.rglob("*")):
            if path.suffix not in (".html", ".json", ".pdf"):
                continue
            if path.suffix == ".pdf":
                from pypdf import PdfReader

                text = "".join(page.extract_text() for page in PdfReader(path).pages)
            else:
                text = path.read_text(encoding="utf-8")
            found = [marker for marker in EVALUATED if marker in text]
            if path.name == "search_index.json":
                found = [marker for marker in found if marker != "&lt;class"]
            assert found == [], f"{path}: {found}"
    page = (tmp_path / "site" / "jinja" / "index.html").read_text(encoding="utf-8")
    assert "{% include &quot;/etc/passwd&quot; %}" in page or '{% include "/etc/passwd" %}' in page
    assert "{{ 7 * 191 }}" in page  # left as the text it is
