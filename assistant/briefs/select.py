"""Which sentences become key points: a greedy choice of many short, distinct facts.

A sentence's gain is what it adds to the brief per word: the names and numbers it states that no
chosen point states yet (a fact more documents state weighs more), a little for new content words,
a bonus for an article's lead; times its development's weight, which shrinks with every point the
development already has. Near-copies of a chosen sentence (syndicated articles) are skipped.
The gain only falls as the brief fills, so a lazy priority queue finds the best in order.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from assistant.briefs.grouping import Group
from assistant.briefs.material import Material, Sentence


@dataclass(frozen=True)
class Weights:
    """The selection's knobs, chosen on train-2023 and the October month (bench/briefs.py)."""

    fact: float = 1.0
    fact_docs: float = 0.5  # extra per log2 of the documents stating a fact
    max_numbers: int = 2  # numbers counted per sentence (a table row of figures is not news)
    term: float = 0.1  # per new content word
    lead: float = 8.0  # an article's first sentence; / (1 + position)^2 for the next ones
    word_offset: float = 20.0  # gain / (words + offset): short sentences win, but not fragments
    decay: float = 1.0  # a development's weight / (1 + decay * points it has)
    near_copy: float = 0.6  # Jaccard of content words above which a sentence repeats a chosen one


def choose(
    material: Material, groups: list[Group], budget_words: int, w: Weights | None = None
) -> list[tuple[int, Sentence]]:
    """(group index, sentence) in the order chosen, within ``budget_words`` words."""
    w = w or Weights()
    group_of = {d: gi for gi, g in enumerate(groups) for d in g.doc_ids}
    gweight = [g.weight for g in groups]
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
        value = facts + w.term * len(s.terms - terms) + w.lead / (1 + s.pos) ** 2
        return gweight[gi] / (1 + w.decay * taken[gi]) * value / (s.n_words + w.word_offset)

    cands = [s for s in material.sentences if s.doc_id in group_of]
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
        if any(_jaccard(s.terms, c.terms) > w.near_copy for _gi, c in chosen):
            continue
        gi = group_of[s.doc_id]
        chosen.append((gi, s))
        taken[gi] += 1
        covered |= s.facts
        terms |= s.terms
        words += s.n_words
    return chosen


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
