"""Points heard only through a window of several sentences: does the passage state them?

Scores every row of bench/corpus/windows/judged.jsonl (see its README) under the current engine and
prints how the judge labelled the rows the engine hears (credit >= 0.5) and those it does not.

    .venv/bin/python bench/window_judgement.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus_data import GRADED, load_graded  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.embeddings import shared_embedder  # noqa: E402
from interviewer.evidence import HEARD, match_points  # noqa: E402

JUDGED = Path(__file__).resolve().parent / "corpus" / "windows" / "judged.jsonl"
LABELS = ("states", "partly", "no")


def main() -> int:
    catalog = load_catalog()
    answers = {g.id: g for g in load_graded(GRADED)}
    embedder = shared_embedder()
    rows = [json.loads(line) for line in JUDGED.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts: Counter[tuple[bool, str]] = Counter()
    for row in rows:
        case = catalog.case(row["case"])
        [match] = match_points([row["point"]], answers[row["answer"]].turns, embedder, case.prompt)
        counts[(match.credit >= HEARD, row["label"])] += 1
    for heard in (True, False):
        total = sum(n for (h, _), n in counts.items() if h == heard)
        shares = ", ".join(f"{label} {counts[(heard, label)]}" for label in LABELS)
        print(f"{'heard' if heard else 'not heard'}: {total} rows; judged {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
