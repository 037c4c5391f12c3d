"""The graded corpus and the key-point pairs: well formed, covering the library, and honest about
where the grades come from."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bench.corpus_data import ANSWERS, GRADED, PAIRS, load_answers, load_graded, load_pairs
from interviewer.backends.llm import GRADER_PROMPT_VERSION

STYLES = {"spoken", "terse", "rambling", "strong", "uneven", "wrong", "stuffed"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def runs(text: str, size: int = 5) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + size]) for i in range(len(w) - size + 1)}


def test_every_corpus_file_names_a_case_and_every_answer_is_unique(catalog):
    answers = load_answers(ANSWERS)
    assert answers
    assert {a.case for a in answers} <= set(catalog.cases)
    assert len({a.id for a in answers}) == len(answers)


def test_each_case_in_the_corpus_has_at_least_six_answers_across_the_styles():
    per_case: dict[str, Counter[str]] = {}
    for answer in load_answers(ANSWERS):
        per_case.setdefault(answer.case, Counter())[answer.style] += 1
    for case, styles in per_case.items():
        assert sum(styles.values()) >= 6, case
        assert set(styles) >= STYLES, (case, STYLES - set(styles))


def test_strong_answers_are_in_the_candidates_own_words(catalog):
    """No run of five words shared with a key point or the model answer, except the case's own facts
    (prompt, clarifications) and runs that carry a number (a figure is a fact, not wording)."""
    for answer in load_answers(ANSWERS):
        if answer.style != "strong":
            continue
        case = catalog.case(answer.case)
        hidden = set().union(*(runs(p) for ps in case.key_points.values() for p in ps), runs(case.model_answer))
        facts = set().union(runs(case.prompt), *(runs(c.answer) for c in case.clarifications))
        shared = {
            r for r in (runs(" ".join(answer.turns)) & hidden) - facts
            if not any(t[0].isdigit() for t in r)
        }
        assert not shared, (answer.id, sorted(" ".join(r) for r in shared)[:3])


def test_graded_rows_say_which_grader_prompt_graded_them():
    graded = load_graded(GRADED)
    if not graded:
        pytest.skip("no graded corpus yet")
    answers = {a.id: a for a in load_answers(ANSWERS)}
    for row in graded:
        assert row.prompt_version <= GRADER_PROMPT_VERSION
        assert row.id in answers and answers[row.id].turns == row.turns, row.id
        assert all(level is None or 1 <= level <= 4 for level in row.levels.values())


def test_pairs_name_key_points_of_their_case(catalog):
    pairs = load_pairs(PAIRS)
    if not pairs:
        pytest.skip("no pairs yet")
    for pair in pairs:
        case = catalog.case(pair.case)
        assert pair.point in case.key_points.get(pair.criterion, []), (pair.case, pair.point[:60])
