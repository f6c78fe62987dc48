"""The document road: load -> clean -> dedupe -> chunk -> embed -> store, with a report.

Work goes in groups: each group's chunks are embedded and written, then its documents are
committed in one call, so a kill leaves finished groups indexed and the rest absent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from index.chunking import chunk_text
from index.errors import LoadError
from index.settings import IndexSettings
from index.store import Store
from index.types import Chunk, IngestItem, IngestReport, RawDocument

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]
"""Called as ``progress(kind, n)`` with kind ``files_total``, ``file``, ``chunks_total`` or ``chunks``."""

_GROUP_CHUNKS = 1024


def ingest(
    inputs: list[str],
    settings: IndexSettings,
    store: Store,
    embedder: Any,
    *,
    source: str | None = None,
    published: date | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files, folders and URLs; bad inputs are reported, never fatal to the batch."""
    from index.cleaning import remove_furniture
    from index.loaders import iter_inputs, load_with_problems

    t0 = time.perf_counter()
    tick = progress or (lambda kind, n: None)
    report = IngestReport()
    store.cleanup()
    origins = list(iter_inputs(inputs))
    tick("files_total", len(origins))
    loaded: list[RawDocument] = []
    for origin in origins:
        try:
            docs, problems = load_with_problems(origin, settings, source=source, published=published)
        except LoadError as exc:
            report.items.append(IngestItem(origin=exc.origin, status="failed", reason=exc.reason))
            docs, problems = [], []
        except Exception as exc:  # a parser bug must not sink the batch; say what happened
            log.exception("unexpected error loading %s", origin)
            report.items.append(IngestItem(origin=origin, status="failed", reason=f"{type(exc).__name__}: {exc}"))
            docs, problems = [], []
        for p in problems:
            report.items.append(IngestItem(origin=origin, status="failed", reason=p))
        loaded.extend(docs)
        tick("file", 1)
    loaded = remove_furniture(loaded)

    todo = _plan(loaded, store, report)
    chunked = [(doc, status, _chunks(doc, settings)) for doc, status in todo]
    tick("chunks_total", sum(len(c) for _, _, c in chunked))
    group: list[tuple[RawDocument, str, list[Chunk]]] = []
    for item in chunked:
        group.append(item)
        if sum(len(c) for _, _, c in group) >= _GROUP_CHUNKS:
            _write_group(group, store, embedder, report, tick)
            group = []
    if group:
        _write_group(group, store, embedder, report, tick)
    report.seconds = time.perf_counter() - t0
    return report


def _plan(docs: list[RawDocument], store: Store, report: IngestReport) -> list[tuple[RawDocument, str]]:
    """Decide per document: unchanged, duplicate, added or updated."""
    existing = store.infos(d.doc_id for d in docs)
    seen_hash: dict[str, str] = {}
    seen_id: set[str] = set()
    todo: list[tuple[RawDocument, str]] = []
    for d in docs:
        h = d.hash
        if d.doc_id in seen_id:
            report.items.append(
                IngestItem(origin=d.origin, status="failed", doc_id=d.doc_id, reason=f"duplicate id {d.doc_id} in this batch")
            )
            continue
        seen_id.add(d.doc_id)
        old = existing.get(d.doc_id)
        if old is not None and old.content_hash == h:
            report.items.append(IngestItem(origin=d.origin, status="unchanged", doc_id=d.doc_id, chunks=old.n_chunks))
            continue
        twin = seen_hash.get(h) or store.find_hash(h)
        if twin is not None and twin != d.doc_id:
            report.items.append(
                IngestItem(origin=d.origin, status="duplicate", doc_id=d.doc_id, reason=f"same text as {twin}")
            )
            continue
        seen_hash[h] = d.doc_id
        todo.append((d, "updated" if old is not None else "added"))
    return todo


def _chunks(doc: RawDocument, settings: IndexSettings) -> list[Chunk]:
    return chunk_text(doc.text, size=settings.chunk_tokens, overlap=settings.chunk_overlap, encoding=settings.tokenizer)


def _write_group(
    group: list[tuple[RawDocument, str, list[Chunk]]],
    store: Store,
    embedder: Any,
    report: IngestReport,
    tick: Progress,
) -> None:
    texts = [_embed_text(doc, c) for doc, _, chunks in group for c in chunks]
    vectors = embedder.embed(texts)
    store.write_chunks([(doc, chunks) for doc, _, chunks in group], vectors)
    tick("chunks", len(texts))
    store.commit(
        [(doc, len(chunks)) for doc, _, chunks in group],
        replaced={doc.doc_id for doc, status, _ in group if status == "updated"},
    )
    for doc, status, chunks in group:
        report.items.append(IngestItem(origin=doc.origin, status=status, doc_id=doc.doc_id, chunks=len(chunks)))


def _embed_text(doc: RawDocument, chunk: Chunk) -> str:
    """What the embedder sees: the title gives a chunk its topic when the text alone lacks it."""
    if doc.title and chunk.index > 0 and doc.title not in chunk.text:
        return f"{doc.title}\n{chunk.text}"
    return chunk.text
