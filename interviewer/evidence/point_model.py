"""The fitted combination of pair features into a key point's credit: a logistic model whose
coefficients are data (point_model.json, written by bench/fit_scorer.py from labelled key-point pairs
and reviewed like code), never a pickle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from interviewer.evidence.features import FEATURES

POINT_MODEL_FILE = Path(__file__).resolve().parent / "point_model.json"



@dataclass(frozen=True)
class PointModel:
    weights: np.ndarray  # one per FEATURES entry
    bias: float
    heard: float = 0.5  # credit from which a key point counts as heard

    def logits(self, values: np.ndarray) -> np.ndarray:
        """(..., len(FEATURES)) features -> (...) log-odds that the window states the point."""
        return np.asarray(values @ self.weights + self.bias)

    def credit(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(values))))


def read_point_model(path: Path) -> PointModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    names = data["features"]
    if tuple(names) != FEATURES:
        raise ValueError(
            f"{path}: features {names} do not match the code's {list(FEATURES)}; refit with bench/fit_scorer.py"
        )
    return PointModel(np.array(data["weights"], np.float32), float(data["bias"]), float(data.get("heard", 0.5)))


@lru_cache(maxsize=1)
def shipped_point_model() -> PointModel:
    return read_point_model(POINT_MODEL_FILE)

