"""Case questions answered from the case's facts, matched by meaning, with a refusal threshold.

Each clarification fact is compared with the question three ways, all deterministic:
- meaning of the sentence: the cosine of mean-pooled MiniLM vectors (the way the model was trained to
  compare sentences) of the question and "topic: sentence", for the whole answer and each sentence
  of it, best taken;
- meaning of the topic alone;
- the topic's words: the share of the question's content words (those not in the case prompt, which
  every fact of a case shares) that the topic uses, matching word stems by prefix.
The best fact answers when its score clears FACT_MIN; else a sentence of the prompt that answers it;
else, from NEAREST_MIN, the best fact is offered as the nearest the case gives (said as such, so the
candidate can tell it may not be what they asked); below that the case does not specify it. An
answer is always a case fact, never invented."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from interviewer.embeddings import TokenVectors
from interviewer.models import AnyCase, Clarification
from interviewer.text import content_stems

SENTENCE_WEIGHT, TOPIC_WEIGHT, WORD_WEIGHT = 0.65, 0.05, 0.30
FACT_MIN = 0.30  # calibrated on 50 questions to two cases, answerable or not: 2 wrong
# The lowest score at which every answerable question of the calibration set (fact-questions.json)
# still finds its fact; 57 of 60 held-out questions have their fact ranked first.
NEAREST_MIN = 0.25
PROMPT_MIN = 0.39  # a prompt sentence answers from here (sentence meaning only: stricter)
BRIEF = "the brief"  # the topic of a fact that is a sentence of the case prompt


class TokenEmbedder(Protocol):
    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]: ...


@dataclass(frozen=True)
class FactMatch:
    fact: Clarification | None
    score: float
    runner_up: float
    nearest: bool = False  # the fact is the closest the case has, below FACT_MIN


def _pooled(vectors: TokenVectors) -> np.ndarray | None:
    if not len(vectors.pieces):
        return None
    mean = vectors.vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 1e-9 else None


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    return float(a @ b) if a is not None and b is not None else 0.0


# Supply-chain words a candidate uses for what a case's fact topics name otherwise: the question is
# read with the topic's word added (for the words part of the score only).
SYNONYMS = {
    r"\bstock[- ]?outs?\b|\bout of stock\b|\bOOS\b|\bshort[- ]?ships?\b": "shortages",
    r"\blate (deliveries|arrivals|trucks)\b|\bpunctual": "on-time",
    r"\bhaulier|\btrucking compan|\b3PL\b|\bLSP\b": "carriers",
    r"\bpenalt|\bchargebacks?\b|\bdeductions?\b": "fines",
}


def _expanded(question: str) -> str:
    extra = [word for pattern, word in SYNONYMS.items() if re.search(pattern, question, re.IGNORECASE)]
    return " ".join([question, *extra])


def _same_word(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def score_facts(case: AnyCase, question: str, embedder: TokenEmbedder) -> list[float]:
    """Per clarification fact, how well it answers the question (about 0-1)."""
    facts = case.clarifications
    if not facts or not question.strip():
        return [0.0] * len(facts)
    prompt_stems = set(content_stems(case.prompt))
    stems = [s for s in dict.fromkeys(content_stems(_expanded(question))) if "'" not in s and len(s) > 2]
    # words the prompt also uses count only when the question has no others ("who's on the team?")
    asked = [s for s in stems if s not in prompt_stems] or stems
    texts: list[str] = [question]
    spans: list[tuple[int, int, int]] = []  # per fact: topic index, first and end sentence index
    for fact in facts:
        sentences = [fact.answer] + [s for s in re.split(r"(?<=[.!?])\s+", fact.answer) if s.strip()]
        topic_at = len(texts)
        texts.append(fact.topic)
        texts.extend(f"{fact.topic}: {s}" for s in sentences)
        spans.append((topic_at, topic_at + 1, len(texts)))
    pooled = [_pooled(v) for v in embedder.token_vectors(texts)]
    asked_vector = pooled[0]
    scores = []
    for fact, (topic_at, first, end) in zip(facts, spans, strict=True):
        sentence = max(_cosine(asked_vector, pooled[i]) for i in range(first, end))
        topic = _cosine(asked_vector, pooled[topic_at])
        topic_stems = content_stems(fact.topic)
        words = (
            sum(any(_same_word(s, t) for t in topic_stems) for s in asked) / len(asked) if asked else 0.0
        )
        score = SENTENCE_WEIGHT * sentence + TOPIC_WEIGHT * topic + WORD_WEIGHT * words
        scores.append(round(score, 4))
    return scores


def prompt_facts(case: AnyCase) -> list[str]:
    """The prompt's sentences that state facts (all but the last, which sets the task)."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", case.prompt.strip()) if s.strip()]
    return sentences[:-1]


def match_prompt(case: AnyCase, question: str, embedder: TokenEmbedder) -> tuple[str | None, float]:
    """The prompt sentence that answers the question (the candidate may have missed it), or None."""
    sentences = prompt_facts(case)
    if not sentences or not question.strip():
        return None, 0.0
    pooled = [_pooled(v) for v in embedder.token_vectors([question, *sentences])]
    scores = [_cosine(pooled[0], p) for p in pooled[1:]]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return (sentences[best] if scores[best] >= PROMPT_MIN else None), round(scores[best], 4)


def match_fact(case: AnyCase, question: str, embedder: TokenEmbedder) -> FactMatch:
    """The clarification fact that answers the question; else the prompt's sentence that does (as a
    fact with the topic BRIEF); else none."""
    scores = score_facts(case, question, embedder)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    best = scores[order[0]] if scores else 0.0
    second = scores[order[1]] if len(order) > 1 else 0.0
    if scores and best >= FACT_MIN:
        return FactMatch(case.clarifications[order[0]], best, second)
    sentence, score = match_prompt(case, question, embedder)
    if sentence is not None:
        return FactMatch(Clarification(topic=BRIEF, answer=sentence), score, best)
    if scores and best >= NEAREST_MIN:
        return FactMatch(case.clarifications[order[0]], best, second, nearest=True)
    return FactMatch(None, best, second)
