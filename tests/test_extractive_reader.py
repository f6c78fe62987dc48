"""The extractive engine's optional reading model (``settings.extractive_reader``): it chooses among the
ranking's best sentences and the answer stays a quoted, cited passage sentence. A scripted model tests
the plumbing; SmolLM2 through llama.cpp tests the real path (tests/test_local_models.py has its gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.engines.extractive import ExtractiveEngine, reader
from assistant.types import Hit
from tests.test_local_models import _need_smollm2

QUESTION = "A group of eleven detainees held at the Harbor Point camp were transferred to which country?"


def _hit(n: int, text: str, title: str) -> Hit:
    return Hit(chunk_id=f"r:{n}", doc_id=f"r{n}", start=0, end=len(text), score=1.0 / (n + 1), text=text, title=title)


HITS = [
    _hit(0, "The eleven detainees held at the Harbor Point camp were transferred this week, officials said. "
            "Their lawyers had asked for the transfer for years.", "Detainees transferred from Harbor Point camp"),
    _hit(1, "The Harbor Point camp detainees were flown to Norland, which agreed to resettle the group of eleven.",
         "Norland takes in Harbor Point detainees"),
]  # fmt: skip


class Scripted:
    """A reading model that gives a fixed reply and records the prompts it saw."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[list[dict[str, str]]] = []

    def __call__(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        self.prompts.append(messages)
        return self.reply


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("reader"), model_cache_dir=model_cache, extractive_reader="scripted")


@pytest.fixture(scope="module")
def embedder(settings: Settings):
    from index.embeddings import get_embedder

    return get_embedder(settings)


def _engine(settings: Settings, embedder, model: Scripted) -> ExtractiveEngine:
    return ExtractiveEngine(settings, embedder=embedder, complete=model)


def test_the_reader_picks_the_candidate_holding_its_answer(settings: Settings, embedder) -> None:
    model = Scripted("Norland")
    draft = _engine(settings, embedder, model).answer(QUESTION, HITS)
    assert not draft.abstained and "Norland" in draft.text, draft
    # The answer quotes the passage it cites, whatever the model said.
    n, a, b = draft.sentences[0]
    assert HITS[n - 1].text[a:b] in draft.text
    (prompt,) = model.prompts
    user = prompt[-1]["content"]
    assert QUESTION in user and "2. " in user and "6. " not in user  # at most five numbered sentences
    assert "Norland" in user


def test_a_reply_no_candidate_holds_keeps_the_rankings_answer(settings: Settings, embedder) -> None:
    plain = ExtractiveEngine(settings.model_copy(update={"extractive_reader": ""}), embedder=embedder)
    expected = plain.answer(QUESTION, HITS)
    for reply in ("Atlantis", "the detainees", ""):  # nothing new, or nothing the candidates hold
        model = Scripted(reply)
        assert _engine(settings, embedder, model).answer(QUESTION, HITS).text == expected.text
        assert len(model.prompts) == 1


def test_an_abstention_does_not_ask_the_model(settings: Settings, embedder) -> None:
    model = Scripted("Norland")
    draft = _engine(settings, embedder, model).answer("What is the population of the moon colony Selene?", HITS)
    assert draft.abstained and model.prompts == []


def test_an_unknown_reader_model_is_a_clear_error_naming_its_setting(settings: Settings, embedder) -> None:
    from assistant.errors import EngineError

    engine = ExtractiveEngine(settings.model_copy(update={"extractive_reader": "no-such-model"}), embedder=embedder)
    with pytest.raises(EngineError) as info:
        engine.answer(QUESTION, HITS)
    message = str(info.value)
    assert "no-such-model" in message and "BRIEFING_EXTRACTIVE_READER" in message
    assert "BRIEFING_LOCAL_MODEL" not in message


def test_the_choices_are_distinct_and_at_most_five() -> None:
    from assistant.engines.extractive.candidates import split

    names = ["Alpha", "Beta", "Alpha", "Gamma", "Delta", "Epsilon", "Zeta"]
    text = " ".join(f"The {n} fund rose sharply on Monday." for n in names)
    sents = [s for s in split([_hit(0, text, "Funds")]) if s.usable]
    assert len(sents) == len(names) == reader.CHOICES + 2
    model = Scripted("Zeta")
    chosen = reader.choose("Which fund rose?", sents, model)
    assert chosen is sents[0]  # Zeta is the sixth distinct sentence: not among the five choices
    listed = model.prompts[0][-1]["content"]
    assert listed.count("Alpha fund") == 1 and "Epsilon fund" in listed and "Zeta" not in listed
    assert reader.choose("Which fund rose?", sents, Scripted("Epsilon")) is sents[5]


def test_the_real_local_model_chooses_a_quoted_sentence(model_cache: Path, tmp_path: Path, embedder) -> None:
    """SmolLM2 through llama.cpp as the reader: it is called, and the answer is a passage sentence."""
    _need_smollm2()
    settings = Settings(data_dir=tmp_path, model_cache_dir=model_cache, extractive_reader="smollm2", local_threads=2)
    engine = ExtractiveEngine(settings, embedder=embedder)
    calls: list[str] = []
    real = engine.complete

    def counted(messages: list[dict[str, str]], max_tokens: int) -> str:
        calls.append(reply := real(messages, max_tokens))
        return reply

    engine._complete = counted
    draft = engine.answer(QUESTION, HITS)
    assert len(calls) == 1 and calls[0].strip()
    assert not draft.abstained
    for n, a, b in draft.sentences:
        assert HITS[n - 1].text[a:b] in draft.text
