"""The site built by the real `mkdocs build`: header cards, generated pages, navigation,
offline assets, literal Jinja, and builds that fail with file and line."""

from __future__ import annotations

import errno
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from opsbook.checks import ALL_RULES
from tests.support.env import missing
from tests.support.repo import REPO_ROOT, copy_handbook
from tests.support.sitebuild import RUNBOOK_PAGE, add_runbooks, mkdocs_build, mkdocs_env

SHIM = REPO_ROOT / "plugins/opsbook/site/assets/iframe-worker/shim.js"


class _Resources(HTMLParser):
    """Every URL a page would load by itself (not links a reader may click)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed"):
            self.loaded.append(values.get("src") or "")
        if tag == "link" and values.get("rel") in ("stylesheet", "preload", "preconnect",
                                                   "icon", "manifest", "modulepreload"):
            self.loaded.append(values.get("href") or "")
        style = values.get("style") or ""
        self.loaded.extend(re.findall(r"url\(([^)]*)\)", style))


def loaded_resources(html: str) -> list[str]:
    parser = _Resources()
    parser.feed(html)
    return [url for url in parser.loaded if url]


def test_reference_site_has_generated_pages(reference_site: Path) -> None:
    for page in ("runbooks/index.html", "runbooks/by-severity.html", "alerts/index.html",
                 "services/payments.html", "services/database.html", "rules/index.html"):
        assert (reference_site / page).is_file(), page
    rules = (reference_site / "rules/index.html").read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert f'id="{rule.id}"' in rules
    by_service = (reference_site / "runbooks/index.html").read_text(encoding="utf-8")
    assert '<a href="../services/payments.html"><code>payments</code></a>' in by_service
    payments = (reference_site / "services/payments.html").read_text(encoding="utf-8")
    assert 'href="../runbooks/payments/payments-processor-errors.html"' in payments
    # No stray tokens: every held-back fragment was put back.
    for page in reference_site.rglob("*.html"):
        assert "OPSBOOKMACRO" not in page.read_text(encoding="utf-8"), page


def test_runbook_page_has_the_header_card(reference_site: Path) -> None:
    html = (reference_site / RUNBOOK_PAGE).read_text(encoding="utf-8")
    card = html[html.index('<div class="ob-card ob-runbook-header'):]
    assert ">SEV1</span>" in card
    assert '<a href="../../contacts.html#ob-team-payments"><b>Payments</b></a>' in card
    assert '<a href="tel:+442079460275">+44 20 7946 0275</a>' in card  # Nadia, first step
    assert '<a href="../../services/payments.html"><code>payments</code></a>' in card
    assert "<code>PaymentsAuthorizationTimeouts</code>" in card
    assert "ob-summary-line" not in html  # the search line was swapped for the card
    assert html.index("ob-runbook-header") < html.index('id="symptoms"')  # on top of the page


def test_macros_render_on_the_pages_that_call_them(reference_site: Path) -> None:
    severity = (reference_site / "severity.html").read_text(encoding="utf-8")
    assert "{{" not in severity and 'id="ob-level-SEV4"' in severity
    contacts = (reference_site / "contacts.html").read_text(encoding="utf-8")
    for team in ("platform", "bookings", "tracking", "payments"):
        assert f'id="ob-team-{team}"' in contacts
    assert 'id="ob-person-amara"' in contacts and 'id="ob-vendor-geomark"' in contacts
    assert "{{" not in contacts


def _nav(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return html[html.index('<nav class="md-nav md-nav--primary"'):html.index('class="md-content"')]


def test_navigation_groups_by_service_and_lists_no_runbook(reference_site: Path) -> None:
    home = _nav(reference_site / "index.html")
    # Pruned: elsewhere the Runbooks section is one link, to its first page.
    assert 'href="runbooks/index.html"' in home and "By severity" not in home
    inside = _nav(reference_site / "services/payments.html")
    for entry in ("By service", "By severity", "By alert", "Services", "bookings-api",
                  "tracking", "Checker rules"):
        assert entry in inside, entry
    for nav in (home, inside, _nav(reference_site / RUNBOOK_PAGE)):
        assert re.findall(r'href="[./]*runbooks/[^"]+/[^"]+\.html"', nav) == []


def test_nothing_is_loaded_from_the_network(reference_site: Path) -> None:
    remote = []
    for page in reference_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html, page
        remote += [(page.name, url) for url in loaded_resources(html)
                   if "://" in url or url.startswith("//")]
    assert remote == []
    css = "".join(p.read_text(encoding="utf-8") for p in reference_site.rglob("*.css"))
    assert "@import url(http" not in css and "fonts.googleapis" not in css


def test_the_iframe_worker_shim_is_served_locally(reference_site: Path) -> None:
    html = (reference_site / RUNBOOK_PAGE).read_text(encoding="utf-8")
    assert '<script src="../../assets/opsbook/iframe-worker/shim.js"></script>' in html
    assert "unpkg.com" not in html
    served = reference_site / "assets/opsbook/iframe-worker/shim.js"
    assert hashlib.sha256(served.read_bytes()).hexdigest() == hashlib.sha256(
        SHIM.read_bytes()).hexdigest()
    licence = (reference_site / "assets/opsbook/iframe-worker/LICENSE").read_text(encoding="utf-8")
    assert "Permission is hereby granted" in licence and "Martin Donath" in licence
    assert "Version: 1.0.4" in (SHIM.parent / "README.md").read_text(encoding="utf-8")
    # The offline search index is inlined as a script, as Material's offline plugin does.
    assert (reference_site / "search/search_index.js").is_file()


def test_search_index_covers_runbooks_not_listings(reference_site: Path) -> None:
    index = (reference_site / "search/search_index.json").read_text(encoding="utf-8")
    locations = set(re.findall(r'"location":"([^"#]*)', index))
    assert RUNBOOK_PAGE in locations and "rules/index.html" in locations
    assert "alerts/index.html" not in locations and "runbooks/index.html" not in locations
    assert "PaymentsProcessorErrorRate" in index
    # A runbook is indexed by one line (what people search for), not by its whole card;
    # escalation ladders are indexed on the contacts page, not again on every runbook.
    docs = json.loads(index)["docs"]
    first = next(doc for doc in docs if doc["location"] == RUNBOOK_PAGE)
    assert first["text"] == ("<p>SEV1 · service payments · owner Payments · alerts "
                             "PaymentsProcessorErrorRate, PaymentsAuthorizationTimeouts</p>")
    with_grace = {doc["location"].split("#")[0] for doc in docs if "Grace Whitfield" in doc["text"]}
    assert with_grace == {"contacts.html"}


def test_alert_pages_option_writes_forwarding_pages(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "      runbooks_dir: runbooks\n",
            "      runbooks_dir: runbooks\n      alert_pages: true\n",
        ),
        encoding="utf-8",
    )
    build = mkdocs_build(project)
    assert build.returncode == 0, build.output
    page = (build.site / "alerts/PostgresPrimaryDown.html").read_text(encoding="utf-8")
    assert 'content="0; url=../runbooks/database/db-primary-failover.html"' in page
    target = build.site / "alerts" / "../runbooks/database/db-primary-failover.html"
    assert target.resolve().is_file()


def test_jinja_in_content_stays_literal(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    oncall = project / "docs" / "oncall.md"
    oncall.write_text(
        oncall.read_text(encoding="utf-8")
        + "\n\nSeven sevens: {{ 7*7 }}\n\n{% include '/etc/passwd' %}\n\n{{ config }}\n\n"
        "{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
        encoding="utf-8",
    )
    build = mkdocs_build(project, "--strict")
    assert build.returncode == 0, build.output
    html = (build.site / "oncall.html").read_text(encoding="utf-8")
    assert "Seven sevens: {{ 7*7 }}" in html and "49" not in html.split("Seven sevens")[1][:40]
    assert "{% include &#39;/etc/passwd&#39; %}" in html or "{% include '/etc/passwd' %}" in html
    assert "root:x:0:0" not in html
    assert "{{ config }}" in html


def test_strict_build_fails_on_a_placeholder_contact(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    runbook = project / "runbooks" / "payments" / "payments-processor-errors.md"
    lines = runbook.read_text(encoding="utf-8").split("\n")
    escalation = lines.index("## Escalation")
    lines.insert(escalation + 1, "\n- On-call phone: +1-XXX-XXX-XXXX")
    runbook.write_text("\n".join(lines), encoding="utf-8")
    line = escalation + 3  # the inserted text starts with a blank line
    build = mkdocs_build(project, "--strict")
    assert build.returncode != 0
    assert f"runbooks/payments/payments-processor-errors.md:{line}: OB110" in build.output
    assert "Traceback" not in build.output


def test_build_fails_on_an_unknown_macro_with_file_and_line(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    contacts = project / "docs" / "contacts.md"
    text = contacts.read_text(encoding="utf-8")
    text = text.replace('escalation_ladder("tracking")', 'escalation_ladder("trakcing")')
    contacts.write_text(text, encoding="utf-8")
    line = text.split("\n").index('{{ escalation_ladder("trakcing") }}') + 1
    build = mkdocs_build(project)  # strict is the plugin's default: no --strict needed
    assert build.returncode != 0
    assert f'docs/contacts.md:{line}: OB402 escalation_ladder: unknown team id "trakcing"' in (
        build.output)
    assert "Traceback" not in build.output


@pytest.mark.slow
def test_pages_do_not_grow_with_the_number_of_runbooks(tmp_path: Path,
                                                       reference_site: Path) -> None:
    """With 300 more runbooks, a runbook page weighs what it weighed before: the navigation
    lists index pages, not runbooks."""
    project = copy_handbook(tmp_path / "handbook")
    add_runbooks(project, 300, services=3)
    build = mkdocs_build(project, "--strict")
    assert build.returncode == 0, build.output
    small = (reference_site / RUNBOOK_PAGE).stat().st_size
    large = (build.site / RUNBOOK_PAGE).stat().st_size
    assert large - small < 1500, (small, large)  # three more services in the nav, no more
    service = (build.site / "services/svc1.html").read_text(encoding="utf-8")
    assert service.count('href="../runbooks/svc1/svc1-case-') == 100
    alerts = (build.site / "alerts/index.html").read_text(encoding="utf-8")
    assert '<tr id="GeneratedAlert0299">' in alerts


NETWORK_PROBE = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=5).close()
    print(socket.if_nameindex(), 0)
except OSError as error:
    print([name for _, name in socket.if_nameindex()], error.errno)
"""
"""Run in the build's sandbox: its network interfaces, and the errno of a connection attempt
to a documentation address (0 if it connected)."""


def _without_network() -> list[str]:
    """A command prefix that runs a child in a new, empty network namespace: nothing but a
    loopback interface that is down, so no request can leave, whatever library makes it."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    missing("a network namespace (`unshare -n` from util-linux)",
            "run as root or allow unprivileged user namespaces")


def test_the_sandbox_has_no_network() -> None:
    """The mechanism the offline build relies on: in the namespace the only interface is
    loopback and a connection fails at once as unreachable (outside, it would go out or time
    out)."""
    result = subprocess.run([*_without_network(), sys.executable, "-c", NETWORK_PROBE],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['lo']", str(errno.ENETUNREACH)], result.stdout


def test_build_needs_no_network(tmp_path: Path) -> None:
    project = copy_handbook(tmp_path / "handbook")
    site = tmp_path / "site"
    result = subprocess.run(
        [*_without_network(), sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
         str(site)],
        cwd=project, env=mkdocs_env(), capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / RUNBOOK_PAGE).is_file() and (site / "search/search_index.js").is_file()


def test_lookup_url_is_the_built_page(reference_site: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`opsbook lookup` follows the site's URL style (file URLs under the offline plugin), so
    the URL it prints is a page that exists."""
    from opsbook.cli import main

    config = reference_site.parent / "mkdocs.yml"
    assert main(["lookup", "PostgresPrimaryDown", "--json", "--config", str(config)]) == 0
    url = json.loads(capsys.readouterr().out)["url"]
    # The published address: the handbook's site_url, then the page.
    assert url == "https://handbook.example.com/runbooks/database/db-primary-failover.html"
    assert (reference_site / url.removeprefix("https://handbook.example.com/")).is_file()
