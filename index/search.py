"""Hybrid search: dense (Chroma) and BM25 (bm25s) candidates fused by weighted reciprocal rank.

The BM25 index is rebuilt from Chroma whenever the store's generation changes, so several
processes sharing one Chroma server see the same documents.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from index.errors import InputError
from index.settings import IndexSettings
from index.store import Store, version_of
from index.types import DocumentInfo, Hit, SearchFilters

log = logging.getLogger(__name__)

_TOKEN = r"(?u)\b\w+\b"


@dataclass
class _Keyword:
    generation: str
    ids: list[str]
    texts: list[str]
    metas: list[dict]
    tokens: list[list[str]]  # per chunk, as ``tokenize`` gives them
    bm25: Any
    vocab: dict[str, int]
    pos: dict[str, int]  # chunk id -> row
    df: np.ndarray  # token id -> number of chunks holding it
    days: np.ndarray  # published-day ordinal per chunk (0: undated)
    sources: np.ndarray
    doc_ids: np.ndarray


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, Snowball-stemmed tokens (shared by index and queries)."""
    import bm25s
    import Stemmer

    return bm25s.tokenize(
        texts, stemmer=_stemmer(Stemmer), return_ids=False, show_progress=False, token_pattern=_TOKEN
    )


_STEMMER: Any = None


@lru_cache(maxsize=65536)
def _stem_word(word: str) -> str:
    """One lower-case word stemmed as ``tokenize`` stems (for the rerank's term features)."""
    import Stemmer

    return _stemmer(Stemmer).stemWord(word)


def _stemmer(module: Any) -> Any:
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = module.Stemmer("english")
    return _STEMMER


class Searcher:
    """``search(query, k, filters)`` over a store, plus a LangChain retriever view."""

    def __init__(self, settings: IndexSettings, store: Store, embedder: Any) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._kw: _Keyword | None = None
        self._lock = threading.Lock()

    # -- public ------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first, restricted by ``filters``."""
        k = k or self.settings.k
        query = query.strip()
        if not query:
            return []
        n = max(self.settings.candidates, k)
        qvec = self.embedder.embed_query(query)
        dense = self.store.dense(qvec, n, filters)
        keyword, scored = self._bm25(query, n, filters)
        fused: dict[str, dict[str, Any]] = {}
        for rank, (cid, sim, text, meta) in enumerate(dense, 1):
            fused[cid] = {"text": text, "meta": meta, "dense_rank": rank, "bm25_rank": None, "sim": sim}
        for rank, (cid, score, text, meta) in enumerate(keyword, 1):
            entry = fused.setdefault(cid, {"text": text, "meta": meta, "dense_rank": None, "sim": None})
            entry["bm25_rank"] = rank
            entry["bm25"] = score
        rrf = self.settings.rrf_k
        for e in fused.values():
            s = 0.0
            if e["dense_rank"]:
                s += self.settings.dense_weight / (rrf + e["dense_rank"])
            if e["bm25_rank"]:
                s += self.settings.bm25_weight / (rrf + e["bm25_rank"])
            e["score"] = s
        ranked = sorted(fused.items(), key=lambda kv: kv[1]["score"], reverse=True)
        if self.settings.rerank and len(ranked) > 1:
            ranked = self._rerank(query, qvec, ranked, scored)
            anchors = [hits[0][0] for hits in (dense, keyword) if hits]
            ranked = anchor(ranked, anchors, self.settings.anchor_depth)
        infos = self.store.infos(e["meta"]["doc_id"] for _, e in ranked[: k * 3])
        hits: list[Hit] = []
        for cid, e in ranked:
            info = infos.get(e["meta"]["doc_id"]) if len(hits) < k else None
            if info is None or version_of(info.content_hash) != e["meta"]["v"]:
                if len(hits) >= k:
                    break
                continue  # an uncommitted or superseded version
            hits.append(_hit(cid, e, info))
        return hits

    def as_retriever(self, k: int | None = None, filters: SearchFilters | None = None) -> Any:
        """This search as a LangChain ``BaseRetriever``."""
        from index.retriever import BriefingRetriever

        return BriefingRetriever(searcher=self, k=k or self.settings.k, filters=filters)

    # -- second stage ------------------------------------------------------------------------
    def _rerank(
        self,
        query: str,
        qvec: np.ndarray,
        ranked: list[tuple[str, dict[str, Any]]],
        keyword: tuple[_Keyword, np.ndarray] | None,
    ) -> list[tuple[str, dict[str, Any]]]:
        """Re-rank the top ``rerank_depth`` fused candidates: ``index.rerank`` orders them, and
        that order joins the dense and BM25 ranks in the weighted RRF (``rerank_weight``,
        ``rerank_rrf_k``); the rest follow in fused order. ``keyword``: the BM25 index and every
        chunk's score, if any."""
        depth = self.settings.rerank_depth
        pool, rest = ranked[:depth], ranked[depth:]
        self._fill_cosines(pool, qvec)
        _fill_bm25(pool, keyword)
        rescored = _rescore(query, pool, keyword[0] if keyword else None, self.settings.rerank_feature_scale)
        # The rerank's order is a third ranker beside dense and BM25 (weighted RRF), not a
        # replacement of them: with a small RRF constant it decides among the first-stage
        # favourites, and a passage both retrievers rank high stays in the top few even when the
        # features (fitted on few questions) misjudge it.
        new = fuse_rerank(
            [e["score"] for _, e in pool], rescored, self.settings.rerank_weight, self.settings.rerank_rrf_k
        )
        return _reorder(pool, rest, new)

    def _fill_cosines(self, pool: list[tuple[str, dict[str, Any]]], qvec: np.ndarray) -> None:
        """Give keyword-only candidates (``sim`` None) their cosine from the stored vectors, if readable."""
        from chromadb.errors import ChromaError

        missing = [cid for cid, e in pool if e["sim"] is None]
        if not missing:
            return
        try:
            got = self.store.chunks.get(ids=missing, include=["embeddings"])
            vecs = dict(zip(got["ids"], got["embeddings"]))
        except ChromaError as exc:  # e.g. removed meanwhile by another process
            log.warning("rerank: cannot read %d candidate vectors (%s)", len(missing), exc)
            vecs = {}
        for cid, e in pool:
            if e["sim"] is None and cid in vecs:
                e["sim"] = float(np.dot(np.asarray(vecs[cid], dtype=np.float32), qvec))

    # -- BM25 --------------------------------------------------------------------------------
    def _bm25(
        self, query: str, n: int, filters: SearchFilters | None
    ) -> tuple[list[tuple[str, float, str, dict]], tuple[_Keyword, np.ndarray] | None]:
        """The ``n`` best BM25 chunks, and the index with every chunk's score (None: no match)."""
        kw = self._keyword_index()
        if kw is None:
            return [], None
        q = [t for t in tokenize([query])[0] if t in kw.vocab]
        if not q:
            return [], None
        mask = _mask(kw, filters)
        if mask is not None and not mask.any():
            return [], None
        scores = np.asarray(kw.bm25.get_scores(q, weight_mask=mask), dtype=np.float32)
        n = min(n, len(kw.ids))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        hits = [(kw.ids[i], float(scores[i]), kw.texts[i], kw.metas[i]) for i in top if scores[i] > 0]
        return hits, (kw, scores)

    def _keyword_index(self) -> _Keyword | None:
        gen = self.store.generation()
        with self._lock:
            if self._kw is not None and self._kw.generation == gen:
                return self._kw
            import bm25s

            logging.getLogger("bm25s").setLevel(logging.WARNING)  # it forces DEBUG on itself
            # A chunk id names its document's text version, so a chunk seen by an earlier build
            # keeps its text, metadata and tokens: only new chunks are read and tokenised.
            known: dict[str, tuple[str, dict, list[str]]] = {}
            if self._kw is not None:
                known = {
                    cid: (self._kw.texts[i], self._kw.metas[i], self._kw.tokens[i])
                    for cid, i in self._kw.pos.items()
                }
            ids = self.store.chunk_ids()
            fresh = list(self.store.chunks_by_id([cid for cid in ids if cid not in known]))
            if fresh:
                for (cid, text, meta), toks in zip(fresh, tokenize([text for _, text, _ in fresh])):
                    known[cid] = (text, meta, toks)
            ids = [cid for cid in ids if cid in known]  # removed meanwhile: skipped
            if not ids:
                self._kw = None
                return None
            texts = [known[cid][0] for cid in ids]
            metas = [known[cid][1] for cid in ids]
            tokens = [known[cid][2] for cid in ids]
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
            df = np.diff(np.asarray(bm25.scores["indptr"]))
            pos = {cid: i for i, cid in enumerate(ids)}
            days = np.array([int(m.get("day") or 0) for m in metas], dtype=np.int64)
            sources = np.array([m.get("source") or "" for m in metas], dtype=object)
            doc_ids = np.array([m.get("doc_id") or "" for m in metas], dtype=object)
            self._kw = _Keyword(
                gen, ids, texts, metas, tokens, bm25, bm25.vocab_dict, pos, df, days, sources, doc_ids
            )
            log.info("keyword index rebuilt: %d chunks (%d read and tokenised)", len(ids), len(fresh))
            return self._kw


def fuse_rerank(fused: Any, rescored: Any, weight: float, rrf_k: int) -> np.ndarray:
    """The first-stage RRF scores ``fused`` plus ``weight / (rrf_k + rank)`` by the rerank's
    ``rescored`` order (rank 1: the highest score; ties keep the first-stage order)."""
    out = np.asarray(fused, dtype=np.float64).copy()
    order = np.argsort(-np.asarray(rescored, dtype=np.float64), kind="stable")
    out[order] += weight / (rrf_k + np.arange(1, len(order) + 1, dtype=np.float64))
    return out


def _fill_bm25(pool: list[tuple[str, dict[str, Any]]], keyword: tuple[_Keyword, np.ndarray] | None) -> None:
    """Give dense-only candidates (no ``bm25``) their BM25 score from ``keyword``, usually 0."""
    kw, bm25_scores = keyword if keyword else (None, None)
    for cid, e in pool:
        if "bm25" not in e:
            row = kw.pos.get(cid) if kw is not None else None
            e["bm25"] = float(bm25_scores[row]) if row is not None else 0.0


def _rescore(
    query: str, pool: list[tuple[str, dict[str, Any]]], kw: _Keyword | None, feature_scale: float
) -> Any:
    """``index.rerank``'s score of each candidate in ``pool``, with IDF from the keyword index ``kw``
    and the pool's lowest cosine standing in for a missing one."""
    from index import rerank, rerank_question

    floor = min((e["sim"] for _, e in pool if e["sim"] is not None), default=0.0)

    def idf(term: str) -> float:
        tid = kw.vocab.get(term) if kw is not None else None
        return rerank.idf_from_df(int(kw.df[tid]) if tid is not None else 0, len(kw.ids) if kw else 1)

    q = rerank_question.analyse(query, _stem_word, idf)
    return rerank.scores(
        q,
        [e["text"] for _, e in pool],
        [e["sim"] if e["sim"] is not None else floor for _, e in pool],
        [e["bm25"] for _, e in pool],
        rerank.DEFAULT_WEIGHTS.shrunk(feature_scale),
        _stem_word,
        [e["meta"]["doc_id"] for _, e in pool],
    )


def _reorder(
    pool: list[tuple[str, dict[str, Any]]], rest: list[tuple[str, dict[str, Any]]], new: np.ndarray
) -> list[tuple[str, dict[str, Any]]]:
    """``pool`` sorted by its ``new`` scores (stored on each entry), then ``rest`` in its order,
    scored just below the pool."""
    for (_, e), s in zip(pool, new):
        e["score"] = float(s)
    out = [pool[i] for i in np.argsort(-new, kind="stable")]
    low = float(new.min()) - 1.0
    for j, (_, e) in enumerate(rest):
        e["score"] = low - j * 1e-6
    return out + rest


def anchor(
    ranked: list[tuple[str, dict[str, Any]]], anchors: list[str], depth: int
) -> list[tuple[str, dict[str, Any]]]:
    """``ranked`` with every id in ``anchors`` moved up into the first ``depth`` places if it is
    lower: anchors displaced from the window take its last places (in their ``ranked`` order),
    the rest keeps its order, and scores are lowered where needed to stay descending.

    The rerank's features were fitted on few questions; keeping the dense and the BM25 retriever's
    own best passage in view means a misjudged question still shows what either retriever found."""
    if depth <= 0:
        return ranked
    want = set(anchors)
    late = [item for item in ranked[depth:] if item[0] in want]
    if not late:
        return ranked
    moved = {cid for cid, _ in late}
    keep = ranked[: depth - len(late)]
    out = keep + late + [item for item in ranked[len(keep) :] if item[0] not in moved]
    for (_, prev), (_, e) in itertools.pairwise(out):
        e["score"] = min(e["score"], prev["score"] - 1e-9)
    return out


def _mask(kw: _Keyword, filters: SearchFilters | None) -> np.ndarray | None:
    """1.0 for each chunk of the keyword index that ``filters`` admits (``SearchFilters.admits``,
    vectorised), None without filters."""
    if filters is None or filters.is_empty():
        return None
    keep = np.ones(len(kw.ids), dtype=bool)
    if filters.sources:
        keep &= np.isin(kw.sources, list(filters.sources))
    if filters.doc_ids:
        keep &= np.isin(kw.doc_ids, list(filters.doc_ids))
    bounds = filters.day_bounds()
    if bounds is not None:
        keep &= (kw.days >= bounds[0]) & (kw.days <= bounds[1])
    return keep.astype(np.float32)


def _hit(cid: str, e: dict[str, Any], info: DocumentInfo) -> Hit:
    m = e["meta"]
    return Hit(
        **info.ref(),
        chunk_id=cid,
        text=e["text"],
        start=int(m["start"]),
        end=int(m["end"]),
        score=float(e["score"]),
        dense_rank=e["dense_rank"],
        bm25_rank=e["bm25_rank"],
    )


def parse_date(value: str | date | None) -> date | None:
    """A date from ISO text (``2024-11-02``) or a date; None stays None."""
    if value is None or isinstance(value, date):
        return value
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise InputError(f"not a date: {value!r} (use YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:  # the shape of a date, not a day of the calendar: "2024-13-01", "2023-02-29"
        raise InputError(f"not a date: {value!r} ({exc})") from None
