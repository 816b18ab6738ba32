"""The parts of PDF printing that need no site build: rewriting pages, paths, the fetcher,
parallel rendering of small documents, progress output."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from opsbook.pdf.compose import PrintSettings, css_string, fill_page_numbers, page_refs
from opsbook.pdf.engine import PrintJob, _fetcher, render_all
from opsbook.pdf.printing import pdf_file_name, runbook_pdf_path
from opsbook.pdf.progress import ProgressDisplay
from opsbook.pdf.revision import Revision
from opsbook.pdf.rewrite import LinkTargets, page_anchor, rewrite_page, site_path


# -- rewriting a rendered page --------------------------------------------------------------------
def rewrite(html: str, *, site_url: str = "", site_dir: Path | None = None) -> str:
    anchors = {"severity/": "p-severity", "runbooks/db/failover/": "p-runbooks-db-failover"}
    return rewrite_page(html, "runbooks/db/failover/", "p-runbooks-db-failover",
                        LinkTargets(anchors, site_url, site_dir))


def test_ids_are_prefixed_so_pages_can_share_a_document() -> None:
    html = rewrite('<h2 id="mitigation">Mitigation</h2><label for="tab-1">x</label>')
    assert 'id="p-runbooks-db-failover--mitigation"' in html
    assert 'for="p-runbooks-db-failover--tab-1"' in html


def test_links_to_printed_pages_become_internal() -> None:
    html = rewrite('<a href="#diagnosis">a</a> <a href="../../../severity/#sev1">b</a>'
                   ' <a href="../../../severity/index.html">c</a>')
    assert 'href="#p-runbooks-db-failover--diagnosis"' in html
    assert 'href="#p-severity--sev1"' in html
    assert 'href="#p-severity"' in html
    assert html.count('class="obp-internal"') == 3


def test_links_to_pages_not_printed() -> None:
    html = '<a href="../../../by-alert/">alert index</a>'
    dropped = rewrite(html)
    assert dropped == "<a>alert index</a>"  # no link into a deleted build directory
    published = rewrite(html, site_url="https://handbook.example.com/")
    assert 'href="https://handbook.example.com/by-alert/"' in published


def test_external_links_show_their_address_unless_the_text_is_the_address() -> None:
    named = rewrite('<a href="https://grafana.example.com/d/x">the dashboard</a>')
    assert 'data-obp-url="true"' in named
    bare = rewrite('<a href="https://status.example.com">https://status.example.com</a>')
    assert "data-obp-url" not in bare
    mail = rewrite('<a href="mailto:ops@example.com">ops@example.com</a>')
    assert 'href="mailto:ops@example.com"' in mail and "data-obp-url" not in mail
    assert "href" not in rewrite('<a href="javascript:alert(1)">x</a>')


def test_markup_that_is_not_changed_is_kept_byte_for_byte() -> None:
    html = ('<p>a &amp;&amp; b &lt;x&gt; &#36;HOME</p><!-- note --><svg viewBox="0 0 1 1">'
            '<path d="M0 0"/></svg><pre><code>kubectl get pods | grep -E "a|b"</code></pre>')
    assert rewrite(html) == html


def test_code_keeps_its_text_and_comments_but_not_token_colours() -> None:
    html = ('<div class="highlight"><pre><span></span><code><span class="nb">echo</span> '
            '<span class="s2">&quot;$pod&quot;</span>  <span class="c1"># why</span>\n'
            '</code></pre></div><p><span class="x">outside</span></p>')
    out = rewrite(html)
    assert '<code>echo &quot;$pod&quot;  <span class="c1"># why</span>\n</code>' in out
    assert '<span class="x">outside</span>' in out


def test_images_resolve_to_files_of_the_built_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "img").mkdir(parents=True)
    (site / "img" / "map.png").write_bytes(b"png")
    html = rewrite('<img src="../../../img/map.png" srcset="x 2x">'
                   '<img src="../../../../../../../etc/passwd">', site_dir=site)
    assert f'src="{(site / "img" / "map.png").resolve().as_uri()}"' in html
    assert "srcset" not in html
    # Climbing above the site root stops at the root, as URLs do.
    assert f'src="{(site / "etc" / "passwd").resolve().as_uri()}"' in html


def test_page_anchor_and_site_path() -> None:
    assert page_anchor("runbooks/db/db-primary-failover.md") == "p-runbooks-db-db-primary-failover"
    assert page_anchor("index.md") == "p-index"
    assert site_path("/severity/index.html") == "severity/"
    assert site_path("index.html") == ""


# -- small pure helpers ---------------------------------------------------------------------------
def test_css_string_cannot_break_out_of_the_style_element() -> None:
    value = css_string('Quote " back \\ slash\n</style><script>')
    assert value.startswith('"') and value.endswith('"')
    assert "</style" not in value and "\n" not in value
    assert '\\"' in value and "\\\\" in value and "\\A " in value


def test_pdf_file_names_stay_in_the_output_directory() -> None:
    assert pdf_file_name("db-primary-failover") == "db-primary-failover.pdf"
    assert "/" not in pdf_file_name("../../etc/passwd")
    assert not pdf_file_name("..").startswith(".")
    assert runbook_pdf_path("x") == "runbooks/x.pdf"


def test_printed_line_and_stamp() -> None:
    settings = PrintSettings("a4", "Handbook", "", dt.date(2026, 1, 2), Revision("abc", True))
    assert settings.printed_line == ("Printed 2026-01-02 rev abc+dirty — check the site for "
                                     "the latest")
    assert settings.stamp == ""
    stamped = PrintSettings("a4", "H", "", dt.date(2026, 1, 2), Revision(None),
                            site_url="https://h.example.com", unverified=2)
    assert "check https://h.example.com for the latest" in stamped.printed_line
    assert stamped.stamp.startswith("UNVERIFIED") and "2 error-level findings" in stamped.stamp


# -- the fetcher: nothing outside the built site, never the network ------------------------------
def test_fetcher_reads_the_site_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "style.css").write_text("p {}", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("no", encoding="utf-8")
    fetcher = _fetcher(site)
    response = fetcher.fetch((site / "style.css").as_uri())
    try:
        assert response.read() == b"p {}"
    finally:
        response.close()
    for url in (secret.as_uri(), "https://example.com/font.woff2", "ftp://example.com/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# -- rendering in parallel ------------------------------------------------------------------------
def small_job(tmp_path: Path, name: str, pages: int) -> PrintJob:
    body = "".join(f'<p style="break-before: page">{name} part {i}</p>' for i in range(pages))
    html = f"<!DOCTYPE html><html><head><title>{name}</title></head><body>{body}</body></html>"
    return PrintJob(name, html, tmp_path / "out" / f"{name}.pdf", tmp_path)


def page_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def test_parallel_rendering_writes_the_same_documents(tmp_path: Path) -> None:
    jobs = [small_job(tmp_path, f"doc{i}", i + 1) for i in range(4)]
    seen: list[str] = []
    results = render_all(jobs, workers=2, on_done=lambda result: seen.append(result.name))
    assert sorted(seen) == [job.name for job in jobs]
    assert {r.name: r.pages for r in results} == {f"doc{i}": i + 1 for i in range(4)}
    for index, job in enumerate(jobs):  # its own parts, in order, each under a page footer
        pages = index + 1
        assert page_texts(job.output) == [f"doc{index} part {part} page {part + 1} of {pages}"
                                          for part in range(pages)]
    serial_job = small_job(tmp_path / "serial", "doc2", 3)
    serial = render_all([serial_job], workers=1)
    assert serial[0].pages == 3 and serial[0].error is None
    assert page_texts(serial_job.output) == page_texts(jobs[2].output)


def test_a_failing_document_is_reported_not_raised(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a directory should be", encoding="utf-8")
    job = PrintJob("broken", "<p>x</p>", blocked / "broken.pdf", tmp_path)
    [result] = render_all([job], workers=1)
    assert result.error is not None and result.pages == 0
    assert not list(tmp_path.rglob("*.partial"))


# -- page numbers written into links --------------------------------------------------------------
def test_page_numbers_are_written_into_local_links() -> None:
    html = ('<a href="#p-severity">Severity</a> <a class="x" href="#p-db--mitigation">m</a>'
            ' <a href="https://example.com/">e</a> <a href="#p-nowhere">n</a>')
    assert page_refs(html) == {"p-severity", "p-db--mitigation", "p-nowhere"}
    filled = fill_page_numbers(html, {"p-severity": 4, "p-db--mitigation": 12})
    assert '<a href="#p-severity" data-page="4">' in filled
    assert '<a class="x" href="#p-db--mitigation" data-page="12">' in filled
    assert '<a href="#p-nowhere">' in filled  # unknown: no number rather than a wrong one
    assert '<a href="https://example.com/">' in filled
    assert fill_page_numbers(html, {}) == html
    permalink = '<a class="headerlink obp-internal" href="#p-db--mitigation">¶</a>'
    assert page_refs(permalink) == set()  # never printed: no number, nothing to wait for
    assert fill_page_numbers(permalink, {"p-db--mitigation": 12}) == permalink


def test_handbook_parts_start_where_the_whole_document_breaks_pages() -> None:
    """One part per site page and per runbook; the first runbook of a service carries the
    service heading, the very first one the "Runbooks" title."""
    from opsbook.pdf.compose import HandbookPlan, handbook_parts

    plan = HandbookPlan([], [])
    assert [part.name for part in handbook_parts(plan)] == ["front"]


# -- reuse between runs ---------------------------------------------------------------------------
def test_reuse_keys_follow_the_document_and_its_images(tmp_path: Path) -> None:
    from opsbook.pdf.reuse import Reuse

    css = tmp_path / "print.css"
    css.write_text("p { color: black }", encoding="utf-8")
    image = tmp_path / "logo.svg"
    image.write_text("<svg/>", encoding="utf-8")
    html = f'<p>x</p><img src="{image.as_uri()}">'
    reuse = Reuse(tmp_path / "out", (css,))
    key = reuse.key(html)
    assert key == Reuse(tmp_path / "out", (css,)).key(html)
    assert key != reuse.key(html + " ")
    image.write_text("<svg></svg>", encoding="utf-8")
    assert key != Reuse(tmp_path / "out", (css,)).key(html)  # same name, new picture
    css.write_text("p { color: red }", encoding="utf-8")
    assert Reuse(tmp_path / "out", (css,)).key(html) != reuse.key(html)


@pytest.mark.parametrize("manifest", ["{not json", "[]", '{"format": 1, "documents": 3}',
                                      '{"format": 999}', ""])
def test_a_bad_manifest_is_a_cold_run(tmp_path: Path, manifest: str) -> None:
    from opsbook.pdf.reuse import CACHE_DIR, MANIFEST, Reuse

    output = tmp_path / "out"
    (output / CACHE_DIR).mkdir(parents=True)
    (output / CACHE_DIR / MANIFEST).write_text(manifest, encoding="utf-8")
    reuse = Reuse(output, ())
    assert reuse.cold
    assert reuse.current(output / "handbook.pdf", "0" * 40) is None


def test_a_pdf_changed_behind_our_back_is_printed_again(tmp_path: Path) -> None:
    from opsbook.pdf.reuse import Reuse

    output = tmp_path / "out"
    pdf = output / "runbooks" / "db.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7 one")
    reuse = Reuse(output, ())
    reuse.record(pdf, "k1", 1)
    reuse.save(prune_parts=False)
    again = Reuse(output, ())
    assert again.current(pdf, "k1") is not None
    assert again.current(pdf, "k2") is None  # other inputs
    pdf.write_bytes(b"%PDF-1.7 edited by hand")
    assert Reuse(output, ()).current(pdf, "k1") is None
    pdf.unlink()
    assert Reuse(output, ()).current(pdf, "k1") is None


# -- progress -------------------------------------------------------------------------------------
def test_progress_without_a_terminal_prints_only_the_stages() -> None:
    stream = io.StringIO()
    progress = ProgressDisplay(stream)
    assert not progress.live
    progress.step("building the site")
    progress.start()
    progress.queued(2)
    progress.finished("db-failover", 3, failed=False)
    progress.finished("handbook:front", 4, failed=False)
    progress.close()
    assert stream.getvalue() == "opsbook pdf: building the site\n"


def test_progress_on_a_terminal_is_one_redrawn_line() -> None:
    stream = io.StringIO()
    progress = ProgressDisplay(stream, live=True)
    progress.start()
    progress.queued(2)
    progress.finished("db-failover", 3, failed=False)
    progress.finished("handbook:front", 4, failed=False)
    progress.close()
    text = stream.getvalue()
    assert "\n" not in text
    # Redraws in between are rate-limited; the first and the last are always drawn.
    assert "[------------------------] 0/2 laid out, 0 pages" in text
    assert "[########################] 2/2 laid out, 7 pages" in text
    assert text.endswith("\r\033[K")


# -- reuse keys -------------------------------------------------------------------------------
def test_a_key_holds_an_image_by_its_bytes_not_by_the_scratch_build_it_is_in(
        tmp_path: Path) -> None:
    """`opsbook pdf` builds the site into a new scratch directory every run: a document that
    shows an image must keep its key, unless the image's bytes change."""
    from opsbook.pdf.reuse import Reuse

    def key(build: str) -> str:
        site = tmp_path / build
        image = site / "img" / "diagram.png"
        return Reuse(tmp_path / "out", (), site_dir=site).key(
            f'<p>See <img src="{image.as_uri()}"></p>')

    for build in ("first", "second"):
        (tmp_path / build / "img").mkdir(parents=True)
        (tmp_path / build / "img" / "diagram.png").write_bytes(b"\x89PNG same")
    assert key("first") == key("second")
    (tmp_path / "second" / "img" / "diagram.png").write_bytes(b"\x89PNG changed")
    assert key("first") != key("second")
