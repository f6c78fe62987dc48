"""``Briefing``: the one in-process API that the CLI, UI, server and client all mirror."""

from __future__ import annotations

import logging
import os
import re
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
    DocumentInfo,
    DocumentText,
    Hit,
    IngestItem,
    IngestReport,
    SearchFilters,
    Status,
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
        files: list[tuple[str, bytes]],
        *,
        source: str | None = None,
        published: date | str | None = None,
    ) -> IngestReport:
        """Ingest uploaded ``(file name, bytes)``: each is kept under ``data_dir/uploads`` by its
        sanitised base name (so uploading a file again updates its document) and reported by the
        name it came with; an unusable name or an oversized file is a failed item, not an error."""
        folder = self.settings.data_dir / "uploads"
        limit = self.settings.max_file_mb * 1024 * 1024
        refused: list[IngestItem] = []
        saved: dict[str, str] = {}  # where each file is kept -> the name it came with
        with self._write_lock:
            for name, data in files:
                reason = None if upload_name(name) else "no usable file name"
                if reason is None and len(data) > limit:
                    reason = (
                        f"too large: {len(data) / 2**20:.3g} MB > {self.settings.max_file_mb:g} MB limit "
                        "(BRIEFING_MAX_FILE_MB)"
                    )
                if reason:
                    refused.append(IngestItem(origin=name, status="failed", reason=reason))
                else:
                    saved[_keep_upload(folder, upload_name(name), data, taken=saved)] = name
            report = self.ingest(list(saved), source=source, published=published) if saved else IngestReport()
        for item in report.items:  # report what the caller sent, not where it was kept
            head, sep, tail = item.origin.partition("#")
            item.origin = saved.get(head, head) + sep + tail
        report.items = refused + report.items
        return report

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
        with self._write_lock:
            removed = self.store.remove(doc_id)
        if not removed:
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
        return out["passages"]

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
        """Draft pieces (``AnswerDelta``) and finally the verified ``Answer``. Bad arguments raise
        here, before the first piece, so a server can still answer them with a 4xx."""
        payload = self._payload(
            question, history=history, k=k, sources=sources, since=since, until=until, as_of=as_of
        )
        return iter(self.chain(engine).stream(payload))

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
        from assistant.chain import EMPTY_QUESTION
        from index.search import parse_date

        if not question.strip():  # also checked by the chain; here it fails before a stream starts
            raise InputError(EMPTY_QUESTION)
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is "
                f"{self.settings.max_question_chars} (BRIEFING_MAX_QUESTION_CHARS)"
            )
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

    def status(self) -> Status:
        """What is answering and where the index lives (for UIs and health checks)."""
        from index.store import describe_location

        return Status(
            engine=self.settings.resolved_engine(),
            model=self.settings.model if self.settings.resolved_engine() == "openai" else None,
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


def upload_name(name: str) -> str:
    """A safe base name for an uploaded file: no folders, no leading dots, only plain characters
    (empty when nothing usable is left)."""
    base = re.split(r"[\\/]", name.strip())[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    if len(base) > 150:  # keep the extension: it names the format
        suffix = Path(base).suffix[:20]
        base = base[: 150 - len(suffix)] + suffix
    return base


def _keep_upload(folder: Path, name: str, data: bytes, *, taken: dict[str, str]) -> str:
    """Write an upload to ``folder/name`` atomically (``name-2.ext``... when this call already used the
    name); returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path, n = folder / name, 1
    while str(path) in taken:
        n += 1
        path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return str(path)


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
    from index.search import parse_date

    f = SearchFilters(
        sources=list(sources) if sources else None, since=parse_date(since), until=parse_date(until)
    )
    if f.since and f.until and f.since > f.until:
        raise InputError(f"since {f.since} is after until {f.until}: swap them")
    return f
