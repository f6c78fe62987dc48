"""Typed records that travel the document road: loaded -> chunked -> stored -> found."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


def content_hash(text: str) -> str:
    """Hash of normalised text, used for duplicate detection and change detection."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentRef(BaseModel):
    """Which document a record is about, as a reader sees it; documents, hits, citations and
    brief sources all carry these fields."""

    doc_id: str
    title: str = ""
    source: str = ""
    url: str | None = None
    published: date | None = None
    published_inferred: bool = False

    def ref(self) -> dict[str, Any]:
        """These fields alone, to build another record about the same document."""
        return {name: getattr(self, name) for name in DocumentRef.model_fields}


class RawDocument(DocumentRef):
    """A loaded document: normalised text plus what we know about it."""

    text: str
    origin: str = Field(default="", description="Where it came from: a path, a URL, 'file.jsonl#12'.")
    extra: dict[str, str] = Field(default_factory=dict)
    headline_chars: int = Field(
        default=0, description="Characters of ``text`` that are the title put before the body (0: none)."
    )

    @property
    def hash(self) -> str:
        """Of the body: the same article under another title is still a duplicate."""
        return content_hash(self.text[self.headline_chars :])


class Chunk(BaseModel):
    """A token-aware slice of a document; ``text == document.text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    n_tokens: int


class DocumentInfo(DocumentRef):
    """A stored document's metadata (without its text)."""

    ingested_at: datetime
    content_hash: str
    n_chunks: int
    n_chars: int
    origin: str = ""
    extra: dict[str, str] = Field(default_factory=dict)


class Hit(DocumentRef):
    """A retrieved chunk with its score, offsets and its document's metadata."""

    chunk_id: str
    text: str
    start: int
    end: int
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None


class SearchFilters(BaseModel):
    """Restrictions on what a search may return."""

    sources: list[str] | None = None
    since: date | None = None
    until: date | None = None
    doc_ids: list[str] | None = None
    as_of: date | None = Field(default=None, description="Nothing published later; undated documents stay.")

    def is_empty(self) -> bool:
        return not (self.sources or self.since or self.until or self.doc_ids or self.as_of)

    def day_bounds(self) -> tuple[int, int] | None:
        """The inclusive range of published-day ordinals a chunk may have (undated: day 0), or
        None without a date restriction. An as-of bound alone keeps undated documents; an
        explicit ``since``/``until`` range leaves them out."""
        if not (self.since or self.until or self.as_of):
            return None
        lo = self.since.toordinal() if self.since else (1 if self.until else 0)
        highs = [d.toordinal() for d in (self.until, self.as_of) if d]
        return lo, min(highs) if highs else NO_DAY_LIMIT

    def admits(self, meta: dict) -> bool:
        """Whether a chunk with this metadata (``source``, ``doc_id``, ``day``) passes."""
        if self.sources and meta.get("source") not in self.sources:
            return False
        if self.doc_ids and meta.get("doc_id") not in self.doc_ids:
            return False
        bounds = self.day_bounds()
        return bounds is None or bounds[0] <= int(meta.get("day") or 0) <= bounds[1]


NO_DAY_LIMIT = 10**9
"""The upper day bound of a range open to the future."""


class IngestItem(BaseModel):
    """The outcome for one input of an ingest run."""

    origin: str
    status: str  # added | updated | unchanged | duplicate | removed | failed
    doc_id: str | None = None
    chunks: int = 0
    reason: str | None = None


class IngestReport(BaseModel):
    """Summary of an ingest run."""

    items: list[IngestItem] = Field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def failed(self) -> list[IngestItem]:
        return [i for i in self.items if i.status == "failed"]

    @property
    def chunks_added(self) -> int:
        return sum(i.chunks for i in self.items if i.status in ("added", "updated"))

    @property
    def ok(self) -> bool:
        return not self.failed
