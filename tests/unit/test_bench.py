"""The benchmark corpus generator and report (bench/). Fast: no benchmark is timed here;
`make bench` does the measuring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from bench.corpus import generate_handbook, read_reference, render_runbook
from bench.run import Row, table, without_plugin
from opsbook.run import check_paths, load_site
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
    reference = load_site(REPO_ROOT / "mkdocs.yml")
    generated = load_site(root / "mkdocs.yml")
    reference_ids = {runbook.id for runbook in reference.runbooks}
    new_ids = {runbook.id for runbook in generated.runbooks} - reference_ids
    assert len(new_ids) == 25 and reference_ids <= {r.id for r in generated.runbooks}
    run = check_paths([], root / "mkdocs.yml", today=TODAY)
    assert run.diagnostics == []
    assert run.files_checked == len(list(root.glob("docs/**/*.md"))) + len(
        list(root.glob("runbooks/**/*.md")))


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


def test_table_is_a_markdown_table_that_lines_up() -> None:
    rows = [Row("1. check", "1.00 s", "10.0 s", "10.0x", ">= 10x", "met"),
            Row("2. check 50,000 / 10,000", "11.4 s", "2.28 s", "5.0x", "<= 5.5x", "met")]
    lines = table(rows).splitlines()
    assert len({len(line) for line in lines}) == 1
    cells = [[cell.strip() for cell in line.split("|")[1:-1]] for line in lines]
    assert cells[0] == ["benchmark", "opsbook", "compared with", "ratio", "target", "result"]
    assert all(set(cell) == {"-"} for cell in cells[1])
    assert cells[2:] == [[r.benchmark, r.measured, r.reference, r.ratio, r.target, r.status]
                         for r in rows]
