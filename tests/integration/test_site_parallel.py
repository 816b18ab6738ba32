"""Markdown converted on a second core gives the site a one-process build gives: every output
file byte for byte (pages, search index, sitemap), and the same log."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import generate_handbook
from tests.support.repo import REPO_ROOT
from tests.support.sitebuild import mkdocs_env

RUNBOOKS = 60
TIMING = re.compile(r"^INFO\s+-\s+Documentation built in [0-9.]+ seconds$", re.M)


def _build(project: Path, site: Path, jobs: int, *args: str) -> str:
    env = dict(mkdocs_env(), OPSBOOK_JOBS=str(jobs), SOURCE_DATE_EPOCH="1780000000")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(site), *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return TIMING.sub("", result.stderr).replace(str(site), "SITE")


def _tree(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes()
            for path in sorted(site.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference handbook (pages with macros among them) and generated runbooks, with
    what a conversion elsewhere must carry back: a link MkDocs warns about, a page whose
    title is its first heading, links to anchors on other pages."""
    root = tmp_path_factory.mktemp("parallel") / "handbook"
    generate_handbook(REPO_ROOT, root, RUNBOOKS, dt.date(2026, 6, 1))
    for runbook in sorted((root / "runbooks").rglob("*.md"))[::7]:  # some for each side
        text = runbook.read_text(encoding="utf-8")
        runbook.write_text(text.replace(
            "## Diagnosis\n",
            "## Diagnosis\n\nSee [the missing page](../missing.md) and "
            "[the levels](../../docs/severity.md#sev1).\n", 1), encoding="utf-8")
    (root / "docs" / "headed.md").write_text(
        "# A page titled by its heading\n\nText with *emphasis* and `code`.\n\n"
        "## Part\n\n```python\nprint('x')\n```\n", encoding="utf-8")
    return root


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_parallel_conversion_builds_the_same_site(handbook: Path, tmp_path: Path) -> None:
    one_log = _build(handbook, tmp_path / "one", 1)
    two_log = _build(handbook, tmp_path / "two", 2)
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert sorted(one) == sorted(two)
    differing = [name for name in one if one[name] != two[name]]
    assert differing == []
    assert one_log == two_log
    assert "missing.md" in two_log  # the worker's warning, shown by the build
    assert "<title>A page titled by its heading" in (
        tmp_path / "two" / "headed.html").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_workers_convert_pages_and_one_job_uses_none(handbook: Path, tmp_path: Path) -> None:
    log = _build(handbook, tmp_path / "two", 2, "-v")
    found = re.search(r"opsbook: (\d+) of (\d+) pages converted by 1 workers", log)
    assert found is not None, log[-2000:]
    assert 0 < int(found.group(1)) <= int(found.group(2))
    assert "pages converted by" not in _build(handbook, tmp_path / "one", 1, "-v")


def test_other_plugins_that_read_pages_keep_the_conversion_in_one_process() -> None:
    from opsbook.site.convert import reading_hooks

    class Own:
        def on_page_markdown(self) -> None: ...

    class Macros:
        def on_page_markdown(self) -> None: ...

    class Search:
        def on_page_context(self) -> None: ...

    own = Own()
    plugins = {"search": Search(), "opsbook": own, "macros": Macros()}
    assert reading_hooks(plugins, own) == ["macros"]
    assert reading_hooks({"search": Search(), "opsbook": own}, own) == []


def test_search_reads_lighter_pages_and_indexes_the_same(handbook: Path, tmp_path: Path) -> None:
    """A hook that reads pages in on_page_context turns the lighter pages off: the two sites,
    search index included, are the same."""
    shutil.copytree(handbook, tmp_path / "hooked", ignore=shutil.ignore_patterns("site"))
    hooked = tmp_path / "hooked"
    (hooked / "noop_hook.py").write_text(
        "def on_page_context(context, page, config, nav):\n    return context\n",
        encoding="utf-8")
    config = hooked / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks:\n  - noop_hook.py\n",
                      encoding="utf-8")
    _build(handbook, tmp_path / "light", 2)
    _build(hooked, tmp_path / "full", 2)
    light, full = _tree(tmp_path / "light"), _tree(tmp_path / "full")
    assert sorted(light) == sorted(full)
    assert [name for name in light if light[name] != full[name]] == []
    assert b"<pre><code>kubectl" in light["search/search_index.json"]  # code is indexed
    assert any(b'<pre><span></span><code><span class="' in light[name]  # highlighted
               for name in light if name.startswith("runbooks/"))


def test_lighter_drops_only_plain_spans_inside_pre() -> None:
    from opsbook.site.search import can_lighten, lighter

    html = ('<p><span class="x">kept</span></p><pre><span></span><code>'
            '<span class="n">echo</span> <span class="s2">"hi"</span></code></pre>')
    assert lighter(html) == ('<p><span class="x">kept</span></p><pre><code>echo "hi"</code>'
                             '</pre>')
    assert lighter(html.replace('<span class="n">', '<span id="a" class="n">')) is None
    assert lighter(html.replace("<p>", '<p data-search-exclude="">')) is None
    assert lighter("<p>no code</p>") is None

    class Own:
        def on_page_context(self) -> None: ...

    own = Own()
    assert can_lighten({"opsbook": own}, own) is False  # no search: nothing to gain
    assert can_lighten({"other": Own(), "opsbook": own}, own) is False
