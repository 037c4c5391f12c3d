"""What the interviewer does next: answer a clarifying question, probe the least-evidenced criterion
of the current phase, move to the next phase, or wrap up. The policy decides; a backend phrases."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from interviewer.models import AnyCase, Clarification, FollowUp, Rubric
from interviewer.session import NUDGE_AT_SHARE, RoundState, minutes_text
from interviewer.text import content_stems

MoveKind = Literal["clarification", "probe", "phase_change", "wrap_up"]

# A phase's criteria count as covered once each reaches this coverage (the level-3 bar).
PHASE_COVERED = 0.40
CLARIFICATION_MATCH = 0.34

_QUESTION_START = re.compile(
    r"^\s*(what|how|is|are|do|does|did|can|could|would|should|will|which|who|where|when|why|"
    r"may i|can i|am i|any|have|has)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Move:
    kind: MoveKind
    phase: str  # the phase the move belongs to (the new phase for a phase change)
    criterion: str | None = None
    follow_up: FollowUp | None = None
    follow_up_index: int | None = None
    clarification: Clarification | None = None
    question: str = ""  # the candidate's question, for a clarification
    reason: str = ""  # why the phase changes or the round ends, said to the candidate
    time_note: str = ""  # pacing reminder to prefix, when the phase is nearly used up
    announce: str = ""  # phase-change text, said with the move


def is_clarifying_question(text: str) -> bool:
    """A short turn that asks the interviewer something rather than answering."""
    stripped = text.strip()
    if not stripped or len(stripped.split()) > 45:
        return False
    last_sentence = re.split(r"(?<=[.!?])\s+", stripped)[-1]
    return last_sentence.endswith("?") or bool(
        _QUESTION_START.match(stripped) and len(stripped.split()) <= 20 and "." not in stripped
    )


def match_clarification(case: AnyCase, question: str) -> Clarification | None:
    """The case fact whose topic and answer best share the question's content words, or None.

    Lexical on purpose: an answer must come from the case's facts, and an unrelated fact that is
    merely 'semantically close' would be an invented answer to the question actually asked."""
    asked = set(content_stems(question))
    if not asked:
        return None
    best: tuple[float, Clarification | None] = (0.0, None)
    for fact in case.clarifications:
        topic = set(content_stems(fact.topic))
        body = set(content_stems(fact.answer))
        score = (2 * len(asked & topic) + len(asked & body)) / (len(asked) + 1)
        if score > best[0]:
            best = (score, fact)
    return best[1] if best[0] >= CLARIFICATION_MATCH else None


def phase_criteria(state: RoundState, rubric: Rubric) -> list[str]:
    return list(state.phase.criteria) or rubric.criterion_ids


def least_evidenced(
    criteria: Sequence[str], coverage: Mapping[str, float], rubric: Rubric
) -> list[str]:
    """Criteria of the phase from least to most evidenced; ties go to the heavier criterion."""
    order = {cid: i for i, cid in enumerate(rubric.criterion_ids)}
    return sorted(
        criteria,
        key=lambda c: (round(coverage.get(c, 0.0), 2), -rubric.criterion(c).weight, order[c]),
    )


def unused_follow_up(case: AnyCase, criterion: str, state: RoundState) -> int | None:
    for index, follow_up in enumerate(case.follow_ups):
        if follow_up.criterion == criterion and index not in state.asked:
            return index
    return None


def _phase_change(state: RoundState, reason: str) -> Move:
    upcoming = state.next_phase
    assert upcoming is not None
    return Move("phase_change", upcoming.id, reason=reason)


def next_move(
    case: AnyCase,
    rubric: Rubric,
    state: RoundState,
    coverage: Mapping[str, float],
    candidate_text: str,
    now_s: float,
) -> Move:
    if state.round_over(now_s):
        return Move("wrap_up", state.phase.id, reason="time")
    if is_clarifying_question(candidate_text):
        fact = match_clarification(case, candidate_text)
        return Move("clarification", state.phase.id, clarification=fact, question=candidate_text)
    if state.phase_spent(now_s):
        if state.next_phase is None:
            return Move("wrap_up", state.phase.id, reason="time")
        return _phase_change(state, "time")

    criteria = phase_criteria(state, rubric)
    if all(coverage.get(c, 0.0) >= PHASE_COVERED for c in criteria):
        if state.next_phase is not None:
            return _phase_change(state, "covered")
        if all(coverage.get(c, 0.0) >= PHASE_COVERED for c in rubric.criterion_ids):
            return Move("wrap_up", state.phase.id, reason="covered")

    time_note = ""
    remaining = state.phase_remaining_s(now_s)
    if not state.nudged_phase and remaining <= (1 - NUDGE_AT_SHARE) * state.phase_budget_s():
        time_note = f"About {minutes_text(remaining)} left for {state.phase.title.lower()}."

    ranked = least_evidenced(criteria, coverage, rubric)
    for criterion in ranked:
        index = unused_follow_up(case, criterion, state)
        if index is not None:
            return Move("probe", state.phase.id, criterion, case.follow_ups[index], index,
                        time_note=time_note)
    # Authored follow-ups used up: press once on each uncovered criterion before moving on.
    for criterion in ranked:
        if coverage.get(criterion, 0.0) < PHASE_COVERED and criterion not in state.pressed:
            return Move("probe", state.phase.id, criterion, time_note=time_note)
    if state.next_phase is not None:
        return _phase_change(state, "exhausted")
    for criterion in least_evidenced(rubric.criterion_ids, coverage, rubric):
        index = unused_follow_up(case, criterion, state)
        if index is not None:
            return Move("probe", state.phase.id, criterion, case.follow_ups[index], index,
                        time_note=time_note)
    return Move("wrap_up", state.phase.id, reason="exhausted")
