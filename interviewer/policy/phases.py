"""Where the candidate is in the round: the phase plan read against what they have covered.

A phase is covered once each of its criteria has reached PHASE_COVERED. The latest answer "speaks
to" the phase whose own criteria (those the plan first lists there) it gave most new key points
for; when that phase lies ahead, the candidate has moved ahead and the interviewer follows. Phases
already covered are passed over on the way: a phase change never asks for what was said."""

from __future__ import annotations

from dataclasses import dataclass

from interviewer.models import AnyCase, Phase, Rubric
from interviewer.policy.heard import Heard
from interviewer.policy.moves import PHASE_COVERED
from interviewer.session import RoundState

SPOKEN_MIN_POINTS = 2  # key points of a later phase in one answer that show the candidate is there


@dataclass(frozen=True)
class PhaseView:
    index: int
    phase: Phase
    criteria: tuple[str, ...]
    own: tuple[str, ...]  # criteria first listed in this phase


def phase_views(case: AnyCase, rubric: Rubric, state: RoundState) -> list[PhaseView]:
    seen: set[str] = set()
    views = []
    for index, phase in enumerate(state.phases):
        criteria = tuple(phase.criteria) or tuple(rubric.criterion_ids)
        own = tuple(c for c in criteria if c not in seen)
        seen.update(criteria)
        views.append(PhaseView(index, phase, criteria, own))
    return views


def covered(view: PhaseView, heard: Heard) -> bool:
    return all(heard.coverage(c) >= PHASE_COVERED for c in view.criteria)


def touched(view: PhaseView, heard: Heard) -> bool:
    """Something of this phase has been said already (so "take me through it" would ask again)."""
    return any(heard.coverage(c) >= PHASE_COVERED / 2 for c in view.own or view.criteria)


def spoken_phase(views: list[PhaseView], heard: Heard) -> int | None:
    """The phase the latest answer said most about (its own criteria's key points), or None."""
    best: tuple[int, int] | None = None
    for view in views:
        count = sum(len(heard.latest_points(c)) for c in view.own)
        if count >= SPOKEN_MIN_POINTS and (best is None or count >= best[0]):
            best = (count, view.index)
    return best[1] if best else None


def open_phase(views: list[PhaseView], heard: Heard, start: int) -> tuple[int, tuple[int, ...]]:
    """From `start` on, the first phase not yet covered (the last phase at the latest), and the
    covered ones passed over."""
    skipped = []
    index = start
    while index < len(views) - 1 and covered(views[index], heard):
        skipped.append(index)
        index += 1
    return index, tuple(skipped)
