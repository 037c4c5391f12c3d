"""Review: the history of interviews; one session's feedback, evidence in the transcript, time per
phase, the model answer and exports; progress per criterion over time; two attempts compared."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.ui import (
    VERDICT_LABELS,
    clock,
    close_session,
    level_text,
    open_session,
    plain,
    render_transcript,
    service,
    user_id,
)
from app_pages.voice import delivery_section
from interviewer.models import ScoreCard, SessionInfo
from interviewer.progress import attempts, criterion_rows
from interviewer.report import report_html, report_json, report_markdown
from interviewer.review import compare_cards, evidence_by_turn, phase_rows
from interviewer.service import InterviewService

OPEN_KEY = "review_open"  # set by other pages: the session to show first


def duration_text(session: SessionInfo) -> str:
    return clock(session.duration_s) if session.duration_s is not None else ""


def history(svc: InterviewService, sessions: list[SessionInfo], title) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for session in sessions:
        card = svc.store.scorecard(session.id)
        rows.append(
            {
                "Date (UTC)": session.created_at.replace("T", " ")[:16],
                "Case": title(session.case_id),
                "Level": session.level,
                "Duration": duration_text(session) or session.status,
                "Overall": card.overall if card else None,
                "Verdict": VERDICT_LABELS.get(card.verdict, card.verdict) if card else "",
                "Session": session.id,
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")


def criteria_table(card: ScoreCard) -> None:
    st.dataframe(
        [
            {
                "Criterion": c.title,
                "Core": "yes" if c.core else "",
                "Level": level_text(c.level),
                "What this level means": c.descriptor,
                f"The bar at {card.level}": c.bar,
            }
            for c in card.criteria
        ],
        hide_index=True,
        width="stretch",
    )


def session_detail(svc: InterviewService, session_id: str) -> None:
    session = svc.store.session(session_id)
    case = svc.catalog.cases.get(session.case_id)
    turns = svc.store.turns(session_id)
    card = svc.store.scorecard(session_id)
    st.subheader(plain(case.title if case else session.case_id))
    st.caption(f"{session.created_at[:16].replace('T', ' ')} UTC · level {session.level} · "
               f"{session.backend} · session {session.id}")

    retry, resume, score = st.columns(3)
    if case is not None and retry.button("Retry this case", key="review_retry", icon=":material/replay:"):
        close_session()
        st.session_state["practice_retry"] = case.id
        st.switch_page("app_pages/practice.py")
    if session.status == "active" and resume.button("Continue in Practice", key="review_resume"):
        open_session(session_id)
        st.switch_page("app_pages/practice.py")
    if card is None and session.status == "finished" and score.button("Score it now", key="review_score"):
        with st.spinner("Scoring against the rubric..."):
            svc.score_session(session_id)
        st.rerun()

    if card is not None:
        verdict, overall, duration = st.columns(3)
        verdict.metric("Verdict", VERDICT_LABELS.get(card.verdict, card.verdict))
        overall.metric("Overall", "not scored" if card.overall is None else f"{card.overall:.2f} / 4")
        duration.metric("Duration", duration_text(session) or "running")
        if card.verdict_reason:
            st.markdown(plain(card.verdict_reason))
        criteria_table(card)
        if card.actions:
            st.markdown("**Next time**")
            st.markdown("\n".join(f"{i}. {plain(a)}" for i, a in enumerate(card.actions[:3], 1)))
    elif session.status == "active":
        st.info("This interview is still running; its feedback comes when it ends.")

    if case is not None:
        end = session.duration_s if session.duration_s is not None else (turns[-1].at_s if turns else 0.0)
        st.markdown("**Time per phase**")
        st.dataframe(
            phase_rows(case, turns, end, svc.store.time_extension_s(session_id)),
            hide_index=True, width="stretch",
        )

    delivery_section(svc.spoken_answers(session_id))

    with st.expander("Transcript, with the evidence for each criterion where you said it", expanded=True):
        render_transcript(turns, evidence_by_turn(turns, card))
    notes = svc.store.notes(session_id)
    if notes.strip():
        with st.expander("Your notes and diagram"):
            st.code(notes, language=None)

    if case is not None and case.model_answer:
        if session.status == "finished":
            with st.expander("Model answer: what a strong answer covers"):
                st.markdown(plain(case.model_answer))
        else:
            st.caption("The model answer shows once this attempt has ended.")

    md, js, page = st.columns(3)
    md.download_button(
        "Export Markdown", data=report_markdown(svc.store, svc.catalog, session_id),
        file_name=f"interview-{session_id}.md", mime="text/markdown", key="review_export_md",
        icon=":material/download:",
    )
    js.download_button(
        "Export JSON", data=report_json(svc.store, svc.catalog, session_id),
        file_name=f"interview-{session_id}.json", mime="application/json", key="review_export_json",
        icon=":material/download:",
    )
    page.download_button(
        "Export HTML (print to PDF)", data=report_html(svc.store, svc.catalog, session_id),
        file_name=f"interview-{session_id}.html", mime="text/html", key="review_export_html",
        icon=":material/download:",
    )


def progress(svc: InterviewService) -> None:
    st.header("Progress per criterion")
    rows = criterion_rows(attempts(svc.store, user_id()))
    if not rows:
        st.caption("Score an interview to start the chart.")
        return
    frame = pd.DataFrame(rows)
    wide = frame.pivot_table(index="attempt", columns="criterion", values="level", aggfunc="mean")
    if len(wide) < 2:
        st.caption("One scored attempt so far; the chart needs two.")
    st.line_chart(wide, x_label="Attempt", y_label="Level (1-4)")


def compare(svc: InterviewService, title) -> None:  # type: ignore[no-untyped-def]
    scored = [a for a in reversed(attempts(svc.store, user_id()))]
    st.header("Compare two attempts")
    if len(scored) < 2:
        st.caption("Two scored attempts are needed to compare.")
        return
    by_id = {a.session.id: a for a in scored}
    label = {i: f"{a.session.created_at[:16].replace('T', ' ')} · {title(a.session.case_id)} · {i}"
             for i, a in by_id.items()}
    ids = list(by_id)
    left, right = st.columns(2)
    a_id = left.selectbox("Attempt A", ids, index=1, format_func=label.__getitem__, key="review_compare_a")
    b_id = right.selectbox("Attempt B", ids, index=0, format_func=label.__getitem__, key="review_compare_b")
    for column, attempt_id in ((left, a_id), (right, b_id)):
        card = by_id[attempt_id].card
        column.metric("Verdict", VERDICT_LABELS.get(card.verdict, card.verdict))
        column.metric("Overall", "not scored" if card.overall is None else f"{card.overall:.2f}")
    st.dataframe(compare_cards(by_id[a_id].card, by_id[b_id].card), hide_index=True, width="stretch")


def main() -> None:
    svc = service()
    st.title("Review")
    sessions = svc.history(user_id())
    if not sessions:
        st.info("No interviews yet. Start one on the Practice page.")
        return

    def title(case_id: str) -> str:
        case = svc.catalog.cases.get(case_id)
        return case.title if case else case_id

    history(svc, sessions, title)
    by_id = {s.id: s for s in sessions}
    wanted = st.session_state.pop(OPEN_KEY, None)
    if wanted in by_id:
        st.session_state["review_session"] = wanted
    chosen = st.selectbox(
        "Session",
        list(by_id),
        format_func=lambda i: f"{by_id[i].created_at[:16].replace('T', ' ')} · {title(by_id[i].case_id)} · {i}",
        key="review_session",
    )
    session_detail(svc, chosen)
    progress(svc)
    compare(svc, title)


main()
