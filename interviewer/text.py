"""Plain-text helpers for evidence: sentence spans that quote verbatim, content-word stems, and the
surface signals of a reasoned answer (numbers, reasons, decisions) versus a keyword list."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
    r"\bpunktzahl\b|\bnote maximale\b|\bpuntuaci[oó]n\b|\bbewerte\b|\bcalifica\b)",
    re.IGNORECASE,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|;\s+")
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-\.]*[a-z0-9]|[a-z0-9]")
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD], None
)  # zero-width and soft-hyphen characters


@dataclass(frozen=True)
class Span:
    """A sentence of the candidate's text; `text` is exactly `source[start:end]`."""

    start: int
    end: int
    text: str


def normalise(text: str) -> str:
    """Fold look-alike characters and drop invisible ones, for matching only (never for quoting)."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


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


def is_keyword_list(text: str) -> bool:
    """Telegraphic text: mostly short comma/slash-separated fragments or nearly no function words."""
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
