"""Spoken answers through the service: the recording is stored before anything else, its transcript
is stored with it, the corrected text is what gets answered and graded, and a recogniser failure
loses nothing. The recogniser here is a stand-in behind our Speech interface; the real one is
exercised in tests/test_speech.py and the browser test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from interviewer.backends.offline import OfflineSpeech
from interviewer.speech import case_vocabulary
from interviewer.speech.models import Correction, SpeechError, Transcript, WordTiming

DRILL = "drill-bias-variance"
AUDIO = b"RIFF....WAVEfmt "  # never decoded by the stand-in


class ScriptedSpeech(OfflineSpeech):
    """Hears a fixed sentence (with one misheard term) and records the vocabulary it was given."""

    name = "scripted"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.vocabulary: list[str] = []

    def transcribe(self, audio: bytes, vocabulary: Sequence[str]) -> Transcript:
        self.vocabulary = list(vocabulary)
        if self.fail:
            raise SpeechError("the recogniser crashed (scripted)")
        words = ["I", "would", "um", "regularise", "to", "cut", "the", "variants"]
        timings = [WordTiming(text=w, start_s=i * 0.5, end_s=i * 0.5 + 0.4) for i, w in enumerate(words)]
        return Transcript(
            text="I would um regularise to cut the variance", raw_text=" ".join(words), words=timings,
            duration_s=4.0, corrections=[Correction(heard="variants", corrected="variance", position=7)],
            engine=self.name,
        )

    def synthesize(self, text: str) -> bytes:
        return b""


@pytest.fixture
def spoken_service(make_service):
    def build(fail: bool = False):
        svc = make_service()
        svc.speech = ScriptedSpeech(fail)
        return svc

    return build


def test_a_spoken_answer_is_stored_transcribed_sent_and_linked_to_its_turn(spoken_service) -> None:
    svc = spoken_service()
    sid = svc.start(DRILL).id
    recording = svc.record_answer(sid, AUDIO)
    stored = svc.store.recordings(sid)
    assert [(r.id, r.audio, r.turn_index) for r in stored] == [(recording, AUDIO, None)]

    transcript = svc.transcribe_recording(sid, recording)
    assert transcript.text.endswith("variance") and "variants" in transcript.raw_text
    assert svc.transcript_of(sid, recording) == transcript  # stored with the recording
    case = svc.catalog.case(DRILL)
    assert svc.speech.vocabulary == case_vocabulary(case) != []  # the case's own jargon steers it

    edited = transcript.text.replace("um ", "")  # the candidate fixes the transcript, then sends it
    svc.submit(sid, edited, recording_id=recording)
    answer = [t for t in svc.view(sid).turns if t.role == "candidate"][-1]
    assert answer.text == edited
    [spoken] = svc.spoken_answers(sid)
    assert spoken.turn_index == answer.index and spoken.recording_id == recording
    assert spoken.delivery.fillers.get("um") == 1  # delivery reads the raw speech, fillers included
    assert spoken.delivery.words == 8


def test_a_recogniser_failure_keeps_the_recording_and_the_round_goes_on(spoken_service) -> None:
    svc = spoken_service(fail=True)
    sid = svc.start(DRILL).id
    recording = svc.record_answer(sid, AUDIO)
    with pytest.raises(SpeechError, match="crashed"):
        svc.transcribe_recording(sid, recording)
    assert [r.audio for r in svc.store.recordings(sid)] == [AUDIO]
    assert svc.transcript_of(sid, recording) is None
    replies = svc.submit(sid, "Typed instead: regularisation reduces variance.")  # typing still works
    assert replies and replies[-1].role == "interviewer"
    assert svc.spoken_answers(sid) == []  # a recording never sent is not an answer


def test_empty_audio_and_ended_sessions_are_refused_with_a_reason(spoken_service) -> None:
    svc = spoken_service()
    sid = svc.start(DRILL).id
    with pytest.raises(ValueError, match="empty"):
        svc.record_answer(sid, b"")
    svc.finish(sid)
    with pytest.raises(ValueError, match="ended"):
        svc.record_answer(sid, AUDIO)
    with pytest.raises(KeyError):
        svc.record_answer("no-such-session", AUDIO)
