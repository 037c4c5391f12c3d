"""Spoken answers through the service: the recording is stored before anything else, its transcript
is stored with it, the corrected text is what gets answered and graded, and a recogniser failure
loses nothing. The recogniser here is a stand-in behind our Speech interface; the real one is
exercised in tests/test_speech.py and the browser test."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

import pytest
from conftest import free_port
from openai_stub import StubServer

from interviewer.backends.factory import build_service
from interviewer.backends.offline import OfflineSpeech
from interviewer.speech import case_vocabulary
from interviewer.speech.models import Correction, SpeechError, Transcript, WordTiming
from interviewer.store import Store

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


# -- the model backend's voice, through a real loopback server ----------------------------------


def espeak_wav(text: str, tmp_path) -> bytes:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    wav = tmp_path / "spoken.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), text], check=True)
    return wav.read_bytes()


def model_service(catalog, tmp_path, base_url: str):
    return build_service(catalog, Store(tmp_path / "spoken.sqlite3"), "openai", base_url=base_url,
                         model="stub-model", api_key="sk-test-spoken")


def test_the_model_backend_hears_and_speaks_through_its_audio_endpoints(catalog, tmp_path) -> None:
    heard = "I would track maybe per depot"
    with StubServer() as stub:
        stub.transcription = {"text": heard, "duration": 2.0, "words": [
            {"word": w, "start": i * 0.3, "end": i * 0.3 + 0.25} for i, w in enumerate(heard.split())]}
        svc = model_service(catalog, tmp_path, stub.base_url)
        sid = svc.start("forecast-accuracy-roi").id
        recording = svc.record_answer(sid, espeak_wav("forecast error per depot", tmp_path))
        transcript = svc.transcribe_recording(sid, recording)
        voice = svc.speak("How would you evaluate it?")
    assert transcript.engine.startswith("openai") and "MAPE" in transcript.text
    assert [r["path"].rsplit("/", 1)[-1] for r in stub.audio_requests] == ["transcriptions", "speech"]
    assert voice.startswith(b"RIFF")


def test_without_audio_endpoints_the_offline_voice_takes_over(catalog, tmp_path) -> None:
    audio = espeak_wav("The forecast error is measured every week in each warehouse.", tmp_path)
    svc = model_service(catalog, tmp_path, f"http://127.0.0.1:{free_port()}/v1")  # nothing listens
    sid = svc.start("forecast-accuracy-roi").id
    recording = svc.record_answer(sid, audio)
    transcript = svc.transcribe_recording(sid, recording)
    assert not transcript.engine.startswith("openai")
    assert "forecast" in transcript.text.lower() and "warehouse" in transcript.text.lower()
    assert svc.speak("Thank you.").startswith(b"RIFF")  # espeak-ng
