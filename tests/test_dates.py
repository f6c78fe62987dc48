"""Relative time against a fixed as-of date, and date-aware answers over a real index."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant import Briefing
from assistant.timeframe import resolve_timeframe

AS_OF = date(2024, 10, 3)  # a Thursday


@pytest.mark.parametrize(
    ("question", "since", "until"),
    [
        ("What happened today in Gaza?", date(2024, 10, 3), date(2024, 10, 3)),
        ("Who resigned yesterday?", date(2024, 10, 2), date(2024, 10, 2)),
        ("Which workers went on strike this week?", date(2024, 9, 26), date(2024, 10, 3)),
        ("What did the court decide last week?", date(2024, 9, 19), date(2024, 9, 26)),
        ("Who won the election last month?", date(2024, 9, 1), date(2024, 9, 30)),
        ("What was announced on Monday?", date(2024, 9, 30), date(2024, 9, 30)),
        ("Which state recently banned food dyes?", date(2024, 9, 2), date(2024, 10, 3)),
    ],
)
def test_relative_time_resolves_against_the_as_of_date(question: str, since: date, until: date) -> None:
    frame = resolve_timeframe(question, AS_OF)
    assert frame is not None and (frame.since, frame.until) == (since, until)


def test_questions_without_relative_time_have_no_period() -> None:
    assert resolve_timeframe("Who won the 2019 Wimbledon final?", AS_OF) is None
    assert resolve_timeframe("How many weekly reports were filed?", AS_OF) is None


def test_last_month_in_january_is_december() -> None:
    frame = resolve_timeframe("What happened last month?", date(2025, 1, 15))
    assert (frame.since, frame.until) == (date(2024, 12, 1), date(2024, 12, 31))


@pytest.fixture
def dated(briefing: Briefing, tmp_path: Path) -> Briefing:
    recs = [
        {
            "id": "old",
            "title": "Dockworkers strike (2022)",
            "source": "wire",
            "published": "2022-06-10",
            "text": "Dockworkers at the Atlantic ports went on strike over automation. The union represents 20,000 dockworkers.",
        },
        {
            "id": "new",
            "title": "Port strike begins",
            "source": "wire",
            "published": "2024-10-01",
            "text": "Port workers on the East and Gulf Coasts went on strike on Tuesday over automation and wages. The union represents 45,000 port workers.",
        },
        {
            "id": "later",
            "title": "Port strike ends",
            "source": "wire",
            "published": "2024-10-12",
            "text": "The port workers' strike over automation ended after the union won a 62 percent raise for its 45,000 port workers.",
        },
    ]
    f = tmp_path / "news.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    assert briefing.ingest([str(f)]).count("added") == 3
    return briefing


def test_this_week_prefers_sources_from_that_week(dated: Briefing) -> None:
    a = dated.ask("How many workers does the union on strike this week represent?", as_of=AS_OF)
    assert not a.abstained
    assert a.citations[0].doc_id == "new" and "45,000" in a.answer
    assert (a.since, a.until) == (date(2024, 9, 26), AS_OF)
    assert a.citations[0].published == date(2024, 10, 1)


def test_sources_published_after_the_as_of_date_are_not_used(dated: Briefing) -> None:
    a = dated.ask("What raise did the port workers win?", as_of=AS_OF)
    assert all(h.doc_id != "later" for h in a.passages)
    b = dated.ask("What raise did the port workers win?", as_of="2024-10-20")
    assert any(h.doc_id == "later" for h in b.passages) and "62" in b.answer


def test_an_older_source_is_flagged_not_presented_as_news_of_the_period(dated: Briefing) -> None:
    dated.remove("new")
    a = dated.ask("How many dockworkers does the union on strike this week represent?", as_of=AS_OF)
    assert not a.abstained and "20,000" in a.answer
    assert a.citations[0].doc_id == "old"
    assert a.notes and "before the period asked about" in a.notes[0] and "2022-06-10" in a.notes[0]


def test_explicit_since_until_win_over_relative_time(dated: Briefing) -> None:
    a = dated.ask(
        "How many workers does the union on strike this week represent?",
        as_of=AS_OF,
        since="2022-01-01",
        until="2022-12-31",
    )
    assert {h.doc_id for h in a.passages} == {"old"}
    assert (a.since, a.until) == (date(2022, 1, 1), date(2022, 12, 31))


def test_without_a_period_recent_sources_are_preferred(briefing: Briefing, tmp_path: Path) -> None:
    recs = [
        {
            "id": f"y{year}",
            "title": f"Harvest report {year}",
            "source": "wire",
            "published": f"{year}-10-01",
            "text": f"The wheat harvest in the northern region reached {n} million tonnes, officials said.",
        }
        for year, n in ((2019, 11), (2021, 12), (2024, 14))
    ]
    (tmp_path / "h.jsonl").write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    briefing.ingest([str(tmp_path / "h.jsonl")])
    hits = briefing.retrieve("How large was the wheat harvest in the northern region?", as_of="2024-10-05")
    assert [h.doc_id for h in hits] == ["y2024", "y2021", "y2019"]
