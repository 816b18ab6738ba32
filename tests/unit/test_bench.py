"""Smoke tests of the benchmark generator and harness (bench/). Fast: no benchmark is timed
here; `make bench` does the measuring."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import yaml

from bench.corpus import generate_handbook, read_reference, render_runbook
from bench.harness import Series, run_command
from bench.run import Row, table, without_plugin
from opsbook.workspace import check_paths
from tests.support.repo import REPO_ROOT

TODAY = dt.date(2026, 11, 25)


def test_runbooks_are_deterministic_and_sized_like_real_ones() -> None:
    reference = read_reference(REPO_ROOT)
    first = [render_runbook(index, reference, TODAY) for index in range(40)]
    again = [render_runbook(index, reference, TODAY) for index in range(40)]
    assert first == again
    assert len({path for path, _ in first}) == 40
    sizes = [len(text.encode()) for _, text in first]
    assert 2000 <= sum(sizes) / len(sizes) <= 3200
    path, text = first[7]
    assert path.startswith("runbooks/") and path.endswith(".md")
    for section in ("Symptoms", "Diagnosis", "Mitigation", "Verification", "Escalation"):
        assert f"\n## {section}\n" in text
    assert "```bash\n" in text and "\n|---|" in text


def test_generated_handbook_checks_clean(tmp_path: Path) -> None:
    root = tmp_path / "handbook"
    generate_handbook(REPO_ROOT, root, 25, TODAY)
    run = check_paths([], root / "mkdocs.yml", today=TODAY)
    assert run.diagnostics == []
    assert run.files_checked >= 25


def test_plain_config_drops_only_the_opsbook_plugin() -> None:
    text = (
        "site_name: x\nplugins:\n  - search\n  # comment\n  - opsbook:\n"
        "      runbooks_dir: runbooks\n      review_every: 90d\n  - offline\n"
        "markdown_extensions:\n  - admonition\n"
    )
    plain = yaml.safe_load(without_plugin(text))
    assert plain["plugins"] == ["search", "offline"]
    assert plain["markdown_extensions"] == ["admonition"]
    mapping = "plugins:\n  search: {}\n  opsbook:\n    strict: true\nextra: {}\n"
    assert yaml.safe_load(without_plugin(mapping)) == {"plugins": {"search": {}}, "extra": {}}


def test_run_command_reports_time_exit_code_and_memory(tmp_path: Path) -> None:
    sample = run_command(
        [sys.executable, "-c", "import sys; print('hello'); sys.exit(3)"], tmp_path,
        sample_tree=True,
    )
    assert sample.returncode == 3
    assert sample.stdout_tail == "hello"
    assert sample.seconds > 0 and sample.max_rss_mb > 1
    assert sample.tree_pss_mb is not None
    series = Series("python", [sys.executable], tmp_path, [sample])
    assert series.best == sample.seconds and not series.ok


def test_table_lines_up() -> None:
    rendered = table([Row("1. check", "1.00 s", "10.0 s", "10.0x", ">= 10x", "met")])
    lines = rendered.splitlines()
    assert len(lines) == 3 and len({len(line) for line in lines}) == 1
