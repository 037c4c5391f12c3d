"""Library search: whole words, ranked by where they occur (title, then tags, then the prompt).

A query matches a case when every query word is found as a word (not inside another word: "ETA" is
not found in "metadata" or "beta"). Words of four letters or more also match longer words they start
("forecast" finds "forecasting"). No Streamlit here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from interviewer.models import AnyCase

_WORD = re.compile(r"[\w]+(?:[-'][\w]+)*", re.UNICODE)
PREFIX_FROM = 4  # query words this long also match words they start
WEIGHTS = (("title", 10.0), ("tags", 5.0), ("kind", 3.0), ("prompt", 1.0))


def words(text: str) -> list[str]:
    """Lower-cased words; hyphenated words count whole and by their parts ("goods-to-person")."""
    found: list[str] = []
    for match in _WORD.finditer(text.casefold()):
        word = match.group(0)
        found.append(word)
        if "-" in word:
            found.extend(part for part in word.split("-") if part)
    return found


def _hits(term: str, vocabulary: Sequence[str]) -> int:
    if len(term) >= PREFIX_FROM:
        found = sum(1 for w in vocabulary if w.startswith(term))
        if not found and term.endswith("s"):  # a plural query finds the singular: "ETAs", "SKUs"
            found = _hits(term[:-1], vocabulary)
        return found
    return sum(1 for w in vocabulary if w == term)


def _fields(case: AnyCase) -> dict[str, list[str]]:
    return {
        "title": words(case.title),
        "tags": words(" ".join(case.tags)),
        "kind": words(case.kind.replace("_", " ")),
        "prompt": words(case.prompt),
    }


def score(case: AnyCase, query: str) -> float:
    """0 when some query word is missing; else higher for title and tag matches. Repeats in the
    prompt add a little (capped), so a case about ETAs outranks one that mentions an ETA once."""
    terms = list(dict.fromkeys(words(query)))
    if not terms:
        return 0.0
    fields = _fields(case)
    total = 0.0
    for term in terms:
        found = 0.0
        for name, weight in WEIGHTS:
            hits = _hits(term, fields[name])
            if hits:
                found += weight * (1.0 + min(hits - 1, 4) * 0.25)
        if found == 0.0:
            return 0.0
        total += found
    return total


def search(cases: Iterable[AnyCase], query: str) -> list[AnyCase]:
    """The cases that match every word of the query, best first (ties by title)."""
    if not words(query):
        return list(cases)
    ranked = [(score(case, query), case) for case in cases]
    return [case for value, case in sorted(ranked, key=lambda p: (-p[0], p[1].title)) if value > 0]
