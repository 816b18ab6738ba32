"""Snippet include lines as pymdownx.snippets reads them, and which of them name something
outside the project (OB010)."""

from __future__ import annotations

import pytest

from opsbook.load.confine import (
    REFUSED_NOTICE,
    include_leaves_project,
    snippet_includes,
    strip_refused_includes,
)

# --- snippet include lines (pure) -------------------------------------------------------------


def test_snippet_include_lines_as_pymdownx_reads_them() -> None:
    lines = [
        '--8<-- "docs/a.md"',
        "  -8<- 'b.md:3:5'",
        ';--8<-- "escaped.md"',
        "--8<--",
        "c.md",
        "",
        "../d.md:intro",
        "--8<--",
        'text --8<-- "not-an-include.md"',
        '--8<-- "https://example.com/x.md"',
    ]
    found = [(include.line, include.path) for include in snippet_includes(lines)]
    assert found == [(1, "docs/a.md"), (2, "b.md"), (5, "c.md"), (7, "../d.md"),
                     (10, "https://example.com/x.md")]
    assert next(iter(snippet_includes(lines))).column == 9


@pytest.mark.parametrize(
    ("path", "leaves"),
    [("docs/snippets/a.md", False), ("a.md", False), ("docs/..hidden.md", False),
     ("../a.md", True), ("docs/../../a.md", True), ("/etc/hosts", True), ("~/notes.md", True),
     ("C:\\notes.md", True), ("..\\a.md", True), ("https://example.com/a.md", True),
     ("file:///etc/hosts", True)],
)
def test_include_paths_that_leave_the_project(path: str, leaves: bool) -> None:
    assert include_leaves_project(path) is leaves


def test_refused_includes_are_stripped_before_snippets_sees_them() -> None:
    text = '# Page\n--8<-- "../x.md"\n--8<-- "docs/ok.md"\n--8<--\n/etc/hosts\nok.md\n--8<--\n'
    stripped, count = strip_refused_includes(text)
    assert count == 2
    assert stripped.split("\n") == ["# Page", REFUSED_NOTICE, '--8<-- "docs/ok.md"', "--8<--",
                                    "", "ok.md", "--8<--", ""]


