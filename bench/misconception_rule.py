"""Choose the misconception rule on the first 40 cases' statements and measure it on the other 44.

A statement of a misconception (bench/corpus/misconceptions: `stated` sentences make the wrong claim,
`correct` ones state the right view in similar words) is flagged when the shipped point model's
credit against the claim is at least T and at least D above its credit against the correction. T and
D are chosen on the cases of the first library (bench/corpus/content-v2a), a false flag weighed twice
a miss (it caps a criterion the candidate got right), and measured on the cases added since, which
played no part in choosing them. The engine's constants are in interviewer/evidence/matching.py.

    .venv/bin/python bench/misconception_rule.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus_data import CONTENTS, load_misconception_statements  # noqa: E402
from bench.fit_scorer import misconception_rows  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.evidence.matching import MISCONCEPTION_CREDIT, MISCONCEPTION_MARGIN  # noqa: E402
from interviewer.evidence.point_model import shipped_point_model  # noqa: E402

FALSE_FLAG_COST = 2.0


def tally(flag: np.ndarray, stated: np.ndarray, mask: np.ndarray) -> str:
    return (f"caught {int((flag & stated & mask).sum())} of {int((stated & mask).sum())}, "
            f"correct views flagged {int((flag & ~stated & mask).sum())} of {int((~stated & mask).sum())}")


def main() -> int:
    catalog = load_catalog()
    statements = load_misconception_statements()
    first = {path.stem for path in (CONTENTS[0] / "cases").glob("*.yaml")}
    x_claims, x_corrections = misconception_rows(statements, catalog)
    model = shipped_point_model()
    claim, correction = model.credit(x_claims), model.credit(x_corrections)
    stated = np.array([s.stated for s in statements])
    chosen_on = np.array([s.case in first for s in statements])

    def flags(t: float, d: float) -> np.ndarray:
        return (claim >= t) & (claim - correction >= d)

    best: tuple[float, float, float] | None = None
    for t in np.arange(0.1, 0.951, 0.05):
        for d in np.arange(-0.2, 0.601, 0.05):
            flag = flags(t, d)
            caught = (flag & stated & chosen_on).sum() / max(1, (stated & chosen_on).sum())
            false = (flag & ~stated & chosen_on).sum() / max(1, (~stated & chosen_on).sum())
            score = caught - FALSE_FLAG_COST * false
            if best is None or score > best[0] + 1e-9:
                best = (score, round(float(t), 2), round(float(d), 2))
    assert best is not None
    _, t, d = best
    print(f"statements: {int(chosen_on.sum())} to the {len(first)} first cases, {int((~chosen_on).sum())} to the others")
    print(f"chosen on the first cases: credit >= {t}, margin over the correction >= {d} "
          f"(engine: {MISCONCEPTION_CREDIT}, {MISCONCEPTION_MARGIN})")
    print(f"  first cases (fitted): {tally(flags(t, d), stated, chosen_on)}")
    print(f"  other cases (held out): {tally(flags(t, d), stated, ~chosen_on)}")
    engine = flags(MISCONCEPTION_CREDIT, MISCONCEPTION_MARGIN)
    print(f"the engine's rule: first cases {tally(engine, stated, chosen_on)}; held out {tally(engine, stated, ~chosen_on)}")
    print(f"claim credit alone at 0.9 (the previous rule), held out: {tally(flags(0.9, -9.0), stated, ~chosen_on)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
