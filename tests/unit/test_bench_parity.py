"""The fast check paths of `opsbook check` (opsbook.run's strategies) give the
findings of a plain whole-site check: the site in chunks on one or two processes, and a few
files without the rest of the site. A generated handbook gets one problem of every kind that
relates files to each other, spread over chunks of 7 files."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bench.corpus import generate_handbook
from opsbook.checks import run_checks
from opsbook.diagnostics import Diagnostic
from opsbook.load.document import display_path_for, resolve_folders
from opsbook.model.project import load_project, site_files
from opsbook.run import CheckRequest, cache, check, chunks, scope
from opsbook.run.checking import check_few_files
from opsbook.run.live import LiveCheck
from opsbook.settings import load_config
from tests.support.repo import REPO_ROOT

TODAY = dt.date(2026, 11, 25)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _generated(root: Path) -> list[Path]:
    """The generated runbooks (their names end in the 5-digit index), in site order."""
    return sorted(p for p in (root / "runbooks").rglob("*.md") if p.stem[-5:].isdigit())


def _frontmatter_value(path: Path, key: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{key}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"{path} has no {key}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parity") / "handbook"
    generate_handbook(REPO_ROOT, root, 60, TODAY)
    runbooks = _generated(root)
    early, late = runbooks[3], runbooks[50]
    # Collisions across chunks: the same id, and the same alert in another case.
    _edit(late, f"id: {_frontmatter_value(late, 'id')}", f"id: {_frontmatter_value(early, 'id')}")
    alert = _frontmatter_value(early, "alerts").strip("[]").split(",")[0]
    _edit(runbooks[40], "alerts: [", f"alerts: [{alert.upper()}, ")
    # Per-file problems: owner, severity, section, placeholder, severity table, mojibake, shell.
    _edit(runbooks[10], "owner: ", "owner: nobody-")
    _edit(runbooks[11], "severity: ", "severity: SEV9-")
    _edit(runbooks[12], "## Verification", "## Checks")
    _edit(runbooks[13], "- Primary: ", "- Primary: [Name] on ")
    _edit(runbooks[14], "| SEV", "| SEV1 | 1 minute | 1 minute | 1 minute | 1 minute |\n| SEV")
    _edit(runbooks[15], "## Symptoms", "## Symptoms\n\nâš ï¸ read this first")
    _edit(runbooks[16], "  sleep 20\n", '  sleep "20\n')
    # Suppressions: one used, one unused.
    _edit(runbooks[17], "owner: ", "owner: ghost-")
    _edit(runbooks[17], "## Symptoms", "<!-- opsbook: disable-file OB303 -->\n\n## Symptoms")
    _edit(runbooks[18], "## Symptoms", "<!-- opsbook: disable-file OB104 -->\n\n## Symptoms")
    # Macros: an unknown service, and a service only a runbook names (an extra file).
    _edit(runbooks[20], "## Escalation", '## Escalation\n\n{{ who_to_call("no-such-service") }}')
    _edit(runbooks[57], "service: ", "service: only-here-")
    service = _frontmatter_value(runbooks[57], "service")
    _edit(runbooks[21], "## Escalation", f'## Escalation\n\n{{{{ who_to_call("{service}") }}}}')
    # A second contact sheet hidden among the runbooks, with a duplicate person id.
    (root / "runbooks" / "zz-extra-contacts.md").write_text(
        "---\nkind: contacts\npeople:\n  - id: amara\n    name: Amara Two\n"
        '    phone: "+1 202-555-0199"\n---\n# More contacts\n', encoding="utf-8")
    # A page that declares itself a runbook, with the id of a runbook in another folder.
    (root / "docs" / "copied-runbook.md").write_text(
        runbooks[1].read_text(encoding="utf-8").replace("---\n", "---\nkind: runbook\n", 1),
        encoding="utf-8")
    # Broken files: no frontmatter, bad YAML, not UTF-8.
    (root / "runbooks" / "platform" / "empty.md").write_text("# nothing\n", encoding="utf-8")
    (root / "runbooks" / "platform" / "broken.md").write_text(
        "---\nid: [broken\n---\n# x\n", encoding="utf-8")
    (root / "runbooks" / "platform" / "latin1.md").write_bytes(b"---\nid: caf\xe9\n---\n")
    return root


@pytest.fixture(scope="module")
def expected(site: Path) -> list[Diagnostic]:
    config = load_config(site / "mkdocs.yml")
    config = replace(config, today=TODAY)
    return run_checks(load_project(config, site_files(config)))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK_FILES", 7)
    monkeypatch.setattr(chunks, "CHUNKED_FROM", 14)


# Every planted problem, as (rule, generated runbook index or path): the plain check must find
# exactly these, so the parity tests below compare against findings that are known to be right.
PLANTED: set[tuple[str, int | str]] = {
    ("OB302", 50), ("OB302", 1),  # an id used twice; the page copied from runbook 1
    ("OB306", "docs/copied-runbook.md"),  # ... which CODEOWNERS gives to nobody
    ("OB305", 1), ("OB305", 40),  # alerts answered twice (the copy; the upper-cased alert)
    ("OB303", 10), ("OB306", 10),  # an unknown owner, so CODEOWNERS disagrees
    ("OB201", 11), ("OB301", 12), ("OB110", 13), ("OB204", 14), ("OB501", 15), ("OB601", 16),
    ("OB306", 17),  # OB303 suppressed for the file; the CODEOWNERS mismatch is not
    ("OB901", 18),  # a suppression that suppresses nothing
    ("OB402", 20),  # who_to_call of an unknown service (21 names a runbook's service: fine)
    ("OB109", "runbooks/zz-extra-contacts.md"),
    ("OB003", "runbooks/platform/broken.md"), ("OB007", "runbooks/platform/empty.md"),
    ("OB002", "runbooks/platform/latin1.md"),
}


def test_the_plain_check_finds_exactly_the_planted_problems(
    site: Path, expected: list[Diagnostic]
) -> None:
    root = load_config(site / "mkdocs.yml").root
    index = {display_path_for(path, None, root): number
             for number, path in enumerate(_generated(site))}
    found = {(d.rule, index.get(d.path, d.path)) for d in expected}
    assert found == PLANTED


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_give_the_plain_findings(site: Path, expected: list[Diagnostic], jobs: int) -> None:
    config = load_config(site / "mkdocs.yml")
    config = replace(config, today=TODAY)
    found = chunks.check_site_in_chunks(config, site_files(config), jobs=jobs)
    assert found == expected


@pytest.mark.usefixtures("small_chunks")
def test_chunks_follow_the_project_order_not_the_walk(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From inside runbooks/, runbooks show as `payments/x.md` and pages as `docs/x.md`: the
    # project order (by shown path) then differs from the order the walk found the files in.
    monkeypatch.chdir(site / "runbooks")
    config = load_config(site / "mkdocs.yml")
    config = replace(config, today=TODAY)
    files = site_files(config)
    expected = run_checks(load_project(config, files))
    assert chunks.check_site_in_chunks(config, files, jobs=2) == expected


@pytest.mark.parametrize("index", [0, 3, 11, 13, 16, 17, 18, 20, 21, 40, 50, 57])
def test_a_few_files_give_their_plain_findings(
    site: Path, expected: list[Diagnostic], index: int
) -> None:
    config = load_config(site / "mkdocs.yml")
    config = replace(config, today=TODAY)
    files = site_files(config)
    target = _generated(site)[index]
    run = check_few_files(config, files, {resolve_folders(target)}, CheckRequest())
    shown = display_path_for(target, None, config.root)
    if run is None:  # declined: allowed only where a macro may name a service (OB402)
        assert "{{" in target.read_text(encoding="utf-8")
        return
    assert run.files_checked == 1
    assert run.diagnostics == [d for d in expected if d.path == shown]



# --- the check cache: a warm check gives the findings of a cold one ---------------------------


def _plain(root: Path) -> list[Diagnostic]:
    config = replace(load_config(root / "mkdocs.yml"), today=TODAY)
    return run_checks(load_project(config, site_files(config)))


def _warm_answer(root: Path, request: CheckRequest) -> list[Diagnostic] | None:
    """What the cache alone answers (None: it sends the check to the whole site)."""
    config = replace(load_config(root / "mkdocs.yml"), today=TODAY)
    stored = cache.cache_file(config, request)
    assert stored is not None
    warm = cache.check_warm(stored, config, request, site_files(config), cache.now_ns())
    return None if warm is None else warm.diagnostics


@pytest.fixture
def cached_site(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "handbook"
    shutil.copytree(site, root, symlinks=True)
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    # Files written a moment ago are "racily clean": their stat alone is not trusted, and
    # they are hashed. Back-date them, so these tests see the usual case (stat trusted).
    for path in root.rglob("*.md"):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return root


@pytest.mark.usefixtures("small_chunks")
def test_a_warm_check_gives_the_cold_findings_after_each_edit(cached_site: Path) -> None:
    root = cached_site
    request = CheckRequest(config_file=root / "mkdocs.yml", today=TODAY, cache=True)
    assert check(request).diagnostics == _plain(root)  # cold: fills the cache
    assert list((cached_site.parent / "cache").glob("check-*.json"))
    assert _warm_answer(root, request) == _plain(root)  # nothing changed
    runbooks = _generated(root)
    edits = [
        # a file-local finding appears, then a collision with an unchanged runbook's id
        lambda: _edit(runbooks[30], "## Symptoms", "## Symptoms\n\n- Primary: [Name]"),
        lambda: _edit(runbooks[31], f"id: {_frontmatter_value(runbooks[31], 'id')}",
                      f"id: {_frontmatter_value(runbooks[5], 'id')}"),
        # the first claimant of a duplicated id changes its id: the other is no longer second
        lambda: _edit(runbooks[3], f"id: {_frontmatter_value(runbooks[3], 'id')}",
                      "id: a-brand-new-id"),
        lambda: runbooks[33].unlink(),
        lambda: (root / "runbooks" / "payments" / "new-one.md").write_text(
            runbooks[34].read_text(encoding="utf-8"), encoding="utf-8"),
    ]
    for edit in edits:
        edit()
        assert _warm_answer(root, request) == _plain(root)
        assert check(request).diagnostics == _plain(root)


@pytest.mark.usefixtures("small_chunks")
def test_the_files_are_listed_again_when_a_folder_changes(
    cached_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.name != "posix":
        pytest.skip("the manifest's listing is POSIX's")
    root = cached_site
    # Folders made a moment ago are trusted at once (else every folder here is "racy").
    monkeypatch.setattr(cache, "RACY_NS", 0)
    listings: list[int] = []
    real_listing = cache.site_listing

    def counted(config: object) -> object:
        listings.append(1)
        return real_listing(config)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "site_listing", counted)
    request = CheckRequest(config_file=root / "mkdocs.yml", today=TODAY, cache=True)
    assert check(request).diagnostics == _plain(root)  # cold
    runbooks = _generated(root)
    text = runbooks[3].read_text(encoding="utf-8")
    name = _frontmatter_value(runbooks[3], "id")
    edits = [
        lambda: None,
        # a runbook in a folder that is there, in a new folder, deeper, hidden, gone, moved
        lambda: (runbooks[0].parent / "brand-new.md").write_text(
            text.replace(name, "brand-new"), encoding="utf-8"),
        lambda: (root / "runbooks" / "newteam").mkdir(),
        lambda: (root / "runbooks" / "newteam" / "x.md").write_text(
            text.replace(name, "x-one"), encoding="utf-8"),
        lambda: (root / "runbooks" / "newteam" / "deeper").mkdir(),
        lambda: (root / "runbooks" / "newteam" / "deeper" / "y.md").write_text(
            text.replace(name, "y-one"), encoding="utf-8"),
        lambda: (root / "runbooks" / "newteam" / ".z.md").write_text(text, encoding="utf-8"),
        lambda: runbooks[5].unlink(),
        lambda: runbooks[6].rename(root / "runbooks" / "newteam" / runbooks[6].name),
        lambda: (root / "docs" / "page.md").write_text("# A page\n", encoding="utf-8"),
        lambda: None,
    ]
    for number, edit in enumerate(edits):
        listings.clear()
        edit()
        assert check(request).diagnostics == _plain(root), number
        # Nothing changed: the manifest's list is the list.
        assert bool(listings) == (number not in (0, len(edits) - 1)), number


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("journal_rows", [1, 500])
def test_warm_checks_keep_a_journal_beside_the_manifest(
    cached_site: Path, monkeypatch: pytest.MonkeyPatch, journal_rows: int
) -> None:
    root = cached_site
    monkeypatch.setattr(cache, "JOURNAL_ROWS", journal_rows)
    request = CheckRequest(config_file=root / "mkdocs.yml", today=TODAY, cache=True)
    check(request)
    (stored,) = (cached_site.parent / "cache").glob("check-*[0-9a-f].json")
    journal = stored.with_name(stored.stem + ".journal.json")
    runbooks = _generated(root)
    seen = set()
    for number in range(4):
        _edit(runbooks[10 + number], "## Symptoms", "## Symptoms\n\n- Primary: [Name]")
        assert check(request).diagnostics == _plain(root), number
        seen.add(journal.exists())
    # (A file edited just before a run is hashed again by the next: a row of its journal.)
    assert seen == {True} if journal_rows == 500 else False in seen
    assert _warm_answer(root, request) == _plain(root)
    if journal_rows == 1:
        return
    # A journal that is not this manifest's, or not a journal, is left aside: the manifest
    # alone is an older whole state, and what changed since is checked again.
    _edit(runbooks[15], "## Symptoms", "## Symptoms\n\n- Primary: [Name]")
    check(request)
    good = json.loads(journal.read_text(encoding="utf-8"))
    row = good["rows"][0]
    for broken in ({**good, "base": "another"}, {**good, "rows": [[10**6, *row[1:]]]},
                   {**good, "rows": [[*row[:6], [1], *row[7:]]]}, "not a journal"):
        journal.write_text(json.dumps(broken), encoding="utf-8")
        assert _warm_answer(root, request) == _plain(root)
        assert check(request).diagnostics == _plain(root)


@pytest.mark.usefixtures("small_chunks")
def test_a_changed_matrix_or_contact_sheet_checks_the_whole_site(cached_site: Path) -> None:
    root = cached_site
    request = CheckRequest(config_file=root / "mkdocs.yml", today=TODAY, cache=True)
    check(request)
    _edit(root / "docs" / "contacts.md", "people:", "people:\n  - id: zed\n    name: Zed")
    assert _warm_answer(root, request) is None
    assert check(request).diagnostics == _plain(root)
    assert _warm_answer(root, request) == _plain(root)  # and the cache is whole again


@pytest.mark.usefixtures("small_chunks")
def test_a_stale_or_foreign_cache_file_is_ignored(cached_site: Path) -> None:
    root = cached_site
    request = CheckRequest(config_file=root / "mkdocs.yml", today=TODAY, cache=True)
    check(request)
    (stored,) = (cached_site.parent / "cache").glob("check-*[0-9a-f].json")
    stored.write_text('{"format": 1, "files": "no"}', encoding="utf-8")
    assert check(request).diagnostics == _plain(root)
    stored.write_bytes(b"\x80not json")
    assert check(request).diagnostics == _plain(root)
    # This format's shape with a column cut short, a finding of a row that is not there, a
    # name that is not text, a finding that is not one: ignored, and written anew.
    good = json.loads(stored.read_text(encoding="utf-8"))
    for key, value in (("stats", good["stats"][:-1]), ("findings", [[len(good["paths"]), []]]),
                       ("names", [[1]] * len(good["paths"])), ("findings", [[0, [["x"]]]])):
        stored.write_text(json.dumps({**good, key: value}), encoding="utf-8")
        assert _warm_answer(root, request) is None
        assert check(request).diagnostics == _plain(root)
        assert _warm_answer(root, request) == _plain(root)
    # Another date is another cache: a review deadline may have passed.
    later = replace(request, today=TODAY + dt.timedelta(days=400))
    config = replace(load_config(root / "mkdocs.yml"), today=later.today)
    assert cache.cache_file(config, later) != stored



@pytest.mark.usefixtures("small_chunks")
def test_the_cli_keeps_its_cache_beside_the_handbook_unless_told_not_to(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from opsbook.cli import main

    root = tmp_path / "handbook"
    shutil.copytree(site, root, symlinks=True)
    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.chdir(root)
    argv = ["check", "--format", "json", "--today", TODAY.isoformat()]
    assert main([*argv, "--no-cache"]) == 1
    cold = capsys.readouterr().out
    assert not (root / ".cache").exists()
    assert main(argv) == 1
    assert capsys.readouterr().out == cold
    stored = root / ".cache" / "opsbook"
    assert list(stored.glob("check-*.json"))
    assert (stored / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert main(argv) == 1  # warm
    assert capsys.readouterr().out == cold


# --- mkdocs.yml and plugin options read without importing MkDocs (settings.options) ------------

OPTION_CASES: list[dict[str, object]] = [
    {},
    {"runbooks_dir": "playbooks", "review_every": "30d", "strict": False},
    {"required_sections": ["Symptoms", "Mitigation"], "ignore": ["OB304"], "redact": True},
    {"pdf": {"enabled": True, "paper": "letter", "company": "Example Ltd"}},
    {"pdf": {}},
    {"alert_pages": True, "severity": "levels.md", "contacts": "people.md"},
    {"runbok_dir": "typo"},
    {"strict": "yes"},
    {"review_every": None},
    {"pdf": {"paper": "a3"}},
    {"pdf": {"colour": True}},
    {"pdf": None},
    {"ignore": "OB304"},
]


def test_the_light_option_table_mirrors_the_plugin_config_class() -> None:
    from opsbook.settings.mkdocs import OpsbookPluginConfig
    from opsbook.settings.options import plugin_schema

    schema = plugin_schema()
    real = OpsbookPluginConfig()
    real.load_dict({})
    assert not real.validate()[0]
    assert set(schema) == {key for key, _option in OpsbookPluginConfig._schema}
    for key, option in schema.items():
        value = real[key]
        assert option.default == (dict(value) if option.sub is not None else value), key


@pytest.mark.parametrize("options", OPTION_CASES)
def test_plain_options_validate_like_mkdocs(options: dict[str, object], tmp_path: Path) -> None:
    from opsbook.settings import ConfigError, _validated_by_mkdocs, config_from_plugin
    from opsbook.settings.options import plain_plugin_config

    fast = plain_plugin_config(dict(options))
    try:
        slow = _validated_by_mkdocs(tmp_path / "mkdocs.yml", dict(options))
    except ConfigError:
        assert fast is None  # an error: only MkDocs words it
        return
    if fast is None:
        return  # declined: MkDocs decided, which is always allowed
    for name in vars(fast):
        expected = slow[name]
        assert getattr(fast, name) == (dict(expected) if name == "pdf" else expected), name
    assert config_from_plugin(fast, tmp_path, tmp_path / "docs", "") == config_from_plugin(
        slow, tmp_path, tmp_path / "docs", "")


def test_plain_yaml_reads_like_the_mkdocs_loader(tmp_path: Path) -> None:
    from mkdocs.utils.yaml import yaml_load

    from opsbook.settings import _safe_config_loader
    from opsbook.settings.options import read_plain_yaml

    reference = REPO_ROOT / "mkdocs.yml"
    with reference.open("rb") as handle:
        slow = yaml_load(handle, loader=_safe_config_loader())
    assert read_plain_yaml(reference) in (None, slow)
    tagged = tmp_path / "mkdocs.yml"
    tagged.write_text("site_name: !ENV [NAME, x]\nplugins: [opsbook]\n", encoding="utf-8")
    assert read_plain_yaml(tagged) is None
    tagged.write_text("INHERIT: base.yml\n", encoding="utf-8")
    assert read_plain_yaml(tagged) is None


@pytest.mark.parametrize(
    ("data", "context"),
    [
        (b"---\nid: x\n---\nany kind of text, a line \\\ncontinued\n", False),
        (b"---\nkind: runbook\nid: x\n---\n", False),
        (b"---\nkind: contacts\n---\n", True),
        (b"---\nkind: 'severity-matrix'\n---\n", True),
        (b'---\n"\\x6bind": contacts\n---\n', True),  # an escape that spells kind
        (b"---\nid: x\n---x\nkind: contacts\n---\n", True),  # `---x` does not close it
        (b"\xef\xbb\xbf---\nkind: contacts\n---\n", True),  # BOM
        (b"---\r\nkind: contacts\r\n---\r\n", True),  # CRLF
        (b"# no frontmatter, any kind\n", False),
    ],
)
def test_the_context_scan_finds_every_file_that_may_declare_a_kind(
    data: bytes, context: bool
) -> None:
    assert scope.may_be_context(data) is context


# --- `mkdocs serve`: the check kept in memory between builds (run.live) ------------------------


def _live_and_plain(live: LiveCheck, root: Path) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """What the kept check finds in the site as it is now, and what a plain check finds."""
    config = replace(load_config(root / "mkdocs.yml"), today=TODAY)
    found = live.check(live.load(config, root))
    return found, run_checks(load_project(config, site_files(config), root))


def test_the_check_serve_keeps_gives_the_plain_findings_after_each_edit(
    site: Path, tmp_path: Path
) -> None:
    root = tmp_path / "handbook"
    shutil.copytree(site, root, symlinks=True)
    live = LiveCheck()
    found, plain = _live_and_plain(live, root)
    assert found == plain and live.whole
    runbooks = _generated(root)
    rules = sorted((root / "alerts").glob("*.rules.yml"))[-1]
    alert = _frontmatter_value(runbooks[44], "alerts").strip("[]").split(",")[0].strip()
    edits: list[tuple[Callable[[], object], bool]] = [  # (edit, whether the whole site)
        (lambda: None, False),
        # a file-local finding appears, then a collision with an unchanged runbook's id
        (lambda: _edit(runbooks[30], "## Symptoms", "## Symptoms\n\n- Primary: [Name]"), False),
        (lambda: _edit(runbooks[31], f"id: {_frontmatter_value(runbooks[31], 'id')}",
                       f"id: {_frontmatter_value(runbooks[5], 'id')}"), False),
        # the first claimant of a duplicated id changes its id: the other is no longer second
        (lambda: _edit(runbooks[3], f"id: {_frontmatter_value(runbooks[3], 'id')}",
                       "id: a-brand-new-id"), False),
        # an alert answered no more (the rules of it now belong to no runbook), then again
        (lambda: _edit(runbooks[44], f"{alert}", "NoSuchAlertAnywhere"), False),
        (lambda: _edit(runbooks[44], "NoSuchAlertAnywhere", f"{alert}"), False),
        (lambda: _edit(runbooks[45], "severity: ", "severity: SEV9-"), False),
        (lambda: runbooks[33].unlink(), False),
        (lambda: (root / "runbooks" / "payments" / "new-one.md").write_text(
            runbooks[34].read_text(encoding="utf-8"), encoding="utf-8"), False),
        (lambda: (root / "runbooks" / "payments" / "bad.md").write_bytes(b"---\nid: \xe9\n"),
         False),
        # what other files' findings read: the whole site again
        (lambda: _edit(root / "docs" / "contacts.md", "people:",
                       "people:\n  - id: zed\n    name: Zed"), True),
        (lambda: _edit(root / "docs" / "severity.md", "SEV1", "SEV1 "), True),
        (lambda: _edit(rules, "severity: ", "severity: x", ), True),
        (lambda: (root / "CODEOWNERS").write_text("* @nobody\n", encoding="utf-8"), True),
        (lambda: _edit(runbooks[46], "service: ", "service: brand-new-"), True),
        (lambda: _edit(runbooks[47], "## Symptoms", "## Symptoms\n\nAs before."), False),
    ]
    for number, (edit, whole) in enumerate(edits):
        edit()
        found, plain = _live_and_plain(live, root)
        assert found == plain, number
        assert live.whole is whole, number
