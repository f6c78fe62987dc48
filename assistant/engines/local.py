"""The ``local`` engine: a GGUF chat model run in-process by llama.cpp (``xllamacpp``), fully offline.

The model is ``BRIEFING_LOCAL_MODEL``: ``smollm2`` (default), ``qwen-0.5b``, ``qwen-1.5b`` (see
``engines.models``) or the path of any GGUF file. ``xllamacpp`` ships prebuilt wheels, so
``pip install -e '.[local]'`` compiles nothing. A small model on a CPU reads slowly, so it gets
each passage's best sentences with their neighbours (``engines.compact``) and a short prompt
(``prompts/answer_local.md``); the answer then goes through the same citation check as any other.

``serve_model`` runs the same model behind llama.cpp's OpenAI-compatible HTTP API
(``briefing model-server``), which the ``openai`` engine can use through ``BRIEFING_OPENAI_BASE_URL``.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.engines.base import register
from assistant.engines.compact import best_sentences
from assistant.engines.llm_common import (
    answer_messages,
    clean_condensed,
    clean_stream,
    condense_messages,
    fit_passages,
)
from assistant.engines.models import resolve_model
from assistant.errors import EngineError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.types import Hit, Turn

log = logging.getLogger(__name__)

N_CTX = 4096
ANSWER_MAX_TOKENS = 128
CONDENSE_MAX_TOKENS = 96
SERVER_MAX_TOKENS = 512
PASSAGES_BUDGET_TOKENS = 900  # all passages together; ~5-10 s of prompt reading for a 0.5B model on 2 cores
REPEAT_PENALTY = 1.1  # a tiny model otherwise tends to loop on repetitive passages
PROMPT_MARGIN_TOKENS = 48  # chat-template tokens around each message, and rounding
ANSWER_PROMPT = "answer_local"
TITLE_CHARS = 80  # titles are cut in the prompt; some are a whole first sentence

MISSING_XLLAMACPP = "local engine needs xllamacpp (a prebuilt llama.cpp): pip install -e '.[local]'"

# Loaded models by (path, threads), shared by every engine instance; llama.cpp's server queues
# requests itself, so no lock is needed around a generation.
_SERVERS: dict[tuple[str, int], Any] = {}
_SERVERS_LOCK = threading.Lock()


@dataclass
class GenerationStats:
    """What one generation cost: prompt tokens (read now + reused from the cache), answer tokens, time."""

    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    prompt_ms: float = 0.0
    completion_ms: float = 0.0
    seconds: float = 0.0


@register("local")
def _create(settings: Settings) -> LocalEngine:
    return LocalEngine(settings)


def model_params(
    path: Path,
    *,
    threads: int | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    alias: str | None = None,
) -> Any:
    """llama.cpp server parameters for ``path``: quiet, loopback by default, no web UI."""
    if util.find_spec("xllamacpp") is None:
        raise EngineError(MISSING_XLLAMACPP)
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = N_CTX
    params.n_parallel = 1
    n = threads or os.cpu_count() or 1
    params.cpuparams.n_threads = n
    params.cpuparams_batch.n_threads = n
    params.hostnames = [host]
    params.port = port
    params.ui = False
    # Defaults for requests that do not set them: a bounded answer and the repeat penalty small
    # models need (a request's own max_tokens / repeat_penalty win).
    params.n_predict = SERVER_MAX_TOKENS
    params.sampling.penalty_repeat = REPEAT_PENALTY
    params.verbosity = -1  # llama.cpp's own logging off; errors reach us as exceptions or error chunks
    if alias:
        params.model_alias = {alias}
    return params


def start_server(params: Any) -> Any:
    """Load the model and start llama.cpp's server (its HTTP side listens on ``params``' host and port)."""
    import xllamacpp

    try:
        return xllamacpp.Server(params)
    except Exception as exc:
        raise EngineError(
            f"local engine: could not load the model {params.model.path} ({type(exc).__name__}: {exc}). "
            "Is it a GGUF chat model? Check BRIEFING_LOCAL_MODEL."
        ) from exc


def serve_model(settings: Settings, *, host: str, port: int, model: str | None = None) -> tuple[Any, str]:
    """Start ``briefing model-server``: the local model on an OpenAI-compatible API; returns (server, base URL)."""
    choice = model or settings.local_model
    path = resolve_model(choice, settings.models_dir)
    server = start_server(
        model_params(path, threads=settings.local_threads, host=host, port=port, alias=choice)
    )
    return server, server.listening_address.rstrip("/") + "/v1"


def _shared_server(path: Path, threads: int | None) -> Any:
    key = (str(path.resolve()), threads or 0)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            t0 = time.perf_counter()
            _SERVERS[key] = start_server(model_params(path, threads=threads))
            log.info("local engine: loaded %s in %.1f s", path.name, time.perf_counter() - t0)
        return _SERVERS[key]


class LocalEngine:
    """Answers with an in-process llama.cpp model; same interface as the ``openai`` engine."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        if util.find_spec("xllamacpp") is None:
            raise EngineError(MISSING_XLLAMACPP)
        self.model = settings.local_model
        self.model_path = resolve_model(settings.local_model, settings.models_dir)
        self.temperature = settings.temperature
        self._server = _shared_server(self.model_path, settings.local_threads)
        self._http = None
        self.last_stats = GenerationStats()

    def __repr__(self) -> str:
        return f"LocalEngine(model={self.model!r}, model_path={str(self.model_path)!r})"

    # ------------------------------------------------------------------ Engine

    def stream(
        self, question: str, passages: list[Hit], history: list[Turn], *, today: date | None = None
    ) -> Iterator[str]:
        """Yield the answer as the model generates it (``history`` is not used: see the openai engine)."""
        messages = self.answer_messages(question, passages, today)
        got_text = False
        for piece in clean_stream(self._generate(messages, ANSWER_MAX_TOKENS)):
            got_text = True
            yield piece
        if not got_text:
            raise EngineError(f"local engine: the model {self.model_path.name} returned an empty answer.")

    def complete(self, messages: list[dict[str, str]], max_tokens: int = ANSWER_MAX_TOKENS) -> str:
        """The model's whole reply to ``messages`` (briefs rewrite points with it; the extractive
        engine's optional reader chooses a sentence with it)."""
        return "".join(clean_stream(self._generate(messages, max_tokens)))

    def condense(self, question: str, history: list[Turn]) -> str:
        """A standalone version of ``question``; without history the model is not run."""
        if not history:
            return question
        messages = condense_messages(question, history)
        turns = list(history)
        while (
            len(turns) > 1
            and self._prompt_tokens(messages) > N_CTX - CONDENSE_MAX_TOKENS - PROMPT_MARGIN_TOKENS
        ):
            turns = turns[1:]
            messages = condense_messages(question, turns)
        return clean_condensed("".join(self._generate(messages, CONDENSE_MAX_TOKENS)), question)

    # ------------------------------------------------------------------ prompt

    def answer_messages(
        self, question: str, passages: list[Hit], today: date | None = None
    ) -> list[dict[str, str]]:
        """The short answer prompt: each passage cut to its best sentences, all within the budget."""
        texts = best_sentences(question, passages)
        compact = [
            h.model_copy(update={"text": t, "title": _short(h.title)}) for h, t in zip(passages, texts)
        ]
        text = fit_passages(compact, PASSAGES_BUDGET_TOKENS, self.count_tokens)
        return answer_messages(question, passages, today=today, passages_text=text, prompt=ANSWER_PROMPT)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's own vocabulary (llama.cpp's ``/tokenize``, on loopback)."""
        import httpx

        if self._http is None:
            self._http = httpx.Client(base_url=self._server.listening_address, timeout=30)
        try:
            reply = self._http.post("/tokenize", json={"content": text, "add_special": False})
            reply.raise_for_status()
            return len(reply.json()["tokens"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise EngineError(
                f"local engine: could not count tokens with {self.model_path.name} ({exc})."
            ) from exc

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(self.count_tokens(m["content"]) for m in messages) + PROMPT_MARGIN_TOKENS

    # ------------------------------------------------------------------ generation

    def _generate(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Stream the model's text; llama.cpp calls back on its own thread, a queue hands the pieces over."""
        request = {
            "messages": messages,
            "stream": True,
            "temperature": self.temperature,
            "max_tokens": max_tokens,
            "repeat_penalty": REPEAT_PENALTY,
        }
        pieces: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        done = object()

        def on_chunk(chunk: Any) -> bool:
            pieces.put(chunk)
            return stop.is_set()  # True asks llama.cpp to stop generating

        def run() -> None:
            try:
                result = self._server.handle_chat_completions(request, on_chunk)
                if isinstance(result, dict) and "error" in result:
                    pieces.put(result)
            except Exception as exc:  # noqa: BLE001 - handed to the consuming thread
                pieces.put(exc)
            finally:
                pieces.put(done)

        t0 = time.perf_counter()
        stats = GenerationStats()
        worker = threading.Thread(target=run, name="local-engine", daemon=True)
        worker.start()
        try:
            while (item := pieces.get()) is not done:
                if isinstance(item, Exception) or (isinstance(item, dict) and "error" in item):
                    raise self._failure(item)
                _read_timings(item, stats)
                for choice in item.get("choices") or []:
                    content = (choice.get("delta") or {}).get("content")
                    if isinstance(content, str) and content:
                        yield content
        finally:
            stop.set()
            worker.join(timeout=60)
            stats.seconds = time.perf_counter() - t0
            self.last_stats = stats
            log.info(
                "local engine: %s prompt tokens (%s cached), %s answer tokens, %.2f s",
                stats.prompt_tokens,
                stats.cached_tokens,
                stats.completion_tokens,
                stats.seconds,
            )

    def _failure(self, item: Any) -> EngineError:
        if isinstance(item, Exception):
            detail = f"{type(item).__name__}: {item}"
        else:
            err = item.get("error")
            detail = str(err.get("message", err)) if isinstance(err, dict) else str(err)
        return EngineError(f"local engine: generation with {self.model_path.name} failed ({detail}).")


def _short(title: str, limit: int = TITLE_CHARS) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"


def _read_timings(chunk: dict[str, Any], stats: GenerationStats) -> None:
    timings = chunk.get("timings")
    if isinstance(timings, dict):
        stats.cached_tokens = int(timings.get("cache_n", 0))
        stats.prompt_tokens = int(timings.get("prompt_n", 0)) + stats.cached_tokens
        stats.completion_tokens = int(timings.get("predicted_n", 0))
        stats.prompt_ms = float(timings.get("prompt_ms", 0.0))
        stats.completion_ms = float(timings.get("predicted_ms", 0.0))
