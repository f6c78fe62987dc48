"""The small interface every answering engine implements, and the registry of engines by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.types import Hit, Turn


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
