"""The render package: macro call sites, fragments, generated pages, and the OB4xx checks.

Fast tests over the reference handbook (read only) and small variants of it in tmp dirs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest

from opsbook.checks import ALL_RULES, RULES_BY_ID
from opsbook.model.macros import MACROS, find_macro_calls, known_ids, parse_arguments
from opsbook.model.project import Project
from opsbook.render import fragments, pages
from opsbook.render.contacts import REDACTED, tel_href, web_href
from opsbook.render.context import RenderContext
from opsbook.render.expand import restore_calls, stash_calls
from opsbook.run import check_paths, load_site
from tests.support.repo import REPO_ROOT, copy_handbook


@pytest.fixture(scope="module")
def reference() -> Project:
    return load_site(REPO_ROOT / "mkdocs.yml")


@pytest.fixture(scope="module")
def context(reference: Project) -> RenderContext:
    return RenderContext.for_project(reference)


def runbook(project: Project, runbook_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in project.runbooks if r.id == runbook_id)


# --- call sites -------------------------------------------------------------------------------


def test_call_sites_are_whole_lines_with_literal_arguments() -> None:
    lines = [
        "Intro {{ severity_table() }} inline is not a call site.",
        "{{ severity_table() }}",
        '    {{ escalation_ladder("platform") }}',
        "{{ 7*7 }}",
        "{% include '/etc/passwd' %}",
        "```",
        '{{ contact_card("amara") }}',
        "```",
        "~~~markdown",
        "{{ vendor_directory() }}",
        "~~~",
        "{{ who_to_call('payments') }}",
    ]
    calls = find_macro_calls(lines, first_line=10)
    assert [(c.name, c.arguments, c.line, c.column) for c in calls] == [
        ("severity_table", (), 11, 1),
        ("escalation_ladder", ("platform",), 12, 5),
        ("who_to_call", ("payments",), 21, 1),
    ]
    assert all(call.problem is None for call in calls)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{{ escalation_table("payments") }}', 'unknown macro "escalation_table" (did you mean'),
        ("{{ escalation_ladder(team) }}", "arguments must be quoted text"),
        ('{{ escalation_ladder("a" ~ "b") }}', "arguments must be quoted text"),
        ('{{ contact_card("a", "b") }}', "takes 1 argument, got 2"),
        ('{{ severity_table("SEV1") }}', "takes 0 arguments, got 1"),
        ("{{ config.__class__() }}", None),  # not call-shaped: stays literal text
        ("{{ lipsum() }}", 'unknown macro "lipsum"'),
    ],
)
def test_call_shaped_lines_with_problems(line: str, problem: str | None) -> None:
    calls = find_macro_calls([line])
    if problem is None:
        assert calls == []
    else:
        assert len(calls) == 1 and calls[0].problem is not None
        assert problem in calls[0].problem


def test_parse_arguments() -> None:
    assert parse_arguments("") == ()
    assert parse_arguments(' "a" , \'b\' ') == ("a", "b")
    assert parse_arguments('"a",') is None
    assert parse_arguments('"a\\"b"') is None
    assert parse_arguments("a") is None


def test_expansion_never_evaluates_page_text() -> None:
    markdown = "\n".join([
        "{{ 7*7 }}",
        "{% include '/etc/passwd' %}",
        '{{ escalation_ladder("platform") }}',
        "!!! note",
        "    {{ severity_table() }}",
    ])
    rendered: list[str] = []

    def render(call):  # type: ignore[no-untyped-def]
        rendered.append(call.name)
        return f"<div>{call.name}</div>"

    expanded, stash = stash_calls(markdown, render)
    assert rendered == ["escalation_ladder", "severity_table"]
    assert "{{ 7*7 }}" in expanded and "{% include '/etc/passwd' %}" in expanded
    assert "escalation_ladder" not in expanded  # replaced by an inert token
    tokens = list(stash.fragments)
    assert all(re.fullmatch(r"[A-Za-z0-9]+", token) for token in tokens)
    html = f"<p>{tokens[0]}</p>\n<div class=admonition><p>{tokens[1]}</p></div>"
    assert restore_calls(html, stash) == (
        "<div>escalation_ladder</div>\n<div class=admonition><div>severity_table</div></div>"
    )


def test_every_macro_renders_on_the_reference_handbook(context: RenderContext) -> None:
    arguments = {"contact": "amara", "team": "payments", "service": "database"}
    for spec in MACROS.values():
        line = "{{ " + spec.name + "(" + ", ".join(
            f'"{arguments[kind]}"' for _, kind in spec.parameters
        ) + ") }}"
        (call,) = find_macro_calls([line])
        html = fragments.render_call(context, call)
        assert "ob-notice" not in html, (spec.name, html)
        assert html.startswith("<div"), spec.name


# --- fragments --------------------------------------------------------------------------------


def test_severity_table_comes_from_the_matrix(context: RenderContext, reference: Project) -> None:
    html = fragments.severity_table(context)
    assert reference.matrix is not None
    for level in reference.matrix.levels:
        assert f'id="ob-level-{level.id}"' in html
        assert f"background-color: {level.color}" in html
    # SEV3's yellow gets dark text, SEV1's red gets white text.
    assert "background-color: #f9a825; color: #000000" in html
    assert "background-color: #b71c1c; color: #ffffff" in html
    assert "next business day" in html  # SEV4 acknowledge


def test_escalation_ladder_names_phones_and_links(context: RenderContext) -> None:
    html = fragments.escalation_ladder(context, "payments")
    assert 'id="ob-team-payments"' in html
    steps = re.findall(r"<li><b>([^<]+)</b>", html)
    assert steps == ["Immediately", "After 15m", "After 30m"]
    assert '<a href="tel:+442079460275">+44 20 7946 0275</a>' in html  # Nadia, step 1
    assert 'href="mailto:nadia.haddad@example.com"' in html
    assert "@nadia" in html
    # Names link to their entry in the contacts directory (rendered on contacts.md).
    assert 'href="contacts.md#ob-person-nadia"' in html


def test_contact_cards_for_person_team_and_vendor(context: RenderContext) -> None:
    person = fragments.contact_card(context, "priya")
    assert "Priya Raman" in person and "Database reliability engineer" in person
    assert "Europe/London" in person and "tel:+442079460451" in person
    team = fragments.contact_card(context, "tracking")
    assert "#tracking-oncall" in team and '<ol class="ob-ladder">' in team
    vendor = fragments.contact_card(context, "tallybridge")
    assert "TB-MERCH-77351" in vendor
    assert 'href="https://merchants.tallybridge.example.com"' in vendor
    unknown = fragments.contact_card(context, "nobody")
    assert "ob-notice" in unknown and "nobody" in unknown


def test_who_to_call_follows_the_service_to_its_team(context: RenderContext) -> None:
    html = fragments.who_to_call(context, "database")  # a service the Platform team lists
    assert "<b>Platform</b>" in html and "#platform-oncall" in html
    assert "Marcus Delgado" in html
    assert "ob-notice" in fragments.who_to_call(context, "no-such-service")


def test_directories(context: RenderContext, reference: Project) -> None:
    people = fragments.contacts_directory(context)
    for person in reference.contacts.people.values():
        assert f'id="ob-person-{person.id}"' in people
        assert person.name in people
    vendors = fragments.vendor_directory(context)
    assert vendors.count("<tr id=") == len(reference.contacts.vendors)


def test_runbook_header_card(context: RenderContext, reference: Project) -> None:
    book = runbook(reference, "payments-processor-errors")
    html = fragments.runbook_header(context, book, pdf_href="../../pdf/runbooks/x.pdf")
    assert ">SEV1</span>" in html and "background-color: #b71c1c" in html
    assert "<b>Payments</b>" in html and "#payments-oncall" in html
    assert "<code>PaymentsProcessorErrorRate</code>" in html
    assert "2026-11-16" in html and "next review <time>2027-02-14</time>" in html
    assert "tel:+442079460275" in html  # the first person on the owner's ladder
    assert 'href="../../pdf/runbooks/x.pdf"' in html and "Download PDF" in html
    assert "ob-runbook-header--overdue" not in html
    assert "Download PDF" not in fragments.runbook_header(context, book)


def test_overdue_review_is_marked(reference: Project) -> None:
    later = replace(reference.config, today=dt.date(2027, 3, 1))
    context = RenderContext.for_project(replace(reference, config=later))
    html = fragments.runbook_header(context, runbook(reference, "payments-processor-errors"))
    assert "ob-runbook-header--overdue" in html
    assert "review overdue since <time>2027-02-14</time> (15 days)" in html


def test_redaction_is_one_switch_for_every_fragment(reference: Project) -> None:
    context = RenderContext.for_project(reference, redact=True)
    rendered = "".join([
        fragments.contacts_directory(context),
        fragments.escalation_ladder(context, "payments"),
        fragments.contact_card(context, "amara"),
        fragments.runbook_header(context, runbook(reference, "db-primary-failover")),
        fragments.vendor_directory(context),
    ])
    for person in reference.contacts.people.values():
        assert person.phone and person.phone not in rendered
        assert person.email and person.email not in rendered
    assert REDACTED in rendered
    assert "+44 20 7946 0506" in rendered  # a vendor support line stays
    assert "#payments-oncall" in rendered  # a team channel stays


def test_tel_and_web_links() -> None:
    assert tel_href("+1 202-555-0143") == "tel:+12025550143"
    assert tel_href("+44 20 7946 0312") == "tel:+442079460312"
    assert web_href("https://support.example.com/x?y=1") == "https://support.example.com/x?y=1"
    assert web_href("javascript:alert(1)") is None
    assert web_href("data:text/html,<b>") is None


HOSTILE_CONTACTS = '''\
  - id: mallory
    name: "<script>alert('x')</script> Mallory"
    phone: "+1 202-555-0199"
    email: mallory@example.com
    slack: "<img src=x onerror=alert(1)>"
'''


def test_content_is_escaped_and_cannot_write_css_or_scripts(tmp_path: Path) -> None:
    project_dir = copy_handbook(tmp_path / "handbook")
    contacts = project_dir / "docs" / "contacts.md"
    text = contacts.read_text(encoding="utf-8")
    text = text.replace("people:\n", "people:\n" + HOSTILE_CONTACTS, 1)
    text = text.replace("support_url: https://support.nimbus.example.com",
                        'support_url: "javascript:alert(document.cookie)"')
    contacts.write_text(text, encoding="utf-8")
    severity = project_dir / "docs" / "severity.md"
    severity.write_text(
        severity.read_text(encoding="utf-8").replace(
            'color: "#b71c1c"', 'color: "red; background-image: url(https://evil.example.com/x)"'
        ),
        encoding="utf-8",
    )
    project = load_site(project_dir / "mkdocs.yml")
    context = RenderContext.for_project(project)
    html = fragments.contacts_directory(context) + fragments.vendor_directory(context)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Mallory" in html
    assert 'href="javascript:' not in html
    table = fragments.severity_table(context)
    assert "evil.example.com" not in table
    assert "background-color: #b71c1c" in table  # the default colour for the first level


def test_markdown_text_cannot_become_markup() -> None:
    assert fragments.markdown_text("[x](javascript:y) *a* <b>") == (
        r"\[x\]\(javascript:y\) \*a\* &lt;b&gt;"
    )


# --- generated pages --------------------------------------------------------------------------


def test_index_pages_list_every_runbook(context: RenderContext, reference: Project) -> None:
    by_service = pages.runbooks_by_service_page(context).html_inline()
    by_severity = pages.runbooks_by_severity_page(context).html_inline()
    services = sorted({book.service for book in reference.runbooks})
    listed = "".join(
        pages.service_page_source(context, service).html_inline() for service in services
    )
    for book in reference.runbooks:
        assert book.title in by_severity and book.title in listed
    assert by_service.startswith('---\ntitle: "By service"\nsearch:\n  exclude: true\n---')
    for service in services:
        count = sum(book.service == service for book in reference.runbooks)
        assert (f'<a href="services/{service}.md"><code>{service}</code></a></td>\n'
                f'<td><a href="contacts.md#ob-team-') in by_service
        assert f"</small></td>\n<td>{count}</td>" in by_service
    assert "## SEV1: " in by_severity


def test_alert_index_gives_each_alert_a_stable_anchor(context: RenderContext,
                                                      reference: Project) -> None:
    source = pages.alerts_index_page(context)
    html = source.html_inline()
    alerts = [alert for book in reference.runbooks for alert in book.alerts]
    assert len(alerts) > 15
    for alert in alerts:
        assert f'<tr id="{alert}">' in html
    assert "location.replace(link.href)" in html
    assert "<code>alerts/#&lt;AlertName&gt;</code>" in html
    offline = replace(context, directory_urls=False)
    assert "alerts/index.html#&lt;AlertName&gt;" in pages.alerts_index_page(offline).markdown
    assert "alerts/&lt;AlertName&gt;.html" in pages.alerts_index_page(
        offline, alert_pages=True).markdown


def test_listing_html_is_held_out_of_markdown(context: RenderContext) -> None:
    source = pages.runbooks_by_service_page(context)
    assert "<table>" not in source.markdown
    assert any("<table>" in html for html in source.stash.fragments.values())


def test_rule_catalogue_covers_every_rule() -> None:
    html = pages.rules_page(ALL_RULES).html_inline()
    for rule in ALL_RULES:
        assert f'<div class="ob-rule" id="{rule.id}">' in html
        assert f"### {rule.id} " in html
    assert "search:" not in html.split("---")[1]  # the catalogue is searchable
    assert "OB401" in RULES_BY_ID and "OB402" in RULES_BY_ID


# --- OB401 / OB402 ----------------------------------------------------------------------------


def test_macro_checks_report_file_and_line(tmp_path: Path) -> None:
    project_dir = copy_handbook(tmp_path / "handbook")
    page = project_dir / "docs" / "oncall.md"
    lines = page.read_text(encoding="utf-8").split("\n")
    lines[-1:] = [
        "",
        '{{ escalation_ladder("paymnets") }}',
        "",
        '{{ contact_table("amara") }}',
        "",
        "{{ who_to_call(service) }}",
        "",
        '{{ who_to_call("tracking") }}',
        "",
        "```",
        '{{ contact_table("shown-literally") }}',
        "```",
        "{{ 7*7 }}",
        "",
    ]
    page.write_text("\n".join(lines), encoding="utf-8")
    start = lines.index('{{ escalation_ladder("paymnets") }}') + 1  # 1-based file line
    run = check_paths([], project_dir / "mkdocs.yml", select=("OB4",))
    found = [(d.rule, d.line, d.message) for d in run.diagnostics]
    assert all(d.path.endswith("docs/oncall.md") for d in run.diagnostics)
    assert found == [
        ("OB402", start,
         'escalation_ladder: unknown team id "paymnets" (did you mean "payments"?)'),
        ("OB401", start + 2, 'unknown macro "contact_table" (did you mean "contact_card"?)'),
        ("OB402", start + 4, "who_to_call(service): arguments must be quoted text, as in "
                             '{{ who_to_call("service") }}'),
    ]


def test_known_ids(reference: Project) -> None:
    known = known_ids(reference)
    assert "amara" in known.allowed("contact") and "nimbus" in known.allowed("contact")
    assert known.allowed("team") == {"platform", "bookings", "tracking", "payments"}
    assert {"database", "payments", "bookings-api"} <= known.allowed("service")
