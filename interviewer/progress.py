"""Progress over past attempts, from the store: per-criterion history, the weakest criterion so far,
a case aimed at it, which cases were attempted. Pure reads; no Streamlit here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from interviewer.catalog import Catalog
from interviewer.models import AnyCase, Level, ScoreCard, SessionInfo
from interviewer.store import Store

# For choosing what to practise, a criterion the candidate never gave evidence for counts as weak.
NOT_OBSERVED_AS = 1.0


@dataclass(frozen=True)
class Attempt:
    session: SessionInfo
    card: ScoreCard


@dataclass(frozen=True)
class Weakest:
    criterion: str  # criterion id
    title: str
    mean_level: float
    attempts: int


@dataclass(frozen=True)
class Suggestion:
    case: AnyCase
    weakest: Weakest | None
    reason: str


def attempts(store: Store, user_id: str | None = None) -> list[Attempt]:
    """Scored sessions (only user_id's when given), oldest first."""
    found = []
    for session in reversed(store.sessions(user_id=user_id)):
        card = store.scorecard(session.id)
        if card is not None:
            found.append(Attempt(session, card))
    return found


def attempted_case_ids(store: Store, user_id: str | None = None) -> set[str]:
    """Cases with at least one finished session (only user_id's when given)."""
    return {s.case_id for s in store.sessions(user_id=user_id) if s.status == "finished"}


def criterion_rows(found: Iterable[Attempt]) -> list[dict[str, object]]:
    """One row per (attempt, criterion): for the progress chart and table. Unscored levels stay None."""
    rows: list[dict[str, object]] = []
    for number, attempt in enumerate(found, 1):
        for criterion in attempt.card.criteria:
            rows.append(
                {
                    "attempt": number,
                    "date": attempt.session.created_at,
                    "session": attempt.session.id,
                    "case": attempt.session.case_id,
                    "criterion": criterion.title,
                    "criterion_id": criterion.id,
                    "level": criterion.level,
                }
            )
    return rows


def weakest_criterion(found: Iterable[Attempt]) -> Weakest | None:
    levels: dict[str, list[float]] = defaultdict(list)
    titles: dict[str, str] = {}
    for attempt in found:
        for criterion in attempt.card.criteria:
            titles[criterion.id] = criterion.title
            levels[criterion.id].append(
                float(criterion.level) if criterion.level is not None else NOT_OBSERVED_AS
            )
    if not levels:
        return None
    # lowest mean first; then the most often seen (more certain); then the id, for determinism
    cid = min(levels, key=lambda c: (sum(levels[c]) / len(levels[c]), -len(levels[c]), c))
    return Weakest(cid, titles[cid], round(sum(levels[cid]) / len(levels[cid]), 2), len(levels[cid]))


LEVEL_WORDS = {1: "weak", 2: "mixed", 3: "meets the bar", 4: "strong"}


def suggestion_reason(weakest: Weakest) -> str:
    """Why a case is suggested, in words that match the scores: a criterion averaging 3 or more is
    not called weak."""
    times = "once" if weakest.attempts == 1 else f"in {weakest.attempts} attempts"
    average = f"{weakest.mean_level:.1f} of 4 ({LEVEL_WORDS[max(1, min(4, int(weakest.mean_level)))]})"
    if weakest.mean_level >= 3:
        return (f"Every criterion meets the bar so far; your lowest is {weakest.title}, at {average} "
                f"scored {times}. This case stretches it.")
    return f"Your lowest-scoring criterion so far is {weakest.title}: {average}, scored {times}. This case probes it."


def suggest_case(
    catalog: Catalog,
    weakest: Weakest | None,
    attempted: set[str],
    level: Level = "mid",
    candidates: Iterable[AnyCase] | None = None,
) -> Suggestion | None:
    """A case that assesses the weakest criterion: not yet attempted, written for the level, with
    follow-ups aimed at the criterion, shorter first. Without history: the shortest unattempted drill."""
    pool = list(candidates if candidates is not None else catalog.cases.values())
    if not pool:
        return None

    def rank(case: AnyCase) -> tuple[int, int, int, float, str]:
        aimed = 0 if weakest is None else sum(f.criterion == weakest.criterion for f in case.follow_ups)
        return (case.id in attempted, level not in case.levels, -aimed, case.duration_min, case.id)

    if weakest is not None:
        assessing = [c for c in pool if weakest.criterion in c.key_points]
        if assessing:
            case = min(assessing, key=rank)
            return Suggestion(case, weakest, suggestion_reason(weakest))
    drills = [c for c in pool if c.kind == "drill"] or pool
    return Suggestion(min(drills, key=rank), None, "No score cards yet: start with a short drill.")
