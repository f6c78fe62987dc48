"""The error hierarchy, defined in ``index.errors`` (below both layers) and re-exported here."""

from index.errors import (
    AuthError,
    BriefingError,
    ConfigError,
    EmptyPeriodError,
    EngineError,
    InputError,
    LoadError,
    NotFoundError,
    ServerError,
    StoreError,
    TooLargeError,
)

__all__ = [
    "AuthError",
    "BriefingError",
    "ConfigError",
    "EmptyPeriodError",
    "EngineError",
    "InputError",
    "LoadError",
    "NotFoundError",
    "ServerError",
    "StoreError",
    "TooLargeError",
]
