"""The cheap tests that let the checks skip a pattern are exact: each accepts every text its
pattern matches (and so can only save time, never drop a finding).

Every pair is tried on every line of the rules' bad and good examples, of the labelled corpus
and of the reference handbook, and on generated text built from the words the patterns look
for, spaces of every kind and other scripts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsbook.checks import ALL_RULES, contact_words, escalation_text, placeholders, severity_text
from tests.support.repo import REPO_ROOT


def _corpus_lines() -> Iterator[str]:
    for rule in ALL_RULES:
        yield from rule.bad.split("\n")
        yield from rule.good.split("\n")
    for folder in ("tests/corpus", "docs", "runbooks"):
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            if path.suffix in (".md", ".txt") and path.is_file():
                yield from path.read_text(encoding="utf-8", errors="replace").split("\n")


LINES = sorted(set(_corpus_lines()))

_WORDS = (
    *contact_words.STAND_IN_NOUNS, "a", "B", "1", "#2", "x", "K", "tbd", "to be confirmed",
    "after", "within", "in", "over", "of", "5", "10 minutes", "hour", "HOUR", "an hour",
    "Escalate", "the manager", "ApiErrors02982", "after5", ":", "：", "**", "__", ":**", "**:",
    "-", "—", "(", ")", "[", "]", "é", "五", "٣", "３", "XXX", "555-XXXX", "+1-", "UPDATE",
    "THIS", "(update this)", "(fill in)", "`", '"', "Phone:", "this is", "x[5m]", "2026-12-03",
    "Dec", "SEV", "Sev-", "P", "Priority", "Sévérité", "TBD", "a definir", "(ask", "john doe",
)
_SPACES = ("", " ", "  ", "\t", "\x0b", "\x1c", "\xa0", "\u3000")
generated = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SPACES)), min_size=1, max_size=10
).map(lambda parts: "".join(word + space for word, space in parts))


def _stand_in(text: str) -> bool:
    return placeholders._STAND_IN_ANYWHERE.search(text.lower()) is not None


def _stand_in_filter(text: str) -> bool:
    return placeholders._ONE_CHARACTER_WORD.search(text.lower()) is not None


def _matches(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: pattern.match(text) is not None


def _searches(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: pattern.search(text) is not None


def _code_line_finding(text: str) -> bool:
    return any(
        placeholders.line_findings(text, 1, code=True, contacts=contacts, listing=listing)
        is not None
        for contacts in (False, True) for listing in (False, True)
    ) or bool(placeholders.find_placeholders(text, code=True))


_ALL_BLANK_WORDS = contact_words.literal_pattern(
    {word.lower() for words in contact_words.BLANK_VALUES.values() for word in words
     if len(word) > 2}
    | {f"({verb}" for verbs in contact_words.INSTRUCTION_VERBS.values() for verb in verbs}
    | {name.lower() for name in contact_words.STAND_IN_NAMES}
    | {"to be ", "not yet"}
)


def _blank_word_in_ascii(text: str) -> bool:
    """What may_hold_blank's blank-word test must find: any blank word, in the ASCII lines
    that reach it."""
    return text.isascii() and _ALL_BLANK_WORDS.search(text.lower()) is not None


PAIRS: dict[str, tuple[Callable[[str], bool], Callable[[str], bool]]] = {
    # name: (what the full pattern says, the cheap test that must accept it)
    "empty list value": (_matches(placeholders._EMPTY_VALUE), placeholders._may_be_empty_value),
    "stand-in in a line": (_stand_in, _stand_in_filter),
    "escalation delay": (_searches(escalation_text._DELAY), escalation_text._may_state_delay),
    "blank in a shell line": (_code_line_finding, placeholders.may_hold_strong_marker),
    "blank word in an ASCII line": (
        _blank_word_in_ascii,
        lambda text: placeholders._BLANK_WORDS.search(text.lower()) is not None,
    ),
    "date in a heading": (_searches(severity_text._DATE), _searches(severity_text._DIGIT)),
    "level in a heading or label": (_searches(escalation_text._LEVEL_MENTION),
                                    _searches(escalation_text._ASCII_DIGIT)),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_prefilter_accepts_every_line_of_the_examples_and_corpus(name: str) -> None:
    full, cheap = PAIRS[name]
    missed = [line for text in LINES for line in (text, text.strip())
              if full(line) and not cheap(line)]
    assert not missed, missed[:5]


@pytest.mark.parametrize("name", sorted(PAIRS))
@given(text=generated)
def test_prefilter_accepts_generated_text(name: str, text: str) -> None:
    full, cheap = PAIRS[name]
    assert cheap(text) or not full(text)


def test_every_flagged_example_line_may_hold_a_blank() -> None:
    """A line the placeholder rules report passes may_hold_blank (the first test a line of
    a page meets)."""
    for text in LINES:
        line = text.strip()
        if placeholders.line_findings(line, 1, contacts=True, listing=True) is not None:
            assert placeholders.may_hold_blank(line), line


def test_may_hold_blank_is_unchanged_by_the_stand_in_prefilter() -> None:
    for text in LINES:
        lower = text.lower()
        full = (placeholders.may_hold_marker(text) or placeholders._may_end_in_generic_name(text)
                or (len(text) <= 2000 and placeholders._STAND_IN_ANYWHERE.search(lower)))
        if full:
            assert placeholders.may_hold_blank(text), text


def test_corpus_lines_are_read() -> None:
    assert len(LINES) > 1000
    assert Path(REPO_ROOT / "tests" / "corpus").is_dir()
