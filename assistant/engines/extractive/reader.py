"""An optional reading model that chooses among the ranking's best sentences (``settings.extractive_reader``).

The ranking puts a sentence that holds the answer first for 246 of the 618 train questions and
among its first five distinct ones for 387 (bench/README.md). A local language model reads the
question and those sentences and answers in a few words; the engine then quotes the candidate that
holds those words (its new words: not the question's), the earliest-ranked on a tie, and keeps the
ranking's choice when none does. The model only chooses: the answer is still a quoted, cited
passage sentence, and abstention stays the ranking's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.engines.extractive.candidates import Sentence

if TYPE_CHECKING:
    from assistant.config import Settings

CHOICES = 5  # distinct candidates the model reads (chosen on train: 3 gained less; bench/README.md)
MIN_OVERLAP = 0.5  # share of the reply's new words a candidate must hold to be chosen
REPLY_TOKENS = 16
SYSTEM = (
    "You answer a news quiz question from the given sentences only. "
    "Reply with the answer alone, in a few words, copied from a sentence."
)
_WORD = re.compile(r"\w+")

Complete = Callable[[list[dict[str, str]], int], str]
"""A model call: the messages and the most tokens to generate -> the reply."""


def messages(question: str, choices: Sequence[Sentence]) -> list[dict[str, str]]:
    """The prompt: the question and the numbered candidate sentences (nothing else of the passages)."""
    listing = "\n".join(f"{i + 1}. {s.text}" for i, s in enumerate(choices))
    user = f"Question: {question}\n\nSentences:\n{listing}\n\nAnswer:"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def distinct_choices(ranked: Sequence[Sentence], n: int = CHOICES) -> list[Sentence]:
    """The first ``n`` sentences of ``ranked`` with distinct texts, in rank order."""
    choices: list[Sentence] = []
    for s in ranked:
        if all(s.text != c.text for c in choices):
            choices.append(s)
        if len(choices) == n:
            break
    return choices


def choose(question: str, ranked: Sequence[Sentence], complete: Complete, n: int = CHOICES) -> Sentence:
    """The candidate among the first ``n`` distinct ones of ``ranked`` (best first) that holds the
    model's answer, or ``ranked[0]`` when none does (or the reply names nothing new)."""
    choices = distinct_choices(ranked, n)
    if len(choices) < 2:
        return ranked[0]
    reply = complete(messages(question, choices), REPLY_TOKENS)
    new = _words(reply) - _words(question)
    if not new:
        return ranked[0]
    overlaps = [len(new & _words(s.text)) / len(new) for s in choices]
    best = max(range(len(choices)), key=lambda i: (overlaps[i], -i))
    return choices[best] if overlaps[best] >= MIN_OVERLAP else ranked[0]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def model_call(settings: Settings) -> Complete:
    """The local model named by ``settings.extractive_reader`` (a ``BRIEFING_LOCAL_MODEL`` name or a
    GGUF path), loaded once per model and thread count; a model that cannot load is an ``EngineError``
    naming this setting."""
    from assistant.errors import EngineError

    try:
        return _local(settings.extractive_reader, settings.local_threads, str(settings.models_dir), settings.temperature)
    except EngineError as exc:
        message = str(exc).replace("local engine:", "extractive reader:").replace(
            "BRIEFING_LOCAL_MODEL", "BRIEFING_EXTRACTIVE_READER"
        )
        raise EngineError(message) from exc


@lru_cache(maxsize=2)
def _local(model: str, threads: int | None, models_dir: str, temperature: float) -> Complete:
    from assistant.config import Settings
    from assistant.engines.local import LocalEngine

    engine = LocalEngine(
        Settings(local_model=model, local_threads=threads, model_cache_dir=models_dir, temperature=temperature)
    )
    return engine.complete
