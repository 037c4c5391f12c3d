"""Speech-to-text accuracy and speed on jargon-dense interview sentences spoken by espeak-ng (and
Piper when installed): word error rate, jargon-term error rate and real-time factor, raw and after
the vocabulary correction, per model and decoding setting.

    .venv/bin/python bench/stt.py [--models tiny.en base] [--hints hotwords prompt none] [--beams 1 5]
                                  [--voices espeak-ng piper] [--vocabulary all|sentence|none]

Targets (issue 6, 2 cores): WER <= 10 %, jargon errors <= 10 %, RTF <= 0.3.
RTF = transcription seconds / audio seconds, model already loaded, summed over all sentences.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from interviewer.speech import synthesize, transcribe  # noqa: E402
from interviewer.speech.accuracy import term_error_rate, word_error_rate  # noqa: E402
from interviewer.speech.stt import decode, load_model  # noqa: E402
from interviewer.speech.tts import available_engines  # noqa: E402

SENTENCES = Path(__file__).resolve().parent.parent / "tests" / "speech" / "sentences.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument("--hints", nargs="+", default=["hotwords", "prompt", "none"])
    parser.add_argument("--beams", nargs="+", type=int, default=[5])
    parser.add_argument("--voices", nargs="+", default=["espeak-ng", "piper"])
    parser.add_argument("--vocabulary", choices=["all", "sentence", "none"], default="all")
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    args = parser.parse_args()

    rows = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))
    if args.limit:
        rows = rows[: args.limit]
    texts = [row["text"] for row in rows]
    terms = [row["terms"] for row in rows]
    every_term = list(dict.fromkeys(t for row_terms in terms for t in row_terms))
    engines = available_engines()
    voices = [v for v in args.voices if engines.get(v)]
    print(f"{len(rows)} sentences, {sum(map(len, terms))} jargon terms; voices {voices}; "
          f"vocabulary {args.vocabulary} ({len(every_term)} terms when all)\n")
    print("| voice | model | hint | beam | WER raw | WER corrected | jargon err raw | jargon err corrected | RTF |")
    print("|---|---|---|---|---|---|---|---|---|")
    for voice in voices:
        audio = [synthesize(text, engine=voice, steady=True) for text in texts]  # same audio every run
        seconds = sum(len(decode(a)) for a in audio) / 16_000
        for model in args.models:
            load_model(model)
            for hint in args.hints:
                for beam in args.beams:
                    raw, corrected, spent = [], [], 0.0
                    for clip, row_terms in zip(audio, terms, strict=True):
                        vocabulary = {"all": every_term, "sentence": row_terms, "none": []}[args.vocabulary]
                        started = time.perf_counter()
                        result = transcribe(clip, vocabulary, model=model, beam_size=beam, hint=hint)
                        spent += time.perf_counter() - started
                        raw.append(result.raw_text)
                        corrected.append(result.text)
                    print(
                        f"| {voice} | {model} | {hint} | {beam} "
                        f"| {word_error_rate(texts, raw):.1%} | {word_error_rate(texts, corrected):.1%} "
                        f"| {term_error_rate(terms, raw):.1%} | {term_error_rate(terms, corrected):.1%} "
                        f"| {spent / seconds:.2f} |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
