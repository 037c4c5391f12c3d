"""Accuracy measures for speech recognition: word error rate and jargon-term error rate, and test
audio built from sentence clips: joined into answer-length recordings, or with room noise added."""

from __future__ import annotations

import io
import re
import wave
from collections.abc import Sequence

import numpy as np

from interviewer.speech.vocabulary import edit_distance

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10",
}


def normalised_words(text: str) -> list[str]:
    """Lower case, hyphens split, punctuation dropped, small number words as digits: differences a
    listener would not call errors."""
    words = re.findall(r"[a-z0-9']+", text.lower().replace("-", " ").replace("%", " percent"))
    return [_NUMBER_WORDS.get(w, w) for w in (w.strip("'") for w in words) if w]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference length) after normalisation."""
    ref = normalised_words(reference)
    return edit_distance(ref, normalised_words(hypothesis)), len(ref)


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    errors = total = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        wrong, length = word_errors(reference, hypothesis)
        errors, total = errors + wrong, total + length
    return errors / total if total else 0.0


def term_present(term: str, hypothesis: str) -> bool:
    """The term appears with its exact letters, ignoring case, spaces and punctuation inside it."""
    squashed_term = re.sub(r"[^a-z0-9]", "", term.lower())
    words = [re.sub(r"[^a-z0-9]", "", w.lower()) for w in hypothesis.split()]
    words = [w for w in words if w]
    for start in range(len(words)):
        joined = ""
        for word in words[start : start + 4]:
            joined += word
            if joined == squashed_term:
                return True
            if not squashed_term.startswith(joined):
                break
    return False


def term_error_rate(terms: Sequence[Sequence[str]], hypotheses: Sequence[str]) -> float:
    missed = total = 0
    for sentence_terms, hypothesis in zip(terms, hypotheses, strict=True):
        for term in sentence_terms:
            total += 1
            missed += not term_present(term, hypothesis)
    return missed / total if total else 0.0


def joined_answer(clips: Sequence[bytes], pauses_s: Sequence[float]) -> tuple[bytes, list[float]]:
    """One 16 kHz mono WAV of the clips in order with `pauses_s[i]` seconds of silence after clip i
    (as an answer of several sentences sounds), and the second at which each clip starts."""
    from interviewer.speech.stt import SAMPLE_RATE, decode

    pieces: list[np.ndarray] = []
    starts: list[float] = []
    position = 0
    for index, clip in enumerate(clips):
        samples = decode(clip)
        starts.append(position / SAMPLE_RATE)
        silence = np.zeros(int(pauses_s[index] * SAMPLE_RATE) if index < len(pauses_s) else 0, np.float32)
        pieces += [samples, silence]
        position += len(samples) + len(silence)
    return _wav(np.concatenate(pieces)), starts


def with_noise(clip: bytes, snr_db: float, seed: int = 0) -> bytes:
    """The clip with pink noise (the 1/f hiss of a fan or air conditioning, louder in the low
    frequencies than white noise) added at `snr_db` below the speech, as a 16 kHz mono WAV. The
    speech level is taken over its voiced stretch, so leading and trailing silence does not dilute it."""
    from interviewer.speech.stt import SAMPLE_RATE, decode, voiced_span

    samples = decode(clip)
    start, end = voiced_span(samples)
    speech_rms = float(np.sqrt(np.mean(samples[start:end] ** 2)))
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(len(samples)))
    frequencies = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    spectrum /= np.sqrt(np.maximum(frequencies, 20.0))  # 1/f power; flat below 20 Hz
    noise = np.fft.irfft(spectrum, len(samples))
    noise *= speech_rms / (float(np.sqrt(np.mean(noise**2))) * 10 ** (snr_db / 20))
    return _wav(samples + noise.astype(np.float32))


def _wav(samples: np.ndarray) -> bytes:
    from interviewer.speech.stt import SAMPLE_RATE

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm.tobytes())
    return out.getvalue()
