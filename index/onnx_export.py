"""ONNX export, int8 quantisation and cached loading of the embedding model (for ``index.embeddings``).

The HF model is exported once (eager attention; mean or cls pooling and L2 normalisation inside
the graph), then dynamically quantised (int8 MatMul weights), and cached under
``models_dir/<model-name>-<fingerprint>/model.onnx|model-int8.onnx``; writes are atomic
(temporary file in the same folder, then ``os.replace``), and a cached file that fails to load
is exported again. torch, transformers and onnxruntime are imported inside the functions.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from index.embedding_model import _ModelInfo

logger = logging.getLogger(__name__)

__all__ = ["ONNX_FP32", "ONNX_INT8", "OPSET", "export_onnx", "quantize_onnx"]

ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model-int8.onnx"
OPSET = 17
# Part of the cache fingerprint: change it whenever the export recipe changes.
_EXPORT_RECIPE = "v1 eager-attention mean|cls-pool+l2-in-graph opset17 int8:dynamic,per-channel,QInt8,MatMul"
_STALE_TMP_S = 3600


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
