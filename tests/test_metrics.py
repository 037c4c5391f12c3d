"""Agreement statistics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from interviewer.evaluation import EvalRow, agreement_from_scores
from interviewer.metrics import _ranks, gold_to_level, pearson, quadratic_weighted_kappa, spearman

# -- pearson ---------------------------------------------------------------------------------------


def test_pearson_perfect_and_reversed() -> None:
    assert pearson([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert pearson([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_pearson_by_hand() -> None:
    # x = 1 2 3 4, y = 2 1 4 3; deviations (-1.5 -.5 .5 1.5) and (-.5 -1.5 1.5 .5):
    # sum of products 3, sums of squares 5 and 5, so r = 3 / 5.
    assert pearson([1, 2, 3, 4], [2, 1, 4, 3]) == pytest.approx(0.6)


def test_pearson_is_none_when_undefined() -> None:
    assert pearson([1, 2, 3], [2, 2, 2]) is None  # no variance
    assert pearson([3, 3], [1, 2]) is None
    assert pearson([1], [1]) is None  # one point
    assert pearson([], []) is None


# -- spearman --------------------------------------------------------------------------------------


def test_spearman_perfect_reversed_and_monotone() -> None:
    assert spearman([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [9, 7, 5, 1]) == pytest.approx(-1.0)
    # Any monotone relation is perfect for spearman but not for pearson.
    assert spearman([1, 10, 100, 1000], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert pearson([1, 10, 100, 1000], [1, 2, 3, 4]) < 0.9


def test_spearman_by_hand() -> None:
    # The ranks equal the values here, so the answer is pearson's 0.6 from above.
    assert spearman([10, 20, 30, 40], [2, 1, 4, 3]) == pytest.approx(0.6)


def test_spearman_with_ties_uses_average_ranks() -> None:
    # x = 1 2 2 3 ranks to 1 2.5 2.5 4; y ranks 1 2 3 4. Deviations (-1.5 0 0 1.5) and
    # (-1.5 -.5 .5 1.5): products 4.5, squares 4.5 and 5, so rho = 4.5 / sqrt(4.5 * 5) = sqrt(0.9).
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9))
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833)


def test_average_ranks() -> None:
    assert _ranks(np.array([10.0, 20.0, 20.0, 30.0, 20.0])).tolist() == [1.0, 3.0, 3.0, 5.0, 3.0]
    assert _ranks(np.array([3.0, 1.0, 2.0])).tolist() == [3.0, 1.0, 2.0]
    assert _ranks(np.array([7.0, 7.0])).tolist() == [1.5, 1.5]


def test_spearman_is_none_when_one_side_is_all_ties() -> None:
    assert spearman([2, 2, 2], [1, 2, 3]) is None


# -- quadratic weighted kappa ----------------------------------------------------------------------


def test_qwk_perfect_agreement() -> None:
    assert quadratic_weighted_kappa([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert quadratic_weighted_kappa([1, 1, 4, 4], [1, 1, 4, 4]) == pytest.approx(1.0)


def test_qwk_fully_reversed_is_minus_one() -> None:
    # Observed: the anti-diagonal, weighted disagreement (9 + 1 + 1 + 9) / 9 = 20/9. Expected: every
    # cell 1/4; the 16 squared distances sum to 40, so 40/4/9 = 10/9. kappa = 1 - 2 = -1.
    assert quadratic_weighted_kappa([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_qwk_by_hand() -> None:
    # Pairs (1,1) (2,2) (3,4): observed weighted disagreement (3-4 one step) = 1/9.
    # Row totals 1 1 1 0, column totals 1 1 0 1, expected cells 1/3: the squared distances between
    # rows {0,1,2} and columns {0,1,3} sum to 10 + 5 + 6 = 21, so 21/3/9 = 7/9.
    # kappa = 1 - (1/9)/(7/9) = 6/7.
    assert quadratic_weighted_kappa([1, 2, 3], [1, 2, 4]) == pytest.approx(6 / 7)


def test_qwk_is_symmetric() -> None:
    x, y = [1, 2, 2, 3, 4, 4], [2, 2, 3, 3, 4, 3]
    assert quadratic_weighted_kappa(x, y) == pytest.approx(quadratic_weighted_kappa(y, x))


def test_qwk_undefined_cases() -> None:
    assert quadratic_weighted_kappa([], []) is None
    assert quadratic_weighted_kappa([3, 3, 3], [3, 3, 3]) is None  # one category: no expected disagreement


def test_qwk_other_scale() -> None:
    # On a 0-2 scale, (0,2) and (2,0) only: observed 2 * 1 = 2 (weights (i-j)^2/4 -> 1 at distance 2);
    # expected cells 1/2 each of (0,0)(0,2)(2,0)(2,2): (0 + 1 + 1 + 0) / 2 = 1. kappa = 1 - 2 = -1.
    assert quadratic_weighted_kappa([0, 2], [2, 0], low=0, high=2) == pytest.approx(-1.0)


# -- binning gold grades ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gold", "gold_max", "level"),
    [
        (0, 10, 1),
        (2.49, 10, 1),
        (2.5, 10, 2),  # exactly a quarter: the next level up
        (4.99, 10, 2),
        (5, 10, 3),
        (7.49, 10, 3),
        (7.5, 10, 4),
        (10, 10, 4),  # the top of the scale stays at 4
        (12, 10, 4),  # above the scale clamps
        (-1, 10, 1),  # below the scale clamps
        (1, 4, 2),
        (3, 4, 4),
        (0.75, 3, 2),
        (5, 0, 1),  # no scale at all: the lowest level, not a division by zero
    ],
)
def test_gold_to_level_edges(gold: float, gold_max: float, level: int) -> None:
    assert gold_to_level(gold, gold_max) == level


# -- evaluation.agreement_from_scores --------------------------------------------------------------


def test_agreement_counts_unscored_and_treats_them_as_level_one() -> None:
    result = agreement_from_scores(
        predicted=[None, 2.0, 3.0, 4.0],
        gold_share=[0.0, 1 / 3, 2 / 3, 1.0],
        gold_level=[1, 2, 3, 4],
    )
    assert result["n"] == 4
    assert result["unscored"] == 1
    assert result["spearman"] == 1.0
    assert result["pearson"] == 1.0
    assert result["qwk"] == 1.0
    assert result["mae_levels"] == 0.0
    assert result["mean_score_by_gold_level"] == {"1": 1.0, "2": 2.0, "3": 3.0, "4": 4.0}


def test_agreement_by_hand_with_unscored() -> None:
    result = agreement_from_scores(
        predicted=[None, 3.5, None, 2.0],
        gold_share=[0.1, 0.9, 0.4, 0.5],
        gold_level=[1, 4, 2, 3],
    )
    assert result["unscored"] == 2
    # levels used: 1, 3.5, 1, 2 -> absolute errors 0, .5, 1, 1 -> mean .625 (rounded to 3 places)
    assert result["mae_levels"] == 0.625
    assert result["mean_score_by_gold_level"] == {"1": 1.0, "2": 1.0, "3": 2.0, "4": 3.5}
    # ranks of levels 1.5 4 1.5 3 vs shares 1 4 2 3: deviations (-1 1.5 -1 .5), (-1.5 1.5 -.5 .5):
    # products 1.5 + 2.25 + .5 + .25 = 4.5, squares 4.5 and 5 -> 4.5 / sqrt(22.5) = sqrt(0.9)
    assert result["spearman"] == round(math.sqrt(0.9), 3) == 0.949


def test_agreement_all_unscored_gives_none_not_zero() -> None:
    result = agreement_from_scores([None, None, None], [0.2, 0.5, 0.9], [1, 2, 4])
    assert result["unscored"] == 3
    assert result["spearman"] is None
    assert result["pearson"] is None


def test_agreement_on_no_rows() -> None:
    result = agreement_from_scores([], [], [])
    assert result["n"] == 0 and result["unscored"] == 0
    assert result["qwk"] is None and result["mae_levels"] == 0.0


def test_eval_row_gold_scales() -> None:
    assert EvalRow(case="c", answer="a", gold=3).gold_level() == 3
    assert EvalRow(case="c", answer="a", gold=4).gold_share() == 1.0
    assert EvalRow(case="c", answer="a", gold=1).gold_share() == 0.0
    assert EvalRow(case="c", answer="a", gold=7.5, gold_max=10).gold_level() == 4
    assert EvalRow(case="c", answer="a", gold=2, gold_max=10).gold_share() == pytest.approx(0.2)
    with pytest.raises(ValueError, match="outside 1-4"):
        EvalRow(case="c", answer="a", gold=9)
    with pytest.raises(ValueError, match="outside 0-10"):
        EvalRow(case="c", answer="a", gold=11, gold_max=10)
    with pytest.raises(ValueError):
        EvalRow(case="c", answer="a", gold=1, gold_max=0)
