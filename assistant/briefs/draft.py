"""Drafting a brief: choose the key points, lay out bottom line, sections and lists within the word
budget, check every citation, and compare with the previous brief of the scope.

The extractive draft only selects, groups and orders sentences of the sources (nothing is
generated). An engine with ``complete`` (openai, local) may then rewrite each section's points with
``prompts/brief.md`` (``rewrite``); the rewrite goes through the answers' citation check
(``verification.verify``) and a section whose rewrite keeps nothing keeps its extracted points. The
bottom line and the lists stay extracted.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from assistant.briefs import facts, scorer, select
from assistant.briefs.diff import compare
from assistant.briefs.grouping import Group
from assistant.briefs.material import Material, Sentence
from assistant.briefs.render import count_words
from assistant.types import (
    Actor,
    Brief,
    BriefPoint,
    BriefScope,
    BriefSection,
    BriefSource,
    Citation,
    Hit,
    KeyFigure,
    WatchItem,
)

log = logging.getLogger(__name__)

OTHER_TITLE = "Also in this period"


@dataclass(frozen=True)
class Layout:
    """How much of each list a brief holds (chosen on train-2023 and the October month)."""

    bottom_min: int = 3
    bottom_max: int = 5
    figures: int = 10
    actors: int = 30
    watch: int = 3
    section_min_points: int = 3  # developments with fewer points go together under OTHER_TITLE
    list_sentences: int = 100  # sentences NER reads for the lists, beyond the chosen points
    learned_actors: bool = True  # actors (and where NER looks for them) by the name scorer
    lists_new_first: bool = True  # figures and actors the key points do not state come first
    words: int = 800  # the list lengths above are for a brief of this many words

    def scaled(self, max_words: int, shrink: float = 1.0) -> Layout:
        """The lists cut in proportion to a shorter (or longer) brief, and by ``shrink``."""
        f = min(max_words / self.words, 2.0) * shrink
        return replace(
            self,
            figures=int(self.figures * f),
            actors=int(self.actors * f),
            watch=int(self.watch * f),
        )


def draft(
    material: Material,
    groups: list[Group],
    *,
    as_of: date,
    scope: BriefScope,
    max_words: int,
    embedder: Any,
    engine: Any = None,
    engine_name: str = "extractive",
    previous: Brief | None = None,
    layout: Layout | None = None,
    weights: select.Weights | None = None,
    probs: dict[int, float] | None = None,
) -> Brief:
    """The brief of ``material`` (see the module docstring); ``groups`` heaviest first; ``probs``
    the scorer's probabilities of the sentences when already computed (``scorer.score``)."""
    t0 = time.perf_counter()
    layout = layout or Layout()
    weights = weights or select.Weights()
    if probs is None and weights.learned:
        probs = scorer.score(material, groups, units=weights.units)
    extras, name_probs = _list_material(material, groups, layout, probs)
    brief = _lay_out(
        material,
        groups,
        extras,
        name_probs,
        as_of=as_of,
        scope=scope,
        max_words=max_words,
        engine_name=engine_name,
        previous=previous,
        layout=layout,
        weights=weights,
        probs=probs,
    )
    if engine is not None and hasattr(engine, "complete"):
        _rewrite(brief, engine, embedder)
    _check(brief, embedder)
    if previous is not None:
        brief.diff = compare(brief, previous)
    _trim(brief, max_words)
    _number_sources(brief)
    brief.seconds = round(time.perf_counter() - t0, 3)
    return brief


def _list_material(
    material: Material, groups: list[Group], layout: Layout, probs: dict[int, float] | None
) -> tuple[list[Sentence], dict[str, float] | None]:
    """The sentences the lists draw on beyond the chosen points, and the name scorer's probabilities."""
    group_rank = {d: gi for gi, g in enumerate(groups) for d in g.doc_ids}
    if layout.lists_new_first and probs:  # the list material: the likeliest sentences first
        ranked = sorted(material.sentences, key=lambda s: -probs.get(id(s), 0.0))
    else:
        ranked = sorted(material.sentences, key=lambda s: (group_rank.get(s.doc_id, 1 << 30), s.pos))
    name_probs = scorer.score_names(material, groups) if layout.learned_actors else None
    extras = _unique(
        naming_sentences(material, layout.list_sentences, name_probs) + ranked[: layout.list_sentences]
    )
    return extras, name_probs


def _lay_out(
    material: Material,
    groups: list[Group],
    extras: list[Sentence],
    name_probs: dict[str, float] | None,
    *,
    as_of: date,
    scope: BriefScope,
    max_words: int,
    engine_name: str,
    previous: Brief | None,
    layout: Layout,
    weights: select.Weights,
    probs: dict[int, float] | None,
) -> Brief:
    """The brief laid out within ``max_words``: fewer points, or shorter lists once the points are few (ten tries)."""
    budget, shrink = max_words, 1.0
    brief = None
    for _attempt in range(10):
        chosen = select.choose(material, groups, budget, weights, probs)
        points_sents = [s for _g, s in chosen]
        pool = _unique(points_sents + extras)
        lists = layout.scaled(max_words, shrink)
        brief = _assemble(
            material, groups, chosen, pool, as_of, scope, max_words, lists, engine_name, name_probs
        )
        if previous is not None:
            brief.diff = compare(brief, previous)
        brief.words = count_words(brief)
        if brief.words <= max_words:
            break
        if len(chosen) <= lists.bottom_min:  # the lists crowd out the bottom line: shorten them
            shrink /= 2
            budget = max_words
        else:
            budget = max(budget - (brief.words - max_words) - 5, 0)
    assert brief is not None
    return brief


def _rewrite(brief: Brief, engine: Any, embedder: Any) -> None:
    """Rewrite the sections' points with ``engine`` (``rewrite.rewrite_sections``) and recount the words."""
    from assistant.briefs.rewrite import rewrite_sections

    rewrite_sections(brief, engine, embedder)
    brief.words = count_words(brief)


def _trim(brief: Brief, max_words: int) -> None:
    """Count the words and drop the last sections' points until the brief fits ``max_words``."""
    brief.words = count_words(brief)
    while brief.words > max_words and brief.sections:  # what the diff added after the layout
        last = brief.sections[-1]
        last.points.pop()
        if not last.points:
            brief.sections.pop()
        brief.words = count_words(brief)


def naming_sentences(
    material: Material, n: int, name_probs: dict[str, float] | None = None
) -> list[Sentence]:
    """For the ``n`` names most documents state (capitalised runs; or the most probable by
    ``name_probs``), the first sentence stating each: where NER looks for the actors, so the
    names that matter anywhere in the period are found."""
    first: dict[str, Sentence] = {}
    for s in material.sentences:
        for name in s.names:
            if name not in first or s.pos < first[name].pos:
                first[name] = s
    probs = name_probs or {}
    top = sorted(first, key=lambda f: (-probs.get(f, 0.0), -material.fact_docs.get(f, 0)))[:n]
    return [first[f] for f in top]


def _unique(sents: list[Sentence]) -> list[Sentence]:
    seen: set[tuple[str, int]] = set()
    out = []
    for s in sents:
        if (s.doc_id, s.start) not in seen:
            seen.add((s.doc_id, s.start))
            out.append(s)
    return out


def _assemble(
    material: Material,
    groups: list[Group],
    chosen: list[tuple[int, Sentence]],
    pool: list[Sentence],
    as_of: date,
    scope: BriefScope,
    max_words: int,
    layout: Layout,
    engine_name: str,
    name_probs: dict[str, float] | None,
) -> Brief:
    """The brief of the ``chosen`` points, with its lists drawn from ``pool``, as ``layout`` sizes them."""
    bottom_idx = _bottom_indices(chosen, layout)
    points_set = {id(s) for _gi, s in chosen}
    cite = _Citer(material)
    bottom_line = [cite.point(chosen[i][1]) for i in bottom_idx]
    sections = _sections(groups, chosen, set(bottom_idx), cite, layout)
    figs = _key_figures(pool, points_set, cite, layout)
    acts = _actors(material, chosen, pool, cite, layout, name_probs)
    watch = _watch(material, pool, points_set, cite, layout, as_of)
    created = datetime.now(timezone.utc)
    key = f"{material.since}{material.until}{scope.model_dump_json()}{created.isoformat()}"
    return Brief(
        id=f"{material.until.isoformat()}-{hashlib.sha1(key.encode()).hexdigest()[:8]}",
        since=material.since,
        until=material.until,
        as_of=as_of,
        scope=scope,
        engine=engine_name,
        created=created,
        bottom_line=bottom_line,
        sections=sections,
        key_figures=figs,
        actors=acts,
        watch=watch,
        notes=_notes(material),
        max_words=max_words,
    )


def _bottom_indices(chosen: list[tuple[int, Sentence]], layout: Layout) -> list[int]:
    """The indices in ``chosen`` of the bottom line's points, in the order of their developments."""
    # Bottom line: the lead point of each of the heaviest developments (the chosen sentence that
    # stands first in its article; a sentence before a headline, which may be cut short "..."),
    # at least ``bottom_min`` points.
    def rank(s: Sentence) -> tuple[bool, int]:
        return (s.headline, s.pos)

    firsts: dict[int, int] = {}
    for i, (gi, s) in enumerate(chosen):
        if gi not in firsts or rank(s) < rank(chosen[firsts[gi]][1]):
            firsts[gi] = i
    bottom = sorted(firsts.items())[: layout.bottom_max]
    bottom_idx = [i for _gi, i in bottom]
    for i in range(len(chosen)):
        if len(bottom_idx) >= layout.bottom_min:
            break
        if i not in bottom_idx:
            bottom_idx.append(i)
    bottom_idx.sort(key=lambda i: (chosen[i][0], i))
    return bottom_idx


def _sections(
    groups: list[Group], chosen: list[tuple[int, Sentence]], taken: set[int], cite: _Citer, layout: Layout
) -> list[BriefSection]:
    """A section per development of the points not ``taken``; the small ones together under OTHER_TITLE."""
    sections = []
    brief_items: list[tuple[Group, BriefPoint]] = []
    for gi, g in enumerate(groups):
        pts = [cite.point(s) for i, (gj, s) in enumerate(chosen) if gj == gi and i not in taken]
        if len(pts) < layout.section_min_points:  # a heading for one point costs more than it tells
            brief_items += [(g, p) for p in pts]
            continue
        sections.append(
            BriefSection(title=g.title, points=pts, doc_ids=g.doc_ids, n_sources=g.n_sources, latest=g.latest)
        )
    if brief_items:
        sections.append(
            BriefSection(
                title=OTHER_TITLE,
                points=[p for _g, p in brief_items],
                doc_ids=list(dict.fromkeys(d for g, _p in brief_items for d in g.doc_ids)),
                n_sources=len({c.source or c.doc_id for _g, p in brief_items for c in p.citations}),
                latest=max((g.latest for g, _p in brief_items), default=None),
            )
        )
    return sections


def _key_figures(pool: list[Sentence], points_set: set[int], cite: _Citer, layout: Layout) -> list[KeyFigure]:
    """The key figures of ``pool``; those the key points do not state first (``lists_new_first``)."""
    return [
        KeyFigure(value=f.value, counts=f.counts, key=f.key, citation=cite.citation(f.sentence))
        for f in facts.figures(
            [s for s in pool if s.numbers and (id(s) not in points_set or not layout.lists_new_first)]
            + [s for s in pool if s.numbers and id(s) in points_set and layout.lists_new_first],
            layout.figures,
        )
    ]


def _actors(
    material: Material,
    chosen: list[tuple[int, Sentence]],
    pool: list[Sentence],
    cite: _Citer,
    layout: Layout,
    name_probs: dict[str, float] | None,
) -> list[Actor]:
    """The actors named in ``pool``; those the key points do not name first (``lists_new_first``)."""
    return [
        Actor(
            name=a.name,
            kind=a.kind,  # type: ignore[arg-type]
            n_sources=a.n_sources,
            n_documents=a.n_documents,
            citation=cite.citation(a.sentence),
            aliases=a.aliases,
        )
        for a in facts.actors(
            material,
            pool,
            layout.actors,
            name_probs,
            " ".join(s.text for _g, s in chosen) if layout.lists_new_first else "",
        )
    ]


def _watch(
    material: Material, pool: list[Sentence], points_set: set[int], cite: _Citer, layout: Layout, as_of: date
) -> list[WatchItem]:
    """What to watch, from the sentences of ``pool`` that are not key points: nothing already over
    on the day after the period (or on the as-of date, when that comes first)."""
    published = {d: doc.info.published for d, doc in material.docs.items()}
    not_before = min(as_of, material.until + timedelta(days=1))
    return [
        WatchItem(text=w.sentence.text, when=w.when, on=w.on, citations=[cite.citation(w.sentence)])
        for w in facts.watch([s for s in pool if id(s) not in points_set], layout.watch, published, not_before)
    ]


def _notes(material: Material) -> list[str]:
    notes = []
    inferred = sum(d.info.published_inferred for d in material.docs.values())
    if inferred:
        notes.append(
            f"{inferred} of the {len(material.docs)} documents had inferred dates (no published date "
            "in the source; taken from the text or the file)."
        )
    return notes


class _Citer:
    """Citations to single sentences: the passage is the sentence, at its offsets in the document."""

    def __init__(self, material: Material) -> None:
        self.material = material

    def citation(self, s: Sentence) -> Citation:
        """The passage is the whole sentence; the evidence, the point's own span (a clause unit's
        is part of it)."""
        doc = self.material.docs[s.doc_id]
        a, b = s.span
        return Citation(
            **doc.info.ref(),
            n=0,
            start=a,
            end=b,
            quote=doc.text[a:b],
            evidence=s.text,
            evidence_start=s.start,
            evidence_end=s.end,
            chunk_id=doc.chunk_at(a),
        )

    def point(self, s: Sentence) -> BriefPoint:
        """A clause unit reads as a point of its own: its first letter capitalised."""
        text = s.text[:1].upper() + s.text[1:] if s.sentence else s.text
        return BriefPoint(text=text, citations=[self.citation(s)])


def as_hit(c: Citation) -> Hit:
    """A citation's passage as a ``Hit``, for the citation check."""
    return Hit(**c.ref(), chunk_id=c.chunk_id, text=c.quote, start=c.start, end=c.end, score=0.0)


def _check(brief: Brief, embedder: Any) -> None:
    """Drop what its citation does not support: points and figures by the answers' sentence check,
    actors by the name standing in the cited passage."""
    from assistant.verification import check_claims

    points = [p for p in brief.bottom_line] + [p for s in brief.sections for p in s.points]
    points += [w for w in brief.watch]  # type: ignore[misc]
    pairs = [(p.text, as_hit(p.citations[0])) for p in points]
    pairs += [(f"{f.value} {f.counts}", as_hit(f.citation)) for f in brief.key_figures]
    verdicts = check_claims(pairs, embedder)
    ok = {id(x): v.supported for x, v in zip([*points, *brief.key_figures], verdicts)}
    for x, v in zip([*points, *brief.key_figures], verdicts):
        if not v.supported:
            log.info("brief: dropped %r (%s)", getattr(x, "text", ""), v.reason)
    brief.bottom_line = [p for p in brief.bottom_line if ok[id(p)]]
    for s in brief.sections:
        s.points = [p for p in s.points if ok[id(p)]]
    brief.sections = [s for s in brief.sections if s.points]
    brief.watch = [w for w in brief.watch if ok[id(w)]]
    brief.key_figures = [f for f in brief.key_figures if ok[id(f)]]
    brief.actors = [a for a in brief.actors if a.name in a.citation.quote]


def _number_sources(brief: Brief) -> None:
    """Number the cited documents in order of first citation (the diff's citations of earlier
    periods too); every citation carries its document's number."""
    order: dict[str, int] = {}
    first: dict[str, Citation] = {}
    diff = brief.diff
    extra = [("", [f.old.citation, f.new.citation]) for f in diff.updated] if diff else []
    extra += [("", p.citations) for p in diff.dropped] if diff else []
    for _text, cits in brief.cited_points() + extra:
        for c in cits:
            if c.doc_id not in order:
                order[c.doc_id] = len(order) + 1
                first[c.doc_id] = c
            c.n = order[c.doc_id]
    brief.sources = [BriefSource(**first[d].ref(), n=n) for d, n in order.items()]
