"""The brief's lists: key figures (a number and what it counts), actors (people, organisations,
places with how many sources name them) and what to watch (expectations, deadlines, scheduled
events with their dates as the sources state them). spaCy NER (``assistant.nlp``) runs only on the
sentences a brief considers; the parse only on the sentences whose figures are shown."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from assistant import nlp
from assistant.briefs.material import Material, Sentence
from index.dates import MONTH_NAMES, WEEKDAY_NAMES

FIGURE_LABELS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}
ACTOR_KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
_DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish")
_YEAR = r"(?:1[89]|20)\d\d"  # a year of the 19th to 21st century
_YEARISH = re.compile(rf"^{_YEAR}$")
_FUTURE = re.compile(
    r"\b(will|is expected to|are expected to|expects? to|is scheduled|are scheduled|is set to|are set to|"
    r"plans? to|planned|deadline|upcoming|next (?:week|month|year)|(?:is|are) due (?:to|on|by|in)|is slated|are slated|"
    r"will be held|is to be|are to be|later this (?:week|month|year))\b",
    re.IGNORECASE,
)


@dataclass
class Figure:
    value: str
    counts: str
    key: str  # what it counts, normalised: figures with one key in two briefs are the same figure
    sentence: Sentence


@dataclass
class ActorFound:
    name: str
    kind: str
    n_documents: int
    n_sources: int
    sentence: Sentence
    aliases: list[str] = field(default_factory=list)  # its other names in the period ("Biden", "U.S.")

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def same_actor(short: ActorFound, full: ActorFound) -> bool:
    """Whether ``short`` is another name of the actor ``full`` names at more length: a part of it of
    the same kind ("Kim" in "Kim Yong Bok"), its initials ("U.S." for "United States", "UN" for
    "United Nations"; a part of the name is not its initials: not "U.S." for "U.S. Steel"), or a
    person's family name ("Biden" for "Joe Biden", whatever kind the recogniser gave it, but a
    place: "Washington" is not "George Washington")."""
    if short is full or len(short.name) >= len(full.name):
        return False
    if short.name in full.name:  # a part of it (most pairs are neither: this test comes first)
        if short.kind == full.kind and re.search(rf"\b{re.escape(short.name)}\b", full.name):
            return True
        return full.kind == "person" and short.kind != "place" and full.name.split()[-1] == short.name
    if not short.name.isupper() or " " in short.name:  # initials, not a part: "U.S." is not "U.S. Steel"
        return False
    letters = short.name.replace(".", "")
    initials = "".join(w[0] for w in full.name.split() if w[:1].isupper())
    return len(letters) >= 2 and initials == letters


@dataclass
class Watch:
    when: str
    sentence: Sentence
    on: date | None = None  # the day ``when`` names, read from the source's published date


def figures(sentences: list[Sentence], limit: int) -> list[Figure]:
    """Up to ``limit`` figures from ``sentences`` (in their order), one per number."""
    out: list[Figure] = []
    seen_numbers: set[str] = set()
    ents = nlp.entities([s.text for s in sentences])
    for s, es in zip(sentences, ents):
        for text, label, a, b in es:
            if label not in FIGURE_LABELS or not any(c.isdigit() for c in text) or _YEARISH.match(text):
                continue
            nums = nlp.numbers(text)
            if nums & seen_numbers:
                continue  # "45,000 workers" and "more than 45,000 workers": one figure
            if _RANK.search(s.text, 0, a):
                continue  # "No. 8 Minnesota", "the #1 seed": a rank, not a count
            counts, key = what_it_counts(s.text, a, b)
            if not counts[:1].isalnum():
                continue  # nothing it counts, or a broken one ("7-0 win" -> "- 0 win")
            seen_numbers.update(nums)
            out.append(Figure(value=text, counts=counts, key=key, sentence=s))
            if len(out) >= limit:
                return out
    return out


_RANK = re.compile(r"(?:\bNo\.|#)\s*$")
_NOUNISH = {"NOUN", "PROPN"}
_LIGHT_VERBS = {"be", "is", "are", "was", "were", "been", "being", "have", "has", "had"}
_MODS = {"compound", "amod", "nmod"}


def what_it_counts(sentence: str, start: int, end: int) -> tuple[str, str]:
    """What the number at ``sentence[start:end]`` counts, shown and as a key.

    "39 of the 71 drones" -> ("drones intercepted", "drone|intercept") when a verb governs it;
    "$425 million military aid package" -> ("military aid package", "package|announce|aid military").
    """
    doc = nlp.parse(sentence)
    toks = [t for t in doc if start <= t.idx < end]
    if not toks:
        return "", ""
    t = toks[-1]
    while t.head.i != t.i and t.dep_ in {"nummod", "quantmod", "compound"} and t.head.idx < end:
        t = t.head  # inside the number ("425 million")
    noun = None
    if t.dep_ in {"nummod", "quantmod", "compound", "amod", "npadvmod"} and t.head.pos_ in _NOUNISH:
        noun = t.head
    else:
        of = [c for c in t.children if c.dep_ == "prep" and c.lower_ == "of"]
        objs = [c for c in of[0].children if c.dep_ == "pobj"] if of else []
        if objs and objs[0].pos_ in _NOUNISH:
            noun = objs[0]
        elif t.head.pos_ in _NOUNISH and t.head.idx >= end:
            noun = t.head
    if noun is None:
        return "", ""
    if t.head.i == noun.i and noun.idx >= end:  # "8,000 North Korean soldiers": number to noun
        span = [x for x in doc[t.i + 1 : noun.i + 1] if x.idx >= end]
        mods = span[:-1]
    else:  # "39 of the 71 drones": the noun and its modifiers, whole ("voting-age citizens")
        mods = [c for c in noun.children if c.dep_ in _MODS and c.i < noun.i and not c.like_num]
        span = sorted({x for c in mods for x in c.subtree if x.i < noun.i and not x.like_num} | {noun}, key=lambda x: x.i)
    phrase = _as_written(span).strip(" ,")
    verb = _governing_verb(noun, t)
    shown = phrase
    if verb is not None:
        shown = f"{phrase} {verb.text}" if verb.tag_ in {"VBN", "VBD"} else f"{phrase} ({verb.text})"
    parts = [nlp.stem(noun.text), nlp.stem(verb.text) if verb is not None else ""]
    key = "|".join(parts + sorted(nlp.stem(m.text) for m in mods))
    return shown, key


def _as_written(tokens: list[Any]) -> str:
    """Tokens in order, spaced as the sentence spaces them ("well-preserved", not "well - preserved")."""
    out = ""
    for prev, x in zip([None, *tokens], tokens):
        if prev is not None and (prev.whitespace_ or x.i != prev.i + 1):
            out += " "
        out += x.text
    return out


def _governing_verb(noun: Any, number: Any) -> Any:
    """The verb a figure belongs to: the counted noun's own participle ("71 drones launched") when
    the number modifies the noun, else the verb governing the number ("intercepted 39 of ...")."""
    if number.head.i == noun.i:
        for c in noun.children:
            if c.dep_ == "acl" and c.pos_ == "VERB":
                return c
    for x in (number, noun):
        h = x
        for _ in range(4):
            h = h.head
            if h.pos_ in {"VERB", "AUX"} and h.lower_ not in _LIGHT_VERBS:
                return h
            if h.head.i == h.i:
                break
    return None


def actors(
    material: Material,
    sentences: list[Sentence],
    limit: int,
    name_probs: dict[str, float] | None = None,
    stated: str = "",
) -> list[ActorFound]:
    """Up to ``limit`` actors named in ``sentences``, each under its fullest name (``same_actor``)
    with the first sentence naming it; documents naming it by any of its names are counted over the
    whole period. Those whose fullest name ``stated`` does not hold first, then most probable first
    by ``name_probs`` (``scorer.score_names``) when given, then most documents first."""
    found: dict[str, ActorFound] = {}
    kinds: dict[str, Counter[str]] = {}
    for s, es in zip(sentences, nlp.entities([s.text for s in sentences])):
        for text, label, _a, _b in es:
            kind = ACTOR_KINDS.get(label)
            name = " ".join(text.split()).strip(" '’\"")
            name = re.sub(r"^(the|The)\s+", "", name).removesuffix("'s").removesuffix("’s")
            name = re.sub(r"(?:\s+[a-z]+)+$", "", name)  # "Gigi Hadid and": a name ends on a name
            if kind is None or len(name) < 3 or not name[:1].isupper():
                continue
            if " " not in name and name.endswith(_DEMONYM_ENDINGS):
                continue  # "Ukrainian" labelled a place: an adjective, not an actor
            kinds.setdefault(name.lower(), Counter())[kind] += 1
            if name.lower() not in found:
                found[name.lower()] = ActorFound(name, kind, 0, 0, s)
    for key, a in found.items():  # the kind most mentions give ("Jets" once a place, twice a team)
        a.kind = max(kinds[key], key=lambda k: (kinds[key][k], k == a.kind))
    names = []
    for a in found.values():  # an actor under its fullest name; its other names are its aliases
        longer = [o for o in found.values() if same_actor(a, o)]
        fullest = [o for o in longer if not any(same_actor(o, x) for x in longer)]
        if not longer:
            names.append(a)
        elif len(fullest) == 1:
            fullest[0].aliases.append(a.name)
        # else: "Smith" of both "John Smith" and "Jane Smith" is neither's alias, nor an actor
    for a in names:
        docs = sorted({d for n in a.names for d in naming(material, n)})
        a.n_documents = max(len(docs), 1)
        a.n_sources = max(len({material.docs[d].info.source or d for d in docs}), 1)
    probs = name_probs or {}
    said = {a.name for a in names if stated and re.search(rf"(?<!\w){re.escape(a.name)}(?!\w)", stated)}
    names.sort(key=lambda a: (a.name in said, -probs.get(a.name.lower(), 0.0), -a.n_documents, -a.n_sources))
    # a common word is left out as the list is cut, so only the names it reaches scan the texts
    return list(islice((a for a in names if " " in a.name or not _common_word(material, a.name)), limit))


def _common_word(material: Material, word: str) -> bool:
    """Whether the period's texts write ``word`` in lower case at least as often as capitalised:
    a common noun the recogniser took for a name at a sentence's or a title's start ("Notice")."""
    if word.lower() == word:
        return False
    low, cap = re.compile(rf"(?<!\w){re.escape(word.lower())}(?!\w)"), re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
    texts = [d.text for d in material.docs.values()]
    lower = sum(len(low.findall(t)) for t in texts if word.lower() in t)
    return lower > 0 and lower >= sum(len(cap.findall(t)) for t in texts if word in t)


def naming(material: Material, name: str) -> list[str]:
    """The documents of the period that name ``name`` (whole words), memoised on the material."""
    if name not in material.naming:
        pat = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        material.naming[name] = [
            d.info.doc_id for d in material.docs.values() if name in d.text and pat.search(d.text)
        ]
    return material.naming[name]


_PAST = re.compile(r"\b(last|yesterday|ago|earlier|previous|past)\b", re.IGNORECASE)
_ON_CALENDAR = re.compile(
    r"\b(" + MONTH_NAMES + "|" + WEEKDAY_NAMES + "|" + _YEAR + r"|today|tonight|"
    r"tomorrow|weekend|next|later|coming|this (?:week|month|year|fall|spring|summer|winter))\b",
    re.IGNORECASE,
)
_YEARS = re.compile(rf"\b{_YEAR}\b")
_AGE = re.compile(r"\bold\b|-year-old", re.IGNORECASE)


def _ahead(when: str, published: date | None) -> bool:
    """Whether a date a sentence states can be one to watch: a point on the calendar (a month,
    a weekday, a year, "tomorrow", "next week": not a length such as "five-month" or a bare
    number), not a past one ("last week", "two years ago", a year before the document's own)
    nor an age ("2-year-old")."""
    if not _ON_CALENDAR.search(when) or _PAST.search(when) or _AGE.search(when):
        return False
    years = [int(y) for y in _YEARS.findall(when)]
    return not (published and years and max(years) < published.year)


# A date that names its day: a weekday, or a month and a day ("Jan. 14", "March 27").
_NAMES_A_DAY = re.compile(
    r"\b(?:" + WEEKDAY_NAMES + r"|(?:" + MONTH_NAMES + r")\.?\s+\d{1,2}\b)", re.IGNORECASE
)


def day_named(when: str, published: date | None) -> date | None:
    """The day a date that names one ("Wednesday", "Jan. 14") falls on, read from the source's
    ``published`` date as the source meant it (the first such day from the day before it on:
    "Sunday" in Thursday's paper is three days on; by dateparser); None for a date that names no
    day ("next month", "2026") or a source without a date."""
    if published is None or not _NAMES_A_DAY.search(when):
        return None
    import dateparser

    base = datetime.combine(published - timedelta(days=1), datetime.min.time())
    day = dateparser.parse(
        when,
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "PARSERS": ["relative-time", "absolute-time"]}
    )
    return day.date() if day is not None else None


def _not_over(day: date | None, not_before: date | None) -> bool:
    """Whether a named ``day`` (``day_named``) falls on or after ``not_before``; a date that names
    no day cannot be told over, and counts."""
    return day is None or not_before is None or day >= not_before


def _of_a_past_act(text: str, a: int, b: int) -> bool:
    """Whether the date at ``text[a:b]`` tells when something was done: the verb it belongs to
    (by the parse) is in the past tense ("he announced Wednesday", "told employees Wednesday
    morning"), not a "will" or "to" form ("the vote will be held Thursday")."""
    doc = nlp.parse(text)
    tok = next((t for t in doc if a <= t.idx < b), None)
    while tok is not None and tok.pos_ not in ("VERB", "AUX") and tok.head.i != tok.i:  # up to the root
        tok = tok.head
    if tok is None or tok.pos_ not in ("VERB", "AUX"):
        return False
    auxes = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
    if any(c.lower_ in ("will", "shall") for c in auxes):
        return False
    if any(c.lower_ == "to" for c in auxes) and tok.head.i != tok.i:  # "was expected to take off in August"
        return _of_a_past_act(text, tok.head.idx, tok.head.idx + len(tok.head))
    return tok.tag_ == "VBD" or any(c.tag_ == "VBD" for c in auxes)


def watch(
    sentences: list[Sentence],
    limit: int,
    published: dict[str, date | None] | None = None,
    not_before: date | None = None,
) -> list[Watch]:
    """Up to ``limit`` sentences that look ahead and state a date that is not past (``_ahead``,
    against their document's ``published`` date) nor over by ``not_before`` (``_not_over``), taken
    in their order; each with the first day its dates name (``day_named``), and those on a named day
    first, soonest first (a calendar), then the others in their order."""
    published = published or {}
    ahead = [s for s in sentences if _FUTURE.search(s.text)]
    out: list[Watch] = []
    said: set[tuple[str, frozenset[str]]] = set()  # (when, facts): two outlets' copies of one sentence are one item
    for s, es in zip(ahead, nlp.entities([s.text for s in ahead])):
        pub = published.get(s.doc_id)
        dates: list[tuple[str, date | None]] = []
        for t, label, a, b in es:
            if label not in {"DATE", "TIME"} or not _ahead(t, pub):
                continue
            day = day_named(t, pub)
            if _not_over(day, not_before) and not _of_a_past_act(s.text, a, b):
                dates.append((t, day))
        when = ", ".join(dict.fromkeys(t for t, _day in dates))
        if dates and (when, s.facts) not in said:
            said.add((when, s.facts))
            out.append(Watch(when=when, sentence=s, on=next((day for _t, day in dates if day), None)))
            if len(out) >= limit:
                break
    return sorted(out, key=lambda w: (w.on is None, w.on or date.min))
