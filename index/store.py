"""Chroma storage: one collection of chunks (with embeddings) and one of documents (full text).

A document becomes visible only when its record is written to the documents collection, after
all its chunks: chunk ids carry the document's content version, and readers keep only chunks
whose version matches the committed record. So an interrupted ingest leaves every document
either fully indexed or absent, and ``cleanup()`` removes the orphaned chunks later.
Nothing is held in this process that another process sharing the same Chroma would miss.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any

from index.errors import ConfigError, StoreError
from index.settings import IndexSettings
from index.types import NO_DAY_LIMIT, Chunk, DocumentInfo, RawDocument, SearchFilters

log = logging.getLogger(__name__)

META_ID = "__briefing_meta__"
_GET_PAGE = 5000
DENSE_OVERFETCH = 4
"""How many times ``n`` an unfiltered dense query fetches before filtering in Python."""
ORPHAN_GRACE_S = 900
"""Uncommitted chunks younger than this are another writer's work in progress, not orphans: with
several processes on one Chroma server, one process's cleanup must not delete the chunks another
is about to commit."""


def version_of(content_hash: str) -> str:
    return content_hash[:12]


def chunk_id(doc_id: str, version: str, index: int) -> str:
    return f"{doc_id}#{version}#{index}"


def _day(d: date | None) -> int | None:
    return d.toordinal() if d else None


class Store:
    """The Chroma-backed store of documents and chunks."""

    def __init__(self, settings: IndexSettings, *, embedding_model: str = "") -> None:
        self.settings = settings
        self.client = _make_client(settings)
        prefix = settings.collection
        try:
            self.chunks = self.client.get_or_create_collection(
                f"{prefix}_chunks",
                configuration={"hnsw": {"space": "cosine", "ef_search": 200, "ef_construction": 200}},
                metadata={"embedding_model": embedding_model} if embedding_model else None,
                embedding_function=None,
            )
            self.docs = self.client.get_or_create_collection(f"{prefix}_docs", embedding_function=None)
        except Exception as exc:  # connection errors surface here for a server
            raise StoreError(
                f"cannot open the Chroma collections ({describe_location(settings)}): {exc}"
            ) from exc
        stored_model = (self.chunks.metadata or {}).get("embedding_model")
        if embedding_model and stored_model and stored_model != embedding_model:
            raise ConfigError(
                f"the index at {describe_location(settings)} was built with {stored_model!r}, not {embedding_model!r}; "
                "use the same embedding model or a new BRIEFING_COLLECTION / BRIEFING_DATA_DIR"
            )

    # -- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> tuple[DocumentInfo, str] | None:
        """A stored document's info and full text, or None."""
        got = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"] or doc_id == META_ID:
            return None
        return _info(doc_id, got["metadatas"][0]), got["documents"][0]

    def texts(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Full stored texts of these documents (missing ids are left out)."""
        ids = sorted(set(doc_ids) - {META_ID})
        got = self.docs.get(ids=ids, include=["documents"]) if ids else {"ids": [], "documents": []}
        return dict(zip(got["ids"], got["documents"]))

    def infos(self, doc_ids: Iterable[str]) -> dict[str, DocumentInfo]:
        ids = sorted(set(doc_ids) - {META_ID})
        out: dict[str, DocumentInfo] = {}
        for i in range(0, len(ids), _GET_PAGE):
            got = self.docs.get(ids=ids[i : i + _GET_PAGE], include=["metadatas"])
            out.update({d: _info(d, m) for d, m in zip(got["ids"], got["metadatas"])})
        return out

    def documents(self) -> list[DocumentInfo]:
        """Every committed document, newest publication first."""
        out = [_info(i, m) for i, m in self._iter_get(self.docs, include=["metadatas"]) if i != META_ID]
        out.sort(key=lambda d: (d.published or date.min, d.doc_id), reverse=True)
        return out

    def find_hash(self, content_hash: str) -> str | None:
        got = self.docs.get(where={"content_hash": content_hash}, include=[], limit=1)
        return got["ids"][0] if got["ids"] else None

    def count_documents(self) -> int:
        return self.docs.count() - (1 if self.docs.get(ids=[META_ID], include=[])["ids"] else 0)

    def count_chunks(self) -> int:
        return self.chunks.count()

    # -- writing ---------------------------------------------------------------------------
    def write_chunks(self, items: list[tuple[RawDocument, list[Chunk]]], embeddings: Any) -> None:
        """Write the chunks of several documents (invisible until ``commit``), in large batches.

        ``embeddings`` holds one row per chunk, in the order of ``items``.
        """
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        written = int(time.time())
        for doc, chunks in items:
            v = version_of(doc.hash)
            day = _day(doc.published)
            for c in chunks:
                ids.append(chunk_id(doc.doc_id, v, c.index))
                texts.append(c.text)
                metas.append(
                    {
                        "doc_id": doc.doc_id,
                        "v": v,
                        "idx": c.index,
                        "start": c.start,
                        "end": c.end,
                        "source": doc.source,
                        "day": day if day is not None else 0,  # 0 = undated
                        "w": written,  # write time, so cleanup can tell orphans from work in progress
                    }
                )
        batch = max(1, min(self.client.get_max_batch_size(), 5000))
        for i in range(0, len(ids), batch):
            self.chunks.upsert(
                ids=ids[i : i + batch],
                embeddings=embeddings[i : i + batch],
                documents=texts[i : i + batch],
                metadatas=metas[i : i + batch],
            )

    def commit(self, docs: list[tuple[RawDocument, int]], *, replaced: set[str] | None = None) -> None:
        """Make documents visible (their chunks must be written), then drop their old versions.

        ``replaced``: ids that had an earlier version (default: all), whose old chunks are deleted.
        """
        if not docs:
            return
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        metas = [_doc_meta(d, n, now) for d, n in docs]
        self.docs.upsert(
            ids=[d.doc_id for d, _ in docs],
            embeddings=[[0.0]] * len(docs),
            documents=[d.text for d, _ in docs],
            metadatas=metas,
        )
        stale = [d for d, _ in docs if replaced is None or d.doc_id in replaced]
        if stale:
            # One delete for the group: their chunks of any version but the new ones (versions are
            # content hashes, and equal contents are skipped as duplicates, so none is shared).
            self.chunks.delete(
                where={
                    "$and": [
                        {"doc_id": {"$in": [d.doc_id for d in stale]}},
                        {"v": {"$nin": [version_of(d.hash) for d in stale]}},
                    ]
                }
            )
        self.touch()

    def remove(self, doc_id: str) -> bool:
        """Delete a document and its chunks; False when it does not exist."""
        if doc_id == META_ID or not self.docs.get(ids=[doc_id], include=[])["ids"]:
            return False
        self.docs.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})
        self.touch()
        return True

    def cleanup(self, grace_s: float = ORPHAN_GRACE_S) -> int:
        """Delete chunks left by interrupted runs (no committed document of that version), once
        they are ``grace_s`` old (younger ones may be another process's ingest in progress)."""
        committed = {
            i: m.get("content_hash", "") for i, m in self._iter_get(self.docs, include=["metadatas"])
        }
        cutoff = time.time() - grace_s
        stale = [
            cid
            for cid, m in self._iter_get(self.chunks, include=["metadatas"])
            if version_of(committed.get(m["doc_id"], "")) != m["v"] and int(m.get("w") or 0) <= cutoff
        ]
        for i in range(0, len(stale), _GET_PAGE):
            self.chunks.delete(ids=stale[i : i + _GET_PAGE])
        if stale:
            log.info("removed %d orphaned chunks", len(stale))
            self.touch()
        return len(stale)

    def touch(self) -> None:
        """Record that the index changed, so every process rebuilds its keyword index."""
        self.docs.upsert(
            ids=[META_ID], embeddings=[[0.0]], documents=[""], metadatas=[{"generation": uuid.uuid4().hex}]
        )

    def generation(self) -> str:
        got = self.docs.get(ids=[META_ID], include=["metadatas"])
        return got["metadatas"][0]["generation"] if got["ids"] else ""

    # -- reading chunks ----------------------------------------------------------------------
    def dense(
        self, embedding: Any, n: int, filters: SearchFilters | None
    ) -> list[tuple[str, float, str, dict]]:
        """Nearest chunks: (chunk_id, cosine similarity, text, metadata).

        A filter that keeps most chunks (typically an as-of date) is applied to an unfiltered
        query's first ``DENSE_OVERFETCH * n`` results when enough of them pass: a Chroma query
        with a broad ``where`` is many times slower than one without. Narrow filters, or too few
        passing, go to Chroma's filtered query; both give the same chunks."""
        where = chroma_where(filters)
        if where is not None and not filters.doc_ids:
            got = [hit for hit in self._query(embedding, n * DENSE_OVERFETCH, None) if filters.admits(hit[3])]
            if len(got) >= n:
                return got[:n]
        return self._query(embedding, n, where)

    def _query(self, embedding: Any, n: int, where: dict | None) -> list[tuple[str, float, str, dict]]:
        res = self.chunks.query(
            query_embeddings=[embedding],
            n_results=n,  # Chroma returns fewer when the collection holds fewer
            where=where,
            include=["distances", "documents", "metadatas"],
        )
        return [
            (cid, 1.0 - dist, doc, meta)
            for cid, dist, doc, meta in zip(
                res["ids"][0], res["distances"][0], res["documents"][0], res["metadatas"][0]
            )
        ]

    def all_chunks(self) -> Iterator[tuple[str, str, dict]]:
        """Every chunk: (chunk_id, text, metadata), in pages."""
        offset = 0
        while True:
            got = self.chunks.get(include=["documents", "metadatas"], limit=_GET_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            offset += len(got["ids"])

    def chunks_with_embeddings(self, filters: SearchFilters) -> Iterator[tuple[str, str, dict, Any]]:
        """(chunk_id, text, metadata, embedding) of the chunks ``filters`` admit (a published-day
        range, sources), committed or not, in pages: for work over a period (briefs) that reuses
        the stored vectors instead of embedding again."""
        where = chroma_where(filters)
        offset = 0
        while True:
            got = self.chunks.get(
                where=where, include=["documents", "metadatas", "embeddings"], limit=_GET_PAGE, offset=offset
            )
            if not len(got["ids"]):
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
            offset += len(got["ids"])

    def chunk_ids(self) -> list[str]:
        """The ids of every chunk (committed or not), in pages; cheap next to ``all_chunks``."""
        out: list[str] = []
        offset = 0
        while True:
            got = self.chunks.get(include=[], limit=_GET_PAGE, offset=offset)
            if not got["ids"]:
                return out
            out.extend(got["ids"])
            offset += len(got["ids"])

    def chunks_by_id(self, ids: list[str]) -> Iterator[tuple[str, str, dict]]:
        """(chunk_id, text, metadata) of these chunks, fetched in pages; missing ones are skipped."""
        for i in range(0, len(ids), _GET_PAGE):
            got = self.chunks.get(ids=ids[i : i + _GET_PAGE], include=["documents", "metadatas"])
            yield from zip(got["ids"], got["documents"], got["metadatas"])

    def _iter_get(self, col: Any, include: list[str]) -> Iterator[tuple[str, dict]]:
        offset = 0
        while True:
            got = col.get(include=include, limit=_GET_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["metadatas"])
            offset += len(got["ids"])


def chroma_where(filters: SearchFilters | None) -> dict | None:
    """Translate filters into a Chroma ``where`` clause on chunk metadata."""
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict] = []
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    bounds = filters.day_bounds()
    if bounds is not None:
        lo, hi = bounds
        if lo > 0:
            clauses.append({"day": {"$gte": lo}})
        if hi < NO_DAY_LIMIT:
            clauses.append({"day": {"$lte": hi}})
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": list(filters.doc_ids)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _doc_meta(d: RawDocument, n_chunks: int, now: str) -> dict[str, Any]:
    m: dict[str, Any] = {
        "title": d.title,
        "source": d.source,
        "url": d.url or "",
        "published": d.published.isoformat() if d.published else "",
        "published_inferred": d.published_inferred,
        "ingested_at": now,
        "content_hash": d.hash,
        "n_chunks": n_chunks,
        "n_chars": len(d.text),
        "origin": d.origin,
        "extra": json.dumps(d.extra, ensure_ascii=False),
    }
    if d.published:
        m["day"] = d.published.toordinal()
    return m


def _info(doc_id: str, m: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc_id,
        title=m.get("title", ""),
        source=m.get("source", ""),
        url=m.get("url") or None,
        published=date.fromisoformat(m["published"]) if m.get("published") else None,
        published_inferred=bool(m.get("published_inferred", False)),
        ingested_at=datetime.fromisoformat(m["ingested_at"]),
        content_hash=m.get("content_hash", ""),
        n_chunks=int(m.get("n_chunks", 0)),
        n_chars=int(m.get("n_chars", 0)),
        origin=m.get("origin", ""),
        extra=json.loads(m.get("extra") or "{}"),
    )


def describe_location(settings: IndexSettings) -> str:
    """Where the index lives, for messages and status."""
    ep = settings.chroma_endpoint
    return (
        f"Chroma server {ep[0]}:{ep[1]}"
        if ep
        else f"embedded Chroma in {(settings.data_dir / 'chroma').resolve()}"
    )


def _make_client(settings: IndexSettings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    ep = settings.chroma_endpoint
    try:
        if ep:
            host, port, ssl = ep
            return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(f"cannot open {describe_location(settings)}: {exc}. Is the server running?") from exc
