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
