"""Every labelled set under tests/corpus meets the goal for placeholder contacts, and its labels
describe exactly the files that are there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opsbook.evaluate import LABELS_FILE, corpus_files, evaluate_directory, load_labels

CORPUS = Path(__file__).parent.parent / "corpus"
SETS = sorted(path.parent for path in CORPUS.glob(f"*/{LABELS_FILE}"))
TODAY = dt.date(2026, 6, 1)


def test_the_contacts_set_is_large_enough() -> None:
    contacts = CORPUS / "contacts"
    assert contacts in SETS
    labels = load_labels(contacts / LABELS_FILE, contacts)
    assert len(labels.files) >= 22
    expected = labels.expected_lines("placeholders")
    assert len(expected) >= 100
    assert len({name for name, _ in expected}) >= 22


@pytest.mark.parametrize("directory", SETS, ids=[path.name for path in SETS])
def test_every_file_is_labelled(directory: Path) -> None:
    labels = load_labels(directory / LABELS_FILE, directory)
    present = {path.relative_to(directory).as_posix() for path in corpus_files(directory)}
    assert set(labels.files) == present


@pytest.mark.parametrize("directory", SETS, ids=[path.name for path in SETS])
def test_placeholder_contacts_meet_the_goal(directory: Path) -> None:
    evaluation = evaluate_directory(directory / LABELS_FILE, directory, TODAY,
                                    families=("placeholders",))
    score = evaluation.scores["placeholders"]
    report = "\n".join(
        [*(f"missed {miss.text()}" for miss in score.misses),
         *(f"false alarm {d.path}:{d.line} {d.message}" for d in score.false_alarms)]
    )
    assert score.precision is None or score.precision >= 0.97, report
    assert score.recall is None or score.recall >= 0.95, report
