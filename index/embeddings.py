"""Sentence embeddings with all-MiniLM-L6-v2, offline, fast on a small CPU: the embedder and its backends.

Backends (``IndexSettings.embedding_backend``):

* ``torch``     -- plain sentence-transformers; cuda (fp16) when a GPU is present and no device is set.
* ``onnx``      -- the HF model exported once to ONNX (eager attention; mean pooling and L2
                   normalisation inside the graph), run with onnxruntime on the CPU.
* ``onnx-int8`` -- that export, dynamically quantised (int8 MatMul weights). Fastest on CPU.
* ``auto``      -- ``onnx-int8`` on CPU, ``torch`` on a GPU.

The model folder is found and fingerprinted by ``index.embedding_model``; the ONNX files are
exported, quantised and cached on disk by ``index.onnx_export``. Nothing is ever downloaded.

Heavy libraries (torch, transformers, onnxruntime) are imported inside functions, so importing
this module is instant.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.embedding_model import _ModelInfo, _read_json, resolve_model_path
from index.errors import ConfigError
from index.onnx_export import _session_with_cache

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.settings import IndexSettings

logger = logging.getLogger(__name__)

__all__ = ["Embedder", "clear_embedder_cache", "get_embedder"]

BACKENDS = ("onnx-int8", "onnx", "torch")


# --------------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------------


class _OnnxEncoder:
    def __init__(self, info: _ModelInfo, cache_folder: Path, int8: bool) -> None:
        self.info = info
        self.session = _session_with_cache(info, cache_folder, int8)
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.tokenizer = self._tokenizer(info)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.pad_id = (
            pad if pad is not None else int(_read_json(info.path / "config.json").get("pad_token_id") or 0)
        )

    @staticmethod
    def _tokenizer(info: _ModelInfo):
        if (info.path / "tokenizer.json").is_file():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(info.path / "tokenizer.json"))
        else:  # an older folder with only vocab.txt: let transformers build the fast tokenizer
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(str(info.path), use_fast=True, local_files_only=True)
            tok = tok.backend_tokenizer
        # tokenizer.json ships with its own truncation (128) and fixed padding: use the model's limit.
        tok.no_padding()
        tok.enable_truncation(max_length=info.max_seq_length)
        return tok

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if self.info.do_lower_case:
            texts = [t.lower() for t in texts]
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=True)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(-lengths, kind="stable")  # longest first: less padding per batch
        out = np.empty((len(texts), self.info.dim), dtype=np.float32)
        want_types = "token_type_ids" in self.input_names
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = int(lengths[idx].max())
            ids = np.full((len(idx), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64) if want_types else None
            for row, i in enumerate(idx):
                enc = encodings[i]
                n = len(enc.ids)
                ids[row, :n] = enc.ids
                mask[row, :n] = 1
                if types is not None:
                    types[row, :n] = enc.type_ids
            feed = {"input_ids": ids, "attention_mask": mask}
            if types is not None:
                feed["token_type_ids"] = types
            (emb,) = self.session.run(None, feed)
            out[idx] = emb
        return out


class _TorchEncoder:
    def __init__(self, info: _ModelInfo, device: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.device = device
        self.model = SentenceTransformer(str(info.path), device=device, local_files_only=True)
        self.fp16 = device.startswith("cuda")
        if self.fp16:
            self.model.half()
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim() or info.dim)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        emb = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        emb = np.asarray(emb, dtype=np.float32)
        if self.fp16:  # re-normalise in fp32
            emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        return emb


def _resolve(settings: IndexSettings, info: _ModelInfo) -> tuple[str, str]:
    """(backend, device) actually used."""
    backend = settings.embedding_backend
    requested = settings.device
    if backend not in ("auto", *BACKENDS):
        raise ConfigError(f"embedding_backend must be one of auto, {', '.join(BACKENDS)}; got {backend!r}")
    if backend == "auto":
        if requested is None:
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        else:
            device = requested
        if device != "cpu":
            return "torch", device
        if info.onnx_problem:
            logger.info("using the torch backend: %s", info.onnx_problem)
            return "torch", "cpu"
        return "onnx-int8", "cpu"
    if backend == "torch":
        if requested is None:
            import torch

            return "torch", "cuda" if torch.cuda.is_available() else "cpu"
        return "torch", requested
    if info.onnx_problem:
        raise ConfigError(
            f"embedding_backend={backend!r} cannot run {info.path}: {info.onnx_problem}; use 'torch'"
        )
    if requested not in (None, "cpu"):
        logger.warning("the %s embedding backend runs on the CPU; device %r is ignored", backend, requested)
    return backend, "cpu"


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


class Embedder:
    """Embeds texts into L2-normalised float32 vectors; see the module docstring for backends."""

    def __init__(self, settings: IndexSettings) -> None:
        self.settings = settings
        self.model_path = resolve_model_path(settings)
        info = _ModelInfo(self.model_path)
        self.model_name = info.name
        self.backend, self.device = _resolve(settings, info)
        self.batch_size = settings.embedding_batch_size
        self.cache_dir: Path | None = None
        started = time.perf_counter()
        self._encoder: _OnnxEncoder | _TorchEncoder
        if self.backend != "torch":
            if info.dim <= 0:
                raise ConfigError(f"cannot tell the embedding size of {self.model_path}")
            self.cache_dir = Path(settings.models_dir) / f"{info.name}-{info.fingerprint}"
            try:
                self._encoder = _OnnxEncoder(info, self.cache_dir, int8=self.backend == "onnx-int8")
            except Exception as exc:
                if settings.embedding_backend != "auto":
                    if isinstance(exc, OSError):
                        raise ConfigError(
                            f"cannot write the ONNX model cache under {self.cache_dir} ({exc}); "
                            "set BRIEFING_MODEL_CACHE_DIR (or BRIEFING_DATA_DIR) to a writable folder "
                            "or use embedding_backend='torch'"
                        ) from exc
                    raise
                logger.warning(
                    "the %s embedding backend failed (%s); falling back to torch", self.backend, exc
                )
                self.backend, self.cache_dir = "torch", None
        extra = ""
        if self.backend == "torch":
            self._encoder = _TorchEncoder(info, self.device)
            self.dim = self._encoder.dim
            extra = ", fp16" if self._encoder.fp16 else ""
        else:
            self.dim = info.dim
        self.name = f"{info.name} ({self.backend}, {self.device}{extra})"
        logger.info("embedder ready in %.1f s: %s", time.perf_counter() - started, self.name)

    def __repr__(self) -> str:
        return f"Embedder({self.name!r})"

    def embed(self, texts: list[str], *, batch_size: int | None = None) -> np.ndarray:
        """Embed ``texts``: float32 array of shape (len(texts), dim), rows L2-normalised, order kept."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of strings; use embed_query() for one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"texts[{i}] is {type(t).__name__}, not str")
        size = self.batch_size if batch_size is None else batch_size
        if size < 1:
            raise ValueError("batch_size must be >= 1")
        return np.ascontiguousarray(self._encoder.encode(texts, size), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one string: float32 array of shape (dim,)."""
        if not isinstance(text, str):
            raise TypeError(f"text is {type(text).__name__}, not str")
        return self.embed([text])[0]

    def as_langchain(self) -> Embeddings:
        """A ``langchain_core.embeddings.Embeddings`` adapter (lists of floats)."""
        return _langchain_adapter_class()(self)


@lru_cache(maxsize=1)
def _langchain_adapter_class() -> type:
    from langchain_core.embeddings import Embeddings

    class BriefingEmbeddings(Embeddings):
        """LangChain view of an :class:`Embedder`."""

        def __init__(self, embedder: Embedder) -> None:
            self.embedder = embedder

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embedder.embed(list(texts)).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed_query(text).tolist()

        def __repr__(self) -> str:
            return f"BriefingEmbeddings({self.embedder.name!r})"

    return BriefingEmbeddings


_CACHE: dict[tuple[str, str, str | None, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: IndexSettings) -> Embedder:
    """The process-wide :class:`Embedder` for these settings (model path, backend, device, model cache).

    Loaded once; later calls with equal settings get the same object. ``embedding_batch_size`` is
    not part of the key: the first caller's value is the default, pass ``batch_size=`` to override.
    """
    key = (
        str(resolve_model_path(settings)),
        settings.embedding_backend,
        settings.device,
        str(Path(settings.models_dir).expanduser().resolve()),
    )
    with _CACHE_LOCK:
        embedder = _CACHE.get(key)
        if embedder is None:
            embedder = _CACHE[key] = Embedder(settings)
        return embedder


def clear_embedder_cache() -> None:
    """Forget the cached embedders (tests; freeing memory)."""
    with _CACHE_LOCK:
        _CACHE.clear()
