"""Agreement of a grader with human grades (`python -m interviewer eval`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interviewer.backends import Grader
from interviewer.catalog import Catalog
from interviewer.metrics import gold_to_level, pearson, quadratic_weighted_kappa, spearman


class EvalRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str
    answer: str
    gold: float
    gold_max: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _gold_in_range(self) -> EvalRow:
        top = self.gold_max if self.gold_max is not None else 4.0
        low = 0.0 if self.gold_max is not None else 1.0
        if not low <= self.gold <= top:
            raise ValueError(f"gold {self.gold} is outside {low:g}-{top:g}; set gold_max for other scales")
        return self

    def gold_level(self) -> int:
        if self.gold_max is None:
            return int(self.gold + 0.5)  # halves round up, not to even
        return gold_to_level(self.gold, self.gold_max)

    def gold_share(self) -> float:
        if self.gold_max is None:
            return (self.gold - 1) / 3
        return self.gold / self.gold_max


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def agreement_from_scores(
    predicted: Sequence[float | None],
    gold_share: Sequence[float],
    gold_level: Sequence[int],
    coverage: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Statistics over scorer output. An unscored answer (no evidence) counts as level 1 here: it
    said nothing the rubric rewards; how many there were is reported beside."""
    levels = [p if p is not None else 1.0 for p in predicted]
    rounded = [int(v + 0.5) for v in levels]  # halves round up, not to even
    bands: dict[int, list[float]] = defaultdict(list)
    for level, gold in zip(levels, gold_level, strict=True):
        bands[gold].append(level)
    result: dict[str, Any] = {
        "n": len(levels),
        "unscored": sum(p is None for p in predicted),
        "spearman": _rounded(spearman(levels, gold_share)),
        "pearson": _rounded(pearson(levels, gold_share)),
        "qwk": _rounded(quadratic_weighted_kappa(rounded, list(gold_level))),
        "mae_levels": _rounded(sum(abs(a - b) for a, b in zip(levels, gold_level, strict=True)) / max(1, len(levels))),
        "mean_score_by_gold_level": {str(k): round(sum(v) / len(v), 2) for k, v in sorted(bands.items())},
    }
    if coverage is not None:
        # The continuous coverage behind the levels: how much ordering the 1-4 binning gives up.
        result["spearman_coverage"] = _rounded(spearman(coverage, gold_share))
        result["pearson_coverage"] = _rounded(pearson(coverage, gold_share))
    return result


def agreement(rows: Sequence[EvalRow], grader: Grader, catalog: Catalog) -> dict[str, Any]:
    predicted: list[float | None] = []
    coverage: list[float] = []
    for row in rows:
        case = catalog.case(row.case)
        card = grader.grade(case, catalog.rubric_for(case), [row.answer])
        predicted.append(card.overall)
        coverage.append(card.coverage or 0.0)
    return agreement_from_scores(
        predicted, [r.gold_share() for r in rows], [r.gold_level() for r in rows], coverage
    )
