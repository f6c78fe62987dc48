"""Shared fixtures: real Chroma (embedded and a `chroma run` server), the real embedding model."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for _var in list(os.environ):  # tests never pick up a developer's own configuration
    if _var.startswith("BRIEFING_") or _var == "OPENAI_API_KEY":
        del os.environ[_var]

from assistant import Briefing
from assistant.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assistant" / "sample"
SHARED = ROOT.parent / "shared"
# The user's seed questions: from ../shared when it is there, else the copy kept with the tests.
SEED_DEV = next(
    p for p in (SHARED / "eval" / "seed_dev.jsonl", ROOT / "tests" / "data" / "seed_dev.jsonl") if p.is_file()
)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the exported ONNX model, so the export runs once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def make_settings(tmp_path: Path, model_cache: Path):
    """Settings for an isolated index in ``tmp_path`` that share the session's model cache."""

    def make(**overrides) -> Settings:
        base = {"data_dir": tmp_path / "data", "model_cache_dir": model_cache}
        return Settings(**{**base, **overrides})

    return make


@pytest.fixture
def briefing(make_settings) -> Briefing:
    """An empty Briefing on embedded Chroma in a temp folder."""
    return Briefing(make_settings())


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Briefing:
    """A Briefing with the sample corpus ingested once per session (read-only use)."""
    b = Briefing(Settings(data_dir=tmp_path_factory.mktemp("seeded"), model_cache_dir=model_cache))
    report = b.ingest([str(SAMPLE)])
    assert report.ok, report
    return b


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real `chroma run` server on loopback; yields its URL."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")  # noqa: SIM115 - open for the life of the server
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import httpx

    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"chroma run did not start: {(path / 'server.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
