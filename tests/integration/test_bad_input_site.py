"""Hostile content through the built site and the PDF: shown as text, never run.

Frontmatter values carrying HTML and script (titles, summaries, services, alerts, names, roles,
handles, channels, colours, support URLs) and page text written as Jinja (``{{ 7*7 }}``,
``{% include '/etc/passwd' %}``) go through `mkdocs build` and `opsbook pdf`. Each marker must
come out as visible text: escaped in the HTML (never a live tag, attribute or `javascript:`
link), as literal text in the PDF, and no template expression is ever evaluated.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.badinput import BILLION_LAUGHS, runbook_with, unchanged, write_handbook
from tests.support.sitekit import MKDOCS_YML as TEST_MKDOCS_YML

# Each marker is a complete tag with a distinct number, so a raw one in the output is a tag the
# browser would run, and the number says which field let it through.
TITLE = "<script>alert(101)</script>"
SUMMARY = "<img src=x onerror=alert(102)>"
SERVICE = "svc<script>alert(103)</script>"
ALERT = "Alert<script>alert(104)</script>"
TAG = "<b onmouseover=alert(105)>tag</b>"
NAME = "<script>alert(106)</script> Ana"
ROLE = "<iframe src=javascript:alert(107)></iframe>"
SLACK = "@<svg onload=alert(108)>"
TEAM = "<script>alert(109)</script> Core"
CHANNEL = "#<script>alert(110)</script>"
VENDOR = "<script>alert(111)</script> HostCo"
LEVEL_SUMMARY = "<script>alert(112)</script> outage"
MARKERS = [TITLE, SUMMARY, SERVICE, ALERT, TAG, NAME, ROLE, SLACK, TEAM, CHANNEL, VENDOR,
           LEVEL_SUMMARY]

JINJA = [
    "{{ 7*7 }}",
    "{% include '/etc/passwd' %}",
    "{{ config }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
]


def _q(value: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


MKDOCS_YML = TEST_MKDOCS_YML + "      strict: false\n"

MATRIX = f"""\
---
kind: severity-matrix
levels:
  - id: SEV1
    summary: {_q(LEVEL_SUMMARY)}
    acknowledge: 5m
    respond: 15m
    update_every: 30m
    resolve: 4h
    page: true
    color: "red;background:url(javascript:alert(113))"
---
# Severity

{{{{ severity_table() }}}}
"""

CONTACTS = f"""\
---
kind: contacts
people:
  - id: ana
    name: {_q(NAME)}
    phone: "+1 202-555-0111"
    email: ana@example.com
    slack: {_q(SLACK)}
    role: {_q(ROLE)}
    timezone: Europe/London
teams:
  - id: core
    name: {_q(TEAM)}
    channel: {_q(CHANNEL)}
    members: [ana]
    services: [{_q(SERVICE)}]
    escalation:
      - after: 0m
        notify: [ana]
vendors:
  - id: hostco
    name: {_q(VENDOR)}
    phone: "+44 20 7946 0999"
    support_url: "javascript:alert(114)"
---
# Contacts

{{{{ contacts_directory() }}}}

{{{{ escalation_ladder("core") }}}}

{{{{ vendor_directory() }}}}
"""

RUNBOOK = f"""\
---
id: hostile
title: {_q(TITLE)}
service: {_q(SERVICE)}
owner: core
severity: SEV1
alerts: [{_q(ALERT)}]
tags: [{_q(TAG)}]
summary: {_q(SUMMARY)}
last_reviewed: 2026-11-01
---

## Symptoms

{JINJA[0]}

{JINJA[1]}

## Diagnosis

{JINJA[2]}

{JINJA[3]}

## Mitigation

{JINJA[4]}

{{{{ contact_card("<script>alert(115)</script>") }}}}

## Verification

Done.

## Escalation

{{{{ who_to_call({_q(SERVICE)}) }}}}
"""

FILES = {
    "mkdocs.yml": MKDOCS_YML,
    "docs/index.md": "# Home\n",
    "docs/severity.md": MATRIX,
    "docs/contacts.md": CONTACTS,
    "runbooks/svc/hostile.md": RUNBOOK,
}


def write(root: Path) -> Path:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = write(tmp_path_factory.mktemp("hostile"))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"),
         "-d", str(root / "site")],
        cwd=root, capture_output=True, text=True, timeout=600, check=False, env=_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    yield root / "site"


def html_files(site: Path) -> dict[str, str]:
    return {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8", errors="replace")
            for path in site.rglob("*.html")}


def test_hostile_site_builds_and_renders_the_runbook(site: Path) -> None:
    pages = html_files(site)
    runbook = [text for name, text in pages.items() if "hostile" in name]
    assert runbook, sorted(pages)
    assert "&lt;script&gt;alert(101)&lt;/script&gt;" in runbook[0]


class LiveMarkup(HTMLParser):
    """What a browser would act on: script bodies, event handlers, `javascript:` URLs, styles
    (escaped text is data to the parser, so it never shows up here)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag in ("iframe", "svg", "img") and any("alert(" in (v or "") for _, v in attrs):
            self.found.append(f"<{tag}> from content")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert(" in value:
                self.found.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction", "xlink:href") and (
                value.startswith("javascript:")
            ):
                self.found.append(f"{tag} {name}={value}")
            if name == "style" and ("javascript" in value or "url(" in value):
                self.found.append(f"{tag} style={value}")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data.strip()[:40]}")


def live_markup(text: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(text)
    parser.close()
    return parser.found


def test_live_markup_detector_detects() -> None:
    """The detector itself, on the unescaped markers (so a pass below means something)."""
    for marker in [*MARKERS, '<a href="javascript:alert(1)">x</a>', '<p style="a:url(x)">']:
        assert live_markup(f"<p>{marker}</p>"), marker
        escaped = marker.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert not live_markup(f"<p>{escaped}</p>"), marker


def test_no_live_markup_from_content_in_any_page(site: Path) -> None:
    leaks = {name: found for name, text in html_files(site).items()
             if (found := live_markup(text))}
    assert not leaks, leaks


def test_every_marker_shown_as_text_somewhere(site: Path) -> None:
    """Escaped, not dropped: the reader sees what the file says (tags are not displayed)."""
    text = "".join(html_files(site).values())
    for marker in (m for m in MARKERS if m != TAG):
        escaped = marker.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in text, marker


def test_jinja_in_content_is_shown_literally(site: Path) -> None:
    pages = html_files(site)
    runbook = next(text for name, text in pages.items() if "hostile" in name)
    assert "{{ 7*7 }}" in runbook
    assert "{% include &#39;/etc/passwd&#39; %}" in runbook or "{% include '/etc/passwd' %}" in (
        runbook)
    everything = "".join(pages.values()) + "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in site.rglob("*.json"))
    assert "root:x:0:0" not in everything  # /etc/passwd was not included
    assert "uid=" not in everything  # os.popen('id') was not run
    assert "&lt;class" not in everything and "<class '" not in everything  # no __mro__ dump
    assert not re.search(r">\s*49\s*<", runbook)


def test_call_with_hostile_argument_is_refused_with_a_notice(site: Path) -> None:
    runbook = next(text for name, text in html_files(site).items() if "hostile" in name)
    assert "<script>alert(115)" not in runbook
    assert "alert(115)" in runbook  # shown (escaped) in the notice or as text


@pytest.mark.slow
def test_hostile_values_print_as_text_in_the_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader

    root = write(tmp_path)
    script = Path(sys.executable).with_name("opsbook")
    result = subprocess.run(
        [str(script), "pdf", "--allow-findings", "--runbook", "hostile",
         "-o", str(tmp_path / "pdf")],
        cwd=root, capture_output=True, text=True, timeout=600, check=False, env=_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pdf = next((tmp_path / "pdf").rglob("*.pdf"))
    text = " ".join("".join(page.extract_text() or "" for page in PdfReader(pdf).pages).split())
    # Escaped markup prints as the characters that were written; live markup would vanish.
    for marker in (TITLE, SERVICE, ALERT, NAME, ROLE, SLACK, TEAM, CHANNEL):
        assert marker in text, (marker, text[:2000])
    assert "{{ 7*7 }}" in text
    assert "root:x:0:0" not in text


# ---------------------------------------------------------------------------------------------
# `mkdocs build` over the bad-input handbook: a clean failure when strict, a site when not.


def _bad_handbook(root: Path, strict: bool) -> Path:
    typed = runbook_with(("title: API down", "title: [API, down]"), ("owner: core", "owner: 42"),
                         ("last_reviewed: 2026-11-01", "last_reviewed: soon"))
    write_handbook(root, {
        "mkdocs.yml": TEST_MKDOCS_YML + ("" if strict else "      strict: false\n"),
        "runbooks/api/odd.md": "---\n- a\n---\n",
        "runbooks/api/open.md": "---\nid: open\n",
        "runbooks/api/typed.md": typed.replace("api-down", "typed"),
        "runbooks/api/empty.md": b"",
        "runbooks/api/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)),
        "docs/latin1.md": b"caf\xe9\n",
        "docs/bomb.md": BILLION_LAUGHS,
        "docs/more.md": "---\nkind: contacts\npeople: [1, {id: x}, {id: y, name: [a]}]\n"
                        "teams: [{id: t, name: T, escalation: [{after: 5m, notify: [[x]]}]}]\n"
                        "---\n{{ contact_card(\"x\") }}\n\n{{ escalation_ladder(\"t\") }}\n",
    })
    (root / "runbooks" / "api" / "self.md").symlink_to("self.md")
    (root / "runbooks" / "loop").symlink_to("..")
    return root


def _mkdocs_build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(site)],
        cwd=root, capture_output=True, text=True, timeout=600, check=False, env=_env(),
    )


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "not-strict"])
def test_mkdocs_build_over_bad_files_never_tracebacks(tmp_path: Path, strict: bool) -> None:
    root = _bad_handbook(tmp_path / "handbook", strict)
    with unchanged(root):
        result = _mkdocs_build(root, tmp_path / "site")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "runbooks/api/binary.md" in result.stderr and "OB002" in result.stderr
    if strict:
        assert result.returncode == 1
        assert "error-level finding" in result.stderr
    else:
        # Unreadable files are left out of the site (MkDocs would stop on them); the rest builds.
        assert result.returncode == 0, result.stderr[-3000:]
        assert (tmp_path / "site" / "runbooks" / "api" / "api-down" / "index.html").is_file()
        assert not list((tmp_path / "site").rglob("binary*"))
        assert not list((tmp_path / "site").rglob("latin1*"))
