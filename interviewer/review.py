"""What the review page shows about one session, computed from the store's records (no Streamlit):
where each criterion's evidence was said, time per phase against its budget, two attempts side by side."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from interviewer.models import AnyCase, ScoreCard, Turn
from interviewer.session import time_per_phase

_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Highlight:
    criterion: str  # criterion title
    level: int | None
    quote: str


def evidence_by_turn(turns: Sequence[Turn], card: ScoreCard | None) -> dict[int, list[Highlight]]:
    """For each candidate turn index, the evidence quotes that were said in it (first match wins;
    a quote found in no turn is left out here and still shows on the score card)."""
    found: dict[int, list[Highlight]] = {}
    if card is None:
        return found
    answers = [(t.index, _norm(t.text)) for t in turns if t.role == "candidate"]
    for criterion in card.criteria:
        for quote in criterion.evidence:
            needle = _norm(quote)
            if not needle:
                continue
            for index, text in answers:
                if needle in text:
                    found.setdefault(index, []).append(Highlight(criterion.title, criterion.level, quote))
                    break
    return found


def phase_rows(
    case: AnyCase, turns: Sequence[Turn], end_s: float, time_extension_s: float = 0.0,
    current: str | None = None,
) -> list[dict[str, object]]:
    """One row per phase: budget and time used, in minutes. Pass the case as the round ran it
    (service.with_phase_extensions) for extra time per phase; time_extension_s is the old
    per-round extension, which went to the last phase."""
    plan = case.plan()
    used = time_per_phase(case, turns, end_s)
    ids = [p.id for p in plan]
    at = ids.index(current) if current in ids else None
    rows: list[dict[str, object]] = []
    for number, phase in enumerate(plan):
        budget = phase.minutes * 60 + (time_extension_s if number == len(plan) - 1 else 0.0)
        spent = used.get(phase.id, 0.0)
        if at is None:
            status = "done" if spent else "skipped"
        else:
            status = "done" if number < at else "now" if number == at else "next"
        rows.append(
            {
                "Phase": phase.title,
                "Budget (min)": round(budget / 60, 1),
                "Used (min)": round(spent / 60, 1),
                "Over": spent > budget,
                "Status": status,
            }
        )
    return rows


def compare_cards(a: ScoreCard, b: ScoreCard) -> list[dict[str, object]]:
    """Criterion levels of two attempts side by side (criteria in a's order, then any only in b)."""
    b_by_id = {c.id: c for c in b.criteria}
    rows: list[dict[str, object]] = []
    for c in a.criteria:
        other = b_by_id.pop(c.id, None)
        rows.append({"Criterion": c.title, "A": c.level, "B": other.level if other else None})
    for c in b_by_id.values():
        rows.append({"Criterion": c.title, "A": None, "B": c.level})
    for row in rows:
        la, lb = row["A"], row["B"]
        row["Change"] = (lb - la) if isinstance(la, int) and isinstance(lb, int) else None
    return rows
