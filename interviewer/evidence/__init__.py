"""Offline evidence: which key points an answer states (with the candidate's own words), and which
known wrong claims. Features (features.py) are combined by a fitted model (point_model.py)."""

from interviewer.evidence.matching import (
    HEARD,
    NOT_PARTIAL,
    PARTLY_HEARD,
    CriterionEvidence,
    MatchSettings,
    MisconceptionMatch,
    PointMatch,
    gather_evidence,
    match_points,
    stated_misconceptions,
)
from interviewer.evidence.windows import AnswerText, split_answers

__all__ = [
    "HEARD",
    "NOT_PARTIAL",
    "PARTLY_HEARD",
    "AnswerText",
    "CriterionEvidence",
    "MatchSettings",
    "MisconceptionMatch",
    "PointMatch",
    "gather_evidence",
    "match_points",
    "split_answers",
    "stated_misconceptions",
]
