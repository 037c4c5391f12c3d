"""Spoken practice in the pages: record an answer, read and correct its transcript, send it; hear
the interviewer's questions; delivery figures for Review.

The recording is stored before it is transcribed, so a failed transcription loses nothing. Only
ids and widget values live in st.session_state; audio and transcripts are read back from the store.
"""

from __future__ import annotations

import streamlit as st

from app_pages.ui import plain
from interviewer.models import Turn
from interviewer.service import InterviewService, SpokenAnswer

AUTOPLAY_KEY = "voice_autoplay"


def _recorder_key(session_id: str, answer_number: int) -> str:
    """A fresh recorder for each answer: after sending, the next answer starts empty."""
    return f"voice_{session_id}_{answer_number}"


def voice_answer(svc: InterviewService, session_id: str, answer_number: int) -> str | None:
    """The voice box. Returns the corrected text when the candidate sends it, with the recording
    id kept in st.session_state under `sent_recording_key`, else None."""
    key = _recorder_key(session_id, answer_number)
    audio = st.audio_input(
        "Answer aloud", key=key,
        help="Record, check the transcript (fix any word it misheard), then send. Typing works too.",
    )
    if audio is not None and st.session_state.get(f"{key}_file") != audio.file_id:
        _take_recording(svc, session_id, key, audio.getvalue(), audio.type or "audio/wav")
        st.session_state[f"{key}_file"] = audio.file_id
    recording_id = st.session_state.get(f"{key}_recording")
    if recording_id is None:
        return None
    problem = st.session_state.get(f"{key}_problem")
    if problem:
        st.error(f"{plain(problem)}  \nYour recording is saved. Record again, try once more, or type "
                 "your answer below.")
        if st.button("Transcribe again", key=f"{key}_retry"):
            _transcribe(svc, session_id, key, recording_id)
            st.rerun()
        return None
    transcript = svc.transcript_of(session_id, recording_id)
    if transcript is None:
        return None
    if transcript.corrections:
        fixed = ", ".join(f"{plain(c.heard)} → {plain(c.corrected)}" for c in transcript.corrections)
        st.caption(f"Heard: {plain(transcript.raw_text)}  \nCorrected jargon: {fixed}")
    text = st.text_area("Transcript (edit before sending)", key=f"{key}_text", height=120)
    if st.button("Send spoken answer", key=f"{key}_send", type="primary", disabled=not text.strip()):
        return text.strip()
    return None


def sent_recording(session_id: str, answer_number: int) -> int | None:
    return st.session_state.get(f"{_recorder_key(session_id, answer_number)}_recording")


def _take_recording(svc: InterviewService, session_id: str, key: str, audio: bytes, mime: str) -> None:
    st.session_state[f"{key}_recording"] = svc.record_answer(session_id, audio, mime)  # stored first
    _transcribe(svc, session_id, key, st.session_state[f"{key}_recording"])


def _transcribe(svc: InterviewService, session_id: str, key: str, recording_id: int) -> None:
    st.session_state.pop(f"{key}_problem", None)
    try:
        with st.spinner("Transcribing..."):
            transcript = svc.transcribe_recording(session_id, recording_id)
    except Exception as error:  # noqa: BLE001 - any recogniser fault: the recording is kept, typing works
        st.session_state[f"{key}_problem"] = f"Transcription failed: {error}"
        return
    st.session_state[f"{key}_text"] = transcript.text


@st.cache_data(max_entries=64, show_spinner=False)
def _spoken(engine: str, text: str, _svc: InterviewService) -> bytes:
    return _svc.speak(text)


def interviewer_voice(svc: InterviewService, session_id: str, turns: list[Turn]) -> None:
    """Play the interviewer's latest words once, when auto-play is on (the text is always shown)."""
    said = [t for t in turns if t.role == "interviewer"]
    if not st.session_state.get(AUTOPLAY_KEY, False) or not said:
        return
    marker = f"{session_id}:{said[-1].index}"
    if st.session_state.get("voice_played") == marker:
        return
    st.session_state["voice_played"] = marker
    text = said[-1].text
    try:
        audio = _spoken(svc.speech.name, text, svc)
    except Exception as error:  # noqa: BLE001 - no voice engine: the text is there to read
        st.caption(f"No interviewer voice available ({plain(type(error).__name__)}); read the text above.")
        return
    st.audio(audio, format="audio/wav", autoplay=True)


def autoplay_toggle() -> None:
    st.toggle("Read the interviewer aloud", key=AUTOPLAY_KEY, value=False)


# -- Review -------------------------------------------------------------------------------------

NORMS = ("Conversational pace is roughly 130-160 words a minute; under about 110 sounds hesitant, "
         "over about 180 hard to follow. A filler or two a minute goes unnoticed; five or more is "
         "distracting. Silences over 3 seconds read as lost threads unless you announced a pause "
         "to think.")


def delivery_section(spoken: list[SpokenAnswer]) -> None:
    """Delivery figures per spoken answer, beside (never inside) the content score."""
    if not spoken:
        return
    st.subheader("Delivery (spoken answers)")
    st.caption("How you said it, not what you said: these figures never enter the rubric score. " + NORMS)
    st.dataframe(
        [
            {
                "Answer (turn)": s.turn_index,
                "Length": f"{s.delivery.duration_s:.0f} s",
                "Words per minute": round(s.delivery.words_per_minute),
                "Fillers per minute": round(s.delivery.fillers_per_minute, 1),
                "Fillers": ", ".join(f"{w} ×{n}" for w, n in sorted(s.delivery.fillers.items())) or "none",
                "Pauses over 3 s": len(s.delivery.long_pauses),
                "Talk share": f"{s.delivery.talk_share:.0%}",
                "Jargon corrected": len(s.transcript.corrections),
            }
            for s in spoken
        ],
        hide_index=True, width="stretch",
    )
    total_s = sum(s.delivery.duration_s for s in spoken)
    if total_s > 0:  # the answers' own figures, weighted by how long each lasted
        pace = sum(s.delivery.words_per_minute * s.delivery.duration_s for s in spoken) / total_s
        fillers = sum(s.delivery.fillers_per_minute * s.delivery.duration_s for s in spoken) / total_s
        left, middle, right = st.columns(3)
        left.metric("Spoken", f"{total_s / 60:.1f} min")
        middle.metric("Pace", f"{pace:.0f} wpm")
        right.metric("Fillers", f"{fillers:.1f} / min")
    for s in spoken:
        with st.expander(f"Answer at turn {s.turn_index}: what the recogniser heard"):
            st.markdown(plain(s.transcript.raw_text))
            if s.transcript.corrections:
                st.caption("Jargon corrected before grading: " + ", ".join(
                    f"{plain(c.heard)} → {plain(c.corrected)}" for c in s.transcript.corrections))
            for note in s.delivery.notes:
                st.caption(plain(note))
