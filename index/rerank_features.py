"""A candidate passage and its text features for the rerank (``index.rerank``).

``parse`` splits off a news dateline; ``constraint_scores``, ``answer_score`` and ``coverage``
measure how the passage meets the question's exact constraints, asked answer type and content
words (``index.rerank_question``), and ``features`` gives all of them for a list of passages.
Also here: the patterns of answer values (dates, amounts, numbers, names, places).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.dates import MONTH_NAMES, MONTHS, WEEKDAYS
from index.rerank_question import (
    _CARDINALS,
    _ORDINALS,
    _QUARTER_RE,
    _YEAR_RE,
    QueryInfo,
    _number_value,
    _quarter,
    _tokens,
)

# ---------------------------------------------------------------------------------------------
# Lexicon

_M = rf"(?:{MONTH_NAMES})\.?"
_DATELINE_RE = re.compile(rf"^\s*{_M}\s+\d{{1,2}},\s+((?:19|20)\d\d)\s*(?:\.\.\.|…|—|–|-|·|\|)\s*")
_FULL_DATE_RE = re.compile(
    rf"\b{_M}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:of\s+)?(?:19|20)\d\d\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_M},?\s+(?:19|20)\d\d\b"
    rf"|\b(?:19|20)\d\d,?\s+{_M}\s+\d{{1,2}}\b"
    r"|\b(?:19|20)\d\d-[01]\d-[0-3]\d\b"
)
_MONTH_YEAR_RE = re.compile(rf"\b{_M},?\s+(?:of\s+)?(?:19|20)\d\d\b")
_MONTH_DAY_RE = re.compile(
    rf"\b{_M}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_M}\b"
)
_MONEY_RE = re.compile(
    r"(?:[$€£¥]|\b(?:US|USD|EUR|GBP)\s?\$?)\s?\d[\d,.]*(?:\s*(?:thousand|million|billion|trillion|bn|mn|[mbk])\b)?"
    r"|\b\d[\d,.]*\s*(?:thousand|million|billion|trillion)?\s*(?:dollars|euros|pounds|yen|usd|eur)\b",
    re.IGNORECASE,
)
_SCALED_RE = re.compile(r"\b\d[\d,.]*\s*(?:million|billion|trillion|bn|mn)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?!\w)")
_CAP = r"[A-Z][\w'’.-]*[a-z\u00C0-\u024F][\w'’.-]*"
_NAME_RE = re.compile(rf"\b{_CAP}(?:\s+(?:(?:de|da|del|van|von|der|la|le|bin|al)\s+)?{_CAP})+")
_CAPWORD_RE = re.compile(rf"(?<![.!?]\s)(?<!^)\b{_CAP}")
_PLACE_RE = re.compile(rf"\b{_CAP},\s+{_CAP}|\b(?:in|at|from|near)\s+(?:the\s+)?{_CAP}")
_RANGE_RE = re.compile(
    r"\b((?:19|20)\d\d)\s*(?:-|–|—|to|until|through|and)\s*((?:19|20)?\d\d)\b|\bsince\s+((?:19|20)\d\d)\b"
)
_MONTH_WORDS = set(MONTHS)
_WEEKDAYS = set(WEEKDAYS)


# ---------------------------------------------------------------------------------------------
# A passage


@dataclass
class Passage:
    dateline_year: int | None
    body: str
    tokens: list[str]  # as written
    lower: list[str]
    matches: dict[str, list[tuple[int, int, float]]] = field(default_factory=dict)  # by question


def parse(text: str) -> Passage:
    m = _DATELINE_RE.match(text)
    year = int(m.group(1)) if m else None
    body = text[m.end() :] if m else text
    toks = _tokens(body)
    return Passage(year, body, toks, [t.lower() for t in toks])


def _values_near(p: Passage, head: str) -> tuple[set[int], set[int], bool]:
    """Numbers tied to ``head`` in the passage: as its identifier ("season 17", "Chronicles 2",
    "Diablo III", "17th season", "eleventh and final season"), as its count ("13 fires",
    "3,000 soldiers"); and whether ``head`` occurs at all."""
    ident: set[int] = set()
    count: set[int] = set()
    seen = False
    for i, w in enumerate(p.lower):
        if w != head and not (len(head) > 3 and w.rstrip("s") == head.rstrip("s")):
            continue
        seen = True
        for j in (i + 1, i + 2):  # after the head: digits or a Roman numeral
            if j < len(p.tokens):
                v = _number_value(p.tokens[j], p.tokens[j])
                if v is not None and not (p.lower[j] in _ORDINALS and j > i + 1):
                    ident.add(v)
                    break
                if p.lower[j] in _CARDINALS and j == i + 1:
                    ident.add(_CARDINALS[p.lower[j]])
                    break
        for j in range(max(0, i - 3), i):  # before: an ordinal or a count
            w2 = p.lower[j]
            if w2 in _ORDINALS or re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)", w2):
                ident.add(_number_value(p.tokens[j], p.tokens[j]) or 0)
            elif j >= i - 2:
                v = _CARDINALS.get(w2) if w2 in _CARDINALS else _number_value(p.tokens[j], p.tokens[j])
                if v is not None:
                    count.add(v)
    return ident, count, seen


def _all_values(p: Passage) -> set[int]:
    out = set()
    for t in p.tokens:
        v = _number_value(t, t)
        if v is not None:
            out.add(v)
    return out


def constraint_scores(q: QueryInfo, p: Passage) -> tuple[float, float]:
    """(share of constraints met, share contradicted), each in [0, 1]."""
    if not q.constraints:
        return 0.0, 0.0
    body_years = {int(y) for y in _YEAR_RE.findall(p.body)}
    ranges = _year_ranges(p.body)
    quarters = {_quarter(m) for m in _QUARTER_RE.finditer(p.body)}
    values: set[int] | None = None
    met = contra = 0.0
    for c in q.constraints:
        if c.kind == "year":
            if c.value in body_years:
                met += 1
            elif p.dateline_year == c.value:
                met += 0.5
            elif any(a <= c.value <= b for a, b in ranges):
                pass  # "between 1901 and 2022", "1968-2022", "since 2015": neither for nor against
            elif body_years:
                contra += 1
            elif p.dateline_year is not None:
                contra += 0.25
        elif c.kind == "quarter":
            if c.value in quarters:
                met += 1
            elif quarters:
                contra += 1
        else:
            ident, count, seen = _values_near(p, c.head) if c.head else (set(), set(), False)
            if c.value in ident or c.value in count:
                met += 1
                continue
            if values is None:
                values = _all_values(p)
            if c.value in values:
                met += 0.5
            elif c.ident and seen and ident:
                contra += 1  # "Season 16" / "Chronicles 3" for "Season 17" / "Chronicles 2"
    n = len(q.constraints)
    return met / n, contra / n


def _year_ranges(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _RANGE_RE.finditer(text):
        if m.group(3):
            out.append((int(m.group(3)), 2100))
            continue
        a, b = m.group(1), m.group(2)
        lo, hi = int(a), int(b) if len(b) == 4 else int(a[:2] + b)
        if lo < hi:
            out.append((lo, hi))
    return out


def answer_matches(q: QueryInfo, p: Passage) -> list[tuple[int, int, float]]:
    """Spans of the body that could answer ``q`` by type, with how clearly: (start, end, strength)."""
    if q.text not in p.matches:
        p.matches[q.text] = _answer_matches(q, p)
    return p.matches[q.text]


def _answer_matches(q: QueryInfo, p: Passage) -> list[tuple[int, int, float]]:
    body = p.body
    out: list[tuple[int, int, float]] = []
    if q.answer == "date":
        for pattern, strength in (
            (_FULL_DATE_RE, 1.0),
            (_MONTH_YEAR_RE, 0.7),
            (_MONTH_DAY_RE, 0.5),
            (_YEAR_RE, 0.2),
        ):
            out += [(m.start(), m.end(), strength) for m in pattern.finditer(body)]
    elif q.answer == "money":
        out += [(m.start(), m.end(), 1.0) for m in _MONEY_RE.finditer(body)]
        out += [(m.start(), m.end(), 0.6) for m in _SCALED_RE.finditer(body)]
    elif q.answer == "number":
        for m in _NUMBER_RE.finditer(body):
            tok = m.group().replace(",", "")
            if tok not in q.words and not _YEAR_RE.fullmatch(tok):
                out.append((m.start(), m.end(), 1.0))
        out += [(m.start(), m.end(), 0.5) for m in _CARDINAL_RE.finditer(body)]
    elif q.answer in ("name", "place"):
        pattern = _PLACE_RE if q.answer == "place" else _NAME_RE
        for m in pattern.finditer(body):
            if _new_words(q, m.group()):
                out.append((m.start(), m.end(), 1.0))
        for m in _CAPWORD_RE.finditer(body):
            if _new_words(q, m.group()):
                out.append((m.start(), m.end(), 0.5))
    return out


def _new_words(q: QueryInfo, span: str) -> bool:
    """Whether ``span`` holds a word that is not the question's (nor a month, weekday, preposition)."""
    for w in _tokens(span):
        w = w.lower()
        if w not in q.words and w not in _MONTH_WORDS and w not in _WEEKDAYS and w not in _PLACE_PREPS:
            return True
    return False


_PLACE_PREPS = {"in", "at", "from", "near", "the"}
_CARDINAL_RE = re.compile(r"\b(?:" + "|".join(_CARDINALS) + r")\b", re.IGNORECASE)


def answer_score(q: QueryInfo, p: Passage) -> float:
    """How clearly the passage holds an answer of the asked type, in [0, 1]."""
    return max((m[2] for m in answer_matches(q, p)), default=0.0)


def coverage(q: QueryInfo, p: Passage, stem: Callable[[str], str]) -> float:
    """The weighted share of the question's content words found in the passage (stems)."""
    if not q.terms:
        return 0.0
    stems = {stem(w) for w in p.lower}
    total = sum(q.terms.values())
    return sum(w for t, w in q.terms.items() if t in stems) / total if total else 0.0


# ---------------------------------------------------------------------------------------------
# All passages


def features(
    q: QueryInfo, texts: Sequence[str | Passage], stem: Callable[[str], str] | None = None
) -> dict[str, np.ndarray]:
    """The text features of each passage: coverage, constraint, conflict, answer."""
    n = len(texts)
    out = {k: np.zeros(n, dtype=np.float64) for k in ("coverage", "constraint", "conflict", "answer")}
    for i, text in enumerate(texts):
        p = parse(text) if isinstance(text, str) else text
        out["constraint"][i], out["conflict"][i] = constraint_scores(q, p)
        out["answer"][i] = answer_score(q, p)
        if stem is not None:
            out["coverage"][i] = coverage(q, p, stem)
    return out
