"""The small interface every answering engine implements, and the registry of engines by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.types import Hit, Turn

ABSTAIN_SENTINEL = "The indexed sources do not say"
"""How an abstention begins; text engines are told to reply with it (prompts/answer.md)."""


@dataclass
class Draft:
    """An engine's answer before the citation check: text with ``[n]`` markers, or an abstention
    (``abstained``), with the evidence behind it (for tests, debugging and evaluation)."""

    text: str
    abstained: bool = False
    support: float = 0.0
    reason: str = ""
    sentences: list[tuple[int, int, int]] = field(default_factory=list)  # (passage n, start, end)

    @classmethod
    def from_text(cls, text: str) -> Draft:
        """A text engine's reply; the only place the abstention sentinel is read from text."""
        return cls(text, abstained=is_abstention(text))


def is_abstention(text: str) -> bool:
    """Whether a text engine's reply (or one sentence of it) is the abstention sentinel."""
    return text.strip().startswith(ABSTAIN_SENTINEL)


class Engine(Protocol):
    """Turns a question and numbered passages into answer text with ``[n]`` markers.

    Passage ``n`` is ``passages[n-1]``. The caller verifies citations afterwards, so an
    engine may be weak without putting an uncited claim in front of the user.
    """

    name: str

    def stream(
        self, question: str, passages: list[Hit], history: list[Turn], *, today: date | None = None
    ) -> Iterator[str]:
        """Yield the answer text in pieces (one piece is fine); ``today`` is the as-of date."""
        ...

    def condense(self, question: str, history: list[Turn]) -> str:
        """Rewrite a follow-up question into a standalone one using the history."""
        ...


@runtime_checkable
class DraftingEngine(Protocol):
    """An engine that answers from the chain's typed state (question, as-of date, resolved period,
    passages) with a typed ``Draft`` instead of streamed text."""

    name: str

    def draft(self, state: Any) -> Draft:
        """The answer or the abstention for ``state`` (an ``assistant.chain.AskState``)."""
        ...


EngineFactory = Callable[["Settings"], Engine]
_REGISTRY: dict[str, EngineFactory] = {}


def register(name: str) -> Callable[[EngineFactory], EngineFactory]:
    def deco(factory: EngineFactory) -> EngineFactory:
        _REGISTRY[name] = factory
        return factory

    return deco


def engine_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def create_engine(name: str, settings: Settings) -> Engine:
    """Build the engine registered under ``name``."""
    from assistant.errors import ConfigError

    _load_builtin()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](settings)


def _load_builtin() -> None:
    # Importing the modules registers them; each keeps its heavy imports lazy.
    from assistant.engines import extractive, local, openai_engine  # noqa: F401
