"""The extractive engine weighing its sources: the place where something happened, lists that name
one kind of thing, one vote per document, fresher sources for recent questions. Real spaCy and
the real embedding model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant import nlp
from assistant.config import Settings
from assistant.engines.extractive import ExtractiveEngine, date_detail, dates, event_dates
from assistant.engines.extractive.candidates import Sentence as _Sent
from assistant.engines.extractive.dates import recent_period
from assistant.engines.extractive.entities import entity_votes as _entity_votes
from assistant.engines.extractive.entities import locative as _locative
from assistant.engines.extractive.entities import mislabelled as _mislabelled
from assistant.timeframe import resolve_timeframe
from assistant.types import Hit


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> ExtractiveEngine:
    from index.embeddings import get_embedder

    settings = Settings(data_dir=tmp_path_factory.mktemp("sources"), model_cache_dir=model_cache)
    return ExtractiveEngine(settings, embedder=get_embedder(settings))


def _hit(n: int, text: str, title: str = "", published: date | None = None) -> Hit:
    return Hit(
        chunk_id=f"s:{n}", doc_id=f"s{n}", start=0, end=0, score=1.0 / (n + 1), text=text, title=title,
        published=published,
    )  # fmt: skip


def test_where_wants_the_place_where_it_happened(engine: ExtractiveEngine) -> None:
    """A place named otherwise than as where something happened, here a person NER took for a
    place inside a list of people, does not answer "where"."""
    title = "The Riverside Dance Gala is back"
    hits = [
        _hit(0, "The Riverside Dance Gala will showcase veteran ballerinas, including Paris, Clara Holm, Dani Roe, "
                "Maria Lund and Yuki Sato.", title),
        _hit(1, "The gala, which returns after four years, is slated to be streamed Friday night from Lisbon.",
             title),
    ]  # fmt: skip
    q = "The Riverside Dance Gala returned this week after a four-year break. Where did the gala take place?"
    draft = engine.answer(q, hits)
    assert "Lisbon" in draft.text, draft
    assert "Paris" not in draft.text


def test_locative_role() -> None:
    def loc(text: str, name: str) -> bool:
        ent = next(e for e in nlp.entities([text])[0] if e[0] == name)
        return _locative(nlp.parse(text), ent)

    assert loc("The gala will be streamed from Lisbon.", "Lisbon")
    assert loc("Harris held a town hall in Delaware County, Pennsylvania, on Wednesday.", "Pennsylvania")
    assert not loc("Pennsylvania is widely regarded as the most important battleground.", "Pennsylvania")


def test_a_list_names_one_kind_of_thing() -> None:
    text = "The gala will showcase veteran ballerinas, including Lima, Clara Holm, Anna Petrova, Maria Lund and Yuki Sato."
    ents = nlp.entities([text])[0]
    assert any(e[0] == "Lima" and e[1] != "PERSON" for e in ents)  # what the NER makes of it
    assert {e[0] for e in _mislabelled(text, ents)} == {"Lima"}
    alone = "Harris will be in Pennsylvania on Wednesday with Anderson Cooper."
    assert _mislabelled(alone, nlp.entities([alone])[0]) == set()


def _sent(score: float) -> _Sent:
    return _Sent(hit=0, start=0, end=0, text="", terms=frozenset(), usable=True, score=score)


def test_a_document_votes_once() -> None:
    """One article seen in three overlapping passages is one source; two articles are two."""
    top = [_sent(0.8), _sent(0.8), _sent(0.8), _sent(0.6), _sent(0.6)]
    found = [["Lima"], ["Lima"], ["Lima"], ["New York"], ["New York City"]]
    votes = _entity_votes(top, found, ["a", "a", "a", "b", "c"])
    assert votes["new york"] == 1.0
    assert votes["lima"] == pytest.approx(0.8 / 1.2)


def test_fresher_sources_count_more_for_recent_questions(engine: ExtractiveEngine) -> None:
    today = date(2024, 10, 25)
    hits = [
        _hit(0, "x", published=date(2024, 10, 22)),
        _hit(1, "y", published=date(2024, 6, 1)),
        _hit(2, "z"),
    ]

    def freshness(question: str, as_of: date | None) -> list[float] | None:
        period = recent_period(resolve_timeframe(question, as_of), as_of) if as_of else None
        return None if period is None else dates.freshness(hits, period)

    fresh = freshness("Which company recently recalled its lemonade?", today)
    assert fresh is not None
    assert fresh[0] == 1.0 and fresh[2] == 1.0
    assert fresh[1] < 0.25
    assert freshness("Which company recalled its lemonade?", today) is None
    assert freshness("Which company recently recalled its lemonade?", None) is None
    # Sources that agree still win, but old ones count for less against a recent one.
    top = [_sent(0.8), _sent(0.8), _sent(0.7)]
    votes = _entity_votes(top, [["30,000"], ["30,000"], ["33,000"]], ["old1", "old2", "new"], None,
                          [fresh[1], fresh[1], fresh[0]])  # fmt: skip
    assert votes["33 000"] == 1.0 > votes["30 000"]


def test_event_dates_named_in_a_sentence() -> None:
    period = (date(2024, 10, 11), date(2024, 10, 18))
    # a recurring date falls in the period's year; a plain day in its article's year
    assert event_dates("Harvest Day is on the second Monday of October.", date(2023, 10, 16), period) == [
        date(2024, 10, 14)
    ]
    assert event_dates("It opened Oct. 14 and closed on 20 October, 2022.", date(2023, 5, 1), period) == [
        date(2023, 10, 14),
        date(2022, 10, 20),
    ]
    assert event_dates("The last Thursday in November.", None, period) == [date(2024, 11, 28)]
    assert event_dates("Officials may 5 times a year say Feb. 30.", None, period) == []


def test_a_sentence_dating_its_event_in_the_period_is_news_of_the_period(engine: ExtractiveEngine) -> None:
    """Both sentences come from year-old articles; only one says its event falls this week."""
    old = date(2023, 10, 16)
    hits = [
        _hit(0, "Harvest Day is celebrated in Denmark and other countries, with a long shared lunch.", "", old),
        _hit(1, "In Norway, Harvest Day is celebrated on the second Monday of October.", "", old),
        _hit(2, "Harvest Day in Denmark is a day for family, music and lantern walks.", "", date(2024, 8, 1)),
    ]  # fmt: skip
    q = "Which country marked Harvest Day this week?"
    assert "Norway" in engine.answer(q, hits, today=date(2024, 10, 18)).text
    # in a week without that Monday, the sentence is no news of the period
    assert "Norway" not in engine.answer(q, hits, today=date(2024, 11, 29)).text


def test_when_prefers_the_date_that_states_more(
    engine: ExtractiveEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [round(date_detail(d), 2) for d in ("April 29, 2015", "April 29", "2015", "last week")] == [
        1.0,
        0.67,
        0.33,
        1.0,
    ]
    hits = [
        _hit(0, "OpenAI was founded in 2015 as a non-profit research lab by Elon Musk and Sam Altman."),
        _hit(1, "OpenAI was founded in December 2015 as a non-profit research lab by Elon Musk and Sam Altman."),
    ]  # fmt: skip
    assert "December 2015" in engine.answer("When was OpenAI founded?", hits).text
    monkeypatch.setattr("assistant.engines.extractive.evidence.date_detail", lambda span: 1.0)
    assert "December 2015" not in engine.answer("When was OpenAI founded?", hits).text
