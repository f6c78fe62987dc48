"""Briefs on the sample corpus: structure, citations that resolve and pass the check, the empty
period, the diff against the previous brief, storage, rendering and the CLI (real Chroma, real model)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant import Briefing
from assistant.briefs import select
from assistant.briefs.render import count_words, to_html, to_markdown
from assistant.cli import main
from assistant.config import Settings
from assistant.errors import BriefingError, EmptyPeriodError, InputError, NotFoundError
from assistant.types import Brief
from assistant.verification import check_claims

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assistant" / "sample"
FOLLOWUP = ROOT / "tests" / "data" / "brief_followup.txt"
DAY = date(2024, 11, 2)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Briefing:
    """The sample corpus published on DAY, in its own index (briefs are stored there)."""
    b = Briefing(Settings(data_dir=tmp_path_factory.mktemp("briefs"), model_cache_dir=model_cache))
    assert b.ingest([str(SAMPLE)], published=DAY).ok
    return b


@pytest.fixture(scope="module")
def day_brief(sample: Briefing) -> Brief:
    return sample.brief(date=DAY, as_of=DAY + timedelta(days=1))


def _all_text(brief: Brief) -> str:
    return "\n".join(t for t, _c in brief.cited_points())


def test_brief_of_the_sample_day_covers_its_four_developments(day_brief: Brief) -> None:
    text = _all_text(day_brief).lower()
    assert "drone" in text and "kyiv" in text  # the Kyiv drone attack
    assert "north korean" in text and "8,000" in text  # the North Korean troops
    assert "$425 million" in text  # the US aid package
    assert "nuclear" in text  # Medvedev's nuclear warning
    assert 3 <= len(day_brief.bottom_line) <= 5
    assert day_brief.sections and all(s.points for s in day_brief.sections)
    assert (day_brief.since, day_brief.until) == (DAY, DAY)
    assert day_brief.words <= 800


def test_key_figures_hold_the_seed_numbers_each_cited_to_a_passage_stating_it(day_brief: Brief) -> None:
    figures = {f.value.removeprefix("roughly ").strip(): f for f in day_brief.key_figures}
    for value in ("71", "39", "8,000", "$425 million"):
        assert value in figures, sorted(figures)
        assert value in figures[value].citation.quote
    assert "intercept" in figures["39"].counts and "drones" in figures["39"].counts
    assert "soldiers" in figures["8,000"].counts


def test_a_key_figure_counts_something_a_rank_or_a_score_is_none() -> None:
    from assistant.briefs import facts
    from assistant.briefs.material import _sentence

    def found(text: str) -> list[tuple[str, str]]:
        return [(f.value, f.counts) for f in facts.figures([_sentence("d", text, 0, len(text), 0)], limit=10)]

    assert found("To put it simply, Harbour's 7-0 win over Eastport United was a rout.") == []
    assert found(
        "The Hawks' road to the title saw them beat No. 8 Eastport in the quarterfinals, and 12,000 fans watched the final."
    ) == [("12,000", "fans watched")]
    # what it counts is written as the sentence writes it, modifiers whole
    assert found("Divers raised 40 well-preserved timbers from the Eastport harbour floor.") == [
        ("40", "well-preserved timbers raised")
    ]
    assert found("Almost 97% of voting-age residents of Eastport live near a polling place.")[0][1].startswith(
        "voting-age residents"
    )


def test_every_citation_resolves_to_the_stored_text_and_passes_the_check(
    sample: Briefing, day_brief: Brief
) -> None:
    text = sample.document(day_brief.sources[0].doc_id).text
    points = day_brief.cited_points()
    assert len(points) > 10
    for _t, cits in points:
        for c in cits:
            assert text[c.start : c.end] == c.quote
            assert c.n == 1 and c.published == DAY
    sentences = [(p.text, p.citations[0]) for p in day_brief.bottom_line + day_brief.sections[0].points]
    from assistant.briefs.draft import as_hit

    verdicts = check_claims([(t, as_hit(c)) for t, c in sentences], sample.embedder)
    assert all(v.supported for v in verdicts)
    names = {a.name for a in day_brief.actors}
    assert {"Volodymyr Zelenskyy", "Dmitry Medvedev", "Kyiv"} <= names
    assert all(a.name in a.citation.quote for a in day_brief.actors)


def test_a_false_claim_fails_the_same_check(sample: Briefing, day_brief: Brief) -> None:
    from assistant.briefs.draft import as_hit

    c = next(f.citation for f in day_brief.key_figures if f.value == "39")
    verdict = check_claims([("Ukraine intercepted 40 of the 71 drones.", as_hit(c))], sample.embedder)[0]
    assert not verdict.supported and "40" in verdict.reason


def test_brief_serialises_in_one_call_and_renders_escaped_html(day_brief: Brief) -> None:
    data = day_brief.model_dump(mode="json")
    assert Brief.model_validate(json.loads(json.dumps(data))) == day_brief
    md = to_markdown(day_brief)
    assert "## Key figures" in md and "## Sources" in md and "[1]" in md
    html = to_html(day_brief)
    assert "Zelenskyy" in html and "’" in html and 'href="#src-1"' in html
    hostile = day_brief.model_copy(deep=True)
    hostile.bottom_line[0].text = "<script>alert(1)</script>"
    assert "<script>" not in to_html(hostile) and "&lt;script&gt;" in to_html(hostile)


def test_max_words_bounds_the_brief(sample: Briefing) -> None:
    short = sample.brief(date=DAY, max_words=120, save=False)
    assert short.words <= 120 == short.max_words
    assert short.bottom_line and count_words(short) == short.words
    for words in (0, 30):  # 0 is a length too, not "the default"
        with pytest.raises(BriefingError, match=f"--max-words {words} is too short"):
            sample.brief(date=DAY, max_words=words, save=False)
    with pytest.raises(BriefingError, match="--max-words 5001 is too long for a brief; give at most 5000"):
        sample.brief(date=DAY, max_words=5001, save=False)


def test_default_period_is_the_day_before_as_of(sample: Briefing) -> None:
    b = sample.brief(as_of=DAY + timedelta(days=1), save=False)
    assert (b.since, b.until) == (DAY, DAY)


def test_a_period_is_days_of_the_calendar_up_to_the_as_of_date(sample: Briefing) -> None:
    before = len(sample.briefs())
    for kwargs, said in [
        ({"date": "2024-13-01"}, "not a date: '2024-13-01' \\(month must be in 1..12\\)"),
        ({"since": "2023-02-29"}, "not a date: '2023-02-29' \\(day is out of range for month\\)"),
        ({"date": DAY, "as_of": DAY - timedelta(days=1)}, "the period ends 2024-11-02, after the as-of date 2024-11-01"),
        ({"since": DAY, "as_of": DAY - timedelta(days=3)}, "the period ends 2024-11-02, after the as-of date 2024-10-30"),
    ]:
        with pytest.raises(InputError, match=said):
            sample.brief(**kwargs)
    assert len(sample.briefs()) == before
    b = sample.brief(date=DAY, as_of=DAY, save=False)  # a day is briefed on the day itself too
    assert (b.since, b.until) == (DAY, DAY)


def test_empty_period_is_an_error_not_an_empty_draft(sample: Briefing) -> None:
    with pytest.raises(EmptyPeriodError, match="no documents between 2024-10-01 and 2024-10-07"):
        sample.brief(since="2024-10-01", until="2024-10-07")
    with pytest.raises(EmptyPeriodError, match="no documents between"):
        sample.brief(date=DAY, sources=["nowhere"])


def test_inferred_dates_are_counted_in_the_notes(seeded: Briefing) -> None:
    doc = seeded.documents()[0]
    assert doc.published_inferred
    b = seeded.brief(date=doc.published, save=False)
    assert any("1 of the 1 documents had inferred dates" in n for n in b.notes)
    assert b.sources[0].published_inferred


def test_briefs_are_stored_listed_and_reopened(sample: Briefing, day_brief: Brief) -> None:
    path = sample.settings.briefs_path / f"{day_brief.id}.json"
    assert path.is_file() and not list(path.parent.glob("*.tmp"))
    assert day_brief.id in [i.id for i in sample.briefs()]
    assert sample.get_brief(day_brief.id) == day_brief
    with pytest.raises(NotFoundError, match="no brief with id"):
        sample.get_brief("../../etc/passwd")


def test_next_brief_marks_a_changed_figure_updated_with_both_citations(sample: Briefing, day_brief: Brief) -> None:
    next_day = DAY + timedelta(days=1)
    assert sample.ingest([str(FOLLOWUP)], published=next_day).ok
    b = sample.brief(date=next_day)
    assert b.diff is not None and b.diff.previous_id == day_brief.id
    change = next(c for c in b.diff.updated if "drones" in c.counts)
    assert (change.old.value, change.new.value) == ("39", "45")
    assert "39" in change.old.citation.quote and change.old.citation.doc_id == day_brief.sources[0].doc_id
    assert "45" in change.new.citation.quote and change.new.citation.published == next_day
    assert any(f.status == "updated" for f in b.key_figures)
    # the old development is no longer covered; its citation stays resolvable in the source list
    assert b.diff.dropped and {c.n for p in b.diff.dropped for c in p.citations} <= {s.n for s in b.sources}
    assert "Updated: " in to_markdown(b) and "39 [" in to_markdown(b)


def test_the_last_brief_to_compare_with_is_a_recent_one_of_the_scope(day_brief: Brief, tmp_path: Path) -> None:
    """A daily brief follows the day's before it (or Friday's on a Monday), a weekly one last week's;
    a brief of a month ago is no "last brief", nor one of another scope."""
    from assistant.briefs.storage import BriefStore
    from assistant.types import BriefScope

    store = BriefStore(tmp_path)
    store.save(day_brief)
    scope, day = day_brief.scope, day_brief.until

    def previous(since: int, until: int, scope: BriefScope = scope) -> str | None:
        b = store.previous(scope, day + timedelta(days=since), day + timedelta(days=until))
        return b.id if b else None

    assert previous(1, 1) == previous(3, 3) == previous(7, 13) == day_brief.id
    assert previous(4, 4) is None and previous(8, 14) is None and previous(30, 36) is None
    assert previous(1, 1, BriefScope(topic="harbour")) is None


def test_cli_brief_show_and_list(sample: Briefing, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(sample.settings.data_dir))
    monkeypatch.setenv("BRIEFING_MODEL_CACHE_DIR", str(sample.settings.models_dir))
    assert main(["brief", "--date", "2020-01-01"]) == 1
    assert "no documents between 2020-01-01 and 2020-01-01" in capsys.readouterr().err
    assert main(["brief", "--date", str(DAY), "--format", "json", "--topic", "drone attack on Kyiv"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope"]["topic"] == "drone attack on Kyiv" and data["bottom_line"]
    assert main(["briefs"]) == 0
    assert data["id"] in capsys.readouterr().out
    assert main(["brief", "--show", data["id"], "--format", "html"]) == 0
    assert capsys.readouterr().out.startswith('<article class="brief">')
    assert main(["brief", "--show", data["id"], "--date", str(DAY), "--max-words", "100"]) == 2
    assert "--show reopens a stored brief as it was drafted; drop --date, --max-words" in capsys.readouterr().err
    # --out: a file in an existing folder, checked before drafting; nothing stored is lost
    before = len(sample.briefs())
    for out, said in [(tmp_path / "no" / "b.md", "has no folder"), (tmp_path, "is a folder")]:
        assert main(["brief", "--date", str(DAY), "--out", str(out)]) == 2
        assert said in capsys.readouterr().err and len(sample.briefs()) == before
    assert main(["brief", "--date", str(DAY), "--out", str(tmp_path / "b.md")]) == 0
    assert (tmp_path / "b.md").read_text().startswith("# Brief: ") and len(sample.briefs()) == before + 1


def test_llm_engine_rewrites_sections_and_the_same_check_removes_an_unsupported_claim(
    sample: Briefing,
) -> None:
    try:
        from tests.openai_server import serve
    except ImportError:  # run from inside tests/
        from openai_server import serve

    seen: list[str] = []

    def script(messages: list[dict], _request: object) -> str:
        seen.append(messages[-1]["content"])
        return (
            "Air defenses intercepted 39 of the 71 drones [1]. Ukraine shot down 60 drones over Kyiv [1]. "
            "Of the 71 drones, air defenses intercepted 39 [1]."  # the first point again, restated
        )

    with serve(script) as server:
        b = Briefing(sample.settings.model_copy(update={"openai_base_url": server.base_url, "model": "m"}))
        brief = b.brief(date=DAY, engine="openai", save=False)
    assert brief.engine == "openai" and seen and "Source sentences:" in seen[0]
    rewritten = [p for s in brief.sections for p in s.points]
    assert any(p.text == "Air defenses intercepted 39 of the 71 drones." for p in rewritten)
    assert not any("60" in p.text for p in rewritten)  # not in the cited sentence: removed
    assert not any(p.text.startswith("Of the 71 drones") for p in rewritten)  # a repeat: left out
    for p in rewritten:
        assert p.citations and p.citations[0].quote in sample.document(p.citations[0].doc_id).text


def test_clause_units_drop_the_frame_and_keep_exact_offsets() -> None:
    from assistant.briefs.material import _sentence, clause_units

    text = (
        "Intro line here. On Tuesday, the Harbour Council approved a 12-mile tramway for Eastport; "
        "work on the line starts in May next year, officials said."
    )
    start = text.index("On Tuesday")
    s = _sentence("d", text, start, len(text), 1)
    units = {u.text: u for u in clause_units(s, text)}
    assert "the Harbour Council approved a 12-mile tramway for Eastport" in units
    assert "work on the line starts in May next year" in units  # without the attribution
    for u in units.values():
        assert text[u.start : u.end] == u.text and u.span == (s.start, s.end) and u.n_words < s.n_words
        assert u.facts  # a unit states a name or a number
    # the phrase left out may hold what a pronoun refers to: "he said ..." is no unit of its own
    text = "When owner Ada Quist was awarded the Eastport franchise, he said his goal was a title by 2030."
    s = _sentence("d", text, 0, len(text), 1)
    assert not [u for u in clause_units(s, text) if u.text.lower().startswith("he ")]


def test_a_clause_point_cites_its_whole_sentence_with_the_clause_as_evidence(day_brief: Brief) -> None:
    clauses = [
        c for _t, cits in day_brief.cited_points() for c in cits if (c.evidence_start, c.evidence_end) != (c.start, c.end)
    ]
    assert clauses or not select.Weights().units, "the sample brief uses no clause unit"
    for c in clauses:
        assert c.start <= c.evidence_start < c.evidence_end <= c.end and c.evidence in c.quote


def test_a_headline_first_line_is_a_candidate_point_and_the_lead_keeps_its_place() -> None:
    import numpy as np

    from assistant.briefs.material import Doc, candidate_sentences
    from index.loaders import with_headline
    from index.types import DocumentInfo

    title = "Harbour Council approves Eastport tramway"
    text, head = with_headline(title, "The Harbour Council approved a 12-mile tramway for Eastport on Tuesday.")
    assert head == len(title) + 2 and text.startswith(title + "\n\n")
    assert with_headline(title, text) == (text, 0)  # a text that begins with its title keeps it once
    info = DocumentInfo.model_construct(doc_id="d1", title=title)
    sents = candidate_sentences(Doc(info=info, text=text, vec=np.zeros(3, dtype=np.float32)))
    assert [(s.text, s.headline, s.pos) for s in sents] == [
        (title, True, 0),
        ("The Harbour Council approved a 12-mile tramway for Eastport on Tuesday.", False, 0),
    ]


def test_a_point_stands_alone_a_question_a_back_reference_or_a_factless_line_does_not() -> None:
    """A key point is read without its article: a headline that asks, a sentence that opens with a
    pronoun, a demonstrative, a speaker's "I" or a conjunction, a piece of a quotation split over
    sentences, one that speaks to the reader ("You can ride ...", not a speaker's "you"), or one that
    names nothing and counts nothing is not a candidate."""
    import numpy as np

    from assistant.briefs.material import Doc, candidate_sentences
    from index.loaders import with_headline
    from index.types import DocumentInfo

    title = "What channel is the Harbour Cup final on?"
    body = (
        "The Harbour Council approved a 12-mile tramway for Eastport on Tuesday. "
        "It will open to riders in the spring after three years of work. "
        "\u201cI didn't think it would ever be built,\u201d one rider said of the Eastport line. "
        "Nobody expected the vote to be this close in the end. "
        "But the Eastport line still needs 40 more drivers before it opens. "
        "That would make Eastport the third town on the coast with a tram. "
        "So the Eastport line will run 20 trams an hour at its busiest. "
        "Which is why Eastport ordered 24 trams from Harwick Works. "
        "You can ride the Eastport tram for free until 1 June. "
        "\u201cYou will see 20 trams an hour,\u201d Eastport's transport chief Ana Ruiz told the council. "
        "This week, Eastport also hired 12 tram drivers. "
        "\u201cThe Harbour Council has waited 30 years for this. "
        "Eastport finally gets its tram,\u201d Mayor Ines Duarte said. "
        "Mayor Ines Duarte said the first trams would run along the harbour front."
    )
    text, _ = with_headline(title, body)
    info = DocumentInfo.model_construct(doc_id="d1", title=title)
    sents = candidate_sentences(Doc(info=info, text=text, vec=np.zeros(3, dtype=np.float32)))
    assert [(s.text, s.headline, s.pos) for s in sents] == [
        ("The Harbour Council approved a 12-mile tramway for Eastport on Tuesday.", False, 0),
        ("\u201cYou will see 20 trams an hour,\u201d Eastport's transport chief Ana Ruiz told the council.", False, 1),
        ("This week, Eastport also hired 12 tram drivers.", False, 2),
        ("Mayor Ines Duarte said the first trams would run along the harbour front.", False, 3),
    ]


def test_a_headline_point_leaves_out_the_site_name_after_a_bar_and_one_to_the_reader_is_none() -> None:
    import numpy as np

    from assistant.briefs.material import Doc, candidate_sentences
    from index.loaders import with_headline
    from index.types import DocumentInfo

    for title, point in [
        ("Harbour Council approves Eastport tramway | The Harbour Times", "Harbour Council approves Eastport tramway"),
        ("Live | Harbour Council approves Eastport tramway", "Live | Harbour Council approves Eastport tramway"),
    ]:
        text, _ = with_headline(title, "The Harbour Council approved a 12-mile tramway for Eastport on Tuesday.")
        info = DocumentInfo.model_construct(doc_id="d1", title=title)
        [head, _lead] = candidate_sentences(Doc(info=info, text=text, vec=np.zeros(3, dtype=np.float32)))
        assert head.headline and head.text == point == text[head.start : head.end]
    title = "Ten things you need to know about the Eastport tramway"  # service copy, not a development
    text, _ = with_headline(title, "The Harbour Council approved a 12-mile tramway for Eastport on Tuesday.")
    info = DocumentInfo.model_construct(doc_id="d1", title=title)
    assert [s.headline for s in candidate_sentences(Doc(info=info, text=text, vec=np.zeros(3, dtype=np.float32)))] == [False]


def test_first_run_ingests_the_sample_dated_its_day_so_its_brief_can_be_drafted(make_settings, capsys) -> None:
    from assistant.cli_service import sample_if_empty

    b = Briefing(make_settings())
    report = sample_if_empty(b)
    assert report is not None and report.ok and "ingesting the sample corpus" in capsys.readouterr().out
    [doc] = b.documents()
    assert str(doc.published) == "2024-11-02" and not doc.published_inferred
    assert sample_if_empty(b) is None and len(b.documents()) == 1  # not again once there are documents
    assert "Kyiv" in to_markdown(b.brief(date="2024-11-02", save=False))


def test_what_to_watch_leaves_out_a_day_over_by_the_brief_and_a_second_copy() -> None:
    """A day the source names ("Wednesday" in Monday's paper, "Oct. 9") is read from its published
    date; a brief that ends after it does not list it. A date without its day ("next month")
    cannot be over. Two outlets' copies of one sentence are one item. The list is a calendar."""
    from assistant.briefs import facts
    from assistant.briefs.material import _sentence

    lines = [
        "The Harbour Council will vote on the Eastport tramway on Wednesday.",
        "The Eastport ferry will resume its crossings on Oct. 9, the operator said.",
        "The Harbour Council will set the Eastport tramway fares next month.",
        "The Westbury bridge will reopen on Oct. 21 after repairs.",
    ]
    copy = "The Westbury bridge will reopen on Oct. 21 after repairs."
    text = " ".join(lines)
    sents = [_sentence("d1", text, text.index(line), text.index(line) + len(line), i) for i, line in enumerate(lines)]
    sents.append(_sentence("d2", copy, 0, len(copy), 0))
    published = {"d1": date(2024, 10, 7), "d2": date(2024, 10, 8)}  # a Monday and a Tuesday

    def listed(not_before: date) -> list[tuple[str, str]]:
        return [(w.sentence.doc_id, w.when) for w in facts.watch(sents, 10, published, not_before)]

    assert listed(date(2024, 10, 9)) == [("d1", "Wednesday"), ("d1", "Oct. 9"), ("d1", "Oct. 21"), ("d1", "next month")]
    assert listed(date(2024, 10, 10)) == [("d1", "Oct. 21"), ("d1", "next month")]
    # a calendar: the named days soonest first, each with the day it falls on, then the rest
    days = [(w.when, w.on) for w in facts.watch(sents[::-1], 10, published, date(2024, 10, 9))]
    assert days == [
        ("Oct. 9", date(2024, 10, 9)),
        ("Wednesday", date(2024, 10, 9)),
        ("Oct. 21", date(2024, 10, 21)),
        ("next month", None),
    ]


def test_a_watch_item_shows_the_day_it_falls_on_beside_the_sources_words(sample: Briefing) -> None:
    from assistant.briefs.render import to_markdown
    from assistant.types import WatchItem

    b = sample.brief(date=DAY, as_of=DAY + timedelta(days=1), save=False)
    cite = b.bottom_line[0].citations
    b.watch = [
        WatchItem(text="The Eastport vote is next month.", when="next month", citations=cite),
        WatchItem(text="The bridge reopens Oct. 21.", when="Oct. 21", on=date(2024, 10, 21), citations=cite),
    ]
    md = to_markdown(b)
    assert "- next month: The Eastport vote" in md and "- Oct. 21 (2024-10-21): The bridge reopens" in md
    assert b.model_validate_json(b.model_dump_json()).watch[1].on == date(2024, 10, 21)


def test_what_to_watch_holds_what_lies_ahead_not_what_was_done() -> None:
    """A watch item looks ahead and dates it: a day that tells when something was done ("announced
    Wednesday"), a year before the document's, a past expectation ("was expected to open in
    August"), a length ("five-month") or "due to" a cause is no date to watch; "will face ... on
    Sunday" is."""
    from assistant.briefs import facts
    from assistant.briefs.material import _sentence

    lines = [
        "Mira Olsen will face Tomas Berg in the Harbour Regatta final on Sunday.",
        "She will join the Eastport club, she announced Wednesday, after winning the 2021 title.",
        "The Eastport tramway was initially expected to open in August before the council delayed it.",
        "The ferry missed its crossing due to a storm, and the crew will return to Harwick.",
        "The council will vote on the tramway budget in March 2026.",
        "The 2019 harbour plan will be reviewed, the council said.",
        "Upcoming harbour festival dates for April 2026",  # no verb: the walk up the parse ends at its root
        "The council's five-month dredging effort will cost the harbour $2 million.",  # a length, not a day
    ]
    text = " ".join(lines)
    sents = [_sentence("d1", text, text.index(line), text.index(line) + len(line), i) for i, line in enumerate(lines)]
    found = facts.watch(sents, 10, {"d1": date(2025, 6, 2)})
    assert [(w.sentence.text, w.when) for w in found] == [
        (lines[0], "Sunday"),
        (lines[4], "March 2026"),
        (lines[6], "April 2026"),
    ]


def test_the_bottom_line_takes_a_developments_lead_sentence_before_its_headline() -> None:
    """A headline may be cut short ("... zero in on ..."); the bottom line is sentences."""
    from assistant.briefs.draft import Layout, _bottom_indices
    from assistant.briefs.material import _sentence

    title = "Harbour Council approves Eastport tramway after ..."
    lead = "The Harbour Council approved a 12-mile tramway for Eastport on Tuesday."
    other = "Westbury opened its 3 new bridges to traffic on Monday."
    chosen = [
        (0, _sentence("d1", title, 0, len(title), 0, headline=True)),
        (1, _sentence("d2", other, 0, len(other), 0)),
        (0, _sentence("d1", lead, 0, len(lead), 0)),
    ]
    bottom = [chosen[i][1].text for i in _bottom_indices(chosen, Layout(bottom_min=1))]
    assert bottom == [lead, other]
