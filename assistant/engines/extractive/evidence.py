"""Features saying whether a candidate names the kind of thing asked for: an entity of the asked-for
type (who -> PERSON/ORG, where -> GPE/LOC, how many -> CARDINAL ...), a kind of the asked-for
noun ("which union workers" -> "port workers"), or a cause ("why ..."); how strongly (its clause
holds the question's words) and how many documents agree on it."""

from __future__ import annotations

import re

from assistant import nlp
from assistant.engines import causes
from assistant.engines.extractive import entities as at
from assistant.engines.extractive.candidates import Sentence
from assistant.engines.extractive.dates import date_detail
from assistant.engines.extractive.features import Context

ANCHOR_CANDIDATES = 12  # the best distinct sentences parsed for their entities' clauses
ANCHOR_FLOOR = 0.2  # an entity in a clause without the question's words keeps this share
QUESTION_ENTITY_LABELS = frozenset({"GPE", "LOC"})
"""Places: an amount asked about one country is not another country's. (Not people or organisations:
a misspelt name in a question, "Boheim" for "Boeheim", would void the right answer; train, bench/README.)"""

EVIDENCE_FEATURES = (
    "q_typed", "typed", "type_missing", "strength", "vote", "q_focus", "focus_typed", "focus_vote",
    "q_cause", "cause_typed", "cause_anchor", "other_kind", "other_entity",
)  # fmt: skip


def evidence(ctx: Context, top: list[Sentence], distinct: list[int]) -> None:
    """Fill the evidence features of the candidates ``top`` (``distinct``: rank among distinct texts)."""
    for s in top:
        s.features.update(dict.fromkeys(EVIDENCE_FEATURES, 0.0))
    types = nlp.answer_types(ctx.question)
    cause = causes.asks_cause(ctx.question)
    focus = None if (types or cause) else nlp.question_focus(ctx.question)[0]
    if focus in at.VAGUE_HEADS:
        focus = None
    fresh = _fresh(ctx, top)
    if types:
        _entities(ctx, top, distinct, types, fresh)
        if types & nlp.NUMERIC:
            _other_entity(ctx, top)
    elif focus:
        _focus(ctx, top, focus, fresh)
    elif cause:
        _cause(ctx, top, distinct)
    _other_kinds(ctx, top, types)


def _fresh(ctx: Context, top: list[Sentence]) -> list[float]:
    return [1.0 if s.features.get("in_period") else s.features.get("fresh", 1.0) for s in top]


def _entities(
    ctx: Context, top: list[Sentence], distinct: list[int], types: frozenset[str], fresh: list[float]
) -> None:
    """Entities of the asked-for type the question does not name; not a dateline's, a cited
    source's ("according to ESPN"), one only qualifying a name of the question, or one labelled
    otherwise than the list it stands in."""
    q, clause = ctx.question, ctx.qt.clause
    ents = nlp.entities([s.text for s in top])
    q_low, q_nums = q.lower(), nlp.numbers(q)
    asks_source = bool(at.SOURCE_VERBS.search(q_low))
    found = [
        [
            e
            for e in es
            if at.new_entity(e, types, q_low, q_nums)
            and e not in at.mislabelled(s.text, es)
            and not at.in_dateline(s.text, e)
            and (asks_source or not at.is_source(s.text, e))
        ]
        for s, es in zip(top, ents)
    ]
    q_names = {w.lower() for w in nlp.words(q) if w[:1].isupper()} - {w.lower() for w in nlp.words(clause)[:1]}
    where = bool(re.search(r"\bwhere\b", clause, re.IGNORECASE))
    weak = {"NORP"} | ({"DATE"} if "CARDINAL" in types else set())
    when = bool(types & {"DATE"}) and "CARDINAL" not in types
    strengths: list[list[float]] = []
    for i, s in enumerate(top):
        row = []
        doc = nlp.parse(s.text) if found[i] and distinct[i] < ANCHOR_CANDIDATES else None
        keep = []
        for e in found[i]:
            a = at.anchor(doc, e, ctx.weights, q_names, s.terms) if doc is not None else 1.0
            if a is None:
                continue
            loose = e[1] in weak or (where and doc is not None and not at.locative(doc, e))
            detail = 0.5 + 0.5 * date_detail(e[0]) if when and e[1] == "DATE" else 1.0
            keep.append(e)
            row.append((0.5 if loose else 1.0) * (ANCHOR_FLOOR + (1 - ANCHOR_FLOOR) * a) * detail)
        found[i] = keep
        strengths.append(row)
    docs = [ctx.passages[s.hit].doc_id for s in top]
    votes = at.entity_votes(top, [[e[0] for e in es] for es in found], docs, strengths, fresh)
    for s, es, st in zip(top, found, strengths):
        f = s.features
        f["q_typed"] = 1.0
        s.typed = bool(es)
        if es:
            s.answer_vote = max(votes[at.ent_key(e[0])] for e in es)
            f.update(typed=1.0, strength=max(st), vote=s.answer_vote)
        else:
            f["type_missing"] = 1.0


def _focus(ctx: Context, top: list[Sentence], focus: str, fresh: list[float]) -> None:
    """"Which union workers ...?": a phrase naming a kind of the asked noun the question does not."""
    phrases = [at.focus_phrases(s.text, focus, ctx.qt.terms) for s in top]
    docs = [ctx.passages[s.hit].doc_id for s in top]
    votes = at.entity_votes(top, phrases, docs, None, fresh)
    for s, ps in zip(top, phrases):
        s.features["q_focus"] = 1.0
        if ps:
            s.typed = True
            s.answer_vote = max(votes[at.ent_key(p)] for p in ps)
            s.features.update(focus_typed=1.0, focus_vote=s.answer_vote)


def _cause(ctx: Context, top: list[Sentence], distinct: list[int]) -> None:
    """A causal connective leading to new words, anchored in what the question asks about."""
    asking = causes.asking_terms(ctx.question)
    event = {t: w for t, w in ctx.weights.items() if t not in asking}
    actor = causes.question_actor(ctx.question)
    for i, s in enumerate(top):
        s.features["q_cause"] = 1.0
        a = causes.cause_anchor(
            s.text, ctx.qt.terms, event, actor, s.terms, parse=distinct[i] < ANCHOR_CANDIDATES
        )
        if a is not None:
            s.typed = True
            s.features.update(cause_typed=1.0, cause_anchor=a)


def _other_kinds(ctx: Context, top: list[Sentence], types: frozenset[str] | None) -> None:
    compounds = compounds_to_check(ctx.question, types)
    if compounds:
        for s in top:
            s.features["other_kind"] = float(at.other_kind(s, compounds))


def compounds_to_check(question: str, types: frozenset[str] | None) -> tuple[tuple[str, str], ...]:
    """The question's compound nouns whose other kinds say a sentence is about something else
    ("spring allergies" for "fall allergies"); not the asked-for noun's ("which union workers"
    wants another kind of workers) when no entity type (``types``) is asked for."""
    compounds = nlp.question_compounds(question)
    if not types:
        asked = nlp.stem(nlp.question_focus(question)[0] or "")
        compounds = tuple(c for c in compounds if c[1] != asked)
    return compounds


def question_entities(question: str) -> list[nlp.Entity]:
    """The places a question is about (countries, cities, regions)."""
    return [e for e in nlp.entities([question])[0] if e[1] in QUESTION_ENTITY_LABELS]


def _other_entity(ctx: Context, top: list[Sentence]) -> None:
    """An amount asked about one named thing ("How much did Japan pledge?") in a sentence (with its
    neighbours) that never names it but names another of its kind ("Germany pledged $2 billion")."""
    asked = question_entities(ctx.question)
    if not asked:
        return
    labels = {e[1] for e in asked}
    names = [{nlp.stem(w) for w in nlp.words(e[0]) if not nlp.is_stop(w)} for e in asked]
    for s, es in zip(top, nlp.entities([s.text for s in top])):
        window = _window_terms(ctx, s)
        if any(n and any(nlp.term_in(t, window) for t in n) for n in names):
            continue
        s.features["other_entity"] = float(any(e[1] in labels for e in es))


def _window_terms(ctx: Context, s: Sentence) -> frozenset[str]:
    from assistant.engines.extractive.features import neighbours

    return s.terms.union(*(ctx.sents[o].terms for o in neighbours(ctx, s.idx)))


