"""What kind of thing answers a question: the one classifier for the passage rerank
(``index.rerank_question``) and the extractive engine, at two grains. It lives in ``index/`` because
the rerank needs it and ``index/`` does not import the application.

``labels`` gives spaCy entity labels ("where" -> GPE/LOC/FAC), for the engine, which looks for
entities of those labels in sentences; ``kind`` the coarse type ("date", "money", "number",
"place", "name") of the rerank's value patterns. Each keeps the head nouns and patterns its reader
was tuned with (``HEAD_LABELS``, ``HEAD_KINDS``), so answers and retrieval are those measured in
bench/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PERSONISH = frozenset({"PERSON", "ORG", "NORP"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
NUMERIC = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"})
TEMPORAL = frozenset({"DATE", "TIME"})

# "which <noun>" / "what <noun>" heads with the entity labels they ask for.
HEAD_LABELS: dict[str, frozenset[str]] = {}
for _heads, _labels in (
    (("country countries nation nations state states city cities town towns village villages capital province"
      " provinces county counties region territory territories"), frozenset({"GPE", "LOC"})),
    ("place location venue site stadium arena airport building", PLACE),
    ("continent ocean sea river mountain planet lake desert", frozenset({"LOC"})),
    ("island", frozenset({"LOC", "GPE"})),
    (("company companies firm firms brand brands retailer retailers airline airlines team teams club clubs"
      " organization organisation organizations organisations agency agencies union unions party parties"
      " network networks bank banks university universities college school newspaper carrier manufacturer"
      " automaker chain startup group groups outlet publication broadcaster court committee band"),
     frozenset({"ORG"})),
    (("person man woman player leader actor actress singer rapper politician candidate official author"
      " artist athlete ceo founder president minister senator governor judge director coach musician"),
     frozenset({"PERSON"})),
    ("year years month date day decade century", TEMPORAL),
    ("percentage percent share proportion rate", frozenset({"PERCENT", "CARDINAL"})),
    ("amount price cost value sum fine salary wage budget", frozenset({"MONEY", "CARDINAL", "QUANTITY"})),
    ("number count total population", NUMERIC),
    ("tournament event championship festival war battle election", frozenset({"EVENT"})),
    ("language", frozenset({"LANGUAGE", "NORP"})),
    ("nationality religion", frozenset({"NORP"})),
    ("law act bill treaty", frozenset({"LAW"})),
):  # fmt: skip
    for _h in _heads.split():
        HEAD_LABELS[_h] = _labels

# A keyword query's last typed noun ("Super Bowl 2021 location", "Nobel literature 2019 winner").
KEYWORD_LABELS: dict[str, frozenset[str]] = {
    "location": PLACE, "venue": PLACE, "place": PLACE, "where": PLACE, "city": PLACE, "country": PLACE,
    "date": TEMPORAL, "year": TEMPORAL, "when": TEMPORAL, "release": TEMPORAL, "day": TEMPORAL,
    "winner": PERSONISH, "champion": PERSONISH, "founder": PERSONISH, "ceo": PERSONISH, "director": PERSONISH,
    "author": PERSONISH, "owner": PERSONISH, "who": PERSONISH,
    "price": NUMERIC, "cost": NUMERIC, "number": NUMERIC, "count": NUMERIC, "population": NUMERIC, "age": NUMERIC,
}  # fmt: skip

# Heads of "what/which <head>" and keyword queries with the coarse kind they ask for (the rerank's).
HEAD_KINDS: dict[str, str] = {}
for _words, _kind in (
    ("date day year month time released release premiere premiered launched launch founded held", "date"),
    (("revenue revenues sales profit profits earnings income price cost costs worth value valuation budget"
      " salary wage fine fee amount"), "money"),
    ("number count total population percentage percent share rate age score", "number"),
    (("location venue place city cities town towns country countries state states capital stadium host"
      " region province county island planet continent"), "place"),
    (("winner winners champion champions founder ceo director author owner president leader person player"
      " coach actor actress singer team club company firm brand retailer airline group organization"
      " organisation agency union party network"), "name"),
):  # fmt: skip
    for _w in _words.split():
        HEAD_KINDS[_w] = _kind

Q_START = re.compile(
    r"^(?:\W*)(who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|should|"
    r"would|will|has|have|had)\b",
    re.IGNORECASE,
)
_AUX = {
    "is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "will", "would", "can", "could",
    "should", "might", "may", "must", "shall", "to", "in", "on", "at", "for", "from", "by", "with", "that",
    "the", "a", "an", "this", "these", "those",
}  # fmt: skip
_PREPS = {
    "of", "along", "against", "about", "after", "before", "during", "over", "under", "into", "through", "across",
    "near", "between", "among", "since", "until", "as", "than", "who", "which", "where", "when", "whose",
}  # fmt: skip
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’.&-][A-Za-z0-9]+)*")
_RERANK_WORD_RE = re.compile(r"[\w'-]+")
_SPEND = r"\b(cost|costs|pay|paid|spend|spent|worth|for|buy|bought|sell|sold|price|earn|earned)\b"
_HOW_MUCH = r"\bhow (many|much)\b|\bwhat (number|percentage|proportion|share|amount)\b|\bhow (long|far|big|large|tall|high)\b"


def wh_head(clause: str) -> str | None:
    """The noun a which/what question asks for by word pattern: "which American car brand is ..." ->
    "brand" (the parse, ``assistant.nlp.question_focus``, comes first where there is one)."""
    q = " " + clause.lower() + " "
    m = re.search(
        r"\b(?:which|what)\s+(?:(?:is|was|are|were)\s+(?:the|a|an)\s+)?([a-z0-9'-]+(?:\s+[a-z0-9'-]+){0,6})",
        q,
    )
    if not m:
        return None
    toks = m.group(1).split()
    head = None
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "of" and head in {"type", "kind", "sort", "name", "kinds", "types"}:
            head = None
            i += 1
            while i < len(toks) and toks[i] in {"the", "a", "an"}:
                i += 1
            continue
        if t in _AUX or t in _PREPS or t.endswith("ly") or (head and (t.endswith(("ed", "ing")))):
            break
        head = t
        i += 1
    return head


def labels(clause: str, head: str | None) -> frozenset[str] | None:
    """Entity labels that would answer the asking ``clause`` of a question whose asked-for noun is
    ``head``; None when no type is asked for."""
    q = " " + clause.lower().replace("’", "'") + " "
    if re.search(r"\bhow old\b|\bwhat age\b|\bat what age\b", q):
        return frozenset({"CARDINAL", "DATE"})
    if re.search(_HOW_MUCH, q):
        return NUMERIC | (TEMPORAL if re.search(r"\bhow long\b", q) else frozenset())
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b", q):
        return TEMPORAL
    if re.search(r"\bwhere\b", q):
        return PLACE
    if re.search(r"\b(who|whom|whose)\b", q):
        return PERSONISH
    if head in HEAD_LABELS:
        return HEAD_LABELS[head]
    if not Q_START.match(q.strip()) and "?" not in q:
        for w in reversed(_WORD_RE.findall(q)):
            if w in KEYWORD_LABELS:
                return KEYWORD_LABELS[w]
    return None


def kind(query: str, skip: Callable[[str], bool] = lambda w: False) -> str | None:
    """The coarse type that answers ``query``: "date", "money", "number", "place", "name" or None.
    ``skip``: words that end the noun phrase after "which/what" (question words, stop words)."""
    q = " " + query.lower().replace("’", "'") + " "
    if re.search(r"\bhow much\b", q):
        return "money" if re.search(_SPEND, q) else "number"
    if re.search(r"\bhow (many|old|long|far|big|large|tall|high)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\b(what|which) (year|date|day|month)\b", q):
        return "date"
    if re.search(r"\bwhere\b", q):
        return "place"
    if re.search(r"\b(who|whom|whose)\b", q):
        return "name"
    m = re.search(r"\b(which|what)\s+(.*)", q)
    if m:  # "which NFL team ...", "what was Tesla's revenue in ...": the noun phrase after it
        run: list[str] = []
        for w in _RERANK_WORD_RE.findall(m.group(2)):
            if not run and w in ("is", "was", "are", "were", "the", "a", "an"):
                continue
            if skip(w) or len(run) == 4:
                break
            run.append(w)
        typed = [HEAD_KINDS[w] for w in run if w in HEAD_KINDS]
        if typed:
            return typed[-1]
        return "name" if m.group(1) == "which" else None
    if "?" not in q:  # a keyword query ("Super Bowl 2021 location"): its last typed noun
        for w in reversed(_RERANK_WORD_RE.findall(q)):
            if w in HEAD_KINDS:
                return HEAD_KINDS[w]
    return None
