"""Typed models for content (rubrics, cases), interview state and score cards.

Content models are frozen and reject unknown keys: a typo in a YAML file is an error, not a silently
ignored field. Cross-file rules (a case's criteria exist in its rubric) live in catalog.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

SNAKE_ID = r"^[a-z][a-z0-9_]*$"
KEBAB_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Level = Literal["junior", "mid", "senior", "staff"]
LEVELS: tuple[Level, ...] = ("junior", "mid", "senior", "staff")
CaseKind = Literal["ml_case", "business_case", "system_design", "drill", "behavioural"]
CASE_KINDS: tuple[CaseKind, ...] = ("ml_case", "business_case", "system_design", "drill", "behavioural")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class Criterion(Strict):
    id: Annotated[str, Field(pattern=SNAKE_ID)]
    title: NonEmpty
    weight: Annotated[float, Field(gt=0)]
    core: bool = False
    description: NonEmpty
    levels: dict[int, NonEmpty]
    # What the bar (level 3) looks like at each seniority; the same criterion, shifted anchors.
    level_expectations: dict[Level, NonEmpty] = Field(default_factory=dict)
    # What strong (level 4) looks like at each seniority.
    strong_expectations: dict[Level, NonEmpty] = Field(default_factory=dict)

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, levels: dict[int, str]) -> dict[int, str]:
        if sorted(levels) != [1, 2, 3, 4]:
            raise ValueError(f"needs exactly the levels 1, 2, 3 and 4, got {sorted(levels)}")
        return levels


class Rubric(Strict):
    id: Annotated[str, Field(pattern=KEBAB_ID)]
    title: NonEmpty
    description: str = ""
    criteria: Annotated[list[Criterion], Field(min_length=1)]

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: list[Criterion]) -> list[Criterion]:
        seen: set[str] = set()
        for criterion in criteria:
            if criterion.id in seen:
                raise ValueError(f"criterion id {criterion.id!r} appears twice")
            seen.add(criterion.id)
        return criteria

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]


class FollowUp(Strict):
    criterion: Annotated[str, Field(pattern=SNAKE_ID)]
    ask: NonEmpty
    # The key points of `criterion` this probe listens for (indexes from 0 into the case's
    # key_points[criterion]); empty means derived from the wording. A probe whose points were all
    # heard already is not asked.
    listens_for: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)


class Misconception(Strict):
    """A wrong claim a candidate may make; stated in any words, it caps `criterion` at 2."""

    claim: NonEmpty  # the wrong claim, as a candidate would say it
    correction: NonEmpty  # what is true instead, and why (shown on the card)
    criterion: Annotated[str, Field(pattern=SNAKE_ID)]


class Estimate(Strict):
    """A derived number the case states, with the arithmetic that `validate` recomputes."""

    claim: NonEmpty  # what the number is, in words
    expression: NonEmpty  # safe arithmetic: numbers, + - * / ** ( ), min, max, round, abs
    value: float  # the number the case's text states
    unit: str = ""
    tolerance: Annotated[float, Field(ge=0, le=0.5)] = 0.02  # relative: |computed - value| / |value|


class Phase(Strict):
    id: Annotated[str, Field(pattern=SNAKE_ID)]
    title: NonEmpty
    minutes: Annotated[float, Field(gt=0)]
    # Criteria this phase is meant to gather evidence for; empty means all of the rubric's.
    criteria: list[Annotated[str, Field(pattern=SNAKE_ID)]] = Field(default_factory=list)


class Clarification(Strict):
    topic: NonEmpty
    answer: NonEmpty


class CaseBase(Strict):
    id: Annotated[str, Field(pattern=KEBAB_ID)]
    title: NonEmpty
    rubric: Annotated[str, Field(pattern=KEBAB_ID)]
    duration_min: Annotated[float, Field(gt=0, le=180)]
    prompt: NonEmpty
    key_points: dict[str, Annotated[list[NonEmpty], Field(min_length=1)]]
    follow_ups: list[FollowUp] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    clarifications: list[Clarification] = Field(default_factory=list)
    model_answer: str = ""
    pitfalls: list[NonEmpty] = Field(default_factory=list)
    tags: list[Annotated[str, Field(pattern=KEBAB_ID)]] = Field(default_factory=list)
    seed_sections: list[Annotated[str, Field(pattern=r"^0[0-9]$")]] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=lambda: list(LEVELS))
    misconceptions: list[Misconception] = Field(default_factory=list)
    estimates: list[Estimate] = Field(default_factory=list)
    # Criteria this case treats as core on top of the rubric's (a diagnosis makes data analysis core).
    core_criteria: list[Annotated[str, Field(pattern=SNAKE_ID)]] = Field(default_factory=list)
    # Case-specific examples per criterion id, shown beside the rubric's neutral anchors.
    criterion_examples: dict[Annotated[str, Field(pattern=SNAKE_ID)], NonEmpty] = Field(
        default_factory=dict
    )

    @field_validator("phases")
    @classmethod
    def _phases_fill_duration(cls, phases: list[Phase], info: ValidationInfo) -> list[Phase]:
        duration = info.data.get("duration_min")
        if phases and duration is not None:
            total = sum(p.minutes for p in phases)
            if abs(total - duration) > 1e-6:
                raise ValueError(
                    f"minutes sum to {total:g} but duration_min is {duration:g}; make them equal"
                )
        ids = [p.id for p in phases]
        if len(set(ids)) != len(ids):
            raise ValueError(f"ids must be unique, got {ids}")
        return phases

    def plan(self) -> list[Phase]:
        """The phases to run: the authored ones, or one phase for the whole round."""
        return self.phases or [Phase(id="interview", title="Interview", minutes=self.duration_min)]


class MlCase(CaseBase):
    kind: Literal["ml_case"]


class BusinessCase(CaseBase):
    kind: Literal["business_case"]


class SystemDesignCase(CaseBase):
    kind: Literal["system_design"]
    phases: Annotated[list[Phase], Field(min_length=2)]


class DrillCase(CaseBase):
    kind: Literal["drill"]
    duration_min: Annotated[float, Field(ge=3, le=10)]


class BehaviouralCase(CaseBase):
    """A behavioural (STAR) question: the candidate tells a story of their own work."""

    kind: Literal["behavioural"]
    duration_min: Annotated[float, Field(ge=5, le=30)]


Case = Annotated[
    MlCase | BusinessCase | SystemDesignCase | DrillCase | BehaviouralCase,
    Field(discriminator="kind"),
]
AnyCase = MlCase | BusinessCase | SystemDesignCase | DrillCase | BehaviouralCase


# ---- interview state -------------------------------------------------------------------------

Role = Literal["candidate", "interviewer"]
TurnKind = Literal[
    "opening",  # interviewer opens the case
    "answer",  # candidate speaks
    "clarification",  # interviewer answers a clarifying question from the case's facts
    "probe",  # interviewer follow-up aimed at a criterion
    "phase_change",  # interviewer announces the next phase
    "nudge",  # interviewer notes a phase is over time
    "wrap_up",  # interviewer closes
]


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int
    role: Role
    kind: TurnKind
    text: str
    at_s: float
    phase: str
    criterion: str | None = None  # the criterion a probe aims at
    follow_up: int | None = None  # index of the case's follow-up a probe asked
    source: str = "offline"  # which backend produced an interviewer turn ("offline", "openai", ...)


SessionStatus = Literal["active", "finished"]


class SessionInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    case_id: str
    level: Level
    backend: str
    status: SessionStatus
    created_at: str
    duration_s: float | None = None
    user_id: str = "local"  # who the session belongs to (the signed-in user, else "local")


# ---- scores ------------------------------------------------------------------------------------

Verdict = Literal["ready", "borderline", "not_ready", "incomplete", "unscored"]


PointStatusName = Literal["heard", "partly heard", "not heard"]


class PointStatus(BaseModel):
    """What the candidate said of one key point: heard (with the quote), partly heard (the quote,
    and the point shows what was missing), or not heard."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    point: str
    status: PointStatusName
    quote: str | None = None


class CriterionScore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    weight: float
    core: bool
    level: Annotated[int, Field(ge=1, le=4)] | None
    coverage: float = 0.0  # mean key-point credit, 0-1, behind the level (offline evidence)
    evidence: list[str] = Field(default_factory=list)
    covered: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    rationale: str = ""
    descriptor: str = ""  # the rubric's anchor for the level reached
    bar: str = ""  # what meets the bar at the chosen seniority
    points: list[PointStatus] = Field(default_factory=list)  # per key point, heard or not
    misconceptions: list[str] = Field(default_factory=list)  # wrong claims stated, with the correction


class ScoreCard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case: str
    rubric: str
    level: Level = "mid"
    backend: str = "offline"
    overall: float | None
    coverage: float | None = None  # weighted mean criterion coverage, 0-1, a finer-grained companion
    verdict: Verdict
    verdict_reason: str
    criteria: list[CriterionScore]
    actions: Annotated[list[str], Field(max_length=3)] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)

