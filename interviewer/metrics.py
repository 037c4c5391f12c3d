"""Agreement statistics between the scorer and human grades, in plain numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float | None:
    a, b = np.asarray(x, float), np.asarray(y, float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks, ties sharing the mean of their positions."""
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values), float)
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    return pearson(_ranks(np.asarray(x, float)), _ranks(np.asarray(y, float)))


def quadratic_weighted_kappa(x: Sequence[int], y: Sequence[int], low: int = 1, high: int = 4) -> float | None:
    a, b = np.asarray(x, int) - low, np.asarray(y, int) - low
    n = high - low + 1
    if len(a) == 0:
        return None
    observed = np.zeros((n, n))
    for i, j in zip(a, b, strict=True):
        observed[i, j] += 1
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / len(a)
    weights = np.array([[(i - j) ** 2 for j in range(n)] for i in range(n)]) / (n - 1) ** 2
    denominator = (weights * expected).sum()
    if denominator == 0:
        return None
    return float(1 - (weights * observed).sum() / denominator)


def gold_to_level(gold: float, gold_max: float) -> int:
    """A human grade on any scale, binned onto the 1-4 rubric scale."""
    share = min(max(gold / gold_max, 0.0), 1.0) if gold_max > 0 else 0.0
    return 1 + min(3, int(share * 4))
