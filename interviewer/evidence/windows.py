"""The candidate's words as quotable sentences and the windows of adjacent sentences a key point is
matched against. Sentences addressed to the grader, and markup (HTML, table rows), are set aside:
they are never evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from interviewer.text import (
    Span,
    has_specifics,
    is_grader_directed,
    is_keyword_list,
    is_markup,
    sentence_spans,
)

MAX_WINDOW_SENTENCES = 3


@dataclass(frozen=True)
class AnswerText:
    """The candidate's turns split into quotable sentences, grader-directed ones set aside."""

    turns: list[list[Span]]
    ignored: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # each turn as said; the spans index into it
    after_set_aside: set[int] = field(default_factory=set)  # sentences (global index) that follow a set-aside one

    @property
    def sentences(self) -> list[Span]:
        return [span for spans in self.turns for span in spans]


def split_answers(answers: Sequence[str]) -> AnswerText:
    turns: list[list[Span]] = []
    ignored: list[str] = []
    after_set_aside: set[int] = set()
    count = 0
    for answer in answers:
        kept: list[Span] = []
        gap = False
        for span in sentence_spans(answer):
            if is_grader_directed(span.text) or is_markup(span.text):
                ignored.append(span.text)
                gap = True
                continue
            if gap and kept:
                after_set_aside.add(count)
            kept.append(span)
            count += 1
            gap = False
        turns.append(kept)
    return AnswerText(turns, ignored, list(answers), after_set_aside)


@dataclass(frozen=True)
class Window:
    sentences: tuple[int, ...]  # indexes into AnswerText.sentences
    prose: bool  # some member is a sentence, not a list of terms
    specific: bool  # ... and carries a number, a reason or a decision
    text: str  # the member sentences as said, verbatim


def windows(text: AnswerText) -> list[Window]:
    """Every run of one to MAX_WINDOW_SENTENCES adjacent sentences within a turn, none across a
    sentence set aside (so a window's text never carries one)."""
    found: list[Window] = []
    base = 0
    for turn, spans in enumerate(text.turns):
        prose = [not is_keyword_list(s.text) for s in spans]
        specific = [has_specifics(s.text) for s in spans]
        for size in range(1, min(MAX_WINDOW_SENTENCES, len(spans)) + 1):
            for first in range(len(spans) - size + 1):
                members = range(first, first + size)
                if any(base + i in text.after_set_aside for i in members[1:]):
                    continue
                found.append(
                    Window(
                        tuple(base + i for i in members),
                        any(prose[i] for i in members),
                        any(specific[i] for i in members),
                        _verbatim(text, turn, [spans[i] for i in members]),
                    )
                )
        base += len(spans)
    return found


def _verbatim(text: AnswerText, turn: int, members: list[Span]) -> str:
    if len(members) == 1 or turn >= len(text.sources):
        return " ".join(span.text for span in members)
    return text.sources[turn][members[0].start : members[-1].end]
