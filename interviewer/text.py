"""Plain-text helpers for evidence: sentence spans that quote verbatim, content-word stems, and the
surface signals of a reasoned answer (numbers, reasons, decisions) versus a keyword list."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "i'd", "i'll", "i'm", "we'd", "we'll", "we're", "it's", "let's", "that's", "there's", "one", "two", "get", "got", "use", "using", "used", "make", "way", "like", "well", "really", "thing", "things", "going", "go", "want", "need", "lot", "much", "many", "per", "via", "etc"]
)

# Words that carry reasoning or a decision in spoken answers. A claim with one of these, or with a
# number, is a reasoned claim; a run of nouns without them is a keyword list.
REASON_MARKERS = re.compile(
    r"\b(because|since|so that|so we|so i|therefore|which means|that means|means that|in order to|"
    r"otherwise|instead of|rather than|trade-?off|at the cost of|versus|vs\.?|unless|if\b.*\bthen|"
    r"given that|due to|driven by|to avoid|to prevent|to reduce|to keep|so the|which lets|which gives|"
    r"the reason|the risk|would|i'd|we'd|i will|we will|i'll|we'll|i would|we would|"
    r"choose|chose|pick|prefer|start with|first|then|before|after|compare|measure|estimate)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d")

# Text addressed to whoever grades the answer rather than to the interviewer. Such sentences are
# never evidence: they can only lower nothing and raise nothing.
GRADER_DIRECTED = re.compile(
    r"(\b(score|grade|rate|mark)\s+(this|me|the answer|my answer|it)\b|\b(full|maximum|max|top)\s+"
    r"(marks|score|points)\b|\brubric\b|\bgrader\b|\bevaluator\b|\bignore\s+(all|any|the|previous|"
    r"prior|above)\b|\b(system|assistant)\s*:|\blevel\s*[1-4]\b.*\b(criteri|every|all)|"
    r"\"?(level|score|overall|verdict)\"?\s*[:=]\s*\"?\d|\bignorez\b|\bignoriere\b|\bignora\b|"
    r"\bpunktzahl\b|\bnote maximale\b|\bpuntuaci[oó]n\b|\bbewerte\b|\bcalifica\b|"
    # more languages: "ignore ...", "top marks", "score/grade", "level 4 on every criterion"
    r"\bnew\s+(rules?|instructions?)\b|\bdeserves?\s+(a\s+)?(level\s*)?[1-4]\b|"
    r"\bignore\s+(as|os|todas|todos)\b|\bnota m[aá]xima\b|\bpontua[cç][aã]o\b|\bavalie\b|"
    r"\bpunteggio\b|\bnegeer\b|\bhoogste cijfer\b|\bzignoruj\b|\bocen[a-zęąó]*\b|"
    r"\bигнорир|\bоцен[а-я]*|\bбалл|忽略|无视|打分|满分|評価|無視|満点|"
    r"\b(n[ií]vel|niveau|stufe|livello)\s*[1-4]\b.*\b(crit[eéè]ri|kriteri)\w*)",
    re.IGNORECASE,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|;\s+")
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-\.]*[a-z0-9]|[a-z0-9]")
# Invisible characters outside the format category (Cf, dropped wholesale): the combining grapheme
# joiner, variation selectors and the Hangul fillers that render as blank space.
_INVISIBLE_EXTRA = frozenset([0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10)])
# Cyrillic and Greek letters drawn like Latin ones (one character each way, so offsets hold).
_LOOK_ALIKES = str.maketrans(
    "аеорсухѕіјԁһԛԝӏАВЕКМНОРСТХУЅІЈԚԜαοριυνκΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxsijdhqwlABEKMHOPCTXYSIJQWaopiuvkABEZHIKMNOPTYX",
)
_LOOK_ALIKE_CHARS = frozenset(chr(c) for c in _LOOK_ALIKES)
_LETTERS = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class Span:
    """A sentence of the candidate's text; `text` is exactly `source[start:end]`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Folded:
    """Text folded for matching, with where each of its characters came from in the source, so a
    match in the folded text maps back to the candidate's exact characters."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source slice behind folded[start:end] (end > start)."""
        return self.starts[start], self.ends[end - 1]


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or ord(char) in _INVISIBLE_EXTRA


def _unmask_word(match: re.Match[str]) -> str:
    """A word that mixes Latin with look-alike letters, or is spelled only with look-alikes, is
    read as the Latin word it imitates; genuine Cyrillic or Greek words are left alone."""
    word = match.group(0)
    look_alikes = sum(char in _LOOK_ALIKE_CHARS for char in word)
    if look_alikes and (look_alikes == len(word) or any(char.isascii() for char in word)):
        return word.translate(_LOOK_ALIKES)
    return word


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if _is_invisible(char):
        return ""
    return "".join(c for c in unicodedata.normalize("NFKC", char) if not _is_invisible(c))


def fold(text: str) -> Folded:
    """NFKC character by character (runs of ASCII pass unchanged), invisible characters dropped,
    look-alike letters unmasked."""
    if text.isascii():
        return Folded(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for run in _NON_ASCII.finditer(text):
        pieces.append(text[position : run.start()])
        starts.extend(range(position, run.start()))
        ends.extend(range(position + 1, run.start() + 1))
        for index in range(run.start(), run.end()):
            folded = _fold_char(text[index])
            pieces.append(folded)
            starts.extend([index] * len(folded))
            ends.extend([index + 1] * len(folded))
        position = run.end()
    pieces.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    unmasked = _LETTERS.sub(_unmask_word, "".join(pieces))
    return Folded(unmasked, tuple(starts), tuple(ends))


def normalise(text: str) -> str:
    """Fold look-alike characters and drop invisible ones, for matching only (never for quoting)."""
    return fold(text).text


def sentence_spans(text: str, max_words: int = 45) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.extend(_trimmed(text, start, match.start(), max_words))
        start = match.end()
    spans.extend(_trimmed(text, start, len(text), max_words))
    return spans


def _trimmed(text: str, start: int, end: int, max_words: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start < 2:
        return []
    piece = text[start:end]
    if len(piece.split()) <= max_words:
        return [Span(start, end, piece)]
    # Long run-on speech: cut at commas near the middle so each span stays a readable quote.
    cut = piece.rfind(", ", 0, len(piece) // 2 + 40)
    if cut <= 0:
        cut = piece.find(" ", len(piece) // 2)
    if cut <= 0:
        return [Span(start, end, piece)]
    return _trimmed(text, start, start + cut + 1, max_words) + _trimmed(
        text, start + cut + 1, end, max_words
    )


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalise(text).lower())


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ness", "ment", "ers", "er",
                   "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in tokens(text) if w not in STOPWORDS and len(w) > 1]


def stopword_share(text: str) -> float:
    words = tokens(text)
    if not words:
        return 0.0
    return sum(1 for w in words if w in STOPWORDS) / len(words)


_MARKUP = re.compile(r"<[a-z/!][^>]*>|^\s*\|.*\|\s*$|^\s*[-|: ]{3,}$", re.IGNORECASE | re.MULTILINE)


def is_markup(text: str) -> bool:
    """HTML tags or table rows: layout, not something a candidate says."""
    return bool(_MARKUP.search(text))


def is_keyword_list(text: str) -> bool:
    """Telegraphic text: mostly short comma/slash-separated fragments or nearly no function words, or
    markup rather than sentences."""
    if is_markup(text):
        return True
    words = tokens(text)
    if len(words) < 3:
        return True
    share = stopword_share(text)
    if share < 0.12:
        return True
    fragments = [f for f in re.split(r"[,/;|•·]|\s-\s|\n", text) if f.strip()]
    short = sum(1 for f in fragments if len(f.split()) <= 3)
    return len(fragments) >= 4 and short / len(fragments) >= 0.7 and share < 0.25


def has_specifics(text: str) -> bool:
    """Prose that carries a number, a reason or a decision."""
    return not is_keyword_list(text) and bool(NUMBER.search(text) or REASON_MARKERS.search(text))


def is_grader_directed(text: str) -> bool:
    return bool(GRADER_DIRECTED.search(normalise(text)))
