"""Concurrent simulated candidates through the service layer (offline backend, one SQLite file,
or one PostgreSQL database with --database-url).

Each candidate runs its own interview in its own thread: start, scripted answers, finish and score.
Prints p50/p95 turn latency and checks that no answer was lost or landed in another session.

    .venv/bin/python bench/load.py [--candidates 20] [--turns 6] [--db PATH | --database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.backends.offline import OfflineGrader, OfflineInterviewer  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.service import InterviewService  # noqa: E402
from interviewer.store import Store  # noqa: E402

CASES = ["drill-kv-cache", "hierarchical-demand-forecasting", "realtime-eta-service", "otif-drop-diagnosis"]


@dataclass
class Outcome:
    latencies_s: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def candidate(service: InterviewService, number: int, turns: int, outcome: Outcome) -> None:
    case_id = CASES[number % len(CASES)]
    session = service.start(case_id)
    said = [f"Candidate {number} answer {k}: I would measure WAPE weekly because stock-outs cost "
            f"{k + 2} times more than overstock, and start with a seasonal baseline." for k in range(turns)]
    for k, text in enumerate(said):
        started = time.perf_counter()
        service.submit(session.id, text, at_s=60.0 * (k + 1))
        outcome.latencies_s.append(time.perf_counter() - started)
    service.finish(session.id, at_s=60.0 * (turns + 1))
    stored = [t.text for t in service.store.turns(session.id) if t.role == "candidate"]
    if stored != said:
        outcome.problems.append(f"session {session.id} (candidate {number}): answers lost or crossed")
    if service.store.scorecard(session.id) is None:
        outcome.problems.append(f"session {session.id}: no score card")


def run(candidates: int, turns: int, db: Path | str) -> Outcome:
    grader = OfflineGrader()
    grader.grade(*_warm_up())  # load the model once before the clock starts
    service = InterviewService(load_catalog(), Store(db), OfflineInterviewer(), grader, offline_grader=grader)
    outcome = Outcome()
    threads = [
        threading.Thread(target=candidate, args=(service, n, turns, outcome)) for n in range(candidates)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _warm_up() -> tuple:  # type: ignore[type-arg]
    catalog = load_catalog()
    case = catalog.case(CASES[0])
    return case, catalog.rubric_for(case), ["warm-up"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--database-url", default=None,
                        help="postgresql://USER:PASSWORD@HOST:PORT/DATABASE (an empty database or schema)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.database_url or args.db or Path(folder) / "load.sqlite3"
        started = time.perf_counter()
        outcome = run(args.candidates, args.turns, db)
        wall = time.perf_counter() - started
    latencies = sorted(outcome.latencies_s)
    p95 = latencies[max(0, int(0.95 * len(latencies)) - 1)]
    print(
        f"{args.candidates} candidates x {args.turns} turns in {wall:.1f} s: turn latency "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
        f"{len(latencies)} turns, {len(outcome.problems)} lost or crossed"
    )
    for problem in outcome.problems:
        print(f"PROBLEM: {problem}")
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
