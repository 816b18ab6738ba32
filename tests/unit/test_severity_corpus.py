"""The labelled severity corpus: contradictions found, and nothing else reported."""

from __future__ import annotations

from pathlib import Path

import yaml

from opsbook.run import check_paths

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "severity"
FAMILIES = {"severity": {"OB204", "OB205"}, "escalation": {"OB207"}}

Place = tuple[str, int]


def expected_pairs(family: str) -> set[frozenset[Place]]:
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    pairs = {
        frozenset({(name, first), (name, second)})
        for name, entry in labels["files"].items()
        for first, second in entry.get(family, [])
    }
    for first, second in labels.get("cross_file", {}).get(family, []):
        a, b = (text.rsplit(":", 1) for text in (first, second))
        pairs.add(frozenset({(a[0], int(a[1])), (b[0], int(b[1]))}))
    return pairs


def test_corpus_contradictions() -> None:
    files = sorted(path for path in CORPUS.iterdir() if path.suffix in (".md", ".txt"))
    assert len(files) >= 12
    found = check_paths(files, None).diagnostics
    for family, rules in FAMILIES.items():
        expected = expected_pairs(family)
        matched: set[frozenset[Place]] = set()
        false_alarms = []
        for diagnostic in (d for d in found if d.rule in rules):
            own = (Path(diagnostic.path).name, diagnostic.line)
            hits = {frozenset({own, (Path(r.path).name, r.line)})
                    for r in diagnostic.related} & expected
            matched |= hits
            if not hits:
                false_alarms.append(f"{own} {diagnostic.message}")
        assert false_alarms == [], family
        assert len(matched) >= 0.8 * len(expected), (family, expected - matched)
