"""Passages cut to what a small model on a CPU can read fast: each passage's best sentences with their neighbours.

A retrieved passage carries up to ~2,000 characters of its document (the matched chunk and the
sentences around it). A 0.5B model on two cores reads ~20-200 prompt tokens a second, so five
such passages cost tens of seconds before the first word. Here each passage keeps only the
sentences that share the most (rare) words with the question, each with the sentence before and
after it; the citation check still verifies the answer against the whole passage.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.types import Hit

GAP = " ... "


def best_sentences(
    question: str,
    passages: list[Hit],
    *,
    neighbours: int = 1,
    windows: int = 2,
    second_share: float = 0.5,
) -> list[str]:
    """For each passage, its best sentence with ``neighbours`` on each side (plus a second window).

    Sentences are scored by the IDF-weighted question terms they hold (IDF over all sentences
    of all passages, so a term every passage repeats counts little). A second window is kept
    when its best sentence scores at least ``second_share`` of the best. A passage with no
    question term keeps its middle sentence, where the matched chunk sits, with its neighbours.
    Windows in document order; non-adjacent ones are joined with " ... ".
    """
    from index.search import tokenize
    from index.sentences import split_sentences

    spans = [split_sentences(h.text) for h in passages]
    sentences = [[h.text[a:b] for a, b in s] for h, s in zip(passages, spans)]
    flat = [s for group in sentences for s in group]
    if not flat:
        return [h.text for h in passages]
    tokens = tokenize([question, *flat])
    wanted = set(tokens[0])
    sets = [set(t) & wanted for t in tokens[1:]]
    df = Counter(t for s in sets for t in s)
    idf = {t: math.log(1 + len(flat) / df[t]) for t in df}

    out, pos = [], 0
    for group in sentences:
        scores = [sum(idf[t] for t in s) for s in sets[pos : pos + len(group)]]
        pos += len(group)
        out.append(_window_text(group, scores, neighbours, windows, second_share))
    return out


def _window_text(
    group: list[str], scores: list[float], neighbours: int, windows: int, second_share: float
) -> str:
    if not group:
        return ""
    order = sorted(range(len(group)), key=lambda i: (-scores[i], i))
    best = scores[order[0]]
    centres = [order[0] if best > 0 else len(group) // 2]
    for i in order[1:]:
        if len(centres) >= windows or scores[i] <= 0 or scores[i] < second_share * best:
            break
        if all(abs(i - c) > 2 * neighbours for c in centres):
            centres.append(i)
    keep = sorted(
        {j for c in centres for j in range(c - neighbours, c + neighbours + 1) if 0 <= j < len(group)}
    )
    parts: list[str] = []
    for prev, j in zip([None, *keep], keep):
        if prev is not None and j != prev + 1:
            parts.append(GAP.strip())
        parts.append(group[j])
    return " ".join(parts)
