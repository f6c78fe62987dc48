"""Second-stage rerank of the fused candidates with cheap, general features.

Reciprocal-rank fusion throws away how far apart candidates are and knows nothing about what a
question constrains. Many questions hinge on a year, an edition or a quarter ("Wimbledon 2019",
"Season 17", "Q1 2021") among near-identical passages about other years, and the passage that
answers often lacks the question's words but holds an answer of the asked type (a date for
"when", an amount for "how much"). So the top candidates are re-scored with:

* ``dense``      -- the cosine similarity to the question, relative to the best candidate;
* ``bm25``       -- the BM25 score over the best candidate's;
* ``coverage``   -- the IDF-weighted share of the question's content words the passage holds;
* ``constraint`` -- the share of the question's exact constraints the passage states: years,
                    numbers tied to the word before them ("Season 17", "Chronicles 2", "No 1"),
                    ordinals and Roman numerals as numbers ("eleventh season", "Diablo III"),
                    quarters ("Q1" = "first quarter" = "1Q");
* ``conflict``   -- the share of them the passage contradicts: it names a different year
                    (number, quarter) of the same kind and not the asked one;
* ``answer``     -- whether the passage holds something of the asked type (a full date for
                    "when", an amount for "how much", a number for "how many", a name for "who").

A news-snippet dateline ("Feb 7, 2021 ... ") is the publication date, not content: it counts as
weak evidence for a year and never as a date answer. Regexes only (no model): ~1 ms a passage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from index import answer_types
from index.dates import MONTH_NAMES, MONTHS, WEEKDAYS


@dataclass(frozen=True)
class Weights:
    """Weights of the rerank features (see the module docstring), chosen on RGB dev (see bench/rgb.py).

    The search does not replace the first-stage order with these scores: it fuses the rerank's
    order with the dense and BM25 ranks (``Settings.rerank_weight``), since weights fitted on 50
    questions misjudge some passages of other questions.

    ``dense`` multiplies the cosine gap to the best candidate, ``bm25`` the BM25 score over the
    best one; the others multiply features in [0, 1]. Answer type and constraints outweigh small
    similarity gaps on purpose: among near-identical passages they are what tells the right one.
    """

    dense: float = 1.0
    dense_margin: float = 0.25  # a cosine this far below the best one costs ``dense_steep`` more per unit:
    dense_steep: float = 10.0  # the features reorder plausible candidates, they do not promote strays
    bm25: float = 0.5
    coverage: float = 0.5
    constraint: float = 1.0
    conflict: float = 1.0
    answer: float = 1.5
    consensus: float = 0.5  # agreement of other documents on the passage's answer (CONSENSUS_TYPES)
    consensus_temperature: float = 1.0

    def shrunk(self, factor: float) -> Weights:
        """These weights with every feature weight but the cosine gap's multiplied by ``factor``
        (a common shrinkage towards the dense order: 0 leaves the cosine alone)."""
        if factor == 1.0:
            return self
        return replace(self, **{k: getattr(self, k) * factor for k in FEATURE_WEIGHTS})


FEATURE_WEIGHTS = ("bm25", "coverage", "constraint", "conflict", "answer", "consensus")
"""The weights ``Weights.shrunk`` scales (all but the cosine gap's)."""


DEFAULT_WEIGHTS = Weights()

# ---------------------------------------------------------------------------------------------
# Lexicon

_M = rf"(?:{MONTH_NAMES})\.?"
_YEAR_RE = re.compile(r"(?<![\w$.,])((?:19|20)\d\d)(?![\w%]|[.,]\d)")
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
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
_RANGE_RE = re.compile(
    r"\b((?:19|20)\d\d)\s*(?:-|–|—|to|until|through|and)\s*((?:19|20)?\d\d)\b|\bsince\s+((?:19|20)\d\d)\b"
)
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
_MONTH_WORDS = set(MONTHS)
_WEEKDAYS = set(WEEKDAYS)

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
# Scoring


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


def scores(
    q: QueryInfo,
    texts: Sequence[str],
    dense: Sequence[float],
    bm25: Sequence[float],
    weights: Weights = DEFAULT_WEIGHTS,
    stem: Callable[[str], str] | None = None,
    groups: Sequence[str] | None = None,
) -> np.ndarray:
    """The rerank score of each passage (higher is better).

    ``dense`` holds cosine similarities to the question, ``bm25`` BM25 scores (0 when absent);
    ``groups`` the document of each passage (passages of one document agree as one voice).
    """
    if not texts:
        return np.zeros(0)
    passages = [parse(t) for t in texts]
    s = combine(q, features(q, passages, stem), dense, bm25, weights)
    if weights.consensus and q.answer in CONSENSUS_TYPES:
        s = s + weights.consensus * consensus(q, passages, s, groups, weights.consensus_temperature)
    return s


CONSENSUS_TYPES = ("date", "money", "name")
"""Answer types whose candidates are specific enough to vote on (places and bare numbers are not)."""


def consensus(
    q: QueryInfo,
    texts: Sequence[str | Passage],
    s: np.ndarray,
    groups: Sequence[str] | None,
    temperature: float,
) -> np.ndarray:
    """How strongly the other documents agree with each passage's answer candidates, in [0, 1].

    Each passage votes, with weight ``exp((score - best) / temperature)``, for the candidate
    answers it holds (a date, an amount, a name); a document votes once per candidate (with its
    best passage); a candidate needs two documents. A passage gets its best candidate's votes
    over the winner's.
    """
    groups = list(groups) if groups is not None else [str(i) for i in range(len(texts))]
    w = np.exp((s - s.max()) / max(temperature, 1e-6))
    held = [answer_candidates(q, parse(t) if isinstance(t, str) else t) for t in texts]
    by_doc: dict[str, dict[str, float]] = {}
    for i, cands in enumerate(held):
        for c in cands:
            docs = by_doc.setdefault(c, {})
            docs[groups[i]] = max(docs.get(groups[i], 0.0), float(w[i]))
    votes = {c: sum(d.values()) for c, d in by_doc.items() if len(d) >= 2}
    top = max(votes.values(), default=0.0)
    if top <= 0:
        return np.zeros(len(texts))
    return np.array([max((votes.get(c, 0.0) for c in cands), default=0.0) / top for cands in held])


def answer_candidates(q: QueryInfo, p: Passage) -> set[str]:
    """The passage's candidate answers, normalised so that different writings meet:
    dates as ``2017-07-21`` / ``2015-12``, amounts as a number, names as their new words."""
    out: set[str] = set()
    full = [(a, b) for a, b, strength in answer_matches(q, p) if strength == 1.0]
    for a, b, strength in answer_matches(q, p):
        span = p.body[a:b]
        if q.answer == "date":  # full dates, and months of a year not inside one ("21 July 2017")
            if strength == 1.0 or (strength >= 0.7 and not any(x <= a and b <= y for x, y in full)):
                out.add(_iso_date(span) or "")
        elif q.answer == "money":
            out.add(_amount(span) or "")
        elif q.answer in ("name", "place"):
            ws = [w.lower() for w in _tokens(span)]
            ws = [w for w in ws if len(w) > 1 and w not in q.words and w not in _NOT_NAMES]
            out.add(" ".join(ws))
        else:
            out.add(span.replace(",", ""))
    out.discard("")
    return out


_NOT_NAMES = _MONTH_WORDS | _WEEKDAYS | _PLACE_PREPS | _QUESTION_WORDS | _STOP
_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "k": 1e3}  # fmt: skip


def _iso_date(span: str) -> str | None:
    toks = re.findall(r"[A-Za-z]+|\d+", span)
    year = next((t for t in toks if len(t) == 4 and t.isdigit()), None)
    month = next((MONTHS[t.lower()[:3]] for t in toks if t.lower()[:3] in MONTHS), None)
    day = next((int(t) for t in toks if t.isdigit() and len(t) <= 2), None)
    if year and month and day:
        return f"{year}-{month:02d}-{day:02d}"
    if year and month:
        return f"{year}-{month:02d}"
    m = re.fullmatch(r"((?:19|20)\d\d)-([01]\d)-([0-3]\d)", span)
    return m.group() if m else None


def _amount(span: str) -> str | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", span)
    if not m:
        return None
    scale = re.search(r"\b(thousand|million|billion|trillion|bn|mn|[mbk])\b", span[m.end() :], re.IGNORECASE)
    value = float(m.group().replace(",", "")) * (_SCALES[scale.group(1).lower()] if scale else 1.0)
    return f"{value:.6g}"


def combine(
    q: QueryInfo, f: dict[str, np.ndarray], dense: Sequence[float], bm25: Sequence[float], weights: Weights
) -> np.ndarray:
    """The weighted sum of the features (``features``) and the normalised retrieval scores."""
    d = np.asarray(dense, dtype=np.float64)
    b = np.asarray(bm25, dtype=np.float64)
    bn = b / b.max() if b.max() > 0 else np.zeros_like(b)
    gap = d.max() - d
    return (
        -weights.dense * gap
        - weights.dense_steep * np.maximum(0.0, gap - weights.dense_margin)
        + weights.bm25 * bn
        + weights.coverage * f["coverage"]
        + weights.constraint * f["constraint"]
        - weights.conflict * f["conflict"]
        + weights.answer * f["answer"]
    )


def idf_from_df(df: int, n_docs: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
