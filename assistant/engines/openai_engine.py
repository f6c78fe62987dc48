"""The ``openai`` engine: any server speaking the OpenAI chat-completions protocol.

That is OpenAI itself, or a local server (LM Studio, llama.cpp ``llama-server``, Ollama, vLLM)
named by ``BRIEFING_OPENAI_BASE_URL``. Answers stream; every failure becomes an ``EngineError``
that names the server and the model and says what to check. The API key is never logged
and never put in a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from assistant.engines.base import register
from assistant.engines.llm_common import (
    answer_messages,
    clean_condensed,
    clean_stream,
    condense_messages,
)
from assistant.errors import EngineError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.types import Hit, Turn

DEFAULT_BASE_URL = "https://api.openai.com/v1"
CONDENSE_MAX_TOKENS = 200
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0  # longest silence between two pieces of an answer


@register("openai")
def _create(settings: Settings) -> OpenAIEngine:
    return OpenAIEngine(settings)


class OpenAIEngine:
    """Answers with a chat model behind an OpenAI-compatible ``/v1/chat/completions``."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        *,
        timeout_s: float = READ_TIMEOUT_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        max_retries: int = 1,
    ) -> None:
        try:
            import openai
        except ImportError:  # pragma: no cover - openai is a core dependency
            raise EngineError("openai engine needs the openai package: pip install openai") from None
        self.base_url = (settings.openai_base_url or DEFAULT_BASE_URL).rstrip("/")
        self.model = settings.model
        self.max_tokens = settings.answer_max_tokens
        self.temperature = settings.temperature
        self.timeout_s = timeout_s
        self._key = settings.api_key or ""
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=self._key or "not-needed",
            timeout=openai.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s)),
            max_retries=max_retries,
        )

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIEngine(base_url={self.base_url!r}, model={self.model!r})"

    # ------------------------------------------------------------------ Engine

    def stream(
        self, question: str, passages: list[Hit], history: list[Turn], *, today: date | None = None
    ) -> Iterator[str]:
        """Yield the answer as the server streams it.

        ``history`` is not sent: the caller condenses a follow-up into a standalone question
        first, and old answers would cite passages whose numbers no longer mean the same.
        """
        messages = answer_messages(question, passages, today=today)
        got_text = False
        for piece in clean_stream(self._deltas(messages)):
            got_text = True
            yield piece
        if not got_text:
            raise EngineError(self._describe("returned an empty answer", "BRIEFING_MODEL"))

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's whole reply to ``messages`` (used by briefs to rewrite points)."""
        text = "".join(clean_stream(self._deltas(messages)))
        if not text.strip():
            raise EngineError(self._describe("returned an empty reply", "BRIEFING_MODEL"))
        return text

    def condense(self, question: str, history: list[Turn]) -> str:
        """A standalone version of ``question``; without history the model is not called."""
        if not history:
            return question
        messages = condense_messages(question, history)
        with self._errors():
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=self.temperature,
                max_tokens=CONDENSE_MAX_TOKENS,
                stream=False,
            )
            text = _message_text(completion)
        if text is None:
            raise EngineError(
                self._describe("sent a reply without a chat message", "BRIEFING_OPENAI_BASE_URL")
            )
        return clean_condensed(text, question)

    # ------------------------------------------------------------------ internals

    def _deltas(self, messages: list[dict[str, str]]) -> Iterator[str]:
        with self._errors():
            stream = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=self.temperature,
                max_tokens=self.max_tokens,
                stream=True,
            )
            try:
                for chunk in stream:
                    choices = getattr(chunk, "choices", None)
                    if choices is None and not _is_chunk(chunk):
                        raise EngineError(
                            self._describe(
                                "sent a stream chunk that is not a chat completion",
                                "BRIEFING_OPENAI_BASE_URL",
                            )
                        )
                    for choice in choices or []:
                        delta = getattr(choice, "delta", None)
                        content = getattr(delta, "content", None) if delta is not None else None
                        if isinstance(content, str) and content:
                            yield content
            finally:
                stream.close()

    def _describe(self, what: str, check: str) -> str:
        return f"openai engine: the server at {self.base_url} (model {self.model!r}) {what}. Check {check}."

    def _errors(self) -> _ErrorMapper:
        return _ErrorMapper(self)

    def _redact(self, text: str) -> str:
        if self._key and len(self._key) >= 4:
            text = text.replace(self._key, "***")
        return text


class _ErrorMapper:
    """Context manager: turns the openai client's and httpx's exceptions into ``EngineError``."""

    def __init__(self, engine: OpenAIEngine) -> None:
        self.engine = engine

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or isinstance(exc, (EngineError, GeneratorExit)) or not isinstance(exc, Exception):
            return False
        message = self.engine._redact(_explain(self.engine, exc))
        raise EngineError(message) from exc


def _explain(engine: OpenAIEngine, exc: Exception) -> str:
    import httpx
    import openai

    url, model = engine.base_url, engine.model
    head = f"openai engine: the server at {url}"
    env = "Check BRIEFING_OPENAI_BASE_URL / BRIEFING_MODEL."
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
        return (
            f"{head} did not answer within {engine.timeout_s:g} s (model {model!r}). "
            "Is the server overloaded or the model still loading? Check BRIEFING_OPENAI_BASE_URL."
        )
    if isinstance(exc, (openai.APIConnectionError, httpx.TransportError)):
        reason = _root_reason(exc)
        return (
            f"{head} could not be reached or dropped the connection ({reason}). "
            "Is the model server running? Check BRIEFING_OPENAI_BASE_URL."
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _short(_status_detail(exc))
        detail_txt = f" ({detail})" if detail else ""
        if status in (401, 403):
            return (
                f"{head} rejected the API key (HTTP {status}){detail_txt}. "
                "Check BRIEFING_OPENAI_API_KEY / OPENAI_API_KEY."
            )
        if status == 404:
            return (
                f"{head} answered HTTP 404{detail_txt}: no model {model!r} or no chat-completions endpoint. "
                "Check BRIEFING_MODEL and BRIEFING_OPENAI_BASE_URL (it usually ends in /v1)."
            )
        if status == 429:
            return f"{head} is rate limiting or out of quota (HTTP 429){detail_txt}. Try again later or check the account."
        return f"{head} answered HTTP {status}{detail_txt} for model {model!r}. {env}"
    if isinstance(exc, (openai.APIResponseValidationError, ValueError, KeyError, TypeError, AttributeError)):
        return (
            f"{head} sent a response that is not valid OpenAI chat-completions ({_short(str(exc)) or type(exc).__name__}). "
            f"Is it an OpenAI-compatible server? {env}"
        )
    if isinstance(exc, openai.OpenAIError):
        return (
            f"{head} reported an error for model {model!r} ({_short(str(exc)) or type(exc).__name__}). {env}"
        )
    return f"{head} failed for model {model!r} ({type(exc).__name__}: {_short(str(exc))}). {env}"


def _status_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    if isinstance(body, str) and body.strip():
        return body
    try:
        return exc.response.text
    except Exception:  # noqa: BLE001 - best effort detail
        return ""


def _root_reason(exc: BaseException) -> str:
    """The innermost cause's message: 'Connection refused' rather than 'Connection error.'."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        nxt = seen.__cause__ or seen.__context__
        if nxt is None or nxt is seen:
            break
        seen = nxt
    text = str(seen) or type(seen).__name__
    if "refused" in text.lower():
        return "connection refused"
    return _short(text).rstrip(".")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_chunk(chunk: Any) -> bool:
    return getattr(chunk, "object", None) == "chat.completion.chunk"


def _message_text(completion: Any) -> str | None:
    """The first choice's message text of a non-streamed completion, or None when it has none."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None) if message is not None else None
    return content if isinstance(content, str) else None
