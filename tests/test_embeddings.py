"""Embedder tests against the real packaged all-MiniLM-L6-v2 (no mocks).

The ONNX export and int8 quantisation run once per test session, into a session-scoped folder.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from index.embeddings import Embedder, get_embedder
from index.onnx_export import ONNX_FP32, ONNX_INT8

pytestmark = pytest.mark.timeout(300)

SENTENCES = [
    "Rates held.",
    "The central bank kept its key interest rate unchanged on Thursday.",
    (
        "Wildfires forced thousands of residents to evacuate as strong winds pushed the flames toward "
        "the outskirts of the city, officials said, adding that several roads had been closed."
    ),
    " ".join(
        [
            (
                "The committee published a long report on the state of the national railway network, "
                "covering maintenance backlogs, delays, ticket prices and the cost of new lines."
            )
        ]
        * 12
    ),  # > 256 tokens: exercises truncation
]

PASSAGES = [
    "The central bank raised interest rates by a quarter point to fight persistent inflation.",
    "The football club signed a new striker for a record transfer fee before the deadline.",
    "Heavy rain caused flooding in the river valley, and hundreds of homes were evacuated.",
    "The tech company unveiled a new smartphone with a faster chip and a better camera.",
    "Scientists discovered a new species of frog in the rainforests of South America.",
    "The prime minister announced a cabinet reshuffle after the finance minister resigned.",
    "Oil prices fell sharply after producers agreed to increase output next month.",
    "The museum reopened its ancient Egypt gallery after a two-year renovation.",
    "A vaccine trial showed strong protection against the new strain of the virus.",
    "The airline cancelled hundreds of flights because of a strike by pilots.",
]
QUERIES = [
    ("Why did borrowing costs go up?", 0),
    ("Which player did the team buy?", 1),
    ("Where did the floods happen?", 2),
    ("What phone was launched?", 3),
    ("Who quit the government?", 5),
    ("Were flights disrupted by industrial action?", 9),
]


# ``model_cache`` (tests/conftest.py) is the session's ONNX model folder, shared with the other test
# files, so the export and the quantisation run once per test session.


@pytest.fixture(scope="session")
def emb_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    data_dir = tmp_path_factory.mktemp("embeddings-data")

    def make(backend: str, *, cache: Path | None = None, **kw) -> Settings:
        base = {"data_dir": data_dir, "model_cache_dir": cache or model_cache, "device": "cpu"}
        return Settings(**{**base, **kw}, embedding_backend=backend)

    return make


@pytest.fixture(scope="session")
def torch_emb(emb_settings) -> Embedder:
    return get_embedder(emb_settings("torch"))


@pytest.fixture(scope="session")
def onnx_emb(emb_settings) -> Embedder:
    return get_embedder(emb_settings("onnx"))


@pytest.fixture(scope="session")
def int8_emb(emb_settings) -> Embedder:
    return get_embedder(emb_settings("onnx-int8"))


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _check_unit_rows(emb: np.ndarray, n: int) -> None:
    assert emb.dtype == np.float32
    assert emb.shape == (n, 384)
    assert np.isfinite(emb).all()
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)


def test_import_is_lazy():
    code = (
        "import sys, index.embeddings\n"
        "heavy = [m for m in ('torch', 'transformers', 'onnxruntime', 'sentence_transformers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_names_and_backends(torch_emb, onnx_emb, int8_emb):
    for emb, backend in ((torch_emb, "torch"), (onnx_emb, "onnx"), (int8_emb, "onnx-int8")):
        assert emb.backend == backend
        assert emb.dim == 384
        assert emb.name.startswith("all-MiniLM-L6-v2 (")
        assert backend in emb.name


def test_get_embedder_is_cached(emb_settings, int8_emb):
    assert get_embedder(emb_settings("onnx-int8")) is int8_emb


def test_auto_backend(emb_settings):
    import torch

    emb = get_embedder(emb_settings("auto", device=None))
    assert emb.backend == ("torch" if torch.cuda.is_available() else "onnx-int8")


def test_onnx_matches_torch(torch_emb, onnx_emb):
    ref = torch_emb.embed(SENTENCES)
    got = onnx_emb.embed(SENTENCES)  # one padded batch of very different lengths
    _check_unit_rows(got, len(SENTENCES))
    assert _cos(ref, got).min() > 0.999


def test_int8_close_to_torch_and_same_ranking(torch_emb, int8_emb):
    ref = torch_emb.embed(SENTENCES)
    got = int8_emb.embed(SENTENCES)
    _check_unit_rows(got, len(SENTENCES))
    assert _cos(ref, got).min() > 0.98

    queries = [q for q, _ in QUERIES]
    expected = [i for _, i in QUERIES]
    top1 = {}
    for emb in (torch_emb, int8_emb):
        scores = emb.embed(queries) @ emb.embed(PASSAGES).T
        top1[emb.backend] = scores.argmax(axis=1).tolist()
    assert top1["torch"] == expected
    assert top1["onnx-int8"] == top1["torch"]


@pytest.mark.parametrize("which", ["onnx", "int8"])
def test_order_preserved_with_length_sorting(which, onnx_emb, int8_emb):
    emb = onnx_emb if which == "onnx" else int8_emb
    texts = SENTENCES + PASSAGES + [q for q, _ in QUERIES] + ["", "x"]
    random.Random(7).shuffle(texts)
    batched = emb.embed(texts, batch_size=4)
    single = np.stack([emb.embed_query(t) for t in texts])
    _check_unit_rows(batched, len(texts))
    # fp32 is exact up to float noise. int8 quantises activations per tensor, i.e. per batch, so the
    # batch mates move a vector a little (seen: cosine 0.97-0.997 batched vs alone).
    assert _cos(batched, single).min() > (0.9999 if which == "onnx" else 0.95)
    # and each row is nearest to its own single embedding
    assert ((batched @ single.T).argmax(axis=1) == np.arange(len(texts))).all()


@pytest.mark.parametrize("backend", ["torch", "onnx", "onnx-int8"])
def test_empty_inputs(backend, torch_emb, onnx_emb, int8_emb):
    emb = {"torch": torch_emb, "onnx": onnx_emb, "onnx-int8": int8_emb}[backend]
    empty = emb.embed([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    _check_unit_rows(emb.embed(["", "   ", "a"]), 3)
    q = emb.embed_query("")
    assert q.shape == (384,) and q.dtype == np.float32


def test_rejects_non_strings(int8_emb):
    with pytest.raises(TypeError):
        int8_emb.embed("not a list")
    with pytest.raises(TypeError):
        int8_emb.embed(["ok", None])


def test_cache_is_reused(emb_settings, model_cache, int8_emb):
    folder = int8_emb.cache_dir
    assert folder is not None and folder.parent == model_cache
    assert folder.name.startswith("all-MiniLM-L6-v2-")
    files = [folder / ONNX_FP32, folder / ONNX_INT8]
    before = [f.stat().st_mtime_ns for f in files]
    again = Embedder(emb_settings("onnx-int8"))  # a fresh object, not the cached one
    assert [f.stat().st_mtime_ns for f in files] == before
    assert not list(folder.glob("*.tmp"))
    np.testing.assert_allclose(again.embed(PASSAGES), int8_emb.embed(PASSAGES), atol=1e-6)


@pytest.mark.parametrize("broken", [ONNX_INT8, ONNX_FP32])
def test_corrupt_cache_file_is_replaced(broken, tmp_path, emb_settings, torch_emb, int8_emb):
    # A private copy of the session's cache: other test files keep using the shared one.
    folder = tmp_path / "models" / int8_emb.cache_dir.name
    shutil.copytree(int8_emb.cache_dir, folder)
    target = folder / broken
    target.write_bytes(b"this is not an onnx model")
    backend = "onnx-int8" if broken == ONNX_INT8 else "onnx"
    emb = Embedder(emb_settings(backend, cache=tmp_path / "models"))
    assert emb.cache_dir == folder
    assert target.stat().st_size > 1_000_000
    assert not list(folder.glob("*.tmp"))
    got = emb.embed(SENTENCES)
    assert _cos(torch_emb.embed(SENTENCES), got).min() > (0.98 if broken == ONNX_INT8 else 0.999)


def test_as_langchain(int8_emb):
    from langchain_core.embeddings import Embeddings

    lc = int8_emb.as_langchain()
    assert isinstance(lc, Embeddings)
    docs = lc.embed_documents(PASSAGES[:3])
    assert isinstance(docs, list) and len(docs) == 3
    assert all(isinstance(v, list) and len(v) == 384 and isinstance(v[0], float) for v in docs)
    query = lc.embed_query(PASSAGES[0])
    assert isinstance(query, list) and len(query) == 384
    np.testing.assert_allclose(query, int8_emb.embed_query(PASSAGES[0]), atol=1e-6)
    assert lc.embed_documents([]) == []


def test_unwritable_cache(tmp_path, emb_settings):
    from assistant.errors import ConfigError

    not_a_dir = tmp_path / "models"
    not_a_dir.write_text("a file where the model cache folder should be")
    with pytest.raises(ConfigError, match="ONNX model cache"):
        Embedder(emb_settings("onnx-int8", cache=not_a_dir))
    fallback = Embedder(emb_settings("auto", cache=not_a_dir))  # auto falls back to torch
    assert fallback.backend == "torch"
    _check_unit_rows(fallback.embed(["still works"]), 1)


def test_bad_batch_size(int8_emb):
    with pytest.raises(ValueError):
        int8_emb.embed(["a"], batch_size=0)
