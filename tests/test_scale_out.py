"""Scale-out: two `briefing serve` processes on one real `chroma run` server share one index, the
keyword (BM25) index of each following the other's writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import ServeProcess

from assistant.client import Client
from assistant.errors import NotFoundError

STARTUP_S = 300  # model and spaCy load in each process, on a busy 2-core machine


@pytest.fixture(scope="module")
def two_servers(
    chroma_server: str, tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    procs = []
    for name in ("a", "b"):
        folder = tmp_path_factory.mktemp(f"serve-{name}")
        env = {
            "BRIEFING_CHROMA_URL": chroma_server,
            "BRIEFING_COLLECTION": "scaleout",
            "BRIEFING_DATA_DIR": str(folder / "data"),
            "BRIEFING_MODEL_CACHE_DIR": str(model_cache),
        }
        procs.append(ServeProcess(env, folder / "serve.log"))
    try:
        for p in procs:
            assert Client(p.url, timeout=STARTUP_S, retries=0).ready().ready, p.log()
        yield procs[0], procs[1]
    finally:
        for p in procs:
            p.stop()


def test_a_document_ingested_through_one_server_is_answerable_through_the_other(
    two_servers: tuple[ServeProcess, ServeProcess], tmp_path: Path
) -> None:
    a, b = (Client(s.url, timeout=STARTUP_S, retries=0) for s in two_servers)
    assert a.search("Kestrelmoor") == [] and b.search("Kestrelmoor") == []  # both keyword indexes built
    (tmp_path / "a.txt").write_text(
        "The Kestrelmoor reservoir fell to 31 percent of capacity in the drought."
    )
    (tmp_path / "b.txt").write_text("Farmers near Quenby received 12 tonnes of seed from the relief fund.")
    [added_a] = a.ingest([str(tmp_path / "a.txt")]).items
    [added_b] = b.ingest([str(tmp_path / "b.txt")]).items
    assert (added_a.status, added_b.status) == ("added", "added")

    answer = b.ask("How full was the Kestrelmoor reservoir?")
    assert "31 percent" in answer.answer and answer.citations[0].doc_id == added_a.doc_id
    hit = b.search("Kestrelmoor", k=1)[0]  # a made-up word only BM25 matches for sure
    assert hit.doc_id == added_a.doc_id and hit.bm25_rank == 1
    answer = a.ask("How much seed did farmers near Quenby receive?")
    assert "12 tonnes" in answer.answer and answer.citations[0].doc_id == added_b.doc_id
    assert a.search("Quenby", k=1)[0].bm25_rank == 1

    assert {d.doc_id for d in a.documents()} == {d.doc_id for d in b.documents()}
    a.remove(added_b.doc_id)  # a removal through one server is seen by the other
    with pytest.raises(NotFoundError):
        b.document(added_b.doc_id)
    assert all(h.doc_id != added_b.doc_id for h in b.search("Quenby seed relief fund"))


def test_an_ingest_does_not_clean_away_another_writers_uncommitted_chunks(briefing, tmp_path: Path) -> None:
    from index.chunking import chunk_text
    from index.loaders import load

    (tmp_path / "mine.txt").write_text("The Harrowgate canal lock was repaired by the river authority.")
    (tmp_path / "theirs.txt").write_text("A second crane arrived at the Dunmere shipyard on Thursday.")
    [theirs] = load(str(tmp_path / "theirs.txt"), briefing.settings)
    chunks = chunk_text(theirs.text)
    # Another process has written its chunks and is about to commit when this one ingests.
    briefing.store.write_chunks([(theirs, chunks)], briefing.embedder.embed([c.text for c in chunks]))
    assert briefing.ingest([str(tmp_path / "mine.txt")]).ok
    briefing.store.commit([(theirs, len(chunks))])
    hit = briefing.search("Dunmere shipyard crane", k=1)[0]
    assert hit.doc_id == theirs.doc_id and hit.text == theirs.text
    # Orphans older than the grace period (a writer that died) are still cleaned up.
    [lost] = load(str(tmp_path / "mine.txt"), briefing.settings, source="elsewhere")
    lost = lost.model_copy(update={"doc_id": "lost", "text": lost.text + " Then it rained."})
    briefing.store.write_chunks([(lost, chunk_text(lost.text))], briefing.embedder.embed([lost.text]))
    assert briefing.store.cleanup(grace_s=3600) == 0
    assert briefing.store.cleanup(grace_s=-1) == 1
