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
        else one a day) from `start`: the first is due on the first day, the last on the last."""
        span = days or self.days or len(self.steps)
        count = len(self.steps)
        if count == 1:
            return [start + timedelta(days=span - 1)]
        return [start + timedelta(days=math.floor(number * (span - 1) / (count - 1))) for number in range(count)]

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
    overdue: int  # steps due before the day asked about and not attempted
    today: int  # steps due on that day and not attempted
    done: int  # steps attempted (whenever)

    def text(self) -> str:
        if self.overdue:
            return f"Behind by {self.overdue} case{'s' if self.overdue != 1 else ''}."
        if self.today:
            return f"On track: {self.today} case{'s' if self.today != 1 else ''} due today."
        return "On track."


def pace(plan: Plan, dates: list[date], attempted: set[str], today: date) -> Pace:
    """Where the candidate stands on the schedule on `today`."""
    open_steps = [when for step, when in zip(plan.steps, dates, strict=True) if step.case not in attempted]
    return Pace(sum(when < today for when in open_steps), sum(when == today for when in open_steps),
                len(plan.steps) - len(open_steps))
