"""What kind of thing answers a question: one classifier for the passage rerank (``index.rerank``)
and the extractive engine. It lives in ``index/`` because the rerank needs it and ``index/`` does
not import the application.

``labels`` gives spaCy entity labels ("where" -> GPE/LOC/FAC); ``kind`` the coarse type the
rerank's patterns know ("date", "money", "number", "place", "name")."""

from __future__ import annotations

import re

PERSONISH = frozenset({"PERSON", "ORG", "NORP"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
NUMERIC = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"})
TEMPORAL = frozenset({"DATE", "TIME"})
AMOUNT = frozenset({"MONEY", "CARDINAL", "QUANTITY"})

# "which <noun>" / "what <noun>" heads, and keyword queries' typed nouns, with the labels they ask for.
HEAD_LABELS: dict[str, frozenset[str]] = {}
for _heads, _labels in (
    (("country countries nation nations state states city cities town towns village villages capital province"
      " provinces county counties region territory territories host"), frozenset({"GPE", "LOC"})),
    ("place location venue site stadium arena airport building", frozenset({"GPE", "LOC", "FAC"})),
    ("continent ocean sea river mountain planet lake desert", frozenset({"LOC"})),
    ("island", frozenset({"LOC", "GPE"})),
    (("company companies firm firms brand brands retailer retailers airline airlines team teams club clubs"
      " organization organisation organizations organisations agency agencies union unions party parties"
      " network networks bank banks university universities college school newspaper carrier manufacturer"
      " automaker chain startup group groups outlet publication broadcaster court committee band"),
     frozenset({"ORG"})),
    (("person man woman player leader actor actress singer rapper politician candidate official author"
      " artist athlete ceo founder president minister senator governor judge director coach musician owner"),
     frozenset({"PERSON"})),
    ("winner winners champion champions", PERSONISH),
    ("year years month date day decade century time release premiere", TEMPORAL),
    ("percentage percent share proportion rate", frozenset({"PERCENT", "CARDINAL"})),
    (("amount price cost costs value sum fine fee salary wage budget revenue revenues sales profit profits"
      " earnings income worth valuation"), AMOUNT),
    ("number count total population age score", NUMERIC),
    ("tournament event championship festival war battle election", frozenset({"EVENT"})),
    ("language", frozenset({"LANGUAGE", "NORP"})),
    ("nationality religion", frozenset({"NORP"})),
    ("law act bill treaty", frozenset({"LAW"})),
):  # fmt: skip
    for _h in _heads.split():
        HEAD_LABELS[_h] = _labels
_KEYWORD_LABELS = {**HEAD_LABELS, "where": PLACE, "when": TEMPORAL, "who": PERSONISH}

_Q_START = re.compile(
    r"^\W*(who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|should|"
    r"would|will|has|have|had)\b",
    re.IGNORECASE,
)
_STOP_HEAD = {
    "is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "will", "would", "can", "could",
    "should", "might", "may", "must", "shall", "to", "in", "on", "at", "for", "from", "by", "with", "that",
    "the", "a", "an", "this", "these", "those", "of", "along", "against", "about", "after", "before",
    "during", "over", "under", "into", "through", "across", "near", "between", "among", "since", "until",
    "as", "than", "who", "which", "where", "when", "whose",
}  # fmt: skip
_SPEND = r"\b(cost|costs|pay|paid|spend|spent|worth|for|buy|bought|sell|sold|price|earn|earned)\b"


def asking_clause(question: str) -> str:
    """The last sentence holding a "?" ("Walz and Vance debated. Where did ...?" -> "Where did ...?")."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if "?" in p]
    return parts[-1] if parts else question


def wh_head(question: str) -> str | None:
    """The noun a which/what question asks for: "which American car brand is ..." -> "brand"."""
    m = re.search(r"\b(?:which|what)\s+([a-z0-9'’-]+(?:\s+[a-z0-9'’-]+){0,7})", question.lower())
    if not m:
        return None
    toks, head, i = m.group(1).split(), None, 0
    run: list[str] = []
    # "what was Tesla's revenue": past the verb, articles and a possessive name
    while i < len(toks) - 1 and (toks[i] in {"is", "was", "are", "were", "the", "a", "an"} or toks[i].endswith(("'s", "’s"))):
        i += 1
    while i < len(toks):
        t = toks[i]
        if t == "of" and head in {"type", "kind", "sort", "name", "kinds", "types"}:
            head, i, run = None, i + 1, []
            while i < len(toks) and toks[i] in {"the", "a", "an"}:
                i += 1
            continue
        if t in _STOP_HEAD or t.endswith("ly") or (head and t.endswith(("ed", "ing"))):
            break
        run.append(t)
        head, i = t, i + 1
    typed = [t for t in run if t in HEAD_LABELS]  # "which country won ...": the typed noun, not the verb
    return typed[-1] if typed else head


def labels(question: str, head: str | None = None) -> frozenset[str] | None:
    """Entity labels that would answer ``question``; None when no type is asked for. ``head``: the
    asked-for noun when the caller parsed it (else found by ``wh_head``)."""
    clause = asking_clause(question)
    q = " " + clause.lower().replace("’", "'") + " "
    if re.search(r"\bhow old\b|\bwhat age\b|\bat what age\b", q):
        return frozenset({"CARDINAL", "DATE"})
    if re.search(
        r"\bhow (many|much)\b|\bwhat (number|percentage|proportion|share|amount)\b|\bhow (long|far|big|large|tall|high)\b",
        q,
    ):
        return NUMERIC | (TEMPORAL if re.search(r"\bhow long\b", q) else frozenset())
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b", q):
        return TEMPORAL
    if re.search(r"\bwhere\b", q):
        return PLACE
    if re.search(r"\b(who|whom|whose)\b", q):
        return PERSONISH
    head = head if head is not None else wh_head(clause)
    if head in HEAD_LABELS:
        return HEAD_LABELS[head]
    if not _Q_START.match(q.strip()) and "?" not in q:
        # A keyword query ("Super Bowl 2021 location"): its last typed noun says what is wanted.
        for w in reversed(re.findall(r"[a-z0-9]+", q)):
            if w in _KEYWORD_LABELS:
                return _KEYWORD_LABELS[w]
    return None


def kind(question: str, head: str | None = None) -> str | None:
    """The coarse answer type: "date", "money", "number", "place", "name" or None."""
    found = labels(question, head)
    q = " " + asking_clause(question).lower() + " "
    if found is None:
        return "name" if re.search(r"\bwhich\b", q) else None
    if found & NUMERIC:
        money = "MONEY" in found and found <= AMOUNT | {"PERCENT"} and "PERCENT" not in found
        if re.search(r"\bhow much\b", q):
            money = bool(re.search(_SPEND, q))
        return "money" if money else "number"
    if found & TEMPORAL:
        return "date"
    if found & PLACE and not found & PERSONISH:
        return "place"
    return "name"
