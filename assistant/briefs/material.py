"""What a brief is drafted from: the period's documents, their stored chunk vectors and their
candidate sentences (with the cheap facts each states: names and numbers).

Nothing is embedded again: a document's vector is the position-weighted mean of its stored chunk
vectors (the lead chunk counts most, later ones less, as news puts the story first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from assistant import nlp
from index.dates import WEEKDAY_NAMES
from index.loaders import begins_with_title
from index.store import version_of
from index.types import DocumentInfo, SearchFilters

MIN_WORDS, MAX_WORDS = 6, 50  # a key point is one readable sentence (or a clause of one)
HEADLINE_MIN_WORDS = 4  # a headline states its news in fewer words than a sentence
TOPIC_MIN_COS = 0.35  # a document is on the topic when one of its chunks is this close to it

# Page furniture that survives cleaning and is never news.
_FURNITURE = re.compile(
    r"\b(cookies?|subscribe|subscription|sign up|newsletter|all rights reserved|click here|advertisement|"
    r"terms of (use|service)|privacy policy|log ?in|follow us|read more|share this|copyright|editor'?s note)\b|©",
    re.IGNORECASE,
)
# A wire dateline before the lead: "CLEVELAND (AP) — ", "NEW YORK – ", "WASHINGTON—". Not part of the
# point. (Matched at the lead's offset: no "^", which holds only at the text's start, before a headline.)
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’ ]{1,30}?(?:, [A-Z][A-Za-z.]+){0,2}(?:\s*\([A-Za-z ]{2,20}\))?(?:\s*[—–]{1,2}|\s+-{1,2})\s*"
    r"(?=[A-Z“\"'‘$0-9])"
)
_TERMINATED = re.compile(r"[.!?][\"'”’)\]]*$")
# Clause units: the parts of a sentence that carry its facts without its frame.
_SAY = r"(?:said|says|told [^,;]{1,40}?|added|noted|reported|announced|wrote|stated)"
_WHEN = r"(?:\s+(?:on\s+)?(?:" + WEEKDAY_NAMES + r"|today|yesterday))?"
# ..., officials said. / ..., said the minister. / ..., according to the ministry.
_TAIL_ATTRIBUTION = re.compile(
    r"[,;][\"”’']?\s+(?:according to [^,;]{2,80}|(?:[\w.'’-]+\s){0,7}?" + _SAY + _WHEN
    + r"(?:\s+in a statement)?|said [^,;]{2,60})\s*[.!]?[\"”’']?$"
)
# The minister said on Monday that ... / According to the ministry, ...
_HEAD_ATTRIBUTION = re.compile(
    r"(?:According to [^,;]{2,80},\s+|(?:[\w.'’-]+\s){1,6}?" + _SAY + _WHEN + r"(?:\s+in a statement)?,?\s+(?:that\s+)?)"
)
# A leading adverbial or subordinate phrase before the main clause: "On Monday, ...", "After ..., ..."
_HEAD_PHRASE = re.compile(
    r"(?i:On|In|At|After|Before|During|Following|Earlier|Later|Last|Since|When|While|As|Although|Though|"
    r"Despite|Amid|Meanwhile|However|Still|Instead|Separately|Additionally|Also|Now|Overall|Under)\b[^,;]{0,80},\s+"
)
# Where one independent clause ends and another begins.
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:but|while|whereas|and)\s+|\s+[—–]\s+")
_QUOTES = "\"“”"
_EDGE = " ,;:—–-\"“”'‘’"
# "Headline | The Week UK", "Headline | Section | Site": what follows the first bar names the page, not the news.
_SITE_PART = re.compile(r"\s+\|\s")
# A sentence that opens with a pronoun ("Which is why ..."; or quotes a speaker's "I"/"we"), a
# demonstrative ("That means", "Those voters"; not "This week") or a conjunction ("And", "But", "So";
# not "So far") leans on the one before it.
_REFERS_BACK = re.compile(
    r"[\"“‘']?(?:he|she|it|they|them|his|her|its|their|i|we|our|my|which|and|but|or|nor|yet|so(?!\s+far)"
    r"|(?:this|that|these|those)(?!\s+(?:week|weekend|year|month|season|morning|afternoon|evening|night|day|time)s?\b))\b",
    re.IGNORECASE,
)
_CAP_WORD = re.compile(r"^[A-Z][\w'’.&-]*$")
# A sentence that speaks to its reader ("You can listen on ...", "See if your provider ...") outside a quotation.
_TO_READER = re.compile(r"\b(?:you|your|yours|yourself)\b", re.IGNORECASE)
_QUOTATION = re.compile(r"[\"“][^\"“”]*[\"”]")


@dataclass
class Doc:
    """A document of the period with its text and vector."""

    info: DocumentInfo
    text: str
    vec: np.ndarray
    chunks: list[tuple[str, int, int]] = field(default_factory=list)  # (chunk id, start, end)

    def chunk_at(self, offset: int) -> str:
        """The id of the chunk holding ``offset`` (for the citation)."""
        for cid, a, b in self.chunks:
            if a <= offset < b:
                return cid
        return self.chunks[0][0] if self.chunks else ""


@dataclass
class Sentence:
    """A candidate key point: a sentence of a document, with offsets into its text."""

    doc_id: str
    start: int
    end: int
    text: str
    pos: int  # index among the document's candidate sentences (0: its lead)
    n_words: int
    names: frozenset[str]
    numbers: frozenset[str]
    terms: frozenset[str]
    sentence: tuple[int, int] | None = None  # a clause unit: the span of its whole sentence
    headline: bool = False  # the document's title, standing as the first line of its text

    @property
    def span(self) -> tuple[int, int]:
        """The whole sentence's span (the sentence's own for a whole sentence)."""
        return self.sentence or (self.start, self.end)

    @property
    def facts(self) -> frozenset[str]:
        return self.names | self.numbers


@dataclass
class Material:
    """The period's documents and candidate sentences."""

    since: date
    until: date
    docs: dict[str, Doc]
    sentences: list[Sentence]  # whole sentences (the lists, the actors and the scorer's statistics read these)
    fact_docs: dict[str, int]  # fact -> number of documents stating it
    naming: dict[str, list[str]] = field(default_factory=dict)  # name -> documents naming it
    units: list[Sentence] = field(default_factory=list)  # clauses of the sentences (``clause_units``)

    def candidates(self, units: bool = True) -> list[Sentence]:
        """What a key point can be: the whole sentences, and their clauses when ``units``."""
        return self.sentences + self.units if units else self.sentences


def gather(
    store: Any,
    embedder: Any,
    since: date,
    until: date,
    sources: list[str] | None = None,
    topic: str | None = None,
) -> Material:
    """The committed documents published in ``since..until`` (of ``sources``, on ``topic``)."""
    rows: dict[str, list[tuple[str, dict, Any]]] = {}
    for cid, _text, meta, emb in store.chunks_with_embeddings(
        SearchFilters(since=since, until=until, sources=sources)
    ):
        rows.setdefault(meta["doc_id"], []).append((cid, meta, emb))
    infos = store.infos(rows)
    topic_vec = np.asarray(embedder.embed_query(topic), dtype=np.float32) if topic else None
    kept: dict[str, tuple[DocumentInfo, list[tuple[str, dict, Any]]]] = {}
    for doc_id, chunks in rows.items():
        info = infos.get(doc_id)
        if info is None:
            continue
        live = [c for c in chunks if c[1]["v"] == version_of(info.content_hash)]
        if not live:
            continue
        live.sort(key=lambda c: int(c[1]["idx"]))
        if topic_vec is not None:
            best = max(float(np.asarray(c[2], dtype=np.float32) @ topic_vec) for c in live)
            if best < TOPIC_MIN_COS:
                continue
        kept[doc_id] = (info, live)
    texts = store.texts(kept)
    docs: dict[str, Doc] = {}
    for doc_id, (info, live) in kept.items():
        if doc_id not in texts:
            continue
        vecs = np.asarray([c[2] for c in live], dtype=np.float32)
        weights = np.asarray([1.0 / (1 + int(c[1]["idx"])) for c in live], dtype=np.float32)
        vec = nlp.normalize_rows((weights[:, None] * vecs).sum(axis=0))
        docs[doc_id] = Doc(
            info=info,
            text=texts[doc_id],
            vec=vec,
            chunks=[(c[0], int(c[1]["start"]), int(c[1]["end"])) for c in live],
        )
    sentences = [s for d in docs.values() for s in candidate_sentences(d)]
    units = [u for s in sentences if not s.headline for u in clause_units(s, docs[s.doc_id].text)]
    fact_docs: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for s in sentences:
        for f in s.facts:
            if (s.doc_id, f) not in seen:
                seen.add((s.doc_id, f))
                fact_docs[f] = fact_docs.get(f, 0) + 1
    return Material(since=since, until=until, docs=docs, sentences=sentences, fact_docs=fact_docs, units=units)


def candidate_sentences(doc: Doc) -> list[Sentence]:
    """The document's sentences that can stand alone as a key point, in order: the headline
    (unless it is a question or speaks to the reader) and the body's sentences of
    ``MIN_WORDS``..``MAX_WORDS`` words that end as sentences do, state a name or a number, and
    neither are page furniture, a question, a heading or an instruction, nor open with a pronoun, a
    demonstrative or a conjunction that leans on an earlier sentence, nor hold a piece of a
    quotation whose marks do not pair up, nor speak to the reader ("you") outside a quotation."""
    out: list[Sentence] = []
    spans = nlp.split_sentences(doc.text)
    if spans and begins_with_title(doc.text[spans[0][0] : spans[0][1]], " ".join(doc.info.title.split())):
        a, b = spans.pop(0)  # the headline, as the text's first line: a point of its own, not a lead
        bar = _SITE_PART.search(doc.text, a, b)
        if bar and len(nlp.words(doc.text[a : bar.start()])) >= HEADLINE_MIN_WORDS:
            b = bar.start()
        head = doc.text[a:b]
        if HEADLINE_MIN_WORDS <= len(nlp.words(head)) <= MAX_WORDS and not (
            nlp.is_instruction(head) or nlp.is_question(head) or _to_reader(head)
        ):
            out.append(_sentence(doc.info.doc_id, doc.text, a, b, 0, headline=True))
    body = len(out)
    for a, b in spans:
        dateline = _DATELINE.match(doc.text, a, b) if len(out) == body else None
        if dateline:
            a = dateline.end()
        text = doc.text[a:b]
        n = len(nlp.words(text))
        if not (MIN_WORDS <= n <= MAX_WORDS) or not _TERMINATED.search(text):
            continue
        if _FURNITURE.search(text) or nlp.is_question(text) or nlp.is_heading(text) or nlp.is_instruction(text):
            continue
        # tested on the text, before the sentence's facts are drawn
        if _REFERS_BACK.match(text) or _split_quote(text) or _to_reader(text):
            continue
        sent = _sentence(doc.info.doc_id, doc.text, a, b, len(out) - body)
        if sent.facts:  # a point states a name or a number, as a clause unit must
            out.append(sent)
    return out


def _sentence(
    doc_id: str, text: str, a: int, b: int, pos: int, whole: tuple[int, int] | None = None, headline: bool = False
) -> Sentence:
    t = text[a:b]
    return Sentence(
        doc_id=doc_id,
        start=a,
        end=b,
        text=t,
        pos=pos,
        n_words=len(nlp.words(t)),
        names=frozenset(names(t)),
        numbers=frozenset("#" + x for x in nlp.numbers(t, include_one=False)),
        terms=frozenset(nlp.content_terms(t)),
        sentence=whole,
        headline=headline,
    )


def clause_units(s: Sentence, text: str) -> list[Sentence]:
    """The shorter key points a sentence holds: each of its independent clauses, without the
    attribution ("..., officials said"; "The minister said that ...") or a leading phrase ("On
    Monday, ...") around it. Each is a span of the document (the citation quotes it exactly),
    states a name or a number, has at least ``MIN_WORDS`` words and does not open with a pronoun
    (its antecedent may be in the part left out: "When X was ..., he said ..."); the sentence itself
    is not among them."""
    spans: set[tuple[int, int]] = set()
    pieces, at = [], s.start
    for m in _CLAUSE_BREAK.finditer(text, s.start, s.end):
        pieces.append((at, m.start()))
        at = m.end()
    pieces.append((at, s.end))
    for a, b in pieces:
        starts = [a, *(m.end() for head in (_HEAD_ATTRIBUTION, _HEAD_PHRASE) if (m := head.match(text, a, b)))]
        for start in starts:
            tail = _TAIL_ATTRIBUTION.search(text, start, b)
            for end in (b, tail.start()) if tail else (b,):
                span = _trim(text, start, end)
                if span:
                    spans.add(span)
    spans.discard((s.start, s.end))
    out = []
    for a, b in sorted(spans):
        u = _sentence(s.doc_id, text, a, b, s.pos, whole=(s.start, s.end))
        if MIN_WORDS <= u.n_words < s.n_words and u.facts and not _REFERS_BACK.match(u.text):
            out.append(u)
    return out


def _to_reader(text: str) -> bool:
    """Whether ``text`` speaks to its reader ("you", "your") outside a quotation: service copy
    ("You can listen on ...", "Ten things you need to know today"), not a development."""
    return _TO_READER.search(_QUOTATION.sub("", text)) is not None


def _split_quote(text: str) -> bool:
    """Whether ``text``'s double quotation marks do not pair up: a piece of a quotation that runs
    over several sentences (its speaker named in another), or a clause cut out of one."""
    return sum(text.count(q) for q in _QUOTES) % 2 == 1


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    """``a..b`` without edge punctuation; None when its quotation marks do not pair up."""
    while a < b and text[a] in _EDGE:
        a += 1
    while b > a and text[b - 1] in _EDGE:
        b -= 1
    if b <= a or _split_quote(text[a:b]):
        return None
    return (a, b)


def names(text: str) -> list[str]:
    """Runs of capitalised words, lower-cased: a cheap stand-in for the names a sentence states
    (NER runs only on the few sentences a brief keeps). A lone capitalised first word that is a
    stop word ("The", "He") is not a name."""
    toks = nlp.words(text)
    out: list[str] = []
    run: list[str] = []
    for i, w in enumerate([*toks, ""]):
        if w and _CAP_WORD.match(w) and not (i == 0 and nlp.is_stop(w)):
            run.append(w)
            continue
        if run:
            out.append(" ".join(run).lower())
            run = []
    return out

