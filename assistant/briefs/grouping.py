"""Developments: the period's documents grouped by their embeddings (scikit-learn's
agglomerative clustering, cosine distance, average linkage, cut at a distance threshold), ordered
by weight: independent sources, recency and novelty against the previous brief."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.briefs.material import Doc, Material

# Documents closer than this (cosine distance, average linkage) tell the same development.
# Chosen on the October month and train-2023 (bench/briefs.py), never on test.
DISTANCE_THRESHOLD = 0.5
TITLE_WORDS = 8


@dataclass
class Group:
    """One development: its documents (most central first) and its weight."""

    doc_ids: list[str]
    n_sources: int
    latest: object
    novelty: float
    weight: float
    title: str


def group(material: Material, previous_docs: set[str], threshold: float = DISTANCE_THRESHOLD) -> list[Group]:
    """The developments of the period, heaviest first."""
    docs = list(material.docs.values())
    if not docs:
        return []
    labels = cluster([d.vec for d in docs], threshold)
    by_label: dict[int, list[Doc]] = {}
    for d, lab in zip(docs, labels):
        by_label.setdefault(int(lab), []).append(d)
    span = max((material.until - material.since).days, 0) + 1
    groups = []
    for members in by_label.values():
        centre = np.mean([d.vec for d in members], axis=0)
        members.sort(key=lambda d: -float(d.vec @ centre))
        n_sources = len({d.info.source or d.info.doc_id for d in members})
        latest = max((d.info.published for d in members if d.info.published), default=material.until)
        recency = 1 - (material.until - latest).days / span
        novelty = sum(d.info.doc_id not in previous_docs for d in members) / len(members)
        groups.append(
            Group(
                doc_ids=[d.info.doc_id for d in members],
                n_sources=n_sources,
                latest=latest,
                novelty=novelty,
                weight=weight(n_sources, len(members), recency, novelty),
                title=headline(members[0].info.title),
            )
        )
    groups.sort(key=lambda g: (-g.weight, g.title))
    return groups


def cluster(vecs: list[np.ndarray], threshold: float) -> list[int]:
    """Cluster labels of unit vectors: agglomerative, cosine distance, average linkage."""
    if len(vecs) < 2:
        return [0] * len(vecs)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    return [int(x) for x in model.fit_predict(np.asarray(vecs, dtype=np.float32))]


def weight(n_sources: int, n_docs: int, recency: float, novelty: float) -> float:
    """Weight of a development: independent sources first (more documents of one source count
    half), then recency and novelty (each 0..1)."""
    reach = max(n_sources, 1) + 0.5 * max(n_docs - n_sources, 0)
    return math.sqrt(reach) * (1 + 0.25 * recency) * (1 + 0.5 * novelty)


_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")


def headline(title: str) -> str:
    """A short section heading from a document title: site suffix and trailing dots dropped."""
    t = " ".join(title.split())
    t = _SITE_SUFFIX.sub("", t).rstrip(" .…")
    ws = t.split()
    return " ".join(ws[:TITLE_WORDS]) + (" ..." if len(ws) > TITLE_WORDS else "")
