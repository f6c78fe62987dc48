"""Whether a sentence names what the question asks for: entities of the asked-for type that the
question does not name, where they stand in the sentence, and how many sources agree on them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant import nlp

if TYPE_CHECKING:
    from assistant.engines.extractive.candidates import Sentence

# A news dateline opening an article: "WASHINGTON –", "BIRMINGHAM, England (AP) —". Its place names
# say where the reporter was, not what happened.
_DATELINE = re.compile(
    r"^\W*[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?\s*(?:\([^)]{1,30}\))?"
    r"\s*[–—-]+\s"
)

def ent_key(name: str) -> str:
    ws = [w.lower() for w in nlp.words(name) if not nlp.is_stop(w)]
    return " ".join(ws) or name.lower()


def entity_votes(
    top: list[Sentence],
    found: list[list[str]],
    docs: list[str],
    strengths: list[list[float]] | None = None,
    fresh: list[float] | None = None,
) -> dict[str, float]:
    """For each candidate answer entity, the summed votes of the documents naming it, scaled to 0..1.

    Sources that agree are evidence: "New York City" named by three documents beats a
    "Philadelphia" named by one. A document votes once, with its best sentence naming the entity
    (one article repeated in overlapping passages is one source): that sentence's score times the
    entity's strength there (how well it answers in that sentence; 1 when not given) and its
    source's freshness for the period asked about (1 when not given). Names match when one's
    words contain the other's.
    """
    keys = {ent_key(n) for names in found for n in names}
    words = {k: set(k.split()) for k in keys}
    raw = {}
    for k in keys:
        by_doc: dict[str, float] = {}
        for i, (s, names, d) in enumerate(zip(top, found, docs)):
            for j, n in enumerate(names):
                if words[k] <= words[ent_key(n)] or words[ent_key(n)] <= words[k]:
                    v = s.score * (strengths[i][j] if strengths else 1.0) * (fresh[i] if fresh else 1.0)
                    by_doc[d] = max(by_doc.get(d, 0.0), v)
        raw[k] = sum(max(v, 0.0) for v in by_doc.values())
    best = max(raw.values(), default=0.0)
    return {k: (v / best if best > 0 else 0.0) for k, v in raw.items()}


SOURCE_VERBS = re.compile(
    r"\b(said|says|say|told|tells|reported|reports|report|announced|announces|according|wrote|writes|stated|"
    r"claimed|claims|quoted|cited)\b",
    re.IGNORECASE,
)
_SOURCE_BEFORE = re.compile(
    r"\b(according to|said|says|told|reported by|reports|per|via|cited by)\s+(the\s+)?$", re.IGNORECASE
)
_SOURCE_AFTER = re.compile(
    r"^\W{0,3}(said|says|reported|reports|told|wrote|writes|stated|announced)\b", re.IGNORECASE
)


def is_source(text: str, ent: nlp.Entity) -> bool:
    """An entity named as the source of the sentence ("according to ESPN", "Reuters reported"):
    it says who tells, not what the question asks (unless the question asks who said it)."""
    return bool(
        _SOURCE_BEFORE.search(text[max(0, ent[2] - 20) : ent[2]])
        or _SOURCE_AFTER.match(text[ent[3] : ent[3] + 14])
    )


def anchor(
    doc: Any, ent: nlp.Entity, weights: dict[str, float], q_names: set[str], s_terms: frozenset[str]
) -> float | None:
    """How much of the sentence's evidence for the question lies in the entity's own clause (0..1);
    None when the entity only qualifies a name the question already has ("Gov. Tim Walz of Minnesota")."""
    span = doc.char_span(ent[2], ent[3], alignment_mode="expand")
    if span is None or len(span) == 0:
        return 1.0
    t = span.root
    for _ in range(4):
        if t.head.i == t.i or t.pos_ in {"VERB", "AUX"}:
            break
        if t.dep_ not in {"compound", "pobj", "prep", "appos", "nmod", "poss", "amod"}:
            break
        t = t.head
        if t.pos_ == "PROPN" and t.lower_ in q_names and not (span.start <= t.i < span.end):
            return None
    # The clause: up to the governing verb, without its other sub-clauses.
    v = span.root
    # A verb form standing as a preposition or adjective ("supermodels, including Lima") heads no clause.
    while v.head.i != v.i and (v.pos_ not in {"VERB", "AUX"} or v.dep_ in {"prep", "amod"}):
        v = v.head
    inside = nlp.clause_tokens(v, span.start, span.end - 1)
    clause_terms = frozenset(nlp.content_terms(" ".join(doc[i].text for i in sorted(inside))))
    whole = nlp.weighted_recall(weights, s_terms)
    if whole <= 0:
        return 1.0
    return min(1.0, nlp.weighted_recall(weights, clause_terms) / whole)


_LOCATIVE_PREPS = {
    "in", "at", "from", "near", "outside", "inside", "to", "into", "across", "throughout", "around", "on",
    "within", "toward", "towards", "between", "off", "along",
}  # fmt: skip


def locative(doc: Any, ent: nlp.Entity) -> bool:
    """The entity says where: the object of a place preposition ("in New York City", "from
    Delaware County, Pennsylvania"), directly or as part of a place named there."""
    span = doc.char_span(ent[2], ent[3], alignment_mode="expand")
    if span is None or len(span) == 0:
        return True
    t = span.root
    for _ in range(4):
        if t.dep_ == "pobj":
            return t.head.lower_ in _LOCATIVE_PREPS
        if t.dep_ not in {"compound", "appos", "conj", "npadvmod", "nmod", "poss"} or t.head.i == t.i:
            return False
        t = t.head
    return False


def other_kind(s: Sentence, compounds: tuple[tuple[str, str], ...]) -> bool:
    """The sentence names the question's noun with another noun modifier and never the question's."""
    for mod, noun in compounds:
        if mod in s.terms or not any(nlp.stem(w) == noun for w in nlp.words(s.text)):
            continue
        for t in nlp.parse(s.text):
            if nlp.stem(t.text) != noun:
                continue
            mods = [c for c in t.lefts if c.dep_ == "compound" and c.pos_ in {"NOUN", "PROPN"} and c.is_alpha]
            if mods and all(nlp.stem(c.text) != mod for c in mods):
                return True
    return False


_LIST_SEP = re.compile(r"^\s*(?:,|,?\s+(?:and|or|&))\s*$")


def mislabelled(text: str, ents: tuple[nlp.Entity, ...]) -> set[nlp.Entity]:
    """Names whose label differs from most of the list they stand in ("supermodels, including
    Lima, Banks, Barbara Palvin, ..." with Lima a place): a list names one kind of thing."""
    out: set[nlp.Entity] = set()
    run: list[nlp.Entity] = []
    for e in [*ents, None]:
        if e is not None and run and _LIST_SEP.match(text[run[-1][3] : e[2]]):
            run.append(e)
            continue
        if len(run) >= 3:
            labels = [x[1] for x in run]
            top = max(set(labels), key=labels.count)
            if labels.count(top) * 2 > len(labels):
                out.update(x for x in run if x[1] != top)
        run = [e] if e is not None else []
    return out


def in_dateline(text: str, ent: nlp.Entity) -> bool:
    m = _DATELINE.match(text)
    return bool(m) and ent[2] < m.end()


# Asked-for nouns too vague to recognise an answer by.
VAGUE_HEADS = {"thing", "things", "one", "ones", "way", "ways", "part", "parts", "lot", "kind", "type", "sort"}  # fmt: skip


def focus_phrases(text: str, focus: str, q_terms: dict[str, float]) -> list[str]:
    """Noun phrases of ``text`` whose head is the asked-for noun and whose modifiers the question lacks.

    "Update: US port workers and operators reach a deal" with focus "workers" -> ["US port workers"];
    "union workers" says nothing new when the question says "union". Parsed (tagger + parser),
    only sentences that hold the noun at all.
    """
    f_stem = nlp.stem(focus)
    if not any(nlp.stem(w) == f_stem for w in nlp.words(text)):
        return []
    out = []
    for t in nlp.parse(text):
        if nlp.stem(t.text) != f_stem or t.pos_ not in {"NOUN", "PROPN"}:
            continue
        keys = set(q_terms)
        mods = [c for c in t.lefts if c.dep_ in {"compound", "nmod"} and c.pos_ in {"NOUN", "PROPN"}]
        new = [c for c in mods if not c.is_stop and not nlp.term_in(nlp.stem(c.text), keys)]
        if new:
            out.append(" ".join([c.text for c in mods] + [t.text]))
            continue
        # "The main culprit is ragweed", "threats include sea level rise": equated with new words.
        for c in nlp.equated(t):
            phrase = " ".join(x.text for x in c.subtree)
            terms = [nlp.stem(w) for w in nlp.words(phrase) if not nlp.is_stop(w)]
            if sum(1 for x in terms if not nlp.term_in(x, keys)) >= 1:
                out.append(phrase)
    return out


def new_entity(ent: nlp.Entity, types: frozenset[str], q_low: str, q_nums: set[str]) -> bool:
    """An entity of an asked-for type that the question does not already name."""
    text, label = ent[0], ent[1]
    if label not in types:
        return False
    if text.lower() in q_low:
        return False
    nums = nlp.numbers(text)
    if nums and nums <= q_nums:
        return False
    toks = [w.lower() for w in nlp.words(text) if not nlp.is_stop(w)]
    return not (toks and all(re.search(rf"\b{re.escape(t)}\b", q_low) for t in toks))


# ---------------------------------------------------------------------------------------------
