"""Agreement of a grader with human grades (`python -m interviewer eval`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interviewer.backends import Grader
from interviewer.catalog import Catalog
from interviewer.metrics import gold_to_level, pearson, quadratic_weighted_kappa, spearman
from interviewer.models import Level, ScoreCard


class EvalRow(BaseModel):
    """One graded answer: `answer` (one turn) or `turns`; the overall `gold`, and optionally the
    gold level per criterion (`gold_levels`, null = not observed) and the target seniority."""

    model_config = ConfigDict(extra="forbid")

    case: str
    answer: str = ""
    turns: list[str] = Field(default_factory=list)
    gold: float
    gold_max: float | None = Field(default=None, gt=0)
    gold_levels: dict[str, Annotated[int, Field(ge=1, le=4)] | None] = Field(default_factory=dict)
    target: Level = "mid"
    id: str = ""
    style: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)  # provenance: who graded, prompt version, ...

    @property
    def answers(self) -> list[str]:
        return self.turns or [self.answer]

    @model_validator(mode="after")
    def _gold_in_range(self) -> EvalRow:
        if not self.answer.strip() and not any(t.strip() for t in self.turns):
            raise ValueError("needs an `answer` or non-empty `turns`")
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


def criterion_agreement(pairs: Sequence[tuple[int | None, int | None]]) -> dict[str, Any]:
    """Agreement of predicted with gold criterion levels; null ("not observed") is its own class for
    exact agreement and the confusion matrix, and rows where either is null are left out of within-one
    and QWK."""
    both = [(g, p) for g, p in pairs if g is not None and p is not None]
    labels = ["null", "1", "2", "3", "4"]
    matrix = {g: dict.fromkeys(labels, 0) for g in labels}
    for gold, predicted in pairs:
        matrix["null" if gold is None else str(gold)]["null" if predicted is None else str(predicted)] += 1
    return {
        "n": len(pairs),
        "exact": _rounded(sum(g == p for g, p in pairs) / len(pairs)) if pairs else None,
        "within_one": _rounded(sum(abs(g - p) <= 1 for g, p in both) / len(both)) if both else None,
        "qwk": _rounded(quadratic_weighted_kappa([p for _, p in both], [g for g, _ in both])) if both else None,
        "gold_null_predicted_level": sum(1 for g, p in pairs if g is None and p is not None),
        "gold_level_predicted_null": sum(1 for g, p in pairs if g is not None and p is None),
        "confusion_gold_by_predicted": matrix,
    }


def overall_agreement(predicted: Sequence[float | None], gold: Sequence[float | None]) -> dict[str, Any]:
    """Spearman, MAE and bias (predicted minus gold) of overall scores where both exist."""
    both = [(p, g) for p, g in zip(predicted, gold, strict=True) if p is not None and g is not None]
    if not both:
        return {"n": 0}
    errors = [p - g for p, g in both]
    return {
        "n": len(both),
        "spearman": _rounded(spearman([p for p, _ in both], [g for _, g in both])),
        "mae": _rounded(sum(abs(e) for e in errors) / len(errors)),
        "bias": _rounded(sum(errors) / len(errors)),
        "predicted_unscored": sum(1 for p in predicted if p is None),
    }


def card_agreement(rows: Sequence[EvalRow], cards: Sequence[ScoreCard]) -> dict[str, Any]:
    """Per-criterion and overall agreement of score cards with rows that carry gold levels."""
    pairs: list[tuple[int | None, int | None]] = []
    per_criterion: dict[str, list[tuple[int | None, int | None]]] = defaultdict(list)
    for row, card in zip(rows, cards, strict=True):
        for score in card.criteria:
            if score.id in row.gold_levels:
                pair = (row.gold_levels[score.id], score.level)
                pairs.append(pair)
                per_criterion[score.id].append(pair)
    result = criterion_agreement(pairs)
    result["per_criterion"] = {
        cid: {k: v for k, v in criterion_agreement(ps).items() if k != "confusion_gold_by_predicted"}
        for cid, ps in sorted(per_criterion.items())
    }
    return result


def agreement(rows: Sequence[EvalRow], grader: Grader, catalog: Catalog) -> dict[str, Any]:
    predicted: list[float | None] = []
    coverage: list[float] = []
    cards: list[ScoreCard] = []
    for row in rows:
        case = catalog.case(row.case)
        card = grader.grade(case, catalog.rubric_for(case), row.answers, row.target)
        cards.append(card)
        predicted.append(card.overall)
        coverage.append(card.coverage or 0.0)
    result = agreement_from_scores(
        predicted, [r.gold_share() for r in rows], [r.gold_level() for r in rows], coverage
    )
    result["overall"] = overall_agreement(
        predicted, [r.gold if r.gold_max is None else 1 + 3 * r.gold_share() for r in rows]
    )
    with_levels = [(r, c) for r, c in zip(rows, cards, strict=True) if r.gold_levels]
    if with_levels:
        result["criteria"] = card_agreement([r for r, _ in with_levels], [c for _, c in with_levels])
    return result
