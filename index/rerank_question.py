"""The rerank's reading of a question (for ``index.rerank``): what it constrains and what it asks for.

``analyse`` finds the question's exact constraints (years, quarters, numbers tied to a word:
"Season 17", "Diablo III", "13 fires"), the answer type it asks for (``index.answer_types``) and
its weighted content words. Also here: the number lexicon the passage features share (years,
ordinals, cardinals, Roman numerals, quarters), the tokeniser and the stop words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from index import answer_types

# ---------------------------------------------------------------------------------------------
# Lexicon

_YEAR_RE = re.compile(r"(?<![\w$.,])((?:19|20)\d\d)(?![\w%]|[.,]\d)")
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
_ROMAN_RE = re.compile(r"^(?=[MDCLXVI]{2,}$)M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")

_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth"
    " fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
_CARDINAL_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen twenty"
)
_ORDINALS = {w: i for i, w in enumerate(_ORDINAL_WORDS.split(), 1)}
_CARDINALS = {w: i for i, w in enumerate(_CARDINAL_WORDS.split(), 1)}
_QUARTER_RE = re.compile(
    r"\bq([1-4])\b|\b([1-4])q\b|\b(first|second|third|fourth)[\s-]+quarter\b|\bquarter\s+([1-4])\b",
    re.IGNORECASE,
)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}

# Question words and fillers dropped from a question's keyword form.
_QUESTION_WORDS = {
    "who", "whom", "whose", "what", "when", "where", "which", "why", "how", "is", "are", "was", "were",
    "do", "does", "did", "the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "with", "and", "or",
    "it", "its", "this", "that", "these", "those", "be", "been", "will", "would", "can", "could",
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# The question


@dataclass(frozen=True)
class Constraint:
    """An exact value the question asks about: a year, a quarter or a number after ``head``."""

    kind: str  # "year", "quarter" or "number"
    value: int
    head: str = ""
    ident: bool = False  # the number names the head ("Season 17"), not a count of it ("13 fires")


@dataclass
class QueryInfo:
    text: str
    constraints: list[Constraint]
    answer: str | None  # "date", "money", "number", "place", "name" or None
    terms: dict[str, float]  # content-word stem -> weight
    words: set[str] = field(default_factory=set)  # lower-cased words of the question


def _number_value(tok: str, original: str) -> int | None:
    """A small number written as digits, an ordinal ("11th", "eleventh") or a Roman numeral (II..)."""
    low = tok.lower()
    if tok.isdigit():
        return int(tok) if len(tok) <= 6 else None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", tok):
        return int(tok.replace(",", ""))
    if low in _ORDINALS:
        return _ORDINALS[low]
    m = re.fullmatch(r"(\d{1,4})(?:st|nd|rd|th)", low)
    if m:
        return int(m.group(1))
    if original.isupper() and _ROMAN_RE.match(original):
        return _roman(original)
    return None


def _roman(s: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for a, b in zip(s, s[1:] + " "):
        v = vals[a]
        total += -v if b != " " and vals[b] > v else v
    return total


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def analyse(
    query: str, stem: Callable[[str], str] | None = None, idf: Callable[[str], float] | None = None
) -> QueryInfo:
    """What ``query`` constrains and asks for (``stem``/``idf`` weight its content words)."""
    constraints: list[Constraint] = []
    years = {int(y) for y in _YEAR_RE.findall(query)}
    constraints += [Constraint("year", y) for y in sorted(years)]
    quarters = set()
    for m in _QUARTER_RE.finditer(query):
        quarters.add(_quarter(m))
    constraints += [Constraint("quarter", q) for q in sorted(quarters)]
    toks = _tokens(query)
    quarter_spans = [m.span() for m in _QUARTER_RE.finditer(query)]
    for i, tok in enumerate(toks):
        if tok.isdigit() and len(tok) == 4 and int(tok) in years:
            continue
        if tok.lower() in _ORDINALS or tok.lower() in _CARDINALS:
            continue  # words ("first", "one") are too often not a constraint in a question
        value = _number_value(tok, tok)
        if value is None or _inside(query, tok, quarter_spans):
            continue
        # The word the number belongs to: "Season 17", "Chronicles 2", "Diablo III" (the word
        # before); "20th Century", "13 fires", "at least 13 fires" (the word after).
        prev = toks[i - 1].lower() if i > 0 else ""
        ordinal = bool(re.fullmatch(r"\d+(?:st|nd|rd|th)", tok.lower()))  # "20th"
        after = ordinal
        if not prev or prev in _QUESTION_WORDS or prev in _STOP or prev in _QUANTIFIERS:
            after = True
        head = ""
        for j in range(i + 1, len(toks)) if after else range(i - 1, -1, -1):
            w = toks[j].lower()
            if w not in _QUESTION_WORDS and w not in _STOP and not w.isdigit():
                head = w
                break
        c = Constraint("number", value, head, ident=not after or ordinal)
        if c not in constraints:
            constraints.append(c)
    words = {t.lower() for t in toks}
    terms: dict[str, float] = {}
    if stem is not None:
        for t in toks:
            low = t.lower()
            if low in _QUESTION_WORDS or low in _STOP:
                continue
            s = stem(low)
            if s:
                terms[s] = idf(s) if idf else 1.0
    return QueryInfo(
        query,
        constraints,
        answer_types.kind(query, skip=lambda w: w in _QUESTION_WORDS or w in _STOP),
        terms,
        words,
    )


def _inside(text: str, tok: str, spans: list[tuple[int, int]]) -> bool:
    for a, b in spans:
        if tok.lower() in text[a:b].lower():
            return True
    return False


def _quarter(m: re.Match) -> int:
    for g in m.groups():
        if g:
            return int(g) if g.isdigit() else _QUARTER_WORDS[g.lower()]
    return 0


_QUANTIFIERS = {
    "least", "most", "than", "about", "around", "over", "under", "nearly", "almost", "roughly", "approximately",
    "some", "only", "just", "top", "last", "first", "next", "past", "every", "per", "up", "down",
}  # fmt: skip

_STOP = {
    "s", "t", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her", "they", "them", "their",
    "has", "have", "had", "not", "from", "as", "about", "into", "than", "then", "there", "so", "if",
    "all", "any", "some", "more", "most", "much", "many", "very", "just", "also", "after", "before",
}  # fmt: skip


_WORD_RE = re.compile(r"[\w'-]+")
