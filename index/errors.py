"""One small error hierarchy: messages say what happened and what to do."""

from __future__ import annotations


class BriefingError(Exception):
    """Base class for every error Briefing raises on purpose."""

    http_status = 400


class ConfigError(BriefingError):
    """A setting is missing or invalid."""


class LoadError(BriefingError):
    """A document could not be loaded (bad, empty, oversized or unsupported input)."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class InputError(BriefingError):
    """A request is malformed or out of bounds (a question too long, a bad date, a bad field)."""

    http_status = 422


class TooLargeError(InputError):
    """A request or upload is larger than the configured limit."""

    http_status = 413


class AuthError(BriefingError):
    """A request lacks the right bearer token (the server's ``api_token``)."""

    http_status = 401


class NotFoundError(BriefingError):
    """A document or other stored object does not exist."""

    http_status = 404


class EmptyPeriodError(NotFoundError):
    """A brief was asked for a period (and scope) without any documents."""


class StoreError(BriefingError):
    """The vector store could not be reached or answered with an error."""

    http_status = 503


class EngineError(BriefingError):
    """An answering engine failed (model server down, bad response, missing model)."""

    http_status = 502


class ServerError(BriefingError):
    """The Briefing server failed, or could not be reached, or answered outside the protocol."""

    http_status = 500
