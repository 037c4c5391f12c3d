"""Practice: pick a case and a level, run the interview, end it and read the score card."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import (
    KIND_LABELS,
    clock,
    close_session,
    current_session_id,
    open_session,
    plain,
    render_scorecard,
    render_transcript,
    service,
)
from interviewer.models import LEVELS
from interviewer.service import InterviewService

MAX_ANSWER_CHARS = 20_000
KIND_ORDER = ("drill", "ml_case", "business_case", "system_design")


def choose_and_start(svc: InterviewService) -> None:
    st.title("Practice")
    if svc.catalog.problems:
        st.caption(
            f"{len(svc.catalog.problems)} content file(s) failed validation and are hidden; "
            "`python -m interviewer validate` lists them."
        )
    cases = sorted(svc.catalog.cases.values(), key=lambda c: (KIND_ORDER.index(c.kind), c.title))
    if not cases:
        st.error("No valid cases found in cases/.")
        return
    kinds = ["all", *dict.fromkeys(c.kind for c in cases)]
    kind = st.selectbox("Kind", kinds, format_func=KIND_LABELS.__getitem__, key="practice_kind")
    shown = {c.id: c for c in cases if kind == "all" or c.kind == kind}
    case_id = st.selectbox(
        "Case",
        list(shown),
        format_func=lambda i: f"{shown[i].title} ({shown[i].duration_min:g} min)",
        key="practice_case",
    )
    case = shown[case_id]
    phases = case.plan()
    st.caption(
        f"{KIND_LABELS[case.kind]} · {case.duration_min:g} minutes"
        + (f" · {len(phases)} phases" if len(phases) > 1 else "")
    )
    level = st.selectbox("Level", LEVELS, index=LEVELS.index("mid"), key="practice_level")
    if level not in case.levels:
        st.caption(f"This case is written for {', '.join(case.levels)} candidates.")
    if st.button("Start", type="primary", key="practice_start"):
        open_session(svc.start(case.id, level).id)
        st.rerun()


@st.fragment(run_every="1s")
def round_clock(session_id: str) -> None:
    view = service().view(session_id)
    if view.session.status != "active":
        return
    plan = view.state.phases
    phase, number = view.state.phase, view.state.phase_index + 1
    left, middle, right = st.columns(3)
    left.metric("Phase", phase.title if len(plan) == 1 else f"{number}/{len(plan)} {phase.title}")
    middle.metric("Phase time left", clock(view.phase_remaining_s))
    right.metric("Round time left", clock(view.round_remaining_s))
    if view.round_remaining_s <= 0:
        st.warning("Time is up: finish your thought, then end and score.")


def run_session(svc: InterviewService, session_id: str) -> None:
    try:
        view = svc.view(session_id)
    except KeyError:
        close_session()
        st.warning(f"There is no interview {plain(session_id)} in the store; start a new one.")
        choose_and_start(svc)
        return

    active = view.session.status == "active"
    if active:
        answer = st.chat_input("Your answer", key="practice_answer", max_chars=MAX_ANSWER_CHARS)
        if answer and answer.strip():
            with st.spinner("The interviewer is thinking..."):
                try:
                    svc.submit(session_id, answer)  # stores the answer first, then the reply
                except ValueError as error:  # ended meanwhile (another tab, or the clock)
                    st.warning(plain(str(error)))
                ended = svc.store.session(session_id).status == "finished"  # the interviewer wrapped up
                if ended and svc.store.scorecard(session_id) is None:
                    svc.finish(session_id)
            st.rerun()

    title, new = st.columns([4, 1], vertical_alignment="bottom")
    title.title(plain(view.case.title))
    if new.button("New interview", key="practice_new"):
        close_session()
        st.rerun()
    st.caption(f"{KIND_LABELS[view.case.kind]} · level {view.session.level} · session {view.session.id}")
    if active:
        round_clock(session_id)

    render_transcript(view.turns)

    card = svc.store.scorecard(session_id)
    label = "End and score" if active else "Score this interview"
    if card is None and st.button(label, key="practice_end"):
        with st.spinner("Scoring against the rubric..."):
            svc.finish(session_id)  # closes the round if still open, then grades it
        st.rerun()
    if card is not None:
        st.header("Feedback")
        render_scorecard(card)
        if view.case.model_answer:
            with st.expander("What a strong answer covers"):
                st.markdown(plain(view.case.model_answer))


def main() -> None:
    svc = service()
    session_id = current_session_id()
    if session_id:
        run_session(svc, session_id)
    else:
        choose_and_start(svc)


main()
