"""Sources that disagree on the asked value: found, said in a cited and verified sentence, typed on
the Answer, shown by the CLI. Real spaCy, the real embedding model, real Chroma."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant import Briefing, conflicts
from assistant.config import Settings
from assistant.types import Hit
from assistant.verification import claim_core, verify


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    from index.embeddings import get_embedder

    return get_embedder(Settings(data_dir=tmp_path_factory.mktemp("conflicts"), model_cache_dir=model_cache))


def _hit(n: int, text: str, published: date | None = None, doc: str | None = None) -> Hit:
    return Hit(
        chunk_id=f"c:{n}", doc_id=doc or f"d{n}", start=0, end=len(text), score=1.0 / (n + 1), text=text,
        published=published,
    )  # fmt: skip


FERRY = [
    _hit(0, "The new ferry line between Harwick and Olden Bay carried 212 passengers on its first crossing."),
    _hit(1, "Port staff said the new ferry line between Harwick and Olden Bay carried 180 passengers on its first crossing."),
    _hit(2, "The harbour cafe in Harwick opened a second room for ferry travellers."),
]  # fmt: skip
QUESTION = "How many passengers did the new ferry line carry on its first crossing?"
DRAFT = f"{FERRY[0].text} [1]"


def test_another_documents_value_is_found_with_its_passage() -> None:
    [found] = conflicts.find(QUESTION, DRAFT, FERRY)
    assert found.value == "180" and found.passage == 1
    assert found.preferred == "212" and found.reason == "draft"
    assert "180" in found.sentence and found.sentence.endswith("[2].")


def test_sources_that_agree_or_talk_about_something_else_are_no_conflict() -> None:
    agree = [FERRY[0], _hit(1, "On its first crossing the new ferry line carried 212 passengers, port staff said.")]
    assert conflicts.find(QUESTION, DRAFT, agree) == []
    assert conflicts.find(QUESTION, DRAFT, [FERRY[0], FERRY[2]]) == []
    # the same document saying something else is not another source
    same_doc = [FERRY[0], _hit(1, FERRY[1].text, doc="d0")]
    assert conflicts.find(QUESTION, DRAFT, same_doc) == []
    # a question that asks for no typed value
    assert conflicts.find("Why did the ferry line open?", DRAFT, FERRY) == []


def test_a_fresher_source_leads() -> None:
    dated = [
        _hit(0, FERRY[0].text, published=date(2025, 3, 1)),
        _hit(1, FERRY[1].text, published=date(2025, 3, 9)),
    ]
    [found] = conflicts.find(QUESTION, DRAFT, dated)
    assert found.reason == "fresher" and found.preferred == "180"
    text, _ = conflicts.annotate(QUESTION, DRAFT, dated)
    assert text.startswith(conflicts.LEADS["fresher"])


def test_the_added_sentence_passes_the_citation_check(embedder) -> None:
    text, found = conflicts.annotate(QUESTION, DRAFT, FERRY)
    assert claim_core(found[0].sentence).startswith('"')
    v = verify(text, FERRY, embedder)
    assert not v.abstained and all(vd.action == "kept" for vd in v.verdicts), v.verdicts
    [c] = conflicts.resolve(found, FERRY, v.citations, v.text)
    assert (c.value, c.doc_id, c.preferred) == ("180", "d1", "212")
    assert v.citations[c.n - 1].doc_id == "d1"


def test_the_answer_lists_conflicts_and_the_cli_shows_them(
    make_settings, tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recs = [
        {"id": "port-1", "title": "Ferry line opens", "published": "2025-03-01", "source": "harbour-news",
         "text": FERRY[0].text + " The crossing took ninety minutes in calm weather."},
        {"id": "port-2", "title": "Ferry line opens to crowds", "published": "2025-02-20", "source": "coast-daily",
         "text": FERRY[1].text + " Tickets for the spring season sold out within a week."},
    ]  # fmt: skip
    path = tmp_path / "in" / "ferry.jsonl"
    path.parent.mkdir()
    path.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    settings = make_settings()
    b = Briefing(settings)
    assert b.ingest([str(path)]).count("added") == 2
    a = b.ask(QUESTION)
    assert not a.abstained and "212" in a.answer, a.answer
    [c] = a.conflicts
    assert (c.value, c.doc_id, c.preferred, c.reason) == ("180", "port-2", "212", "draft")
    assert a.citations[c.n - 1].doc_id == "port-2" and f"[{c.n}]" in a.answer
    assert a.public_json()["conflicts"][0]["value"] == "180"

    from assistant.cli import main

    monkeypatch.setenv("BRIEFING_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BRIEFING_MODEL_CACHE_DIR", str(settings.model_cache_dir))
    assert main(["ask", QUESTION]) == 0
    assert f"Conflict: [{c.n}] gives '180'; the answer prefers '212'" in capsys.readouterr().out
    assert main(["ask", QUESTION, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conflicts"][0]["doc_id"] == "port-2"


def test_the_conflict_takes_the_place_of_an_extra_sentence_not_of_the_answer() -> None:
    extra = (
        " The crossing took ninety minutes in calm weather and the crew reported no delays at either"
        " harbour, which pleased the operators and the local council alike. [1]"
    )
    text, [found] = conflicts.annotate(QUESTION, DRAFT + extra, FERRY)
    assert len(text) <= conflicts.ANSWER_CHARS
    assert "212 passengers" in text and "ninety minutes" not in text and found.sentence in text


def test_a_value_put_in_the_place_of_the_drafts_is_a_conflict_even_unlabelled() -> None:
    """The other sentence says the same word for word but for the value, and shares another value
    of the draft (the owner's name): the aligned words give the other value, whatever NER says."""
    question = "Who bought the Harbourview ferry company?"
    draft = "The Harbourview ferry company, run by Elena Markovic, was bought by Northwind Shipping in 2019. [1]"
    passages = [
        _hit(0, "The Harbourview ferry company, run by Elena Markovic, was bought by Northwind Shipping in 2019."),
        _hit(1, "Mar 3, 2021 ... The Harbourview ferry company, run by Elena Markovic, was bought by Bluewake in 2019."),
    ]
    [found] = conflicts.find(question, draft, passages)
    assert found.value == "Bluewake" and found.passage == 1
    # the same sentence with the same value agrees
    same = [passages[0], _hit(1, passages[0].text)]
    assert conflicts.find(question, draft, same) == []


def test_a_weekday_is_no_date_and_months_compare_by_number() -> None:
    """A weekday alone ("Friday") places nothing on the calendar: it neither agrees nor disagrees;
    "Mar" and "March" are one month, so the year is what differs."""
    question = "When does the Harbour Festival open?"
    draft = "Harbour Festival dates ; Friday March 7, 2025 · opening parade ; Saturday March 8, 2025 · lantern walk"
    other = "Harbour Festival dates ; Friday Mar 7, 2024 · opening parade ; Saturday Mar 8, 2024 · lantern walk"
    [found] = conflicts.find(question, f"{draft} [1]", [_hit(0, draft), _hit(1, other)])
    assert found.value == "2024" and found.passage == 1
    same_day = other.replace("2024", "2025")
    assert conflicts.find(question, f"{draft} [1]", [_hit(0, draft), _hit(1, same_day)]) == []


def test_the_same_statement_with_another_value_is_a_conflict_whatever_the_question_asks() -> None:
    """A question that asks for no typed value ("What is the best-selling novel ...?"): another
    source saying the draft's sentence with another name in one place disagrees; punctuation
    between words ("2019,..." / "2019, ...") and a dateline do not count against it; a value the
    recogniser labels on the other side only still counts."""
    question = "What is the best-selling novel of 2019?"
    draft = "The Quiet Harbour by Ana Lind topped the charts of 2019,..."
    other = "Salt and Iron by Ana Lind topped the charts of 2019, ..."
    [found] = conflicts.find(question, f"{draft} [1]", [_hit(0, draft), _hit(1, other)])
    assert (found.value, found.preferred) == ("Salt and Iron", "The Quiet Harbour")
    headline = "Olden Rowers End the Season in a Familiar Place: On Top."
    dated = "Nov 2, 2019 ... Harwick Sailing Club End the Season in a Familiar Place: On Top. Olden Rowers won two cups."
    [found] = conflicts.find(question, f"{headline} [1]", [_hit(0, headline), _hit(1, dated)])
    assert found.value == "Harwick Sailing Club" and found.passage == 1


def test_a_row_that_ends_otherwise_is_not_the_same_statement() -> None:
    """Sharing a name and nothing else in its place is no substitution: a table row of winners does
    not dispute the draft's final with its country."""
    question = "Who won the Harbour Regatta final?"
    draft = "Mira Olsen lost to Tomas Berg on Saturday in the Harbour Regatta final. [1]"
    table = "Harbour Regatta finals ; 2021, Ana Lind (Norway), Mira Olsen (Sweden)"
    passages = [_hit(0, draft[:-4]), _hit(1, table)]
    assert [f.value for f in conflicts.find(question, draft, passages)] == []
