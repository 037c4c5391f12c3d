"""Speech: offline speech-to-text with jargon correction, the interviewer's voice, delivery analytics.

Imports no heavy module at import time: faster-whisper loads on the first transcription.
"""

from __future__ import annotations

from interviewer.speech.delivery import analyse_delivery
from interviewer.speech.models import Correction, DeliveryStats, SpeechError, Transcript, WordTiming
from interviewer.speech.stt import transcribe
from interviewer.speech.tts import available_engines, synthesize
from interviewer.speech.vocabulary import case_vocabulary

__all__ = [
    "Correction",
    "DeliveryStats",
    "SpeechError",
    "Transcript",
    "WordTiming",
    "analyse_delivery",
    "available_engines",
    "case_vocabulary",
    "synthesize",
    "transcribe",
]
