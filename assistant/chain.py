"""The answering chain (LCEL): condense -> retrieve -> engine -> verify citations -> ``Answer``.

Input: a dict with ``question`` and optional ``history`` (list of Turn), ``filters``
(SearchFilters), ``k``, ``as_of``. ``invoke`` returns an ``Answer``; ``stream`` yields
``AnswerDelta`` pieces of the draft, then the verified ``Answer`` (with ``steps`` true in the
input, a ``Retrieved`` event with the passages comes first).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from functools import partial
from typing import Any

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.engines.base import Engine
from assistant.timeframe import Timeframe, resolve_timeframe
from assistant.types import Answer, AnswerDelta, Hit, Retrieved, SearchFilters

ABSTAIN_PREFIX = "The indexed sources do not say"


def build_chain(engine: Engine, searcher: Any, embedder: Any, *, default_k: int) -> Runnable:
    """Wire the steps; each is a small function, so the chain reads top to bottom."""

    def generate(inputs: Iterator[dict[str, Any]]) -> Iterator[Retrieved | AnswerDelta | Answer]:
        for x in inputs:
            passages: list[Hit] = x["passages"]
            if x.get("steps"):
                yield Retrieved(standalone_question=x["standalone"], passages=passages)
            draft: list[str] = []
            if passages:
                for piece in engine.stream(x["standalone"], passages, x["history"], today=x["as_of"]):
                    draft.append(piece)
                    yield AnswerDelta(text=piece)
            yield finish(x, "".join(draft))

    def finish(x: dict[str, Any], draft: str) -> Answer:
        from assistant.citations import verify

        passages: list[Hit] = x["passages"]
        filters: SearchFilters = x["filters"]
        frame: Timeframe | None = x["frame"]
        since, until = (frame.since, frame.until) if frame else (filters.since, filters.until)
        if not passages or draft.strip().startswith(ABSTAIN_PREFIX):
            text = draft.strip() or abstention(x["question"], since, until)
            citations, verdicts, abstained = [], [], True
        else:
            v = verify(draft, passages, embedder)
            text, citations, verdicts, abstained = v.text, v.citations, v.verdicts, v.abstained
            if abstained and not text.startswith(ABSTAIN_PREFIX):
                text = abstention(x["question"], since, until)
        return Answer(
            question=x["question"],
            standalone_question=x["standalone"],
            answer=text,
            citations=citations,
            abstained=abstained,
            engine=engine.name,
            verdicts=verdicts,
            passages=passages,
            notes=period_notes(citations, frame),
            as_of=x["as_of"],
            since=since,
            until=until,
            latency_ms=(time.perf_counter() - x["t0"]) * 1000,
        )

    return build_retrieval(engine, searcher, default_k=default_k) | RunnableGenerator(generate, name="answer")


EMPTY_QUESTION = "empty question: ask something about the indexed documents"


def build_retrieval(engine: Engine, searcher: Any, *, default_k: int) -> Runnable:
    """The first half of the chain: condense the question, resolve its period, retrieve passages."""
    return RunnableLambda(partial(_prepare, engine), name="condense") | RunnableLambda(
        partial(_retrieve, searcher, default_k), name="retrieve"
    )


def _prepare(engine: Engine, x: dict[str, Any]) -> dict[str, Any]:
    question = (x.get("question") or "").strip()
    if not question:
        from assistant.errors import InputError

        raise InputError(EMPTY_QUESTION)
    history = x.get("history") or []
    filters = x.get("filters") or SearchFilters()
    if x.get("as_of"):
        # Asked as of a past date: what was published later did not exist yet.
        filters = filters.model_copy(update={"as_of": x["as_of"]})
    as_of = x.get("as_of") or date.today()
    explicit = bool(filters.since or filters.until)
    return {
        **x,
        "t0": time.perf_counter(),
        "question": question,
        "history": history,
        "as_of": as_of,
        "filters": filters,
        # Relative time ("this week") prefers that period; explicit --since/--until win.
        "frame": None if explicit else resolve_timeframe(question, as_of),
        "standalone": engine.condense(question, history) if history else question,
    }


def _retrieve(searcher: Any, default_k: int, x: dict[str, Any]) -> dict[str, Any]:
    k = x.get("k") or default_k
    pool = searcher.search(x["standalone"], k * PERIOD_POOL, x["filters"])
    passages = prefer_period(pool, x["frame"], x["as_of"], k)
    context = searcher.settings.passage_context_chars
    if context and passages:
        passages = widen(passages, searcher.store.texts(h.doc_id for h in passages), context)
    return {**x, "passages": passages}


def widen(hits: list[Hit], texts: dict[str, str], chars: int) -> list[Hit]:
    """Give each passage up to ``chars`` of its document on either side, cut at sentence ends.

    The chunk that matched stays inside; the engine and the reader see the sentences around it,
    where the answer to a question about the chunk's topic often is.
    """
    from index.chunking import split_sentences

    out = []
    for h in hits:
        text = texts.get(h.doc_id)
        if text is None or text[h.start : h.end] != h.text:
            out.append(h)
            continue
        lo, hi = max(0, h.start - chars), min(len(text), h.end + chars)
        spans = split_sentences(text, lo, hi)
        start = min([a for a, _ in spans if _sentence_starts(text, a)] + [h.start])
        end = max([b for _, b in spans if b == len(text) or text[b - 1] in _ENDS] + [h.end])
        out.append(h.model_copy(update={"start": start, "end": end, "text": text[start:end]}))
    return out


_ENDS = ".!?…\"'”’)]"


def _sentence_starts(text: str, pos: int) -> bool:
    """Whether a sentence begins at ``pos`` (not in the middle of one)."""
    before = text[:pos].rstrip()
    return not before or before[-1] in _ENDS or text[len(before) : pos].count("\n") > 0


def abstention(question: str, since: date | None = None, until: date | None = None) -> str:
    """The plain statement that the sources do not answer."""
    q = question.rstrip(" ?.!")
    period = ""
    if since or until:
        period = f" between {since or 'the beginning'} and {until or 'now'}"
    return f'{ABSTAIN_PREFIX} (for "{q}"{period}). The closest passages are listed below.'


PERIOD_POOL = 4
"""How many times ``k`` candidates to draw before ``prefer_period`` re-orders them by date."""


RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_BONUS = 2.0  # a source from the as-of day weighs 3x, one a month old 2x, a year old ~1x
IN_PERIOD, BEFORE_PERIOD, AFTER_PERIOD = 1.6, 0.75, 0.9


def prefer_period(pool: list[Hit], frame: Timeframe | None, as_of: date, k: int) -> list[Hit]:
    """Re-order candidates by publication date, softly: retrieval rank first, then time.

    A question naming a period ("this week") prefers sources published in it; any other question
    mildly prefers recent sources, as a news desk would. Neither is a filter: archives hold older
    background articles that may still answer.
    """

    def weight(rank: int, h: Hit) -> float:
        base = 1.0 / (10 + rank)
        if h.published is None:
            return base
        if frame is not None:
            if frame.since <= h.published <= frame.until:
                return base * IN_PERIOD
            return base * (BEFORE_PERIOD if h.published < frame.since else AFTER_PERIOD)
        age = max(0, (as_of - h.published).days)
        return base * (1.0 + RECENCY_BONUS * 0.5 ** (age / RECENCY_HALF_LIFE_DAYS))

    order = sorted(range(len(pool)), key=lambda i: weight(i, pool[i]), reverse=True)
    return [pool[i] for i in order[:k]]


def period_notes(citations: list[Any], frame: Timeframe | None) -> list[str]:
    """Say when a cited source predates the period the question asks about."""
    if frame is None:
        return []
    return [
        f"[{c.n}] was published {c.published}, before the period asked about "
        f"('{frame.phrase}': {frame.since} to {frame.until})."
        for c in citations
        if c.published and c.published < frame.since
    ]
