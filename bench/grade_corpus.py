"""Grade the corpus with the LLM grader (the teacher) through the record / replay harness.

    # 1. record the grader's requests (placeholders answer them)
    .venv/bin/python bench/grade_corpus.py record --requests bench/corpus/requests/grader-v2
    # 2. a capable model answers bench/model_server.py batches of them into RESPONSES
    # 3. replay: the real grader parses, verifies quotes and gates; the grades land in graded.jsonl
    .venv/bin/python bench/grade_corpus.py replay --responses bench/corpus/responses/grader-v2

Replay fails (exit 1, listing the request keys) when any request has no stored response. Both read
the library from frozen copies (bench/corpus/content-v2a, -v2b, -v3: cases/ and rubrics/ as they were
when the requests were recorded; record uses the last, replay tries them in order), so later edits to
cases/ do not change the prompts being replayed. To grade answers added later, copy the library into
a new content-vN, add it to bench/corpus_data.CONTENTS and record with --content and --cases.
`--cases a,b` limits the run to some cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus_data import CONTENTS, GRADED, TEACHER, CorpusAnswer, load_answers, target_level  # noqa: E402
from bench.model_server import ModelServer  # noqa: E402
from interviewer.backends.llm import GRADER_PROMPT_VERSION, LlmConfig, LlmGrader  # noqa: E402
from interviewer.catalog import Catalog, load_catalog  # noqa: E402
from interviewer.models import AnyCase, CriterionScore, Level, Rubric, ScoreCard  # noqa: E402


class _NoOfflineEvidence:
    """Stands in for the offline scorer inside the LLM grader here: the teacher's levels do not depend
    on it (it only fills coverage fields and a fallback, and a fallback is never a teacher level), and
    skipping its embedding pass makes a replay of thousands of requests quick."""

    def grade(self, case: AnyCase, rubric: Rubric, answers: Sequence[str], level: Level = "mid") -> ScoreCard:
        criteria = [
            CriterionScore(id=c.id, title=c.title, weight=c.weight, core=c.core, level=None) for c in rubric.criteria
        ]
        return ScoreCard(case=case.id, rubric=rubric.id, level=level, overall=None, verdict="unscored",
                         verdict_reason="", criteria=criteria)


def grade_all(
    answers: list[CorpusAnswer], catalogs: Sequence[Catalog], server: ModelServer
) -> tuple[list[dict[str, object]], list[tuple[str, str]]]:
    """The teacher's grade of every (answer, criterion) whose request has a stored reply under one of
    the library versions the requests were recorded with (tried in order), and the pairs without."""
    config = LlmConfig(base_url=server.base_url, api_key=None, model="capable-model", max_retries=0, timeout=30)
    rows: list[dict[str, object]] = []
    missing: list[tuple[str, str]] = []
    for answer in answers:
        levels: dict[str, int | None] = {}
        quotes: dict[str, list[str]] = {}
        target = None
        for criterion_id in catalogs[-1].rubric_for(catalogs[-1].case(answer.case)).criterion_ids:
            for catalog in catalogs:
                case = catalog.cases.get(answer.case)
                if case is None:
                    continue
                rubric = catalog.rubric_for(case)
                if criterion_id not in rubric.criterion_ids:
                    continue
                one = rubric.model_copy(update={"criteria": [rubric.criterion(criterion_id)]})
                before = len(server.misses)
                # a fresh grader per request: a miss must not move the next request down the format ladder
                grader = LlmGrader(config, offline=_NoOfflineEvidence())  # type: ignore[arg-type]
                target = target_level(case)
                card = grader.grade(case, one, answer.turns, target)
                if len(server.misses) == before:
                    levels[criterion_id] = card.criteria[0].level
                    quotes[criterion_id] = card.criteria[0].evidence
                    break
            else:
                missing.append((answer.id, criterion_id))
        if levels:
            rows.append(graded_row(answer, target or "mid", levels, quotes))
    return rows, missing


def graded_row(
    answer: CorpusAnswer, target: str, levels: dict[str, int | None], quotes: dict[str, list[str]]
) -> dict[str, object]:
    return {
        "id": answer.id,
        "case": answer.case,
        "style": answer.style,
        "target": target,
        "turns": answer.turns,
        "levels": levels,
        "quotes": quotes,
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
        "--content", type=Path, nargs="+", default=list(CONTENTS),
        help="the cases/ and rubrics/ the requests were recorded with (frozen copies, so later edits "
             "to the library do not change the prompts being replayed), tried in order",
    )
    args = parser.parse_args()
    catalogs = [load_catalog(folder / "cases", folder / "rubrics") for folder in args.content]
    catalog = catalogs[-1]
    answers = load_answers()
    if args.cases:
        wanted = set(args.cases.split(","))
        answers = [a for a in answers if a.case in wanted]
    unknown = sorted({a.case for a in answers} - set(catalog.cases))
    if unknown:
        print(f"corpus answers for unknown cases: {', '.join(unknown)}", file=sys.stderr)
        return 1
    with ModelServer(args.mode, args.requests, args.responses) as server:
        rows, missing = grade_all(answers, catalogs if args.mode == "replay" else [catalog], server)
    if args.mode == "record":
        print(f"recorded {len(set(server.recorded))} requests for {len(answers)} answers in {args.requests}")
        return 0
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    graded = sum(len(r["levels"]) for r in rows)  # type: ignore[arg-type]
    print(f"graded {graded} criteria of {len(rows)} answers ({len(server.served)} replies served) -> {args.out}")
    if missing:
        cases = sorted({answer_id.split("--")[0] for answer_id, _ in missing})
        print(
            f"{len(missing)} (answer, criterion) pairs had no stored reply under any recorded library "
            f"version; re-record them with --cases {','.join(cases)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
