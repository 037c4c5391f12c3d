"""Which probe to ask: aimed at what is missing, never at what was just said.

Each authored follow-up listens for some key points of its criterion: the ones authored as
`listens_for`, or else the ones most similar to its wording. A follow-up whose points have all been
heard is not asked. When the authored follow-ups are used up the interviewer presses on its own,
quoting the candidate ("You said X. What number would you put on that?"), at most twice per
criterion and never on a criterion the latest answer just gave specifics for."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from interviewer.models import AnyCase, FollowUp, Rubric
from interviewer.policy.heard import Heard, short_quote
from interviewer.policy.moves import PHASE_COVERED, Move, ProbeStyle
from interviewer.session import RoundState
from interviewer.text import NUMBER, content_stems

# A wrong claim is pushed back on only when stated this clearly, and never when the same sentence
# says a key point (a correct statement that resembles a misconception in its words).
PUSHBACK_CREDIT = 0.9
PUSHBACK_MIN_WORDS = 6
CLAIM_SHARE = 0.3  # of the claim's content words, said in the quoted sentence
MAX_PRESSES = 2  # probes of the interviewer's own per criterion
DERIVED_MARGIN = 0.04  # derived listens_for: every key point this close to the best one
# Asks that need findings first (a summary, a recap): not before half the round or a third answer.
_NEEDS_FINDINGS = re.compile(
    r"\b(summar|recap|findings|in (one|two|three) sentences|pull (it|this) together|wrap (it )?up)",
    re.IGNORECASE,
)
# Criteria about how the candidate communicates get a summary request, never "give me numbers".
_COMMUNICATION = re.compile(r"communicat|storytell|presentation", re.IGNORECASE)


def _pooled(vectors: np.ndarray) -> np.ndarray | None:
    if not len(vectors):
        return None
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 1e-9 else None


@lru_cache(maxsize=4096)
def _derive(ask: str, points: tuple[str, ...], embedder: object) -> tuple[int, ...]:
    vectors = embedder.token_vectors([ask, *points])  # type: ignore[attr-defined]
    ask_vector = _pooled(vectors[0].vectors)
    ask_stems = set(content_stems(ask))
    scores = []
    for point, tv in zip(points, vectors[1:], strict=True):
        pooled = _pooled(tv.vectors)
        cosine = float(ask_vector @ pooled) if ask_vector is not None and pooled is not None else 0.0
        stems = set(content_stems(point))
        lexical = len(ask_stems & stems) / max(1, min(len(ask_stems), len(stems)))
        scores.append(0.7 * cosine + 0.3 * lexical)
    if not scores:
        return ()
    best = max(scores)
    return tuple(i for i, s in enumerate(scores) if s >= best - DERIVED_MARGIN)


def listened_points(case: AnyCase, follow_up: FollowUp, embedder: object | None) -> tuple[int, ...]:
    """The key points (indexes into key_points[criterion]) the follow-up listens for."""
    points = tuple(case.key_points.get(follow_up.criterion, ()))
    authored = tuple(i for i in follow_up.listens_for if i < len(points))
    if authored or not points:
        return authored
    if embedder is None:
        return tuple(range(len(points)))
    return _derive(follow_up.ask, points, embedder)


def follow_up_answered(case: AnyCase, follow_up: FollowUp, heard: Heard, embedder: object | None) -> bool:
    points = listened_points(case, follow_up, embedder)
    return bool(points) and all(heard.point_heard(follow_up.criterion, i) for i in points)


def is_communication(criterion: str) -> bool:
    return bool(_COMMUNICATION.search(criterion))


def needs_findings(ask: str) -> bool:
    return bool(_NEEDS_FINDINGS.search(ask))


def findings_yet(state: RoundState, now_s: float) -> bool:
    """Enough of the round has gone for a summary to have something to summarise."""
    return now_s >= 0.5 * state.round_budget_s or state.answers >= 4


def least_evidenced(criteria: Sequence[str], coverage: Mapping[str, float], rubric: Rubric) -> list[str]:
    """Criteria from least to most evidenced; ties go to the heavier criterion."""
    order = {cid: i for i, cid in enumerate(rubric.criterion_ids)}
    return sorted(
        dict.fromkeys(criteria),
        key=lambda c: (round(coverage.get(c, 0.0), 2), -rubric.criterion(c).weight, order.get(c, 0)),
    )


def follow_up_moves(
    case: AnyCase, rubric: Rubric, state: RoundState, heard: Heard, criteria: Sequence[str],
    phase: str, now_s: float, embedder: object | None,
) -> list[Move]:
    """Unasked, unanswered follow-ups of these criteria, least-evidenced criterion first."""
    moves = []
    for criterion in least_evidenced(criteria, heard.coverages, rubric):
        for index, follow_up in enumerate(case.follow_ups):
            if follow_up.criterion != criterion or index in state.asked:
                continue
            if needs_findings(follow_up.ask) and not findings_yet(state, now_s):
                continue
            if follow_up_answered(case, follow_up, heard, embedder):
                continue
            moves.append(Move("probe", phase, criterion, follow_up, index))
    return moves


def press_move(
    rubric: Rubric, state: RoundState, heard: Heard, criterion: str, phase: str, now_s: float,
    deeper: bool = False,
) -> Move | None:
    """A probe of the interviewer's own on the criterion: quoting the candidate where it can."""
    count = state.press_count(criterion)
    if count >= MAX_PRESSES or (deeper and count):
        return None
    if is_communication(criterion):
        if count or not findings_yet(state, now_s):  # one summary request in a round
            return None
        return Move("probe", phase, criterion, style="summary")
    quote = heard.quote_for(criterion, avoid=state.spoken)
    style: ProbeStyle
    if deeper:
        style = "failure" if quote else "deeper"
    elif quote is None:
        if heard.latest_specific(criterion):  # never "with numbers" right after the numbers
            return None
        style = "generic" if count == 0 else "deeper"
    elif count == 0 and not NUMBER.search(short_quote(quote)):
        style = "number"
    else:
        style = "failure" if count == 0 else "trade_off"
    return Move("probe", phase, criterion, quote=quote or "", style=style)


def probe_moves(
    case: AnyCase, rubric: Rubric, state: RoundState, heard: Heard, criteria: Sequence[str],
    phase: str, now_s: float, embedder: object | None,
) -> list[Move]:
    """Every probe worth asking on these criteria, best first: unanswered follow-ups, then presses on
    criteria still short of the bar."""
    moves = follow_up_moves(case, rubric, state, heard, criteria, phase, now_s, embedder)
    for criterion in least_evidenced(criteria, heard.coverages, rubric):
        if heard.coverage(criterion) < PHASE_COVERED:
            move = press_move(rubric, state, heard, criterion, phase, now_s)
            if move is not None:
                moves.append(move)
    return moves


def deeper_moves(
    rubric: Rubric, state: RoundState, heard: Heard, criteria: Sequence[str], phase: str, now_s: float
) -> list[Move]:
    """One deeper probe per criterion not probed on the interviewer's own yet: what breaks, what it
    costs (for a candidate who has said what the follow-ups would have asked)."""
    moves = []
    for criterion in least_evidenced(criteria, heard.coverages, rubric):
        move = press_move(rubric, state, heard, criterion, phase, now_s, deeper=True)
        if move is not None:
            moves.append(move)
    return moves


def says_the_claim(quote: str, claim: str) -> bool:
    """The quoted sentence is a claim of some substance that shares the claim's words: a pushback on
    "Use a model." would answer the matcher, not the candidate."""
    said = set(content_stems(quote))
    claimed = set(content_stems(claim))
    return len(quote.split()) >= PUSHBACK_MIN_WORDS and len(said & claimed) >= CLAIM_SHARE * max(1, len(claimed))


def pushback_move(state: RoundState, heard: Heard, phase: str) -> Move | None:
    """Push back once on a wrong claim the latest answer stated (one per criterion)."""
    for found in heard.misconceptions:
        criterion = found.misconception.criterion
        if (not found.quote or found.quote not in heard.latest or state.press_count(criterion)
                or found.credit < PUSHBACK_CREDIT or heard.earns_credit(found.quote)
                or not says_the_claim(found.quote, found.misconception.claim)):
            continue
        return Move("probe", phase, criterion, quote=found.quote, style="pushback",
                    misconception=found.misconception)
    return None
