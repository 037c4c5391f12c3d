"""Agreement of the offline scorer with human tutors on SAF v2.0 (../shared/external/saf).

Each SAF question becomes a drill case whose key points are the sentences of the question's reference
answer and whose prompt is the question text (so repeating the question earns little). Prints Spearman,
Pearson, quadratic weighted kappa (tutor share of points binned to 1-4) and MAE per split.
Skips cleanly when the data is absent.

    .venv/bin/python bench/score_agreement.py [--splits unseen_questions] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.backends.offline import OfflineGrader  # noqa: E402
from interviewer.evaluation import agreement_from_scores  # noqa: E402
from interviewer.metrics import gold_to_level  # noqa: E402
from interviewer.models import DrillCase, Rubric  # noqa: E402
from interviewer.saf import SPLITS, SafAnswer, load_split, reference_key_points  # noqa: E402

SAF_ZIP = Path(__file__).resolve().parents[2] / "shared" / "external" / "saf" / "SAF2_0.zip"

SAF_RUBRIC = Rubric(
    id="saf-short-answer",
    title="Short answer",
    criteria=[
        {
            "id": "correctness",
            "title": "Correctness",
            "weight": 1.0,
            "core": True,
            "description": "States what the reference answer states.",
            "levels": {1: "wrong or missing", 2: "partly right", 3: "right", 4: "right and complete"},
        }
    ],
)


def as_drill(answer: SafAnswer) -> DrillCase:
    return DrillCase(
        id=f"saf-{answer.question_id.replace('.', '-').replace('_', '-').lower()}",
        title=f"SAF {answer.question_id}",
        kind="drill",
        rubric=SAF_RUBRIC.id,
        duration_min=5,
        prompt=answer.question,
        key_points={"correctness": reference_key_points(answer.reference)},
    )


def evaluate(split: str, grader: OfflineGrader, limit: int | None) -> dict[str, object]:
    rows = load_split(SAF_ZIP, split)[:limit]
    started = time.perf_counter()
    cards = [grader.grade(as_drill(r), SAF_RUBRIC, [r.response]) for r in rows]
    result = agreement_from_scores(
        [card.overall for card in cards],
        [r.score / r.max_score for r in rows],
        [gold_to_level(r.score, r.max_score) for r in rows],
        [card.coverage or 0.0 for card in cards],
    )
    result["seconds_per_answer"] = round((time.perf_counter() - started) / max(1, len(rows)), 4)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splits", nargs="*", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--limit", type=int, default=None, help="first N answers per split")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not SAF_ZIP.exists():
        print(f"skipped: SAF data not found at {SAF_ZIP}")
        return 0
    grader = OfflineGrader()
    results = {split: evaluate(split, grader, args.limit) for split in args.splits}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for split, result in results.items():
            print(
                f"{split:18s} n={result['n']:4d} spearman={result['spearman']} pearson={result['pearson']} "
                f"qwk={result['qwk']} mae={result['mae_levels']} unscored={result['unscored']} "
                f"spearman_coverage={result['spearman_coverage']} "
                f"by_gold={result['mean_score_by_gold_level']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
