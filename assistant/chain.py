"""The answering chain (LCEL): condense -> retrieve -> engine -> conflicts -> verify citations -> ``Answer``.

Input: a dict with ``question`` and optional ``history`` (list of Turn), ``filters``
(SearchFilters), ``k``, ``as_of``, ``steps``; it becomes a typed ``AskState`` (the period the question
names resolved once) that the steps pass on. ``invoke`` returns an ``Answer``; ``stream`` yields
``AnswerDelta`` pieces of the draft, then the verified ``Answer`` (with ``steps`` true in the
input, a ``Retrieved`` event with the passages comes first). An engine that drafts
(``DraftingEngine``) returns a typed ``Draft`` whose ``abstained`` field says whether it answered.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.engines.base import ABSTAIN_SENTINEL, Draft, DraftingEngine, Engine, is_abstention
from assistant.timeframe import Timeframe, resolve_timeframe
from assistant.types import Answer, AnswerDelta, Conflict, Hit, Retrieved, SearchFilters, Turn


@dataclass
class AskState:
    """One question on its way through the chain: what was asked, as of when, the period it names
    (resolved once, here) and the passages retrieval found."""

    question: str
    standalone: str
    as_of: date
    filters: SearchFilters
    frame: Timeframe | None
    history: list[Turn] = field(default_factory=list)
    k: int | None = None
    steps: bool = False  # stream a ``Retrieved`` event before the answer
    passages: list[Hit] = field(default_factory=list)
    t0: float = field(default_factory=time.perf_counter)


def build_chain(engine: Engine, searcher: Any, embedder: Any, *, default_k: int) -> Runnable:
    """Wire the steps; each is a small function, so the chain reads top to bottom."""

    def generate(inputs: Iterator[AskState]) -> Iterator[Retrieved | AnswerDelta | Answer]:
        for state in inputs:
            if state.steps:
                yield Retrieved(standalone_question=state.standalone, passages=state.passages)
            draft = Draft("", abstained=True, reason="no passages")
            if state.passages:
                pieces: list[str] = []
                typed: Draft | None = None
                for piece in run_engine(engine, state):
                    if isinstance(piece, Draft):
                        typed = piece
                    else:
                        pieces.append(piece)
                        yield AnswerDelta(text=piece)
                draft = typed or Draft.from_text("".join(pieces))
            yield finish(state, draft, engine.name, embedder)

    return build_retrieval(engine, searcher, default_k=default_k) | RunnableGenerator(generate, name="answer")


def run_engine(engine: Engine, state: AskState) -> Iterator[str | Draft]:
    """The engine's answer: a typed ``Draft`` from an engine that drafts (it sees the whole state),
    else the text pieces it streams."""
    if isinstance(engine, DraftingEngine):
        draft = engine.draft(state)
        yield draft.text
        yield draft
        return
    yield from engine.stream(state.standalone, state.passages, state.history, today=state.as_of)


def finish(state: AskState, draft: Draft, engine_name: str, embedder: Any) -> Answer:
    """Note conflicts between sources, verify the draft's citations and build the ``Answer``;
    an abstaining draft cites nothing."""
    from assistant import conflicts
    from assistant.verification import verify

    passages = state.passages
    frame, filters = state.frame, state.filters
    since, until = (frame.since, frame.until) if frame else (filters.since, filters.until)
    disagree: list[Conflict] = []
    if not passages or draft.abstained:
        text = draft.text.strip() or abstention(state.question, since, until)
        citations, verdicts, abstained = [], [], True
    else:
        annotated, found = conflicts.annotate(state.standalone, draft.text, passages)
        v = verify(annotated, passages, embedder)
        text, citations, verdicts, abstained = v.text, v.citations, v.verdicts, v.abstained
        disagree = conflicts.resolve(found, passages, citations, text)
        if abstained and not is_abstention(text):
            text = abstention(state.question, since, until)
    return Answer(
        question=state.question,
        standalone_question=state.standalone,
        answer=text,
        citations=citations,
        abstained=abstained,
        engine=engine_name,
        verdicts=verdicts,
        passages=passages,
        notes=period_notes(citations, frame),
        conflicts=disagree,
        as_of=state.as_of,
        since=since,
        until=until,
        latency_ms=(time.perf_counter() - state.t0) * 1000,
    )


def answer_from_passages(engine: Engine, embedder: Any, question: str, passages: list[Hit], as_of: date) -> Answer:
    """The second half of the chain on given passages (for benchmarks that cache retrieval)."""
    state = _prepare(engine, {"question": question, "as_of": as_of})
    state.passages = passages
    draft = Draft("", abstained=True, reason="no passages")
    if passages:
        pieces = [p for p in run_engine(engine, state)]
        drafts = [p for p in pieces if isinstance(p, Draft)]
        draft = drafts[-1] if drafts else Draft.from_text("".join(p for p in pieces if isinstance(p, str)))
    return finish(state, draft, engine.name, embedder)


EMPTY_QUESTION = "empty question: ask something about the indexed documents"


def build_retrieval(engine: Engine, searcher: Any, *, default_k: int) -> Runnable:
    """The first half of the chain: condense the question, resolve its period, retrieve passages."""
    return RunnableLambda(partial(_prepare, engine), name="condense") | RunnableLambda(
        partial(_retrieve, searcher, default_k), name="retrieve"
    )


def _prepare(engine: Engine, x: dict[str, Any]) -> AskState:
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
    return AskState(
        question=question,
        standalone=engine.condense(question, history) if history else question,
        as_of=as_of,
        filters=filters,
        # Relative time ("this week") prefers that period; explicit --since/--until win.
        frame=None if explicit else resolve_timeframe(question, as_of),
        history=history,
        k=x.get("k"),
        steps=bool(x.get("steps")),
    )


def _retrieve(searcher: Any, default_k: int, state: AskState) -> AskState:
    k = state.k or default_k
    pool = searcher.search(state.standalone, k * PERIOD_POOL, state.filters)
    context = searcher.settings.passage_context_chars
    passages = prefer_period(pool, state.frame, state.as_of, k)
    if context and passages:
        passages = widen(passages, searcher.store.texts(h.doc_id for h in passages), context)
    state.passages = passages
    return state


def widen(hits: list[Hit], texts: dict[str, str], chars: int) -> list[Hit]:
    """Give each passage up to ``chars`` of its document on either side, cut at sentence ends.

    The chunk that matched stays inside; the engine and the reader see the sentences around it,
    where the answer to a question about the chunk's topic often is.
    """
    from index.sentences import split_sentences

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
    return f'{ABSTAIN_SENTINEL} (for "{q}"{period}). The closest passages are listed below.'


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
