"""The extractive engine's phases, in order: candidates -> features -> learned ranking -> abstain
or compose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from assistant import nlp
from assistant.engines.base import Draft, register
from assistant.engines.extractive import ranking
from assistant.engines.extractive.candidates import Sentence, question_terms, split
from assistant.engines.extractive.compose import abstention, compose
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
"""Rules kept beside the learned ranker, each with its gain on train in bench/README.md:
``other_entity``: abstain when an amount asked about one named thing is only found in a sentence
naming another of its kind; ``pair``: add a second sentence when the pair is better evidence;
``yes_no``: a yes/no question is answered by a sentence that says it in its own words."""


@register("extractive")
class ExtractiveEngine:
    """Quotes the passage sentences that answer, chosen by a ranker learned on news quizzes."""

    name = "extractive"

    def __init__(self, settings: Settings, embedder: Any = None, *, rules: frozenset[str] = RULES) -> None:
        self.settings = settings
        self._embedder = embedder
        self.rules = rules
        self._ranker: ranking.Ranker | None = None

    @property
    def ranker(self) -> ranking.Ranker:
        if self._ranker is None:
            self._ranker = ranking.load()
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

    def candidates(
        self, question: str, passages: list[Hit], today: date | None, frame: Timeframe | None
    ) -> tuple[list[Sentence], Context | None]:
        """The candidate sentences with their features (empty when no sentence may answer)."""
        sents = split(passages)
        usable = [s for s in sents if s.usable]
        if not usable:
            return [], None
        ctx = context(question, question_terms(question), passages, sents, today, frame)
        similarity(ctx, self.embedder)
        top, distinct = prefilter(usable, CANDIDATES)
        best = max(s.cos + s.cos_win + s.lex + s.lex_win for s in top) or 1.0
        for s in top:  # the weight of a sentence's vote for the entity it names
            s.score = max(0.0, (s.cos + s.cos_win + s.lex + s.lex_win) / best)
        base_features(ctx, top)
        evidence(ctx, top, distinct)
        return top, ctx

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
        top, ctx = self.candidates(question, passages, today, frame)
        if not top or ctx is None:
            return Draft(abstention(question), True, reason="no usable sentences")
        for s, p in zip(top, self.ranker.probabilities(top)):
            s.score = float(p)
        ranked = sorted(top, key=lambda s: -s.score)
        best = ranked[0]
        if "yes_no" in self.rules and YES_NO.match(nlp.question_clause(question)):
            # "Did X ...?": the sentence that itself says it, not a neighbour riding on its window.
            best = max(ranked[:YES_NO_POOL], key=lambda s: s.cos + s.lex)
        reason = self.abstain_reason(best)
        if reason:
            return Draft(abstention(question), True, support=best.score, reason=reason)
        max_sentences = self.settings.max_answer_sentences if "pair" in self.rules else 1
        chosen = compose(best, ctx.sents, ranked, max_sentences)
        return Draft(
            " ".join(f"{s.text} [{s.hit + 1}]" for s in chosen),
            False,
            support=best.score,
            sentences=[(s.hit + 1, s.start, s.end) for s in chosen],
        )

    def abstain_reason(self, best: Sentence) -> str:
        """Why the best candidate is no answer, or ""."""
        threshold = self.settings.abstain_threshold
        if threshold is None:
            threshold = self.ranker.threshold
        if best.score < threshold:
            return f"support {best.score:.2f} under threshold {threshold:.2f}"
        if "other_entity" in self.rules and best.features.get("other_entity"):
            return "the amount found is about another named thing than the question's"
        return ""
