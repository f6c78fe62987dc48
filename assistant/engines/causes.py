"""Cause questions for the extractive engine: which questions ask for a cause, and whether a
sentence gives the cause of the asked-about event or of something else it mentions.

A cause question asks "why", names a cause ("What was the primary cause of ...?", "What is the
main reason for ...?") or asks what brought something about ("What caused / led to / triggered
...?"). A sentence gives a cause through a causal connective ("because", "due to", "linked to"
...) leading to words the question does not already say, or by equating a cause noun with new
words ("The main cause is habitat loss", "X is the leading cause of Y"). Where the cause attaches
decides how much it counts: ``cause_anchor`` is the share of the sentence's evidence for the
question inside what the cause explains (the clause the connective modifies, or the "of Y" of
"cause of Y"), 1 when that clause is what the question's actor announced, said or did ("The CDC
announced that agencies are investigating an outbreak linked to ...").
"""

from __future__ import annotations

import re
from typing import Any

from assistant import nlp

CAUSAL = re.compile(
    r"\b(because|due to|as a result|after|since|so that|in order to|citing|caused by|owing to|amid|following|"
    r"linked to|tied to|in connection (?:with|to)|stemming from|prompted by|triggered by|over concerns?)\b",
    re.IGNORECASE,
)
# Nouns that name a cause, and verbs that ask what brought something about ("What caused ...?").
CAUSE_NOUNS = frozenset({"cause", "reason", "driver", "factor"})
_CAUSE_STEMS = frozenset(nlp.stem(w) for w in CAUSE_NOUNS)
_CAUSE_VERB_QUESTION = re.compile(
    r"^\W*what\s+(?:(?:has|have|had|is|was|are|were)\s+)?(caused|causes|causing|led to|leads? to|leading to|"
    r"triggered|triggers|prompted|prompts|sparked|sparks|drove|drives|driving|driven)\b",
    re.IGNORECASE,
)
_NAME_RUN = re.compile(r"[A-Z][\w.&'’-]*(?:\s+(?:(?:of|for|and|&|the)\s+)?[A-Z][\w.&'’-]*)*")
# Dependencies through which a clause is what another verb's subject says or does ("The CDC
# announced that agencies are investigating ...", "The judge decided to block ...").
_COMPLEMENT_DEPS = {"ccomp", "xcomp"}


def asks_cause(question: str) -> bool:
    """A question asking for a cause: "Why ...?", "What was the main cause of / reason for ...?",
    "What caused / led to / triggered ...?"."""
    clause = nlp.question_clause(question)
    if re.match(r"^\W*why\b", clause, re.IGNORECASE) or _CAUSE_VERB_QUESTION.match(clause):
        return True
    focus = nlp.question_focus(question)[0]
    return focus is not None and nlp.stem(focus) in _CAUSE_STEMS


def asking_terms(question: str) -> frozenset[str]:
    """Stems of the words that ask for the cause ("primary cause", "caused"): they say what is
    asked, not which event, so they are no evidence of where a cause attaches."""
    clause = nlp.question_clause(question)
    m = _CAUSE_VERB_QUESTION.match(clause)
    if m:
        return frozenset(nlp.content_terms(m.group(1)))
    focus, mods = nlp.question_focus(question)
    if focus is not None and nlp.stem(focus) in _CAUSE_STEMS:
        return frozenset(nlp.content_terms(" ".join((focus, *mods))))
    return frozenset()


def question_actor(question: str) -> frozenset[str]:
    """Stems of the subject of the question's verb: "Why did the CDC issue an alert?" -> {cdc}."""
    doc = nlp.parse(nlp.question_clause(question))
    for t in doc:
        if (
            t.dep_ in {"nsubj", "nsubjpass"}
            and t.head.dep_ == "ROOT"
            and t.lower_ not in {"what", "which", "who"}
        ):
            return frozenset(nlp.content_terms(doc[t.left_edge.i : t.right_edge.i + 1].text))
    return frozenset()


def connective_causes(text: str, q_terms: dict[str, float]) -> list[tuple[int, int, int]]:
    """The causal connectives followed (within their clause) by something the question does not say,
    as (connective start, connective end, cause end) character offsets.

    "... investigating an E. coli outbreak linked to Quarter Pounder burgers" gives a cause;
    "It comes one day after the CDC issued a food safety warning" restates the asked-about event.
    A name counts once, and as known when the question has it or its acronym.
    """
    keys = set(q_terms)
    out = []
    for m in CAUSAL.finditer(text):
        clause = re.split(r"[,;:]\s|(?<![A-Z])\.\s", text[m.end() :], maxsplit=1)[0]
        units: list[list[str]] = []
        for part in re.split(f"({_NAME_RUN.pattern})", clause):
            if part and part[0].isupper():
                units.append(
                    [nlp.stem(w) for w in nlp.words(part) if not nlp.is_stop(w)] + nlp.acronyms(part)
                )
            else:
                units.extend([nlp.stem(w)] for w in nlp.words(part) if not nlp.is_stop(w) and not w.isdigit())
        units = [u for u in units if u][:8]
        old = sum(1 for u in units if any(nlp.term_in(t, keys) for t in u))
        if len(units) - old >= 2 and len(units) - old > old:
            out.append((m.start(), m.end(), m.end() + len(clause)))
    return out


def equated_causes(doc: Any, q_terms: dict[str, float]) -> list[tuple[Any, set[int]]]:
    """Cause nouns equated with words the question does not say ("The main cause is habitat loss",
    "X is the leading cause of Y"), each with the token indices of the cause it is equated with."""
    keys = set(q_terms)
    out = []
    for t in doc:
        if t.pos_ != "NOUN" or nlp.stem(t.text) not in _CAUSE_STEMS:
            continue
        for c in nlp.equated(t):
            terms = nlp.content_terms(" ".join(x.text for x in c.subtree))
            if any(not nlp.term_in(x, keys) for x in terms):
                out.append((t, {x.i for x in c.subtree}))
    return out


def cause_anchor(
    text: str,
    q_terms: dict[str, float],
    weights: dict[str, float],
    actor: frozenset[str],
    s_terms: frozenset[str],
    *,
    parse: bool = True,
) -> float | None:
    """How well the sentence gives the cause of the asked-about event (0..1, the best of its causes),
    None when it gives no cause. Without ``parse`` a connective's cause counts fully (as before the
    parse judged it) and equatives are not looked for."""
    connectives = connective_causes(text, q_terms)
    if not parse:
        return 1.0 if connectives else None
    doc = nlp.parse(text)
    whole = nlp.weighted_recall(weights, s_terms)
    best: float | None = None
    for start, end, cause_end in connectives:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or len(span) == 0:
            a = 1.0
        else:
            cause = {t.i for t in doc if start <= t.idx < cause_end}
            a = _anchor(doc, _explained(span[0]), cause, weights, actor, whole)
        best = a if best is None else max(best, a)
    for noun, cause in equated_causes(doc, q_terms):
        # "the cause of Y": Y is what it explains; without one, the rest of the sentence.
        of = {x.i for c in noun.children if c.dep_ == "prep" for x in c.subtree} - cause
        rest = of or {t.i for t in doc} - cause
        a = _share(doc, rest, weights, whole)
        best = a if best is None else max(best, a)
    return best


def _explained(t: Any) -> Any:
    """The token a connective's cause explains: the word a preposition or participle modifies
    ("an outbreak linked to ...", "blocked the rule, citing ..."), the verb a subordinate clause
    modifies ("... because it was late"), or the participle's own clause ("illnesses were tied to
    ...": the illnesses)."""
    if t.dep_ == "mark":
        return t.head.head
    if t.pos_ in {"VERB", "AUX"} and t.dep_ not in {"acl", "advcl", "relcl", "prep", "amod", "pcomp"}:
        return t
    return t.head


def _anchor(
    doc: Any, h: Any, cause: set[int], weights: dict[str, float], actor: frozenset[str], whole: float
) -> float:
    """The share of the sentence's evidence in the clause around ``h`` (the cause left out); 1 when
    that clause, or one it is the complement of, has the question's actor as subject."""
    v = h
    while v.head.i != v.i and (v.pos_ not in {"VERB", "AUX"} or v.dep_ in {"prep", "amod"}):
        v = v.head
    if actor:
        x = v
        while True:
            subj = [c for c in x.children if c.dep_ in {"nsubj", "nsubjpass"}]
            for c in subj:
                words = frozenset(nlp.content_terms(doc[c.left_edge.i : c.right_edge.i + 1].text))
                if any(nlp.term_in(a, words) for a in actor):
                    return 1.0
            if x.dep_ not in _COMPLEMENT_DEPS or x.head.i == x.i:
                break
            x = x.head
    inside = nlp.clause_tokens(v, h.i, h.i) - cause
    return _share(doc, inside, weights, whole)


def _share(doc: Any, inside: set[int], weights: dict[str, float], whole: float) -> float:
    if whole <= 0:
        return 1.0
    terms = frozenset(nlp.content_terms(" ".join(doc[i].text for i in sorted(inside))))
    return min(1.0, nlp.weighted_recall(weights, terms) / whole)
