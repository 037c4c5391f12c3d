"""Recorded grades as a regression test of the LLM grader's prompt, parsing, quote verification and
gates: the grader prompts for a few corpus answers, built from the library as it was when they were
recorded (bench/corpus/content-v2a, -v2b), are answered from the stored replies of a capable model over
real HTTP, and the levels and quotes must come out as they did when the corpus was graded."""

from __future__ import annotations

import pytest

from bench.corpus_data import CONTENTS, GRADED, CorpusAnswer, load_graded
from bench.grade_corpus import grade_all
from bench.model_server import ModelServer
from interviewer.backends.llm import GRADER_PROMPT_VERSION
from interviewer.catalog import load_catalog

RESPONSES = GRADED.parent / "responses" / f"grader-v{GRADER_PROMPT_VERSION}"
STYLES = ("strong", "wrong", "stuffed", "directed", "spoken")


def sample() -> list:
    graded = [g for g in load_graded(GRADED) if g.prompt_version == GRADER_PROMPT_VERSION]
    picked = []
    for style in STYLES:
        picked += [g for g in graded if g.style == style][:1]
    return picked


@pytest.mark.skipif(not sample(), reason="no graded corpus for this grader prompt version")
def test_stored_replies_reproduce_the_graded_levels_and_verbatim_quotes():
    catalogs = [load_catalog(folder / "cases", folder / "rubrics") for folder in CONTENTS]
    rows = sample()
    answers = [CorpusAnswer(r.id, r.case, r.style, r.turns) for r in rows]
    with ModelServer("replay", responses_dir=RESPONSES) as server:
        replayed, _ = grade_all(answers, catalogs, server)
    assert not server.misses or len(replayed) == len(rows)
    by_id = {row["id"]: row for row in replayed}
    for row in rows:
        again = by_id[row.id]
        assert {c: again["levels"][c] for c in row.levels} == row.levels, row.id
        for quotes in again["quotes"].values():
            assert all(any(q in turn for turn in row.turns) for q in quotes), row.id
