"""The offline backend: deterministic, rubric-driven, no key and no network."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from interviewer.backends import TurnContext
from interviewer.embeddings import Embedder, shared_embedder
from interviewer.evidence import (
    CriterionEvidence,
    MisconceptionMatch,
    gather_evidence,
    stated_misconceptions,
)
from interviewer.models import AnyCase, Level, Rubric, ScoreCard
from interviewer.policy import Move
from interviewer.scoring import build_scorecard
from interviewer.session import minutes_text

if TYPE_CHECKING:
    from interviewer.speech import Transcript

NO_FACT = (
    "That isn't specified for this case. State the assumption you'd make, say why it is "
    "reasonable, and carry on."
)


def opening_text(case: AnyCase) -> str:
    plan = case.plan()
    if len(plan) > 1:
        agenda = "; ".join(f"{p.title} ({p.minutes:g} min)" for p in plan)
        timing = f"We have {case.duration_min:g} minutes, in phases: {agenda}."
    else:
        timing = f"We have {case.duration_min:g} minutes."
    return (
        f"{case.prompt.strip()}\n\n{timing} Ask clarifying questions at any point; "
        "I'll answer with what we know."
    )


class OfflineInterviewer:
    name = "offline"

    def opening(self, case: AnyCase) -> str:
        return opening_text(case)

    def phrase(self, move: Move, context: TurnContext) -> Iterator[str]:
        yield phrase_offline(move, context)


def phrase_offline(move: Move, context: TurnContext) -> str:
    state = context.state
    if move.kind == "clarification":
        return move.clarification.answer if move.clarification else NO_FACT
    if move.kind == "probe" and move.follow_up is not None:
        return f"{move.time_note} {move.follow_up.ask}".strip()
    if move.kind == "probe" and move.criterion:
        title = context.rubric.criterion(move.criterion).title.lower()
        press = f"Go one level deeper on {title}: what exactly would you decide, with numbers, and why?"
        return f"{move.time_note} {press}".strip()
    if move.kind == "phase_change":
        upcoming = next(p for p in state.phases if p.id == move.phase)
        lead = {
            "time": f"We're at time for {state.phase.title.lower()}.",
            "covered": f"That covers {state.phase.title.lower()}.",
        }.get(move.reason, f"Let's leave {state.phase.title.lower()} there.")
        return (
            f"{lead} Next: {upcoming.title.lower()}, about {minutes_text(upcoming.minutes * 60)}. "
            f"Take me through it."
        )
    if move.reason == "time":
        return "We're out of time, so let's stop here. Thank you; your feedback is ready."
    return "That's everything I wanted to ask. Thank you; your feedback is ready."


class OfflineGrader:
    name = "offline"

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder()
        return self._embedder

    def evidence(self, case: AnyCase, answers: Sequence[str]) -> dict[str, CriterionEvidence]:
        """Per criterion, each key point's credit (0-1) and the quote that earned it."""
        return gather_evidence(case.key_points, answers, self.embedder, prompt=case.prompt)

    def misconceptions(self, case: AnyCase, answers: Sequence[str]) -> list[MisconceptionMatch]:
        """The case's misconceptions the candidate stated, with the quote, strongest first."""
        return stated_misconceptions(case.misconceptions, answers, self.embedder, prompt=case.prompt)

    def coverage(self, case: AnyCase, answers: Sequence[str]) -> dict[str, float]:
        return {criterion: found.coverage for criterion, found in self.evidence(case, answers).items()}

    def grade(
        self, case: AnyCase, rubric: Rubric, answers: Sequence[str], level: Level = "mid"
    ) -> ScoreCard:
        evidence = gather_evidence(case.key_points, answers, self.embedder, prompt=case.prompt)
        return build_scorecard(case.id, rubric, evidence, target=level, backend=self.name)


class OfflineSpeech:
    """Whisper (faster-whisper, int8 on the CPU) to hear; Piper when installed, else espeak-ng, to
    speak. The speech package loads its models on first use, not at import."""

    name = "offline"

    def transcribe(self, audio: bytes, vocabulary: Sequence[str]) -> Transcript:
        from interviewer.speech import transcribe

        return transcribe(audio, vocabulary)

    def synthesize(self, text: str) -> bytes:
        from interviewer.speech import synthesize

        return synthesize(text)
