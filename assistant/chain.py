"""The answering chain (LCEL): condense -> retrieve -> engine -> verify citations -> ``Answer``.

Input: a dict with ``question`` and optional ``history`` (list of Turn), ``filters``
(SearchFilters), ``k``, ``as_of``. ``invoke`` returns an ``Answer``; ``stream`` yields
``AnswerDelta`` pieces of the draft, then the verified ``Answer``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.engines.base import Engine
from assistant.timeframe import resolve_timeframe
from assistant.types import Answer, AnswerDelta, Hit, SearchFilters

ABSTAIN_PREFIX = "The indexed sources do not say"


def build_chain(engine: Engine, searcher: Any, embedder: Any, *, default_k: int) -> Runnable:
    """Wire the steps; each is a small function, so the chain reads top to bottom."""

    def prepare(x: dict[str, Any]) -> dict[str, Any]:
        question = (x.get("question") or "").strip()
        if not question:
            from assistant.errors import BriefingError

            raise BriefingError("empty question: ask something about the indexed documents")
        history = x.get("history") or []
        as_of = x.get("as_of") or date.today()
        filters = x.get("filters") or SearchFilters()
        frame = resolve_timeframe(question, as_of)
        if frame and not (filters.since or filters.until):
            filters = filters.model_copy(update={"since": frame.since, "until": frame.until})
        return {
            **x,
            "t0": time.perf_counter(),
            "question": question,
            "history": history,
            "as_of": as_of,
            "filters": filters,
            "standalone": engine.condense(question, history) if history else question,
        }

    def retrieve(x: dict[str, Any]) -> dict[str, Any]:
        k = x.get("k") or default_k
        return {**x, "passages": searcher.search(x["standalone"], k, x["filters"])}

    def generate(inputs: Iterator[dict[str, Any]]) -> Iterator[AnswerDelta | Answer]:
        for x in inputs:
            passages: list[Hit] = x["passages"]
            draft: list[str] = []
            if passages:
                for piece in engine.stream(x["standalone"], passages, x["history"]):
                    draft.append(piece)
                    yield AnswerDelta(text=piece)
            yield finish(x, "".join(draft))

    def finish(x: dict[str, Any], draft: str) -> Answer:
        from assistant.citations import verify

        passages: list[Hit] = x["passages"]
        filters: SearchFilters = x["filters"]
        if not passages or draft.strip().startswith(ABSTAIN_PREFIX):
            text, citations, verdicts, abstained = (
                (draft.strip() or abstention(x["question"], filters)),
                [],
                [],
                True,
            )
        else:
            v = verify(draft, passages, embedder)
            text, citations, verdicts, abstained = v.text, v.citations, v.verdicts, v.abstained
            if abstained and not text.startswith(ABSTAIN_PREFIX):
                text = abstention(x["question"], filters)
        return Answer(
            question=x["question"],
            standalone_question=x["standalone"],
            answer=text,
            citations=citations,
            abstained=abstained,
            engine=engine.name,
            verdicts=verdicts,
            passages=passages,
            as_of=x["as_of"],
            since=filters.since,
            until=filters.until,
            latency_ms=(time.perf_counter() - x["t0"]) * 1000,
        )

    return (
        RunnableLambda(prepare, name="condense")
        | RunnableLambda(retrieve, name="retrieve")
        | RunnableGenerator(generate, name="answer")
    )


def abstention(question: str, filters: SearchFilters) -> str:
    """The plain statement that the sources do not answer."""
    q = question.rstrip(" ?.!")
    period = ""
    if filters.since or filters.until:
        period = f" between {filters.since or 'the beginning'} and {filters.until or 'now'}"
    return f'{ABSTAIN_PREFIX} (for "{q}"{period}). The closest passages are listed below.'
