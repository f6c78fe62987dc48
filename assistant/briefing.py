"""``Briefing``: the one in-process API that the CLI, UI, server and client all mirror."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import NotFoundError
from assistant.types import (
    Answer,
    AnswerDelta,
    DocumentInfo,
    DocumentText,
    Hit,
    IngestReport,
    SearchFilters,
    Turn,
)

log = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).parent / "sample"


class Briefing:
    """Ingest documents, search them and ask grounded questions with verified citations.

    >>> b = Briefing()                       # settings from BRIEFING_* / briefing.toml
    >>> b.ingest([str(SAMPLE_DIR)])
    >>> b.ask("How many drones were intercepted over Kyiv?").answer
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = settings or Settings(**overrides)
        if settings is not None and overrides:
            self.settings = settings.model_copy(update=overrides)
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        self._engines: dict[str, Any] = {}

    # -- parts, built on first use --------------------------------------------------------------
    @cached_property
    def embedder(self) -> Any:
        from index.embeddings import get_embedder

        return get_embedder(self.settings)

    @cached_property
    def store(self) -> Any:
        from index.store import Store

        return Store(self.settings, embedding_model=self.embedder.name.split(" (")[0])

    @cached_property
    def searcher(self) -> Any:
        from index.search import Searcher

        return Searcher(self.settings, self.store, self.embedder)

    def engine(self, name: str | None = None) -> Any:
        """The answering engine ``name`` (default: the configured one; ``auto`` resolved)."""
        from assistant.engines.base import create_engine

        resolved = name if name and name != "auto" else self.settings.resolved_engine()
        if resolved == "auto":
            resolved = self.settings.resolved_engine()
        if resolved not in self._engines:
            self._engines[resolved] = create_engine(resolved, self.settings)
        return self._engines[resolved]

    # -- documents ------------------------------------------------------------------------------
    def ingest(
        self,
        inputs: list[str] | str,
        *,
        source: str | None = None,
        published: date | str | None = None,
        progress: Any = None,
    ) -> IngestReport:
        """Ingest files, folders (recursively) and http(s) URLs; see ``IngestReport``."""
        from index.pipeline import ingest
        from index.search import parse_date

        if isinstance(inputs, str):
            inputs = [inputs]
        return ingest(
            list(inputs),
            self.settings,
            self.store,
            self.embedder,
            source=source,
            published=parse_date(published),
            progress=progress,
        )

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, newest first."""
        return self.store.documents()

    def document(self, doc_id: str) -> DocumentText:
        """A stored document with its full text; ``NotFoundError`` if absent."""
        found = self.store.document(doc_id)
        if found is None:
            raise NotFoundError(f"no document with id {doc_id!r} (see `briefing docs`)")
        return DocumentText(info=found[0], text=found[1])

    def remove(self, doc_id: str) -> None:
        """Delete a document and its chunks; ``NotFoundError`` if absent."""
        if not self.store.remove(doc_id):
            raise NotFoundError(f"no document with id {doc_id!r} (see `briefing docs`)")

    # -- search and answers -----------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        sources: list[str] | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
    ) -> list[Hit]:
        """Hybrid search: the ``k`` best chunks with scores, offsets and document metadata."""
        return self.searcher.search(query, k, _filters(sources, since, until))

    def retriever(self, k: int | None = None, **filters: Any) -> Any:
        """The search as a LangChain ``BaseRetriever``."""
        return self.searcher.as_retriever(k, _filters(**filters))

    def chain(self, engine: str | None = None) -> Any:
        """The answering chain as a LangChain ``Runnable`` (invoke / stream / batch)."""
        from assistant.chain import build_chain

        return build_chain(self.engine(engine), self.searcher, self.embedder, default_k=self.settings.k)

    def retrieve(self, question: str, **kwargs: Any) -> list[Hit]:
        """The passages the engine would be handed for this question (same arguments as ``stream``)."""
        from assistant.chain import build_retrieval

        kwargs.pop("engine", None)
        out = build_retrieval(self.engine(), self.searcher, default_k=self.settings.k).invoke(
            self._payload(question, **kwargs)
        )
        return out.passages

    def ask(self, question: str, **kwargs: Any) -> Answer:
        """A grounded answer with verified citations (see ``stream`` for the arguments)."""
        return final_answer(self.stream(question, **kwargs))

    def stream(
        self,
        question: str,
        *,
        history: list[Turn] | None = None,
        engine: str | None = None,
        k: int | None = None,
        sources: list[str] | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        as_of: date | str | None = None,
    ) -> Iterator[AnswerDelta | Answer]:
        """Yield draft pieces (``AnswerDelta``) and finally the verified ``Answer``."""
        payload = self._payload(
            question, history=history, k=k, sources=sources, since=since, until=until, as_of=as_of
        )
        yield from self.chain(engine).stream(payload)

    @staticmethod
    def _payload(
        question: str,
        *,
        history: list[Turn] | None = None,
        k: int | None = None,
        sources: list[str] | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        as_of: date | str | None = None,
    ) -> dict[str, Any]:
        from index.search import parse_date

        return {
            "question": question,
            "history": list(history or []),
            "k": k,
            "filters": _filters(sources, since, until),
            "as_of": parse_date(as_of),
        }

    def chat(self, **defaults: Any) -> ChatSession:
        """A conversation that keeps history, so follow-up questions resolve."""
        return ChatSession(self, **defaults)

    def status(self) -> dict[str, Any]:
        """What is answering and where the index lives (for UIs and health checks)."""
        from index.store import describe_location

        return {
            "engine": self.settings.resolved_engine(),
            "model": self.settings.model if self.settings.resolved_engine() == "openai" else None,
            "embedding_model": self.embedder.name,
            "index": describe_location(self.settings),
            "documents": self.store.count_documents(),
            "chunks": self.store.count_chunks(),
        }


class ChatSession:
    """A conversation: each ask sees the earlier turns."""

    def __init__(self, briefing: Briefing, **defaults: Any) -> None:
        self.briefing = briefing
        self.defaults = defaults
        self.history: list[Turn] = []
        self.answers: list[Answer] = []

    def ask(self, question: str, **kwargs: Any) -> Answer:
        return final_answer(self.stream(question, **kwargs))

    def stream(self, question: str, **kwargs: Any) -> Iterator[AnswerDelta | Answer]:
        for event in self.briefing.stream(question, history=self.history, **{**self.defaults, **kwargs}):
            if isinstance(event, Answer):
                self.history += [
                    Turn(role="user", content=question),
                    Turn(role="assistant", content=event.answer),
                ]
                self.answers.append(event)
            yield event

    def reset(self) -> None:
        self.history.clear()
        self.answers.clear()


def final_answer(events: Iterator[AnswerDelta | Answer]) -> Answer:
    """The verified ``Answer`` that ends a stream (the drafts before it are dropped)."""
    final = None
    for event in events:
        if isinstance(event, Answer):
            final = event
    if final is None:
        raise RuntimeError("the answer stream ended without an Answer")
    return final


def _filters(
    sources: list[str] | None = None, since: date | str | None = None, until: date | str | None = None
) -> SearchFilters:
    from assistant.errors import BriefingError
    from index.search import parse_date

    f = SearchFilters(
        sources=list(sources) if sources else None, since=parse_date(since), until=parse_date(until)
    )
    if f.since and f.until and f.since > f.until:
        raise BriefingError(f"--since {f.since} is after --until {f.until}")
    return f
