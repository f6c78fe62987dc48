"""The REST API's own wire models (requests, errors, health), shared by the server and the client;
answers, hits, documents and reports travel as the typed models of ``assistant.types``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.config import EngineName
from assistant.errors import (
    AuthError,
    BriefingError,
    ConfigError,
    EngineError,
    InputError,
    NotFoundError,
    ServerError,
    StoreError,
    TooLargeError,
)
from assistant.types import Status, Turn
from assistant.watch import BackgroundStatus
from index.settings import MAX_K

API = "/api/v1"
UPLOAD_PATH = f"{API}/ingest"


class AskRequest(BaseModel):
    """A question and the arguments of ``Briefing.ask`` / ``stream`` / ``retrieve``."""

    model_config = ConfigDict(extra="forbid")  # a misspelt argument is an error, not ignored

    question: str = Field(min_length=1)
    history: list[Turn] = Field(default_factory=list, max_length=50)
    engine: EngineName | None = None
    k: int | None = Field(default=None, ge=1, le=MAX_K)
    sources: list[str] | None = None
    since: date | None = None
    until: date | None = None
    as_of: date | None = None

    def call_args(self) -> dict[str, Any]:
        """The keyword arguments for ``Briefing.ask`` (history stays typed)."""
        return {**self.model_dump(exclude={"question", "history"}), "history": self.history}


class StreamRequest(AskRequest):
    """``AskRequest`` for the event stream, which can first report the search step."""

    steps: bool = Field(default=False, description="First send the passages found (a `retrieved` event).")


class UrlIngestRequest(BaseModel):
    """Pages and feeds to fetch and ingest (``http(s)://`` only)."""

    model_config = ConfigDict(extra="forbid")

    urls: list[Annotated[str, Field(pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://\S+$", max_length=2000)]] = Field(
        min_length=1, max_length=100
    )
    source: str | None = None
    published: date | None = None


class ErrorInfo(BaseModel):
    type: str = Field(description="The error class, e.g. NotFoundError, InputError, AuthError.")
    message: str = Field(description="What happened and what to do.")


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {"type": ..., "message": ...}}``."""

    error: ErrorInfo


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    ready: bool
    index: str = Field(description="Where the index lives, or why it cannot be reached.")
    model: str | None = Field(default=None, description="The loaded embedding model.")


class ServerStatus(Status):
    """``Briefing.status`` plus what the server's background work did."""

    background: BackgroundStatus


ERROR_TYPES: dict[str, type[BriefingError]] = {
    cls.__name__: cls
    for cls in (AuthError, BriefingError, ConfigError, EngineError, InputError, NotFoundError,
                ServerError, StoreError, TooLargeError)
}  # fmt: skip
"""Error classes by the ``type`` an error body names."""
_BY_STATUS: dict[int, type[BriefingError]] = {
    400: InputError, 401: AuthError, 403: AuthError, 404: NotFoundError, 413: TooLargeError,
    422: InputError, 502: EngineError, 503: StoreError,
}  # fmt: skip


def error_from_response(status: int, body: Any) -> BriefingError:
    """The ``BriefingError`` an error response stands for: by the type its body names, else by status."""
    info = None
    try:
        info = ErrorBody.model_validate(body).error
    except ValueError:
        pass
    cls = ERROR_TYPES.get(info.type) if info else None
    if cls is None:
        cls = _BY_STATUS.get(status, ServerError if status >= 500 else InputError)
    message = info.message if info else f"HTTP {status}: {str(body)[:300]}"
    return cls(message)
