"""What a brief is drafted from: the period's documents, their stored chunk vectors and their
candidate sentences (with the cheap facts each states: names and numbers).

Nothing is embedded again: a document's vector is the position-weighted mean of its stored chunk
vectors (the lead chunk counts most, later ones less, as news puts the story first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from assistant import nlp
from index.store import version_of
from index.types import DocumentInfo, SearchFilters

MIN_WORDS, MAX_WORDS = 6, 50  # a key point is one readable sentence
TOPIC_MIN_COS = 0.35  # a document is on the topic when one of its chunks is this close to it

# Page furniture that survives cleaning and is never news.
_FURNITURE = re.compile(
    r"\b(cookies?|subscribe|subscription|sign up|newsletter|all rights reserved|click here|advertisement|"
    r"terms of (use|service)|privacy policy|log ?in|follow us|read more|share this|copyright|editor'?s note)\b|©",
    re.IGNORECASE,
)
_TERMINATED = re.compile(r"[.!?][\"'”’)\]]*$")
_CAP_WORD = re.compile(r"^[A-Z][\w'’.&-]*$")


@dataclass
class Doc:
    """A document of the period with its text and vector."""

    info: DocumentInfo
    text: str
    vec: np.ndarray
    chunks: list[tuple[str, int, int]] = field(default_factory=list)  # (chunk id, start, end)

    def chunk_at(self, offset: int) -> str:
        """The id of the chunk holding ``offset`` (for the citation)."""
        for cid, a, b in self.chunks:
            if a <= offset < b:
                return cid
        return self.chunks[0][0] if self.chunks else ""


@dataclass
class Sentence:
    """A candidate key point: a sentence of a document, with offsets into its text."""

    doc_id: str
    start: int
    end: int
    text: str
    pos: int  # index among the document's candidate sentences (0: its lead)
    n_words: int
    names: frozenset[str]
    numbers: frozenset[str]
    terms: frozenset[str]

    @property
    def facts(self) -> frozenset[str]:
        return self.names | self.numbers


@dataclass
class Material:
    """The period's documents and candidate sentences."""

    since: date
    until: date
    docs: dict[str, Doc]
    sentences: list[Sentence]
    fact_docs: dict[str, int]  # fact -> number of documents stating it
    naming: dict[str, list[str]] = field(default_factory=dict)  # name -> documents naming it


def gather(
    store: Any,
    embedder: Any,
    since: date,
    until: date,
    sources: list[str] | None = None,
    topic: str | None = None,
) -> Material:
    """The committed documents published in ``since..until`` (of ``sources``, on ``topic``)."""
    rows: dict[str, list[tuple[str, dict, Any]]] = {}
    for cid, _text, meta, emb in store.chunks_with_embeddings(
        SearchFilters(since=since, until=until, sources=sources)
    ):
        rows.setdefault(meta["doc_id"], []).append((cid, meta, emb))
    infos = store.infos(rows)
    topic_vec = np.asarray(embedder.embed_query(topic), dtype=np.float32) if topic else None
    kept: dict[str, tuple[DocumentInfo, list[tuple[str, dict, Any]]]] = {}
    for doc_id, chunks in rows.items():
        info = infos.get(doc_id)
        if info is None:
            continue
        live = [c for c in chunks if c[1]["v"] == version_of(info.content_hash)]
        if not live:
            continue
        live.sort(key=lambda c: int(c[1]["idx"]))
        if topic_vec is not None:
            best = max(float(np.asarray(c[2], dtype=np.float32) @ topic_vec) for c in live)
            if best < TOPIC_MIN_COS:
                continue
        kept[doc_id] = (info, live)
    texts = store.texts(kept)
    docs: dict[str, Doc] = {}
    for doc_id, (info, live) in kept.items():
        if doc_id not in texts:
            continue
        vecs = np.asarray([c[2] for c in live], dtype=np.float32)
        weights = np.asarray([1.0 / (1 + int(c[1]["idx"])) for c in live], dtype=np.float32)
        vec = nlp.normalize_rows((weights[:, None] * vecs).sum(axis=0))
        docs[doc_id] = Doc(
            info=info,
            text=texts[doc_id],
            vec=vec,
            chunks=[(c[0], int(c[1]["start"]), int(c[1]["end"])) for c in live],
        )
    sentences = [s for d in docs.values() for s in candidate_sentences(d)]
    fact_docs: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for s in sentences:
        for f in s.facts:
            if (s.doc_id, f) not in seen:
                seen.add((s.doc_id, f))
                fact_docs[f] = fact_docs.get(f, 0) + 1
    return Material(since=since, until=until, docs=docs, sentences=sentences, fact_docs=fact_docs)


def candidate_sentences(doc: Doc) -> list[Sentence]:
    """The document's sentences that can stand alone as a key point, in order."""
    out: list[Sentence] = []
    title = " ".join(doc.info.title.split()).rstrip(".… ")
    for a, b in nlp.split_sentences(doc.text):
        text = doc.text[a:b]
        n = len(nlp.words(text))
        if not (MIN_WORDS <= n <= MAX_WORDS) or not _TERMINATED.search(text):
            continue
        if title and text.startswith(title) and len(text) - len(title) < 20:
            continue  # the headline repeated as the first line
        if _FURNITURE.search(text) or nlp.is_question(text) or nlp.is_heading(text) or nlp.is_instruction(text):
            continue
        out.append(
            Sentence(
                doc_id=doc.info.doc_id,
                start=a,
                end=b,
                text=text,
                pos=len(out),
                n_words=n,
                names=frozenset(names(text)),
                numbers=frozenset("#" + x for x in nlp.numbers(text, include_one=False)),
                terms=frozenset(nlp.content_terms(text)),
            )
        )
    return out


def names(text: str) -> list[str]:
    """Runs of capitalised words, lower-cased: a cheap stand-in for the names a sentence states
    (NER runs only on the few sentences a brief keeps). A lone capitalised first word that is a
    stop word ("The", "He") is not a name."""
    toks = nlp.words(text)
    out: list[str] = []
    run: list[str] = []
    for i, w in enumerate([*toks, ""]):
        if w and _CAP_WORD.match(w) and not (i == 0 and nlp.is_stop(w)):
            run.append(w)
            continue
        if run:
            out.append(" ".join(run).lower())
            run = []
    return out

