"""Numbers however they are said: "65,000", "65k", "sixty five thousand", "point nine seven", "0.97",
"seventy percent", "70%", "1.5M", "a hundred and fifty". Used to tell whether a candidate stated a
key point's numbers, and whether they stated different ones."""

from __future__ import annotations

import re
from functools import lru_cache

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SUFFIX = {"k": 1_000, "m": 1_000_000, "mm": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
_FRACTIONS = {"half": 0.5, "quarter": 0.25, "third": 1 / 3}
_PERCENT_WORDS = {"percent", "per cent", "pct"}

_DIGITS = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(k|mm|m|bn|b)?(?![a-z])(\s*%|\s*percent\b|\s*per cent\b)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?", re.IGNORECASE)
# Small integers that are mostly grammar, not quantities ("one of them", "two options").
_GRAMMAR_NUMBERS = {"one", "oh", "zero"}


def _digit_numbers(text: str) -> list[tuple[int, int, float]]:
    found = []
    for match in _DIGITS.finditer(text):
        whole, decimals, suffix, percent = match.groups()
        value = float(whole.replace(",", "") + (decimals or ""))
        if suffix:
            value *= _SUFFIX[suffix.lower()]
        if percent:
            value /= 100
        found.append((match.start(), match.end(), value))
    return found


def _word_numbers(text: str) -> list[tuple[int, int, float]]:
    """Runs of number words: 'sixty five thousand', 'point nine seven', 'a hundred and fifty',
    'seventy percent', 'half'."""
    words = [(m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text)]
    found: list[tuple[int, int, float]] = []
    i = 0
    while i < len(words):
        start = words[i][0]
        total = 0.0
        current = 0.0
        decimals = ""
        seen = False
        j = i
        if words[j][2] == "a" and j + 1 < len(words) and words[j + 1][2] in ("hundred", "thousand", "million", "billion"):
            current, j, seen = 1.0, j + 1, True
        if words[j][2] == "point" and j + 1 < len(words) and words[j + 1][2] in _UNITS:
            j += 1
            while j < len(words) and words[j][2] in _UNITS and _UNITS[words[j][2]] < 10:
                decimals += str(_UNITS[words[j][2]])
                j += 1
            found.append((start, words[j - 1][1], float("0." + decimals)))
            i = j
            continue
        while j < len(words):
            word = words[j][2]
            parts = word.split("-")
            if all(p in _UNITS or p in _TENS for p in parts) and not (len(parts) == 1 and not seen and word in _GRAMMAR_NUMBERS and not _next_is_number(words, j)):
                current += sum(_UNITS.get(p, 0) + _TENS.get(p, 0) for p in parts)
                seen = True
            elif word in _SCALES and seen:
                if word == "hundred":
                    current *= 100
                else:
                    total += current * _SCALES[word]
                    current = 0.0
            elif word == "and" and seen and j + 1 < len(words) and (words[j + 1][2] in _UNITS or words[j + 1][2] in _TENS):
                pass
            elif word == "point" and seen and j + 1 < len(words) and words[j + 1][2] in _UNITS:
                j += 1
                while j < len(words) and words[j][2] in _UNITS and _UNITS[words[j][2]] < 10:
                    decimals += str(_UNITS[words[j][2]])
                    j += 1
                break
            else:
                break
            j += 1
        if seen:
            value = total + current + (float("0." + decimals) if decimals else 0.0)
            end = words[j - 1][1]
            if j < len(words) and words[j][2] in ("percent", "pct"):
                value /= 100
                end = words[j][1]
                j += 1
            elif j + 1 < len(words) and words[j][2] == "per" and words[j + 1][2] == "cent":
                value /= 100
                end = words[j + 1][1]
                j += 2
            found.append((start, end, value))
            i = max(j, i + 1)
            continue
        if words[i][2] in _FRACTIONS:
            found.append((words[i][0], words[i][1], _FRACTIONS[words[i][2]]))
        i += 1
    return found


def _next_is_number(words: list[tuple[int, int, str]], j: int) -> bool:
    if j + 1 >= len(words):
        return False
    nxt = words[j + 1][2]
    return nxt in _SCALES or nxt in ("point", "percent")


@lru_cache(maxsize=8192)
def quantities(text: str) -> tuple[float, ...]:
    """Every number the text states, as a value (percentages as fractions: 70% -> 0.7)."""
    digits = _digit_numbers(text)
    taken = [(a, b) for a, b, _ in digits]
    words = [w for w in _word_numbers(text) if not any(a < w[1] and w[0] < b for a, b in taken)]
    return tuple(v for _, _, v in sorted(digits + words))


def same_quantity(a: float, b: float, tolerance: float = 0.03) -> bool:
    """Equal within a relative tolerance; a percentage and its fraction are the same quantity (70
    and 0.7 both mean seventy percent when one side wrote the % sign and the other did not)."""
    for x, y in ((a, b), (a * 100, b), (a, b * 100)):
        if x == y or abs(x - y) <= tolerance * max(abs(x), abs(y)):
            return True
    return False


def shared_quantities(point: str, window: str) -> tuple[int, int, int]:
    """(numbers in the point, of those the window states, numbers the window states that the point
    does not): how far the window carries the point's numbers, and whether it says others."""
    wanted = [q for q in quantities(point) if q not in (0.0, 1.0)]
    said = quantities(window)
    matched = sum(1 for q in wanted if any(same_quantity(q, s) for s in said))
    other = sum(1 for s in said if s not in (0.0, 1.0) and not any(same_quantity(s, q) for q in wanted))
    return len(wanted), matched, other
