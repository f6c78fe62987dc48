"""The second-stage rerank: its features on passages built here, and one search through a real index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant import Briefing
from index import rerank
from index.rerank_features import answer_score, constraint_scores, coverage, parse
from index.rerank_question import analyse
from index.search import _stem_word, anchor, fuse_rerank


def order(
    query: str, texts: list[str], dense: list[float] | None = None, bm25: list[float] | None = None
) -> list[int]:
    """Passage indexes, best first (equal retrieval scores unless given)."""
    q = analyse(query, _stem_word)
    s = rerank.scores(q, texts, dense or [0.8] * len(texts), bm25 or [5.0] * len(texts), stem=_stem_word)
    return sorted(range(len(texts)), key=lambda i: -s[i])


def constraints(query: str) -> list[tuple[str, int, str]]:
    return [(c.kind, c.value, c.head) for c in analyse(query).constraints]


# -- the question ------------------------------------------------------------------------------


def test_constraints_of_a_question() -> None:
    assert constraints("Which player won the women's singles at Wimbledon in 2019?") == [("year", 2019, "")]
    assert constraints("How much revenue did Tesla report for Q1 2021?") == [("year", 2021, ""), ("quarter", 1, "")]
    assert constraints("Tesla third-quarter revenue") == [("quarter", 3, "")]
    assert constraints("Grey's Anatomy Season 17 premiere") == [("number", 17, "season")]
    assert constraints("When was Diablo III released?") == [("number", 3, "diablo")]
    assert constraints("Which company bought 20th Century Fox?") == [("number", 20, "century")]
    counted = analyse("Which brand had at least 13 fires?").constraints
    assert [(c.value, c.head, c.ident) for c in counted] == [(13, "fires", False)]
    assert constraints("Who directed the film Avatar?") == []


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was GPT-3 released?", "date"),
        ("When did The Walking Dead Season 11 premiere?", "date"),
        ("How much did Google pay for YouTube?", "money"),
        ("What revenue did Tesla post in Q2 2020?", "money"),
        ("How many union workers at Boeing are on strike?", "number"),
        ("Where was the debate held?", "place"),
        ("Which country topped the medal table at the 2018 Winter Olympics?", "place"),
        ("Super Bowl 2021 location", "place"),
        ("Who was the winner of the 2019 Tour de France?", "name"),
        ("Which airline was fined $50 million?", "name"),
        ("What is the primary cause of the decline?", None),
    ],
)
def test_answer_type_of_a_question(question: str, kind: str | None) -> None:
    assert analyse(question).answer == kind


# -- constraints on passages -------------------------------------------------------------------


def test_the_asked_year_beats_near_identical_passages_about_other_years() -> None:
    texts = [
        "Angelique Kerber won the women's singles title at Wimbledon in 2018, beating Serena Williams.",
        "Ashleigh Barty won the women's singles title at Wimbledon in 2021, beating Karolina Pliskova.",
        "Simona Halep won the women's singles title at Wimbledon in 2019, beating Serena Williams.",
    ]
    assert order("Which player won the women's singles at Wimbledon in 2019?", texts)[0] == 2
    # ... even when the others look a little closer to the question
    assert order("Which player won the women's singles at Wimbledon in 2019?", texts, dense=[0.85, 0.84, 0.8])[0] == 2


def test_year_features() -> None:
    q = analyse("Wimbledon 2019 winner")
    met, against = constraint_scores(q, parse("Halep won Wimbledon in 2019."))
    assert (met, against) == (1.0, 0.0)
    assert constraint_scores(q, parse("Kerber won Wimbledon in 2018."))[1] == 1.0
    # a passage naming no year neither meets nor contradicts
    assert constraint_scores(q, parse("Halep won Wimbledon.")) == (0.0, 0.0)
    # a range holding the year is not a contradiction
    assert constraint_scores(q, parse("Winners between 1968 and 2022 are listed.")) == (
        0.0,
        0.0,
    )
    # a news dateline is the publication date: weak evidence for the year, never an answer
    dated = parse("Jul 13, 2019 ... Halep beats Serena Williams to win the title.")
    assert dated.dateline_year == 2019 and constraint_scores(q, dated) == (0.5, 0.0)
    assert answer_score(analyse("When did Halep win?"), dated) == 0.0


def test_quarter_names_match_their_short_forms() -> None:
    texts = [
        "Tesla reported revenue of $12.0 billion in Q2 2021, up from a year earlier.",
        "Tesla reported revenue of $5.99 billion in the first quarter of 2020.",
        "Tesla reported revenue of $10.4 billion in the first quarter of 2021.",
    ]
    assert order("How much revenue did Tesla report for Q1 2021?", texts)[0] == 2


def test_editions_ordinals_and_roman_numerals() -> None:
    seasons = [
        "Grey's Anatomy season 16 premiered on September 26, 2019 on ABC.",
        "The seventeenth season of Grey's Anatomy premiered November 12, 2020 on ABC.",
    ]
    assert order("On what date did Grey's Anatomy Season 17 premiere?", seasons)[0] == 1
    games = [
        "Diablo II was released on June 29, 2000 for Windows.",
        "Diablo III was released on May 15, 2012 for Windows and OS X.",
    ]
    assert order("When did Diablo 3 come out?", games)[0] == 1
    q = analyse("When was Xenoblade Chronicles 2 released?")
    other = parse("Xenoblade Chronicles 3 takes place in a new world.")
    assert constraint_scores(q, other) == (0.0, 1.0)


def test_answer_type_presence() -> None:
    when = [
        "Splatoon 2 is a third-person shooter game developed by Nintendo for the Switch.",
        "The game was released worldwide on July 21, 2017 for the Nintendo Switch.",
    ]
    assert order("On what date did Splatoon 2 come out?", when, dense=[0.85, 0.75])[0] == 1
    how_much = [
        "Google bought YouTube, the video-sharing site, in a deal announced in October.",
        "Google acquired YouTube for $1.65 billion in stock.",
    ]
    assert order("How much did Google pay for YouTube?", how_much, dense=[0.85, 0.8])[0] == 1
    q = analyse("When was OpenAI founded?")
    assert answer_score(q, parse("OpenAI was founded in December 2015.")) == 0.7
    assert answer_score(q, parse("OpenAI was founded on December 11, 2015.")) == 1.0


def test_consensus_of_documents_on_the_answer() -> None:
    texts = [
        "Serena Williams played the women's singles final at Wimbledon in 2019.",
        "Simona Halep took the women's singles title at Wimbledon in 2019.",
        "Simona Halep beat Serena Williams in the women's singles final at Wimbledon in 2019.",
        "Simona Halep, the women's singles champion at Wimbledon in 2019, came back.",
    ]
    q = analyse("Which player won the women's singles at Wimbledon in 2019?", _stem_word)
    dense, bm25 = [0.84, 0.8, 0.8, 0.8], [5.0] * 4
    alone = rerank.scores(q, texts, dense, bm25, rerank.Weights(consensus=0), _stem_word)
    assert alone.argmax() == 0
    agreed = rerank.scores(q, texts, dense, bm25, stem=_stem_word)
    assert agreed.argmax() in (1, 2, 3)  # three documents name Halep, two Williams
    votes = rerank.consensus(q, texts, alone, None, 1.0)
    assert votes[1] == votes[3] == 1.0 and votes[0] < 1.0
    # passages of one document are one voice: with the 2nd and 3rd from one document, the
    # one naming Williams weighs as much as the two naming Halep
    grouped = rerank.consensus(q, texts, alone, ["a", "b", "b", "c"], 1.0)
    assert grouped[0] == 1.0


def test_answer_candidates_meet_across_writings() -> None:
    when = analyse("On what date did Splatoon 2 come out?")
    dates = [
        parse(t)
        for t in ("Released on July 21, 2017.", "Out 21 July 2017 worldwide.", "In Jul. 2017.")
    ]
    assert [rerank.answer_candidates(when, p) for p in dates] == [{"2017-07-21"}, {"2017-07-21"}, {"2017-07"}]
    much = analyse("How much did Google pay for YouTube?")
    a = rerank.answer_candidates(much, parse("Google paid $1.65 billion for it."))
    b = rerank.answer_candidates(much, parse("It cost 1.65 billion dollars."))
    assert a == b == {"1.65e+09"}


def test_coverage_weighs_rare_words() -> None:
    q = analyse(
        "Nobel literature prize", _stem_word, idf=lambda t: 5.0 if t == "literatur" else 1.0
    )
    rare = coverage(q, parse("The literature laureate was announced."), _stem_word)
    common = coverage(q, parse("The Nobel prize was announced."), _stem_word)
    assert rare > common > 0


def test_rerank_keeps_order_without_signals() -> None:
    texts = ["alpha beta", "gamma delta", "epsilon zeta"]
    assert order("something else entirely", texts, dense=[0.9, 0.7, 0.5], bm25=[0.0, 0.0, 0.0]) == [0, 1, 2]
    assert len(rerank.scores(analyse("x"), [], [], [])) == 0


# -- the rerank's order as a third ranker (weighted RRF) -----------------------------------------


def _rrf(ranks: list[int | None], k: int = 60) -> float:
    return sum(1 / (k + r) for r in ranks if r)


def test_fusion_lets_the_rerank_decide_among_first_stage_favourites() -> None:
    # candidates in first-stage order: (dense rank, BM25 rank)
    fused = [_rrf([1, 2]), _rrf([2, 1]), _rrf([3, 4]), _rrf([25, None]), _rrf([None, 30])]
    rescored = [0.2, 0.1, 0.9, 0.5, 0.3]  # the rerank prefers the third
    order = np.argsort(-fuse_rerank(fused, rescored, 0.5, 10), kind="stable")
    assert order[0] == 2
    assert list(np.argsort(-fuse_rerank(fused, rescored, 0.0, 10), kind="stable")) == [0, 1, 2, 3, 4]
    # a very large weight is the rerank's order alone
    assert list(np.argsort(-fuse_rerank(fused, rescored, 1e6, 10), kind="stable")) == [2, 3, 4, 0, 1]


def test_fusion_keeps_a_passage_both_retrievers_rank_first_in_the_top_five() -> None:
    n = 40
    fused = [_rrf([1, 1])] + [_rrf([i + 1, None]) for i in range(1, n)]
    rescored = np.linspace(1.0, 0.0, n)
    rescored[0] = rescored[15] + 1e-3  # the features misjudge it: 15th of 40
    top5 = np.argsort(-fuse_rerank(fused, rescored, 0.5, 10), kind="stable")[:5]
    assert 0 in top5
    assert 0 not in np.argsort(-fuse_rerank(fused, rescored, 1e6, 10), kind="stable")[:5]


def test_each_retrievers_best_passage_is_kept_within_the_anchor_depth() -> None:
    ranked = [(f"c{i}", {"score": 1.0 - i / 10}) for i in range(10)]
    out = anchor([(c, dict(e)) for c, e in ranked], ["c8", "c1", "c6"], 5)
    # c1 is already in view; c6 and c8 take the window's last places in their ranked order
    assert [c for c, _ in out] == ["c0", "c1", "c2", "c6", "c8", "c3", "c4", "c5", "c7", "c9"]
    scores = [e["score"] for _, e in out]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert [c for c, _ in anchor(ranked, ["c8"], 0)] == [c for c, _ in ranked]  # 0: off
    assert anchor(ranked, ["c2"], 5) is ranked  # nothing to move


def test_shrunk_weights_scale_the_features_not_the_cosine() -> None:
    w = rerank.DEFAULT_WEIGHTS
    assert w.shrunk(1.0) is w
    half = w.shrunk(0.5)
    assert half.answer == w.answer / 2 and half.consensus == w.consensus / 2 and half.dense == w.dense
    texts = ["Simona Halep won Wimbledon in 2019.", "Wimbledon is a tennis tournament in London."]
    q = analyse("Who won Wimbledon in 2019?", _stem_word)
    s = rerank.scores(q, texts, [0.7, 0.8], [5.0, 5.0], w.shrunk(0.0), _stem_word)
    assert s.argmax() == 1  # features off: the cosine alone
    assert rerank.scores(q, texts, [0.7, 0.8], [5.0, 5.0], w, _stem_word).argmax() == 0


# -- through a real index ------------------------------------------------------------------------


def test_search_through_a_real_index_prefers_the_asked_year(make_settings, tmp_path: Path) -> None:
    years = {2018: "Angelique Kerber", 2019: "Simona Halep", 2021: "Ashleigh Barty", 2022: "Elena Rybakina"}
    recs = [
        {
            "id": f"w{y}",
            "title": f"Wimbledon {y}",
            "text": f"{who} won the women's singles title at Wimbledon in {y}, taking the trophy on Centre Court.",
            "source": "tennis" if y != 2022 else "other",
        }
        for y, who in years.items()
    ]
    path = tmp_path / "in" / "recs.jsonl"
    path.parent.mkdir()
    path.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    b = Briefing(make_settings(embedding_backend="torch"))
    assert b.ingest([str(path)]).count("added") == 4
    hits = b.search("Which player won the women's singles at Wimbledon in 2019?", k=4)
    assert hits[0].doc_id == "w2019" and hits[0].title == "Wimbledon 2019"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    by_id = {r["id"]: r["text"] for r in recs}
    assert all(h.text.endswith(by_id[h.doc_id]) and (h.start, h.end) == (0, len(h.text)) for h in hits)  # headline first
    # filters still apply, and the rerank can be switched off
    assert {h.doc_id for h in b.search("Wimbledon 2022 winner", sources=["tennis"])} == {
        "w2018",
        "w2019",
        "w2021",
    }
    off = Briefing(make_settings(embedding_backend="torch", rerank=False))
    assert {h.doc_id for h in off.search("Who won Wimbledon in 2019?", k=4)} == {f"w{y}" for y in years}
