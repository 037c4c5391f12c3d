"""Offline evidence: which key points the candidate covered, and with which of their own words.

A key point is compared with windows of the candidate's speech (each sentence, runs of two and three
adjacent sentences, and a whole short turn) by two recalls, averaged:
- soft recall: for each content word piece of the key point, the best cosine of its contextual MiniLM
  vector with any word piece of the window (BERTScore-style);
- lexical recall: the share of the key point's content-word stems the window uses.
Words that already stand in the case prompt count for less: repeating the question shows nothing.
Sentences addressed to the grader are never evidence. Credit is graded between two thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from interviewer.embeddings import TokenVectors
from interviewer.models import Misconception
from interviewer.text import (
    Span,
    content_stems,
    has_specifics,
    is_grader_directed,
    is_keyword_list,
    normalise,
    sentence_spans,
    stem,
)

# Prompt words count for less in the soft recall and not at all in the lexical one.
SOFT_PROMPT_WEIGHT = 0.3
LEXICAL_PROMPT_WEIGHT = 0.0
WHOLE_TURN_MAX_WORDS = 250
MAX_WINDOW_SENTENCES = 3
SEGMENT_WORDS = 95
LEXICAL_SHARE = 0.5


class TokenEmbedder(Protocol):
    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]: ...


@dataclass(frozen=True)
class MatchSettings:
    low: float = 0.28  # below this a window says nothing about the key point
    high: float = 0.58  # at or above it the key point is fully covered
    quote_min_credit: float = 0.25  # a window is quoted as evidence from this credit on


@dataclass(frozen=True)
class PointMatch:
    point: str
    credit: float  # 0..1
    quote: str | None  # the candidate's own words that earned the credit, verbatim
    prose: bool  # the matching words are sentences, not a list of terms
    specific: bool  # ... and carry a number, a reason or a decision


@dataclass(frozen=True)
class CriterionEvidence:
    criterion: str
    matches: list[PointMatch]

    @property
    def coverage(self) -> float:
        return float(np.mean([m.credit for m in self.matches])) if self.matches else 0.0

    @property
    def prose_coverage(self) -> float:
        """Coverage counting only key points matched by sentences, not by lists of terms."""
        if not self.matches:
            return 0.0
        return float(np.mean([m.credit if m.prose else 0.0 for m in self.matches]))

    def has_specifics(self, settings: MatchSettings) -> bool:
        """Some evidence for this criterion carries a number, a reason or a decision."""
        return any(m.specific and m.credit >= settings.quote_min_credit for m in self.matches)

    def quotes(self, settings: MatchSettings) -> list[str]:
        ranked = sorted(
            (m for m in self.matches if m.quote and m.credit >= settings.quote_min_credit),
            key=lambda m: -m.credit,
        )
        return list(dict.fromkeys(m.quote for m in ranked if m.quote))

    def covered(self, threshold: float = 0.5) -> list[str]:
        return [m.point for m in self.matches if m.credit >= threshold]

    def missing(self, threshold: float = 0.5) -> list[str]:
        return [m.point for m in self.matches if m.credit < threshold]


@dataclass(frozen=True)
class AnswerText:
    """The candidate's turns split into quotable sentences, grader-directed ones set aside."""

    turns: list[list[Span]]
    ignored: list[str] = field(default_factory=list)


def split_answers(answers: Sequence[str]) -> AnswerText:
    turns: list[list[Span]] = []
    ignored: list[str] = []
    for answer in answers:
        kept: list[Span] = []
        for span in sentence_spans(answer):
            if is_grader_directed(span.text):
                ignored.append(span.text)
            else:
                kept.append(span)
        turns.append(kept)
    return AnswerText(turns, ignored)


@dataclass(frozen=True)
class _Window:
    sentences: tuple[int, ...]  # indexes into the flat sentence list
    prose: bool
    specific: bool


def _windows(text: AnswerText) -> tuple[list[Span], list[_Window]]:
    flat: list[Span] = []
    windows: list[_Window] = []
    for spans in text.turns:
        base = len(flat)
        flat.extend(spans)
        count = len(spans)
        sizes = set(range(1, min(MAX_WINDOW_SENTENCES, count) + 1))
        if count and sum(len(s.text.split()) for s in spans) <= WHOLE_TURN_MAX_WORDS:
            sizes.add(count)
        for size in sorted(sizes):
            for first in range(count - size + 1):
                members = spans[first : first + size]
                windows.append(
                    _Window(
                        tuple(range(base + first, base + first + size)),
                        any(not is_keyword_list(m.text) for m in members),
                        any(has_specifics(m.text) for m in members),
                    )
                )
    return flat, windows


def _sentence_vectors(turns: list[list[Span]], embedder: TokenEmbedder) -> list[np.ndarray]:
    """Word-piece vectors per sentence, encoded in context: consecutive sentences of a turn are
    embedded together in segments of up to SEGMENT_WORDS words, then split back by offsets."""
    segments: list[str] = []
    placements: list[tuple[int, int, int]] = []  # (segment, start, end) of each sentence
    for spans in turns:
        parts: list[str] = []
        length = words = 0
        for span in spans:
            sentence = normalise(span.text)
            count = len(sentence.split())
            if parts and words + count > SEGMENT_WORDS:
                segments.append(" ".join(parts))
                parts, length, words = [], 0, 0
            start = length + (1 if parts else 0)
            placements.append((len(segments), start, start + len(sentence)))
            parts.append(sentence)
            length, words = start + len(sentence), words + count
        if parts:
            segments.append(" ".join(parts))
    encoded = embedder.token_vectors(segments)
    result: list[np.ndarray] = []
    for segment, start, end in placements:
        tv = encoded[segment]
        rows = [i for i, (a, b) in enumerate(tv.offsets) if a >= start and b <= end]
        result.append(tv.vectors[rows])
    return result


def _point_stem_weights(point: str, prompt_stems: set[str]) -> dict[str, float]:
    """Weights of a key point's stems for the lexical recall: prompt words count for little."""
    stems = set(content_stems(point))
    novel = stems - prompt_stems
    if not novel:  # the key point only repeats the prompt: fall back to plain recall
        return dict.fromkeys(stems, 1.0)
    return {s: 1.0 if s in novel else LEXICAL_PROMPT_WEIGHT for s in stems}


def _soft_recall(
    point_vectors: list[TokenVectors],
    sentence_vectors: list[np.ndarray],
    membership: np.ndarray,
    prompt_stems: set[str],
) -> np.ndarray:
    """(points, windows): per key point, the weighted mean over its word pieces of the best cosine
    with any piece of the window."""
    pieces = [pv.vectors for pv in point_vectors if len(pv.pieces)]
    tokens = [sv for sv in sentence_vectors if len(sv)]
    result = np.zeros((len(point_vectors), membership.shape[0]), np.float32)
    if not pieces or not tokens:
        return result
    similarity = np.concatenate(pieces) @ np.concatenate(tokens).T  # (all pieces, all tokens)
    starts = np.cumsum([0] + [len(sv) for sv in sentence_vectors])[:-1]
    per_sentence = np.full((similarity.shape[0], len(sentence_vectors)), -1.0, np.float32)
    for index, sentence in enumerate(sentence_vectors):
        if len(sentence):
            offset = starts[index]
            per_sentence[:, index] = similarity[:, offset : offset + len(sentence)].max(axis=1)
    # best over each window's sentences: (all pieces, windows); one window at a time, because a
    # (pieces, windows, sentences) array takes gigabytes for a 100 KB answer
    per_window = np.empty((similarity.shape[0], membership.shape[0]), np.float32)
    for column, members in enumerate(membership):
        per_window[:, column] = per_sentence[:, members].max(axis=1)
    per_window = np.maximum(per_window, 0.0)
    row = 0
    for index, pv in enumerate(point_vectors):
        count = len(pv.pieces)
        if count:
            weights = np.array(
                [SOFT_PROMPT_WEIGHT if stem(p.lstrip("#")) in prompt_stems else 1.0 for p in pv.pieces],
                np.float32,
            )
            result[index] = weights @ per_window[row : row + count] / max(weights.sum(), 1e-6)
            row += count
    return result


def _lexical_recall(
    points: list[str], window_stems: list[set[str]], prompt_stems: set[str]
) -> np.ndarray:
    """(points, windows): weighted share of each key point's content stems the window uses."""
    weights = [_point_stem_weights(point, prompt_stems) for point in points]
    vocabulary = sorted(set().union(*(w.keys() for w in weights)))
    column = {s: i for i, s in enumerate(vocabulary)}
    point_matrix = np.zeros((len(points), len(vocabulary)), np.float32)
    for row, stem_weights in enumerate(weights):
        for s, weight in stem_weights.items():
            point_matrix[row, column[s]] = weight
    window_matrix = np.zeros((len(window_stems), len(vocabulary)), np.float32)
    for row, stems in enumerate(window_stems):
        for s in stems & column.keys():
            window_matrix[row, column[s]] = 1.0
    totals = np.maximum(point_matrix.sum(axis=1, keepdims=True), 1e-6)
    recall: np.ndarray = (point_matrix @ window_matrix.T) / totals
    return recall


def gather_evidence(
    key_points: Mapping[str, Sequence[str]],
    answers: Sequence[str],
    embedder: TokenEmbedder,
    prompt: str = "",
    settings: MatchSettings | None = None,
) -> dict[str, CriterionEvidence]:
    settings = settings or MatchSettings()
    text = split_answers(answers)
    flat, windows = _windows(text)
    points = [(criterion, point) for criterion, ps in key_points.items() for point in ps]
    evidence: dict[str, list[PointMatch]] = {criterion: [] for criterion in key_points}
    if not windows:
        for criterion, point in points:
            evidence[criterion].append(PointMatch(point, 0.0, None, False, False))
        return {c: CriterionEvidence(c, m) for c, m in evidence.items()}

    prompt_stems = set(content_stems(prompt))
    sentence_vectors = _sentence_vectors(text.turns, embedder)
    point_vectors = embedder.token_vectors([p for _, p in points])
    sentence_stems = [set(content_stems(s.text)) for s in flat]
    window_stems = [set().union(*(sentence_stems[i] for i in w.sentences)) for w in windows]
    membership = np.zeros((len(windows), len(flat)), bool)
    for row, window in enumerate(windows):
        membership[row, list(window.sentences)] = True

    soft = _soft_recall(point_vectors, sentence_vectors, membership, prompt_stems)
    lexical = _lexical_recall([p for _, p in points], window_stems, prompt_stems)
    # rounded: stable across batch shapes and machines
    scores = np.round((1 - LEXICAL_SHARE) * soft + LEXICAL_SHARE * lexical, 4)
    single = {w.sentences[0]: col for col, w in enumerate(windows) if len(w.sentences) == 1}

    for row, (criterion, point) in enumerate(points):
        best = int(np.argmax(scores[row]))
        raw = float(scores[row, best])
        credit = float(np.clip((raw - settings.low) / (settings.high - settings.low), 0, 1))
        window = windows[best]
        # Quote the single sentence of the window that says most of the key point.
        quoted = max(window.sentences, key=lambda i: float(scores[row, single[i]]))
        evidence[criterion].append(
            PointMatch(
                point,
                round(credit, 4),
                flat[quoted].text if credit > 0 else None,
                window.prose,
                window.specific,
            )
        )
    return {c: CriterionEvidence(c, m) for c, m in evidence.items()}


# A misconception counts as stated from this credit on (its claim matched like a key point).
MISCONCEPTION_CREDIT = 0.6


@dataclass(frozen=True)
class MisconceptionMatch:
    misconception: Misconception
    credit: float  # 0..1, how fully the candidate's words state the wrong claim
    quote: str  # the candidate's own words that state it, verbatim


def stated_misconceptions(
    misconceptions: Sequence[Misconception],
    answers: Sequence[str],
    embedder: TokenEmbedder,
    prompt: str = "",
) -> list[MisconceptionMatch]:
    """The wrong claims the candidate's words state, strongest first."""
    if not misconceptions:
        return []
    claims = {"claims": [m.claim for m in misconceptions]}
    found = gather_evidence(claims, answers, embedder, prompt=prompt)["claims"].matches
    stated = [
        MisconceptionMatch(m, match.credit, match.quote)
        for m, match in zip(misconceptions, found, strict=True)
        if match.credit >= MISCONCEPTION_CREDIT and match.quote
    ]
    return sorted(stated, key=lambda m: -m.credit)
