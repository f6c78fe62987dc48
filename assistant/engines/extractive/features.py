"""What the ranker knows about each candidate sentence: similarity to the question, term
coverage, position, freshness against the as-of date, the period check, and (``evidence``)
whether it names the kind of thing asked for. Each is a plain number; the weights are learned
(``ranking``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from assistant import nlp
from assistant.engines.extractive import dates
from assistant.engines.extractive.candidates import (
    LEANS_BACK,
    QuestionTerms,
    Sentence,
    coverage,
    distinct_top,
    term_weights,
)
from assistant.timeframe import Timeframe
from assistant.types import Hit

CLAUSE_LEX = 0.5  # the asking clause's own words' share of ``lex`` when a preamble sets the scene
LEAN_CREDIT = 0.8  # share of the previous sentence's lexical evidence a leaning sentence inherits


@dataclass
class Context:
    """One question's reading context, shared by the feature functions."""

    question: str
    qt: QuestionTerms
    weights: dict[str, float]
    passages: list[Hit]
    sents: list[Sentence]
    by_passage: dict[int, list[int]]
    passage_cov: list[tuple[float, float, float]]
    today: date | None
    frame: Timeframe | None
    period: tuple[date, date] | None


def context(
    question: str, qt: QuestionTerms, passages: list[Hit], sents: list[Sentence], today: date | None,
    frame: Timeframe | None,
) -> Context:
    weights = term_weights(qt.terms, sents)
    by_passage: dict[int, list[int]] = {}
    for j, s in enumerate(sents):
        by_passage.setdefault(s.hit, []).append(j)
    passage_terms = [
        frozenset().union(*(s.terms for s in sents if s.hit == i)) | frozenset(nlp.content_terms(h.title or ""))
        for i, h in enumerate(passages)
    ]
    cov = [coverage(qt.terms, qt.keys, pt) for pt in passage_terms]
    period = dates.recent_period(frame, today)
    return Context(question, qt, weights, passages, sents, by_passage, cov, today, frame, period)


def similarity(ctx: Context, embedder: Any, *, embed_all: bool = False) -> None:
    """Weighted term recall and cosine to the question, for each sentence and its best window (the
    sentence with a neighbour); a sentence leaning on the one before inherits its words. Only
    sentences sharing a word with the question, alone or with a neighbour, are embedded (the others
    keep cosine 0: they never become candidates), which halves the engine's time; ``embed_all``:
    every usable sentence, as the hand-set ranking (``rules``) was tuned with."""
    sents, qt = ctx.sents, ctx.qt
    clause_weights = {t: w for t, w in ctx.weights.items() if t in qt.clause_terms}
    for j, s in enumerate(sents):
        s.lex = nlp.weighted_recall(ctx.weights, s.terms)
        if clause_weights:
            s.lex = (1 - CLAUSE_LEX) * s.lex + CLAUSE_LEX * nlp.weighted_recall(clause_weights, s.terms)
        s.lex_win = max([s.lex] + [nlp.weighted_recall(ctx.weights, s.terms | sents[o].terms) for o in neighbours(ctx, j)])
        prev = neighbours(ctx, j, after=False)
        if prev and LEANS_BACK.match(s.text):
            s.lex = max(s.lex, LEAN_CREDIT * nlp.weighted_recall(ctx.weights, s.terms | sents[prev[0]].terms))
    embed_idx = [j for j, s in enumerate(sents) if s.usable and (embed_all or s.lex_win > 0)] or [
        j for j, s in enumerate(sents) if s.usable
    ]
    vecs = nlp.embed_cached(embedder, [ctx.question, qt.clause] + [sents[j].text for j in embed_idx])
    qv = vecs[0] if qt.clause == ctx.question else nlp.normalize_rows(vecs[0] + vecs[1])
    sv = np.zeros((len(sents), vecs.shape[1]), dtype=np.float32)
    sv[embed_idx] = vecs[2:]
    for j, s in enumerate(sents):
        s.cos = float(sv[j] @ qv)
        s.cos_win = s.cos
        for o in neighbours(ctx, j):
            v = sv[j] + sv[o]
            s.cos_win = max(s.cos_win, float(v @ qv) / max(float(np.linalg.norm(v)), 1e-9))


def neighbours(ctx: Context, j: int, *, before: bool = True, after: bool = True) -> list[int]:
    """Indices of the sentences just before and after sentence ``j`` in its passage."""
    idx = ctx.by_passage[ctx.sents[j].hit]
    k = ctx.sents[j].pos
    out = []
    if before and k > 0:
        out.append(idx[k - 1])
    if after and k + 1 < len(idx):
        out.append(idx[k + 1])
    return out


def prefilter(usable: list[Sentence], n: int) -> tuple[list[Sentence], list[int]]:
    """The ``n`` best distinct sentences by plain evidence (cosine plus term recall, unweighted),
    with their copies: the candidates the costlier features and the ranker look at."""
    ranked = sorted(usable, key=lambda s: -(s.cos + s.cos_win + s.lex + s.lex_win))
    return distinct_top(ranked, n)


def base_features(ctx: Context, cands: list[Sentence]) -> None:
    """The features that need no parse, into each candidate's ``features``."""
    usable = [s for s in ctx.sents if s.usable]
    max_cos = max(s.cos for s in usable)
    max_lex = max(s.lex for s in usable)
    n = len(ctx.passages)
    q_years = set(dates.YEAR.findall(ctx.question))
    copies: dict[str, set[str]] = {}
    for s in cands:
        copies.setdefault(" ".join(s.text.split()), set()).add(ctx.passages[s.hit].doc_id)
    fresh = dates.freshness(ctx.passages, ctx.period)
    for s in cands:
        h = ctx.passages[s.hit]
        cov_all, cov_key, cov_other = ctx.passage_cov[s.hit]
        s_years = set(dates.YEAR.findall(s.text))
        win_terms = s.terms.union(*(ctx.sents[o].terms for o in neighbours(ctx, s.idx)))
        age = (ctx.today - h.published).days if ctx.today and h.published else None
        s.features.update(
            cos=s.cos, cos_win=s.cos_win, cos_gap=s.cos - max_cos,
            lex=s.lex, lex_win=s.lex_win, lex_gap=s.lex - max_lex,
            cov_all=cov_all, cov_key=cov_key, cov_other=cov_other,
            win_key=coverage(ctx.qt.terms, ctx.qt.keys, win_terms)[1],
            rank=s.hit / max(n, 1), first_passage=float(s.hit == 0),
            pos=math.log1p(s.pos), doc_offset=math.log1p((h.start + s.start) / 1000),
            terminated=float(s.terminated), leans_back=float(bool(LEANS_BACK.match(s.text))),
            year_conflict=float(bool(q_years and s_years and not (s_years & q_years))),
            age=math.log1p(max(0, age)) if age is not None else 0.0, undated=float(age is None),
            fresh=fresh[s.hit], in_period=float(in_period(ctx, s)),
            words=math.log1p(len(nlp.words(s.text))), digits=float(any(c.isdigit() for c in s.text)),
            copies=math.log1p(len(copies[" ".join(s.text.split())]) - 1),
        )  # fmt: skip


def in_period(ctx: Context, s: Sentence) -> bool:
    """The sentence dates its event inside the recent period asked about ("on Oct. 14", "the
    second Monday of October"): news of that period whatever its article's date."""
    if ctx.period is None:
        return False
    published = ctx.passages[s.hit].published
    return any(ctx.period[0] <= d <= ctx.period[1] for d in dates.event_dates(s.text, published, ctx.period))
