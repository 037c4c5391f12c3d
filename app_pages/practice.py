"""Practice: pick a case (filters, random pick, a suggestion aimed at the weakest criterion), run the
interview with a live round clock, phases, pause / resume, extra time and a notes / diagram pad;
end on demand or when time is up, then read the score card."""

from __future__ import annotations

import contextlib
import html
import random

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app_pages.ui import (
    KEPT,
    KIND_LABELS,
    KIND_ORDER,
    backend_label,
    clock,
    close_session,
    current_session_id,
    default_level,
    fallback_banner,
    keep,
    open_session,
    plain,
    render_pad,
    render_scorecard,
    render_transcript,
    restore,
    service,
    user_id,
)
from app_pages.voice import autoplay_toggle, interviewer_voice, sent_recording, voice_answer
from interviewer.models import LEVELS, AnyCase, Turn
from interviewer.progress import attempted_case_ids, attempts, suggest_case, weakest_criterion
from interviewer.rescue import AnswerNotStored
from interviewer.review import phase_rows
from interviewer.service import InterviewService, RoundView

MAX_ANSWER_CHARS = 20_000
MAX_PAD_CHARS = 50_000
TRANSCRIPT_HEIGHT = 520  # px: the conversation scrolls inside, the newest turn kept in view
EXTRA_MINUTES = 5
AUTO_END_KEY = "practice_auto_end"
ANY_TAG = "any tag"


def pad_key(session_id: str) -> str:
    return f"pad_{session_id}"


def save_pad(session_id: str) -> None:
    """Store the pad's text (a new version when it changed). Runs first on every rerun and as the
    text area's callback, so what the candidate typed is on disk before anything else happens."""
    key = pad_key(session_id)
    if key in st.session_state:
        with contextlib.suppress(KeyError):  # an unknown session: run_session reports it
            service().save_notes(session_id, str(st.session_state[key] or ""))


def filtered_cases(cases: list[AnyCase], kind: str, tag: str, level: str, fit_level: bool,
                   max_minutes: float) -> list[AnyCase]:
    return [
        c for c in cases
        if (kind == "all" or c.kind == kind)
        and (tag == ANY_TAG or tag in c.tags)
        and (not fit_level or level in c.levels)
        and c.duration_min <= max_minutes
    ]


def pick_random(case_ids: list[str]) -> None:
    if case_ids:
        st.session_state["practice_case"] = random.choice(case_ids)


def start(svc: InterviewService, case_id: str, level: str) -> None:
    open_session(svc.start(case_id, level, user_id()).id)  # type: ignore[arg-type]
    st.rerun()


def resume_unfinished(svc: InterviewService, session_id: str) -> None:
    """Carry on a round left unfinished: its clock resumes from the last answer."""
    if not svc.is_paused(session_id):
        turns = svc.store.turns(session_id)
        svc.store.set_paused(session_id, turns[-1].at_s if turns else 0.0)
    svc.resume(session_id)
    open_session(session_id)
    st.rerun()


def choose_and_start(svc: InterviewService) -> None:
    st.title("Practice")
    st.caption(f"Runs on the {backend_label(svc)}; change it in Settings.")
    problem = st.session_state.pop("backend_problem", None)
    if problem:
        st.warning(f"The model backend is not available ({plain(problem)}); using the offline interviewer.")
    if svc.catalog.problems:
        st.caption(
            f"{len(svc.catalog.problems)} content file(s) failed validation and are hidden; "
            "`python -m interviewer validate` lists them."
        )
    cases = sorted(svc.catalog.cases.values(), key=lambda c: (KIND_ORDER.index(c.kind), c.title))
    if not cases:
        st.error("No valid cases found in cases/.")
        return

    pre = st.session_state.pop("practice_retry", None)  # "retry this case" from Review, Library, Plans
    if pre in svc.catalog.cases:
        st.session_state["practice_kind"] = "all"
        st.session_state["practice_tag"] = ANY_TAG
        st.session_state["practice_case"] = pre
        st.session_state.pop("practice_max_min", None)
        st.session_state.pop(KEPT + "practice_max_min", None)
        st.session_state["practice_fit_level"] = False

    kinds = ["all", *dict.fromkeys(c.kind for c in cases)]
    tags = [ANY_TAG, *sorted({t for c in cases for t in c.tags})]
    longest = int(max(c.duration_min for c in cases))
    restore("practice_level", LEVELS, default_level(user_id()))
    restore("practice_kind", kinds, "all")
    restore("practice_tag", tags, ANY_TAG)
    restore("practice_max_min", range(3, longest + 1), longest)
    restore("practice_fit_level", (True, False), False)

    unfinished = next((s for s in svc.history(user_id(), limit=20) if s.status == "active"), None)
    if unfinished is not None and unfinished.case_id in svc.catalog.cases:
        with st.container(border=True):
            title = svc.catalog.cases[unfinished.case_id].title
            st.markdown(f"**Unfinished:** {plain(title)} (started {unfinished.created_at[:16].replace('T', ' ')} "
                        "UTC). Resume it, or see it in Review to end or discard it.")
            if st.button("Resume it", key="practice_resume_unfinished", icon=":material/play_arrow:"):
                resume_unfinished(svc, unfinished.id)

    level = st.selectbox("Target level", LEVELS, key="practice_level", on_change=keep, args=("practice_level",),
                         help="Scores are judged against the bar for this level. The default is set in "
                              "Settings; the last level you chose is kept.")
    keep("practice_level")

    found = attempts(svc.store, user_id())
    weakest = weakest_criterion(found)
    suggestion = suggest_case(svc.catalog, weakest, attempted_case_ids(svc.store, user_id()), level)
    if suggestion is not None:
        with st.container(border=True):
            st.markdown(f"**Suggested:** {plain(suggestion.case.title)} "
                        f"({KIND_LABELS[suggestion.case.kind]}, {suggestion.case.duration_min:g} min)")
            st.caption(plain(suggestion.reason))
            if st.button("Start the suggestion", key="practice_suggested", icon=":material/play_arrow:"):
                start(svc, suggestion.case.id, level)

    kind_col, tag_col, minutes_col = st.columns(3)
    kind = kind_col.selectbox("Kind", kinds, format_func=KIND_LABELS.__getitem__, key="practice_kind")
    tag = tag_col.selectbox("Tag", tags, key="practice_tag")
    max_minutes = minutes_col.slider("Max minutes", min_value=3, max_value=longest, key="practice_max_min")
    fit_level = st.checkbox("Only cases written for this level", key="practice_fit_level")
    for key in ("practice_kind", "practice_tag", "practice_max_min", "practice_fit_level"):
        keep(key)

    shown = {c.id: c for c in filtered_cases(cases, kind, tag, level, fit_level, max_minutes)}
    if not shown:
        st.info("No case matches these filters.")
        return
    if st.session_state.get("practice_case") not in shown:  # set, not dropped: the box shows it
        st.session_state["practice_case"] = next(iter(shown))
    pick, random_col = st.columns([4, 1], vertical_alignment="bottom")
    case_id = pick.selectbox(
        "Case",
        list(shown),
        format_func=lambda i: f"{shown[i].title} ({shown[i].duration_min:g} min)",
        key="practice_case",
    )
    random_col.button("Random", key="practice_random", on_click=pick_random, args=(list(shown),),
                      icon=":material/shuffle:")
    case = shown[case_id]
    phases = case.plan()
    st.caption(
        f"{KIND_LABELS[case.kind]} · {case.duration_min:g} minutes"
        + (f" · {len(phases)} phases: " + ", ".join(f"{p.title} {p.minutes:g}" for p in phases)
           if len(phases) > 1 else "")
        + (f" · tags: {', '.join(case.tags)}" if case.tags else "")
    )
    if level not in case.levels:
        st.caption(f"This case is written for {', '.join(case.levels)} candidates.")
    if st.button("Start", type="primary", key="practice_start", icon=":material/play_arrow:"):
        start(svc, case.id, level)


def clock_html(view: RoundView, paused: bool) -> str:
    """The pinned round header: case, phase, phase and round clocks (our own text, escaped)."""
    plan = view.state.phases
    phase = view.state.phase
    where = (f"Phase {view.state.phase_index + 1} of {len(plan)} · {html.escape(phase.title)}"
             if len(plan) > 1 else html.escape(KIND_LABELS[view.case.kind]))

    def one(label: str, seconds: float, testid: str) -> str:
        over = " round-over" if seconds < 0 else ""
        return (f'<span class="round-clock{over}" id="{testid}">{label} '
                f'<b>{html.escape(clock(seconds))}</b>{" left" if seconds >= 0 else ""}</span>')

    state = '<span class="round-paused">Paused</span>' if paused else ""
    return (
        '<div class="round-bar">'
        f'<span class="round-case">{html.escape(view.case.title)}</span>'
        f'<span class="round-phase" id="round-phase">{where}</span>'
        + one("Phase", view.phase_remaining_s, "phase-left")
        + one("Round", view.round_remaining_s, "round-left")
        + state + "</div>"
    )


@st.fragment(run_every="1s")
def round_clock(session_id: str) -> None:
    """The live clock in the pinned header: ticks once a second without rerunning the page; ends
    the round at zero when auto-end is on."""
    svc = service()
    view = svc.view(session_id)
    if view.session.status != "active":
        return
    paused = svc.is_paused(session_id)
    if svc.tick(session_id) is not None:  # a phase overran while the candidate was silent
        st.rerun(scope="app")
    st.html(clock_html(view, paused))  # sanitised HTML of our own, escaped text; never the candidate's words
    budget = view.state.round_budget_s
    st.progress(min(1.0, max(0.0, view.now_s / budget)) if budget > 0 else 0.0)
    if view.round_remaining_s <= 0 and not paused:
        if st.session_state.get(AUTO_END_KEY, True):
            svc.finish(session_id)
            st.rerun(scope="app")
        st.warning("Time is up: finish your thought, then end and score (or add time).")


@st.fragment(run_every="5s")
def phase_plan(session_id: str) -> None:
    """The round's phases with budget and time used (in the sidebar)."""
    view = service().view(session_id)
    if view.session.status != "active" or len(view.state.phases) < 2:
        return
    st.markdown("**Round plan**")
    rows = phase_rows(view.case, view.turns, view.now_s, view.state.time_extension_s, view.state.phase.id)
    lines = []
    for row in rows:
        name, budget, used = plain(str(row["Phase"])), row["Budget (min)"], row["Used (min)"]
        if row["Status"] == "now":
            over = " :red[over]" if row["Over"] else ""
            lines.append(f":material/play_circle: **{name}** · {used:g}/{budget:g} min{over}")
        elif row["Status"] == "done":
            lines.append(f":material/check_circle: {name} :gray[· {used:g}/{budget:g} min]")
        else:
            lines.append(f":material/radio_button_unchecked: {name} :gray[· {budget:g} min]")
    st.markdown("  \n".join(lines))


def end_now(session_id: str) -> None:
    """The dialog's confirm button (a callback, so it runs whether or not the dialog is redrawn)."""
    with contextlib.suppress(KeyError, ValueError):
        service().finish(session_id)


@st.dialog("End the round?")
def confirm_end(session_id: str) -> None:
    if service().store.session(session_id).status == "finished":
        st.rerun()  # ended by the confirm button: close the dialog, show the feedback
    st.write("The interviewer wraps up and your answers are scored against the rubric. "
             "You cannot add to this round afterwards.")
    yes, no = st.columns(2)
    yes.button("End and score", type="primary", key="practice_end_confirm", on_click=end_now,
               args=(session_id,))
    if no.button("Keep going", key="practice_end_cancel"):
        st.rerun()


def round_controls(svc: InterviewService, session_id: str, row: DeltaGenerator) -> None:
    if svc.is_paused(session_id):
        if row.button("Resume", key="practice_resume", icon=":material/play_arrow:"):
            svc.resume(session_id)
            st.rerun()
    elif row.button("Pause", key="practice_pause", icon=":material/pause:"):
        svc.pause(session_id)
        st.rerun()
    if row.button(f"+{EXTRA_MINUTES} min", key="practice_extend", icon=":material/more_time:",
                  help="Extra time for the phase you are in (the round grows by as much)."):
        phase = svc.extend_time(session_id, EXTRA_MINUTES)
        st.session_state["practice_extended"] = phase
        st.rerun()
    if row.button("End and score", key="practice_end", type="primary", icon=":material/stop_circle:",
                  shortcut="Ctrl+Shift+E", help="Ctrl+Shift+E. Asks before it ends the round."):
        confirm_end(session_id)
    extended = st.session_state.pop("practice_extended", None)
    if extended:
        st.toast(f"+{EXTRA_MINUTES} min added to {extended}.", icon=":material/more_time:")
    with st.sidebar:
        st.toggle("End when time is up", value=True, key=AUTO_END_KEY)
        autoplay_toggle()


def answer_turn(
    svc: InterviewService,
    session_id: str,
    answer: str,
    recording_id: int | None = None,
    before: list[Turn] | None = None,
) -> None:
    """Send the answer, then show it and stream the interviewer's reply. Nothing is drawn before
    the service has stored the answer: a new answer typed meanwhile interrupts this run at its next
    page call, and the first page call comes from inside the reply stream, after the store."""
    box: list[DeltaGenerator] = []
    words: list[str] = []

    def on_chunk(chunk: str) -> None:
        if not box:  # the first chunk (empty) comes once the answer is stored
            talk = st.container(height=TRANSCRIPT_HEIGHT, key="transcript_live") if before is not None \
                else st.container()
            with talk:
                if before is not None:
                    render_transcript(before, fallback_notes=False)
                with st.chat_message("user"):
                    st.markdown(plain(answer))
                box.append(st.chat_message("interviewer", avatar=":material/record_voice_over:").empty())
            box[0].caption("The interviewer is thinking…")
        words.append(chunk)
        if "".join(words).strip():
            box[0].markdown(plain("".join(words)))

    try:
        svc.submit_streaming(session_id, answer, on_chunk, recording_id=recording_id)
    except AnswerNotStored as error:
        where = f" It was saved to {error.rescue_file}." if error.rescue_file else ""
        st.error(f"Your answer could not be stored: {plain(str(error))}.{plain(where)} Copy it before "
                 "you leave this page.")
        st.code(answer, language=None)
        st.stop()
    except ValueError as error:  # ended meanwhile (another tab, or the clock)
        st.warning(plain(str(error)))
    ended = svc.store.session(session_id).status == "finished"  # the interviewer wrapped up
    if ended and svc.store.scorecard(session_id) is None:
        with st.spinner("Scoring against the rubric..."):
            svc.finish(session_id)


def spoken_turn(svc: InterviewService, session_id: str, turns: list[Turn]) -> None:
    """Answer aloud: the corrected transcript is sent like a typed answer, linked to its recording."""
    number = sum(1 for t in turns if t.role == "candidate")
    spoken = voice_answer(svc, session_id, number)
    if spoken:
        answer_turn(svc, session_id, spoken, sent_recording(session_id, number))
        st.rerun()


def notes_pad(svc: InterviewService, session_id: str, active: bool) -> None:
    key = pad_key(session_id)
    if key not in st.session_state:
        st.session_state[key] = svc.notes(session_id)
    st.text_area(
        "Notes and diagram pad",
        key=key,
        height=320,
        max_chars=MAX_PAD_CHARS,
        disabled=not active,
        on_change=save_pad,
        args=(session_id,),
        placeholder="Notes, estimates, or a diagram: Graphviz (digraph { a -> b }) "
                    "or Mermaid (graph LR; A --> B).",
        help="Saved with the interview as you go (press Ctrl+Enter or click outside to save).",
    )
    render_pad(str(st.session_state.get(key) or ""))


def run_session(svc: InterviewService, session_id: str) -> None:
    save_pad(session_id)  # before anything else: nothing typed is lost
    try:
        view = svc.view(session_id)
    except KeyError:
        close_session()
        st.warning(f"There is no interview {plain(session_id)} in the store; start a new one.")
        choose_and_start(svc)
        return

    active = view.session.status == "active"
    if active:
        answer = st.chat_input("Your answer (Enter sends)", key="practice_answer",
                               max_chars=MAX_ANSWER_CHARS)
        if answer and answer.strip():
            answer_turn(svc, session_id, answer, before=view.turns)  # stored before anything is drawn
            st.rerun()

    if active:
        with st.container(key="round_header"):
            round_clock(session_id)
        with st.sidebar:
            phase_plan(session_id)
    else:
        st.title(plain(view.case.title))
    st.caption(
        f"{KIND_LABELS[view.case.kind]} · level {view.session.level} · {backend_label(svc)} · "
        f"session {view.session.id}"
    )
    row = st.container(horizontal=True, gap="small", key="round_controls")
    if active:
        round_controls(svc, session_id, row)
    if row.button("New interview", key="practice_new", icon=":material/add:",
                  help="Leave this round: it is paused and kept, and you can resume it later."):
        if active:
            svc.pause(session_id)
        close_session()
        st.rerun()
    if active:
        fallback_banner(view.turns)

    talk, pad = st.columns([3, 2])
    with talk:
        with st.container(height=TRANSCRIPT_HEIGHT if active else "content", key="transcript"):
            render_transcript(view.turns, fallback_notes=not active)
        if active:
            interviewer_voice(svc, session_id, view.turns)
            spoken_turn(svc, session_id, view.turns)
    with pad:
        notes_pad(svc, session_id, active)

    card = svc.store.scorecard(session_id)
    if card is None and not active and st.button("Score this interview", key="practice_end", type="primary"):
        with st.spinner("Scoring against the rubric..."):
            svc.finish(session_id)
        st.rerun()
    if card is not None:
        st.header("Feedback")
        render_scorecard(card)
        if view.case.model_answer:
            with st.expander("What a strong answer covers"):
                st.markdown(plain(view.case.model_answer))
        if st.button("Open in Review", key="practice_review", icon=":material/history:"):
            st.session_state["review_open"] = session_id
            st.switch_page("app_pages/review.py")


def main() -> None:
    svc = service()
    session_id = current_session_id()
    if session_id:
        run_session(svc, session_id)
    else:
        choose_and_start(svc)


main()
