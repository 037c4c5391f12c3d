"""Interviewer and grader backends behind two small interfaces; chosen once at start-up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from interviewer.models import AnyCase, Level, Rubric, ScoreCard, Turn
from interviewer.policy import Move
from interviewer.policy.moves import Substitution
from interviewer.session import RoundState

if TYPE_CHECKING:
    from interviewer.speech import Transcript


@dataclass(frozen=True)
class TurnContext:
    """What a backend may know when it phrases a move: never the key points' wording unless it is
    the hidden brief of an LLM interviewer, which is instructed never to repeat them."""

    case: AnyCase
    rubric: Rubric
    state: RoundState
    turns: Sequence[Turn]
    coverage: dict[str, float]
    now_s: float
    notes: str = ""  # the candidate's notes / diagram pad, which the interviewer sees


class Interviewer(Protocol):
    name: str

    def opening(self, case: AnyCase) -> str: ...

    def phrase(self, move: Move, context: TurnContext) -> Iterator[str | Substitution]:
        """The interviewer's words for the move, as chunks (streamed where the backend can); a
        Substitution chunk says the reply chose another move than the one given."""
        ...


class Grader(Protocol):
    name: str

    def grade(
        self, case: AnyCase, rubric: Rubric, answers: Sequence[str], level: Level = "mid"
    ) -> ScoreCard: ...


class Speech(Protocol):
    """Speech in and out for spoken practice: offline (Whisper, espeak-ng / Piper) or a model API."""

    name: str

    def transcribe(self, audio: bytes, vocabulary: Sequence[str]) -> Transcript:
        """What the candidate said; `vocabulary` (the case's jargon) steers recognition and repair."""
        ...

    def synthesize(self, text: str) -> bytes:
        """The interviewer's words as WAV bytes."""
        ...
