"""Since the last brief: which points are new, which figures changed (old -> new, both cited) and
which earlier developments dropped out."""

from __future__ import annotations

from assistant import nlp
from assistant.types import Brief, BriefDiff, BriefPoint, Citation, FigureChange

MAX_DROPPED = 5


def _key(c: Citation) -> tuple[str, int]:
    return c.doc_id, c.evidence_start if c.evidence_start is not None else c.start


def compare(brief: Brief, previous: Brief) -> BriefDiff:
    """Mark ``brief``'s points, sections and figures against ``previous`` and say what changed."""
    before = {_key(c) for _t, cits in previous.cited_points() for c in cits}
    before_docs = {c.doc_id for _t, cits in previous.cited_points() for c in cits}
    new_points = 0
    for p in brief.bottom_line + [p for s in brief.sections for p in s.points]:
        p.status = "continuing" if any(_key(c) in before for c in p.citations) else "new"
        new_points += p.status == "new"
    for s in brief.sections:
        s.status = "continuing" if before_docs & set(s.doc_ids) else "new"

    old_figures = {f.key: f for f in previous.key_figures if f.key}
    updated = []
    for f in brief.key_figures:
        old = old_figures.get(f.key)
        if old is None:
            f.status = "new"
        elif nlp.numbers(old.value) == nlp.numbers(f.value):
            f.status = "continuing"
        else:
            f.status = "updated"
            updated.append(FigureChange(counts=f.counts, old=old.model_copy(deep=True), new=f))

    now_docs = {c.doc_id for _t, cits in brief.cited_points() for c in cits}
    now_docs |= {d for s in brief.sections for d in s.doc_ids}
    dropped: list[BriefPoint] = []
    for s in previous.sections:
        if s.points and not (set(s.doc_ids) & now_docs):
            dropped.append(s.points[0].model_copy(deep=True))
    return BriefDiff(
        previous_id=previous.id,
        previous_since=previous.since,
        previous_until=previous.until,
        new_points=new_points,
        updated=updated,
        dropped=dropped[:MAX_DROPPED],
    )
