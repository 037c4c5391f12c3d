"""How an answer was delivered: pace, filler words, long pauses, share of the recording spent talking.

Computed from the recogniser's word timings and never mixed into the content score. The comparison
with conversational norms is advice for practice, not a grade.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from interviewer.speech.models import DeliveryStats, Transcript, WordTiming

LONG_PAUSE_S = 3.0
# Gaps shorter than this between words are part of speaking (breaths, phrase breaks).
TALK_GAP_S = 0.6
COMFORTABLE_WPM = (130.0, 160.0)
SLOW_WPM = 110.0
FAST_WPM = 180.0
FEW_FILLERS_PER_MIN = 2.0
MANY_FILLERS_PER_MIN = 5.0
SHORT_RECORDING_S = 15.0

_ALWAYS_FILLERS = {"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm", "basically", "literally"}
# "like" is a filler only when set off by commas ("it was, like, huge"), opening a sentence with a
# comma ("Like, we..."), or hedging a number ("it took like 20 minutes"), but not after these words,
# where it is a verb or a comparison ("I'd like 20", "looks like 20", "something like 20").
_LIKE_NOT_FILLER_AFTER = {
    "would", "i'd", "we'd", "you'd", "they'd", "look", "looks", "looked", "seem", "seems", "seemed",
    "sound", "sounds", "sounded", "feel", "feels", "felt", "something", "anything", "nothing",
    "things", "thing", "just", "more", "much", "exactly", "not", "don't", "didn't", "really", "also",
    "i", "we", "you", "they", "people", "users", "customers",
}
_KIND_OF_DETERMINERS = {"a", "an", "the", "this", "that", "what", "which", "some", "any", "one", "each",
                        "every", "same", "different", "other", "another", "right", "wrong", "new"}
_YOU_KNOW_CONTENT = {"that", "what", "how", "why", "where", "when", "who", "whether", "if", "the", "it"}
_NUMBER = re.compile(r"^\d|^(one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|"
                     r"fifty|hundred|a hundred|a few|half)$")


def analyse_delivery(transcript: Transcript) -> DeliveryStats:
    words = [w for w in transcript.words if _bare(w.text)]
    tokens = [w.text.strip() for w in words] if words else transcript.raw_text.split()
    speaking_s = _speaking_span(words) or transcript.duration_s
    minutes = speaking_s / 60.0
    fillers = count_fillers(tokens)
    filler_total = sum(fillers.values())
    pauses = long_pauses(words)
    talk_share = _talk_time(words) / transcript.duration_s if transcript.duration_s > 0 and words else 0.0
    wpm = len(tokens) / minutes if minutes > 0 else 0.0
    fpm = filler_total / minutes if minutes > 0 else 0.0
    return DeliveryStats(
        duration_s=round(transcript.duration_s, 2),
        words=len(tokens),
        words_per_minute=round(wpm, 1),
        fillers=dict(fillers),
        fillers_per_minute=round(fpm, 2),
        long_pauses=[(round(start, 2), round(length, 2)) for start, length in pauses],
        talk_share=round(min(1.0, talk_share), 3),
        notes=_notes(transcript.duration_s, len(tokens), wpm, fpm, pauses),
    )


def count_fillers(tokens: Sequence[str]) -> Counter[str]:
    """Filler words and phrases in spoken order; tokens keep their punctuation ("like," vs "like")."""
    bare = [_bare(t) for t in tokens]
    found: Counter[str] = Counter()
    index = 0
    while index < len(bare):
        word, before = bare[index], bare[index - 1] if index else ""
        after = bare[index + 1] if index + 1 < len(bare) else ""
        if word in _ALWAYS_FILLERS:
            found[word] += 1
        elif word == "like" and _filler_like(tokens, bare, index):
            found["like"] += 1
        elif (word, after) == ("you", "know") and _filler_you_know(bare, index):
            found["you know"] += 1
            index += 1
        elif (word, after) == ("i", "mean") and before != "what":
            found["i mean"] += 1
            index += 1
        elif word in ("sort", "kind") and after == "of" and before not in _KIND_OF_DETERMINERS:
            found[f"{word} of"] += 1
            index += 1
        index += 1
    return found


def _filler_like(tokens: Sequence[str], bare: Sequence[str], index: int) -> bool:
    before = bare[index - 1] if index else ""
    after = bare[index + 1] if index + 1 < len(bare) else ""
    comma_before = index == 0 or tokens[index - 1].strip().endswith((",", ".", "?", "!", "..."))
    comma_after = tokens[index].strip().endswith((",", "...", "-"))
    if (comma_before and comma_after) or after in ("um", "uh", "like"):
        return True
    return before not in _LIKE_NOT_FILLER_AFTER and bool(_NUMBER.match(after))


def _filler_you_know(bare: Sequence[str], index: int) -> bool:
    before = bare[index - 1] if index else ""
    after = bare[index + 2] if index + 2 < len(bare) else ""
    return before not in ("do", "did", "don't", "if", "as", "would", "will") and after not in _YOU_KNOW_CONTENT


def long_pauses(words: Sequence[WordTiming], threshold_s: float = LONG_PAUSE_S) -> list[tuple[float, float]]:
    """(start_s, length_s) of every silence between two words longer than the threshold."""
    return [
        (earlier.end_s, later.start_s - earlier.end_s)
        for earlier, later in zip(words, words[1:], strict=False)
        if later.start_s - earlier.end_s > threshold_s
    ]


def _speaking_span(words: Sequence[WordTiming]) -> float:
    return max(0.0, words[-1].end_s - words[0].start_s) if words else 0.0


def _talk_time(words: Sequence[WordTiming]) -> float:
    """Seconds spent speaking: word durations plus the short gaps inside phrases."""
    total = 0.0
    for index, word in enumerate(words):
        total += max(0.0, word.end_s - word.start_s)
        if index + 1 < len(words):
            gap = words[index + 1].start_s - word.end_s
            if 0 < gap < TALK_GAP_S:
                total += gap
    return total


def _bare(token: str) -> str:
    return token.strip().strip(".,;:!?\"'()[]").lower()


def _notes(
    duration_s: float, words: int, wpm: float, fpm: float, pauses: Sequence[tuple[float, float]]
) -> list[str]:
    if words == 0:
        return ["No speech was recognised in this recording."]
    low, high = COMFORTABLE_WPM
    notes: list[str] = []
    if wpm < SLOW_WPM:
        notes.append(f"{wpm:.0f} words a minute is slow; most listeners are comfortable at about "
                     f"{low:.0f}-{high:.0f}. Fewer restarts and shorter pauses bring you there.")
    elif wpm < low:
        notes.append(f"{wpm:.0f} words a minute: unhurried, a touch below the {low:.0f}-{high:.0f} that "
                     "feels natural in conversation. Fine for a dense technical point.")
    elif wpm <= high:
        notes.append(f"{wpm:.0f} words a minute sits in the comfortable conversational range "
                     f"({low:.0f}-{high:.0f}).")
    elif wpm <= FAST_WPM:
        notes.append(f"{wpm:.0f} words a minute is brisk (comfortable is about {low:.0f}-{high:.0f}); "
                     "slow down on numbers and design decisions so they land.")
    else:
        notes.append(f"{wpm:.0f} words a minute is fast; the interviewer may miss key points. "
                     f"Aim for about {low:.0f}-{high:.0f} and pause after each decision.")
    if fpm <= FEW_FILLERS_PER_MIN:
        notes.append(f"{fpm:.1f} filler words a minute: few, they will not be noticed.")
    elif fpm <= MANY_FILLERS_PER_MIN:
        notes.append(f"{fpm:.1f} filler words a minute: noticeable. A silent pause works better than "
                     "'um' or 'like' while you think.")
    else:
        notes.append(f"{fpm:.1f} filler words a minute: frequent enough to distract. Practise pausing "
                     "silently instead.")
    if pauses:
        longest = max(length for _, length in pauses)
        notes.append(f"{len(pauses)} pause(s) over {LONG_PAUSE_S:g} s (longest {longest:.1f} s). A pause "
                     "to think is fine; saying what you are weighing keeps the interviewer with you.")
    if duration_s < SHORT_RECORDING_S:
        notes.append("The recording is short, so these figures are rough.")
    return notes
