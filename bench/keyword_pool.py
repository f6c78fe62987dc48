"""Keyword-only retrieval over a corpus file, for training the reader when the set's full index
(dense + BM25, hours of embedding on a busy 2-core machine) is not built yet.

The same document road as ``briefing ingest`` up to the chunks (loader, furniture removal,
token-aware chunks), BM25 over the chunks (``index.search.tokenize``, bm25s) restricted to what
was published by the as-of date, then the chain's own collapsing of copies, period preference
(``prefer_period`` on 4k candidates) and widening (``widen``, 1000 characters). Only the dense half and the rerank are
missing, so the passages lean lexical; ``bench/rtqa.py retrieve`` with the real index replaces them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np


def keyword_passages(
    corpus: str, questions: list[dict[str, Any]], k: int, *, collapse: bool = True
) -> Iterator[tuple[dict, list[Any]]]:
    """Per question (asked as of its ``question_date``): the ``k`` passages, as ``Hit`` objects."""
    import bm25s

    from assistant.chain import PERIOD_POOL, prefer_period, widen
    from assistant.config import Settings
    from assistant.timeframe import resolve_timeframe
    from assistant.types import Hit
    from index.chunking import chunk_text
    from index.cleaning import remove_furniture
    from index.loaders import load_with_problems
    from index.search import tokenize

    settings = Settings(max_file_mb=1000)  # a year's corpus is one big file
    docs, _problems = load_with_problems(corpus, settings)
    docs = remove_furniture(docs)
    chunks = []  # (doc index, start, end)
    for i, d in enumerate(docs):
        for c in chunk_text(d.text, size=settings.chunk_tokens, overlap=settings.chunk_overlap):
            chunks.append((i, c.start, c.end))
    texts = [docs[i].text[a:b] for i, a, b in chunks]
    bm25 = bm25s.BM25()
    bm25.index(tokenize(texts), show_progress=False)
    days = np.array([(docs[i].published or date(1970, 1, 1)).toordinal() for i, _, _ in chunks])
    by_id = {d.doc_id: d.text for d in docs}
    for q in questions:
        as_of = date.fromisoformat(q["question_date"])
        toks = [t for t in tokenize([q["question"]])[0] if t in bm25.vocab_dict]
        if not toks:
            yield q, []
            continue
        scores = np.asarray(bm25.get_scores(toks, weight_mask=(days <= as_of.toordinal()).astype(np.float32)))
        top = np.argsort(-scores, kind="stable")[: k * PERIOD_POOL]
        pool = []
        for rank, j in enumerate(top, 1):
            if scores[j] <= 0:
                break
            i, a, b = chunks[j]
            d = docs[i]
            pool.append(Hit(**d.ref(), chunk_id=f"{d.doc_id}:{a}", text=texts[j], start=a, end=b,
                            score=float(scores[j]), bm25_rank=rank))
        if collapse:
            pool = collapse_copies(pool)
        hits = prefer_period(pool, resolve_timeframe(q["question"], as_of), as_of, k)
        yield q, widen(hits, by_id, settings.passage_context_chars)


COPY_OVERLAP = 0.8


def collapse_copies(pool: list[Any], *, overlap: float = COPY_OVERLAP) -> list[Any]:
    """Drop candidates that would show the engine the same text again from another site (syndicated
    news: ``overlap`` of its words shared with a better candidate, and the same numbers: a report of
    another year with other figures is no copy), so copies do not crowd out other sources. Better:
    earlier in ``pool``. Chunks of one document stay (each is a part of it)."""
    kept: list[Any] = []
    words: list[tuple[set[str], set[str]]] = []
    for h in pool:
        w = set(re.findall(r"\w+", h.text.lower()))
        nums = {t for t in w if t.isdigit()}
        if any(
            k.doc_id != h.doc_id and nums == knums and len(w & kw) >= overlap * min(len(w), len(kw))
            for k, (kw, knums) in zip(kept, words)
        ):
            continue
        kept.append(h)
        words.append((w, nums))
    return kept
