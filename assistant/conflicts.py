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
   there), even when it shares the draft's other values;
3. prefers the value of fresher sources (published later, by a stated date), then of clearly
   more documents (``MORE_DOCUMENTS`` more), else the draft's; and adds one cited sentence per other value, quoting the words around it:
   ``Other sources disagree: "... in Glendale, Arizona" [3].`` (or, when the other value is
   preferred, puts ``A more recent source says: ...`` / ``More sources say: ...`` first).

The added sentences go through ``verification.verify`` like any other (they quote their passage,
so they are supported; ``claim_core`` strips their lead-in); a conflict whose sentence does not
survive is not reported. Values compare by their content-word stems and numbers: "Tampa" and
"Tampa, Florida" agree, "2021" and "2022" do not.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import nlp
from assistant.citations import split_answer
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
    """What identifies a value: its content-word stems and the numbers it states."""
    return frozenset(nlp.content_terms(text)) | frozenset(nlp.numbers(text))


def _agrees(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two values agree when one's key holds the other's ("Tampa" / "Tampa, Florida")."""
    return bool(a) and bool(b) and (a <= b or b <= a)


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
    """The other values passages of other documents give for what ``question`` asks."""
    types = nlp.answer_types(question)
    if not types or not passages:
        return []
    q_weights = nlp.question_terms(question)
    q_key = _key(question)
    asked = analyse(question)
    cited, mine, contexts, labels, said_by = _draft_values(draft, len(passages), types, q_key)
    if not mine:
        return []
    cited_docs = {passages[i].doc_id for i in cited}
    others: dict[frozenset[str], list[tuple[int, str, str]]] = {}
    mine_docs: set[str] = set(cited_docs)
    for i, h in enumerate(passages):
        title_terms = frozenset(nlp.content_terms(h.title or ""))
        for a, b in nlp.split_sentences(h.text):
            sent = h.text[a:b]
            if nlp.is_question(sent) or nlp.is_instruction(sent):
                continue
            terms = frozenset(nlp.content_terms(sent)) | title_terms
            relevance = nlp.weighted_recall(q_weights, terms)
            if relevance < MIN_RELEVANCE:
                continue
            dateline = _DATELINE.match(sent)  # when the snippet was published, not what it is about
            body = sent[dateline.end() :] if dateline else sent
            if asked.constraints and constraint_scores(asked, parse(body))[1] > 0:
                continue  # about another year, edition or quarter than asked: another fact
            said = _key(sent) | title_terms
            substituted = _substituted(sent, said_by, q_key)  # shares other values, replaces the draft's one
            if not substituted and any(k <= said for _v, k in mine):
                mine_docs.add(h.doc_id)
                continue
            if h.doc_id in cited_docs:
                continue
            for value, label, va, vb in substituted or _values(sent, types, q_key):
                key = _key(value)
                if _FAMILY.get(label, label) not in labels:
                    continue
                if (
                    relevance < FULL_RELEVANCE
                    and _parallel(_key(sent) - q_key - key, contexts) < MIN_PARALLEL
                ):
                    continue
                group = next((g for g in others if _agrees(g, key)), key)
                others.setdefault(group, []).append((i, value, _fragment(sent, va, vb)))
    found = []
    for group in others.values():
        docs = {passages[i].doc_id for i, _v, _f in group}
        i, value, frag = group[0]
        reason = _preference(passages, docs, mine_docs)
        preferred = value if reason != "draft" else mine[0][0]
        found.append(Found(value, i, preferred, reason, f'{LEADS[reason]} "{frag}" [{i + 1}].'))
    return found[:MAX_CONFLICTS]


def _draft_values(
    draft: str, n_passages: int, types: frozenset[str], q_key: frozenset[str]
) -> tuple[
    set[int],
    list[tuple[str, frozenset[str]]],
    list[frozenset[str]],
    set[str],
    list[tuple[str, list[tuple[str, str, int, int]]]],
]:
    """What the draft says: the passages (0-based) its value sentences cite, its values with their
    keys, what each of those sentences says besides the question and values, the values' kinds,
    and each value sentence with its values (for ``_substituted``)."""
    cited: set[int] = set()
    mine: list[tuple[str, frozenset[str]]] = []
    contexts: list[frozenset[str]] = []
    labels: set[str] = set()  # a count is not contradicted by a share
    said_by: list[tuple[str, list[tuple[str, str, int, int]]]] = []
    for s in split_answer(draft):
        ok = [n - 1 for n in s.cited if 1 <= n <= n_passages]
        found = _values(s.text, types, q_key) if ok else []
        if not found:
            continue
        values = [(v, _key(v)) for v, _label, _a, _b in found]
        cited.update(ok)
        mine.extend(values)
        labels.update(_FAMILY.get(label, label) for _v, label, _a, _b in found)
        contexts.append(_key(s.text) - q_key - frozenset().union(*(k for _v, k in values)))
        said_by.append((s.text, found))
    return cited, mine, contexts, labels, said_by


_TOKEN = re.compile(r"\S+")
MAX_SUBSTITUTE_WORDS = 4
"""A value put in the place of another spans at most this many words."""


def _substituted(
    sent: str, said_by: list[tuple[str, list[tuple[str, str, int, int]]]], q_key: frozenset[str]
) -> list[tuple[str, str, int, int]]:
    """The value ``sent`` gives where a draft sentence gives one, when the two say the same thing
    word for word but for that one place ("... acquired by Facebook in February 2014" against the
    draft's "... acquired by Apple in February 2014"): found by aligning the words, for the values
    the entity recogniser does not label. Same kind as the draft's value it replaces. Words only
    one of the two has at its start or end (a dateline, a cut end) do not count against it."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(sent)]
    words = [sent[x:y] for x, y in spans]
    out = []
    for text, values in said_by:
        theirs = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        ops = difflib.SequenceMatcher(
            None, [text[x:y] for x, y in theirs], words, autojunk=False
        ).get_opcodes()
        inner = [op for op in ops if op[0] != "equal" and not _at_edge(op, len(theirs), len(words))]
        if len(inner) != 1 or inner[0][0] != "replace":
            continue
        _tag, i1, i2, j1, j2 = inner[0]
        if j2 - j1 > MAX_SUBSTITUTE_WORDS or len(words) - (j2 - j1) < 2 * (j2 - j1):
            continue
        a, b = theirs[i1][0], theirs[i2 - 1][1]
        replaced = next((label for _v, label, va, vb in values if va < b and a < vb), None)
        if replaced is None:
            continue  # the words that differ are not where the draft states its value
        va, vb = spans[j1][0], spans[j2 - 1][1]
        while vb > va and not sent[vb - 1].isalnum():
            vb -= 1
        key = _key(sent[va:vb])
        if key and len(key - q_key) * 2 >= len(key):
            out.append((sent[va:vb], replaced, va, vb))
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
