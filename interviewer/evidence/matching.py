"""Which key points the candidate stated, with which of their own words, and which wrong claims.

Each key point is compared with every window of one to three adjacent sentences (features.py); the
fitted point model turns the features into a credit (0-1); the window with the highest credit is the
evidence. The quote, verbatim, is its best single sentence when that sentence alone is heard (or
partly heard) as the window is, else the whole window: the card never quotes one sentence for what
two said together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from interviewer.evidence.features import PairFeatures, PointTexts, TokenEmbedder, pair_features
from interviewer.evidence.point_model import PointModel, shipped_point_model
from interviewer.evidence.windows import split_answers, windows
from interviewer.models import Misconception

HEARD = 0.5  # a key point with this credit counts as stated
PARTLY_HEARD = 0.25  # ... from here it is partly stated
NOT_PARTIAL = 0.2  # the most a window of terms (not sentences) earns short of stating the point


@dataclass(frozen=True)
class MatchSettings:
    quote_min_credit: float = PARTLY_HEARD  # a window is quoted as evidence from this credit on


@dataclass(frozen=True)
class PointMatch:
    point: str
    credit: float  # 0..1
    quote: str | None  # the candidate's own words that earned the credit, verbatim
    prose: bool  # the matching words are sentences, not a list of terms
    specific: bool  # ... and carry a number, a reason or a decision

    @property
    def status(self) -> str:
        """'heard', 'partly heard' or 'not heard'."""
        if self.credit >= HEARD:
            return "heard"
        return "partly heard" if self.credit >= PARTLY_HEARD else "not heard"


@dataclass(frozen=True)
class CriterionEvidence:
    criterion: str
    matches: list[PointMatch]

    @property
    def coverage(self) -> float:
        return float(np.mean([m.credit for m in self.matches])) if self.matches else 0.0

    def has_prose(self, settings: MatchSettings) -> bool:
        """Some evidence for this criterion is sentences, not a list of terms."""
        return any(m.prose and m.credit >= settings.quote_min_credit for m in self.matches)

    def quotes(self, settings: MatchSettings) -> list[str]:
        ranked = sorted(
            (m for m in self.matches if m.quote and m.credit >= settings.quote_min_credit),
            key=lambda m: -m.credit,
        )
        return list(dict.fromkeys(m.quote for m in ranked if m.quote))

    def covered(self, threshold: float = HEARD) -> list[str]:
        return [m.point for m in self.matches if m.credit >= threshold]

    def missing(self, threshold: float = HEARD) -> list[str]:
        return [m.point for m in self.matches if m.credit < threshold]

    def heard(self) -> list[PointMatch]:
        return [m for m in self.matches if m.status == "heard"]


def point_features(
    points: Sequence[str], answers: Sequence[str], embedder: TokenEmbedder, prompt: str = ""
) -> PairFeatures:
    """The features of every (point, window) pair: the expensive part, independent of the model."""
    text = split_answers(answers)
    return pair_features(PointTexts(list(points), prompt), text, windows(text), embedder)


def matches_from(
    points: Sequence[str], features: PairFeatures, model: PointModel, single_sentences: bool = False
) -> list[PointMatch]:
    """Each point's best window under the model, its credit, and as quote the words that earned it:
    the window's best sentence when that sentence alone earns the same status, else the window.
    With single_sentences, only windows of one sentence count."""
    if not features.windows:
        return [PointMatch(p, 0.0, None, False, False) for p in points]
    logits = np.round(model.logits(features.values), 4)  # rounded: stable across batch shapes
    if single_sentences:
        logits[:, [len(w.sentences) > 1 for w in features.windows]] = -np.inf
    single = {w.sentences[0]: col for col, w in enumerate(features.windows) if len(w.sentences) == 1}
    matches = []
    for row, point in enumerate(points):
        best = int(np.argmax(logits[row]))
        credit = _credit(float(logits[row, best]))
        window = features.windows[best]
        if not window.prose and credit < HEARD:
            # a list of terms, a table row or markup is partial evidence of nothing: it counts only
            # when it states the point outright
            credit = min(credit, NOT_PARTIAL)
        quoted = max(window.sentences, key=lambda i: float(logits[row, single[i]]))
        alone = features.windows[single[quoted]]
        quote = alone.text if _status(_credit(float(logits[row, single[quoted]]))) == _status(credit) else window.text
        matches.append(
            PointMatch(point, round(credit, 4), quote if credit >= PARTLY_HEARD else None, window.prose, window.specific)
        )
    return matches


def _credit(logit: float) -> float:
    return float(1.0 / (1.0 + np.exp(-logit)))


def _status(credit: float) -> int:
    return int(credit >= PARTLY_HEARD) + int(credit >= HEARD)


def match_points(
    points: Sequence[str],
    answers: Sequence[str],
    embedder: TokenEmbedder,
    prompt: str = "",
    model: PointModel | None = None,
) -> list[PointMatch]:
    """Each point's best match in the candidate's words."""
    if not points:
        return []
    features = point_features(points, answers, embedder, prompt)
    return matches_from(points, features, model or shipped_point_model())


def gather_evidence(
    key_points: Mapping[str, Sequence[str]],
    answers: Sequence[str],
    embedder: TokenEmbedder,
    prompt: str = "",
    settings: MatchSettings | None = None,
    model: PointModel | None = None,
) -> dict[str, CriterionEvidence]:
    points = [point for ps in key_points.values() for point in ps]
    return by_criterion(key_points, match_points(points, answers, embedder, prompt, model))


def by_criterion(key_points: Mapping[str, Sequence[str]], matches: Sequence[PointMatch]) -> dict[str, CriterionEvidence]:
    """The matches of the key points, in key_points order, grouped per criterion."""
    evidence: dict[str, list[PointMatch]] = {criterion: [] for criterion in key_points}
    criteria = [criterion for criterion, ps in key_points.items() for _ in ps]
    for criterion, match in zip(criteria, matches, strict=True):
        evidence[criterion].append(match)
    return {c: CriterionEvidence(c, m) for c, m in evidence.items()}




# A misconception counts as stated when the candidate's words fit its wrong claim clearly better than
# its correction: the claim's credit at least MISCONCEPTION_CREDIT and at least MISCONCEPTION_MARGIN
# above the correction's best credit in the same answer. A correct view shares most of the claim's
# words, so the claim's credit alone cannot tell them apart. Chosen on the statements of the first 40
# cases' misconceptions (bench/corpus/misconceptions, a false flag weighed twice a miss) and measured
# on the other 44 cases' (bench/misconception_rule.py); stating one caps a criterion.
MISCONCEPTION_CREDIT = 0.3
MISCONCEPTION_MARGIN = 0.3


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
    model: PointModel | None = None,
) -> list[MisconceptionMatch]:
    """The wrong claims the candidate's words state, strongest first."""
    if not misconceptions:
        return []
    texts = [m.claim for m in misconceptions] + [m.correction for m in misconceptions]
    features = point_features(texts, answers, embedder, prompt)
    model = model or shipped_point_model()
    # a wrong claim is pinned on one sentence the candidate said (the pushback quotes it); the
    # correct view may take several
    claims = matches_from(texts, features, model, single_sentences=True)[: len(misconceptions)]
    corrections = matches_from(texts, features, model)[len(misconceptions):]
    return stated_among(misconceptions, claims, corrections)


def stated_among(
    misconceptions: Sequence[Misconception], claims: Sequence[PointMatch], corrections: Sequence[PointMatch]
) -> list[MisconceptionMatch]:
    """Of the misconceptions whose claims and corrections were matched (in order), those stated,
    strongest first."""
    stated = [
        MisconceptionMatch(m, claim.credit, claim.quote)
        for m, claim, correction in zip(misconceptions, claims, corrections, strict=True)
        if is_stated(claim.credit, correction.credit) and claim.quote
    ]
    return sorted(stated, key=lambda m: -m.credit)


def is_stated(claim_credit: float, correction_credit: float) -> bool:
    return claim_credit >= MISCONCEPTION_CREDIT and claim_credit - correction_credit >= MISCONCEPTION_MARGIN
