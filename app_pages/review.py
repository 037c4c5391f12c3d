"""Review: the history of interviews (finished, in progress, abandoned: resume or discard); one
session's report, verdict and the three actions first, then each criterion with its anchor, the bar
and the quotes that earned it; time per phase, the transcript with the evidence where it was said,
the notes drawn, the model answer and exports; progress over attempts; two attempts of one case
compared."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.ui import (
    LEVEL_NAMES,
    SESSION_KEY,
    VERDICT_LABELS,
    clock,
    close_session,
    level_text,
    open_session,
    plain,
    quote,
    render_pad,
    render_transcript,
    round_status,
    service,
    user_id,
)
from app_pages.voice import delivery_section
from interviewer.models import AnyCase, CriterionScore, Rubric, ScoreCard, SessionInfo
from interviewer.progress import Attempt, attempts, criterion_rows
from interviewer.report import report_html, report_json, report_markdown
from interviewer.review import compare_cards, evidence_by_turn, phase_rows
from interviewer.service import InterviewService, with_phase_extensions

OPEN_KEY = "review_open"  # set by other pages: the session to show first
STATUS_LABELS = {"finished": "finished", "in progress": "in progress", "abandoned": "abandoned",
                 "paused": "paused"}

Title = Callable[[str], str]


def duration_text(session: SessionInfo) -> str:
    return clock(session.duration_s) if session.duration_s is not None else ""


def status(svc: InterviewService, session: SessionInfo) -> str:
    """finished, in progress, paused (the round open in this browser, paused) or abandoned."""
    if session.status == "finished":
        return "finished"
    turns = svc.store.turns(session.id)
    paused = svc.is_paused(session.id)
    if paused and st.session_state.get(SESSION_KEY) == session.id:
        return "paused"
    return round_status(session, turns[-1].at_s if turns else 0.0, paused)


def when(session: SessionInfo) -> str:
    return session.created_at.replace("T", " ")[:16]


def history(svc: InterviewService, sessions: list[SessionInfo], title: Title,
            states: dict[str, str]) -> None:
    rows = []
    for session in sessions:
        card = svc.store.scorecard(session.id)
        rows.append(
            {
                "Date (UTC)": when(session),
                "Case": title(session.case_id),
                "Level": session.level,
                "Status": states[session.id],
                "Duration": duration_text(session) or "—",
                "Overall": f"{card.overall:.2f}" if card and card.overall is not None else "—",
                "Verdict": VERDICT_LABELS.get(card.verdict, card.verdict) if card else "—",
            }
        )
    st.dataframe(
        rows, hide_index=True, width="stretch",
        column_config={
            "Overall": st.column_config.TextColumn("Overall", help="Weighted mean level, out of 4"),
            "Case": st.column_config.TextColumn("Case", width="large"),
        },
    )


# -- one session ---------------------------------------------------------------------------------


def resume_round(svc: InterviewService, session_id: str) -> None:
    """Carry on an unfinished round where it was left: the clock resumes from the last answer."""
    if not svc.is_paused(session_id):
        turns = svc.store.turns(session_id)
        svc.store.set_paused(session_id, turns[-1].at_s if turns else 0.0)
    svc.resume(session_id)
    open_session(session_id)
    st.switch_page("app_pages/practice.py")


def discard_now(session_id: str) -> None:
    """The dialog's confirm button (a callback: it runs whether or not the dialog is redrawn)."""
    service().store.discard_session(session_id)
    if st.session_state.get(SESSION_KEY) == session_id:
        close_session()
    st.session_state.pop("review_session", None)


@st.dialog("Discard this round?")
def confirm_discard(session_id: str) -> None:
    if service().store.is_discarded(session_id):
        st.rerun()  # discarded by the confirm button: close the dialog
    st.write("It leaves your history and progress. Nothing is deleted from the database, but the "
             "app no longer shows it.")
    yes, no = st.columns(2)
    yes.button("Discard", type="primary", key="review_discard_confirm", on_click=discard_now,
               args=(session_id,))
    if no.button("Keep it", key="review_discard_cancel"):
        st.rerun()


def unfinished(svc: InterviewService, session: SessionInfo, state: str) -> None:
    view = svc.view(session.id, at_s=None)
    answers = sum(t.role == "candidate" for t in view.turns)
    left_at = view.turns[-1].at_s if view.turns else 0.0
    words = {"abandoned": "was left unfinished", "paused": "is paused",
             "in progress": "is still running"}[state]
    st.warning(
        f"This round {words}: {answers} answer{'s' if answers != 1 else ''}, last at "
        f"{clock(left_at)} of {view.state.round_budget_s / 60:g} minutes"
        + (f", in {plain(view.state.phase.title)}" if len(view.state.phases) > 1 else "")
        + ". Resume it where you left off, end it and get the feedback now, or discard it.",
        icon=":material/pending:",
    )
    row = st.container(horizontal=True, gap="small")
    resume, end, discard = row, row, row
    if resume.button("Resume", key="review_resume", type="primary", icon=":material/play_arrow:"):
        resume_round(svc, session.id)
    if end.button("End and score", key="review_end", icon=":material/stop_circle:"):
        with st.spinner("Scoring against the rubric..."):
            svc.finish(session.id, at_s=left_at)
        st.rerun()
    if discard.button("Discard", key="review_discard", icon=":material/delete:"):
        confirm_discard(session.id)


def criterion_block(c: CriterionScore, card: ScoreCard, rubric: Rubric | None, case: AnyCase | None) -> None:
    source = next((r for r in rubric.criteria if r.id == c.id), None) if rubric else None
    with st.container(border=True):
        core = " · :orange-badge[core]" if c.core else ""
        level = "not observed" if c.level is None else f"level {c.level} of 4, {LEVEL_NAMES[c.level]}"
        st.markdown(f"**{plain(c.title)}** · {level}{core}")
        left, right = st.columns([1, 1], gap="medium")
        with left:
            if c.descriptor:
                st.markdown(f"**What this level means:** {plain(c.descriptor)}")
            if c.bar:
                st.markdown(f"**The bar at {card.level}:** {plain(c.bar)}")
            strong = source.strong_expectations.get(card.level, "") if source else ""
            if strong:
                st.markdown(f"**Strong at {card.level}:** {plain(strong)}")
            example = case.criterion_examples.get(c.id, "") if case else ""
            if example:
                st.markdown(f"**In this case:** {plain(example)}")
            if c.rationale:
                st.caption(plain(c.rationale))
        with right:
            if c.evidence:
                st.markdown("**In your words**")
                for text in c.evidence:
                    st.markdown(quote(text))
            else:
                st.caption("No quote earned a level here.")
            if c.missing:
                st.markdown("**Not covered**")
                st.markdown("\n".join(f"- {plain(point)}" for point in c.missing))


def report(svc: InterviewService, card: ScoreCard, session: SessionInfo, case: AnyCase | None) -> None:
    verdict, overall, duration = st.columns(3)
    verdict.metric("Verdict", VERDICT_LABELS.get(card.verdict, card.verdict))
    overall.metric("Overall", "not scored" if card.overall is None else f"{card.overall:.2f} / 4")
    duration.metric("Duration", duration_text(session) or "running")
    if card.verdict_reason:
        st.markdown(plain(card.verdict_reason))
    if card.actions:
        with st.container(border=True):
            st.markdown("**Next time: three things to do**" if len(card.actions) == 3 else "**Next time**")
            st.markdown("\n".join(f"{i}. {plain(a)}" for i, a in enumerate(card.actions[:3], 1)))
    st.subheader(f"Per criterion, against the bar at {card.level}", anchor=False)
    st.caption("Levels: " + " · ".join(f"{n} {name}" for n, name in LEVEL_NAMES.items()) +
               ". Each level cites your own words.")
    rubric = svc.catalog.rubric_for(case) if case else None
    for c in card.criteria:
        criterion_block(c, card, rubric, case)
    for flag in card.flags:
        st.caption(plain(flag))


def session_detail(svc: InterviewService, session_id: str, state: str) -> None:
    session = svc.store.session(session_id)
    case = svc.catalog.cases.get(session.case_id)
    turns = svc.store.turns(session_id)
    card = svc.store.scorecard(session_id)
    st.subheader(plain(case.title if case else session.case_id))
    st.caption(f"{when(session)} UTC · level {session.level} · {session.backend} · {state} · "
               f"session {session.id}")

    if session.status == "active" and case is not None:
        unfinished(svc, session, state)
    elif card is None and session.status == "finished":
        st.info("This round ended without a score card.")
        if st.button("Score it now", key="review_score", type="primary"):
            with st.spinner("Scoring against the rubric..."):
                svc.score_session(session_id)
            st.rerun()
    if card is not None:
        report(svc, card, session, case)

    if case is not None:
        end = session.duration_s if session.duration_s is not None else (turns[-1].at_s if turns else 0.0)
        if len(case.plan()) > 1:
            st.subheader("Time per phase", anchor=False)
            ran = with_phase_extensions(case, svc.store.phase_extensions(session_id))
            current = svc.view(session_id).state.phase.id if session.status == "active" else None
            rows = phase_rows(ran, turns, end, svc.store.time_extension_s(session_id), current)
            st.dataframe(
                [{**row, "Over": "over" if row["Over"] else ""} for row in rows],
                hide_index=True, width="stretch",
            )

    delivery_section(svc.spoken_answers(session_id))

    with st.expander("Transcript, with the evidence for each criterion where you said it",
                     expanded=card is None):
        render_transcript(turns, evidence_by_turn(turns, card))
    notes = svc.store.notes(session_id)
    if notes.strip():
        with st.expander("Your notes and diagram", expanded=True):
            render_pad(notes)

    if case is not None and case.model_answer:
        if session.status == "finished":
            with st.expander("Model answer: what a strong answer covers"):
                st.markdown(plain(case.model_answer))
        else:
            st.caption("The model answer shows once this attempt has ended.")

    row = st.container(horizontal=True, gap="small")
    if case is not None and row.button("Retry this case", key="review_retry", icon=":material/replay:"):
        close_session()
        st.session_state["practice_retry"] = case.id
        st.switch_page("app_pages/practice.py")
    row.download_button(
        "Export Markdown", data=report_markdown(svc.store, svc.catalog, session_id),
        file_name=f"interview-{session_id}.md", mime="text/markdown", key="review_export_md",
        icon=":material/download:",
    )
    row.download_button(
        "Export JSON", data=report_json(svc.store, svc.catalog, session_id),
        file_name=f"interview-{session_id}.json", mime="application/json", key="review_export_json",
        icon=":material/download:",
    )
    row.download_button(
        "Export HTML (print to PDF)", data=report_html(svc.store, svc.catalog, session_id),
        file_name=f"interview-{session_id}.html", mime="text/html", key="review_export_html",
        icon=":material/download:",
    )


# -- over attempts -------------------------------------------------------------------------------


def progress_chart(rows: list[dict[str, object]]) -> alt.Chart:
    frame = pd.DataFrame(rows).dropna(subset=["level"])
    frame["date"] = frame["date"].astype(str).str.replace("T", " ").str[:16]
    # Levels are whole numbers, so criteria at the same level would hide each other: each criterion
    # is drawn a hair above or below the level (the tooltip gives the level itself).
    names = sorted(frame["criterion"].unique())
    spread = {name: (i - (len(names) - 1) / 2) * min(0.08, 0.5 / max(1, len(names))) for i, name in enumerate(names)}
    frame["drawn"] = frame["level"] + frame["criterion"].map(spread)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            x=alt.X("attempt:O", title="Attempt", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("drawn:Q", title="Level (1-4)", scale=alt.Scale(domain=[0.7, 4.3]),
                    axis=alt.Axis(values=[1, 2, 3, 4], format="d")),
            color=alt.Color("criterion:N", title="Criterion",
                            legend=alt.Legend(orient="bottom", columns=2, labelLimit=0, symbolLimit=0)),
            tooltip=[alt.Tooltip("attempt:O", title="Attempt"), alt.Tooltip("date:N", title="Date"),
                     alt.Tooltip("case:N", title="Case"), alt.Tooltip("criterion:N", title="Criterion"),
                     alt.Tooltip("level:Q", title="Level")],
        )
        .properties(height=300)
    )
    return chart


def progress(found: list[Attempt]) -> None:
    st.header("Progress per criterion")
    if len(found) < 2:
        st.caption("The chart appears once two interviews are scored"
                   + (" (one so far)." if found else "."))
        return
    st.altair_chart(progress_chart(criterion_rows(found)), width="stretch")
    st.caption("Each point is one scored attempt; criteria not observed in an attempt have no point.")


def compare(found: list[Attempt], title: Title, focus_case: str | None) -> None:
    st.header("Compare two attempts")
    by_case: dict[str, list[Attempt]] = {}
    for attempt in found:
        by_case.setdefault(attempt.session.case_id, []).append(attempt)
    repeated = {case: runs for case, runs in by_case.items() if len(runs) >= 2}
    if not repeated:
        st.caption("Score two attempts of the same case to compare them (Retry this case, above).")
        return
    newest_first = sorted(repeated, key=lambda c: repeated[c][-1].session.created_at, reverse=True)
    default = focus_case if focus_case in repeated else newest_first[0]
    if st.session_state.get("review_compare_case") not in repeated:
        st.session_state["review_compare_case"] = default
    case_id = st.selectbox("Case", newest_first, format_func=title, key="review_compare_case")
    runs = list(reversed(repeated[case_id]))  # newest first
    by_id = {a.session.id: a for a in runs}
    label = {i: f"{when(a.session)} · level {a.session.level}" for i, a in by_id.items()}
    ids = list(by_id)
    for key in ("review_compare_a", "review_compare_b"):
        if st.session_state.get(key) not in by_id:
            st.session_state.pop(key, None)
    left, right = st.columns(2)
    a_id = left.selectbox("Attempt A (earlier)", ids, index=1, format_func=label.__getitem__,
                          key="review_compare_a")
    b_id = right.selectbox("Attempt B (later)", ids, index=0, format_func=label.__getitem__,
                           key="review_compare_b")
    for column, attempt_id in ((left, a_id), (right, b_id)):
        card = by_id[attempt_id].card
        column.metric("Verdict", VERDICT_LABELS.get(card.verdict, card.verdict))
        column.metric("Overall", "not scored" if card.overall is None else f"{card.overall:.2f}")
    rows = [
        {**row, "A": level_text(row["A"]), "B": level_text(row["B"])}  # type: ignore[arg-type]
        for row in compare_cards(by_id[a_id].card, by_id[b_id].card)
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True, width="stretch",
        column_config={"Change": st.column_config.NumberColumn("Change", format="%+d")},
    )


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

    states = {s.id: status(svc, s) for s in sessions}
    history(svc, sessions, title, states)
    by_id = {s.id: s for s in sessions}
    wanted = st.session_state.pop(OPEN_KEY, None)
    if wanted in by_id:
        st.session_state["review_session"] = wanted
    if st.session_state.get("review_session") not in by_id:
        st.session_state.pop("review_session", None)
    chosen = st.selectbox(
        "Session",
        list(by_id),
        format_func=lambda i: f"{when(by_id[i])} · {title(by_id[i].case_id)} · {states[i]} · {i}",
        key="review_session",
    )
    session_detail(svc, chosen, states[chosen])
    found = attempts(svc.store, user_id())
    progress(found)
    compare(found, title, by_id[chosen].case_id)


main()
