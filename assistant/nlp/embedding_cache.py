"""Embeddings memoised by text, so the extractive engine and citation verification share them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np

_EMB_CACHE: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
_EMB_CACHE_MAX = 8192
EMBED_BATCH = 16
_emb_lock = threading.Lock()


def embed_cached(embedder: Any, texts: Iterable[str]) -> np.ndarray:
    """``embedder.embed`` over ``texts`` (L2-normalised rows), embedding each unseen text once."""
    texts = list(texts)
    key = id(embedder)
    with _emb_lock:
        missing = list(dict.fromkeys(t for t in texts if (key, t) not in _EMB_CACHE))
    if missing:
        try:  # small batches: sentences differ in length, and padding to the longest costs time
            vecs = np.asarray(embedder.embed(missing, batch_size=EMBED_BATCH), dtype=np.float32)
        except TypeError:
            vecs = np.asarray(embedder.embed(missing), dtype=np.float32)
        with _emb_lock:
            for t, v in zip(missing, vecs):
                _EMB_CACHE[(key, t)] = v
                if len(_EMB_CACHE) > _EMB_CACHE_MAX:
                    _EMB_CACHE.popitem(last=False)
    with _emb_lock:
        rows = [_EMB_CACHE.get((key, t)) for t in texts]
    if any(r is None for r in rows):  # evicted meanwhile: embed directly
        return np.asarray(embedder.embed(texts), dtype=np.float32)
    if not rows:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack(rows)


def normalize_rows(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.maximum(n, 1e-9)
