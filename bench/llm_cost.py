"""Token cost of the openai backend: a scripted 10-turn interview and its grading pass.

    .venv/bin/python bench/llm_cost.py [--case realtime-eta-service] [--turns 10] [--json]

Runs against the loopback stub server (tests/openai_stub.py, started in-process; it counts a token
as 4 characters) unless OPENAI_BASE_URL is set, in which case it uses that endpoint with
OPENAI_API_KEY and INTERVIEWER_MODEL (real token counts, real money). Prints prompt, completion and
cached prompt tokens per interviewer turn, per grading call and per interview, and the share of the
prompt that is the stable prefix (persona + case brief for turns, grader instructions for grading),
which is what a provider's prompt cache can reuse.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from interviewer.backends.llm import CallRecord, LlmConfig, LlmGrader, LlmInterviewer  # noqa: E402
from interviewer.backends.offline import OfflineGrader  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.service import InterviewService  # noqa: E402
from interviewer.store import Store  # noqa: E402
from tests.openai_stub import Reply, StubServer  # noqa: E402

ANSWERS = ROOT / "tests" / "content" / "answers"
STUB_QUESTION = (
    "You said you'd predict a distribution rather than a point. Which number from it would the ops "
    "desk act on, and at what threshold would you raise an alert?"
)


def stub_responder(body: dict[str, Any]) -> Reply:
    """A question of typical length for turns; a valid grade quoting the first answer for grading."""
    text = "".join(str(m.get("content", "")) for m in body.get("messages", []))
    if "<<<CANDIDATE turn 1\n" not in text:
        return Reply(content=STUB_QUESTION)
    first = text.split("<<<CANDIDATE turn 1\n", 1)[1].split("\nCANDIDATE>>>", 1)[0]
    grade = json.dumps(
        {"quotes": [" ".join(first.split()[:12])], "rationale": "Meets the anchor for level 3; "
         "the quoted plan is specific but the trade-offs stay implicit.", "level": 3}
    )
    return Reply(content=grade if body.get("response_format") else f"JSON: {grade}")


def script(case_id: str, turns: int) -> list[str]:
    """One clarifying question, then the case's strong answer cut into turns of whole sentences."""
    strong = yaml.safe_load((ANSWERS / f"{case_id}.yaml").read_text(encoding="utf-8"))["strong"]
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(strong.split()))
    count = max(1, min(turns - 1, len(sentences)))
    bounds = [round(i * len(sentences) / count) for i in range(count + 1)]
    parts = [" ".join(sentences[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    return ["How many loads are in transit at any one time?", *parts][:turns]


def totals(records: Sequence[CallRecord]) -> dict[str, Any]:
    prompt = sum(r.prompt_tokens or 0 for r in records)
    completion = sum(r.completion_tokens or 0 for r in records)
    cached = sum(r.cached_tokens or 0 for r in records)
    # The prefix's share of each prompt, by characters, weighted by that prompt's tokens.
    prefix = sum((r.prompt_tokens or 0) * r.prefix_chars / max(1, r.prompt_chars) for r in records)
    return {
        "calls": len(records),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "cached_prompt_tokens": cached,
        "stable_prefix_share": round(prefix / prompt, 3) if prompt else None,
        "cached_share": round(cached / prompt, 3) if prompt else None,
    }


def run(case_id: str, turns: int, config: LlmConfig) -> dict[str, Any]:
    catalog = load_catalog()
    case = catalog.case(case_id)
    offline = OfflineGrader()
    interviewer = LlmInterviewer(config)
    grader = LlmGrader(config, offline)
    with tempfile.TemporaryDirectory() as tmp:
        service = InterviewService(
            catalog, Store(Path(tmp) / "bench.sqlite3"), interviewer, grader, offline_grader=offline
        )
        session = service.start(case_id)
        every = case.duration_min * 60 / (turns + 1)
        rows = []
        for number, said in enumerate(script(case_id, turns), start=1):
            if service.store.session(session.id).status == "finished":
                break
            before = len(interviewer.calls)
            (turn,) = service.submit(session.id, said, at_s=every * number)
            record = interviewer.calls[-1] if len(interviewer.calls) > before else None
            rows.append({"turn": number, "move": turn.kind, "source": turn.source,
                         **(asdict(record) if record else {})})
        card = service.finish(session.id, at_s=every * (turns + 1))
    turn_records = list(interviewer.calls)
    grade_records = list(grader.calls)
    return {
        "case": case_id,
        "endpoint": config.base_url or "api.openai.com",
        "model": config.model,
        "turns": rows,
        "per_interview_turns": totals(turn_records),
        "grading": totals(grade_records),
        "grading_rung": grader.rung,
        "per_interview_total": totals(turn_records + grade_records),
        "verdict": card.verdict,
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"case {result['case']} · model {result['model']} · endpoint {result['endpoint']}")
    print(f"{'turn':>4} {'move':14} {'source':22} {'prompt':>7} {'compl':>6} {'cached':>7} {'prefix':>7}")
    for row in result["turns"]:
        share = row["prefix_chars"] / row["prompt_chars"] if row.get("prompt_chars") else None
        print(
            f"{row['turn']:>4} {row['move']:14} {row['source'][:22]:22} "
            f"{row.get('prompt_tokens') or '-':>7} {row.get('completion_tokens') or '-':>6} "
            f"{row.get('cached_tokens') if row.get('cached_tokens') is not None else '-':>7} "
            f"{f'{share:.0%}' if share is not None else '-':>7}"
        )
    for label in ("per_interview_turns", "grading", "per_interview_total"):
        t = result[label]
        print(
            f"{label:20} calls {t['calls']:>3}  prompt {t['prompt_tokens']:>7}  completion "
            f"{t['completion_tokens']:>6}  cached {t['cached_prompt_tokens']:>7}  stable prefix "
            f"{t['stable_prefix_share']}  cached share {t['cached_share']}"
        )
    print(f"grading used structured-output rung: {result['grading_rung']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--case", default="realtime-eta-service")
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if os.environ.get("OPENAI_BASE_URL"):
        result = run(args.case, args.turns, LlmConfig.load())
    else:
        with StubServer(responder=stub_responder) as stub:
            config = LlmConfig(api_key=None, base_url=stub.base_url, model="stub", max_retries=0,
                               timeout=10.0)
            result = run(args.case, args.turns, config)
            result["endpoint"] = "loopback stub (tokens = chars // 4)"
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
