"""What the interviewer does next. The policy decides; a backend phrases.

One candidate turn is understood first (an answer, a question about the case, a question about the
interview, "I don't know", a request to end; policy/turns.py), then read against what has been heard
(policy/heard.py: the evidence pass, once per turn). Where the candidate is comes from what they
covered as well as from the clock (policy/phases.py): when they move ahead the interviewer follows,
and a phase change asks for what is still missing there, never for what was said. Probes aim at key
points not yet heard (policy/probes.py). Case questions are answered from the case's facts, matched
by meaning, or refused (policy/facts.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from interviewer.models import AnyCase, Rubric
from interviewer.policy.facts import FactMatch, match_fact
from interviewer.policy.heard import Heard
from interviewer.policy.moves import PHASE_COVERED, Lead, Move, MoveKind
from interviewer.policy.phases import PhaseView, covered, phase_views, spoken_phase, touched
from interviewer.policy.probes import (
    deeper_moves,
    follow_up_answered,
    follow_up_moves,
    least_evidenced,
    listened_points,
    probe_moves,
    pushback_move,
)
from interviewer.policy.turns import Understood, is_clarifying_question, is_end_command, understand
from interviewer.session import NUDGE_AT_SHARE, RoundState, minutes_text

__all__ = [
    "PHASE_COVERED", "FactMatch", "Heard", "Move", "MoveKind", "Understood", "follow_up_answered",
    "is_clarifying_question", "is_end_command", "least_evidenced", "listened_points", "find_fact",
    "next_move", "understand",
]

ALTERNATIVES = 2
# Before the last fifth of the round, a round that has heard everything still asks deeper probes.
EARLY_WRAP_SHARE = 0.8


def find_fact(case: AnyCase, question: str, embedder: object | None = None) -> FactMatch:
    if embedder is None:
        from interviewer.embeddings import shared_embedder

        embedder = shared_embedder()
    return match_fact(case, question, embedder)  # type: ignore[arg-type]


def _time_note(state: RoundState, now_s: float) -> str:
    remaining = state.phase_remaining_s(now_s)
    if not state.nudged_phase and remaining <= (1 - NUDGE_AT_SHARE) * state.phase_budget_s():
        if len(state.phases) == 1:
            return f"About {minutes_text(max(0.0, remaining))} left."
        return f"About {minutes_text(max(0.0, remaining))} left for {state.phase.title.lower()}."
    return ""


class _Turn:
    """One decision: the case, the state, what was heard and what the candidate just did."""

    def __init__(self, case: AnyCase, rubric: Rubric, state: RoundState, heard: Heard,
                 understood: Understood, now_s: float, embedder: object | None) -> None:
        self.case, self.rubric, self.state, self.heard = case, rubric, state, heard
        self.understood, self.now, self.embedder = understood, now_s, embedder
        self.views = phase_views(case, rubric, state)

    @property
    def current(self) -> PhaseView:
        return self.views[self.state.phase_index]

    def probes(self, criteria: tuple[str, ...] | list[str], phase: str) -> list[Move]:
        return probe_moves(self.case, self.rubric, self.state, self.heard, criteria, phase, self.now,
                           self.embedder)

    def with_alternatives(self, moves: list[Move]) -> Move:
        first = moves[0]
        return replace(first, alternatives=tuple(m.without_alternatives() for m in moves[1 : 1 + ALTERNATIVES]))

    def phase_change(self, target: int, reason: str, lead: Lead = "") -> Move:
        """Move to `target` (or the first phase from there not yet covered), asking what is still
        missing there when some of it has been said."""
        index, skipped = target, []
        while index < len(self.views) - 1 and covered(self.views[index], self.heard):
            view = self.views[index]
            if follow_up_moves(self.case, self.rubric, self.state, self.heard, view.criteria, view.phase.id,
                               self.now, self.embedder):
                break  # covered, but an authored follow-up there is still unanswered
            skipped.append(index)
            index += 1
        view = self.views[index]
        base = Move("phase_change", view.phase.id, reason=reason, lead=lead,
                    left_phase=self.current.phase.id,
                    skipped=tuple(self.views[i].phase.id for i in skipped))
        if not touched(view, self.heard):
            return base
        moves = self.probes(view.criteria, view.phase.id) or deeper_moves(
            self.rubric, self.state, self.heard, view.criteria, view.phase.id, self.now)
        if not moves:
            return base
        probe = self.with_alternatives(moves)
        return replace(probe, kind="phase_change", reason=reason, lead=lead, left_phase=base.left_phase,
                       skipped=base.skipped, phase=view.phase.id)

    def finish_or_deepen(self, lead: Lead) -> Move:
        """In the last phase with its probes used: anything still missing anywhere, then one deeper
        probe, then the close."""
        phase = self.state.phase.id
        everywhere = self.rubric.criterion_ids
        moves = self.probes(everywhere, phase)
        if moves:
            return replace(self.with_alternatives(moves), lead=lead, time_note=_time_note(self.state, self.now))
        early = self.now < EARLY_WRAP_SHARE * self.state.round_budget_s
        deeper = deeper_moves(self.rubric, self.state, self.heard, everywhere, phase, self.now)
        if deeper and (early or not self.state.pressed):
            return replace(self.with_alternatives(deeper), lead=lead)
        all_covered = all(self.heard.coverage(c) >= PHASE_COVERED for c in everywhere)
        return Move("wrap_up", phase, reason="covered" if all_covered else "exhausted")

    def decide(self, lead: Lead = "") -> Move:
        state, current = self.state, self.current
        last = state.is_last_phase
        spoken = spoken_phase(self.views, self.heard)
        if spoken is not None and spoken > current.index:
            return self.phase_change(spoken, "ahead", lead)
        if state.phase_spent(self.now):
            if last:
                return Move("wrap_up", state.phase.id, reason="time")
            return self.phase_change(current.index + 1, "time", lead)
        pushback = pushback_move(state, self.heard, state.phase.id)
        if pushback is not None:
            return replace(pushback, lead=lead)
        moves = self.probes(current.criteria, state.phase.id)
        # A covered phase still gets its unanswered follow-ups; the interviewer's own presses wait.
        if not last and covered(current, self.heard) and not (moves and moves[0].follow_up):
            return self.phase_change(current.index + 1, "covered", lead)
        if moves and not (self.understood.ask == "go_on" and not moves[0].follow_up):
            return replace(self.with_alternatives(moves), lead=lead, time_note=_time_note(state, self.now))
        if not last:
            return self.phase_change(current.index + 1, "asked" if self.understood.ask == "go_on" else "exhausted",
                                     lead)
        return self.finish_or_deepen(lead)


def next_move(
    case: AnyCase,
    rubric: Rubric,
    state: RoundState,
    heard: Heard | Mapping[str, float],
    candidate_text: str,
    now_s: float,
    embedder: object | None = None,
    understood: Understood | None = None,
) -> Move:
    if not isinstance(heard, Heard):
        heard = Heard.from_coverage(heard, candidate_text)
    found = understood or understand(candidate_text)
    turn = _Turn(case, rubric, state, heard, found, now_s, embedder)
    if found.kind == "end":
        return Move("wrap_up", state.phase.id, reason="ended")
    if state.round_over(now_s):
        return Move("wrap_up", state.phase.id, reason="time")
    if found.kind == "interview_question":
        if found.ask in ("time", "repeat", "pause", "approach"):
            return Move("interview", state.phase.id, question=found.question, ask=found.ask)
        return turn.decide(lead="go_on" if found.ask == "go_on" else "depth")
    if found.kind == "case_question":
        match = find_fact(case, found.question, embedder)  # a fact, the prompt's sentence, the nearest
        if match.fact is not None or not found.with_answer:
            return Move("clarification", state.phase.id, clarification=match.fact, nearest=match.nearest,
                        question=found.question)
        return turn.decide(lead="no_fact")
    if found.kind == "dont_know":
        return turn.decide(lead="dont_know")
    return turn.decide()
