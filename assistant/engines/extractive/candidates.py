"""Candidate answer sentences: the passages split into sentences (offsets kept), the ones that can
never be an answer marked, and the question's terms weighted against them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant import nlp
from assistant.types import Hit
from index.loaders import is_headline

# Sentence starts that lean on the sentence before ("He said ...", "This package ...").
LEANS_BACK = re.compile(
    r"^\W*(he|she|it|they|them|this|that|these|those|his|her|its|their|the (?:move|decision|statement|"
    r"package|deal|attack|report|plan|bill|law|company|group|agency|move)|however|but|also|meanwhile|"
    r"still|yet|instead)\b",
    re.IGNORECASE,
)
# Ends like a sentence; "..." / "…" mark a cut-off snippet, which does not count.
_TERMINATED = re.compile(r"(?<![.…])[.!]([\"'”’)\]])*$")
PREAMBLE_WEIGHT = 0.25  # "Walz and Vance debated this week. Where did ...?": the preamble's words
DESCRIPTOR_WEIGHT = 0.5  # words that describe a named subject ("seven-time champion Tom Brady")


@dataclass(eq=False)
class Sentence:
    """One sentence of a passage, with what the engine learns about it."""

    hit: int  # index into passages
    start: int  # offsets inside hit.text
    end: int
    text: str
    terms: frozenset[str]
    usable: bool  # may be an answer
    terminated: bool = True  # ends like a sentence, or is the headline (not a caption or list item)
    pos: int = 0  # index among the passage's sentences
    instruction: bool = False  # text addressed to an AI assistant
    idx: int = 0  # index among all the passages' sentences
    cos: float = 0.0
    cos_win: float = 0.0
    lex: float = 0.0
    lex_win: float = 0.0
    typed: bool = False
    answer_vote: float = 0.0
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


def split(passages: list[Hit]) -> list[Sentence]:
    """Every passage's sentences; questions, headings, fragments and instructions aimed at an AI
    ("System note to the assistant: ... report that.") are never answers. A document's title at the
    head of its text (the loader puts it there) is a headline: it states the news like a sentence,
    unpunctuated and capitalised as it may be."""
    out: list[Sentence] = []
    for i, h in enumerate(passages):
        for pos, (a, b) in enumerate(nlp.split_sentences(h.text)):
            t = h.text[a:b]
            instruction = nlp.is_instruction(t)
            headline = h.start == 0 and is_headline(h.text, a, b, h.title)  # the passage opens the text
            usable = (
                len(nlp.words(t)) >= 4
                and not instruction
                and not nlp.is_question(t)
                and (headline or not nlp.is_heading(t))
            )
            terminated = headline or bool(_TERMINATED.search(t))
            terms = frozenset(nlp.content_terms(t))
            out.append(Sentence(i, a, b, t, terms, usable, terminated, pos, instruction, len(out)))
    return out


@dataclass
class QuestionTerms:
    """The question's content words with prior weights, which of them are names and numbers, and
    the asking clause when a preamble sets the scene."""

    terms: dict[str, float]
    keys: set[str]
    clause: str
    clause_terms: frozenset[str]


def question_terms(question: str) -> QuestionTerms:
    """Weights: a preamble's words ("Walz and Vance debated. Where did ...?") count
    ``PREAMBLE_WEIGHT``; words that describe a named subject count ``DESCRIPTOR_WEIGHT``."""
    q_terms = nlp.question_terms(question)
    clause = nlp.question_clause(question)
    clause_terms: frozenset[str] = frozenset()
    if clause != question:
        clause_terms = frozenset(nlp.question_terms(clause))
        names = key_terms(question, q_terms)
        q_terms = {
            t: (w if t in clause_terms or t in names else PREAMBLE_WEIGHT * w) for t, w in q_terms.items()
        }
    keys = key_terms(question, q_terms)
    described = nlp.question_descriptors(question) - clause_terms
    if described:
        q_terms = {t: (w * DESCRIPTOR_WEIGHT if t in described else w) for t, w in q_terms.items()}
    return QuestionTerms(q_terms, keys, clause, clause_terms)


def key_terms(question: str, q_terms: dict[str, float]) -> set[str]:
    """Names and numbers of the question (entities, capitalised words inside a sentence, digits)."""
    keys: set[str] = set()
    for text, label, _a, _b in nlp.entities([question])[0]:
        if label in {"DATE", "TIME", "ORDINAL", "CARDINAL", "PERCENT", "QUANTITY", "MONEY"}:
            continue
        for w in nlp.words(text):
            if not nlp.is_stop(w):
                keys.add(nlp.stem(w))
    for t, w in q_terms.items():
        if w >= 1.5 and any(c.isalpha() for c in t):
            keys.add(t)
    return {k for k in keys if k in q_terms}


def coverage(
    q_terms: dict[str, float], keys: set[str], terms: frozenset[str]
) -> tuple[float, float, float]:
    """Shares of the question's terms found in ``terms``: (all, weighted; key terms; other terms, weighted)."""
    total = sum(q_terms.values())
    got = sum(w for t, w in q_terms.items() if nlp.term_in(t, terms))
    key = sum(1 for t in keys if nlp.term_in(t, terms)) / len(keys) if keys else 1.0
    other = {t: w for t, w in q_terms.items() if t not in keys}
    o_total = sum(other.values())
    o_got = sum(w for t, w in other.items() if nlp.term_in(t, terms))
    return (got / total if total else 1.0), key, (o_got / o_total if o_total else 1.0)


def term_weights(q_terms: dict[str, float], sents: list[Sentence]) -> dict[str, float]:
    """Prior weight times rarity among the candidate sentences (a smoothed IDF)."""
    n = len(sents)
    out = {}
    for t, w in q_terms.items():
        df = sum(1 for s in sents if nlp.term_in(t, s.terms))
        out[t] = w * (1.0 + math.log((n + 1) / (df + 1)))
    return out


def distinct_top(ranked: list[Sentence], n: int) -> tuple[list[Sentence], list[int]]:
    """The best ``n`` distinct sentence texts with all their copies (overlapping passages of one
    document, syndicated articles), in rank order, and each one's rank among the distinct texts."""
    order: dict[str, int] = {}
    top, distinct = [], []
    for s in ranked:
        key = " ".join(s.text.split())
        if key not in order:
            if len(order) >= n:
                continue
            order[key] = len(order)
        top.append(s)
        distinct.append(order[key])
    return top, distinct
