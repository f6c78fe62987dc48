"""spaCy parse and question analysis.

``parse`` (tagger + parser, docs memoised), a verb's own clause (``clause_tokens``), the phrases a
noun is equated with (``equated``), and what a question asks for: its focus noun, the words
describing its named subject, its noun compounds, its asking clause and its answer types.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from assistant.nlp.ner import entities, get_parser
from assistant.nlp.terms import is_stop, stem, words
from index import answer_types as atypes
from index.sentences import split_sentences

PERSONISH, PLACE, NUMERIC, TEMPORAL = (
    atypes.PERSONISH, atypes.PLACE, atypes.NUMERIC, atypes.TEMPORAL
)

_parse_lock = threading.Lock()

_PARSE_CACHE: OrderedDict[str, Any] = OrderedDict()
_PARSE_CACHE_MAX = 1024


def parse(text: str) -> Any:
    """The tagged and parsed spaCy ``Doc`` of a sentence (memoised)."""
    with _parse_lock:
        doc = _PARSE_CACHE.get(text)
    if doc is None:
        doc = get_parser()(text)
        with _parse_lock:
            _PARSE_CACHE[text] = doc
            if len(_PARSE_CACHE) > _PARSE_CACHE_MAX:
                _PARSE_CACHE.popitem(last=False)
    return doc


# Dependencies that open another clause inside a sentence.
CLAUSE_DEPS = {"advcl", "ccomp", "relcl", "conj", "parataxis", "xcomp", "acl", "csubj"}


def clause_tokens(v: Any, lo: int, hi: int) -> set[int]:
    """Indices of the tokens of the clause governed by verb ``v``: its subtree without its other
    sub-clauses, keeping the one that holds tokens ``lo..hi`` (what the clause is asked about) and a
    subject's relative clause ("The show, which returns after six years, ..." says which show). The
    subject of an infinitive clause is the governing verb's ("The show is slated to be broadcast")."""
    inside = set()
    stack = [v]
    h = v
    while h.dep_ == "xcomp" and h.head.i != h.i:
        h = h.head
        stack.extend(c for c in h.children if c.dep_ in {"nsubj", "nsubjpass"})
    while stack:
        x = stack.pop()
        inside.add(x.i)
        for c in x.children:
            describes_subject = x.dep_ in {"nsubj", "nsubjpass"} and c.dep_ in {"relcl", "acl"}
            if (
                c.dep_ in CLAUSE_DEPS
                and not describes_subject
                and not (c.left_edge.i <= lo and hi <= c.right_edge.i)
            ):
                continue
            stack.append(c)
    return inside


EQUATING = {
    "is", "are", "was", "were", "be", "been", "remain", "remains", "remained", "include", "includes",
    "included", "including", "involve", "involves", "became", "become", "becomes",
}  # fmt: skip


def equated(t: Any) -> list[Any]:
    """The phrases (their head tokens) a noun is equated with: "Threats to the bug include sea level
    rise", "The main culprit is ragweed", "X is the biggest threat", "threats such as X"."""
    h = t.head
    said = []
    if t.dep_ in {"nsubj", "nsubjpass"} and h.lower_ in EQUATING:
        said = [c for c in h.children if c.dep_ in {"attr", "dobj", "oprd", "acomp"}]
    elif t.dep_ == "attr" and h.lower_ in EQUATING:
        said = [c for c in h.children if c.dep_ == "nsubj"]
    for c in t.children:
        if c.dep_ == "prep" and c.lower_ in {"including", "like", "as"}:
            said.extend(g for g in c.children if g.dep_ == "pobj")
    return said


_OF_HEADS = {"type", "types", "kind", "kinds", "sort", "sorts", "name", "names", "form", "forms", "brand"}


@lru_cache(maxsize=1024)
def question_focus(question: str) -> tuple[str | None, tuple[str, ...]]:
    """The noun a which/what question asks for and that noun's modifiers in the question.

    "Which union workers went on strike?" -> ("workers", ("union",)); "Which type of plant is
    ...?" -> ("plant", ()); "What is the primary threat to ...?" -> ("threat", ("primary",));
    "What was Michael Kealty charged with?" -> (None, ()). Parsed (tagger + parser): the noun the
    wh-word determines, or after "what is/was" the noun subject; "type/kind/name of X" -> X.
    """
    clause = question_clause(question)
    try:
        doc = parse(clause)
    except Exception:  # noqa: BLE001 - no parser: the word-pattern guess
        return atypes.wh_head(clause), ()
    head = None
    for t in doc:
        if t.lower_ not in {"which", "what"}:
            continue
        if t.dep_ == "det" and t.head.pos_ in {"NOUN", "PROPN"}:
            head = t.head
        elif t.dep_ in {"attr", "nsubj"} and t.head.pos_ == "AUX":
            subj = [c for c in t.head.children if c.dep_ == "nsubj" and c is not t]
            if subj and subj[0].pos_ == "NOUN" and any(c.dep_ == "det" for c in subj[0].children):
                head = subj[0]
        if head is not None:
            break
    if head is None:
        guess = atypes.wh_head(clause)
        toks = [t for t in doc if t.lower_ == guess]
        if guess and toks and toks[0].pos_ == "NOUN":
            head = toks[0]
    if head is None:
        return None, ()
    # "type of plant", "name of the asteroid": the noun after "of".
    for _ in range(2):
        if head.lower_ in _OF_HEADS:
            of = [c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"]
            objs = [c for c in of[0].children if c.dep_ == "pobj"] if of else []
            if objs and objs[0].pos_ in {"NOUN", "PROPN"}:
                head = objs[0]
                continue
        break
    mods = tuple(
        c.lower_
        for c in head.children
        if c.dep_ in {"compound", "amod", "nmod"} and c.lower_ not in {"which", "what"}
    )
    return head.lower_, mods


@lru_cache(maxsize=1024)
def question_descriptors(question: str) -> frozenset[str]:
    """Stems of the words that describe a named person or organisation in the question.

    "Seven-time Super Bowl champion Tom Brady became ..." -> {seven, time, super, bowl, champion};
    "Michael Kealty, the former Smyrna police detective, ..." -> {former, smyrna, polic, detect};
    "Democrat Tim Walz" -> {democrat}. Titles and appositions of a name, found by the parse.
    """
    try:
        doc = parse(question)
    except Exception:  # noqa: BLE001
        return frozenset()
    ents = entities([question])[0]
    names = [(a, b) for _t, label, a, b in ents if label in {"PERSON", "ORG"}]
    norp = [(a, b) for _t, label, a, b in ents if label == "NORP"]
    if not names:
        return frozenset()

    def in_name(tok: Any) -> bool:
        return any(a <= tok.idx < b for a, b in names)

    out: set[str] = set()
    for t in doc:
        if in_name(t) or not in_name(t.head) or t.dep_ not in {"compound", "amod", "appos", "nmod"}:
            continue
        # A common noun ("champion", "detective") or a party/nationality word ("Democrat").
        if t.pos_ != "NOUN" and not any(a <= t.idx < b for a, b in norp):
            continue
        for d in t.subtree:
            if not in_name(d) and not d.is_stop and d.is_alpha or (d.text[:1].isdigit()):
                for w in words(d.text):
                    if not is_stop(w):
                        out.update(stem(p) for p in w.split("-") if p)
                        out.add(stem(w))
    return frozenset(out)


@lru_cache(maxsize=1024)
def question_compounds(question: str) -> tuple[tuple[str, str], ...]:
    """(modifier stem, noun stem) of the noun compounds in the question: "fall allergies",
    "NFL team" -> (("fall", "allergi"), ("nfl", "team")). A sentence about "spring allergies" or a
    "soccer team" is about another kind of the thing."""
    try:
        doc = parse(question_clause(question))
    except Exception:  # noqa: BLE001
        return ()
    out = []
    for t in doc:
        # Adjacent ("fall allergies"), not inside a longer name.
        if (
            t.dep_ == "compound"
            and t.pos_ in {"NOUN", "PROPN"}
            and t.head.pos_ == "NOUN"
            and t.is_alpha
            and t.head.i == t.i + 1
        ):
            out.append((stem(t.text), stem(t.head.text)))
    return tuple(out)


def question_clause(question: str) -> str:
    """The asking part of a question with a preamble ("Walz and Vance debated. Where did ...?")."""
    spans = split_sentences(question)
    qs = [question[a:b] for a, b in spans if "?" in question[a:b]]
    return (qs[-1] if qs else question).strip()


def answer_types(question: str) -> frozenset[str] | None:
    """Entity labels that would answer ``question`` (``index.answer_types``, with the asked-for noun
    found by parsing); None when no type is asked for."""
    return atypes.labels(question_clause(question), question_focus(question)[0])
