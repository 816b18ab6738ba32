"""Bad input never crashes `opsbook check`, never leaks, never executes.

Every case of issue 7's list writes a small handbook into a temporary directory, adds one bad
file, and runs `opsbook check` (in-process through ``opsbook.cli.main``, and for some cases
through the installed console script). Each test asserts that the bad file is reported with its
path, rule and line; that a placeholder planted in another file (the *sentinel*) is still
reported, so one broken file does not stop the others being checked; that the exit code is 1
(2 for a broken mkdocs.yml); that no diagnostic points past the end of its file; and that the
tree is byte-for-byte unchanged (contents, modes, mtimes and symlink targets hashed before and
after).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from opsbook.cli import main
from tests.support.badinput import (
    BILLION_LAUGHS,
    SENTINEL_FINDING,
    TODAY,
    line_of,
    runbook_with,
    unchanged,
    write_handbook,
)
from tests.support.sitekit import MKDOCS_YML, RUNBOOK

# ---------------------------------------------------------------------------------------------
# Running `opsbook check`.


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def diagnostics(self) -> list[dict[str, Any]]:
        return list(self.report.get("diagnostics", []))

    def findings(self) -> set[tuple[str, str, int]]:
        return {(d["path"], d["rule"], d["line"]) for d in self.diagnostics}

    def at(self, path: str) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics if d["path"] == path]


def _parsed(code: int, stdout: str, stderr: str) -> Run:
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    report = json.loads(stdout) if stdout.strip().startswith("{") else {}
    return Run(code, stdout, stderr, report)


def check_in_process(root: Path, *args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--format", "json", "--today", TODAY, *args])
    return _parsed(code, out.getvalue(), err.getvalue())


def console_script() -> Path:
    """The installed `opsbook` entry point next to this interpreter (a venv or CI install)."""
    script = Path(sys.executable).with_name("opsbook")
    assert script.is_file(), f"console script not installed next to {sys.executable}"
    return script


def check_console(root: Path, *args: str, timeout: float = 120) -> Run:
    result = subprocess.run(
        [str(console_script()), "check", "--format", "json", "--today", TODAY, *args],
        cwd=root, capture_output=True, text=True, timeout=timeout, check=False,
    )
    return _parsed(result.returncode, result.stdout, result.stderr)


def file_lines(root: Path, relative: str) -> int:
    """How many lines an editor shows for the file (1 for an empty or unreadable one)."""
    path = root / relative
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return 1
        breaks, previous = 0, b""
        with path.open("rb") as handle:  # streamed: the 50 MB file is not read at once
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                chunk = previous + chunk
                previous = chunk[-1:] if chunk.endswith(b"\r") else b""
                chunk = chunk[: len(chunk) - len(previous)]
                breaks += chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
        return breaks + len(previous) + 1
    except OSError:
        return 1


def assert_well_formed(root: Path, run: Run) -> None:
    """Every diagnostic names an entry of the tree, a line inside it, a message and a hint."""
    for diagnostic in run.diagnostics:
        path = diagnostic["path"]
        assert not Path(path).is_absolute(), diagnostic
        assert os.path.lexists(root / path), diagnostic
        assert 1 <= diagnostic["line"] <= file_lines(root, path), diagnostic
        assert diagnostic["column"] >= 1, diagnostic
        assert diagnostic["message"] and diagnostic["hint"], diagnostic


def check_bad(
    root: Path,
    extra: dict[str, str | bytes],
    expected: list[tuple[str, str, int]],
    *,
    console: bool = False,
) -> Run:
    """Write the handbook with ``extra``, check it, and assert the contract of issue 7."""
    write_handbook(root, extra)
    with unchanged(root):
        run = check_console(root) if console else check_in_process(root)
    assert run.code == 1, run.stdout + run.stderr
    findings = run.findings()
    for finding in expected:
        assert finding in findings, (finding, sorted(findings))
    assert SENTINEL_FINDING in findings, "the other files were not all checked"
    assert_well_formed(root, run)
    return run


# ---------------------------------------------------------------------------------------------
# The base handbook itself is clean (so every finding below comes from the bad input).


def test_base_handbook_is_clean_apart_from_the_sentinel(tmp_path: Path) -> None:
    write_handbook(tmp_path)
    run = check_in_process(tmp_path)
    assert run.findings() == {SENTINEL_FINDING}
    assert run.code == 1


# ---------------------------------------------------------------------------------------------
# Frontmatter shape and types.


@pytest.mark.parametrize(
    "text",
    [
        "---\n- id: listed\n- title: Not a mapping\n---\n# Listed\n",
        "---\njust a sentence, not keys\n---\n# Scalar\n",
        "---\n42\n---\n# Number\n",
    ],
    ids=["list", "scalar", "number"],
)
def test_frontmatter_not_a_mapping(tmp_path: Path, text: str) -> None:
    run = check_bad(tmp_path, {"runbooks/api/odd.md": text}, [("runbooks/api/odd.md", "OB004", 2)])
    assert "mapping" in run.at("runbooks/api/odd.md")[0]["message"]


WRONG_TYPES: dict[str, tuple[tuple[str, str], str]] = {
    # case: ((clean line, bad line), text that must appear in the message)
    "list-for-string": (("title: API down", "title: [API, down]"), "should be text"),
    "mapping-for-string": (("service: api", "service: {name: api}"), "should be text"),
    "number-as-id": (("id: api-down", "id: 12345"), "should be an id"),
    "float-as-id": (("id: api-down", "id: 1.5"), "should be an id"),
    "null-id": (("id: api-down", "id:"), "should be an id"),
    "boolean-as-owner": (("owner: core", "owner: yes"), "should be an id"),
    "date-as-text": (("title: API down", "title: 2026-11-01"), "got a date"),
    "text-as-date": (("last_reviewed: 2026-11-01", "last_reviewed: last Tuesday"),
                     "should be a date"),
    "impossible-date": (("last_reviewed: 2026-11-01", "last_reviewed: 2026-02-30"),
                        "should be a date"),
    "number-as-date": (("last_reviewed: 2026-11-01", "last_reviewed: 20261101"),
                       "should be a date"),
    "number-as-duration": (("review_every: 90d", "review_every: 90"), "should be a duration"),
    "mapping-for-list": (("alerts: [ApiDown]", "alerts: {ApiDown: true}"),
                         "should be a list of text values"),
    "nested-list": (("alerts: [ApiDown]", "alerts: [[ApiDown, ApiSlow]]"), "should be text"),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_wrong_types_in_a_runbook(tmp_path: Path, case: str) -> None:
    (clean, bad), expected_text = WRONG_TYPES[case]
    text = runbook_with((clean, bad))  # (same id and alert as api-down: reported, harmless)
    line = line_of(text, bad)
    run = check_bad(tmp_path, {"runbooks/api/typed.md": text},
                    [("runbooks/api/typed.md", "OB007", line)])
    messages = [d["message"] for d in run.at("runbooks/api/typed.md") if d["line"] == line]
    assert any(expected_text in message for message in messages), messages


def test_quoted_date_is_read_as_a_date(tmp_path: Path) -> None:
    """A date written as a string is the same date: accepted, and the review deadline works."""
    text = runbook_with(("last_reviewed: 2026-11-01", 'last_reviewed: "2025-01-10"'))
    text = text.replace("id: api-down", "id: api-quoted").replace("[ApiDown]", "[ApiQuoted]")
    run = check_bad(tmp_path, {"runbooks/api/quoted.md": text},
                    [("runbooks/api/quoted.md", "OB304", line_of(text, "last_reviewed"))])
    assert not [d for d in run.at("runbooks/api/quoted.md") if d["rule"] == "OB007"]


CONTACT_TYPES = {
    "person-id-number": ("  - id: 42\n    name: Number Person\n", "id: 42", "should be an id"),
    "phone-read-as-integer": (
        "  - id: int\n    name: Integer Phone\n    phone: +12025550143\n",
        "phone: +12025550143", "YAML read the number as an integer"),
    "name-is-a-list": ("  - id: listy\n    name: [Ana, Silva]\n", "name: [Ana", "should be text"),
    "person-is-a-string": ("  - just-a-name\n", "just-a-name", "should be a mapping"),
    "person-is-a-list": ("  - [a, b]\n", "[a, b]", "should be a mapping"),
}


@pytest.mark.parametrize("case", sorted(CONTACT_TYPES))
def test_wrong_types_in_contacts(tmp_path: Path, case: str) -> None:
    entry, needle, expected_text = CONTACT_TYPES[case]
    text = f"---\nkind: contacts\npeople:\n{entry}---\n# More contacts\n"
    line = line_of(text, needle)
    run = check_bad(tmp_path, {"docs/more-contacts.md": text},
                    [("docs/more-contacts.md", "OB007", line)])
    messages = [d["message"] for d in run.at("docs/more-contacts.md")]
    assert any(expected_text in message for message in messages), messages


def test_wrong_types_in_contact_structure(tmp_path: Path) -> None:
    text = (
        "---\nkind: contacts\ntemplate: \"no\"\npeople: amara\n"
        "teams:\n  - id: ops\n    name: Ops\n    members: {ana: true}\n"
        "    escalation: [5, {after: soon, notify: [ana]}, {after: 5m, notify: [[ana]]}]\n"
        "---\n"
    )
    expected = [
        ("docs/typed-contacts.md", "OB007", line_of(text, "template:")),
        ("docs/typed-contacts.md", "OB007", line_of(text, "people: amara")),
        ("docs/typed-contacts.md", "OB007", line_of(text, "members:")),
        ("docs/typed-contacts.md", "OB007", line_of(text, "escalation:")),
    ]
    check_bad(tmp_path, {"docs/typed-contacts.md": text}, expected)


def test_yaml_tags_are_refused_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (
        "---\nkind: template\n"
        f"title: !!python/object/apply:os.system ['touch {marker}']\n"
        "summary: !custom value\n---\n# Templates\n"
    )
    check_bad(tmp_path, {"docs/tagged.md": text}, [("docs/tagged.md", "OB003", 3)])
    assert not marker.exists()


def test_unclosed_frontmatter_fence(tmp_path: Path) -> None:
    text = "---\nid: api-open\ntitle: Never closed\n\n## Symptoms\nThe fence above is open.\n"
    run = check_bad(tmp_path, {"runbooks/api/open.md": text},
                    [("runbooks/api/open.md", "OB004", 1)])
    assert "never closed" in run.at("runbooks/api/open.md")[0]["message"]


# ---------------------------------------------------------------------------------------------
# YAML that expands: refused fast, within a memory bound.

# Not exponential, but a 1 MB string through a few thousand aliases: the node budget alone lets
# it through, and every contact field check then scans a megabyte.
AMPLIFIED = (
    "---\nkind: contacts\n"
    f"big: &big \"{'a' * 1_000_000}\"\n"
    "p: &p {id: x, name: *big, phone: *big, email: *big, slack: *big, timezone: *big}\n"
    f"people: [{', '.join(['*p'] * 2500)}]\n---\n"
)


@pytest.mark.parametrize("text", [BILLION_LAUGHS, AMPLIFIED], ids=["billion-laughs", "amplified"])
def test_alias_bomb_is_refused_fast(tmp_path: Path, text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        run = check_bad(tmp_path, {"docs/bomb.md": text}, [("docs/bomb.md", "OB009", 2)])
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 10, f"took {elapsed:.1f}s"
    # The file itself is ~1 MB (read, decoded, split into lines): the expansion would be ~10^9
    # values for the laughs and 15 GB of text for the amplified sheet.
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"
    assert "alias" in run.at("docs/bomb.md")[0]["message"]


def test_billion_laughs_through_the_console_script(tmp_path: Path) -> None:
    check_bad(tmp_path, {"docs/bomb.md": BILLION_LAUGHS}, [("docs/bomb.md", "OB009", 2)],
              console=True)


def test_duplicate_yaml_keys(tmp_path: Path) -> None:
    runbook = runbook_with(("severity: SEV1", "severity: SEV1\nseverity: SEV2"))
    runbook = runbook.replace("api-down", "api-dup").replace("[ApiDown]", "[ApiDup]")
    contacts = (
        "---\nkind: contacts\npeople:\n  - id: dup\n    name: Dup Licate\n"
        '    phone: "+1 202-555-0143"\n    phone: "+1 202-555-0199"\n---\n'
    )
    run = check_bad(
        tmp_path,
        {"runbooks/api/dup.md": runbook, "docs/dup-contacts.md": contacts},
        [
            ("runbooks/api/dup.md", "OB008", line_of(runbook, "severity: SEV2")),
            ("docs/dup-contacts.md", "OB008", line_of(contacts, "0199")),
        ],
    )
    message = run.at("docs/dup-contacts.md")[0]["message"]
    assert f"first at line {line_of(contacts, '0143')}" in message


def test_tabs_in_frontmatter_indentation(tmp_path: Path) -> None:
    text = "---\nkind: contacts\npeople:\n\t- id: tabbed\n\t  name: Tab Bed\n---\n"
    check_bad(tmp_path, {"docs/tabs.md": text}, [("docs/tabs.md", "OB003", 4)])


def test_tabs_in_the_body_keep_positions(tmp_path: Path) -> None:
    text = "# Tabs\n\n\t- indented with a tab\n\tPhone:\t+1-XXX-XXX-XXXX\n"
    check_bad(tmp_path, {"docs/tabs.md": text}, [("docs/tabs.md", "OB110", 4)])


# ---------------------------------------------------------------------------------------------
# Encodings and line endings.


def test_bom_is_reported_and_frontmatter_still_parsed(tmp_path: Path) -> None:
    text = runbook_with(("owner: core", "owner: core\nowwner: core"))
    text = text.replace("api-down", "api-bom").replace("[ApiDown]", "[ApiBom]")
    data = b"\xef\xbb\xbf" + text.encode()
    check_bad(
        tmp_path,
        {"runbooks/api/bom.md": data},
        [("runbooks/api/bom.md", "OB502", 1), ("runbooks/api/bom.md", "OB006", 6)],
    )


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_endings_keep_positions(tmp_path: Path, ending: str) -> None:
    text = runbook_with(("owner: core", "owner: core\nowwner: core"))
    text = text.replace("api-down", "api-eol").replace("[ApiDown]", "[ApiEol]")
    text += "\nOn-call phone: +1-XXX-XXX-XXXX\n"
    placeholder_line = line_of(text, "+1-XXX")
    unknown_key_line = line_of(text, "owwner")
    data = text.replace("\n", ending).encode()
    check_bad(
        tmp_path,
        {"runbooks/api/eol.md": data},
        [
            ("runbooks/api/eol.md", "OB110", placeholder_line),
            ("runbooks/api/eol.md", "OB006", unknown_key_line),
        ],
    )


def test_mixed_line_endings(tmp_path: Path) -> None:
    data = b"# Mixed\r\n\r\nOne line\nPhone: +1-XXX-XXX-XXXX\r\n"
    check_bad(tmp_path, {"docs/mixed.md": data},
              [("docs/mixed.md", "OB503", 1), ("docs/mixed.md", "OB110", 4)])


def test_non_utf8_bytes(tmp_path: Path) -> None:
    data = "# Caf\u00e9\n\nMeet at the caf\u00e9.\nCaf\u00e9 hours\n".encode("latin-1")
    run = check_bad(tmp_path, {"docs/latin1.md": data}, [("docs/latin1.md", "OB002", 1)])
    diagnostic = run.at("docs/latin1.md")[0]
    assert diagnostic["column"] == 6
    assert "0xe9" in diagnostic["message"]


def test_non_utf8_byte_on_a_later_line(tmp_path: Path) -> None:
    data = b"# Fine\n\nStill fine\nNot \xff fine\n"
    run = check_bad(tmp_path, {"docs/bad-byte.md": data}, [("docs/bad-byte.md", "OB002", 4)])
    assert run.at("docs/bad-byte.md")[0]["column"] == 5


def test_control_character_in_frontmatter(tmp_path: Path) -> None:
    data = b"---\nkind: template\ntitle: bell \x07 here\n---\n"
    run = check_bad(tmp_path, {"docs/bell.md": data}, [("docs/bell.md", "OB003", 3)])
    assert "U+0007" in run.at("docs/bell.md")[0]["message"]


def test_unicode_line_separators_do_not_shift_frontmatter_lines(tmp_path: Path) -> None:
    """YAML breaks lines at U+2028 and NEL, editors do not: positions stay editor lines."""
    text = '---\nkind: template\ntitle: "a\u2028b"\nsummary: "x\u0085y"\nbogus: 1\n---\n'
    check_bad(tmp_path, {"docs/separators.md": text.encode()},
              [("docs/separators.md", "OB006", 5)])


def test_binary_file_named_md(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    check_bad(tmp_path, {"runbooks/api/diagram.md": png}, [("runbooks/api/diagram.md", "OB002", 1)])


def test_binary_file_through_the_console_script(tmp_path: Path) -> None:
    check_bad(tmp_path, {"docs/core.md": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64},
              [("docs/core.md", "OB002", 1)], console=True)


def test_empty_runbook_file(tmp_path: Path) -> None:
    run = check_bad(tmp_path, {"runbooks/api/empty.md": b""},
                    [("runbooks/api/empty.md", "OB007", 1)])
    assert "no frontmatter" in run.at("runbooks/api/empty.md")[0]["message"]


def test_empty_page_is_fine(tmp_path: Path) -> None:
    """An empty page outside the runbooks is valid Markdown: checked, nothing to report."""
    run = check_bad(tmp_path, {"docs/empty.md": b""}, [])
    assert run.at("docs/empty.md") == []


# ---------------------------------------------------------------------------------------------
# Size: huge files, long lines, deep nesting.


def test_50_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "dump.md"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:  # sparse where the file system allows: fast to write
        handle.truncate(50 * 1024 * 1024)
    write_handbook(tmp_path)
    with unchanged(tmp_path):
        tracemalloc.start()
        started = time.perf_counter()
        try:
            run = check_in_process(tmp_path)
        finally:
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    assert elapsed < 10
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB: the file was read"
    assert run.code == 1
    assert {("docs/dump.md", "OB009", 1), SENTINEL_FINDING} <= run.findings()
    assert "50.0 MB" in run.at("docs/dump.md")[0]["message"]
    assert_well_formed(tmp_path, run)


# Shapes that made a regex backtrack quadratically (minutes for one long line) before the
# scanners were fixed; each is followed by a placeholder whose line must still be right.
LONG_LINE_SHAPES = {
    "parens": "(" * 400_000,
    "brackets": "[" * 400_000,
    "footnotes": "[^" * 200_000,
    "heading-hashes": "# " + "#" * 400_000 + "a",
    "heading-spaces": "# x" + " " * 400_000 + "y",
    "label-spaces": "Phone" + " " * 400_000 + "x",
    "value-spaces": "SEV1: a" + " " * 400_000 + "b",
    "digits-and-spaces": "1 " * 200_000 + "a",
    "pipes": "|" * 400_000,
    "macro-parens": "{{ contact_card(" + "(" * 400_000,
    "plain": "x" * 400_000,
}


def test_very_long_lines(tmp_path: Path) -> None:
    lines = []
    expected = []
    for shape in LONG_LINE_SHAPES.values():
        lines.append(shape)
        lines.append("Pager: +1-XXX-XXX-XXXX")
        expected.append(("docs/long.md", "OB110", len(lines)))
    text = "# Long lines\n" + "\n".join(lines) + "\n"
    expected = [(path, rule, line + 1) for path, rule, line in expected]
    assert len(text) < 5 * 1024 * 1024
    started = time.perf_counter()
    check_bad(tmp_path, {"docs/long.md": text}, expected)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"took {elapsed:.1f}s"


def test_very_long_frontmatter_value(tmp_path: Path) -> None:
    text = runbook_with(("title: API down", "title: API down\nsummary: " + "word " * 200_000))
    text = text.replace("api-down", "api-long").replace("[ApiDown]", "[ApiLong]")
    text += "\nPhone: +1-XXX-XXX-XXXX\n"
    check_bad(tmp_path, {"runbooks/api/long.md": text},
              [("runbooks/api/long.md", "OB110", line_of(text, "+1-XXX"))])


@pytest.mark.parametrize(
    ("text", "rule", "line"),
    [
        ("---\nkind: template\ntitle: " + "[" * 100 + "]" * 100 + "\n---\n", "OB009", 2),
        ("---\nkind: template\ntitle: " + "[" * 20_000 + "]" * 20_000 + "\n---\n", "OB003", 3),
        ("---\nkind: template\ntitle:\n" + "".join(
            "  " * depth + "- \n" for depth in range(200)) + "---\n", "OB009", 2),
        ("---\nkind: template\ntitle: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n---\n",
         "OB003", 3),
    ],
    ids=["flow-100", "flow-20000", "block-200", "mapping-3000"],
)
def test_deeply_nested_frontmatter(tmp_path: Path, text: str, rule: str, line: int) -> None:
    check_bad(tmp_path, {"docs/deep.md": text}, [("docs/deep.md", rule, line)])


def test_deeply_nested_markdown_lists(tmp_path: Path) -> None:
    body = "".join("  " * depth + "- level\n" for depth in range(1500))  # 2.3 MB
    text = "# Deep\n\n" + body + "Phone: +1-XXX-XXX-XXXX\n"
    check_bad(tmp_path, {"docs/deep.md": text},
              [("docs/deep.md", "OB110", line_of(text, "+1-XXX"))])


# ---------------------------------------------------------------------------------------------
# The file system: symlink loops, dangling links, FIFOs, permissions.


def _symlink_loops(root: Path) -> None:
    runbooks = root / "runbooks"
    (runbooks / "loop").symlink_to("..")  # a folder loop: walking it would never end
    (runbooks / "api" / "self.md").symlink_to("self.md")
    (runbooks / "api" / "ping.md").symlink_to("pong.md")
    (runbooks / "api" / "pong.md").symlink_to("ping.md")


LOOP_FINDINGS = [
    ("runbooks/api/self.md", "OB001", 1),
    ("runbooks/api/ping.md", "OB001", 1),
    ("runbooks/api/pong.md", "OB001", 1),
]


def test_symlink_loop_in_runbooks(tmp_path: Path) -> None:
    write_handbook(tmp_path)
    _symlink_loops(tmp_path)
    run = check_bad(tmp_path, {}, LOOP_FINDINGS)
    assert "symbolic links" in run.at("runbooks/api/self.md")[0]["message"]
    assert not [d for d in run.diagnostics if "loop/" in d["path"]]


def test_symlink_loop_through_the_console_script(tmp_path: Path) -> None:
    write_handbook(tmp_path)
    _symlink_loops(tmp_path)
    check_bad(tmp_path, {}, LOOP_FINDINGS, console=True)


def test_symlink_loop_given_as_a_path(tmp_path: Path) -> None:
    write_handbook(tmp_path)
    _symlink_loops(tmp_path)
    with unchanged(tmp_path):
        run = check_in_process(tmp_path, "runbooks/api/self.md", "runbooks")
    assert run.code == 1
    assert ("runbooks/api/self.md", "OB001", 1) in run.findings()
    assert_well_formed(tmp_path, run)


def test_dangling_symlink_is_reported_under_its_own_name(tmp_path: Path) -> None:
    write_handbook(tmp_path)
    (tmp_path / "runbooks" / "api" / "gone.md").symlink_to("moved-away.md")
    run = check_bad(tmp_path, {}, [("runbooks/api/gone.md", "OB001", 1)])
    assert "No such file" in run.at("runbooks/api/gone.md")[0]["message"]


def test_symlink_to_a_device(tmp_path: Path) -> None:
    """A `.md` link to /dev/zero would be read forever; it is refused before reading (as a
    link leading out of the project, OB010)."""
    write_handbook(tmp_path)
    (tmp_path / "docs" / "zero.md").symlink_to("/dev/zero")
    run = check_bad(tmp_path, {}, [("docs/zero.md", "OB010", 1)], console=True)
    assert "outside the project (/dev/zero)" in run.at("docs/zero.md")[0]["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_md(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes; the loader must not open it at all."""
    write_handbook(tmp_path)
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    check_bad(tmp_path, {}, [("docs/pipe.md", "OB001", 1)], console=True)


def test_directory_named_md_is_walked_not_read(tmp_path: Path) -> None:
    write_handbook(tmp_path, {"docs/folder.md/inner.md": "Phone: +1-XXX-XXX-XXXX\n"})
    run = check_bad(tmp_path, {}, [("docs/folder.md/inner.md", "OB110", 1)])
    assert not run.at("docs/folder.md")


NOBODY = 65534


def _check_as_nobody(root: Path) -> Run:
    """Fork, drop to uid/gid 65534 and run the check in the child: root reads mode-000 files,
    so a permission test run as root (as CI containers do) needs a real unprivileged user.
    Modules are already imported (the caller warmed up), since nobody cannot read /root."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 70
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            run = check_in_process(root)
            payload = json.dumps({"code": run.code, "stdout": run.stdout, "stderr": run.stderr})
            with os.fdopen(writer, "w") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the unprivileged child failed"
    data = json.loads(payload)
    return _parsed(data["code"], data["stdout"], data["stderr"])


def _can_drop_privileges() -> bool:
    if os.geteuid() != 0 or not hasattr(os, "fork"):
        return False
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os._exit(0)
        except OSError:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def test_unreadable_file() -> None:
    """Mode 000. As a normal user the file cannot be read: OB001. As root it can, so the check
    runs in a child that drops to `nobody` when the system allows it; where it does not, root
    honestly reads the file, and the test asserts that it is then checked like any other."""
    # A fresh directory under /tmp that `nobody` can traverse (pytest's tmp_path is 0700).
    root = Path(tempfile.mkdtemp(prefix="opsbook-perm-"))
    try:
        write_handbook(root, {"runbooks/api/locked.md": RUNBOOK.replace("api-down", "locked")})
        for current, _folders, files in os.walk(root):
            os.chmod(current, 0o755)
            for name in files:
                os.chmod(Path(current) / name, 0o644)
        locked = root / "runbooks" / "api" / "locked.md"
        locked.chmod(0o000)
        warm = check_in_process(root)  # as this user; also imports everything the child needs
        with unchanged(root):
            if os.geteuid() != 0:
                run = warm
                expect_denied = True
            elif _can_drop_privileges():
                run = _check_as_nobody(root)
                expect_denied = True
            else:
                run = warm
                expect_denied = False
        findings = run.findings()
        assert SENTINEL_FINDING in findings
        assert run.code == 1
        if expect_denied:
            assert ("runbooks/api/locked.md", "OB001", 1) in findings
            assert "Permission denied" in run.at("runbooks/api/locked.md")[0]["message"]
        else:
            assert not [d for d in run.at("runbooks/api/locked.md") if d["rule"] == "OB001"]
        assert_well_formed(root, run)
    finally:
        for current, _folders, files in os.walk(root):
            for name in files:
                with contextlib.suppress(OSError):
                    os.chmod(Path(current) / name, 0o644)
        subprocess.run(["rm", "-rf", str(root)], check=False)


# ---------------------------------------------------------------------------------------------
# Content that looks like code is never run.

JINJA_LINES = [
    "{{ 7*7 }}",
    "{% include '/etc/passwd' %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{{ contact_card(7*7) }}",
]


def test_jinja_in_content_is_never_evaluated_by_check(tmp_path: Path) -> None:
    text = "# Jinja\n\n" + "\n\n".join(JINJA_LINES) + "\n\nPhone: +1-XXX-XXX-XXXX\n"
    started = time.perf_counter()
    run = check_bad(tmp_path, {"docs/jinja.md": text},
                    [("docs/jinja.md", "OB110", line_of(text, "+1-XXX"))])
    assert time.perf_counter() - started < 30  # the 10**9 loop was not run
    output = run.stdout + run.stderr
    assert "49" not in output.replace(TODAY, "")
    assert "root:" not in output and "uid=" not in output
    # The call-shaped line with a non-literal argument is refused with a diagnostic.
    refused = [d for d in run.at("docs/jinja.md") if d["line"] == line_of(text, "contact_card")]
    assert refused and refused[0]["rule"] == "OB402", run.at("docs/jinja.md")


def test_html_in_frontmatter_does_not_break_the_check(tmp_path: Path) -> None:
    """The check path keeps values as text. (Escaping on the page and in the PDF is tested
    with the built site in test_bad_input_site.py.)"""
    text = runbook_with(("title: API down", "title: <script>alert(1)</script>"))
    text = text.replace("api-down", "api-html").replace("[ApiDown]", "[ApiHtml]")
    text += "\nPhone: +1-XXX-XXX-XXXX\n"
    run = check_bad(tmp_path, {"runbooks/api/html.md": text},
                    [("runbooks/api/html.md", "OB110", line_of(text, "+1-XXX"))])
    assert [d["rule"] for d in run.at("runbooks/api/html.md")] == ["OB110"]


# ---------------------------------------------------------------------------------------------
# A broken mkdocs.yml: exit 2 with the file named, nothing executed, nothing written.

BROKEN_CONFIGS: dict[str, str | bytes] = {
    "invalid-yaml": "site_name: x\nplugins: [opsbook\n",
    "top-level-list": "- site_name\n- plugins\n",
    "empty": "",
    "binary": b"\x00\x01\x02\xff\xfe",
    "not-utf8": b"site_name: Caf\xe9\nplugins:\n  - opsbook\n",
    "no-opsbook-plugin": "site_name: x\nplugins:\n  - search\n",
    "option-wrong-type": "site_name: x\nplugins:\n  - opsbook:\n      runbooks_dir: [a, b]\n",
    "bad-duration": "site_name: x\nplugins:\n  - opsbook:\n      review_every: soon\n",
    "unknown-option": "site_name: x\nplugins:\n  - opsbook:\n      runbok_dir: runbooks\n",
    "plugins-not-a-list": "site_name: x\nplugins: 42\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONFIGS))
def test_broken_mkdocs_yml_exits_2(tmp_path: Path, case: str) -> None:
    write_handbook(tmp_path, {"mkdocs.yml": BROKEN_CONFIGS[case]})
    with unchanged(tmp_path):
        run = check_in_process(tmp_path)
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert "mkdocs.yml" in run.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("case", ["invalid-yaml", "option-wrong-type"])
def test_broken_mkdocs_yml_through_the_console_script(tmp_path: Path, case: str) -> None:
    write_handbook(tmp_path, {"mkdocs.yml": BROKEN_CONFIGS[case]})
    with unchanged(tmp_path):
        run = check_console(tmp_path)
    assert run.code == 2
    assert "mkdocs.yml" in run.stderr


PYTHON_TAGS_CONFIG = MKDOCS_YML.replace(
    "site_name: Bad input handbook",
    "site_name: !!python/object/apply:os.system ['touch pwned']\n"
    "markdown_extensions:\n  - pymdownx.emoji:\n"
    "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
    "extra:\n  boom: !!python/object/new:subprocess.check_output [['touch', 'pwned2']]",
)


@pytest.mark.parametrize("console", [False, True], ids=["in-process", "console-script"])
def test_python_tags_in_mkdocs_yml_are_never_executed(tmp_path: Path, console: bool) -> None:
    """MkDocs' own loader would run these while reading the file; `opsbook check` reads the
    config safely (the tags stay text) and checks the handbook as usual."""
    check_bad(tmp_path, {"mkdocs.yml": PYTHON_TAGS_CONFIG}, [], console=console)
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_config_that_is_a_directory(tmp_path: Path) -> None:
    write_handbook(tmp_path)
    (tmp_path / "other.yml").mkdir()
    with unchanged(tmp_path):
        run = check_in_process(tmp_path, "--config", "other.yml")
    assert run.code == 2
    assert "other.yml" in run.stderr


# ---------------------------------------------------------------------------------------------
# Everything at once: many bad files in one handbook, each reported, the rest still checked.


def test_every_bad_file_at_once(tmp_path: Path) -> None:
    extra: dict[str, str | bytes] = {
        "runbooks/api/odd.md": "---\n- a\n---\n",
        "runbooks/api/open.md": "---\nid: open\n",
        "docs/bomb.md": BILLION_LAUGHS,
        "docs/latin1.md": b"caf\xe9\n",
        "docs/binary.md": b"\x00" * 32,
        "runbooks/api/empty.md": b"",
        "docs/tabs.md": "---\nkind: contacts\npeople:\n\t- id: t\n---\n",
    }
    expected = [
        ("runbooks/api/odd.md", "OB004", 2),
        ("runbooks/api/open.md", "OB004", 1),
        ("docs/bomb.md", "OB009", 2),
        ("docs/latin1.md", "OB002", 1),
        ("docs/binary.md", "OB002", 1),
        ("runbooks/api/empty.md", "OB007", 1),
        ("docs/tabs.md", "OB003", 4),
    ]
    write_handbook(tmp_path, extra)
    _symlink_loops(tmp_path)
    expected += LOOP_FINDINGS
    run = check_bad(tmp_path, {}, expected)
    again = check_console(tmp_path)
    assert again.code == run.code
    assert again.diagnostics == run.diagnostics  # the console script agrees, byte for byte


@pytest.mark.parametrize("target", ["/dev/zero", "fifo.yml", "mkdocs.yml", "missing.yml"],
                         ids=["device", "fifo", "loop", "missing"])
def test_mkdocs_yml_inheriting_something_unreadable(tmp_path: Path, target: str) -> None:
    """MkDocs reads an INHERIT parent to its end: /dev/zero or a FIFO would hang the check,
    a loop would recurse. Refused up front, exit 2 (run as a process, with a timeout)."""
    write_handbook(tmp_path, {"mkdocs.yml": f"INHERIT: {target}\n" + MKDOCS_YML})
    if target == "fifo.yml":
        os.mkfifo(tmp_path / target)
    with unchanged(tmp_path):
        run = check_console(tmp_path, timeout=60)
    assert run.code == 2, run.stderr
    assert "mkdocs.yml" in run.stderr


def test_changed_since_with_bad_files(tmp_path: Path) -> None:
    """`--changed-since` (the CI gate's narrow mode) meets the same bad files: a new symlink
    loop, a dangling link and a binary page are reported like in a full check."""
    git = ["git", "-c", "user.email=test@example.com", "-c", "user.name=Test",
           "-c", "commit.gpgsign=false"]
    write_handbook(tmp_path)
    subprocess.run([*git, "init", "-q", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "handbook"], cwd=tmp_path, check=True)
    (tmp_path / "runbooks" / "api" / "self.md").symlink_to("self.md")
    (tmp_path / "runbooks" / "api" / "gone.md").symlink_to("moved-away.md")
    (tmp_path / "docs" / "blob.md").write_bytes(b"\x00\x01\x02")
    with unchanged(tmp_path, skip=(".git",)):  # (git may refresh its own index cache)
        run = check_in_process(tmp_path, "--changed-since", "HEAD")
    assert run.code == 1, run.stderr
    assert {("runbooks/api/self.md", "OB001", 1), ("runbooks/api/gone.md", "OB001", 1),
            ("docs/blob.md", "OB002", 1)} <= run.findings()
    assert_well_formed(tmp_path, run)
