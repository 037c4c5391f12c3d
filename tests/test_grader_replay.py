"""Recorded grades as a regression test of the LLM grader's prompt, parsing, quote verification and
gates: the grader prompts for a few corpus answers, built from the library as it was when they were
graded (bench/corpus/content-v2), are answered from the stored replies of a capable model over real
HTTP, and the cards must come out as they did when the corpus was graded."""

from __future__ import annotations

import pytest

from bench.corpus_data import CONTENT, GRADED, load_graded
from bench.model_server import ModelServer
from interviewer.backends.llm import GRADER_PROMPT_VERSION, LlmConfig, LlmGrader
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
def test_stored_replies_reproduce_the_graded_cards():
    catalog = load_catalog(CONTENT / "cases", CONTENT / "rubrics")
    with ModelServer("replay", responses_dir=RESPONSES) as server:
        grader = LlmGrader(LlmConfig(base_url=server.base_url, model="replay", max_retries=0, timeout=30))
        for row in sample():
            case = catalog.case(row.case)
            card = grader.grade(case, catalog.rubric_for(case), row.turns, row.target)
            assert {c.id: c.level for c in card.criteria if c.id in row.levels} == row.levels, row.id
            assert all(
                quote in "\n".join(row.turns) for c in card.criteria for quote in c.evidence
            ), row.id
    assert not server.misses, server.misses
