"""Speech-to-text accuracy and speed on jargon-dense interview sentences spoken by espeak-ng (and
Piper when installed): word error rate, jargon-term error rate and real-time factor, raw and after
the vocabulary correction, per model and decoding setting; and on hesitant sentences, how many of
the spoken filler words the transcript keeps (delivery analytics counts them), and how many it
invents across both sets.

    .venv/bin/python bench/stt.py [--models tiny.en base] [--hints hotwords prompt none] [--beams 1 5]
                                  [--voices espeak-ng piper] [--vocabulary all|sentence|none]
                                  [--audio sentences answers] [--no-lead-in] [--noise-db 20]

Targets (issue 6, 2 cores): WER <= 10 %, jargon errors <= 10 %, RTF <= 0.3.
RTF = transcription seconds / audio seconds, model already loaded, summed over all clips.
"sentences" transcribes each 4-7 s sentence on its own (the hardest case for speed: Whisper encodes
a 30 s window however short the clip); "answers" joins six sentences with 0.8 s pauses into answers
of about 35 s, the length of a real spoken answer, each transcribed whole. RTF covers the jargon
sentences only.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from interviewer.speech import synthesize, transcribe  # noqa: E402
from interviewer.speech import vocabulary as speech_vocabulary  # noqa: E402
from interviewer.speech.accuracy import joined_answer, term_error_rate, with_noise, word_error_rate  # noqa: E402
from interviewer.speech.delivery import count_fillers  # noqa: E402
from interviewer.speech.stt import decode, load_model  # noqa: E402
from interviewer.speech.tts import available_engines  # noqa: E402

SPEECH = Path(__file__).resolve().parent.parent / "tests" / "speech"
SENTENCES_PER_ANSWER = 6
PAUSE_BETWEEN_SENTENCES_S = 0.8


@dataclass
class ClipSet:
    clips: list[bytes]
    texts: list[str]
    terms: list[list[str]]
    fillers: list[int]  # filler words and phrases said in each clip

    def seconds(self) -> float:
        return sum(len(decode(clip)) for clip in self.clips) / 16_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument("--hints", nargs="+", default=["prompt", "hotwords", "none"])
    parser.add_argument("--beams", nargs="+", type=int, default=[5])
    parser.add_argument("--voices", nargs="+", default=["espeak-ng", "piper"])
    parser.add_argument("--vocabulary", choices=["all", "sentence", "none"], default="all")
    parser.add_argument("--audio", nargs="+", choices=["sentences", "answers"], default=["sentences", "answers"])
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    parser.add_argument("--noise-db", type=float, default=None,
                        help="add pink room noise this many dB below the speech (e.g. 20 a quiet office, 10 a loud one)")
    parser.add_argument("--no-lead-in", action="store_true",
                        help="without the hesitant lead-in of Whisper's prompt (to measure what it does)")
    args = parser.parse_args()
    if args.no_lead_in:
        speech_vocabulary.HESITANT_LEAD_IN = ""

    jargon_rows = yaml.safe_load((SPEECH / "sentences.yaml").read_text(encoding="utf-8"))
    filler_rows = yaml.safe_load((SPEECH / "fillers.yaml").read_text(encoding="utf-8"))
    if args.limit:
        jargon_rows, filler_rows = jargon_rows[: args.limit], filler_rows[: args.limit]
    every_term = list(dict.fromkeys(t for row in jargon_rows for t in row["terms"]))
    engines = available_engines()
    voices = [v for v in args.voices if engines.get(v)]
    print(f"{len(jargon_rows)} jargon sentences ({sum(len(r['terms']) for r in jargon_rows)} terms), "
          f"{len(filler_rows)} hesitant sentences ({sum(r['fillers'] for r in filler_rows)} fillers); "
          f"voices {voices}; vocabulary {args.vocabulary} ({len(every_term)} terms when all); "
          f"hesitant lead-in {'off' if args.no_lead_in else 'on'}; "
          f"{'no added noise' if args.noise_db is None else f'pink noise at {args.noise_db:g} dB SNR'}\n")
    print("| voice | audio | model | hint | beam | WER raw | WER corrected | jargon err raw "
          "| jargon err corrected | fillers kept | fillers invented | RTF |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for voice in voices:
        jargon_sentences, filler_sentences = _spoken(jargon_rows, voice), _spoken(filler_rows, voice)
        for shape in args.audio:
            jargon = _noisy(_shaped(shape, jargon_sentences), args.noise_db)
            hesitant = _noisy(_shaped(shape, filler_sentences), args.noise_db)
            seconds = jargon.seconds()
            for model in args.models:
                load_model(model)
                for hint in args.hints:
                    for beam in args.beams:
                        setting = Setting(model, hint, beam, args.vocabulary, every_term)
                        raw, corrected, spent = _run(jargon, setting)
                        kept, invented = _fillers(hesitant, _run(hesitant, setting)[1])
                        invented += _fillers(jargon, corrected)[1]
                        texts, terms = jargon.texts, jargon.terms
                        print(
                            f"| {voice} | {shape} | {model} | {hint} | {beam} "
                            f"| {word_error_rate(texts, raw):.1%} | {word_error_rate(texts, corrected):.1%} "
                            f"| {term_error_rate(terms, raw):.1%} | {term_error_rate(terms, corrected):.1%} "
                            f"| {kept}/{sum(hesitant.fillers)} | {invented} | {spent / seconds:.2f} |",
                            flush=True,
                        )
    return 0


@dataclass
class Setting:
    model: str
    hint: str
    beam: int
    vocabulary: str  # all | sentence | none
    every_term: list[str]


def _spoken(rows: list[dict[str, object]], voice: str) -> ClipSet:
    return ClipSet(
        [synthesize(str(row["text"]), engine=voice, steady=True) for row in rows],  # same audio every run
        [str(row["text"]) for row in rows],
        [list(row.get("terms", [])) for row in rows],  # type: ignore[call-overload]
        [int(row.get("fillers", 0)) for row in rows],  # type: ignore[call-overload]
    )


def _noisy(clip_set: ClipSet, noise_db: float | None) -> ClipSet:
    """The clips with room noise throughout (pauses included), the same noise every run."""
    if noise_db is None:
        return clip_set
    clips = [with_noise(clip, noise_db, seed=index) for index, clip in enumerate(clip_set.clips)]
    return ClipSet(clips, clip_set.texts, clip_set.terms, clip_set.fillers)


def _run(clip_set: ClipSet, setting: Setting) -> tuple[list[str], list[str], float]:
    """Raw and corrected transcripts of every clip, and the seconds spent transcribing."""
    raw, corrected, spent = [], [], 0.0
    for clip, own_terms in zip(clip_set.clips, clip_set.terms, strict=True):
        vocabulary = {"all": setting.every_term, "sentence": own_terms, "none": []}[setting.vocabulary]
        started = time.perf_counter()
        result = transcribe(clip, vocabulary, model=setting.model, beam_size=setting.beam, hint=setting.hint)
        spent += time.perf_counter() - started
        raw.append(result.raw_text)
        corrected.append(result.text)
    return raw, corrected, spent


def _fillers(clip_set: ClipSet, transcripts: list[str]) -> tuple[int, int]:
    """(fillers kept, fillers invented): heard fillers up to the number said, and those beyond it."""
    kept = invented = 0
    for said, transcript in zip(clip_set.fillers, transcripts, strict=True):
        heard = sum(count_fillers(transcript.split()).values())
        kept += min(heard, said)
        invented += max(0, heard - said)
    return kept, invented


def _shaped(shape: str, sentences: ClipSet) -> ClipSet:
    """Each sentence alone, or groups of SENTENCES_PER_ANSWER sentences joined into one answer."""
    if shape == "sentences":
        return sentences
    count = len(sentences.clips)
    groups = [range(i, min(i + SENTENCES_PER_ANSWER, count)) for i in range(0, count, SENTENCES_PER_ANSWER)]
    return ClipSet(
        [joined_answer([sentences.clips[i] for i in g], [PAUSE_BETWEEN_SENTENCES_S] * len(g))[0] for g in groups],
        [" ".join(sentences.texts[i] for i in g) for g in groups],
        [[term for i in g for term in sentences.terms[i]] for g in groups],
        [sum(sentences.fillers[i] for i in g) for g in groups],
    )


if __name__ == "__main__":
    raise SystemExit(main())
