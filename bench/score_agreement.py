"""How far the scorers agree with the teacher and with humans, in one run, beside a plain baseline.

1. Corpus (bench/corpus): the offline scorer on cases held out from fitting (cross-validation by case,
   both models refitted per fold) against the teacher's grades, and a per-criterion word-overlap
   baseline fitted the same way.
2. Key-point pairs: other-words statements heard, partial ones, near misses and opposite claims
   rejected, on held-out cases, beside plain word overlap; misconception statements caught and
   correct statements in the same words not flagged.
3. SAF v2.0 (human tutors, ../shared/external/saf), per split: the offline scorer and plain word
   overlap; with --llm-responses, the LLM grader on a sample, replayed from stored replies of a
   capable model (record them first with --llm-record).

    .venv/bin/python bench/score_agreement.py [--folds 5] [--saf-limit N] [--json]
    .venv/bin/python bench/score_agreement.py --only saf --llm-record bench/corpus/requests/saf-v2 --saf-sample 120
    .venv/bin/python bench/score_agreement.py --only saf --llm-responses bench/corpus/responses/saf-v2 --saf-sample 120
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fit_scorer  # noqa: E402
from bench.corpus_data import GRADED, PAIRS, load_graded, load_misconception_statements, load_pairs  # noqa: E402
from interviewer.backends.offline import OfflineGrader  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.evaluation import agreement_from_scores  # noqa: E402
from interviewer.metrics import gold_to_level, spearman  # noqa: E402
from interviewer.models import DrillCase, Rubric  # noqa: E402
from interviewer.saf import SPLITS, SafAnswer, load_split, reference_key_points  # noqa: E402
from interviewer.text import content_stems  # noqa: E402

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
            "description": "States what the reference answer states, correctly.",
            "levels": {
                1: "Wrong, or does not address the question.",
                2: "Partly right: some of what the reference states, or right with a substantive error.",
                3: "Right: what the reference states, with minor gaps.",
                4: "Right and complete.",
            },
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


def word_overlap(answer: SafAnswer) -> float:
    """Plain word overlap: the share of the reference's content stems the answer uses."""
    reference = set(content_stems(answer.reference))
    return len(reference & set(content_stems(answer.response))) / max(1, len(reference))


def saf_split(split: str, grader: OfflineGrader, limit: int | None) -> dict[str, Any]:
    rows = load_split(SAF_ZIP, split)[:limit]
    started = time.perf_counter()
    cards = [grader.grade(as_drill(r), SAF_RUBRIC, [r.response]) for r in rows]
    gold_share = [r.score / r.max_score for r in rows]
    result = agreement_from_scores(
        [card.overall for card in cards],
        gold_share,
        [gold_to_level(r.score, r.max_score) for r in rows],
        [card.coverage or 0.0 for card in cards],
    )
    result["word_overlap_spearman"] = round(spearman([word_overlap(r) for r in rows], gold_share) or 0.0, 3)
    result["seconds_per_answer"] = round((time.perf_counter() - started) / max(1, len(rows)), 4)
    return result


def saf_llm(split: str, sample: int, record: Path | None, responses: Path | None) -> dict[str, Any]:
    """The LLM grader on a fixed random sample of a split, through the record / replay harness."""
    from bench.model_server import ModelServer
    from interviewer.backends.llm import OFFLINE_FALLBACK_FLAG, LlmConfig, LlmGrader

    rows = load_split(SAF_ZIP, split)
    rows = random.Random(13).sample(rows, min(sample, len(rows)))
    mode = "record" if record is not None else "replay"
    with ModelServer(mode, requests_dir=record, responses_dir=responses) as server:
        config = LlmConfig(base_url=server.base_url, model="capable-model", max_retries=0, timeout=30)
        grader = LlmGrader(config)
        cards = [grader.grade(as_drill(r), SAF_RUBRIC, [r.response]) for r in rows]
    if mode == "record":
        return {"recorded": len(set(server.recorded)), "into": str(record)}
    if server.misses:
        raise SystemExit(f"{len(server.misses)} SAF request(s) had no stored response, e.g. {server.misses[0]}")
    gold_share = [r.score / r.max_score for r in rows]
    # a criterion that fell back to the offline scorer is not the LLM's grade; other flags (say, the
    # LLM and the offline scorer disagree) are notes on a real LLM grade and keep it
    llm = [None if any(OFFLINE_FALLBACK_FLAG in f for f in c.flags) else c.overall for c in cards]
    offline = OfflineGrader()
    offline_scores = [offline.grade(as_drill(r), SAF_RUBRIC, [r.response]).overall for r in rows]
    keep = [i for i, v in enumerate(llm) if v is not None]
    return {
        "n": len(rows),
        "llm_scored": len(keep),
        "llm_spearman": round(spearman([llm[i] for i in keep], [gold_share[i] for i in keep]) or 0.0, 3),  # type: ignore[misc]
        "offline_spearman_same_rows": round(
            spearman([offline_scores[i] or 1.0 for i in keep], [gold_share[i] for i in keep]) or 0.0, 3
        ),
        "word_overlap_spearman_same_rows": round(
            spearman([word_overlap(rows[i]) for i in keep], [gold_share[i] for i in keep]) or 0.0, 3
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["corpus", "saf"], default=None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--saf-splits", nargs="*", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--saf-limit", type=int, default=None, help="first N answers per split")
    parser.add_argument("--saf-sample", type=int, default=120)
    parser.add_argument("--llm-record", type=Path, default=None)
    parser.add_argument("--llm-responses", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    catalog = load_catalog()
    if args.only in (None, "corpus"):
        pairs = [p for p in load_pairs(PAIRS) if p.case in catalog.cases]
        graded = [g for g in load_graded(GRADED) if g.case in catalog.cases]
        statements = [m for m in load_misconception_statements() if m.case in catalog.cases]
        items = fit_scorer.corpus_features(graded, catalog)
        report.update(fit_scorer.cross_validate(pairs, items, catalog, args.folds, statements))
    if args.only in (None, "saf"):
        if not SAF_ZIP.exists():
            report["saf"] = f"skipped: SAF data not found at {SAF_ZIP}"
        elif args.llm_record:
            report["saf_llm_unseen_questions"] = saf_llm("unseen_questions", args.saf_sample, args.llm_record, None)
        else:
            grader = OfflineGrader()
            report["saf"] = {split: saf_split(split, grader, args.saf_limit) for split in args.saf_splits}
            if args.llm_responses:
                report["saf_llm_unseen_questions"] = saf_llm(
                    "unseen_questions", args.saf_sample, None, args.llm_responses
                )
    print(json.dumps(report, indent=1) if args.json else _text(report))
    return 0


def _text(report: dict[str, Any]) -> str:
    lines = []
    for section, value in report.items():
        lines.append(f"== {section}")
        lines.append(json.dumps(value, indent=1) if not isinstance(value, str) else value)
    return "\n".join(lines)


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
