"""Grade the corpus with the LLM grader (the teacher) through the record / replay harness.

    # 1. record the grader's requests (placeholders answer them)
    .venv/bin/python bench/grade_corpus.py record --requests bench/corpus/requests/grader-v2
    # 2. a capable model answers bench/model_server.py batches of them into RESPONSES
    # 3. replay: the real grader parses, verifies quotes and gates; the grades land in graded.jsonl
    .venv/bin/python bench/grade_corpus.py replay --responses bench/corpus/responses/grader-v2

Replay fails (exit 1, listing the request keys) when any request has no stored response. Both read
the library from a frozen copy (bench/corpus/content-v2: cases/ and rubrics/ as they were when the
requests were recorded), so later edits to cases/ do not change the prompts being replayed.
`--cases a,b` limits the run to some cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus_data import CONTENT, GRADED, TEACHER, CorpusAnswer, load_answers, target_level  # noqa: E402
from bench.model_server import ModelServer  # noqa: E402
from interviewer.backends.llm import GRADER_PROMPT_VERSION, OFFLINE_FALLBACK_FLAG, LlmConfig, LlmGrader  # noqa: E402
from interviewer.catalog import Catalog, load_catalog  # noqa: E402
from interviewer.models import ScoreCard  # noqa: E402


def grade_all(
    answers: list[CorpusAnswer], catalog: Catalog, server: ModelServer
) -> tuple[list[tuple[CorpusAnswer, ScoreCard]], list[CorpusAnswer]]:
    """Each answer's card, and the answers some of whose requests had no stored reply."""
    config = LlmConfig(base_url=server.base_url, api_key=None, model="capable-model", max_retries=0, timeout=30)
    graded, incomplete = [], []
    for answer in answers:
        grader = LlmGrader(config)  # a fresh grader: one answer's misses must not move the next one's rung
        case = catalog.case(answer.case)
        before = len(server.misses)
        card = grader.grade(case, catalog.rubric_for(case), answer.turns, target_level(case))
        if len(server.misses) > before:
            incomplete.append(answer)
        else:
            graded.append((answer, card))
    return graded, incomplete


def _offline_scored(card: ScoreCard) -> set[str]:
    return {f.split(":")[0] for f in card.flags if OFFLINE_FALLBACK_FLAG in f}


def graded_row(answer: CorpusAnswer, card: ScoreCard) -> dict[str, object]:
    return {
        "id": answer.id,
        "case": answer.case,
        "style": answer.style,
        "target": card.level,
        "turns": answer.turns,
        # only the teacher's own levels: a criterion the offline scorer stood in for is left out
        "levels": {c.id: c.level for c in card.criteria if c.id not in _offline_scored(card)},
        "quotes": {c.id: c.evidence for c in card.criteria},
        "overall": card.overall,
        "verdict": card.verdict,
        "prompt_version": GRADER_PROMPT_VERSION,
        "grader": TEACHER.format(version=GRADER_PROMPT_VERSION),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["record", "replay"])
    parser.add_argument("--requests", type=Path)
    parser.add_argument("--responses", type=Path)
    parser.add_argument("--cases", default="", help="comma-separated case ids (default: all)")
    parser.add_argument("--out", type=Path, default=GRADED)
    parser.add_argument(
        "--content", type=Path, default=CONTENT,
        help="the cases/ and rubrics/ the requests were recorded with (a frozen copy, so later edits "
             "to the library do not change the prompts being replayed)",
    )
    args = parser.parse_args()
    catalog = load_catalog(args.content / "cases", args.content / "rubrics")
    answers = load_answers()
    if args.cases:
        wanted = set(args.cases.split(","))
        answers = [a for a in answers if a.case in wanted]
    unknown = sorted({a.case for a in answers} - set(catalog.cases))
    if unknown:
        print(f"corpus answers for unknown cases: {', '.join(unknown)}", file=sys.stderr)
        return 1
    with ModelServer(args.mode, args.requests, args.responses) as server:
        graded, incomplete = grade_all(answers, catalog, server)
    if args.mode == "record":
        print(f"recorded {len(set(server.recorded))} requests for {len(answers)} answers in {args.requests}")
        return 0
    rows = [graded_row(answer, card) for answer, card in graded]
    if incomplete:
        cases = sorted({a.case for a in incomplete})
        print(
            f"{len(incomplete)} answer(s) had requests with no stored response ({len(set(server.misses))} "
            f"requests) and are left out: {', '.join(a.id for a in incomplete)}\nre-record with "
            f"--cases {','.join(cases)}",
            file=sys.stderr,
        )
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    withdrawn = sum(1 for _, card in graded for f in card.flags if "withdrawn" in f)
    print(f"graded {len(rows)} answers ({len(server.served)} replies served, {withdrawn} levels withdrawn) -> {args.out}")
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
