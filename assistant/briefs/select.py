"""Which sentences become key points: a greedy choice of many short, distinct facts.

A sentence's gain is what it adds to the brief per word: the learned probability that it states
something a reader will be asked about (``scorer``) times the share of its names and numbers that
no chosen point states yet; times its development's weight, which shrinks with every point the
development already has. (The hand-made value before the scorer -- new facts, a fact more
documents state weighing more, new content words, a bonus for an article's lead -- is kept as a
knob, ``handmade``, off by default.) Near-copies of a chosen sentence (syndicated articles) are
skipped. The gain only falls as the brief fills, so a lazy priority queue finds the best in order.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from assistant.briefs.grouping import Group
from assistant.briefs.material import Material, Sentence


@dataclass(frozen=True)
class Weights:
    """The selection's knobs, chosen on train-2023 (bench/briefs_tune.py on the partial index) and
    checked on the October month."""

    fact: float = 1.0
    fact_docs: float = 0.5  # extra per log2 of the documents stating a fact
    max_numbers: int = 2  # numbers counted per sentence (a table row of figures is not news)
    term: float = 0.1  # per new content word
    lead: float = 8.0  # an article's first sentence; / (1 + position)^2 for the next ones
    word_offset: float = 20.0  # gain / (words + offset): short sentences win, but not fragments
    decay: float = 3.0  # a development's weight / (1 + decay * points it has)
    near_copy: float = 0.6  # Jaccard of content words above which a sentence repeats a chosen one
    learned: float = 1.0  # the scorer's probability (assistant/briefs/scorer.py) times the share of new facts
    handmade: float = 0.0  # the facts / words / lead value above (before the scorer: 1, learned 0)
    group_power: float = 1.0  # a development's weight counts to this power
    units: bool = True  # clauses of sentences are candidates too (at most one point per sentence)


def choose(
    material: Material,
    groups: list[Group],
    budget_words: int,
    w: Weights | None = None,
    probs: dict[int, float] | None = None,
) -> list[tuple[int, Sentence]]:
    """(group index, sentence) in the order chosen, within ``budget_words`` words; ``probs``
    (``scorer.score``) are the learned probabilities, by ``id`` of the sentence."""
    w = w or Weights()
    probs = probs or {}
    group_of = {d: gi for gi, g in enumerate(groups) for d in g.doc_ids}
    gweight = [g.weight**w.group_power for g in groups]
    taken = [0] * len(groups)
    covered: set[str] = set()
    terms: set[str] = set()
    chosen: list[tuple[int, Sentence]] = []
    words = 0

    def gain(s: Sentence) -> float:
        gi = group_of[s.doc_id]
        new = s.names - covered
        nums = sorted(s.numbers - covered)[: w.max_numbers]
        facts = sum(w.fact + w.fact_docs * math.log2(material.fact_docs.get(f, 1)) for f in [*new, *nums])
        value = w.handmade * (facts + w.term * len(s.terms - terms) + w.lead / (1 + s.pos) ** 2)
        if w.learned:
            fresh = len(s.facts - covered) / len(s.facts) if s.facts else len(s.terms - terms) / max(len(s.terms), 1)
            value += w.learned * probs.get(id(s), 0.0) * fresh
        return gweight[gi] / (1 + w.decay * taken[gi]) * value / (s.n_words + w.word_offset)

    cands = [s for s in material.candidates(w.units) if s.doc_id in group_of]
    used: set[tuple[str, tuple[int, int]]] = set()  # (document, sentence span) of the chosen points
    heap = [(-gain(s), i) for i, s in enumerate(cands)]
    heapq.heapify(heap)
    while heap:
        _neg, i = heapq.heappop(heap)
        s = cands[i]
        g = gain(s)
        if heap and g < -heap[0][0] - 1e-12:  # stale: put it back with its current gain
            heapq.heappush(heap, (-g, i))
            continue
        if g <= 0:
            break
        if words + s.n_words > budget_words:
            continue  # too long for what is left; a shorter one may fit
        if (s.doc_id, s.span) in used or any(jaccard(s.terms, c.terms) > w.near_copy for _gi, c in chosen):
            continue
        gi = group_of[s.doc_id]
        chosen.append((gi, s))
        used.add((s.doc_id, s.span))
        taken[gi] += 1
        covered |= s.facts
        terms |= s.terms
        words += s.n_words
    return chosen


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """How alike two sets of content words are: shared / all (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
