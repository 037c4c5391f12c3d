"""Explainable features of how far a window of the candidate's words states a key point.

For every (key point, window) pair:
- soft_recall: per content word piece of the point, the best cosine of its contextual MiniLM vector
  with any piece of the window's leading sentence (BERTScore-style), prompt words weighted down; the
  window's other sentences add only the point's own words (_window_pieces);
- soft_recall_weakest: the mean of the two worst-matched pieces of the point (outside the prompt): a
  near miss shares most words but leaves out the one idea that makes the point;
- soft_precision: the same from the window's side: how much of what the window says is the point;
- sentence_cosine: cosine of MiniLM sentence embeddings (the window: mean of its sentences');
- lexical_recall: share of the point's content stems the window uses, prompt stems not counted, and
  lexical_recall_plain with them counted;
- numbers: whether the point has numbers, the share of them the window states (however spoken),
  and whether the window states other numbers instead;
- negation_mismatch: one side negates and the other does not;
- contrast: the window uses the opposite of a word the point relies on (higher / lower, ...);
- prompt_echo: share of the point's stems that stand in the case prompt (a point that only restates
  the prompt is weak evidence unless its numbers and claim are made).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from interviewer.embeddings import TokenVectors
from interviewer.evidence.windows import AnswerText, Window
from interviewer.numbers import quantities, same_quantity
from interviewer.text import Span, content_stems, normalise, stem

FEATURES: tuple[str, ...] = (
    "soft_recall",
    "soft_recall_weakest",
    "soft_precision",
    "sentence_cosine",
    "lexical_recall",
    "lexical_recall_plain",
    "has_numbers",
    "numbers_matched",
    "numbers_conflict",
    "negation_mismatch",
    "contrast",
    "prompt_echo",
)
INDEX = {name: i for i, name in enumerate(FEATURES)}
SOFT_PROMPT_WEIGHT = 0.3
SEGMENT_WORDS = 95
SAME_WORD = 0.7  # a word piece this similar to a piece of the point is taken as that word

NEGATION = re.compile(
    r"\b(not|no|never|without|none|nothing|neither|nor|cannot|can't|don't|doesn't|didn't|isn't|aren't|"
    r"wasn't|weren't|won't|wouldn't|shouldn't|mustn't|avoid|instead of|rather than|unlike|fails? to)\b",
    re.IGNORECASE,
)
# Words whose opposite in the window turns the point's claim around.
_OPPOSITES = [
    ("higher", "lower"), ("increase", "decrease"), ("increases", "decreases"), ("more", "fewer"),
    ("more", "less"), ("before", "after"), ("early", "late"), ("earlier", "later"), ("over", "under"),
    ("overestimate", "underestimate"), ("overforecast", "underforecast"), ("maximise", "minimise"),
    ("maximize", "minimize"), ("add", "remove"), ("include", "exclude"), ("online", "offline"),
    ("random", "chronological"), ("randomly", "chronologically"), ("upper", "lower"), ("above", "below"),
    ("precision", "recall"), ("mean", "median"), ("static", "dynamic"), ("batch", "streaming"),
    ("synchronous", "asynchronous"), ("larger", "smaller"), ("raise", "lower"), ("cheaper", "costlier"),
    ("faster", "slower"), ("wider", "narrower"), ("overfit", "underfit"), ("overfitting", "underfitting"),
]
_OPPOSITE_OF: dict[str, set[str]] = {}
for _a, _b in _OPPOSITES:
    _OPPOSITE_OF.setdefault(_a, set()).add(_b)
    _OPPOSITE_OF.setdefault(_b, set()).add(_a)
_WORD = re.compile(r"[a-z]+")


class TokenEmbedder(Protocol):
    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]: ...

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class PointTexts:
    """The key points (or misconception claims) a window is compared with, and the case prompt."""

    points: list[str]
    prompt: str = ""


def _context_token_vectors(turns: list[list[Span]], embedder: TokenEmbedder) -> list[np.ndarray]:
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


def _soft_scores(
    point_vectors: list[TokenVectors],
    sentence_tokens: list[np.ndarray],
    membership: np.ndarray,
    prompt_stems: set[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points, windows) soft recall, its weakest pieces, and soft precision."""
    n_points, n_windows = len(point_vectors), membership.shape[0]
    recall = np.zeros((n_points, n_windows), np.float32)
    weakest = np.zeros((n_points, n_windows), np.float32)
    precision = np.zeros((n_points, n_windows), np.float32)
    pieces = [pv.vectors for pv in point_vectors if len(pv.pieces)]
    tokens = [sv for sv in sentence_tokens if len(sv)]
    if not pieces or not tokens:
        return recall, weakest, precision
    similarity = np.maximum(np.concatenate(pieces) @ np.concatenate(tokens).T, 0.0)
    lengths = [len(sv) for sv in sentence_tokens]
    starts = np.cumsum([0, *lengths])[:-1]
    # best token per point piece and sentence
    per_sentence = np.zeros((similarity.shape[0], len(sentence_tokens)), np.float32)
    for index, length in enumerate(lengths):
        if length:
            per_sentence[:, index] = similarity[:, starts[index] : starts[index] + length].max(axis=1)
    counts = np.array(lengths, np.float32)
    row = 0
    for index, pv in enumerate(point_vectors):
        count = len(pv.pieces)
        if not count:
            continue
        weights = np.array(
            [SOFT_PROMPT_WEIGHT if stem(p.lstrip("#")) in prompt_stems else 1.0 for p in pv.pieces],
            np.float32,
        )
        block = _window_pieces(per_sentence[row : row + count], weights, membership)  # (pieces, windows)
        recall[index] = weights @ block / max(float(weights.sum()), 1e-6)
        own = block[weights == 1.0] if (weights == 1.0).any() else block
        weakest[index] = np.sort(own, axis=0)[: min(2, len(own))].mean(axis=0)
        # precision: best point piece per window token, summed per sentence, pooled per window
        best_piece = similarity[row : row + count].max(axis=0)  # (all tokens,)
        sums = np.array(
            [best_piece[starts[i] : starts[i] + n].sum() if n else 0.0 for i, n in enumerate(lengths)],
            np.float32,
        )
        precision[index] = (membership @ sums) / np.maximum(membership @ counts, 1.0)
        row += count
    return recall, weakest, precision


def _window_pieces(per_sentence: np.ndarray, weights: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """(pieces, windows) how well each piece of one point is matched in each window.

    A window is read from its member sentence that states most of the point; another member adds to
    a piece only where it uses that very word (similarity >= SAME_WORD). A looser maximum over all
    the window's words would add up the background similarity of unrelated sentences into a point
    that none of them states."""
    sentence_recall = weights @ per_sentence  # (sentences,)
    ranked = np.where(membership, sentence_recall[None, :], -np.inf)
    best = ranked.argmax(axis=1)  # (windows,) the leading sentence of each window
    values = per_sentence[:, best]
    others = membership.copy()
    others[np.arange(len(best)), best] = False
    added = np.where(others[None, :, :] & (per_sentence[:, None, :] >= SAME_WORD), per_sentence[:, None, :], 0.0)
    combined: np.ndarray = np.maximum(values, added.max(axis=2))
    return combined


def _lexical(points: list[str], window_stems: list[set[str]], prompt_stems: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """(points, windows) share of each point's content stems the window uses: without the prompt's
    stems (all of them when the point has nothing else), and plain."""
    novel = np.zeros((len(points), len(window_stems)), np.float32)
    plain = np.zeros_like(novel)
    for row, point in enumerate(points):
        stems = set(content_stems(point))
        if not stems:
            continue
        own = (stems - prompt_stems) or stems
        for column, used in enumerate(window_stems):
            novel[row, column] = len(own & used) / len(own)
            plain[row, column] = len(stems & used) / len(stems)
    return novel, plain


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _contrast(point_words: set[str], window_words: set[str]) -> bool:
    return any(
        word not in window_words and (_OPPOSITE_OF[word] & window_words) - point_words
        for word in point_words & _OPPOSITE_OF.keys()
    )


@dataclass(frozen=True)
class PairFeatures:
    values: np.ndarray  # (points, windows, len(FEATURES))
    sentences: list[Span]
    windows: list[Window]


def pair_features(
    texts: PointTexts, answer: AnswerText, found_windows: list[Window], embedder: TokenEmbedder
) -> PairFeatures:
    sentences = answer.sentences
    n_points, n_windows = len(texts.points), len(found_windows)
    values = np.zeros((n_points, n_windows, len(FEATURES)), np.float32)
    if not n_points or not n_windows:
        return PairFeatures(values, sentences, found_windows)
    prompt_stems = set(content_stems(texts.prompt))
    membership = np.zeros((n_windows, len(sentences)), bool)
    for row, window in enumerate(found_windows):
        membership[row, list(window.sentences)] = True

    tokens = _context_token_vectors(answer.turns, embedder)
    point_tokens = embedder.token_vectors(texts.points)
    recall, weakest, precision = _soft_scores(point_tokens, tokens, membership, prompt_stems)

    point_sentences = embedder.sentence_vectors(texts.points)
    sentence_vectors = embedder.sentence_vectors([normalise(s.text) for s in sentences])
    window_vectors = membership.astype(np.float32) @ sentence_vectors
    window_vectors /= np.maximum(np.linalg.norm(window_vectors, axis=1, keepdims=True), 1e-12)
    cosine = point_sentences @ window_vectors.T

    sentence_stems = [set(content_stems(s.text)) for s in sentences]
    window_stems = [set().union(*(sentence_stems[i] for i in w.sentences)) for w in found_windows]
    lexical, lexical_plain = _lexical(texts.points, window_stems, prompt_stems)

    sentence_numbers = [quantities(s.text) for s in sentences]
    sentence_words = [_words(s.text) for s in sentences]
    sentence_negated = [bool(NEGATION.search(s.text)) for s in sentences]
    for row, point in enumerate(texts.points):
        wanted = [q for q in quantities(point) if q not in (0.0, 1.0)]
        point_words = _words(point)
        point_negated = bool(NEGATION.search(point))
        stems = set(content_stems(point))
        echo = len(stems & prompt_stems) / len(stems) if stems else 0.0
        for column, window in enumerate(found_windows):
            said = [q for i in window.sentences for q in sentence_numbers[i]]
            f = values[row, column]
            if wanted:
                matched = sum(1 for q in wanted if any(same_quantity(q, s) for s in said))
                other = any(
                    s not in (0.0, 1.0) and not any(same_quantity(s, q) for q in wanted) for s in said
                )
                f[INDEX["has_numbers"]] = 1.0
                f[INDEX["numbers_matched"]] = matched / len(wanted)
                f[INDEX["numbers_conflict"]] = float(matched < len(wanted) and other)
            window_words = set().union(*(sentence_words[i] for i in window.sentences))
            negated = any(sentence_negated[i] for i in window.sentences)
            f[INDEX["negation_mismatch"]] = float(negated != point_negated)
            f[INDEX["contrast"]] = float(_contrast(point_words, window_words))
            f[INDEX["prompt_echo"]] = echo
    values[:, :, INDEX["soft_recall"]] = recall
    values[:, :, INDEX["soft_recall_weakest"]] = weakest
    values[:, :, INDEX["soft_precision"]] = precision
    values[:, :, INDEX["sentence_cosine"]] = cosine
    values[:, :, INDEX["lexical_recall"]] = lexical
    values[:, :, INDEX["lexical_recall_plain"]] = lexical_plain
    return PairFeatures(np.round(values, 4), sentences, found_windows)
