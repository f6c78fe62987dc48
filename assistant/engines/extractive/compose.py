"""The answer's wording: the best candidate, with a neighbour when the pair is better evidence,
or the abstention sentence that says what the sources do not say."""

from __future__ import annotations

import re

from assistant import nlp
from assistant.engines.base import ABSTAIN_SENTINEL
from assistant.engines.extractive.candidates import LEANS_BACK, Sentence

MAX_CHARS = 290  # a second sentence joins only while the answer (with its markers) stays under 300
NEIGHBOUR_SHARE = 0.6  # a neighbour this good (relative to the best) joins it
OTHER_TYPED_SHARE = 0.7  # a sentence elsewhere naming the asked-for thing joins an untyped best this good
TYPED_NEIGHBOUR_SHARE = 0.8  # a neighbour naming an entity of the asked-for type joins an untyped best this good
OTHERS = 20  # candidates looked at for a sentence naming the asked-for thing


def compose(
    best: Sentence, sents: list[Sentence], types: frozenset[str] | None, others: list[Sentence], max_sentences: int
) -> list[Sentence]:
    """The answer's sentences in reading order: ``best`` alone, or with the sentence before it (when it
    leans on it: "He said ..."), with a neighbour naming an entity of the asked-for ``types`` or
    another good candidate (``others``, best first) naming the asked-for thing when ``best`` does
    not, or with a neighbour that is good evidence itself."""
    if max_sentences < 2:
        return [best]
    prev = sents[best.idx - 1] if best.pos > 0 else None
    nxt = sents[best.idx + 1] if best.idx + 1 < len(sents) and sents[best.idx + 1].hit == best.hit else None
    room = MAX_CHARS - len(best.text)
    fits = [o for o in (nxt, prev) if o is not None and o.usable and len(o.text) <= room]
    if prev in fits and LEANS_BACK.match(best.text):
        return [prev, best]  # type: ignore[list-item]
    if types and not best.typed:  # the asked-for entity is only in the neighbour
        for o in fits:
            if o.score > TYPED_NEIGHBOUR_SHARE * best.score and any(e[1] in types for e in nlp.entities([o.text])[0]):
                return [best, o] if o is nxt else [o, best]
    if not best.typed:  # ... or in a sentence elsewhere nearly as good: best sets the scene, that one answers
        for o in others[1:OTHERS]:
            if o.typed and len(o.text) <= room and o.score >= OTHER_TYPED_SHARE * best.score:
                return [best, o]
    options = [o for o in fits if o.score >= NEIGHBOUR_SHARE * best.score and (o.terms - best.terms)]
    if options:
        o = max(options, key=lambda o: o.score)
        return [best, o] if o is nxt else [o, best]
    return [best]


def abstention(question: str) -> str:
    """ "The indexed sources do not say <indirect question>." """
    return f"{ABSTAIN_SENTINEL} {indirect_question(question)}."


_AUX_START = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b\s*", re.IGNORECASE
)
_IMPERATIVE = re.compile(
    r"^(please\s+)?(tell me|give me|show me|brief me|summari[sz]e|explain|describe|list)\s*(about|on|the)?\s*",
    re.IGNORECASE,
)


def indirect_question(question: str) -> str:
    """ "How many civilians were killed?" -> "how many civilians were killed"."""
    q = nlp.question_clause(question).strip().rstrip("?.! ").strip()
    if not q:
        return "that"
    if _IMPERATIVE.match(q):
        rest = _IMPERATIVE.sub("", q)
        return f"anything about {rest}" if rest else "that"
    first = q.split()[0]
    if _AUX_START.match(q):
        return "whether " + _AUX_START.sub("", q)
    return _lower_first(q) if first.lower() in _WH or nlp.is_stop(first) else q


_WH = {"who", "whom", "whose", "what", "when", "where", "which", "why", "how"}


def _lower_first(s: str) -> str:
    w = s.split()[0] if s.split() else ""
    if w.isupper() and len(w) > 1:  # an acronym
        return s
    return s[:1].lower() + s[1:]


