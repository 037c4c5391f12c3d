"""Feedback reports from the store: Markdown (jinja2 template) and JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from interviewer.catalog import Catalog
from interviewer.models import ScoreCard, SessionInfo, Turn
from interviewer.prompts import render
from interviewer.session import time_per_phase
from interviewer.store import Store


def session_report(store: Store, catalog: Catalog, session_id: str) -> dict[str, Any]:
    session = store.session(session_id)
    turns = store.turns(session_id)
    card = store.scorecard(session_id)
    case = catalog.cases.get(session.case_id)
    phases = time_per_phase(case, turns, session.duration_s) if case else {}
    return {
        "session": session.model_dump(),
        "case_title": case.title if case else session.case_id,
        "scorecard": card.model_dump() if card else None,
        "time_per_phase_s": phases,
        "phase_titles": {p.id: p.title for p in case.plan()} if case else {},
        "turns": [t.model_dump() for t in turns],
        "notes": store.notes(session_id),
        "model_answer": case.model_answer if case and session.status == "finished" else "",
    }


def report_json(store: Store, catalog: Catalog, session_id: str) -> str:
    return json.dumps(session_report(store, catalog, session_id), indent=2, ensure_ascii=False)


def report_markdown(store: Store, catalog: Catalog, session_id: str) -> str:
    return _render_report("report.md.j2", store, catalog, session_id)


def report_html(store: Store, catalog: Catalog, session_id: str) -> str:
    """A self-contained page (inline style, no scripts) that prints well to PDF from any browser."""
    return _render_report("report.html.j2", store, catalog, session_id)


def _render_report(template: str, store: Store, catalog: Catalog, session_id: str) -> str:
    data = session_report(store, catalog, session_id)
    card = ScoreCard.model_validate(data["scorecard"]) if data["scorecard"] else None
    titles: dict[str, str] = data["phase_titles"]
    return render(
        template,
        session=SessionInfo.model_validate(data["session"]),
        title=data["case_title"],
        card=card,
        turns=[Turn.model_validate(t) for t in data["turns"]],
        phases={titles.get(phase, phase): seconds for phase, seconds in data["time_per_phase_s"].items()},
        phase_titles=titles,
        notes=data["notes"],
        notes_fence=code_fence(data["notes"]),
        model_answer=data["model_answer"],
    )


def code_fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in the text, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)
