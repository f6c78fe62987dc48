"""The one typed settings object, built at the edge (CLI, server, UI) and passed down.

``Settings`` is the index layer's ``IndexSettings`` plus the application's own sections
(answering); sources and precedence are described in ``index.settings``.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, SecretStr

from index.settings import IndexSettings

EngineName = Literal["auto", "extractive", "openai", "local"]


class Settings(IndexSettings):
    """Every knob Briefing has, with defaults that work offline on a fresh machine."""

    # Answering
    engine: EngineName = "auto"
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    local_model_path: str | None = None
    temperature: float = 0.0
    max_answer_sentences: int = Field(default=2, ge=1, le=10)
    abstain_threshold: float | None = Field(
        default=None,
        description="Minimum probability that the best sentence answers (extractive); None: the threshold chosen with the model.",
    )

    @property
    def api_key(self) -> str | None:
        """The OpenAI key: ``BRIEFING_OPENAI_API_KEY`` or the standard ``OPENAI_API_KEY``."""
        if self.openai_api_key is not None:
            return self.openai_api_key.get_secret_value()
        return os.environ.get("OPENAI_API_KEY")

    @property
    def openai_configured(self) -> bool:
        return bool(self.openai_base_url or self.api_key)

    def resolved_engine(self) -> str:
        """``auto`` means openai when configured, else extractive."""
        if self.engine != "auto":
            return self.engine
        return "openai" if self.openai_configured else "extractive"
