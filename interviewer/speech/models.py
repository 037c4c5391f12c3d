"""Typed results of the speech layer: what was heard, what was corrected, how it was delivered."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpeechError(RuntimeError):
    """Audio that cannot be heard or spoken: the message names the file (or the engine) and the fix."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WordTiming(_Frozen):
    text: str
    start_s: float
    end_s: float
    probability: float | None = None


class Correction(_Frozen):
    heard: str
    corrected: str
    position: int  # index of the first corrected word in `Transcript.words`


class Transcript(_Frozen):
    text: str  # corrected: what is graded
    raw_text: str  # as the recogniser heard it
    words: list[WordTiming]  # raw words with timings
    duration_s: float
    corrections: list[Correction]
    engine: str


class DeliveryStats(_Frozen):
    duration_s: float
    words: int
    words_per_minute: float
    fillers: dict[str, int]
    fillers_per_minute: float
    long_pauses: list[tuple[float, float]]  # (start_s, length_s) of silences over the threshold
    talk_share: float  # share of the recording spent speaking, 0-1
    notes: list[str]  # plain-language comparison with conversational norms
