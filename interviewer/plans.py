"""Learning plans (plans.yaml): ordered lists of cases from the seed's learning paths, with progress."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from interviewer.catalog import PROJECT_ROOT, Catalog
from interviewer.models import KEBAB_ID

DEFAULT_PLANS_PATH = PROJECT_ROOT / "plans.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PlanStep(_Strict):
    case: Annotated[str, Field(pattern=KEBAB_ID)]
    stage: Annotated[str, Field(min_length=1)]


class Plan(_Strict):
    id: Annotated[str, Field(pattern=KEBAB_ID)]
    title: Annotated[str, Field(min_length=1)]
    duration: str = ""
    days: Annotated[int, Field(ge=1, le=180)] | None = None  # the schedule's default length
    summary: str = ""
    steps: Annotated[list[PlanStep], Field(min_length=1)]

    def schedule(self, start: date, days: int | None = None) -> list[date]:
        """A due date per step: the steps spread evenly over `days` (the plan's own by default,
        else one a day) from `start`; the last step is due on the last day."""
        span = days or self.days or len(self.steps)
        count = len(self.steps)
        return [start + timedelta(days=math.ceil((number + 1) * span / count) - 1) for number in range(count)]

    def progress(self, attempted: set[str]) -> tuple[int, int]:
        """(steps done, steps in all)."""
        return sum(step.case in attempted for step in self.steps), len(self.steps)

    def next_step(self, attempted: set[str]) -> PlanStep | None:
        return next((step for step in self.steps if step.case not in attempted), None)


class PlansFile(_Strict):
    plans: Annotated[list[Plan], Field(min_length=1)]


class PlansError(ValueError):
    pass


def load_plans(path: Path = DEFAULT_PLANS_PATH, catalog: Catalog | None = None) -> list[Plan]:
    """Validated plans; with a catalog, every step's case must exist. Errors name the file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        plans = PlansFile.model_validate(data).plans
    except OSError as error:
        raise PlansError(f"{path}: (file): cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise PlansError(f"{path}: (file): not valid YAML: {error}") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PlansError(f"{path}: {where}: {first['msg']}") from error
    ids = [p.id for p in plans]
    if len(set(ids)) != len(ids):
        raise PlansError(f"{path}: plans: ids must be unique, got {ids}")
    if catalog is not None:
        for i, plan in enumerate(plans):
            for j, step in enumerate(plan.steps):
                if step.case not in catalog.cases:
                    raise PlansError(f"{path}: plans.{i}.steps.{j}.case: no valid case {step.case!r}")
    return plans


@dataclass(frozen=True)
class Pace:
    due: int  # steps due by the day asked about
    done: int  # steps attempted (whenever)
    done_of_due: int  # of the steps due, how many are attempted

    @property
    def behind(self) -> int:
        return self.due - self.done_of_due

    def text(self) -> str:
        if self.due == 0:
            return "Nothing is due yet."
        if self.behind <= 0:
            return f"On track: all {self.due} case{'s' if self.due != 1 else ''} due so far attempted."
        return (f"Behind by {self.behind}: {self.done_of_due} of the {self.due} case"
                f"{'s' if self.due != 1 else ''} due so far attempted.")


def pace(plan: Plan, dates: list[date], attempted: set[str], today: date) -> Pace:
    due = [step for step, when in zip(plan.steps, dates, strict=True) if when <= today]
    return Pace(len(due), sum(step.case in attempted for step in plan.steps),
                sum(step.case in attempted for step in due))
