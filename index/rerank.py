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

The weights and the scoring (with the cross-document ``consensus``) are here; the question's
analysis is in ``index.rerank_question``, a passage's features in ``index.rerank_features``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.dates import MONTHS
from index.rerank_features import (
    _MONTH_WORDS,
    _PLACE_PREPS,
    _WEEKDAYS,
    Passage,
    answer_matches,
    features,
    parse,
)
from index.rerank_question import _QUESTION_WORDS, _STOP, QueryInfo, _tokens


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
# Scoring


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
