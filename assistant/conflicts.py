"""Sources that disagree: another document gives a different value for what the question asks.

Runs in the chain after the engine drafts and before the citation check. For a question that
asks for a typed value (a count, an amount, a date, a name, a place: ``nlp.answer_types``) it

1. takes the values the draft states (spaCy entities of those types that the question does not
   already name) in the sentences that cite a passage;
2. looks, in passages of *other documents*, for sentences about the question (the question's
   weighted terms, ``MIN_RELEVANCE`` of them, in the sentence or its passage's title) that name a
   value of the same type (the same kind as a draft value, ``_FAMILY``: a count is not contradicted
   by a percentage), none of the draft's values, and not the question's own names, that
   do not contradict the question's exact constraints (another year, edition or quarter:
   ``index.rerank_features``), and
   that otherwise say what a draft sentence says (``MIN_PARALLEL`` of their other words: the
   same statement with another value, not another fact about the subject); a sentence that says
   a draft sentence word for word but for one place where the draft states its value gives the
   value in that place (``_substituted``: the entity recogniser misses names like "Facebook"
   there), even when it shares the draft's other values, whatever the question asks (a
   question of no typed value, "What is the year-end No 1 ...?", still gets these);
3. prefers the value of fresher sources (published later, by a stated date), then of clearly
   more documents (``MORE_DOCUMENTS`` more), else the draft's; and adds one cited sentence per other value, quoting the words around it:
   ``Other sources disagree: "... in Glendale, Arizona" [3].`` (or, when the other value is
   preferred, puts ``A more recent source says: ...`` / ``More sources say: ...`` first).

The added sentences go through ``verification.verify`` like any other (they quote their passage,
so they are supported; ``claim_core`` strips their lead-in); a conflict whose sentence does not
survive is not reported. Values compare by their content-word stems and numbers, months by
number: "Tampa" and "Tampa, Florida" agree, "Nov 12" and "November 12" agree, "2021" and "2022"
do not; a weekday or "tomorrow" alone is no date. A group of agreeing values speaks with its most
specific one ("July 21, 2017" rather than "2017").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import nlp
from assistant.citations import split_answer
from index.dates import MONTHS
from index.rerank_features import constraint_scores, parse
from index.rerank_question import analyse

if TYPE_CHECKING:
    from assistant.types import Citation, Conflict, Hit

# Chosen on RGB dev (recorded drafts and passages, plain and counterfactual index): the fewest
# conflicts flagged on the plain corpus among the settings that leave at most 0.05 of the
# counterfactual answers repeating the false answer unflagged (0.04 there; 0.30 of plain answers flag one).
MIN_RELEVANCE = 0.5
"""Share of the question's weighted terms a sentence (with its title) must hold to count."""
MIN_PARALLEL = 0.5
"""Share of its other words a conflicting sentence must share with a draft sentence (``_parallel``)..."""
FULL_RELEVANCE = 1.0
"""... unless it holds this much of the question's weighted terms."""
MAX_CONFLICTS = 2
MORE_DOCUMENTS = 2
"""The other value leads when this many more documents give it than the draft's."""
ANSWER_CHARS = 300
"""Draft sentences besides the one giving the value, then extra conflicts, give way while the answer would be longer."""
WORDS_BEFORE, WORDS_AFTER = 7, 3

LEADS = {
    "draft": "Other sources disagree:",
    "fresher": "A more recent source says:",
    "more": "More sources say:",
}
"""Lead-ins of the added sentences; ``verification.claim_core`` strips them before checking support."""


@dataclass
class Found:
    """One other value: where it is and the sentence that says so (before verification)."""

    value: str
    passage: int  # 0-based index into the passages
    preferred: str
    reason: str
    sentence: str


def _key(text: str) -> frozenset[str]:
    """What identifies a value: its content-word stems and the numbers it states, a month by its
    number whatever its spelling ("Nov. 12" and "November 12" agree)."""
    months = {w for w in re.findall(r"\b[A-Z][a-z]+", text) if w.lower() in MONTHS}
    month_stems = {nlp.stem(m) for m in months}
    terms = {t for t in nlp.content_terms(text) if t not in month_stems}
    return frozenset(terms | {f"month-{MONTHS[m.lower()]}" for m in months}) | frozenset(nlp.numbers(text))


def _places_in_time(value: str) -> bool:
    """Whether a date or time names a point on the calendar or clock (a number or a month): a
    weekday, "tomorrow" or "the seventeenth season" alone does not answer "when"."""
    return bool(nlp.numbers(value)) or any(w.lower() in MONTHS for w in re.findall(r"\b[A-Z][a-z]+", value))


def _agrees(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two values agree when one's key holds the other's ("Tampa" / "Tampa, Florida")."""
    return bool(a) and bool(b) and (a <= b or b <= a)


ANY_VALUE = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "DATE",
                       "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"})  # fmt: skip
"""The values a draft sentence states, for a question that asks for no typed value (``_substituted`` only)."""

# Entity labels that name the same kind of value (NER confuses them); a count, an amount and a share differ.
_FAMILY = {"PERSON": "name", "ORG": "name", "GPE": "place", "LOC": "place", "FAC": "place", "TIME": "DATE",
           "QUANTITY": "CARDINAL"}  # fmt: skip

# A snippet's dateline ("Feb 7, 2021 ... "): when it was published, not a value it states.
_DATELINE = re.compile(r"^\W*[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}\s*(?:\.\.\.|…)")


def _values(text: str, types: frozenset[str], q_key: frozenset[str]) -> list[tuple[str, str, int, int]]:
    """Entities of the asked-for types in ``text`` that are not the question's own names, a
    nationality or party (NORP: it describes a name rather than answering "who") or a dateline."""
    dateline = _DATELINE.match(text)
    out = []
    for value, label, a, b in nlp.entities([text])[0]:
        key = _key(value)
        if label not in types or label == "NORP" or not key or len(key - q_key) * 2 < len(key):
            continue
        if _FAMILY.get(label, label) == "DATE" and not _places_in_time(value):
            continue
        if dateline and a < dateline.end():
            continue
        out.append((value, label, a, b))
    return out


def _fragment(text: str, a: int, b: int) -> str:
    """The words around ``text[a:b]`` inside its clause: a short quote naming the value."""
    head = re.split(r"[;:—–(]\s", text[:a])[-1].split()
    tail_text = re.split(r"[,.;:)—–]\s|[,.;:)]$", text[b:] + " ", maxsplit=1)[0]
    before = head[-WORDS_BEFORE:]
    after = tail_text.split()[:WORDS_AFTER]
    while before and nlp.is_stop(before[0]):  # the quote starts and ends on content words
        before.pop(0)
    while after and nlp.is_stop(after[-1]):
        after.pop()
    frag = " ".join([*before, text[a:b], *after]).strip(" ,;")
    return frag.rstrip(".…") if frag else text[a:b]


def find(question: str, draft: str, passages: list[Hit]) -> list[Found]:
    """The other values passages of other documents give for what ``question`` asks. A question
    that asks for no typed value still gets the values another source puts in the place of one of
    the draft's (``_substituted``): the same statement with another name, number or date."""
    if not passages:
        return []
    types = nlp.answer_types(question)
    q_key = _key(question)
    mine = _draft_values(draft, len(passages), types or ANY_VALUE, q_key)
    if not mine.sentences:
        return []
    asked = analyse(question)
    q_weights = nlp.question_terms(question)
    cited_docs = {passages[i].doc_id for i in mine.cited}
    others: dict[frozenset[str], list[tuple[int, str, str, str]]] = {}
    mine_docs: set[str] = set(cited_docs)
    for i, h in enumerate(passages):
        title_terms = frozenset(nlp.content_terms(h.title or ""))
        for a, b in nlp.split_sentences(h.text):
            sent = h.text[a:b]
            if nlp.is_question(sent) or nlp.is_instruction(sent):
                continue
            dateline = _DATELINE.match(sent)  # when the snippet was published, not what it is about
            body = sent[dateline.end() :] if dateline else sent
            if asked.constraints and constraint_scores(asked, parse(body))[1] > 0:
                continue  # about another year, edition or quarter than asked: another fact
            # A draft statement said with another value is about what the draft is about.
            substituted = _substituted(sent, mine.sentences, q_key, types or ANY_VALUE)
            relevance = FULL_RELEVANCE
            if not substituted:
                if not types or not mine.values:
                    continue
                relevance = nlp.weighted_recall(q_weights, frozenset(nlp.content_terms(sent)) | title_terms)
                if relevance < MIN_RELEVANCE:
                    continue
                if any(k <= _key(sent) | title_terms for _v, k in mine.values):
                    mine_docs.add(h.doc_id)
                    continue
            if h.doc_id in cited_docs:
                continue
            for value, va, vb, theirs in substituted or _other_values(sent, relevance, types, q_key, mine):
                key = _key(value)
                group = next((g for g in others if _agrees(g, key)), key)
                others.setdefault(group, []).append((i, value, _fragment(sent, va, vb), theirs))
    found = []
    for group in others.values():
        docs = {passages[i].doc_id for i, _v, _f, _t in group}
        # The group speaks with its most specific value ("July 21, 2017" rather than "2017").
        i, value, frag, theirs = max(group, key=lambda g: len(_key(g[1])))
        reason = _preference(passages, docs, mine_docs)
        preferred = value if reason != "draft" else theirs
        found.append(Found(value, i, preferred, reason, f'{LEADS[reason]} "{frag}" [{i + 1}].'))
    return found[:MAX_CONFLICTS]


def _other_values(
    sent: str, relevance: float, types: frozenset[str], q_key: frozenset[str], mine: _DraftValues
) -> list[tuple[str, int, int, str]]:
    """The values of the asked type ``sent`` states that the draft does not, of a kind the draft
    states, when ``sent`` says what a draft sentence says (or holds the whole question), each with
    the draft's value it disputes."""
    out = []
    for value, label, va, vb in _values(sent, types, q_key):
        key = _key(value)
        if _FAMILY.get(label, label) not in mine.labels:
            continue
        if relevance < FULL_RELEVANCE and _parallel(_key(sent) - q_key - key, mine.contexts) < MIN_PARALLEL:
            continue
        out.append((value, va, vb, mine.values[0][0]))
    return out


@dataclass
class _DraftValues:
    """What the draft says: the passages (0-based) its value sentences cite, its values of the
    asked type with their keys, what each of those sentences says besides the question and values,
    the values' kinds, and every cited sentence with its values of any kind (for ``_substituted``)."""

    cited: set[int]
    values: list[tuple[str, frozenset[str]]]
    contexts: list[frozenset[str]]
    labels: set[str]  # a count is not contradicted by a share
    sentences: list[tuple[str, list[tuple[str, str, int, int]]]]


def _draft_values(draft: str, n_passages: int, types: frozenset[str], q_key: frozenset[str]) -> _DraftValues:
    """The values ``draft`` states in its cited sentences (``_DraftValues``)."""
    out = _DraftValues(set(), [], [], set(), [])
    for s in split_answer(draft):
        ok = [n - 1 for n in s.cited if 1 <= n <= n_passages]
        if not ok:
            continue
        stated = _values(s.text, ANY_VALUE, q_key)
        out.sentences.append((s.text, stated))
        found = [v for v in stated if v[1] in types]
        if not found:
            continue
        values = [(v, _key(v)) for v, _label, _a, _b in found]
        out.cited.update(ok)
        out.values.extend(values)
        out.labels.update(_FAMILY.get(label, label) for _v, label, _a, _b in found)
        out.contexts.append(_key(s.text) - q_key - frozenset().union(*(k for _v, k in values)))
    return out


_TOKEN = re.compile(r"\w+(?:[.,'’/-]\w+)*")
"""A word of the alignment: punctuation between words does not count ("2021, ..." and "2021,...")."""
MAX_SUBSTITUTE_WORDS = 4
"""A value put in the place of another spans at most this many words (on either side), and the
words the two sentences share are at least twice as many."""


def _substituted(
    sent: str,
    sentences: list[tuple[str, list[tuple[str, str, int, int]]]],
    q_key: frozenset[str],
    types: frozenset[str],
) -> list[tuple[str, int, int, str]]:
    """The value ``sent`` gives where a draft sentence gives another, when the two say the same
    thing word for word but for that one place ("... acquired by Facebook in February 2014" against
    the draft's "... acquired by Apple in February 2014"), with the draft's value: found by aligning
    the words, so a value the entity recogniser labels on either side counts (of the asked
    ``types``). Words only one of the two has at its start or end (a dateline, a cut end) do not
    count against it."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(sent)]
    words = [sent[x:y] for x, y in spans]
    labelled_here: list[tuple[str, str, int, int]] | None = None  # this sentence's values, when needed
    out = []
    for text, values in sentences:
        theirs = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        ops = difflib.SequenceMatcher(
            None, [text[x:y] for x, y in theirs], words, autojunk=False
        ).get_opcodes()
        inner = [op for op in ops if op[0] != "equal" and not _at_edge(op, len(theirs), len(words))]
        if len(inner) != 1 or inner[0][0] != "replace":
            continue
        _tag, i1, i2, j1, j2 = inner[0]
        longer = max(i2 - i1, j2 - j1)
        if longer > MAX_SUBSTITUTE_WORDS or min(len(theirs) - (i2 - i1), len(words) - (j2 - j1)) < 2 * longer:
            continue
        a, b = theirs[i1][0], theirs[i2 - 1][1]
        va, vb = spans[j1][0], spans[j2 - 1][1]
        labelled = [label for _v, label, x, y in values if x < b and a < y]
        if not labelled:
            labelled_here = _values(sent, ANY_VALUE, q_key) if labelled_here is None else labelled_here
            labelled = [label for _v, label, x, y in labelled_here if x < vb and va < y]
        if not labelled or labelled[0] not in types:
            continue  # the words that differ are not where either sentence states a value of the asked kind
        key = _key(sent[va:vb])
        if key and len(key - q_key) * 2 >= len(key) and not _agrees(key, _key(text[a:b])):
            out.append((sent[va:vb], va, vb, text[a:b]))
    return out


def _at_edge(op: tuple[str, int, int, int, int], n_theirs: int, n_words: int) -> bool:
    """Words one sentence has before or after all the other says."""
    tag, i1, i2, j1, j2 = op
    return tag in ("insert", "delete") and (i1 == j1 == 0 or (i2, j2) == (n_theirs, n_words))


def _parallel(context: frozenset[str], contexts: list[frozenset[str]]) -> float:
    """How much of what a sentence says besides the question and its value a draft sentence says
    too: a source giving another value for the same statement, not another fact."""
    return max((len(context & c) / max(1, min(len(context), len(c))) for c in contexts), default=0.0)


def _preference(passages: list[Hit], theirs: set[str], ours: set[str]) -> str:
    """Which value leads: "fresher" or "more" for the other one, "draft" for the draft's."""
    dated = {h.doc_id: h.published for h in passages if h.published and not h.published_inferred}
    newest_theirs = max((dated[d] for d in theirs if d in dated), default=None)
    newest_ours = max((dated[d] for d in ours if d in dated), default=None)
    if newest_theirs and newest_ours and newest_theirs > newest_ours:
        return "fresher"
    if len(theirs) >= len(ours) + MORE_DOCUMENTS:
        return "more"
    return "draft"


def annotate(question: str, draft: str, passages: list[Hit]) -> tuple[str, list[Found]]:
    """The draft with a cited sentence per conflicting value, and what was found."""
    found = find(question, draft, passages)
    if not found:
        return draft, []
    parts = split_answer(draft)
    sentences = [s.text + " " + "".join(f"[{n}]" for n in s.cited) for s in parts]
    # The first draft sentence stating a value of the asked type stays; the others give way to the
    # conflict, and then any conflict but the first, while the answer would be too long.
    types = nlp.answer_types(question) or frozenset()
    q_key = _key(question)
    answer = next((i for i, s in enumerate(parts) if _values(s.text, types, q_key)), 0)
    spare = [i for i in range(len(parts)) if i != answer]

    def length() -> int:
        return len(" ".join(sentences + [f.sentence for f in found]))

    while spare and length() > ANSWER_CHARS:
        sentences.pop(spare.pop())
    while len(found) > 1 and length() > ANSWER_CHARS:
        found.pop()
    lead = [f.sentence for f in found if f.reason != "draft"]
    tail = [f.sentence for f in found if f.reason == "draft"]
    return " ".join(lead + sentences + tail), found


def resolve(found: list[Found], passages: list[Hit], citations: list[Citation], text: str) -> list[Conflict]:
    """The conflicts whose sentence survived verification, with their final citation numbers."""
    from assistant.types import Conflict

    by_chunk = {c.chunk_id: c for c in citations}
    out = []
    for f in found:
        c = by_chunk.get(passages[f.passage].chunk_id)
        if c is None or f.sentence.split(" [")[0] not in text:
            continue
        out.append(Conflict(value=f.value, n=c.n, doc_id=c.doc_id, preferred=f.preferred, reason=f.reason))
    return out
