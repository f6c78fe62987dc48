"""Strict answer scoring: whole words, the length cut, and the report saying how many were cut."""

from __future__ import annotations

import pytest

from assistant.evaluation import MAX_ANSWER_CHARS, answer_correct, contains_facts, mentions, summarise


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Officials counted 100 craters.", "100"),
        ("It cost 100.", "100"),
        ("The package is worth $425 million [1].", "$425 million"),
        ("a US$425 million package", "$425 million"),
        ("The PRICE was 425 MILLION dollars", "425 million"),
        ("Harbour Lights opened in the\nold   mill", "the old mill"),
        ("Maple’s bakery won", "Maple's"),
        ("(6) districts", "6"),
        ("the air-defense units", "air-defense"),
    ],
)
def test_an_alternative_counts_as_whole_words_whatever_the_case_or_spacing(text: str, phrase: str) -> None:
    assert mentions(text, phrase)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Officials counted 1000 craters.", "100"),
        ("Officials counted 1,000 craters.", "100"),
        ("A reading of 100.5 degrees", "100"),
        ("In 2100 the river", "100"),
        ("Foxglove bloomed", "Fox"),
        ("the 6th district", "6"),
        ("anti-tank weapons", "tank weapon"),
        ("nothing here", ""),
    ],
)
def test_a_part_of_a_longer_word_or_number_does_not_count(text: str, phrase: str) -> None:
    assert not mentions(text, phrase)


def test_every_group_needs_one_alternative() -> None:
    groups = [["six", "6"], ["Harbour Lights"]]
    assert contains_facts("Six stalls at Harbour Lights.", groups)
    assert not contains_facts("Sixteen stalls at Harbour Lights.", groups)
    assert not contains_facts("Six stalls.", groups)


def test_an_answer_over_the_limit_is_not_right_even_when_it_holds_the_facts() -> None:
    short = "The ferry carried 212 passengers [1]."
    long = short + " " + "The crossing was calm and the crew reported no delays. " * 6
    assert len(long) > MAX_ANSWER_CHARS
    assert answer_correct(short, [["212"]])
    assert not answer_correct(long, [["212"]])
    assert not answer_correct("The ferry carried 2120 passengers [1].", [["212"]])


def test_the_report_counts_answers_cut_for_length() -> None:
    def row(correct: bool, too_long: bool, answerable: bool = True) -> dict:
        return {
            "answerable": answerable,
            "abstained": False,
            "correct": correct,
            "too_long": too_long,
            "answer_chars": 400 if too_long else 80,
            "latency_ms": 1.0,
            "citations_valid": True if correct else None,
            "in_top5": True,
        }

    report = summarise([row(True, False), row(False, True), row(False, True), row(False, False)])
    assert report["answer_accuracy"] == 0.25
    assert report["answers_cut_too_long"] == 2
