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
from interviewer.policy.facts import BRIEF
from interviewer.policy.heard import short_quote
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


def _title(context: TurnContext, phase_id: str) -> str:
    return next(p.title for p in context.state.phases if p.id == phase_id).lower()


def _said(quote: str) -> str:
    short = short_quote(quote)
    cut = len(short.split()) < len(quote.rstrip(".!?;:, ").split())
    return f"You said \u201c{short}{'...' if cut else ''}\u201d."


def probe_words(move: Move, context: TurnContext) -> str:
    """What a probe asks: the authored follow-up, or the interviewer's own question, quoting the
    candidate where it can."""
    if move.follow_up is not None:
        return move.follow_up.ask
    title = context.rubric.criterion(move.criterion).title.lower() if move.criterion else "that"
    said = _said(move.quote) if move.quote else ""
    asks = {
        "number": ("What number would you put on that, and how would you check it?",
                   "How big is that, roughly, and what would you measure to know?",
                   "Put a number on that: what would you expect, and why?"),
        "failure": ("What would make that go wrong here, and what would you do then?",
                    "Where does that break first, and how would you notice?",
                    "What's the failure case there, and what's your fallback?"),
        "trade_off": ("What does that cost you, and why is it worth paying?",
                      "What are you giving up with that, and when would you choose otherwise?",
                      "What's the alternative you rejected there, and why?"),
        "pushback": ("I'd push back on that: does it hold in this case? Walk me through why.",
                     "I'm not convinced that holds here. What makes you sure?",
                     "Is that always true? What would you check before relying on it?",
                     "Let's test that. What in this case could prove it wrong?"),
        "summary": ("Pull together what you've decided so far, in two or three sentences, as you'd put "
                    "it to the person who has to act on it.",),
        "deeper": (f"Take {title} one level deeper: what would break first, and what would you do about it?",
                   f"Take {title} one level deeper: what's the hardest part, and how would you handle it?"),
    }
    if move.style in asks:
        variants = asks[move.style]
        spoken = " ".join(context.state.spoken)
        ask = next((v for v in variants if v not in spoken), variants[-1])
        return f"{said} {ask}".strip()
    return f"Go one level deeper on {title}: what exactly would you decide, with numbers, and why?"


_PROBE_LEADS = {
    "go_on": "Before you move on:",
    "depth": "Yes, one thing:",
    "dont_know": "That's fine; let's try another angle.",
    "no_fact": "That isn't specified; assume what you need and say so.",
}


def _transition(move: Move, context: TurnContext) -> str:
    left = _title(context, move.left_phase) if move.left_phase else context.state.phase.title.lower()
    new = _title(context, move.phase)
    minutes = minutes_text(next(p.minutes for p in context.state.phases if p.id == move.phase) * 60)
    lead = {
        "time": f"We're at time for {left}.",
        "covered": f"That covers {left}.",
        "asked": "Yes, let's move on.",
        "ahead": "",
    }.get(move.reason, f"Let's leave {left} there.")
    if move.lead == "depth":
        lead = f"No need to go deeper on {left}."
    elif move.lead == "dont_know":
        lead = f"That's fine; let's leave {left} there."
    elif move.lead == "no_fact":
        lead = f"That isn't specified; assume what you need. {lead}".strip()
    skipped = [_title(context, p) for p in move.skipped]
    if move.reason == "ahead" and not skipped:
        where = f"You're already into {new}, so let's stay there, about {minutes}."
    elif skipped:
        where = (f"You've already talked through {' and '.join(skipped)}, so on to {new}, "
                 f"about {minutes}.")
    else:
        where = f"Next: {new}, about {minutes}."
    return f"{lead} {where}".strip()


def _interview_reply(move: Move, context: TurnContext) -> str:
    state, now = context.state, context.now_s
    phase_left = minutes_text(max(0.0, state.phase_remaining_s(now)))
    round_left = minutes_text(max(0.0, state.round_remaining_s(now)))
    if move.ask == "time":
        if state.is_last_phase:
            return f"About {round_left} left in the round."
        return f"About {phase_left} left for {state.phase.title.lower()}, and {round_left} in the round."
    if move.ask == "repeat":
        last = state.last_question or (state.spoken[0] if state.spoken else "")
        return f"Sure. {last}".strip()
    if move.ask == "approach":
        return (f"Your call: run it as you would in a real round, and state any assumption you make. "
                f"We're on {state.phase.title.lower()}, with about {phase_left} for it.")
    return f"Of course, take a moment; about {round_left} are left in the round. Carry on when you're ready."


def phrase_offline(move: Move, context: TurnContext) -> str:
    if move.kind == "clarification":
        if move.clarification is None:
            return NO_FACT
        if move.clarification.topic == BRIEF:
            return f"That's in the brief: {move.clarification.answer}"
        if move.nearest:
            return (f"The case doesn't say exactly that. The nearest it gives, on {move.clarification.topic}: "
                    f"{move.clarification.answer} Assume the rest and say what you assume.")
        return move.clarification.answer
    if move.kind == "interview":
        return _interview_reply(move, context)
    if move.kind == "probe":
        lead = _PROBE_LEADS.get(move.lead, "")
        return " ".join(part for part in (move.time_note, lead, probe_words(move, context)) if part)
    if move.kind == "phase_change":
        ask = probe_words(move, context) if move.carries_probe else "Take me through it."
        return f"{_transition(move, context)} {ask}"
    if move.reason == "time":
        return "We're out of time, so let's stop here. Thank you; your feedback is ready."
    if move.reason == "ended":
        return "Let's stop here. Thank you; your feedback is ready."
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
        return build_scorecard(
            case.id,
            rubric,
            self.evidence(case, answers),
            target=level,
            backend=self.name,
            misconceptions=self.misconceptions(case, answers),
        )


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
