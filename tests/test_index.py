"""Ingest into real Chroma with the real embedding model: search, updates, removal, bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant import Briefing
from assistant.errors import NotFoundError
from index.store import chunk_id, version_of
from index.types import RawDocument, SearchFilters
from tests.conftest import SAMPLE

KYIV = "drones intercepted over Kyiv"


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def test_sample_search_puts_the_interception_chunk_first_with_exact_offsets(seeded: Briefing) -> None:
    hits = seeded.search(KYIV, k=5)
    assert hits, "no hits"
    top = hits[0]
    assert "39 of the 71 drones" in top.text
    stored = seeded.document(top.doc_id).text
    assert stored[top.start : top.end] == top.text
    assert top.title and top.source


def test_reingesting_the_same_corpus_changes_nothing(seeded: Briefing) -> None:
    before = [(d.doc_id, d.content_hash, d.ingested_at) for d in seeded.documents()]
    chunks = seeded.store.count_chunks()
    report = seeded.ingest([str(SAMPLE)])
    assert report.ok
    assert {i.status for i in report.items} == {"unchanged"}
    assert [(d.doc_id, d.content_hash, d.ingested_at) for d in seeded.documents()] == before
    assert seeded.store.count_chunks() == chunks


def test_changed_file_replaces_its_chunks_and_remove_deletes(briefing: Briefing, tmp_path: Path) -> None:
    f = _write(
        tmp_path / "in",
        "report.txt",
        "The convoy reached Kharkiv at dawn on Tuesday. It carried 40 tonnes of grain.",
    )
    assert briefing.ingest([str(f)]).count("added") == 1
    f.write_text(
        "The convoy reached Odesa at noon on Friday. It carried 12 tonnes of medicine.", encoding="utf-8"
    )
    report = briefing.ingest([str(f)])
    assert report.count("updated") == 1
    [doc] = briefing.documents()
    assert "Odesa" in briefing.document(doc.doc_id).text
    texts = [t for _, t, _ in briefing.store.all_chunks()]
    assert texts and all("Kharkiv" not in t for t in texts)
    assert all("Kharkiv" not in h.text for h in briefing.search("convoy Kharkiv grain"))
    briefing.remove(doc.doc_id)
    assert briefing.documents() == [] and briefing.store.count_chunks() == 0
    with pytest.raises(NotFoundError):
        briefing.remove(doc.doc_id)


def test_exact_duplicates_are_skipped(briefing: Briefing, tmp_path: Path) -> None:
    text = "Ministers met in Vienna on Monday to discuss the grain corridor."
    a = _write(tmp_path / "in", "a.txt", text)
    b = _write(tmp_path / "in", "b.txt", text)
    report = briefing.ingest([str(a), str(b)])
    assert report.count("added") == 1 and report.count("duplicate") == 1
    assert "same text as" in next(i for i in report.items if i.status == "duplicate").reason


def test_bad_files_are_reported_and_good_ones_go_in(briefing: Briefing, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    _write(folder, "good.txt", "The port of Constanta handled record grain volumes in March 2024.")
    _write(
        folder,
        "good.json",
        json.dumps(
            {
                "id": "rec-1",
                "title": "Record",
                "text": "Shipping rose 12 percent.",
                "source": "wire",
                "published": "2024-03-02",
            }
        ),
    )
    _write(folder, "empty.txt", "   \n")
    _write(folder, "binary.txt", b"\x00\x01\x02\x03" * 100)
    _write(folder, "latin1.txt", "Caf\xe9 cr\xe8me \xe0 la carte".encode("latin-1") + b"\xff\xfe\xfa")
    _write(folder, "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    _write(folder, "broken.json", '{"id": "x", "text": ')
    _write(
        folder,
        "noise.html",
        "<html><head><script>var a=1;</script></head><body><script>track()</script></body></html>",
    )
    _write(folder, "table.xyz", "some data")
    first = briefing.ingest([str(folder)])
    assert not first.ok
    # Legacy encodings are decoded (charset-normalizer), not refused.
    assert {i.origin.split("/")[-1] for i in first.items if i.status == "added"} >= {"good.txt", "latin1.txt"}
    assert "rec-1" in {d.doc_id for d in briefing.documents()}
    failed = {Path(i.origin).name: i.reason for i in first.failed}
    assert set(failed) >= {
        "empty.txt",
        "binary.txt",
        "broken.pdf",
        "broken.json",
        "noise.html",
        "table.xyz",
    }
    assert all(reason and "\n" not in reason for reason in failed.values())
    # Bad input never touches what is stored; a second run reports the same and changes nothing.
    stored = {d.doc_id: d.content_hash for d in briefing.documents()}
    again = briefing.ingest([str(folder)])
    assert {d.doc_id: d.content_hash for d in briefing.documents()} == stored
    assert again.count("unchanged") == 3 and len(again.failed) == len(first.failed)


def test_cli_exit_code_and_summary(tmp_path: Path, make_settings, monkeypatch, capsys) -> None:
    from assistant.cli import main

    s = make_settings()
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(s.data_dir))
    monkeypatch.setenv("BRIEFING_MODEL_CACHE_DIR", str(s.model_cache_dir))
    good = _write(tmp_path / "in", "ok.md", "# Note\n\nThe summit ended without agreement on Friday.")
    bad = _write(tmp_path / "in", "bad.txt", "")
    assert main(["ingest", "--no-progress", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "added 1" in out and "bad.txt" in out and "empty" in out
    assert main(["ingest", "--no-progress", str(good)]) == 0
    assert "unchanged 1" in capsys.readouterr().out
    assert main(["search", "summit agreement", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["text"].startswith("# Note") or "summit" in hits[0]["text"]
    assert main(["remove", "nope"]) == 2
    assert "no document" in capsys.readouterr().err


def test_interrupted_ingest_leaves_no_half_document(briefing: Briefing, tmp_path: Path) -> None:
    f = _write(
        tmp_path / "in", "a.txt", "Shelling hit Kharkiv's northern district overnight. Two people were hurt."
    )
    # Simulate a kill between writing chunks and committing the document.
    from index.loaders import load

    [doc] = load(str(f), briefing.settings)
    chunks = briefing.store
    vec = briefing.embedder.embed([doc.text])
    from index.chunking import chunk_text

    cs = chunk_text(doc.text)
    chunks.write_chunks([(doc, cs)], vec)
    assert briefing.documents() == []
    assert briefing.search("Kharkiv shelling") == []
    report = briefing.ingest([str(f)])
    assert report.count("added") == 1
    ids = [cid for cid, _, _ in briefing.store.all_chunks()]
    assert ids == [chunk_id(doc.doc_id, version_of(doc.hash), 0)]
    assert briefing.search("Kharkiv shelling")[0].doc_id == doc.doc_id


def test_filters_by_source_and_date(briefing: Briefing, tmp_path: Path) -> None:
    recs = [
        {
            "id": "a1",
            "title": "A",
            "text": "Floods hit the northern province after heavy rain.",
            "source": "alpha",
            "published": "2024-10-01",
        },
        {
            "id": "b1",
            "title": "B",
            "text": "Floods hit the southern valley after a dam failed.",
            "source": "beta",
            "published": "2024-10-20",
        },
        {"id": "c1", "title": "C", "text": "Floods in the capital closed schools.", "source": "beta"},
    ]
    f = _write(tmp_path / "in", "recs.jsonl", "\n".join(json.dumps(r) for r in recs))
    assert briefing.ingest([str(f)]).count("added") == 3
    assert {h.doc_id for h in briefing.search("floods", sources=["alpha"])} == {"a1"}
    assert {h.doc_id for h in briefing.search("floods", since="2024-10-10")} == {"b1"}
    assert {h.doc_id for h in briefing.search("floods", until="2024-10-10")} == {"a1"}
    assert {h.doc_id for h in briefing.search("floods")} == {"a1", "b1", "c1"}
    # an as-of bound keeps undated documents; an explicit range leaves them out
    as_of = SearchFilters(as_of=date(2024, 10, 10))
    assert {h.doc_id for h in briefing.searcher.search("floods", None, as_of)} == {"a1", "c1"}


def test_dense_filters_in_python_or_in_chroma_give_the_same_chunks(
    briefing: Briefing, tmp_path: Path
) -> None:
    from index.store import chroma_where

    recs = [
        {
            "id": f"r{i:02d}",
            "title": f"Report {i}",
            "text": f"Floods in district {i} closed {i + 2} schools and damaged {3 * i} bridges.",
            "source": "alpha" if i % 3 else "beta",
            **({"published": f"2024-10-{1 + i % 28:02d}"} if i % 7 else {}),
        }
        for i in range(40)
    ]
    f = _write(tmp_path / "in", "recs.jsonl", "\n".join(json.dumps(r) for r in recs))
    assert briefing.ingest([str(f)]).count("added") == 40
    store = briefing.store
    q = briefing.embedder.embed_query("floods closed schools")
    cases = [
        SearchFilters(as_of=date(2024, 10, 27)),  # broad: filtered in Python
        SearchFilters(since=date(2024, 10, 20), until=date(2024, 10, 22)),  # narrow: Chroma's filter
        SearchFilters(until=date(2024, 10, 25)),
        SearchFilters(sources=["beta"], as_of=date(2024, 10, 15)),
        SearchFilters(doc_ids=["r03", "r05"]),
    ]
    for filters in cases:
        got = store.dense(q, 5, filters)
        want = store._query(q, 5, chroma_where(filters))
        assert [c for c, *_ in got] == [c for c, *_ in want], filters
        assert got and all(filters.admits(meta) for *_, meta in got)
    undated = {"source": "alpha", "doc_id": "x", "day": 0}
    assert SearchFilters(as_of=date(2024, 10, 1)).admits(undated)
    assert not SearchFilters(until=date(2024, 10, 1)).admits(undated)


def test_langchain_retriever_returns_documents_with_offsets(seeded: Briefing) -> None:
    docs = seeded.retriever(k=3).invoke(KYIV)
    assert len(docs) == 3
    assert "39 of the 71 drones" in docs[0].page_content
    assert docs[0].metadata["end"] > docs[0].metadata["start"]


def test_chroma_server_backend_shares_one_index(chroma_server: str, make_settings, tmp_path: Path) -> None:
    a = Briefing(make_settings(chroma_url=chroma_server, collection="srvtest", data_dir=tmp_path / "a"))
    b = Briefing(make_settings(chroma_url=chroma_server, collection="srvtest", data_dir=tmp_path / "b"))
    report = a.ingest([str(SAMPLE)])
    assert report.ok and report.count("added") == 1
    hits = b.search(KYIV)
    assert "39 of the 71 drones" in hits[0].text
    assert b.ingest([str(SAMPLE)]).count("unchanged") == 1
    assert not (tmp_path / "a" / "chroma").exists()


def test_raw_document_hash_is_of_text() -> None:
    d = RawDocument(doc_id="x", text="abc")
    assert d.hash == RawDocument(doc_id="y", text="abc").hash != RawDocument(doc_id="x", text="abd").hash


def test_keyword_index_rebuilt_after_changes_reads_only_new_chunks(
    briefing: Briefing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.search as search_mod

    folder = tmp_path / "in"
    _write(folder, "a.txt", "Floods closed the port of Constanta for two days in March.")
    b = _write(folder, "b.txt", "Grain exports through Odesa rose by a third after the corridor opened.")
    _write(folder, "d.txt", "The Danube ferry to Romania resumed on Tuesday.")
    assert briefing.ingest([str(folder)]).count("added") == 3
    assert briefing.search("grain exports Odesa")[0].text.startswith("Grain exports")

    tokenised: list[str] = []
    real = search_mod.tokenize

    def counting(texts: list[str]) -> list[list[str]]:
        tokenised.extend(texts)
        return real(texts)

    monkeypatch.setattr(search_mod, "tokenize", counting)
    b.write_text("Grain exports through Odesa fell by half when shelling hit the port.", encoding="utf-8")
    _write(folder, "c.txt", "Shelling damaged grain silos near Izmail overnight.")
    briefing.ingest([str(folder)])
    briefing.remove(next(d.doc_id for d in briefing.documents() if d.origin.endswith("a.txt")))
    queries = ["grain exports Odesa", "shelling silos Izmail", "floods Constanta port", "Danube ferry"]
    got = [[(h.chunk_id, round(h.score, 9)) for h in briefing.search(q)] for q in queries]
    # only the new chunks were tokenised (plus the queries), and the result is a full rebuild's
    assert [t for t in tokenised if t not in queries] == [
        "Grain exports through Odesa fell by half when shelling hit the port.",
        "Shelling damaged grain silos near Izmail overnight.",
    ]
    fresh = Briefing(briefing.settings)
    assert [[(h.chunk_id, round(h.score, 9)) for h in fresh.search(q)] for q in queries] == got
    assert all("Constanta" not in h.text for h in briefing.search("floods Constanta port"))


def test_one_article_under_two_headlines_is_one_document_whose_headline_is_searchable(
    briefing: Briefing, tmp_path: Path
) -> None:
    body = "The regional water board raised the reservoir's safe level by two metres after the dam repairs."
    recs = [
        {"id": "wa", "title": "Reservoir level raised after dam repairs", "text": body, "source": "alpha"},
        {"id": "wb", "title": "Water board lifts dam limit", "text": body, "source": "beta"},
    ]
    f = _write(tmp_path / "in", "dup.jsonl", "\n".join(json.dumps(r) for r in recs))
    report = briefing.ingest([str(f)])
    assert sorted(i.status for i in report.items) == ["added", "duplicate"]
    kept = next(i.doc_id for i in report.items if i.status == "added")
    doc = briefing.document(kept)
    title = doc.info.title
    assert doc.text.startswith(title + "\n\n") and doc.text.endswith(body)
    hits = briefing.search(title, k=1)
    assert hits[0].doc_id == kept and hits[0].text.startswith(title)
