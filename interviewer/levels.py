"""From a criterion's evidence to a level: a small calibrated model (ordinal logistic over levels 1-4,
weights that can only reward evidence and penalise a stated misconception) fitted on the
teacher-graded corpus by bench/fit_scorer.py. Its coefficients are data
(level_model.json, reviewed like code), never a pickle. The rules around it stay rules (scoring.py): nothing
heard is level 1 once the answer addresses the case, else "not observed"; a stated misconception caps
the criterion at 2; evidence that is only lists of terms caps it at 2."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from interviewer.evidence import HEARD, PARTLY_HEARD, CriterionEvidence
from interviewer.models import Level

LEVEL_MODEL_FILE = Path(__file__).resolve().parent / "level_model.json"
LEVEL_FEATURES: tuple[str, ...] = (
    "mean_credit",
    "max_credit",
    "top2_credit",
    "share_heard",
    "share_partly",
    "prose_partly",
    "specific",
    "misconception",
)
# Seniority moves the bar: the same words meet it for a junior and fall short for a staff candidate.
# The corpus is graded at one target per case, so the shift is a rule on the credits, not learned.
SENIORITY_SHIFT: dict[Level, float] = {"junior": -0.05, "mid": 0.0, "senior": 0.05, "staff": 0.10}


def level_features(evidence: CriterionEvidence, misconception_credit: float, target: Level) -> np.ndarray:
    shift = SENIORITY_SHIFT[target]
    # Below "partly heard" a credit is noise (any extra words nudge it): it counts as nothing, so text
    # added around an answer cannot move a level without stating something.
    credits = sorted((m.credit if m.credit >= PARTLY_HEARD else 0.0 for m in evidence.matches), reverse=True) or [0.0]
    shifted = [min(1.0, max(0.0, c - shift)) for c in credits]
    count = len(credits)
    # Both scale with what was stated: one stray sentence that half-resembles a point is prose with a
    # number in it, and as a flag it would weigh as much as a criterion answered in full.
    prose_partly = sum(m.prose and m.credit >= PARTLY_HEARD for m in evidence.matches) / count
    specific = any(m.specific and m.credit >= HEARD for m in evidence.matches)
    return np.array(
        [
            float(np.mean(shifted)),
            shifted[0],
            float(np.mean(shifted[:2])),
            sum(c >= HEARD for c in credits) / count,
            sum(c >= PARTLY_HEARD for c in credits) / count,
            prose_partly,
            float(specific),
            misconception_credit,
        ],
        np.float32,
    )


# How a level is read from the model's distribution over 1-4: the most probable level ("mode"), or the
# highest level reached with probability at least one half ("median"). They differ where the middle
# levels share the mass: P(2) 0.41, P(3) 0.34, P(4) 0.20 is a 2 by mode and a 3 by median.
DecisionRule = Literal["mode", "median"]
DECISION_RULES: tuple[DecisionRule, ...] = get_args(DecisionRule)


@dataclass(frozen=True)
class LevelModel:
    """P(level >= k) = sigmoid(weights . features - thresholds[k - 2]) for k = 2, 3, 4."""

    weights: np.ndarray  # (features,)
    thresholds: np.ndarray  # (3,), increasing
    decision: DecisionRule = "mode"

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        score = float(self.weights @ features)
        at_least = 1.0 / (1.0 + np.exp(-(score - self.thresholds)))  # P(>=2), P(>=3), P(>=4)
        bounds = np.concatenate([[1.0], at_least, [0.0]])
        return np.asarray(np.clip(bounds[:-1] - bounds[1:], 0.0, 1.0))  # P(1) .. P(4)

    def level(self, features: np.ndarray) -> int:
        if self.decision == "median":
            return 1 + int(np.sum(float(self.weights @ features) >= self.thresholds))
        return 1 + int(np.argmax(self.probabilities(features)))

    def with_decision(self, decision: DecisionRule) -> LevelModel:
        return LevelModel(self.weights, self.thresholds, decision)


def read_level_model(path: Path) -> LevelModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != LEVEL_FEATURES:
        raise ValueError(
            f"{path}: features {data['features']} do not match the code's {list(LEVEL_FEATURES)}; "
            "refit with bench/fit_scorer.py"
        )
    decision = data.get("decision", "mode")
    if decision not in DECISION_RULES:
        raise ValueError(f"{path}: decision {decision!r} is not one of {list(DECISION_RULES)}")
    return LevelModel(np.array(data["weights"], np.float32), np.array(data["thresholds"], np.float32), decision)


@lru_cache(maxsize=1)
def shipped_level_model() -> LevelModel:
    return read_level_model(LEVEL_MODEL_FILE)
