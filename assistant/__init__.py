"""Briefing: grounded, cited answers over your documents. ``from assistant import Briefing``."""

from assistant.briefing import Briefing, ChatSession
from assistant.config import Settings
from assistant.errors import BriefingError
from assistant.types import (
    Answer,
    AnswerDelta,
    Brief,
    BriefInfo,
    Citation,
    DocumentInfo,
    Hit,
    IngestReport,
    Turn,
)

__all__ = [
    "Answer",
    "AnswerDelta",
    "Brief",
    "BriefInfo",
    "Briefing",
    "BriefingError",
    "ChatSession",
    "Citation",
    "DocumentInfo",
    "Hit",
    "IngestReport",
    "Settings",
    "Turn",
]
