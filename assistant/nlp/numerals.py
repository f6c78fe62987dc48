"""The numbers a text states, normalised ("six" == "6", "8,000" == "8000", "$425 million")."""

from __future__ import annotations

import re

_NUM_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "k": 1e3}  # fmt: skip
_NUM_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(?:-\s*)?(thousand|million|billion|trillion|bn|mn|m|b|k)\b)?"
    r"|\b(" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r")(?:[-\s](one|two|three|four|five|six|"
    r"seven|eight|nine))?\b(?:\s+(thousand|million|billion|trillion))?",
    re.IGNORECASE,
)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def numbers(text: str, *, include_one: bool = True) -> set[str]:
    """Numbers stated in ``text``: each as written (normalised) and, when scaled, as a value.

    "8,000" -> {"8000"}; "$425 million" -> {"425", "425000000"}; "six" -> {"6"};
    "twenty-five" -> {"25"}. ``include_one=False`` ignores the word "one" (mostly a pronoun).
    """
    out: set[str] = set()
    for m in _NUM_RE.finditer(text):
        if m.group(1):
            raw = m.group(1).replace(",", "")
            try:
                val = float(raw)
            except ValueError:
                continue
            scale = m.group(2)
        else:
            word = m.group(3).lower()
            if word == "one" and not include_one and not m.group(4):
                continue
            val = float(_NUM_WORDS[word])
            if m.group(4):
                val += _NUM_WORDS[m.group(4).lower()]
            scale = m.group(5)
        out.add(_fmt(val))
        if scale and scale.lower() in _SCALES:
            out.add(_fmt(val * _SCALES[scale.lower()]))
    return out


def claim_numbers(text: str) -> set[str]:
    """The numbers a claim commits to (each must be found in its evidence)."""
    return numbers(text, include_one=False)


def number_supported(n: str, available: set[str]) -> bool:
    return n in available
