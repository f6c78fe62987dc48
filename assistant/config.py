"""The one typed settings object, built at the edge (CLI, server, UI) and passed down.

``Settings`` is the index layer's ``IndexSettings`` plus the application's own sections
(answering); sources and precedence are described in ``index.settings``.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from assistant.briefs import MAX_WORDS, MIN_WORDS
from index.settings import IndexSettings

EngineName = Literal["auto", "extractive", "openai", "local"]


class Settings(IndexSettings):
    """Every knob Briefing has, with defaults that work offline on a fresh machine."""

    # Answering
    engine: EngineName = "auto"
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    answer_max_tokens: int = Field(default=1024, ge=16, description="Longest answer the openai engine asks for.")
    local_model: str = Field(
        default="smollm2", description="smollm2 | qwen-0.5b | qwen-1.5b, or the path of a GGUF file (local engine)."
    )
    local_threads: int | None = Field(default=None, ge=1, description="CPU threads for the local model; default: all.")
    temperature: float = 0.0
    max_answer_sentences: int = Field(default=2, ge=1, le=10)
    extractive_ranking: Literal["rules", "learned", "hybrid"] = Field(
        default="rules",
        description="How the extractive engine ranks sentences: hand-set weights, the model learned on news quizzes, "
        "or a model learned on news quizzes over the hand-set ranking's candidates, its score among the features.",
    )
    extractive_reader: str = Field(
        default="",
        description="A local model (smollm2 | qwen-0.5b | qwen-1.5b, or a GGUF path) that chooses the extractive "
        "engine's answer among its ranking's five best sentences; empty: the ranking's first (no model).",
    )
    abstain_threshold: float | None = Field(
        default=None,
        description="Least score at which the extractive engine answers; None: 0.35 (rules) or the model's threshold.",
    )
    max_question_chars: int = Field(default=2000, ge=10, description="Longer questions are refused.")

    # Workspace (briefing ui)
    ui_auth: SecretStr | None = Field(
        default=None, description="'user:password' the UI asks for; required to bind a non-loopback address."
    )

    # Server (`briefing serve`)
    host: str = Field(default="127.0.0.1", description="Address `briefing serve` binds.")
    port: int = Field(default=7860, ge=0, le=65535)
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token the REST API requires; mandatory off loopback."
    )
    max_request_kb: int = Field(
        default=256, ge=1, description="Largest JSON request body; uploads are limited by max_file_mb."
    )
    watch_paths: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Folders, files and feed URLs the server ingests as they change."
    )
    watch_interval_s: float = Field(default=300.0, gt=0, description="Seconds between two watch scans.")
    brief_time: time | None = Field(
        default=None, description="Local time (HH:MM) at which the server drafts the daily briefing."
    )

    @field_validator("watch_paths", mode="before")
    @classmethod
    def _split_paths(cls, v: object) -> object:
        """``BRIEFING_WATCH_PATHS="inbox, https://example.org/feed.xml"``: comma-separated in the environment."""
        if isinstance(v, str):
            return [part.strip() for part in v.split(",") if part.strip()]
        return v

    # Briefs
    briefs_dir: Path | None = Field(default=None, description="Where briefs are stored; default data_dir/briefs.")
    brief_max_words: int = Field(
        default=800, ge=MIN_WORDS, le=MAX_WORDS, description="Default length of a brief, the source list aside."
    )

    @property
    def briefs_path(self) -> Path:
        return self.briefs_dir or self.data_dir / "briefs"

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


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (servers bound anywhere else need
    credentials: ``api_token`` for the API, ``ui_auth`` for the workspace)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
