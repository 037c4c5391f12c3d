"""From evidence to a score card: levels per criterion, weighted overall, gated verdict, actions.

Shared by both backends: the LLM grader proposes levels and quotes, this module owns the arithmetic,
the gates and the wording of the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interviewer.evidence import CriterionEvidence, MatchSettings
from interviewer.models import CriterionScore, Level, Rubric, ScoreCard, Verdict

# Coverage (mean key-point credit) needed for levels 2, 3 and 4 at the mid level.
LEVEL_THRESHOLDS = (0.12, 0.36, 0.60)
# Seniority moves the bar: the same words meet it for a junior and fall short for a staff candidate.
LEVEL_SHIFT: dict[Level, float] = {"junior": -0.05, "mid": 0.0, "senior": 0.05, "staff": 0.10}
# No key point reached this credit: the criterion was not observed, not failed.
OBSERVED_MIN_CREDIT = 0.05
UNREASONED_CAP = 2
COVERED_CREDIT = 0.5
READY_OVERALL = 3.0
BORDERLINE_OVERALL = 2.5


@dataclass(frozen=True)
class LevelDecision:
    level: int | None
    rationale: str
    capped: bool = False


def level_from_coverage(coverage: float, target: Level = "mid") -> int:
    shift = LEVEL_SHIFT[target]
    return 1 + sum(coverage >= t + shift for t in LEVEL_THRESHOLDS)


def decide_level(
    evidence: CriterionEvidence, target: Level = "mid", settings: MatchSettings | None = None
) -> LevelDecision:
    settings = settings or MatchSettings()
    if not evidence.matches:
        return LevelDecision(None, "No key points are authored for this criterion in this case.")
    best = max(m.credit for m in evidence.matches)
    covered = len(evidence.covered(COVERED_CREDIT))
    total = len(evidence.matches)
    if best < OBSERVED_MIN_CREDIT:
        return LevelDecision(None, "Not observed: nothing said bears on this criterion.")
    by_all = level_from_coverage(evidence.coverage, target)
    by_prose = level_from_coverage(evidence.prose_coverage, target)
    if not evidence.has_specifics(settings):
        by_prose = min(by_prose, UNREASONED_CAP)
    level = max(by_prose, min(by_all, UNREASONED_CAP))
    capped = by_all > level
    summary = f"Covered {covered} of {total} key points (coverage {evidence.coverage:.2f})."
    if capped:
        summary += (
            f" Capped at {UNREASONED_CAP}: the matching statements carry no numbers, reasons or"
            " decisions (a list of the right terms is not an argument)."
        )
    return LevelDecision(level, summary, capped)


def overall_score(scores: Sequence[CriterionScore]) -> float | None:
    scored = [s for s in scores if s.level is not None]
    if not scored:
        return None
    total_weight = sum(s.weight for s in scored)
    return round(sum(s.weight * (s.level or 0) for s in scored) / total_weight, 2)


def verdict(scores: Sequence[CriterionScore], overall: float | None) -> tuple[Verdict, str]:
    if overall is None:
        return "unscored", "No criterion had enough evidence to score."
    weak_core = [s.title for s in scores if s.core and s.level == 1]
    if weak_core:
        return "not_ready", f"Core criteria at level 1: {', '.join(weak_core)}."
    unobserved_core = [s.title for s in scores if s.core and s.level is None]
    if unobserved_core:
        return "incomplete", f"Core criteria not observed: {', '.join(unobserved_core)}."
    below_bar_core = [s.title for s in scores if s.core and (s.level or 0) < 3]
    if overall >= READY_OVERALL and not below_bar_core:
        return "ready", f"Overall {overall:.2f} with every core criterion at the bar or above."
    if overall >= BORDERLINE_OVERALL:
        reason = f"Overall {overall:.2f}"
        if below_bar_core:
            reason += f"; below the bar on core criteria: {', '.join(below_bar_core)}"
        return "borderline", reason + "."
    return "not_ready", f"Overall {overall:.2f} is below {BORDERLINE_OVERALL}."


def improvement_actions(scores: Sequence[CriterionScore], limit: int = 3) -> list[str]:
    """At most `limit` concrete actions: the most important missing key point of the weakest criteria."""
    ranked = sorted(
        (s for s in scores if s.missing),
        key=lambda s: (s.level or 0, not s.core, -s.weight),
    )
    actions = []
    for score in ranked[:limit]:
        action = f"{score.title}: next time cover this explicitly — {score.missing[0]}"
        if score.level is None:
            action = f"{score.title}: not observed; address it — {score.missing[0]}"
        actions.append(action)
    return actions


def build_scorecard(
    case_id: str,
    rubric: Rubric,
    evidence: Mapping[str, CriterionEvidence],
    target: Level = "mid",
    backend: str = "offline",
    settings: MatchSettings | None = None,
    flags: Sequence[str] = (),
) -> ScoreCard:
    settings = settings or MatchSettings()
    scores: list[CriterionScore] = []
    card_flags = list(flags)
    for criterion in rubric.criteria:
        found = evidence.get(criterion.id, CriterionEvidence(criterion.id, []))
        decision = decide_level(found, target, settings)
        if decision.capped:
            card_flags.append(f"{criterion.id}: capped at {UNREASONED_CAP}, no reasoning or numbers")
        scores.append(
            CriterionScore(
                id=criterion.id,
                title=criterion.title,
                weight=criterion.weight,
                core=criterion.core,
                level=decision.level,
                coverage=round(found.coverage, 4),
                evidence=found.quotes(settings) if decision.level is not None else [],
                covered=found.covered(COVERED_CREDIT),
                missing=found.missing(COVERED_CREDIT),
                rationale=decision.rationale,
                descriptor=criterion.levels[decision.level] if decision.level else "",
                bar=criterion.level_expectations.get(target, ""),
            )
        )
    overall = overall_score(scores)
    outcome, reason = verdict(scores, overall)
    total_weight = sum(s.weight for s in scores)
    return ScoreCard(
        case=case_id,
        rubric=rubric.id,
        level=target,
        backend=backend,
        overall=overall,
        coverage=round(sum(s.weight * s.coverage for s in scores) / total_weight, 4),
        verdict=outcome,
        verdict_reason=reason,
        criteria=scores,
        actions=improvement_actions(scores),
        flags=card_flags,
    )
