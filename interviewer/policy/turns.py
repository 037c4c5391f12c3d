"""What kind of turn the candidate took: an answer, a question about the case, a question about the
interview itself, "I don't know", or a request to end. Each gets a different reply; an answer that
ends with a question about the interview ("...shall I carry on to the model?") is still an answer,
and its closing question is honoured as well."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TurnType = Literal["answer", "case_question", "interview_question", "dont_know", "end"]
InterviewAsk = Literal["go_on", "depth", "time", "repeat", "pause", "approach"]

END_COMMANDS = ("/end", "/quit", "/done", "/stop")

_END = re.compile(
    r"^\s*(/(end|quit|done|stop)\b|(can|could) we (stop|end)( the interview| here| now)?\s*[.?!]*\s*$|"
    r"(let'?s|i'?d like to|i want to) (stop|end)( the interview| here| now)\s*[.!]*\s*$)",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\s*(what|how|is|are|do|does|did|can|could|would|should|will|which|who|where|when|why|"
    r"may i|can i|am i|any|have|has)\b",
    re.IGNORECASE,
)
# Questions about the interview, not the case. Order matters: the first that matches names the ask.
_INTERVIEW_ASKS: tuple[tuple[InterviewAsk, re.Pattern[str]], ...] = (
    ("repeat", re.compile(
        r"\b(repeat (that|the question|it|your question)|say (that|it) again|rephrase (that|the question)|"
        r"what was the question|come again|didn'?t (catch|hear) (that|the question)|"
        r"what (exactly )?(are|were) you asking)\b", re.IGNORECASE)),
    ("time", re.compile(
        r"\b(how (much|long) (time|longer)|how many minutes|time (do we have |do i have |is )?left|"
        r"minutes left|how are we (doing )?(on|for) time|time check|am i (running )?(over|out of) time|"
        r"running (long|over)|how long (do|have) (i|we) (got|have)?|am i on (track|schedule)|"
        r"on (track|schedule) for time|how('?s| is) (my |the )?(time|pace|pacing)|"
        r"how am i doing (on|for) time)", re.IGNORECASE)),
    ("pause", re.compile(
        r"\b((can|could|may) i (take|have|get) (a|one) (minute|moment|second|sec|few (seconds|minutes))|"
        r"give me (a|one) (minute|moment|second|sec)|mind if i (take a|think for a)|"
        r"let me (think|collect my thoughts)( for a (moment|second|minute))?\s*[.?!]*$)", re.IGNORECASE)),
    ("approach", re.compile(
        r"\b((should|shall|can|may) (i|we) (start|begin|open|focus|jump|go straight)|"
        r"where (should|shall|do) (i|we) (start|begin)|where (do|would) you (like|want) me to (start|begin)|"
        r"(would|do) you (like|want|prefer) me to (start|begin|focus|draw|sketch|structure)|"
        r"is it (ok|okay|fine|alright) (if i|to) (assume|start|focus|skip|use|ignore|draw|sketch)|"
        r"can i (assume|ignore|skip|focus on))", re.IGNORECASE)),
    ("depth", re.compile(
        r"\b((want|like|prefer) me to (go|dig|dive) (deeper|into (more )?detail)|"
        r"(go|dig|dive) deeper (on|into)|more (depth|detail) (on|about)|"
        r"(want|like|prefer) me to (expand|elaborate)|which part .{0,40}(deeper|detail)|"
        r"any (part|area|piece) .{0,60}(deeper|detail|expand))", re.IGNORECASE)),
    ("go_on", re.compile(
        r"\b((shall|should|can|may) (i|we) (go on|carry on|continue|move on|proceed|keep going|"
        r"(go|move) (on )?to)|(want|like) me to (go on|carry on|continue|move on|proceed)|"
        r"ok(ay)? (to|if i) (move on|continue|carry on)|is that enough( (on|for) (this|that))?|"
        r"(good|fine) to move on)\b", re.IGNORECASE)),
)
_DONT_KNOW = re.compile(
    r"\b(i (really )?(don'?t|do not) know|no idea|not sure|i'?m not familiar|never (worked|used|heard)|"
    r"(can'?t|cannot|don'?t) remember|no clue|i have no experience|i'?m blanking|pass on this)\b",
    re.IGNORECASE,
)
# "I'm not sure, but I'd assume..." is an answer: the candidate reasons on.
_REASONS_ON = re.compile(r"\b(but|though|assume|guess|i'?d|would|probably|maybe|my bet)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Understood:
    kind: TurnType
    ask: InterviewAsk | None = None  # for a question about the interview
    question: str = ""  # the question sentence (case or interview question)
    with_answer: bool = False  # the turn also says something of substance before its question


def is_end_command(text: str) -> bool:
    return bool(_END.match(text.strip()))


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCES.split(text.strip()) if s.strip()]


def _is_question(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or bool(_QUESTION_START.match(s) and len(s.split()) <= 20 and "." not in s)


def interview_ask(sentence: str) -> InterviewAsk | None:
    for ask, pattern in _INTERVIEW_ASKS:
        if pattern.search(sentence):
            return ask
    return None


def understand(text: str) -> Understood:
    stripped = text.strip()
    if not stripped:
        return Understood("answer")
    if is_end_command(stripped):
        return Understood("end")
    sentences = _sentences(stripped)
    words = len(stripped.split())
    # A question about the interview: in the last two sentences, said as a question or a request.
    for sentence in reversed(sentences[-2:]):
        ask = interview_ask(sentence)
        if ask is not None and (_is_question(sentence) or ask in ("pause", "repeat")):
            before = stripped[: stripped.rfind(sentence)].strip()
            return Understood("interview_question", ask, sentence, len(before.split()) >= 12)
    unsure = _DONT_KNOW.search(stripped)
    if unsure and words <= 30 and not _REASONS_ON.search(stripped[unsure.end():]):
        return Understood("dont_know")
    last = sentences[-1] if sentences else stripped
    if _is_question(last):
        before = stripped[: stripped.rfind(last)].strip()
        if words <= 45:
            return Understood("case_question", question=last, with_answer=len(before.split()) >= 12)
        return Understood("case_question", question=last, with_answer=True)
    return Understood("answer")


def is_clarifying_question(text: str) -> bool:
    """A short turn that asks the interviewer something rather than answering (kept for callers)."""
    found = understand(text)
    return found.kind == "case_question" and not found.with_answer
