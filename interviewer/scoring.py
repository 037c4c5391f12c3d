"""From evidence to a score card: levels per criterion, weighted overall, gated verdict, actions.

Shared by both backends: the LLM grader proposes levels and quotes, this module owns the arithmetic,
the gates and the wording of the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interviewer.evidence import (
    HEARD,
    NOT_PARTIAL,
    PARTLY_HEARD,
    CriterionEvidence,
    MatchSettings,
    MisconceptionMatch,
)
from interviewer.levels import LevelModel, level_features, shipped_level_model
from interviewer.models import CriterionScore, Level, PointStatus, Rubric, ScoreCard, Verdict

TERM_LIST_CAP = 2
MISCONCEPTION_CAP = 2
READY_OVERALL = 3.0
BORDERLINE_OVERALL = 2.5


@dataclass(frozen=True)
class LevelDecision:
    level: int | None
    rationale: str
    capped: bool = False
    misconception: MisconceptionMatch | None = None


def decide_level(
    evidence: CriterionEvidence,
    target: Level = "mid",
    settings: MatchSettings | None = None,
    misconception: MisconceptionMatch | None = None,
    model: LevelModel | None = None,
    addressed: bool = False,
) -> LevelDecision:
    """`addressed`: the answer states at least part of some key point of the case. Then silence
    on this criterion is the absence the rubric's level 1 describes ("names no metric"), as the
    teacher grades it; "not observed" is kept for answers that say nothing the case asks for."""
    settings = settings or MatchSettings()
    model = model or shipped_level_model()
    if not evidence.matches:
        return LevelDecision(None, "No key points are authored for this criterion in this case.")
    best = max(m.credit for m in evidence.matches)
    if best < PARTLY_HEARD and misconception is None:
        if addressed:
            return LevelDecision(1, "Nothing you said bears on this criterion, though you addressed the case.")
        return LevelDecision(None, "Not observed: nothing said bears on this criterion.")
    features = level_features(evidence, misconception.credit if misconception else 0.0, target)
    level = model.level(features)
    heard = len(evidence.heard())
    partly = sum(1 for m in evidence.matches if m.status == "partly heard")
    summary = f"Heard {heard} of {len(evidence.matches)} key points"
    summary += f", {partly} partly." if partly else "."
    capped = False
    if not evidence.has_prose(settings) and level > TERM_LIST_CAP:
        level, capped = TERM_LIST_CAP, True
        summary += (
            f" Capped at {TERM_LIST_CAP}: the matching words are a list of terms, not sentences"
            " (a list of the right terms is not an argument)."
        )
    if misconception is not None:
        level = min(level, MISCONCEPTION_CAP)
        summary += (
            f" At most {MISCONCEPTION_CAP}: you said \"{misconception.quote}\", but "
            f"{misconception.misconception.correction}"
        )
    return LevelDecision(level, summary, capped, misconception)


def case_addressed(evidence: Mapping[str, CriterionEvidence]) -> bool:
    """Some key point of the case is at least partly stated, or a list of terms comes near one (it
    states nothing, so its criteria get level 1 rather than "not observed")."""
    return any(
        m.credit >= PARTLY_HEARD or (not m.prose and m.credit >= NOT_PARTIAL)
        for found in evidence.values()
        for m in found.matches
    )


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
    """At most `limit` concrete actions, weakest criteria first. An action never names a key point
    the candidate stated: it asks for a point not heard, or, when a point was only partly heard,
    quotes what was said and asks to take it further; a stated misconception comes first."""
    ranked = sorted(
        (s for s in scores if s.misconceptions or any(p.status != "heard" for p in s.points)),
        key=lambda s: (not s.misconceptions, s.level or 0, not s.core, -s.weight),
    )
    actions = []
    for score in ranked[:limit]:
        unheard = [p for p in score.points if p.status == "not heard"]
        partly = [p for p in score.points if p.status == "partly heard"]
        if score.misconceptions:
            action = f"{score.title}: correct this — {score.misconceptions[0]}"
        elif score.level is None and unheard:
            action = f"{score.title}: not observed; address it — {unheard[0].point}"
        elif unheard:
            action = f"{score.title}: next time cover this explicitly — {unheard[0].point}"
        else:
            action = (
                f"{score.title}: you said \"{partly[0].quote}\"; take it further — {partly[0].point}"
            )
        actions.append(action)
    return actions


def point_statuses(evidence: CriterionEvidence) -> list[PointStatus]:
    return [
        PointStatus(point=m.point, status=m.status, quote=m.quote if m.status != "not heard" else None)  # type: ignore[arg-type]
        for m in evidence.matches
    ]


def _quotes_by_criterion(
    evidence: Mapping[str, CriterionEvidence], settings: MatchSettings
) -> dict[str, list[str]]:
    """Each criterion's quotes, strongest first, keeping a sentence only under the criteria where it
    earns (nearly) its best credit: a sentence about one criterion is not filed under another."""
    best: dict[str, float] = {}
    for found in evidence.values():
        for match in found.matches:
            if match.quote:
                best[match.quote] = max(best.get(match.quote, 0.0), match.credit)
    quotes: dict[str, list[str]] = {}
    for criterion, found in evidence.items():
        ranked = sorted(
            (m for m in found.matches if m.quote and m.credit >= settings.quote_min_credit),
            key=lambda m: -m.credit,
        )
        kept = [m.quote for m in ranked if m.quote and (m.credit >= HEARD or m.credit >= 0.8 * best[m.quote])]
        quotes[criterion] = list(dict.fromkeys(kept))
    return quotes


def build_scorecard(
    case_id: str,
    rubric: Rubric,
    evidence: Mapping[str, CriterionEvidence],
    target: Level = "mid",
    backend: str = "offline",
    settings: MatchSettings | None = None,
    flags: Sequence[str] = (),
    misconceptions: Sequence[MisconceptionMatch] = (),
) -> ScoreCard:
    settings = settings or MatchSettings()
    scores: list[CriterionScore] = []
    card_flags = list(flags)
    quotes = _quotes_by_criterion(evidence, settings)
    addressed = case_addressed(evidence)
    for criterion in rubric.criteria:
        found = evidence.get(criterion.id, CriterionEvidence(criterion.id, []))
        stated = next((m for m in misconceptions if m.misconception.criterion == criterion.id), None)
        decision = decide_level(found, target, settings, stated, addressed=addressed)
        if decision.capped:
            card_flags.append(f"{criterion.id}: capped at {TERM_LIST_CAP}, a list of terms")
        if stated is not None:
            card_flags.append(f"{criterion.id}: at most {MISCONCEPTION_CAP}, a known misconception was stated")
        evidence_quotes = quotes.get(criterion.id, []) if decision.level is not None else []
        if stated is not None and stated.quote not in evidence_quotes:
            evidence_quotes = [stated.quote, *evidence_quotes]
        scores.append(
            CriterionScore(
                id=criterion.id,
                title=criterion.title,
                weight=criterion.weight,
                core=criterion.core,
                level=decision.level,
                coverage=round(found.coverage, 4),
                evidence=evidence_quotes,
                covered=found.covered(HEARD),
                missing=found.missing(HEARD),
                rationale=decision.rationale,
                descriptor=criterion.levels[decision.level] if decision.level else "",
                bar=criterion.level_expectations.get(target, ""),
                points=point_statuses(found),
                misconceptions=[
                    f"you said \"{m.quote}\"; {m.misconception.correction}"
                    for m in misconceptions
                    if m.misconception.criterion == criterion.id
                ],
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
