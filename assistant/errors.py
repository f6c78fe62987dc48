"""The error hierarchy, defined in ``index.errors`` (below both layers) and re-exported here."""

from index.errors import (
    BriefingError,
    ConfigError,
    EmptyPeriodError,
    EngineError,
    LoadError,
    NotFoundError,
    StoreError,
)

__all__ = [
    "BriefingError",
    "ConfigError",
    "EmptyPeriodError",
    "EngineError",
    "LoadError",
    "NotFoundError",
    "StoreError",
]
