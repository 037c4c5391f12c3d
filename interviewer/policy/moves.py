"""The interviewer's moves: what the policy decides and a backend phrases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from interviewer.models import Clarification, FollowUp, Misconception

MoveKind = Literal["clarification", "interview", "probe", "phase_change", "wrap_up"]
# How the interviewer's own probes (no authored follow-up) ask: for a number, for the failure mode,
# for the trade-off, for a summary, pushing back on a wrong claim, or (when nothing is quotable) the
# plain press.
ProbeStyle = Literal["", "number", "failure", "trade_off", "summary", "pushback", "deeper", "generic"]
# What the reply answers first, when the candidate asked something about the interview or did not
# know: "shall I go on?", "want more depth?", "I don't know", a case question the case can't answer.
Lead = Literal["", "go_on", "depth", "dont_know", "no_fact"]

# A phase's criteria count as covered once each reaches this coverage (the level-3 bar).
PHASE_COVERED = 0.40


@dataclass(frozen=True)
class Move:
    kind: MoveKind
    phase: str  # the phase the move belongs to (the new phase for a phase change)
    criterion: str | None = None
    follow_up: FollowUp | None = None
    follow_up_index: int | None = None
    clarification: Clarification | None = None
    nearest: bool = False  # the clarification is the closest fact, not an exact answer to the question
    question: str = ""  # the candidate's question, for a clarification or an interview question
    reason: str = ""  # why the phase changes or the round ends
    time_note: str = ""  # pacing reminder to prefix, when the phase is nearly used up
    announce: str = ""  # phase-change text, said with the move
    style: ProbeStyle = ""  # how a probe without a follow-up asks
    quote: str = ""  # the candidate's words the probe picks up
    misconception: Misconception | None = None  # the wrong claim a pushback answers (hidden)
    lead: Lead = ""
    ask: str = ""  # for an interview question: go_on, depth, time, repeat, pause
    left_phase: str = ""  # for a phase change: the phase being left
    skipped: tuple[str, ...] = ()  # for a phase change: phases passed over, already covered
    alternatives: tuple[Move, ...] = ()  # other probes the LLM interviewer may use instead

    @property
    def carries_probe(self) -> bool:
        """The move asks something specific (a follow-up or the interviewer's own probe)."""
        return self.follow_up is not None or bool(self.style)

    def without_alternatives(self) -> Move:
        from dataclasses import replace

        return replace(self, alternatives=())


@dataclass(frozen=True)
class Substitution:
    """Yielded by a model interviewer before its words when it carried out another move than the
    one given: one of the move's alternatives, or the move without its answered follow-up."""

    move: Move
    note: str  # what the stored turn's source records, e.g. "alternative 1", "skipped"
