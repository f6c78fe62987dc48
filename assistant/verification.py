"""Claim checking: verify that each sentence of an answer is said by the sources it cites.
Works for quoted (extractive) and paraphrased (LLM) answers alike; the markers themselves are
parsed, renumbered and turned into ``Citation`` objects by ``assistant.citations``.

A sentence (the *claim*) is supported by a passage when

* every number the claim states is in the passage (or its title / publication date):
  "40 of 71" against "39 of the 71" fails, "six" meets "6", "$425 million" meets "425 million";
* and there is enough lexical or semantic evidence:

  - ``recall`` = share of the claim's content-word stems found in the passage (names and
    numbers weigh 1.5, other words 1; stems match on a shared prefix, "Korea"/"Korean"),
  - ``cos``    = the best cosine between the claim and a passage sentence or a pair of adjacent
    passage sentences (MiniLM embeddings),

  supported when ``cos >= 0.80`` (a paraphrase in other words), or ``recall >= 0.75 and
  cos >= 0.50`` (a quote or close paraphrase), or ``recall >= 0.50 and cos >= 0.70`` (both
  moderately), or -- for short claims, whose cosine to a long sentence is diluted -- ``recall >=
  0.75`` with two thirds of the non-name words present and ``cos >= 0.35``. Measured on the seed article: quotes and hand-written paraphrases of a passage
  score recall 0.72-1.0 and cos 0.74-1.0; sentences of the *other* passages of the same story
  score recall <= 0.77 and cos <= 0.75 and rarely both; a false claim made of the story's names
  ("Russia has announced a ceasefire with Ukraine": recall 0.78, cos 0.42) fails on cos.

Each sentence is then kept (its supporting cited passages only), re-cited (to the passage that
supports it best, when its own citations do not or it has none) or removed. The abstention
sentence ("The indexed sources do not say ...") is kept without citations. Markers are
renumbered 1..m in order of first appearance; markers to passages that do not exist are invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from assistant import nlp
from assistant.citations import AnswerSentence, Kept, renumber, split_answer
from assistant.engines.base import ABSTAIN_SENTINEL, is_abstention
from assistant.types import Citation, SentenceVerdict

if TYPE_CHECKING:
    from assistant.types import Hit


COS_ALONE = 0.80
RECALL_HIGH, COS_WITH_HIGH_RECALL = 0.75, 0.50
RECALL_MID, COS_WITH_MID_RECALL = 0.50, 0.70
PLAIN_RECALL_SHORT, COS_SHORT = 0.66, 0.35

# Discourse openers that say nothing about the sources ("However, ...", "According to [2], ...") and the
# lead-ins of the sentences ``assistant.conflicts`` adds (its LEADS), which quote a passage after them.
_OPENER_RE = re.compile(
    r"^\W*(however|additionally|in addition|also|meanwhile|moreover|furthermore|overall|in summary|in short|"
    r"notably|still|yet|but|and|so|as a result|according to (?:the )?(?:sources?|passages?|reports?|"
    r"articles?)(?: \d+)?|other sources disagree:|a more recent source says:|more sources say:)\s*,?\s+",
    re.IGNORECASE,
)


def claim_core(sentence: str) -> str:
    """The sentence without a leading discourse opener, for comparison with the sources."""
    core = _OPENER_RE.sub("", sentence, count=1).strip()
    return core[:1].upper() + core[1:] if core else sentence


@dataclass
class VerifiedAnswer:
    """The answer after verification: final text, its citations and one verdict per sentence."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    verdicts: list[SentenceVerdict] = field(default_factory=list)
    abstained: bool = False


@dataclass
class Support:
    supported: bool
    score: float
    recall: float
    cos: float
    evidence: tuple[int, int] | None  # span in hit.text
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# Support


def _passage_numbers(hit: Hit) -> set[str]:
    nums = nlp.numbers(hit.text) | nlp.numbers(hit.title or "")
    if hit.published:
        d = hit.published
        nums |= {str(d.year), str(d.month), str(d.day)}
    return nums


class _PassageView:
    """A passage's sentences, terms and sentence embeddings (computed once per verify call)."""

    def __init__(self, hit: Hit, vecs: np.ndarray, spans: list[tuple[int, int]]) -> None:
        self.hit = hit
        self.spans = spans
        self.vecs = vecs
        self.terms = frozenset(nlp.content_terms(hit.text)) | frozenset(nlp.content_terms(hit.title or ""))
        self.sent_terms = [frozenset(nlp.content_terms(hit.text[a:b])) for a, b in spans]
        self.numbers = _passage_numbers(hit)
        # Adjacent pairs: the sum of two unit vectors, normalised, stands for the pair.
        if len(spans) > 1:
            pairs = vecs[:-1] + vecs[1:]
            self.pair_vecs = nlp.normalize_rows(pairs)
        else:
            self.pair_vecs = np.zeros((0, vecs.shape[1] if vecs.ndim == 2 else 384), dtype=np.float32)


_NUMERIC_LABELS = {"DATE", "TIME", "ORDINAL", "CARDINAL", "PERCENT", "QUANTITY", "MONEY"}


def _claim_weights(claim: str) -> dict[str, float]:
    """Content-word stems of a claim; names (also a sentence's first word when NER says so) weigh 1.5."""
    weights = nlp.question_terms(claim)
    for text, label, _a, _b in nlp.entities([claim])[0]:
        if label in _NUMERIC_LABELS:
            continue
        for w in nlp.words(text):
            t = nlp.stem(w)
            if t in weights:
                weights[t] = max(weights[t], 1.5)
    return weights


def support(claim: str, claim_vec: np.ndarray, view: _PassageView) -> Support:
    """How well one passage supports one claim; see the module docstring for the rule."""
    weights = _claim_weights(claim)
    recall = nlp.weighted_recall(weights, view.terms)
    if view.vecs.shape[0]:
        sims = view.vecs @ claim_vec
        pair_sims = view.pair_vecs @ claim_vec if view.pair_vecs.shape[0] else np.zeros(0)
    else:
        sims, pair_sims = np.zeros(0), np.zeros(0)
    cos = float(max(sims.max(initial=-1.0), pair_sims.max(initial=-1.0))) if sims.size else 0.0

    # Evidence: the sentence (or adjacent pair) that best matches the claim, by meaning and words.
    evidence = None
    if sims.size:
        best, best_val = None, -9.0
        for i, (a, b) in enumerate(view.spans):
            val = 0.5 * float(sims[i]) + 0.5 * nlp.weighted_recall(weights, view.sent_terms[i])
            if val > best_val:
                best, best_val = (a, b), val
        single_val = best_val
        for i in range(len(view.spans) - 1):
            if best not in (view.spans[i], view.spans[i + 1]):
                continue
            val = 0.5 * float(pair_sims[i]) + 0.5 * nlp.weighted_recall(
                weights, view.sent_terms[i] | view.sent_terms[i + 1]
            )
            if val > max(best_val, single_val + 0.1):  # a pair must be clearly better than its best sentence
                best, best_val = (view.spans[i][0], view.spans[i + 1][1]), val
        evidence = best

    score = 0.5 * recall + 0.5 * max(cos, 0.0)
    missing = sorted(n for n in nlp.claim_numbers(claim) if n not in view.numbers)
    if missing:
        return Support(
            False, score, recall, cos, evidence, f"numbers not in the passage: {', '.join(missing)}"
        )
    # The claim's own words other than names: a short claim scores a low cosine against a long
    # sentence, but its descriptive words must then all but all be there.
    plain = {t: w for t, w in weights.items() if w < 1.5}
    plain_recall = nlp.weighted_recall(plain, view.terms) if plain else 1.0
    ok = (
        cos >= COS_ALONE
        or (recall >= RECALL_HIGH and cos >= COS_WITH_HIGH_RECALL)
        or (recall >= RECALL_MID and cos >= COS_WITH_MID_RECALL)
        or (recall >= RECALL_HIGH and plain_recall >= PLAIN_RECALL_SHORT and cos >= COS_SHORT)
    )
    reason = "" if ok else f"weak evidence (recall {recall:.2f}, cosine {cos:.2f})"
    return Support(ok, score, recall, cos, evidence, reason)


# ---------------------------------------------------------------------------------------------
# Verify


def verify(
    answer_text: str,
    passages: list[Hit],
    embedder: Any,
    *,
    doc_texts: dict[str, str] | None = None,
    question: str | None = None,
) -> VerifiedAnswer:
    """Check every sentence of ``answer_text`` against the passages it cites (``[n]`` is
    ``passages[n-1]``), re-cite or remove what is not supported, and renumber the markers.

    ``doc_texts`` (doc_id -> stored text), when given, is used to check and if need be correct
    the passages' offsets. ``question`` only words the abstention when nothing survives.
    """
    text = (answer_text or "").strip()
    sentences = split_answer(text)
    if not sentences:
        return VerifiedAnswer(text=_abstention(question), abstained=True)

    claims = [s for s in sentences if not is_abstention(s.text)]
    claim_vecs, views = _embed(claims, passages, embedder)
    verdicts, kept, abstention_sentence = _judge_sentences(sentences, claim_vecs, views)
    if not any(p for _t, p, _e in kept):
        return VerifiedAnswer(
            text=abstention_sentence or _abstention(question), verdicts=verdicts, abstained=True
        )

    text, citations = renumber(kept, passages, doc_texts)
    return VerifiedAnswer(text=text, citations=citations, verdicts=verdicts, abstained=False)


def _embed(
    claims: list[AnswerSentence], passages: list[Hit], embedder: Any
) -> tuple[dict[int, np.ndarray], list[_PassageView]]:
    """Each claim's vector (by ``id``) and one view per passage, all embedded in one batch."""
    spans = [nlp.split_sentences(h.text) for h in passages]
    all_texts = [claim_core(s.text) for s in claims] + [
        h.text[a:b] for h, sp in zip(passages, spans) for a, b in sp
    ]
    vecs = nlp.embed_cached(embedder, all_texts) if all_texts else np.zeros((0, 384), dtype=np.float32)
    claim_vecs = {id(s): vecs[i] for i, s in enumerate(claims)}
    views: list[_PassageView] = []
    pos = len(claims)
    for h, sp in zip(passages, spans):
        views.append(_PassageView(h, vecs[pos : pos + len(sp)], sp))
        pos += len(sp)
    return claim_vecs, views


def _judge_sentences(
    sentences: list[AnswerSentence], claim_vecs: dict[int, np.ndarray], views: list[_PassageView]
) -> tuple[list[SentenceVerdict], list[Kept], str | None]:
    """One verdict per sentence, the sentences kept, and the first abstention sentence (if any)."""
    verdicts: list[SentenceVerdict] = []
    kept: list[Kept] = []
    abstention_sentence: str | None = None
    for s in sentences:
        if is_abstention(s.text):
            abstention_sentence = abstention_sentence or s.text
            verdicts.append(
                SentenceVerdict(
                    sentence=s.text, cited=[], supported=False, action="kept", reason="abstention"
                )
            )
            kept.append((s.text, [], {}))
            continue
        verdict, keep = _judge_claim(s, claim_vecs[id(s)], views)
        verdicts.append(verdict)
        if keep is not None:
            kept.append(keep)
    return verdicts, kept, abstention_sentence


def _judge_claim(
    s: AnswerSentence, cv: np.ndarray, views: list[_PassageView]
) -> tuple[SentenceVerdict, Kept | None]:
    """The verdict on one claim and what is kept of it (None when it is removed)."""
    n_pass = len(views)
    valid = [n for n in s.cited if 1 <= n <= n_pass]
    invalid = [n for n in s.cited if not 1 <= n <= n_pass]
    notes = [f"invalid marker(s) {invalid}"] if invalid else []
    core = claim_core(s.text)
    results = {n - 1: support(core, cv, views[n - 1]) for n in valid}
    good = [i for i, r in results.items() if r.supported]
    if good:
        return _keep_cited(s, results, good, notes)
    # Not supported by what it cites (or cites nothing): look at every other passage.
    why = "; ".join(r.reason for r in results.values() if r.reason) or ("no citation" if not valid else "")
    others = {i: support(core, cv, views[i]) for i in range(n_pass) if i not in results}
    return _recite_or_remove(s, results, others, notes, why)


def _keep_cited(
    s: AnswerSentence, results: dict[int, Support], good: list[int], notes: list[str]
) -> tuple[SentenceVerdict, Kept]:
    """The "kept" verdict for a claim its own citations support, and the claim with only those."""
    dropped = [i + 1 for i in results if i not in good]
    if dropped:
        notes.append(f"dropped unsupporting citation(s) {dropped}")
    best = max(results[i].score for i in good)
    return _verdict(s, "kept", best, notes), (s.text, good, {i: results[i].evidence for i in good})


def _recite_or_remove(
    s: AnswerSentence,
    results: dict[int, Support],
    others: dict[int, Support],
    notes: list[str],
    why: str,
) -> tuple[SentenceVerdict, Kept | None]:
    """The "recited" verdict and the claim re-cited to the best other passage, or "removed" and None."""
    cands = [(r.score, i) for i, r in others.items() if r.supported]
    if cands:
        _score, i = max(cands)
        notes.append(f"re-cited to [{i + 1}]" + (f" ({why})" if why else ""))
        return _verdict(s, "recited", others[i].score, notes), (s.text, [i], {i: others[i].evidence})
    best_score = max((r.score for r in list(results.values()) + list(others.values())), default=0.0)
    notes.append("not supported by any passage" + (f" ({why})" if why else ""))
    return _verdict(s, "removed", best_score, notes), None


def _verdict(
    s: AnswerSentence, action: Literal["kept", "recited", "removed"], score: float, notes: list[str]
) -> SentenceVerdict:
    """The verdict on a cited claim: kept or re-cited claims are supported, removed ones are not."""
    return SentenceVerdict(
        sentence=s.text,
        cited=s.cited,
        supported=action != "removed",
        score=round(score, 4),
        action=action,
        reason="; ".join(notes),
    )


def _abstention(question: str | None) -> str:
    if question:
        from assistant.engines.extractive import abstention

        return abstention(question)
    return f"{ABSTAIN_SENTINEL}."


def check_claims(pairs: list[tuple[str, Hit]], embedder: Any) -> list[Support]:
    """``verify``'s sentence-level check for claims that each cite one passage (a brief's points):
    one ``Support`` per (claim, passage), all embedded in one batch."""
    if not pairs:
        return []
    spans = [nlp.split_sentences(h.text) for _c, h in pairs]
    cores = [claim_core(c) for c, _h in pairs]
    texts = cores + [h.text[a:b] for (_c, h), sp in zip(pairs, spans) for a, b in sp]
    vecs = nlp.embed_cached(embedder, texts)
    out = []
    pos = len(pairs)
    for i, ((_c, h), sp) in enumerate(zip(pairs, spans)):
        view = _PassageView(h, vecs[pos : pos + len(sp)], sp)
        pos += len(sp)
        out.append(support(cores[i], vecs[i], view))
    return out
