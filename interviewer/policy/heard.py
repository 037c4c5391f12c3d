"""What the interviewer has heard: the evidence pass over everything the candidate said, computed
once per turn, read per key point (heard at all, heard in the latest answer, with specifics)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from interviewer.evidence import CriterionEvidence, MisconceptionMatch, PointMatch

HEARD = 0.5  # a key point with at least this credit counts as said
QUOTABLE = 0.25  # a sentence with at least this credit counts as saying something of a point
QUOTE_BACK = 0.4  # ... and with this much it is about the point enough to be quoted back


@dataclass(frozen=True)
class Heard:
    evidence: Mapping[str, CriterionEvidence]
    latest: str = ""  # the candidate's latest turn
    misconceptions: Sequence[MisconceptionMatch] = field(default_factory=tuple)

    @classmethod
    def from_coverage(cls, coverage: Mapping[str, float], latest: str = "") -> Heard:
        """Heard built from coverage figures alone (no key-point detail): for callers and tests
        that only know how much of each criterion was said."""
        evidence = {
            c: CriterionEvidence(c, [PointMatch("", value, None, True, False)]) for c, value in coverage.items()
        }
        return cls(evidence, latest)

    def coverage(self, criterion: str) -> float:
        found = self.evidence.get(criterion)
        return found.coverage if found else 0.0

    @property
    def coverages(self) -> dict[str, float]:
        return {c: e.coverage for c, e in self.evidence.items()}

    def matches(self, criterion: str) -> list[PointMatch]:
        found = self.evidence.get(criterion)
        return list(found.matches) if found else []

    def credit(self, criterion: str, index: int) -> float:
        matches = self.matches(criterion)
        return matches[index].credit if 0 <= index < len(matches) else 0.0

    def point_heard(self, criterion: str, index: int) -> bool:
        return self.credit(criterion, index) >= HEARD

    def _in_latest(self, match: PointMatch) -> bool:
        return bool(match.quote) and bool(self.latest) and match.quote in self.latest  # type: ignore[operator]

    def latest_points(self, criterion: str) -> list[int]:
        """Key points of the criterion heard, with the quote that earned them in the latest turn."""
        return [i for i, m in enumerate(self.matches(criterion)) if m.credit >= HEARD and self._in_latest(m)]

    def latest_specific(self, criterion: str) -> bool:
        """The latest turn gave specifics (a number, a reason, a decision) on this criterion."""
        return any(
            m.specific and m.credit >= QUOTABLE and self._in_latest(m) for m in self.matches(criterion)
        )

    def earns_credit(self, sentence: str) -> bool:
        """The sentence is (in) the quote that earned some key point (of any criterion) its credit, and says
        it the same way round: "gaps are never filled" is a key point, "I'd fill the gaps" resembles it
        in its words but says the opposite."""
        return any(
            m.quote is not None and sentence in m.quote and m.credit >= HEARD
            and negated(m.point) == negated(sentence)
            for found in self.evidence.values()
            for m in found.matches
        )

    def quote_for(self, criterion: str, avoid: Sequence[str] = ()) -> str | None:
        """The candidate's sentence that says most about this criterion without settling it, for a
        probe that quotes them: from the latest turn first, never one already quoted back."""
        ranked = sorted(
            (m for m in self.matches(criterion) if m.quote and QUOTE_BACK <= m.credit < 1.0),
            key=lambda m: (not self._in_latest(m), -m.credit),
        )
        for match in ranked:
            if match.quote and not any(short_quote(match.quote) in said for said in avoid):
                return match.quote
        return None


_NEGATION = re.compile(
    r"\b(not|never|no|without|cannot|rather than|instead of|nor)\b|n't\b", re.IGNORECASE
)


def negated(text: str) -> bool:
    """An odd number of negations: the sentence says the opposite of its plain words."""
    return len(_NEGATION.findall(text)) % 2 == 1


def short_quote(quote: str, most: int = 16) -> str:
    """The start of the candidate's sentence, cut at a clause boundary, for "You said ...". """
    words = quote.strip().rstrip(".!?;:,").split()
    if len(words) <= most:
        return " ".join(words)
    for cut in range(most, 5, -1):
        if words[cut - 1].endswith((",", ";", ":")):
            return " ".join(words[:cut]).rstrip(",;:")
    return " ".join(words[:most]).rstrip(",;:")
