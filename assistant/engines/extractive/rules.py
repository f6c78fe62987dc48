"""The hand-set ranking (today's engine, kept while the learned ranker does not beat it on unseen
news; see bench/README.md): the features of ``features`` and ``evidence`` combined by fixed weights.

``base = 0.40*cos + 0.15*cos_win + 0.30*lex + 0.10*lex_win + 0.05*rank prior``, ``- 0.15`` for a line
that does not end like a sentence or names only other years than the question's, times
``0.5 + 0.5*coverage`` (the passage's share of the question's terms); ``- 0.1`` for another kind of
a compound noun of the question; ``+ 0.1`` for a date inside the recent period asked about; then on
the 20 best distinct sentences what the question asks for: ``+ 0.2 * strength * vote`` for an entity
of the asked-for type (``- 0.08`` without one), ``+ 0.15 * vote`` for a kind of the asked-for noun,
``+ 0.2 * (0.2 + 0.8*anchor)`` for a cause (``- 0.08`` without one). The best sentence of a passage
holding the question's names and words answers; the gates and ``ABSTAIN_THRESHOLD`` decide
abstention.
"""

from __future__ import annotations

from assistant import nlp
from assistant.engines.extractive import dates
from assistant.engines.extractive.candidates import Sentence, distinct_top
from assistant.engines.extractive.entities import other_kind
from assistant.engines.extractive.evidence import ANCHOR_FLOOR, compounds_to_check
from assistant.engines.extractive.features import Context, in_period

W_COS, W_COS_WIN, W_LEX, W_LEX_WIN, W_RANK = 0.40, 0.15, 0.30, 0.10, 0.05
UNTERMINATED_PENALTY = 0.15
YEAR_CONFLICT_PENALTY = 0.15
OTHER_KIND_PENALTY = 0.1  # "spring allergies" for a question about "fall allergies"
IN_PERIOD_BONUS = 0.1  # a sentence dating its event inside the recent period asked about
TYPE_BONUS, TYPE_PENALTY = 0.2, 0.08
FOCUS_BONUS = 0.15  # a sentence naming a kind of the asked-for noun ("which workers" -> "port workers")
CANDIDATES = 20  # distinct sentences whose entities are read
MIN_KEY_COVERAGE = 0.5  # share of the question's names/numbers the chosen passage must hold
MIN_TERM_COVERAGE = 0.5  # share of the question's other content words (weighted)
GATE_COS = 0.55  # missing question words are forgiven when the meaning matches this well
ABSTAIN_THRESHOLD = 0.35  # least score that answers: chosen on train (bench/abstain_threshold.py; was 0.45, set on dev)


def base_scores(ctx: Context, usable: list[Sentence]) -> None:
    """Each usable sentence's score before the answer-type evidence."""
    n = len(ctx.passages)
    q_years = set(dates.YEAR.findall(ctx.question))
    for s in usable:
        base = W_COS * s.cos + W_COS_WIN * s.cos_win + W_LEX * s.lex + W_LEX_WIN * s.lex_win
        base += W_RANK * (1.0 - s.hit / max(n, 1))
        if not s.terminated:
            base -= UNTERMINATED_PENALTY
        s_years = set(dates.YEAR.findall(s.text)) if q_years else set()
        if s_years and not (s_years & q_years):  # "Who won Wimbledon in 2021?": another year, another event
            base -= YEAR_CONFLICT_PENALTY
        s.score = base * (0.5 + 0.5 * ctx.passage_cov[s.hit][0])
    compounds = compounds_to_check(ctx.question, nlp.answer_types(ctx.question))
    if compounds:
        for s in sorted(usable, key=lambda s: -s.score)[:CANDIDATES]:
            if other_kind(s, compounds):
                s.score -= OTHER_KIND_PENALTY
    if ctx.period is not None:
        for s in usable:
            if in_period(ctx, s):
                s.score += IN_PERIOD_BONUS


def candidates(usable: list[Sentence]) -> tuple[list[Sentence], list[int]]:
    """The best ``CANDIDATES`` distinct sentences by base score, with their copies."""
    return distinct_top(sorted(usable, key=lambda s: -s.score), CANDIDATES)


def add_evidence(top: list[Sentence]) -> None:
    """The answer-type bonus or penalty, from the evidence features."""
    for s in top:
        f = s.features
        if f.get("q_typed"):
            s.score += TYPE_BONUS * f["strength"] * f["vote"] if f["typed"] else -TYPE_PENALTY
        elif f.get("q_focus") and f["focus_typed"]:
            s.score += FOCUS_BONUS * f["focus_vote"]
        elif f.get("q_cause"):
            anchored = ANCHOR_FLOOR + (1 - ANCHOR_FLOOR) * f["cause_anchor"]
            s.score += TYPE_BONUS * anchored if f["cause_typed"] else -TYPE_PENALTY


def uncovered(ctx: Context, s: Sentence) -> bool:
    """Whether the passage of ``s`` misses the question's names, or its terms while ``s`` and its
    neighbours do not match the question's meaning either (the abstention gates)."""
    _all, key_cov, term_cov = ctx.passage_cov[s.hit]
    return key_cov < MIN_KEY_COVERAGE or (term_cov < MIN_TERM_COVERAGE and s.cos_win < GATE_COS)


def gate_reason(ctx: Context, best: Sentence) -> str:
    """Why the passage of ``best`` cannot answer (it is about something else), or ""."""
    _all, key_cov, term_cov = ctx.passage_cov[best.hit]
    if ctx.qt.keys and key_cov < MIN_KEY_COVERAGE:
        return f"names of the question missing from the passage (coverage {key_cov:.2f})"
    if term_cov < MIN_TERM_COVERAGE and best.cos_win < GATE_COS:
        return f"question terms missing from the passage (coverage {term_cov:.2f})"
    return ""
