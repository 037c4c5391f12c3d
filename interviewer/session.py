"""Interview state, derived from the stored turns: which phase runs, since when, what was asked.

Nothing here keeps state of its own or reads a clock: the state is a pure function of the case and
the turns so far, so a session resumes from the store after a refresh, a restart or a crash.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from interviewer.models import AnyCase, Phase, Turn

NUDGE_AT_SHARE = 0.8  # remind the candidate of the clock once 80% of a phase is used


@dataclass(frozen=True)
class RoundState:
    phases: tuple[Phase, ...]
    phase_index: int
    phase_started_at: float
    asked: frozenset[int]  # indexes of the case's follow-ups already asked: never ask twice
    pressed: frozenset[str]  # criteria already given a probe of the interviewer's own (no follow-up)
    nudged_phase: bool  # the current phase already had its time reminder
    finished: bool
    time_extension_s: float = 0.0
    presses: tuple[tuple[str, int], ...] = ()  # per criterion, how many of those probes it had
    spoken: tuple[str, ...] = ()  # everything the interviewer said, oldest first
    last_question: str = ""  # the interviewer's latest question (for "can you repeat that?")
    answers: int = 0  # candidate turns so far

    def press_count(self, criterion: str) -> int:
        return dict(self.presses).get(criterion, 0)

    @property
    def phase(self) -> Phase:
        return self.phases[self.phase_index]

    @property
    def is_last_phase(self) -> bool:
        return self.phase_index == len(self.phases) - 1

    @property
    def next_phase(self) -> Phase | None:
        return None if self.is_last_phase else self.phases[self.phase_index + 1]

    @property
    def round_budget_s(self) -> float:
        return sum(p.minutes for p in self.phases) * 60 + self.time_extension_s

    def phase_budget_s(self) -> float:
        extra = self.time_extension_s if self.is_last_phase else 0.0
        return self.phase.minutes * 60 + extra

    def scheduled_end_s(self) -> float:
        """When the current phase ends on the round's plan (time extensions go to the last phase)."""
        planned = sum(p.minutes for p in self.phases[: self.phase_index + 1]) * 60
        return planned + (self.time_extension_s if self.is_last_phase else 0.0)

    def phase_deadline_s(self) -> float:
        """The phase gets its budget, but a late start is caught up by ending on schedule, never
        with less than half the budget."""
        if self.is_last_phase:  # the last phase runs to the end of the round, however early it began
            return self.round_budget_s
        own = self.phase_started_at + self.phase_budget_s()
        floor = self.phase_started_at + self.phase_budget_s() / 2
        return min(own, max(self.scheduled_end_s(), floor))

    def phase_elapsed_s(self, now_s: float) -> float:
        return max(0.0, now_s - self.phase_started_at)

    def phase_remaining_s(self, now_s: float) -> float:
        return self.phase_deadline_s() - now_s

    def round_remaining_s(self, now_s: float) -> float:
        return self.round_budget_s - now_s

    def phase_spent(self, now_s: float) -> bool:
        return now_s >= self.phase_deadline_s()

    def round_over(self, now_s: float) -> bool:
        return now_s >= self.round_budget_s


def derive_state(case: AnyCase, turns: Sequence[Turn], time_extension_s: float = 0.0) -> RoundState:
    phases = tuple(case.plan())
    index, started, nudged, finished = 0, 0.0, False, False
    asked: set[int] = set()
    presses: dict[str, int] = {}
    spoken: list[str] = []
    last_question = ""
    answers = 0
    ids = [p.id for p in phases]
    for turn in turns:
        if turn.role != "interviewer":
            answers += 1
            continue
        spoken.append(turn.text)
        if turn.kind == "phase_change" and turn.phase in ids:
            index, started, nudged = ids.index(turn.phase), turn.at_s, False
        elif turn.kind == "wrap_up":
            finished = True
        # a follow-up counts as asked however it was carried (a probe, a reminder, a phase change)
        if turn.kind in ("probe", "nudge", "phase_change") and turn.follow_up is not None:
            asked.add(turn.follow_up)
        elif turn.kind in ("probe", "nudge", "phase_change") and turn.criterion:
            presses[turn.criterion] = presses.get(turn.criterion, 0) + 1
        if turn.kind == "nudge":
            nudged = True
        if turn.kind in ("probe", "nudge", "phase_change", "opening"):
            last_question = turn.text
    return RoundState(
        phases, index, started, frozenset(asked), frozenset(presses), nudged, finished, time_extension_s,
        tuple(sorted(presses.items())), tuple(spoken), last_question, answers,
    )


# Noted in the source of a phase change that followed a candidate whose answer had already gone on
# ("offline (answer spoke to data)"): that answer's time counts in the phase it spoke to.
ANSWER_SPOKE_TO = "answer spoke to"
_SPOKE_TO = re.compile(rf"{ANSWER_SPOKE_TO} ([\w-]+)")


def with_note(source: str, note: str) -> str:
    """'openai' + 'alternative 1' -> 'openai (alternative 1)'; a second note joins the first."""
    if not note:
        return source
    return f"{source[:-1]}; {note})" if source.endswith(")") else f"{source} ({note})"


def time_per_phase(case: AnyCase, turns: Sequence[Turn], end_s: float | None = None) -> dict[str, float]:
    """Seconds spent in each phase: from one phase change to the next, except that an answer which
    had already gone on to a later phase (ANSWER_SPOKE_TO) counts in that phase."""
    phases = [p.id for p in case.plan()]
    spent = dict.fromkeys(phases, 0.0)
    current, since, question_at = phases[0], 0.0, 0.0
    last = end_s if end_s is not None else (turns[-1].at_s if turns else 0.0)
    for turn in turns:
        if turn.role != "interviewer":
            continue
        if turn.kind == "phase_change" and turn.phase in spent:
            spoke_to = _SPOKE_TO.search(turn.source)
            if spoke_to and spoke_to.group(1) in spent:
                answer_from = max(since, question_at)
                spent[current] += answer_from - since
                spent[spoke_to.group(1)] += turn.at_s - answer_from
            else:
                spent[current] += max(0.0, turn.at_s - since)
            current, since = turn.phase, turn.at_s
        question_at = turn.at_s
    spent[current] += max(0.0, last - since)
    return {k: round(v, 1) for k, v in spent.items()}


def minutes_text(seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    return "under a minute" if minutes == 0 else f"{minutes} minute{'s' if minutes != 1 else ''}"
