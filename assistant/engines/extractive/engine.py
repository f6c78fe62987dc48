"""The extractive engine's phases, in order: candidates -> features -> ranking (hand-set or learned)
-> abstain or compose."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from assistant import nlp
from assistant.engines import causes
from assistant.engines.base import Draft, register
from assistant.engines.extractive import ranking, reader
from assistant.engines.extractive import rules as hand
from assistant.engines.extractive.candidates import Sentence, question_terms, split
from assistant.engines.extractive.compose import abstention, compose
from assistant.engines.extractive.entities import VAGUE_HEADS
from assistant.engines.extractive.evidence import evidence
from assistant.engines.extractive.features import Context, base_features, context, prefilter, similarity
from assistant.engines.extractive.followup import condense

if TYPE_CHECKING:
    from assistant.chain import AskState
    from assistant.config import Settings
    from assistant.timeframe import Timeframe
    from assistant.types import Hit, Turn

CANDIDATES = 30  # distinct sentences the ranker sees (by plain evidence; the rest never answer)
UNRESOLVED = object()
YES_NO = re.compile(
    r"^\W*(is|are|was|were|do|does|did|has|have|had|will|would|can|could|should)\b", re.IGNORECASE
)
YES_NO_POOL = 5  # a yes/no question's answer: the best of this many candidates by its own words
RULES = frozenset({"other_entity", "pair", "yes_no"})
"""Rules beside either ranking, each with its gain on train in bench/README.md:
``other_entity``: abstain when an amount asked about one named thing is only found in a sentence
naming another of its kind; ``pair``: add a second sentence when the pair is better evidence;
``yes_no``: a yes/no question is answered by a sentence that says it in its own words."""


@register("extractive")
class ExtractiveEngine:
    """Quotes the passage sentences that answer, ranked by hand-set weights or a model learned on news
    quizzes (``settings.extractive_ranking``)."""

    name = "extractive"

    def __init__(
        self,
        settings: Settings,
        embedder: Any = None,
        *,
        rules: frozenset[str] = RULES,
        complete: reader.Complete | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self.rules = rules
        self._ranker: ranking.Ranker | None = None
        self._complete = complete

    @property
    def complete(self) -> reader.Complete:
        """The reading model's call (``settings.extractive_reader``), loaded on first use."""
        if self._complete is None:
            self._complete = reader.model_call(self.settings)
        return self._complete

    @property
    def ranker(self) -> ranking.Ranker:
        if self._ranker is None:
            hybrid = self.settings.extractive_ranking == "hybrid"
            self._ranker = ranking.load(ranking.HYBRID_MODEL_PATH if hybrid else ranking.MODEL_PATH)
        return self._ranker

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from index.embeddings import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    # -- Engine protocol ----------------------------------------------------------------------

    def draft(self, state: AskState) -> Draft:
        return self.answer(state.standalone, state.passages, today=state.as_of, frame=state.frame)

    def stream(
        self, question: str, passages: list[Hit], history: list[Turn], *, today: date | None = None
    ) -> Iterator[str]:
        yield self.answer(question, passages, today=today).text

    def condense(self, question: str, history: list[Turn]) -> str:
        return condense(question, history)

    # -- the work -------------------------------------------------------------------------------

    def answer(
        self, question: str, passages: list[Hit], *, today: date | None = None, frame: Any = UNRESOLVED
    ) -> Draft:
        """Choose the answer sentences (or abstain) and say why; ``today`` is the as-of date and
        ``frame`` the period the question names as the chain resolved it (resolved here only for
        a direct call that does not give it)."""
        if frame is UNRESOLVED:
            from assistant.timeframe import resolve_timeframe

            frame = resolve_timeframe(question, today) if today else None
        question = question.strip()
        if not passages or not question:
            return Draft(abstention(question), True, reason="no passages")
        mode = self.settings.extractive_ranking
        ctx, usable = reading_context(question, passages, today, frame, self.embedder, embed_all=mode != "learned")
        if not usable:
            return Draft(abstention(question), True, reason="no usable sentences")
        rank = {"rules": self._rules, "learned": self._learned, "hybrid": self._hybrid}[mode]
        ranked, best, reason = rank(ctx, usable)
        if "yes_no" in self.rules and YES_NO.match(nlp.question_clause(question)):
            # "Did X ...?": the sentence that itself says it, not a neighbour riding on its window.
            best = max(ranked[:YES_NO_POOL], key=lambda s: s.cos + s.lex)
        elif self.settings.extractive_reader and not reason:
            best = reader.choose(question, ranked, self.complete)  # every ranking returns its best first
        if not reason and "other_entity" in self.rules and best.features.get("other_entity"):
            reason = "the amount found is about another named thing than the question's"
        if reason:
            return Draft(abstention(question), True, support=best.score, reason=reason)
        max_sentences = self.settings.max_answer_sentences if "pair" in self.rules else 1
        chosen = compose(best, ctx.sents, nlp.answer_types(question), ranked if _asks_thing(question) else [], max_sentences)
        return Draft(
            " ".join(f"{s.text} [{s.hit + 1}]" for s in chosen),
            False,
            support=best.score,
            sentences=[(s.hit + 1, s.start, s.end) for s in chosen],
        )

    def _rules(self, ctx: Context, usable: list[Sentence]) -> tuple[list[Sentence], Sentence, str]:
        """The hand-set ranking: candidates by base score, answer-type evidence on the 20 best, the best
        sentence of a passage about the question's subject, the coverage gates and the threshold."""
        rule_candidates(ctx, usable)
        ranked = sorted(usable, key=lambda s: -s.score)
        covered = [s for s in ranked if not hand.uncovered(ctx, s)] or ranked
        best = covered[0]
        threshold = self.settings.abstain_threshold
        threshold = hand.ABSTAIN_THRESHOLD if threshold is None else threshold
        reason = hand.gate_reason(ctx, best)
        if not reason and best.score < threshold:
            reason = f"support {best.score:.2f} under threshold {threshold:.2f}"
        return covered, best, reason

    def _learned(self, ctx: Context, usable: list[Sentence]) -> tuple[list[Sentence], Sentence, str]:
        """The learned ranking: the model's probability that each candidate holds the answer, the
        model's threshold."""
        return self._by_model(learned_candidates(ctx, usable))

    def _hybrid(self, ctx: Context, usable: list[Sentence]) -> tuple[list[Sentence], Sentence, str]:
        """The hand-set ranking's candidates re-ranked by a model that reads its score beside the
        features; the model's threshold."""
        return self._by_model(hybrid_candidates(ctx, usable))

    def _by_model(self, top: list[Sentence]) -> tuple[list[Sentence], Sentence, str]:
        for s, p in zip(top, self.ranker.probabilities(top)):
            s.score = float(p)
        ranked = sorted(top, key=lambda s: -s.score)
        threshold = self.settings.abstain_threshold
        threshold = self.ranker.threshold if threshold is None else threshold
        reason = f"support {ranked[0].score:.2f} under threshold {threshold:.2f}" if ranked[0].score < threshold else ""
        return ranked, ranked[0], reason


def learned_candidates(ctx: Context, usable: list[Sentence]) -> list[Sentence]:
    """The learned ranker's candidates: the 30 best distinct sentences by plain evidence, with their
    features (also what ``bench/train_reader.py`` learns from)."""
    top, distinct = prefilter(usable, CANDIDATES)
    best_plain = max(s.cos + s.cos_win + s.lex + s.lex_win for s in top) or 1.0
    for s in top:  # the weight of a sentence's vote for the entity it names
        s.score = max(0.0, (s.cos + s.cos_win + s.lex + s.lex_win) / best_plain)
    base_features(ctx, top)
    evidence(ctx, top, distinct)
    return top


def rule_candidates(ctx: Context, usable: list[Sentence]) -> list[Sentence]:
    """The hand-set scores of every usable sentence, with the answer-type evidence on its
    ``rules.CANDIDATES`` best distinct ones, which it returns."""
    hand.base_scores(ctx, usable)
    top, distinct = hand.candidates(usable)
    base_features(ctx, top)
    evidence(ctx, top, distinct)
    hand.add_evidence(top)
    return top


def hybrid_candidates(ctx: Context, usable: list[Sentence]) -> list[Sentence]:
    """The hand-set ranking's ``rules.CANDIDATES`` best distinct sentences with their features and
    its verdict on each (``ranking.RULE_FEATURES``; also what ``bench/train_reader.py --ranking
    hybrid`` learns from)."""
    top = rule_candidates(ctx, usable)
    best = max(s.score for s in top)
    for r, s in enumerate(sorted(top, key=lambda s: -s.score)):
        s.features.update(
            rule_score=s.score, rule_gap=s.score - best, rule_rank=math.log1p(r),
            uncovered=float(hand.uncovered(ctx, s)),
        )  # fmt: skip
    return top


def reading_context(
    question: str, passages: list[Hit], today: date | None, frame: Timeframe | None, embedder: Any, *, embed_all: bool
) -> tuple[Context, list[Sentence]]:
    """The question's reading context with every sentence's similarity, and the usable sentences."""
    sents = split(passages)
    ctx = context(question, question_terms(question), passages, sents, today, frame)
    usable = [s for s in sents if s.usable]
    if usable:
        similarity(ctx, embedder, embed_all=embed_all)
    return ctx, usable


def _asks_thing(question: str) -> bool:
    """Whether the question asks for an entity, a kind of a noun or a cause (a second sentence naming
    it may join an answer that does not)."""
    if nlp.answer_types(question) or causes.asks_cause(question):
        return True
    focus = nlp.question_focus(question)[0]
    return bool(focus) and focus not in VAGUE_HEADS
