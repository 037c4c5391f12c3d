"""Offline scorer speed: model load time, and the time to score a 400-word answer (median of 20).

    .venv/bin/python bench/speed.py [--runs 20]

Targets (issue 2): load under 2 s; scoring under 300 ms once the model is loaded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from interviewer.backends.offline import OfflineGrader  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.embeddings import Embedder  # noqa: E402

CASE_ID = "hierarchical-demand-forecasting"
ANSWERS = Path(__file__).resolve().parent.parent / "tests" / "content" / "answers"


def four_hundred_words(case_id: str) -> str:
    strong = yaml.safe_load((ANSWERS / f"{case_id}.yaml").read_text())["strong"]
    words = strong.split()
    while len(words) < 400:
        words += words
    return " ".join(words[:400])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    embedder = Embedder()
    load_s = time.perf_counter() - started

    catalog = load_catalog()
    case = catalog.case(CASE_ID)
    rubric = catalog.rubric_for(case)
    answer = four_hundred_words(CASE_ID)
    grader = OfflineGrader(embedder)
    grader.grade(case, rubric, ["warm-up: the case's key points get embedded once"])

    timings = []
    for run in range(args.runs):
        # A new answer each run, so nothing about the answer is cached.
        text = f"Attempt {run}. {answer}"
        started = time.perf_counter()
        grader.grade(case, rubric, [text])
        timings.append(time.perf_counter() - started)
    print(f"model load: {load_s * 1000:.0f} ms (target < 2000 ms)")
    print(
        f"score a 400-word answer ({case.id}, {sum(len(p) for p in case.key_points.values())} key points): "
        f"median {statistics.median(timings) * 1000:.0f} ms, p90 "
        f"{sorted(timings)[int(0.9 * len(timings)) - 1] * 1000:.0f} ms over {args.runs} runs (target < 300 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
