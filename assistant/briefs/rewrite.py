"""With an LLM engine: each development's extracted points rewritten into short key points by
``prompts/brief.md``, then put through the answers' citation check (``verification.verify``) against
the very sentences they were written from; a point that repeats an earlier one is left out. A
rewrite that keeps nothing leaves the extracted points."""

from __future__ import annotations

import logging
from typing import Any

import prompts
from assistant.briefs.draft import as_hit
from assistant.briefs.select import Weights, jaccard
from assistant.citations import split_answer
from assistant.engines.llm_common import to_openai_messages
from assistant.nlp import content_terms
from assistant.types import Brief, BriefPoint
from assistant.verification import verify

log = logging.getLogger(__name__)


def rewrite_sections(brief: Brief, engine: Any, embedder: Any) -> None:
    """Replace each section's points by their verified rewrite, where one survives."""
    template = prompts.chat_template("brief")
    for section in brief.sections:
        passages = [as_hit(p.citations[0]) for p in section.points]
        numbered = "\n".join(f"[{i}] {h.text}" for i, h in enumerate(passages, 1))
        messages = to_openai_messages(
            template.format_messages(title=section.title, sentences=numbered, max_points=len(passages))
        )
        checked = verify(engine.complete(messages), passages, embedder)
        if checked.abstained:
            log.info("brief: the rewrite of %r kept nothing; the extracted points stay", section.title)
            continue
        by_n = {c.n: c for c in checked.citations}
        points = [
            BriefPoint(text=s.text, citations=[by_n[n].model_copy() for n in s.cited if n in by_n])
            for s in split_answer(checked.text)
        ]
        points = _distinct([p for p in points if p.citations])
        if points:
            section.points = points


def _distinct(points: list[BriefPoint]) -> list[BriefPoint]:
    """The points without those that repeat an earlier one (content words as alike as the
    selection's near-copies): a small model restates one fact in two sentences."""
    kept: list[tuple[BriefPoint, frozenset[str]]] = []
    for p in points:
        terms = frozenset(content_terms(p.text))
        if not any(jaccard(terms, t) > Weights.near_copy for _p, t in kept):
            kept.append((p, terms))
    return [p for p, _t in kept]
