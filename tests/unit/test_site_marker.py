"""opsbook's marker on runbook pages, and reading a built site for it."""

from __future__ import annotations

from pathlib import Path

from opsbook.site.marker import (
    add_marker,
    check_built_site,
    marker_tag,
    markers_in,
    page_candidates,
)


def test_marker_goes_into_the_head_and_reads_back() -> None:
    page = "<html><head><title>x</title></HEAD><body>db</body></html>"
    marked = add_marker(page, 'db-"failover"')
    assert marked.index(marker_tag('db-"failover"')) < marked.index("</HEAD>")
    assert markers_in(marked) == {'db-"failover"'}
    assert markers_in(page) == set()
    assert markers_in(add_marker("<p>no head</p>", "x")) == {"x"}


def test_page_candidates_cover_both_url_styles() -> None:
    assert page_candidates("runbooks/db/failover.md") == (
        "runbooks/db/failover/index.html", "runbooks/db/failover.html")
    assert page_candidates("runbooks/index.md")[0] == "runbooks/index.html"


def test_built_site_check_names_each_unmarked_or_missing_page(tmp_path: Path) -> None:
    (tmp_path / "runbooks" / "db").mkdir(parents=True)
    (tmp_path / "runbooks" / "db" / "failover.html").write_text(
        add_marker("<head></head>", "db-failover"))
    (tmp_path / "runbooks" / "db" / "lag").mkdir()
    (tmp_path / "runbooks" / "db" / "lag" / "index.html").write_text("<head></head>")
    problems = check_built_site(tmp_path, [
        ("db-failover", "runbooks/db/failover.md", "runbooks/db/failover.md"),
        ("db-lag", "runbooks/db/lag.md", "runbooks/db/lag.md"),
        ("db-gone", "runbooks/db/gone.md", "runbooks/db/gone.md"),
    ])
    assert [(problem.path, problem.runbook) for problem in problems] == [
        ("runbooks/db/lag/index.html", "db-lag"), ("runbooks/db/gone/index.html", "db-gone")]
    assert "without opsbook" in problems[0].message
    assert "no page in the built site" in problems[1].message


