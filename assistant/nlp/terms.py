"""Words, stems and weights: the word tools everything else in ``assistant.nlp`` builds on.

Stemmed content words (irregular verb forms meet their verb: "won"/"win"), prior weights of
question words, and fuzzy matching of stems (``term_in``, ``weighted_recall``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’.&-][A-Za-z0-9]+)*")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    extra = {"s", "t", "’s", "'s", "nt", "also", "said", "says", "say", "would", "could", "like", "just"}
    return frozenset({w.replace("’", "'") for w in STOP_WORDS} | extra)


# Words that questions use to ask, rather than to say what they are about: low weight.
_GENERIC = {
    "happen", "happened", "take", "took", "place", "name", "named", "kind", "kinds", "type", "types",
    "sort", "recent", "recently", "new", "latest", "week", "month", "year", "today", "yesterday", "day",
    "tell", "know", "think", "mean", "thing", "things", "way", "ways", "reason", "reasons", "give", "get",
    "got", "make", "made", "use", "used", "want", "need", "according", "report", "reported", "main",
    "primary", "major", "current", "currently", "number", "many", "much", "old", "long", "far", "time",
    "people", "person", "did", "does", "example", "called", "cause",
}  # fmt: skip


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Word tokens (letters/digits, keeping inner apostrophes, dots, hyphens)."""
    return _WORD_RE.findall(text)


# Irregular verb forms the stemmer leaves apart from their verb ("won"/"wins", "sent"/"send").
_IRREGULAR = {
    "won": "win", "took": "take", "taken": "take", "sent": "send", "met": "meet", "held": "hold", "led": "lead",
    "lost": "lose", "paid": "pay", "sold": "sell", "bought": "buy", "built": "build", "brought": "bring",
    "began": "begin", "begun": "begin", "became": "become", "came": "come", "chose": "choose", "chosen": "choose",
    "drove": "drive", "driven": "drive", "gave": "give", "given": "give", "grew": "grow", "grown": "grow",
    "kept": "keep", "knew": "know", "known": "know", "made": "make", "ran": "run", "spent": "spend",
    "spoke": "speak", "spoken": "speak", "stood": "stand", "struck": "strike", "taught": "teach",
    "thought": "think", "told": "tell", "went": "go", "gone": "go", "wrote": "write", "written": "write",
    "shot": "shoot", "fought": "fight", "caught": "catch", "sought": "seek", "threw": "throw",
    "thrown": "throw", "broke": "break", "broken": "break", "flew": "fly", "flown": "fly", "drew": "draw",
    "drawn": "draw", "ate": "eat", "eaten": "eat", "froze": "freeze", "frozen": "freeze", "hid": "hide",
    "hidden": "hide", "rode": "ride", "stole": "steal", "stolen": "steal", "swore": "swear", "sworn": "swear",
    "woke": "wake", "withdrew": "withdraw", "withdrawn": "withdraw", "overtook": "overtake", "undertook": "undertake",
    "forgave": "forgive", "forbade": "forbid", "shook": "shake", "shaken": "shake", "slain": "slay",
    "dealt": "deal", "meant": "mean", "felt": "feel", "heard": "hear", "sang": "sing", "sung": "sing",
    "swam": "swim", "bore": "bear", "borne": "bear", "beaten": "beat", "bitten": "bite", "arose": "arise",
    "arisen": "arise", "sank": "sink", "sunk": "sink", "spun": "spin", "stuck": "stick", "hung": "hang",
}  # fmt: skip


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s").replace(",", "").replace(".", "")
    return _stemmer().stemWord(_IRREGULAR.get(w, w))


def is_stop(word: str) -> bool:
    if len(word) >= 2 and word.isupper() and word.isalpha():  # "US", "UK", "NBA": names, not pronouns
        return False
    w = word.lower().replace("’", "'")
    return w in _stop_words() or (w.endswith("'s") and w[:-2] in _stop_words())


def content_terms(text: str) -> list[str]:
    """Stems of the content words of ``text`` (stop words dropped), in order, with repeats.

    Hyphenated words count as their parts too ("air-defense" -> "air", "defens", "air-defens").
    """
    out: list[str] = []
    for w in words(text):
        if is_stop(w):
            continue
        parts = re.split(r"[-&]", w) if ("-" in w or "&" in w) else []
        if parts and not any(p.isdigit() for p in parts):
            out.extend(stem(p) for p in parts if p and not is_stop(p))
            out.append(stem(w))
        else:
            out.append(stem(w))
    out.extend(acronyms(text))
    return [t for t in out if t]


_CAP_RUN_RE = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:(?:of|for|and|the|on)\s+)?[A-Z][a-z]+)+")


def acronyms(text: str) -> list[str]:
    """Acronyms of runs of capitalised words, so "CDC" and "U.S." meet their long forms.

    "Centers for Disease Control and Prevention" -> "cdcp" and its prefix "cdc";
    "United States" -> "us".
    """
    out = []
    for m in _CAP_RUN_RE.finditer(text):
        ws = m.group().split()
        while ws and is_stop(ws[0]):  # "The Centers for ..." -> "Centers for ..."
            ws = ws[1:]
        caps = [w[0].lower() for w in ws if w[0].isupper()]
        if len(caps) < 2:
            continue
        full = "".join(caps)
        out.append(full)
        out.extend(full[:k] for k in range(3, len(full)))
    return out


def term_weight(word: str) -> float:
    """Prior importance of a question word: names and numbers high, asking words low."""
    w = word.lower()
    if w in _GENERIC:
        return 0.3
    if any(c.isdigit() for c in word):
        return 1.5
    if word[:1].isupper():
        return 1.5
    return 1.0


def question_terms(question: str) -> dict[str, float]:
    """Content-word stems of a question with their prior weights (max over occurrences)."""
    out: dict[str, float] = {}
    toks = words(question)
    for i, w in enumerate(toks):
        if is_stop(w):
            continue
        # A capital at the start of a sentence is not a sign of a name.
        wt = term_weight(w)
        if i == 0 and w[:1].isupper() and w.lower() not in _GENERIC:
            wt = 1.0
        pieces = [w]
        if "-" in w:
            pieces = [p for p in w.split("-") if p and not is_stop(p)] + [w]
        for p in pieces:
            s = stem(p.replace(".", ""))
            if s:
                out[s] = max(out.get(s, 0.0), wt)
    return out


def term_in(term: str, stems: set[str] | frozenset[str]) -> bool:
    """``term`` occurs among ``stems``, allowing a shared stem prefix ("korea"/"korean", "ukrain"/"ukrainian")."""
    if term in stems:
        return True
    if len(term) < 4 or term.isdigit():
        return False
    for s in stems:
        if len(s) >= 4 and (s.startswith(term) or term.startswith(s)) and abs(len(s) - len(term)) <= 3:
            return True
    return False


def weighted_recall(weights: dict[str, float], terms: frozenset[str]) -> float:
    """Share of the weighted terms (stems) found in ``terms``: how much of a text another one covers."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if term_in(t, terms)) / total
