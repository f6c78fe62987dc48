"""``Briefing``: the one in-process API that the CLI, UI, server and client all mirror."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import ConfigError, InputError, NotFoundError
from assistant.types import (
    Answer,
    AnswerDelta,
    Brief,
    BriefInfo,
    DocumentInfo,
    DocumentText,
    Hit,
    IngestReport,
    Retrieved,
    SearchFilters,
    Status,
    Turn,
)

log = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).parent / "sample"
SAMPLE_PUBLISHED = "2024-11-02"
"""The sample's day (its text tells of the events "on November 2"; the file carries no date), given at
its first-run ingest so that ``briefing brief --date 2024-11-02`` drafts its brief."""


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
        # Writes (ingest, remove) run one at a time, so concurrent callers (server threads, the
        # watcher, the UI) never race on the same document; readers never wait for it.
        self._write_lock = threading.RLock()

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
        if resolved == "openai" and not self.settings.openai_configured:
            raise ConfigError(
                "the openai engine is not configured: set OPENAI_API_KEY or BRIEFING_OPENAI_BASE_URL, "
                "or choose another engine"
            )
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
        with self._write_lock:
            return ingest(
                list(inputs),
                self.settings,
                self.store,
                self.embedder,
                source=source,
                published=parse_date(published),
                progress=progress,
            )

    def ingest_uploads(
        self,
        files: list[tuple[str, bytes | Path]],
        *,
        urls: list[str] | None = None,
        source: str | None = None,
        published: date | str | None = None,
        progress: Any = None,
    ) -> IngestReport:
        """Ingest uploaded files, given as ``(file name, bytes or a temporary path)``, plus ``urls``:
        each file is kept under ``data_dir/uploads`` by a safe name (uploading it again updates its
        document) and reported by the name it came with; a refused name or file is a failed item
        (see ``assistant.uploads``)."""
        from assistant.uploads import ingest_uploads

        with self._write_lock:  # staging too: two uploads of one name never race
            return ingest_uploads(
                self, files, urls=urls, source=source, published=published, progress=progress
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
        """Delete a document and its chunks (and its uploaded copy); ``NotFoundError`` if absent."""
        from assistant.uploads import forget_upload

        with self._write_lock:
            info = self.store.infos([doc_id]).get(doc_id)
            if info is None or not self.store.remove(doc_id):
                raise NotFoundError(f"no document with id {doc_id!r} (see `briefing docs`)")
            forget_upload(self.settings, info.origin)

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
        kwargs.pop("steps", None)
        self.check_question(question)
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
        steps: bool = False,
    ) -> Iterator[Retrieved | AnswerDelta | Answer]:
        """Draft pieces (``AnswerDelta``) and finally the verified ``Answer``. Bad arguments raise
        here, before the first piece, so a server can still refuse them with a 4xx.

        With ``steps``, a ``Retrieved`` event with the passages found comes first, so a UI can show
        the search step before the answer without searching twice.
        """
        payload = self._payload(
            question, history=history, k=k, sources=sources, since=since, until=until, as_of=as_of
        )
        return iter(self.chain(engine).stream({**payload, "steps": steps}))

    def check_question(self, question: str) -> None:
        """Refuse an empty or over-long question (``InputError``) with a message that says what to do."""
        from assistant.chain import EMPTY_QUESTION

        if not (question or "").strip():
            raise InputError(EMPTY_QUESTION)
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InputError(
                f"question too long: {len(question)} characters > {limit} limit "
                "(BRIEFING_MAX_QUESTION_CHARS); ask a shorter question"
            )

    def _payload(
        self,
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
        from index.settings import MAX_K

        self.check_question(question)
        if k is not None and not 1 <= k <= MAX_K:
            raise InputError(f"k must be 1 to {MAX_K} passages, not {k}")
        return {
            "question": question,
            "history": list(history or []),
            "k": k,
            "filters": _filters(sources, since, until),
            "as_of": parse_date(as_of),
        }

    # -- briefs -------------------------------------------------------------------------------
    def brief(
        self,
        date: date | str | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
        sources: list[str] | None = None,
        topic: str | None = None,
        max_words: int | None = None,
        engine: str | None = None,
        as_of: date | str | None = None,
        *,
        save: bool = True,
    ) -> Brief:
        """A cited draft of what was published in a period (default: the day before ``as_of``,
        itself default today), stored unless ``save=False``; ``EmptyPeriodError`` when the period
        (and scope) holds no documents. See ``assistant.briefs``."""
        from assistant.briefs.draft import draft
        from assistant.briefs.grouping import group

        today, since_d, until_d = _brief_period(date, since, until, as_of)
        words = self._brief_words(max_words)
        scope = _brief_scope(sources, topic)
        material = self._brief_material(since_d, until_d, scope)
        previous, previous_docs = self._previous_brief(scope, since_d, until_d)
        name = engine if engine and engine != "auto" else self.settings.resolved_engine()
        eng = self.engine(name) if name != "extractive" else None
        brief = draft(
            material,
            group(material, previous_docs),
            as_of=today,
            scope=scope,
            max_words=words,
            embedder=self.embedder,
            engine=eng,
            engine_name=name,
            previous=previous,
        )
        if save:
            self.brief_store.save(brief)
        return brief

    def _brief_words(self, max_words: int | None) -> int:
        """The brief's word budget (default ``brief_max_words``); refused outside ``MIN_WORDS``..``MAX_WORDS``."""
        from assistant.briefs import MAX_WORDS, MIN_WORDS

        words = self.settings.brief_max_words if max_words is None else max_words
        if words < MIN_WORDS:
            raise InputError(f"--max-words {words} is too short for a brief; give at least {MIN_WORDS}")
        if words > MAX_WORDS:
            raise InputError(f"--max-words {words} is too long for a brief; give at most {MAX_WORDS}")
        return words

    def _previous_brief(self, scope: Any, since_d: date, until_d: date) -> tuple[Any, set[str]]:
        """The stored brief that precedes this one in ``scope`` (or None), and the documents it cited."""
        previous = self.brief_store.previous(scope, since_d, until_d)
        if not previous:
            return previous, set()
        return previous, {c.doc_id for _t, cits in previous.cited_points() for c in cits}

    def _brief_material(self, since_d: date, until_d: date, scope: Any) -> Any:
        """The documents of the period within ``scope``; ``EmptyPeriodError`` when there are none."""
        from assistant.briefs.material import gather
        from assistant.errors import EmptyPeriodError

        material = gather(self.store, self.embedder, since_d, until_d, scope.sources, scope.topic)
        if not material.docs:
            what = "".join(
                [
                    f" from {', '.join(scope.sources)}" if scope.sources else "",
                    f" on {scope.topic!r}" if scope.topic else "",
                ]
            )
            raise EmptyPeriodError(
                f"no documents between {since_d} and {until_d}{what} (by published date); "
                "ingest some or choose another period (`briefing docs` lists the dates)"
            )
        return material

    def briefs(self) -> list[BriefInfo]:
        """The stored briefs, newest period first."""
        return self.brief_store.list()

    def get_brief(self, brief_id: str) -> Brief:
        """A stored brief; ``NotFoundError`` if absent."""
        return self.brief_store.get(brief_id)

    @cached_property
    def brief_store(self) -> Any:
        from assistant.briefs.storage import BriefStore

        return BriefStore(self.settings.briefs_path)

    def chat(self, **defaults: Any) -> ChatSession:
        """A conversation that keeps history, so follow-up questions resolve."""
        return ChatSession(self, **defaults)

    def status(self) -> Status:
        """What is answering and where the index lives (for UIs and health checks)."""
        from index.store import describe_location

        engine = self.settings.resolved_engine()
        models = {"openai": self.settings.model, "local": self.settings.local_model}
        return Status(
            engine=engine,
            model=models.get(engine),
            embedding_model=self.embedder.name,
            index=describe_location(self.settings),
            documents=self.store.count_documents(),
            chunks=self.store.count_chunks(),
        )


class ChatSession:
    """A conversation: each ask sees the earlier turns."""

    def __init__(self, briefing: Briefing, **defaults: Any) -> None:
        self.briefing = briefing
        self.defaults = defaults
        self.history: list[Turn] = []
        self.answers: list[Answer] = []

    def ask(self, question: str, **kwargs: Any) -> Answer:
        return final_answer(self.stream(question, **kwargs))

    def stream(self, question: str, **kwargs: Any) -> Iterator[Retrieved | AnswerDelta | Answer]:
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


def final_answer(events: Iterator[Retrieved | AnswerDelta | Answer]) -> Answer:
    """The verified ``Answer`` that ends a stream (the drafts before it are dropped)."""
    final = None
    for event in events:
        if isinstance(event, Answer):
            final = event
    if final is None:
        raise RuntimeError("the answer stream ended without an Answer")
    return final


def _brief_period(
    day: date | str | None, since: date | str | None, until: date | str | None, as_of: date | str | None
) -> tuple[date, date, date]:
    """A brief's ``as_of`` day (default today) and its period (``since``, ``until``), resolved."""
    from assistant.briefs import resolve_period
    from index.search import parse_date

    today = parse_date(as_of) or date.today()
    since_d, until_d = resolve_period(parse_date(day), parse_date(since), parse_date(until), today)
    return today, since_d, until_d


def _brief_scope(sources: list[str] | None, topic: str | None) -> Any:
    """A brief's ``BriefScope``: its sources sorted and deduplicated, its topic stripped (or None)."""
    from assistant.types import BriefScope

    return BriefScope(sources=sorted(set(sources)) if sources else None, topic=(topic or "").strip() or None)


def _filters(
    sources: list[str] | None = None, since: date | str | None = None, until: date | str | None = None
) -> SearchFilters:
    from index.search import parse_date

    f = SearchFilters(
        sources=list(sources) if sources else None, since=parse_date(since), until=parse_date(until)
    )
    if f.since and f.until and f.since > f.until:
        raise InputError(f"since {f.since} is after until {f.until}: swap them")
    return f
